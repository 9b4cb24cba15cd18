"""Human decisions as plain functions: edit, approve, reject, back to pending.

Every decision is recorded: an event per action and, on approve/reject, the learning log entry of
the human's final text next to what the AI suggested. Nothing here publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import cleanup, naming
from .errors import Conflict, InvalidInput, NameTooLong
from .photo import Photo, Status
from .scoring import qc_band
from .settings import Settings
from .store import Store

EDITABLE = ("caption", "alt_text", "keywords", "title", "file_name", "subject", "location", "category", "qr")
TEXT_FIELDS = frozenset({"caption", "alt_text", "keywords", "title"})
LEARNED = ("caption", "alt_text", "keywords", "title", "file_name")

def normalise_keywords(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    seen: set[str] = set()
    out = []
    for item in items:
        word = " ".join(str(item).split())
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            out.append(word)
    return out


def check_name(store: Store, settings: Settings, name: str, photo_id: int | None = None,
               catalog_names: Callable[[str], list[str]] = lambda prefix: []) -> dict[str, Any]:
    """Live check for the editor: is this filename usable for this photo? Taken means reserved by
    another photo, already in the catalog, or already a file in the local site tree."""
    name = name.strip()
    result = {"ok": True, "reason": "", "length": len(name), "max": settings.name_max_length}
    if not name:
        result.update(ok=False, reason="The filename is empty.")
    elif len(name) > settings.name_max_length:
        result.update(ok=False, reason=f"The filename has {len(name)} characters; the limit is "
                                       f"{settings.name_max_length}.")
    elif not name.upper().endswith(".JPG"):
        result.update(ok=False, reason="The filename must end in .JPG.")
    elif naming.slugify(name[:-4], transliterate=settings.transliterate) != name[:-4]:
        result.update(ok=False, reason="Use only letters, digits, hyphens and underscores.")
    else:
        owner = store.name_owner(name)
        photo = store.get_photo(photo_id) if photo_id is not None else None
        on_site = photo is not None and name.casefold() in {
            n.casefold() for n in naming.site_names(settings, photo.year, photo.category)}
        if owner is not None and owner != photo_id:
            result.update(ok=False, reason=f"{name} is already reserved by photo {owner}.")
        elif owner != photo_id and name.casefold() in {n.casefold() for n in catalog_names(name)}:
            result.update(ok=False, reason=f"{name} is already published on the website.")
        elif owner != photo_id and on_site:
            result.update(ok=False, reason=f"{name} already exists in the local site folder.")
    return result


def edit(store: Store, settings: Settings, photo_id: int, changes: dict[str, Any],
         catalog_names: Callable[[str], list[str]] = lambda prefix: [],
         catalog_texts: Callable[[], list[dict[str, Any]]] | None = None) -> Photo:
    """Apply a reviewer's edits. With `catalog_texts`, edited text is judged by the gate again."""
    photo = store.get_photo(photo_id)
    if photo.status not in (Status.IN_REVIEW, Status.APPROVED, Status.QUARANTINED):
        raise Conflict(f"Photo {photo_id} is {photo.status}; only photos in review can be edited.")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    updates: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "keywords":
            updates[key] = normalise_keywords(value)
        elif key == "qr":
            qr = None if value in (None, "") else float(value)
            if qr is not None and not 0 <= qr <= 10:
                raise InvalidInput("The quality rating must be between 0 and 10.")
            updates.update(qr=qr, qc_status=qc_band(qr))
        elif key == "file_name":
            name = str(value).strip()
            if name != photo.file_name:
                check = check_name(store, settings, name, photo_id, catalog_names)
                if not check["ok"]:
                    raise (NameTooLong if len(name) > settings.name_max_length else Conflict)(check["reason"])
                if not store.reserve_name(name, photo_id):
                    raise Conflict(f"{name} was just taken by another photo; pick another name.")
                store.release_name_only(photo_id, photo.file_name)
                updates[key] = name
        else:
            updates[key] = " ".join(str(value).split()) if key != "caption" else str(value).strip()
    photo = store.update_photo(photo_id, **updates)
    if TEXT_FIELDS.intersection(updates) and catalog_texts is not None:
        from .stages.gate import recheck

        written = bool(photo.caption and photo.alt_text and photo.keywords)
        photo = store.update_photo(photo_id, **recheck(store, settings, photo, catalog_texts()),
                                   needs_manual_text=photo.needs_manual_text and not written)
    store.record_event("edited", photo_id=photo_id, run_id=photo.run_id, fields=sorted(updates))
    return photo


def _log_decision(store: Store, photo: Photo, decision: str) -> None:
    suggested: dict[str, str] = {}
    for row in store.learning_log(photo.id):
        if row["decision"] == "ai_suggestion":
            suggested[row["field"]] = row["ai_value"]
    for field in LEARNED:
        store.log_learning(photo.id, field, suggested.get(field, ""), getattr(photo, field), decision)


def approve(store: Store, settings: Settings, photo_id: int) -> Photo:
    photo = store.get_photo(photo_id)
    if photo.status == Status.APPROVED:
        return photo
    if photo.status != Status.IN_REVIEW:
        raise Conflict(f"Photo {photo_id} is {photo.status}; only a photo in review can be approved.")
    missing = [label for label, value in (("caption", photo.caption), ("alt text", photo.alt_text),
                                          ("keywords", photo.keywords)) if not value]
    if missing:
        raise InvalidInput(f"Write the {', '.join(missing)} before approving {photo.file_name}.")
    if store.name_owner(photo.file_name) != photo_id:
        raise Conflict(f"The name {photo.file_name} is no longer reserved for this photo; rename it.")
    photo = store.advance(photo_id, Status.APPROVED, publish_error="")
    _log_decision(store, photo, "approved")
    return photo


def reject(store: Store, settings: Settings, photo_id: int) -> Photo:
    """Reverse the path: the staged copy and derivatives go, the name is released; the original was
    never touched."""
    photo = store.get_photo(photo_id)
    if photo.status == Status.REJECTED:
        return photo
    if photo.status not in (Status.IN_REVIEW, Status.APPROVED, Status.QUARANTINED):
        raise Conflict(f"Photo {photo_id} is {photo.status}; it cannot be rejected now.")
    _log_decision(store, photo, "rejected")
    cleanup.remove_files(store, photo)
    store.release_name(photo_id)
    return store.advance(photo_id, Status.REJECTED, staged_path="", model_input_path="", preview_path="",
                         thumb_path="")


def reopen(store: Store, settings: Settings, photo_id: int) -> Photo:
    """Back to pending: an approved (not yet published) or quarantined photo returns to review."""
    photo = store.get_photo(photo_id)
    if photo.status == Status.IN_REVIEW:
        return photo
    if photo.status not in (Status.APPROVED, Status.QUARANTINED):
        raise Conflict(f"Photo {photo_id} is {photo.status}; it cannot go back to pending.")
    return store.advance(photo_id, Status.IN_REVIEW, needs_manual_text=photo.needs_manual_text
                         or photo.status == Status.QUARANTINED)
