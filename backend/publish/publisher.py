"""Publishing approved photos: render web image + thumbnail into the target, upsert the catalog row
by File_Name, record the catalog id. Only APPROVED photos are ever touched; a failure puts the photo
back to APPROVED with its error (so "Retry publish" is just publishing again), and publishing twice
never creates a second catalog row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import cleanup, imaging, naming
from ..errors import AppError, Conflict
from ..photo import Photo, Status
from ..settings import Settings
from ..store import Store
from . import local
from .catalog import Catalog


@dataclass
class PublishJob:
    id: int = 0
    status: str = "idle"  # idle | running | done
    total: int = 0
    done: int = 0
    published: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    started_at: str = ""
    finished_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def folder_key(category: str, settings: Settings) -> str:
    return naming.slugify(category, transliterate=settings.transliterate) or "uncategorised"


def catalog_row(photo: Photo, settings: Settings, paths: local.SitePaths, size: dict[str, int]) -> dict[str, Any]:
    base = settings.public_url_base.rstrip("/")
    scores = photo.scores or {}
    return {
        "Folder": folder_key(photo.category, settings), "File_Name": photo.file_name,
        "Path": f"{base}/{quote(paths.web_rel)}", "Thumb_Path": f"{base}/{quote(paths.thumb_rel)}",
        "DateTime": photo.datetime or None, "Camera": photo.camera or None, "Lens_model": photo.lens or None,
        "Width": size["web_width"], "Height": size["web_height"], "Exposure": photo.exposure or None,
        "Aperture": photo.aperture or None, "ISO": photo.iso, "Focal_length": photo.focal_length,
        "Keywords": ", ".join(photo.keywords), "Caption": photo.caption, "alt_text": photo.alt_text,
        "Location": photo.location, "QR": photo.qr, "QC_Status": photo.qc_status,
        "Original_File_Name": photo.original_name,
        "nima_score": scores.get("nima"), "blur_score": scores.get("blur"),
        "brightness_score": scores.get("brightness"), "contrast_score": scores.get("contrast"),
        "brisque_score": scores.get("brisque"), "clip_aesthetic_score": scores.get("clip_aesthetic"),
        "sha256": photo.sha256, "phash": photo.phash,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


class Publisher:
    def __init__(self, settings: Settings, store: Store, catalog: Catalog,
                 on_event: Callable[[dict[str, Any]], None] = lambda e: None) -> None:
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.on_event = on_event
        self.job = PublishJob()
        self._lock = threading.Lock()

    def recover(self) -> int:
        """After a crash: photos left PUBLISHING go back to APPROVED (publishing is idempotent)."""
        stuck = self.store.photos(status=Status.PUBLISHING.value)
        for photo in stuck:
            self.store.advance(photo.id, Status.APPROVED, publish_error="interrupted; publish again")
        return len(stuck)

    def publish_approved(self, ids: list[int] | None = None) -> PublishJob:
        if not self._lock.acquire(blocking=False):
            raise Conflict("Publishing is already running.")
        try:
            photos = self.store.photos(status=Status.APPROVED.value, ids=ids)
            self.job = PublishJob(id=self.job.id + 1, status="running", total=len(photos),
                                  started_at=datetime.now(UTC).isoformat(timespec="seconds"))
            self._emit()
            for photo in photos:
                try:
                    self.publish_one(photo)
                    self.job.published += 1
                except AppError as exc:
                    self.job.failed += 1
                    self._error(photo, exc.message)
                except OSError as exc:
                    self.job.failed += 1
                    self._error(photo, f"could not write the image: {exc}")
                self.job.done += 1
                self._emit()
            self.job.status = "done"
            self.job.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
            self._emit()
            return self.job
        finally:
            self._lock.release()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def _error(self, photo: Photo, message: str) -> None:
        self.job.errors.append({"photo_id": photo.id, "file_name": photo.file_name, "message": message})

    def _emit(self) -> None:
        self.on_event({"type": "publish", "job": self.job.to_dict()})

    def publish_one(self, photo: Photo) -> Photo:
        s = self.settings
        photo = self.store.advance(photo.id, Status.PUBLISHING)
        year = photo.year or datetime.now(UTC).strftime("%Y")
        paths = local.site_paths(s.site_dir, year, folder_key(photo.category, s), photo.file_name)
        try:
            size = imaging.render_publish(
                Path(photo.staged_path), paths.web, paths.thumb, web_size=s.web_size, thumb_size=s.thumb_size,
                quality=s.web_quality, watermark_text=s.watermark_text,
            )
            catalog_id = self.catalog.upsert(catalog_row(photo, s, paths, size))
        except BaseException as exc:
            local.remove(paths)
            message = getattr(exc, "message", None) or str(exc)
            self.store.advance(photo.id, Status.APPROVED, publish_error=message)
            self.store.record_event("publish_failed", photo_id=photo.id, run_id=photo.run_id, error=message)
            raise
        cleanup.remove_files(self.store, photo, ("staged_path", "model_input_path"))
        published = self.store.advance(
            photo.id, Status.PUBLISHED, web_path=str(paths.web), thumb_web_path=str(paths.thumb),
            catalog_id=catalog_id, publish_error="", staged_path="", model_input_path="",
            published_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.store.record_event("published", photo_id=photo.id, run_id=photo.run_id, catalog_id=catalog_id,
                                web=paths.web_rel)
        return published
