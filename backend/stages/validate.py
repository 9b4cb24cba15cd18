"""Validate: decode-check each candidate in a worker process (truncated, corrupt, bombs, too small)."""

from __future__ import annotations

from typing import Any

from .. import imaging
from ..photo import Photo
from . import StageContext


def job(ctx: StageContext, photo: Photo) -> tuple[Any, tuple[Any, ...]]:
    s = ctx.settings
    return _check, (photo.original_path, s.pixel_cap, s.min_edge)


def _check(path: str, pixel_cap: int, min_edge: int) -> dict[str, Any]:
    info = imaging.check_image(path, pixel_cap=pixel_cap, min_edge=min_edge)
    return {"width": info.width, "height": info.height}


def apply(ctx: StageContext, photo: Photo, result: dict[str, Any]) -> dict[str, Any]:
    return dict(result)
