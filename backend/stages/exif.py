"""EXIF: technical metadata from the staged copy, in the catalog's formats."""

from __future__ import annotations

from typing import Any

from .. import exif as exif_reader
from ..photo import Photo
from . import StageContext


def run(ctx: StageContext, photo: Photo) -> dict[str, Any]:
    fields = exif_reader.read_exif(photo.staged_path)
    if not fields.get("year"):
        fields["year"] = (photo.created_at or "")[:4]
    return fields
