"""Helpers for the ingest tests: real images made here with Pillow + piexif, and the corpus path.
(A uniquely named module, so `import` cannot pick up another folder's conftest.)"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import piexif
from PIL import Image

CORPUS = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus").resolve()


def _rational(value: float) -> tuple[int, int]:
    frac = Fraction(value).limit_denominator(100000)
    return frac.numerator, frac.denominator


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return (d, 1), (m, 1), (round(s * 10000), 10000)


def exif_bytes(*, make: str = "", model: str = "", dto: str = "", dt: str = "", subsec: str = "",
               offset: str = "", exposure: float | None = None, fnumber: float | None = None,
               iso: int | None = None, focal: float | None = None, lens: str = "", orientation: int = 0,
               artist: str = "", copyright: str = "", gps: tuple[float, float, float] | None = None) -> bytes:
    """An EXIF block built with piexif, with only the given tags."""
    zeroth: dict[int, Any] = {}
    ex: dict[int, Any] = {}
    gps_ifd: dict[int, Any] = {}
    if make:
        zeroth[piexif.ImageIFD.Make] = make
    if model:
        zeroth[piexif.ImageIFD.Model] = model
    if dt:
        zeroth[piexif.ImageIFD.DateTime] = dt
    if orientation:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if artist:
        zeroth[piexif.ImageIFD.Artist] = artist
    if copyright:
        zeroth[piexif.ImageIFD.Copyright] = copyright
    if dto:
        ex[piexif.ExifIFD.DateTimeOriginal] = dto
    if subsec:
        ex[piexif.ExifIFD.SubSecTimeOriginal] = subsec
    if offset:
        ex[0x9011] = offset  # OffsetTimeOriginal (piexif has no name for it)
    if exposure is not None:
        ex[piexif.ExifIFD.ExposureTime] = _rational(exposure)
    if fnumber is not None:
        ex[piexif.ExifIFD.FNumber] = _rational(fnumber)
    if iso is not None:
        ex[piexif.ExifIFD.ISOSpeedRatings] = iso
    if focal is not None:
        ex[piexif.ExifIFD.FocalLength] = _rational(focal)
    if lens:
        ex[piexif.ExifIFD.LensModel] = lens
    if gps is not None:
        lat, lon, alt = gps
        gps_ifd = {
            piexif.GPSIFD.GPSLatitudeRef: "N" if lat >= 0 else "S", piexif.GPSIFD.GPSLatitude: _dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: "E" if lon >= 0 else "W", piexif.GPSIFD.GPSLongitude: _dms(lon),
            piexif.GPSIFD.GPSAltitudeRef: 1 if alt < 0 else 0, piexif.GPSIFD.GPSAltitude: _rational(abs(alt)),
        }
    return piexif.dump({"0th": zeroth, "Exif": ex, "GPS": gps_ifd, "1st": {}, "thumbnail": None})


def scene(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A photo-like RGB image: smooth gradients, a few shapes and fine grain (so phash, sharpness and
    resampling quality have something real to measure)."""
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 128 + 100 * np.sin(x / (w / (3 + seed % 3)) + seed)
    g = 128 + 90 * np.cos(y / (h / 2.5) + seed / 2)
    b = 128 + 80 * np.sin((x + y) / ((w + h) / 4))
    img = np.stack([r, g, b], axis=-1)
    for _ in range(6):
        cx, cy, rad = rng.integers(0, w), rng.integers(0, h), rng.integers(min(w, h) // 16, min(w, h) // 5)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < rad**2
        img[mask] = rng.integers(0, 255, 3)
    img += rng.normal(0, 4, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def make_jpeg(path: Path, size: tuple[int, int] = (640, 480), *, seed: int = 0, quality: int = 90,
              exif: bytes | None = None, icc: bytes | None = None, image: Image.Image | None = None) -> Path:
    im = image if image is not None else scene(size, seed)
    extra: dict[str, Any] = {}
    if exif:
        extra["exif"] = exif
    if icc:
        extra["icc_profile"] = icc
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=quality, **extra)
    return path


def jpeg_bytes(size: tuple[int, int] = (320, 240), seed: int = 0) -> bytes:
    buf = io.BytesIO()
    scene(size, seed).save(buf, "JPEG", quality=90)
    return buf.getvalue()
