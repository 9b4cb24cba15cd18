"""intake.scan: expansion of dropped folders and every skip reason, on real files made here."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from ingest_helpers import jpeg_bytes, make_jpeg, scene

from backend import intake
from backend.intake import SUPPORTED_EXTENSIONS, scan, sniff
from backend.settings import Settings


def reasons(result: intake.ScanResult) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in result.skipped}


def test_supported_extensions() -> None:
    assert {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif"} == set(SUPPORTED_EXTENSIONS)


def test_folder_expansion_order_and_case(tmp_path: Path, settings: Settings) -> None:
    drop = tmp_path / "drop"
    for seed, name in enumerate(("IMG_10.JPG", "IMG_2.jpeg", "sub/deeper/IMG_1.Jpg")):
        make_jpeg(drop / name, seed=seed)
    png = drop / "shot.png"
    scene((200, 150)).save(png)
    tif = drop / "scan.TIFF"
    scene((200, 150), seed=4).save(tif)
    result = scan([drop], settings=settings)
    assert [p.name for p in result.candidates] == ["IMG_2.jpeg", "IMG_10.JPG", "scan.TIFF", "shot.png",
                                                   "IMG_1.Jpg"]
    assert result.skipped == []


def test_every_skip_reason(tmp_path: Path, settings: Settings) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    good = make_jpeg(drop / "good.jpg", seed=1)
    (drop / "copy.jpg").write_bytes(good.read_bytes())
    (drop / "notes.txt").write_text("hello")
    (drop / "empty.jpg").write_bytes(b"")
    (drop / "text.jpg").write_text("not really a photo" * 20)
    (drop / "tiny.jpg").write_bytes(jpeg_bytes((40, 30)))
    (drop / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (drop / "broken.jpg").symlink_to(drop / "nowhere.jpg")
    (drop / "loop.jpg").symlink_to(drop / "loop.jpg")
    (drop / "sub").mkdir()
    (drop / "sub" / "back").symlink_to(drop, target_is_directory=True)
    result = scan([drop, good], settings=settings)
    assert [p.name for p in result.candidates] == ["copy.jpg"] or [p.name for p in result.candidates] == [
        "good.jpg"]
    why = reasons(result)
    assert why["notes.txt"].startswith("unsupported file type '.txt'")
    assert why["empty.jpg"] == "empty file (0 bytes)"
    assert why["text.jpg"].startswith("not an image despite its '.jpg' extension")
    assert why["tiny.jpg"].startswith("too small: 40×30")
    assert why[".DS_Store"].startswith("system file")
    assert why["broken.jpg"].startswith("broken link")
    assert why["loop.jpg"] == "symlink loop"
    assert why["back"].startswith("symlink loop")
    dup_reasons = [s.reason for s in result.skipped if Path(s.path).name in ("good.jpg", "copy.jpg")]
    assert any(r.startswith("duplicate within the drop: same content as") for r in dup_reasons)
    assert any(r.startswith("duplicate within the drop: same file as") for r in dup_reasons)


def test_pixel_cap_is_a_setting(tmp_path: Path, settings: Settings) -> None:
    path = make_jpeg(tmp_path / "big.jpg", (1200, 1000))
    tight = replace(settings, pixel_cap=1_000_000)
    assert reasons(scan([path], settings=tight))["big.jpg"].startswith("decompression bomb: 1200×1000")
    assert scan([path], settings=settings).candidates == [path]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_real_permissions(tmp_path: Path, settings: Settings) -> None:
    path = make_jpeg(tmp_path / "locked.jpg")
    path.chmod(0)
    assert reasons(scan([path], settings=settings))["locked.jpg"] == "unreadable: permission denied"


def test_unreadable_file(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_jpeg(tmp_path / "locked.jpg")
    real_open = open

    def guarded(file: object, *args: object, **kw: object) -> object:
        if Path(str(file)) == path:
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(intake, "open", guarded, raising=False)
    assert reasons(scan([path], settings=settings))["locked.jpg"] == "unreadable: permission denied"


def test_sniff_magic_bytes() -> None:
    assert sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 12) == "jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8) == "png"
    assert sniff(b"II*\x00" + b"\x00" * 12) == "tiff"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "heif"
    assert sniff(b"GIF89a" + b"\x00" * 10) is None


def test_heic_from_corpus_is_a_candidate(corpus: Path, settings: Settings) -> None:
    result = scan(sorted((corpus / "other").glob("*.HEIC")), settings=settings)
    assert len(result.candidates) == 2 and not result.skipped
