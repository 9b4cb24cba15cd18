"""Undoing what the pipeline made for a photo or a whole run.

Only files inside the data folder are ever deleted (staged copies, derivatives); originals live
outside it and are never touched. Name reservations are released with the files.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .photo import Photo, Status
from .settings import Settings
from .store import Store

_FILE_FIELDS = ("staged_path", "model_input_path", "preview_path", "thumb_path")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def remove_files(store: Store, photo: Photo, fields: tuple[str, ...] = _FILE_FIELDS) -> list[str]:
    """Delete this photo's working files that live in the data folder; returns what was removed."""
    root = store.path.parent
    removed = []
    for name in fields:
        value = getattr(photo, name)
        if not value:
            continue
        path = Path(value)
        if _inside(path, root) and path.is_file():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(str(path))
    return removed


def fail_photo(store: Store, photo_id: int, stage: str, reason: str) -> Photo:
    """A stage failed for this photo: record why, free its name and working files; the set goes on."""
    photo = store.get_photo(photo_id)
    remove_files(store, photo)
    store.release_name(photo_id)
    return store.advance(photo_id, Status.FAILED, failed_stage=stage, error=reason, file_name="",
                         staged_path="", model_input_path="", preview_path="", thumb_path="")


def undo_photo(store: Store, photo: Photo, *, reason: str) -> Photo:
    """Stop a photo mid-pipeline (run cancelled): like a failure, with the reason recorded."""
    return fail_photo(store, photo.id, "cancelled", reason)


def rollback_run(store: Store, settings: Settings, run_id: int) -> int:
    """Remove every unpublished photo of the run with its files and names; returns how many."""
    removed = 0
    for photo in store.photos(run_id=run_id):
        if photo.status == Status.PUBLISHED:
            continue
        remove_files(store, photo)
        store.release_name(photo.id)
        store.record_event("photo_rolled_back", photo_id=photo.id, run_id=run_id,
                           original=photo.original_path, status=photo.status)
        removed += 1
    store.delete_unpublished(run_id)
    run_dir = settings.staging_dir / f"run{run_id}"
    for folder in (run_dir, settings.derived_dir / f"run{run_id}"):
        if folder.is_dir() and _inside(folder, settings.data_dir):
            for leftover in sorted(folder.rglob("*"), reverse=True):
                if leftover.is_file():
                    leftover.unlink()
                else:
                    leftover.rmdir()
            folder.rmdir()
    return removed
