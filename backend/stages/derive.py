"""Derivatives: one decode per photo in a worker process -> model input, preview, thumbnail,
perceptual hash and the sharpness / brightness / contrast signals."""

from __future__ import annotations

from typing import Any

from .. import imaging
from ..photo import Photo
from . import StageContext


def params(ctx: StageContext) -> imaging.DeriveParams:
    s = ctx.settings
    return imaging.DeriveParams(model_edge=s.model_input_edge, model_quality=s.model_input_quality,
                                preview_edge=s.preview_edge, thumb_edge=s.ui_thumb_edge, pixel_cap=s.pixel_cap)


def job(ctx: StageContext, photo: Photo) -> tuple[Any, tuple[Any, ...]]:
    out_dir = ctx.settings.derived_dir / f"run{ctx.run_id}"
    out_dir.mkdir(parents=True, exist_ok=True)
    return imaging.derive, (photo.staged_path, str(out_dir), str(photo.id), params(ctx))


def apply(ctx: StageContext, photo: Photo, result: dict[str, Any]) -> dict[str, Any]:
    return dict(result)
