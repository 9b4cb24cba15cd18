"""Score: the quality rating from the signals the derive stage measured (learned metrics plug in here)."""

from __future__ import annotations

from typing import Any

from .. import scoring
from ..errors import StageError
from ..photo import Photo
from . import StageContext


def run(ctx: StageContext, photo: Photo) -> dict[str, Any]:
    if photo.sharpness is None or photo.brightness is None or photo.contrast is None:
        raise StageError("score", "the derivatives stage left no sharpness/brightness/contrast to score")
    return scoring.score(scoring.Signals(photo.sharpness, photo.brightness, photo.contrast))
