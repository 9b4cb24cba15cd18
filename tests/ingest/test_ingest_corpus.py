"""The shared corpus end to end: every odd file gets a specific reason (scan + validate), every real
photo passes, and `inspect_files` answers each file in order without writing anything."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from backend.errors import InvalidImage
from backend.imaging import check_image
from backend.inspection import inspect_files
from backend.intake import scan
from backend.settings import Settings

SPECIFIC = ("unsupported", "empty file", "truncated", "corrupt data", "not an image", "decompression bomb",
            "unreadable", "too small", "symlink loop", "broken link", "duplicate within the drop", "system file")

pytestmark = pytest.mark.corpus


def _validate(paths: list[Path], settings: Settings) -> dict[str, str]:
    """Reasons from scan, then from the decode for what scan let through (as the pipeline does)."""
    result = scan(paths, settings=settings)
    why = {Path(s.path).name: s.reason for s in result.skipped}
    for path in result.candidates:
        try:
            check_image(path, pixel_cap=settings.pixel_cap, min_edge=settings.min_edge)
        except InvalidImage as exc:
            why[path.name] = exc.reason
    return why


def test_every_odd_file_gets_a_specific_reason(corpus: Path, settings: Settings) -> None:
    files = sorted((corpus / "odd").iterdir())
    why = _validate(files, settings)
    assert set(why) == {p.name for p in files}, "some odd files were accepted"
    vague = {name: reason for name, reason in why.items() if not reason.startswith(SPECIFIC)}
    assert not vague
    for kind in ("truncated", "corrupt data", "not an image", "too small", "unsupported"):
        assert any(reason.startswith(kind) for reason in why.values()), kind


def test_real_and_other_photos_pass(corpus: Path, settings: Settings) -> None:
    real = sorted((corpus / "real").iterdir())
    assert _validate(real, settings) == {}
    other = sorted((corpus / "other").iterdir())
    assert set(_validate(other, settings)) <= {p.name for p in other if p.suffix.lower() in (".tiff", ".tif")}


def test_inspect_answers_in_order_and_writes_nothing(corpus: Path, settings: Settings) -> None:
    paths = [corpus / "real" / "mei__Nikon_D60.jpg", corpus / "odd" / "exif-samples__jpg__corrupted.jpg",
             corpus / "other" / "exif-samples__heic__IMG_5195.HEIC", corpus / "real" / "mei__Canon_EOS_450D.jpg",
             corpus / "missing.jpg"]
    before = {p: os.stat(p).st_mtime_ns for p in (corpus / "real", corpus / "odd", corpus / "other")}
    out = inspect_files([str(p) for p in paths], settings)
    assert [o["path"] for o in out] == [str(p) for p in paths]
    assert [o["ok"] for o in out] == [True, False, True, True, False]
    assert out[0]["camera"] == "Nikon D60" and out[0]["exposure"] == "1/125 sec" and out[0]["format"] == "JPEG"
    assert out[1]["reason"].startswith("corrupt data") and "reason" not in out[0]
    assert out[2]["format"] == "HEIF" and out[2]["gps"]["lat"] == pytest.approx(39.0513444)
    assert out[4]["reason"].startswith("missing")
    json.dumps(out)
    assert {p: os.stat(p).st_mtime_ns for p in before} == before
    assert not settings.data_dir.exists()


def test_inspect_every_odd_file_without_crashing(corpus: Path, settings: Settings) -> None:
    out = inspect_files(sorted(str(p) for p in (corpus / "odd").iterdir()), settings)
    assert all(not o["ok"] and o["reason"].startswith(SPECIFIC) for o in out)
