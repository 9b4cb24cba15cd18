"""Deterministic website filenames: pure slug/pattern functions plus reservation through the store.

The reference system (seed-system.md §6) names files `{Subject}_{Location}_{Category}_Photography_{NNN}
.JPG`, keeps Unicode letters, protects aircraft codes (`PH-BXA`, `737-800`) and guarantees uniqueness
case-insensitively against its registry and the files already on the site. Here the registry is the
store's UNIQUE name index, so a race between two reservations is a failed insert and a retry, never a
silent duplicate.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from unidecode import unidecode

from .errors import Conflict, InvalidInput, NameTooLong

DEFAULT_PATTERN = "{Subject}_{Location}_{Category}_Photography_{NNN}.JPG"
TOKENS = ("Subject", "Location", "Category", "Camera", "Year", "NNN")
_MARK = "\x00NNN\x00"  # stands for the counter while the rest of the name is built
_MAX_ATTEMPTS = 2000

# A hyphenated code worth keeping: parts of letters/digits, and either a digit somewhere or all
# letters upper case (PH-BXA, B-2437, 737-800, 72-600, F-16) - but not ordinary words (well-known).
_CODE = re.compile(r"(?<![^\W_])[^\W_]+(?:-[^\W_]+)+(?![^\W_])")
_NON_WORD = re.compile(r"[^\w]+")
_UNDERSCORES = re.compile(r"_+")


class NameStore(Protocol):
    def reserve_name(self, name: str, photo_id: int) -> bool: ...
    def reserved_names_like(self, prefix: str) -> list[str]: ...


def _is_code(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return any(c.isdigit() for c in token) or (bool(letters) and all(c.isupper() for c in letters))


def slugify(text: str, *, transliterate: bool = False) -> str:
    """'&' -> 'and', every other non-word character -> '_', runs collapsed, ends stripped.

    Hyphenated aircraft-style codes keep their hyphens. Case is kept. Unicode letters are kept, or
    turned into ASCII with unidecode when `transliterate` is set.
    """
    text = str(text or "").replace("\x01", " ")
    if transliterate:
        text = unidecode(text)
    text = text.replace("&", " and ")
    kept: list[str] = []

    def protect(m: re.Match[str]) -> str:
        if not _is_code(m.group(0)):
            return m.group(0)
        kept.append(m.group(0))
        return f" \x01{len(kept) - 1}\x01 "

    text = _CODE.sub(protect, text)
    parts = re.split(r"\x01(\d+)\x01", text)
    out = []
    for i, part in enumerate(parts):
        out.append(kept[int(part)] if i % 2 else _NON_WORD.sub("_", part))
    slug = _UNDERSCORES.sub("_", "_".join(out))
    return slug.strip("_")


def _title_tokens(slug: str) -> str:
    """Per-token title case (reference rule for location and category), all-caps tokens kept."""
    return "_".join(t if t.isupper() or not t[:1].isalpha() else t[:1].upper() + t[1:]
                    for t in slug.split("_"))


def _template(pattern: str, *, subject: str, location: str, category: str, camera: str, year: str,
              transliterate: bool) -> str:
    """The name with the counter left as a marker; always ends in '.JPG'."""
    pattern = pattern or DEFAULT_PATTERN
    stem = re.sub(r"\.[A-Za-z0-9]{2,4}$", "", pattern)
    if "{NNN}" not in stem:
        stem += "_{NNN}"
    cat = _title_tokens(slugify(category, transliterate=transliterate))
    if cat.casefold().endswith("photography"):
        stem = re.sub(r"\{Category\}_Photography(?![A-Za-z])", "{Category}", stem)
    values = {
        "Subject": slugify(subject, transliterate=transliterate),
        "Location": _title_tokens(slugify(location, transliterate=transliterate)),
        "Category": cat,
        "Camera": slugify(camera, transliterate=transliterate),
        "Year": slugify(str(year or ""), transliterate=transliterate),
        "NNN": _MARK,
    }

    def fill(m: re.Match[str]) -> str:
        return values.get(m.group(1), m.group(0))

    name = re.sub(r"\{(\w+)\}", fill, stem)
    name = _UNDERSCORES.sub("_", name).strip("_")
    return name + ".JPG"


def render(pattern: str, *, subject: str, location: str, category: str, camera: str = "", year: str = "",
           index: int, transliterate: bool = False) -> str:
    """One filename from the pattern; tokens {Subject} {Location} {Category} {Camera} {Year} {NNN}."""
    tpl = _template(pattern, subject=subject, location=location, category=category, camera=camera,
                    year=year, transliterate=transliterate)
    return tpl.replace(_MARK, f"{index:03d}")


def preview(settings: Any, *, subject: str, location: str, category: str, camera: str = "",
            year: str = "") -> str:
    """The name the first photo of a set would get (shown before import; index 1)."""
    return render(settings.name_pattern, subject=subject, location=location, category=category,
                  camera=camera, year=year, index=1, transliterate=settings.transliterate)


def check_length(name: str, limit: int) -> None:
    if len(name) > limit:
        raise NameTooLong(
            f"The filename would be {len(name)} characters, over the limit of {limit}: {name}. "
            "Shorten the subject, location or category."
        )


def site_names(settings: Any, year: str, category: str) -> list[str]:
    """Files already on the local site for this year and category (web folder and thumbs)."""
    root = Path(settings.site_dir)
    names: list[str] = []
    folders = {category, slugify(category), _title_tokens(slugify(category))} - {""}
    for folder in folders:
        for d in (root / year / folder, root / year / "thumbs" / folder):
            if d.is_dir():
                names.extend(p.name for p in d.iterdir())
    return names


def reserve(store: NameStore, settings: Any, photo: Any, *,
            catalog_names: Callable[[str], list[str]]) -> str:
    """Reserve and return the next free name for `photo` (counter after the highest existing one).

    Taken means: reserved in the store, in the catalog mirror, or a file on the local site tree,
    compared case-insensitively. A lost race (the store refuses the insert) moves to the next index.
    """
    year = str(getattr(photo, "year", "") or _dt.date.today().year)
    tpl = _template(settings.name_pattern, subject=photo.subject, location=photo.location,
                    category=photo.category, camera=getattr(photo, "camera", ""), year=year,
                    transliterate=settings.transliterate)
    prefix, suffix = tpl.split(_MARK)
    check_length(prefix + "001" + suffix, settings.name_max_length)
    current = getattr(photo, "file_name", "")
    owner = getattr(store, "name_owner", None)
    if current and _index_of(current, prefix, suffix) is not None and owner and owner(current) == photo.id:
        return str(current)  # resumed run: this photo already holds a name of this stem
    return _reserve_next(store, settings, photo, prefix, suffix, year, catalog_names)


def _reserve_next(store: NameStore, settings: Any, photo: Any, prefix: str, suffix: str, year: str,
                  catalog_names: Callable[[str], list[str]], first: int = 0) -> str:
    """Reserve prefix + NNN + suffix with NNN above every taken index (and >= `first`)."""
    pattern = re.compile(re.escape(prefix) + r"(\d{3,})" + re.escape(suffix) + "$", re.IGNORECASE)
    refused: set[str] = set()  # names the store turned down (lost races) during this call
    for _ in range(_MAX_ATTEMPTS):
        taken = [*store.reserved_names_like(prefix), *catalog_names(prefix),
                 *site_names(settings, year, photo.category)]
        keys = {n.casefold() for n in taken} | refused
        matches = [(int(m.group(1)), n) for n in taken if (m := pattern.match(n))]
        if matches:  # keep the casing the catalog already uses for this stem
            prefix = max(matches)[1][:len(prefix)]
        index = max(first, max((i for i, _ in matches), default=0) + 1)
        name = f"{prefix}{index:03d}{suffix}"
        while name.casefold() in keys:
            index += 1
            name = f"{prefix}{index:03d}{suffix}"
        check_length(name, settings.name_max_length)
        if store.reserve_name(name, photo.id):
            return name
        refused.add(name.casefold())
    raise Conflict(f"Could not reserve a free filename for {prefix}NNN{suffix} after {_MAX_ATTEMPTS} tries")


def rename(store: Any, settings: Any, photo: Any, new_name: str, *,
           catalog_names: Callable[[str], list[str]]) -> str:
    """Re-check and move a photo's reservation to a name edited at review; returns the name it got.

    The name is slugged and given '.JPG'. When it is taken (store, catalog or site tree,
    case-insensitively) the next free '_NNN' of the same stem is used, as the reference editor does
    ("'X' exists. Using next available: 'Y'"); callers compare the result with what was asked.
    Store needs release_name(photo_id) and reserve_name; on a lost race the old name is restored.
    """
    stem = slugify(re.sub(r"\.[A-Za-z]{3,4}$", "", new_name), transliterate=settings.transliterate)
    if not stem:
        raise InvalidInput("The filename is empty.")
    wanted = stem + ".JPG"
    check_length(wanted, settings.name_max_length)
    old = getattr(photo, "file_name", "")
    if old and old == wanted:
        return old
    year = str(getattr(photo, "year", "") or _dt.date.today().year)
    m = re.fullmatch(r"(.*_)(\d{3,})", stem)
    prefix, first = (m.group(1), int(m.group(2))) if m else (stem + "_", 1)
    store.release_name(photo.id)
    try:
        taken = {n.casefold() for n in (*store.reserved_names_like(wanted), *catalog_names(wanted),
                                         *site_names(settings, year, photo.category))}
        if wanted.casefold() not in taken and store.reserve_name(wanted, photo.id):
            return wanted
        return _reserve_next(store, settings, photo, prefix, ".JPG", year, catalog_names, first)
    except BaseException:
        if old:
            store.reserve_name(old, photo.id)
        raise


def _index_of(name: str, prefix: str, suffix: str) -> int | None:
    m = re.fullmatch(re.escape(prefix) + r"(\d{3,})" + re.escape(suffix), name, re.IGNORECASE)
    return int(m.group(1)) if m else None
