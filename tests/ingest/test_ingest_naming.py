"""naming: slug rules (examples + hypothesis properties), the pattern, and reservations against the
real Store (uniqueness across store, catalog and site tree; races between threads)."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from backend.errors import NameTooLong
from backend.naming import preview, rename, render, reserve, slugify
from backend.photo import Photo
from backend.settings import Settings
from backend.store import Store

PATTERN = "{Subject}_{Location}_{Category}_Photography_{NNN}.JPG"


@pytest.mark.parametrize(("text", "slug"), [
    ("PH-BXA", "PH-BXA"), ("B-2437", "B-2437"), ("Boeing 737-800", "Boeing_737-800"),
    ("ATR 72-600", "ATR_72-600"), ("Fokker 70", "Fokker_70"), ("Rock & Roll", "Rock_and_Roll"),
    ("well-known  path!!", "well_known_path"), ("  __x__ ", "x"), ("Zürich Flughafen", "Zürich_Flughafen"),
    ("KLM PH-BXA (737-800)", "KLM_PH-BXA_737-800"), ("F-16 at RAF Lakenheath", "F-16_at_RAF_Lakenheath"),
])
def test_slug_examples(text: str, slug: str) -> None:
    assert slugify(text, transliterate=False) == slug


def test_transliteration_is_a_setting() -> None:
    assert slugify("Zürich – Ørsted", transliterate=True) == "Zurich_Orsted"
    assert slugify("Zürich – Ørsted", transliterate=False) == "Zürich_Ørsted"


@hyp_settings(max_examples=400, deadline=None)
@given(st.text(max_size=60), st.booleans())
def test_slug_properties(text: str, translit: bool) -> None:
    slug = slugify(text, transliterate=translit)
    assert re.fullmatch(r"[\w-]*", slug)
    assert "__" not in slug and not slug.startswith(("_", "-")) and not slug.endswith(("_", "-"))
    assert slugify(slug, transliterate=translit) == slug  # idempotent
    if translit:
        assert slug.isascii()
    if "&" in text:
        assert "and" in slug


@hyp_settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[A-Z]{1,2}-[A-Z]{3}|[0-9]{3}-[0-9]{3}|[A-Z]-[0-9]{4}", fullmatch=True),
       st.text(alphabet="abc XYZ", max_size=10))
def test_aircraft_codes_survive_any_context(code: str, context: str) -> None:
    assert code in slugify(f"{context} {code} {context}", transliterate=False).split("_")


def test_render_rules() -> None:
    name = render(PATTERN, subject="KLM 737-800", location="amsterdam netherlands", category="aviation",
                  index=7)
    assert name == "KLM_737-800_Amsterdam_Netherlands_Aviation_Photography_007.JPG"
    assert render(PATTERN, subject="Tulip", location="Lisse", category="Macro Photography",
                  index=1) == "Tulip_Lisse_Macro_Photography_001.JPG"
    assert render("{Subject}_{Camera}_{Year}_{NNN}.jpeg", subject="Tulip", location="", category="",
                  camera="Canon EOS R5", year="2024", index=12) == "Tulip_Canon_EOS_R5_2024_012.JPG"
    assert render("{Subject}_{Camera}_{NNN}", subject="Tulip", location="", category="",
                  index=3) == "Tulip_003.JPG"  # an empty token leaves no double underscore


def test_preview_uses_settings(settings: Settings) -> None:
    custom = replace(settings, name_pattern="{Year}_{Subject}_{NNN}.JPG", transliterate=True)
    assert preview(custom, subject="Café", location="x", category="y", year="2025") == "2025_Cafe_001.JPG"


# -- reservations against the real store ----------------------------------------------------------
def _photo(store: Store, subject: str = "Tulip", location: str = "Lisse", category: str = "Flower",
           year: str = "2024") -> Photo:
    run = store.add_run({})
    ps = store.add_set(run.id, subject, location, category, "", [])
    photo = store.add_photo(run.id, ps.id, "/x/a.jpg", "a.jpg", 10)
    return store.update_photo(photo.id, year=year)


def _no_catalog(prefix: str) -> list[str]:
    return []


def test_counter_continues_from_highest_everywhere(tmp_path: Path, settings: Settings) -> None:
    store = Store(tmp_path / "s.sqlite")
    first = reserve(store, settings, _photo(store), catalog_names=_no_catalog)
    assert first == "Tulip_Lisse_Flower_Photography_001.JPG"
    catalog = ["tulip_lisse_flower_photography_007.JPG", "Other_Name_009.JPG"]
    site = settings.site_dir / "2024" / "thumbs" / "Flower"
    site.mkdir(parents=True)
    (site / "Tulip_Lisse_Flower_Photography_005.JPG").write_bytes(b"x")
    second = reserve(store, settings, _photo(store),
                     catalog_names=lambda p: [n for n in catalog if n.casefold().startswith(p.casefold())])
    assert second == "tulip_lisse_flower_photography_008.JPG"  # highest (007) keeps its casing
    (site / "Tulip_Lisse_Flower_Photography_010.JPG").write_bytes(b"x")
    third = reserve(store, settings, _photo(store), catalog_names=lambda p: [])
    assert third == "Tulip_Lisse_Flower_Photography_011.JPG"  # the site tree counts too
    assert store.reserve_name(second.upper(), 999) is False  # case-insensitively taken


def test_name_too_long_shows_the_preview(tmp_path: Path, settings: Settings) -> None:
    store = Store(tmp_path / "s.sqlite")
    photo = _photo(store, subject="A very long subject " * 8)
    with pytest.raises(NameTooLong) as info:
        reserve(store, settings, photo, catalog_names=_no_catalog)
    assert "A_very_long_subject_A_very" in info.value.message and "150" in info.value.message
    assert store.reserved_names_like("A_very") == []


def test_resumed_photo_keeps_its_name_and_release_frees_it(tmp_path: Path, settings: Settings) -> None:
    store = Store(tmp_path / "s.sqlite")
    photo = _photo(store)
    name = reserve(store, settings, photo, catalog_names=_no_catalog)
    photo = store.update_photo(photo.id, file_name=name)
    assert reserve(store, settings, photo, catalog_names=_no_catalog) == name
    store.release_name(photo.id)
    other = _photo(store)
    assert reserve(store, settings, other, catalog_names=_no_catalog) == name


@hyp_settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["Tulip", "TULIP", "tulip", "Rose"]), min_size=1, max_size=8))
def test_names_stay_unique_case_insensitively(tmp_path_factory: pytest.TempPathFactory,
                                              subjects: list[str]) -> None:
    base = tmp_path_factory.mktemp("u")
    store = Store(base / "s.sqlite")
    conf = Settings(data_dir=base, site_dir=base / "site")
    names = [reserve(store, conf, _photo(store, subject=s), catalog_names=_no_catalog) for s in subjects]
    assert len({n.casefold() for n in names}) == len(names)
    tulips = sorted(int(n[-7:-4]) for n in names if n.casefold().startswith("tulip"))
    assert tulips == list(range(1, len(tulips) + 1))  # contiguous counter per stem


def test_concurrent_reservations_never_collide(tmp_path: Path, settings: Settings) -> None:
    db = tmp_path / "s.sqlite"
    setup = Store(db)
    photos = [_photo(setup) for _ in range(24)]
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(chunk: list[Photo]) -> None:
        store = Store(db)  # one connection per thread: the UNIQUE index settles every race
        try:
            for photo in chunk:
                name = reserve(store, settings, photo, catalog_names=_no_catalog)
                with lock:
                    results.append(name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(photos[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 24 and len({r.casefold() for r in results}) == 24
    assert sorted(int(r[-7:-4]) for r in results) == list(range(1, 25))


def test_rename_at_review_rechecks(tmp_path: Path, settings: Settings) -> None:
    store = Store(tmp_path / "s.sqlite")
    a, b = _photo(store), _photo(store)
    name_a = reserve(store, settings, a, catalog_names=_no_catalog)
    a = store.update_photo(a.id, file_name=name_a)
    name_b = reserve(store, settings, b, catalog_names=_no_catalog)
    b = store.update_photo(b.id, file_name=name_b)
    # a free name moves the reservation and frees the old one
    assert rename(store, settings, a, "Red Tulip in Lisse.jpg", catalog_names=_no_catalog) == "Red_Tulip_in_Lisse.JPG"
    assert store.name_owner(name_a) is None and store.name_owner("red_tulip_in_lisse.jpg") == a.id
    # a name held by another photo (any case) gets the next free counter of that stem instead
    got = rename(store, settings, b, name_a.lower(), catalog_names=lambda p: ["Red_Tulip_in_Lisse_004.JPG"])
    assert got.casefold() == name_a.casefold() and store.name_owner(got) == b.id  # freed above, so allowed
    c = store.update_photo(_photo(store).id, file_name="")
    got_c = rename(store, settings, c, got, catalog_names=_no_catalog)
    assert got_c.casefold() == "tulip_lisse_flower_photography_002.jpg"  # b released 002 when it moved
    with pytest.raises(NameTooLong):
        rename(store, settings, c, "x" * 200, catalog_names=_no_catalog)
    assert store.name_owner(got_c) == c.id  # a refused rename keeps the old reservation
