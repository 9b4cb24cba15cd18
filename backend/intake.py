"""Dropped paths -> candidate files, with a specific reason for every file left out.

Only cheap checks happen here (no pixel decode): what a file is called, whether it can be read, its
first bytes, and its header (dimensions against the pixel cap and the minimum edge, about a
millisecond). Decoding, which catches truncation and corruption, is the validate stage's job
(`imaging.check_image`). Content hashes are computed only for files whose byte size collides with
another file of the drop, so a 1,000-photo drop of distinct files reads no pixel data at all.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidImage
from .imaging import sha256_file

SUPPORTED_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif"})
_SYSTEM_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1")


@dataclass(frozen=True)
class Skip:
    path: str
    reason: str


@dataclass
class ScanResult:
    candidates: list[Path]
    skipped: list[Skip]
    hashes: dict[str, str] = field(default_factory=dict)  # sha256 of candidates that needed one


def sniff(head: bytes) -> str | None:
    """The image kind from the first bytes, or None when they are not a supported image."""
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[4:8] == b"ftyp" and (head[8:12] in _HEIF_BRANDS or any(b in head[16:32] for b in _HEIF_BRANDS)):
        return "heif"
    return None


def natural_key(path: Path) -> tuple[Any, ...]:
    """IMG_2 before IMG_10; case-insensitive, with the exact string as the tie-break."""
    text = str(path)
    parts = re.split(r"(\d+)", text.casefold())
    return (tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts), text)


def _walk(root: Path, out: list[Path], skipped: list[Skip], seen_dirs: set[tuple[int, int]]) -> None:
    """Files under `root` (following links), refusing directory links that loop back."""
    try:
        st = root.stat()
    except OSError as exc:
        skipped.append(Skip(str(root), f"unreadable folder: {exc.strerror or exc}"))
        return
    key = (st.st_dev, st.st_ino)
    if key in seen_dirs:
        skipped.append(Skip(str(root), "symlink loop: this folder was already visited"))
        return
    seen_dirs.add(key)
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except PermissionError:
        skipped.append(Skip(str(root), "unreadable folder: permission denied"))
        return
    except OSError as exc:
        skipped.append(Skip(str(root), f"unreadable folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if is_dir:
            _walk(path, out, skipped, seen_dirs)
        else:
            out.append(path)


def _expand(paths: Iterable[str | Path], skipped: list[Skip]) -> list[Path]:
    files: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            _walk(path, files, skipped, seen_dirs)
        else:
            files.append(path)
    return files


def _file_reason(path: Path, *, pixel_cap: int, min_edge: int) -> str | None:
    """Why this one file cannot be a candidate (None when it can)."""
    name = path.name
    if name.casefold() in _SYSTEM_NAMES or name.startswith("._"):
        return "system file (not a photo)"
    try:
        st = path.stat()
    except RuntimeError:  # Python 3.11 raises this for a symlink loop
        return "symlink loop"
    except OSError as exc:
        if path.is_symlink():
            return "symlink loop" if exc.errno == 40 else "broken link: the target does not exist"
        return f"missing: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if path.suffix.casefold() not in SUPPORTED_EXTENSIONS:
        return f"unsupported file type '{path.suffix or '(none)'}' (use JPEG, PNG, TIFF or HEIC)"
    if st.st_size == 0:
        return "empty file (0 bytes)"
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except PermissionError:
        return "unreadable: permission denied"
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    if sniff(head) is None:
        return f"not an image despite its '{path.suffix}' extension (content does not start like one)"
    from . import imaging  # lazy: intake stays importable without pulling in the decoders

    try:
        imaging.probe(path, pixel_cap=pixel_cap, min_edge=min_edge)
    except InvalidImage as exc:
        return exc.reason
    return None


def scan(paths: Iterable[str | Path], *, settings: Any) -> ScanResult:
    """Expand dropped folders and files into sorted candidates plus the skipped files with reasons."""
    skipped: list[Skip] = []
    pixel_cap = int(getattr(settings, "pixel_cap", 200_000_000))
    min_edge = int(getattr(settings, "min_edge", 1))
    ok: list[tuple[Path, Path, int]] = []  # (as dropped, resolved, size)
    for path in sorted(_expand(paths, skipped), key=natural_key):
        reason = _file_reason(path, pixel_cap=pixel_cap, min_edge=min_edge)
        if reason:
            skipped.append(Skip(str(path), reason))
            continue
        ok.append((path, path.resolve(), path.stat().st_size))

    candidates: list[Path] = []
    by_target: dict[Path, Path] = {}
    sizes: dict[int, int] = {}
    for _, _target, size in ok:
        sizes[size] = sizes.get(size, 0) + 1
    hashes: dict[str, str] = {}
    by_hash: dict[str, Path] = {}
    for path, target, size in ok:
        if target in by_target:
            skipped.append(Skip(str(path), f"duplicate within the drop: same file as {by_target[target]}"))
            continue
        by_target[target] = path
        if sizes[size] > 1:
            try:
                digest = sha256_file(path)
            except OSError as exc:
                skipped.append(Skip(str(path), f"unreadable: {exc.strerror or exc}"))
                continue
            if digest in by_hash:
                reason = f"duplicate within the drop: same content as {by_hash[digest]}"
                skipped.append(Skip(str(path), reason))
                continue
            by_hash[digest] = path
            hashes[str(path)] = digest
        candidates.append(path)
    skipped.sort(key=lambda s: natural_key(Path(s.path)))
    return ScanResult(candidates=candidates, skipped=skipped, hashes=hashes)
