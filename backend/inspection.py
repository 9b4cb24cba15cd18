"""`image-automation inspect FILE... --json`: what the pipeline would make of each file, writing nothing.

One object per input path, in input order, so a caller can zip its arguments with the answer. A bad
file gets `ok: false` and the same specific reason intake or validation would give; its readable
EXIF is still reported, because "why was this refused" is easier to answer with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import exif, imaging, intake
from .errors import InvalidImage


def inspect_file(path: str | Path, settings: Any) -> dict[str, Any]:
    p = Path(path)
    record: dict[str, Any] = {"path": str(path), "ok": True, "format": ""}
    pixel_cap = int(getattr(settings, "pixel_cap", 200_000_000))
    min_edge = int(getattr(settings, "min_edge", 1))
    reason: str | None
    if p.is_dir():
        reason = "a folder, not a file (drop it in the app to import its photos)"
    else:
        reason = intake._file_reason(p, pixel_cap=pixel_cap, min_edge=min_edge)
    if reason is None:
        try:
            record["format"] = imaging.check_image(p, pixel_cap=pixel_cap, min_edge=min_edge).format
        except InvalidImage as exc:
            reason = exc.reason
        except Exception as exc:  # the contract: every file gets an answer, never a crash
            reason = f"corrupt data: {type(exc).__name__}: {exc}"
    if reason is not None:
        record["ok"] = False
        record["reason"] = reason
    record.update(exif.read_exif(p) if p.is_file() else exif.empty())
    return record


def inspect_files(paths: Iterable[str | Path], settings: Any) -> list[dict[str, Any]]:
    """The JSON-ready answer for every path, in order."""
    return [inspect_file(path, settings) for path in paths]
