"""The one place that decodes and encodes pixels (with exif.py the only Pillow touchpoints).

Why it looks the way it does (numbers in ../shared/reference/performance.md):

* Decoding is the real cost of a photo, so each photo is decoded **once**, DCT-scaled to the smallest
  size that still covers the largest output, and every derivative, hash and signal comes from that
  one decode. JPEGs go through simplejpeg (bundled libjpeg-turbo), whose scaled decode offers the
  3/8, 5/8 ... factors Pillow's `draft` lacks (6000 px -> 2250 px instead of 3000 px for a 1600 px
  preview) and whose `strict` mode turns libjpeg's "Corrupt JPEG data" warnings into errors. Pillow
  silently pads such files, so without it four files of the odd corpus would pass validation.
* A DCT-scaled decode still entropy-decodes every byte, so the decode doubles as validation:
  `check_image` decodes at 1/8 scale in grey, which is cheap and catches truncation and corruption.
* Pillow's own decompression-bomb guard (a global, warning first) is replaced by the explicit
  `pixel_cap` argument checked on the header before any decode.
* Publish outputs must look like a full-decode LANCZOS resize, so `render_publish` only lets the DCT
  scaling shrink to >= 2x the output size and does the rest with LANCZOS (tested by PSNR/SSIM).
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pillow_heif
import simplejpeg
from PIL import Image, ImageCms, ImageDraw, ImageFile, ImageFont, UnidentifiedImageError

from .errors import InvalidImage

pillow_heif.register_heif_opener()
ImageFile.LOAD_TRUNCATED_IMAGES = False
Image.MAX_IMAGE_PIXELS = None  # replaced by the explicit pixel_cap check below (see module doc)

SUPPORTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "TIFF", "HEIF"})
_ORIENT_OPS: dict[int, tuple[Image.Transpose, ...]] = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}
_LANCZOS = Image.Resampling.LANCZOS  # publish outputs: the quality bar is a full-decode LANCZOS resize
# Pipeline derivatives (review, vision model, UI): Pillow's BICUBIC is a real antialiasing convolution
# (support scales with the ratio), visually equal to LANCZOS at these 1.4-3x steps and ~35 % cheaper.
_DERIVE_FILTER = Image.Resampling.BICUBIC


@dataclass(frozen=True)
class ImageInfo:
    width: int  # as stored (before orientation)
    height: int
    format: str


@dataclass(frozen=True)
class DeriveParams:
    """What `derive` makes; frozen and picklable so it can cross into pool workers."""

    model_edge: int = 1024
    model_quality: int = 85
    preview_edge: int = 1600
    thumb_edge: int = 360
    pixel_cap: int = 200_000_000
    preview_quality: int = 85
    thumb_quality: int = 80


# -- opening and validation ---------------------------------------------------------------------
def _fail_reason(exc: BaseException, data_tail: bytes = b"") -> str:
    """Turn a decoder exception into the specific, user-facing reason.

    `data_tail` is the end of a JPEG: when decoding failed and the file does not end with the EOI
    marker (FF D9), the file was cut short, which is what the photographer needs to hear.
    """
    text = str(exc).strip() or type(exc).__name__
    low = text.lower()
    if isinstance(exc, MemoryError):
        return "corrupt data: the decoder ran out of memory (impossible dimensions?)"
    cut = bool(data_tail) and not data_tail.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")
    if "truncated" in low or "premature end of jpeg file" in low or cut:
        return f"truncated: the file ends before the image data does ({text})"
    return f"corrupt data: {text}"


def _check_header(im: Image.Image, pixel_cap: int, min_edge: int) -> ImageInfo:
    fmt = im.format or "unknown"
    if fmt not in SUPPORTED_FORMATS:
        raise InvalidImage(f"unsupported: {fmt} images are not accepted (use JPEG, PNG, TIFF or HEIC)")
    width, height = im.size
    pixels = width * height
    if pixels > pixel_cap:
        raise InvalidImage(
            f"decompression bomb: {width}×{height} = {pixels:,} pixels is over the cap of {pixel_cap:,}"
        )
    if width <= 0 or height <= 0 or min(width, height) < min_edge:
        raise InvalidImage(
            f"too small: {width}×{height}; the shorter side must be at least {min_edge} pixels"
        )
    return ImageInfo(width, height, "JPEG" if fmt == "MPO" else fmt)


@contextmanager
def _open(path: str | Path) -> Iterator[Image.Image]:
    """Open lazily (header only), mapping every failure to InvalidImage.

    Pillow *warns* about damaged EXIF; the photo itself is fine, so those warnings are silenced for
    the work done inside this block (they would otherwise abort it wherever warnings are errors).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _open_quiet(path) as im:
            yield im


@contextmanager
def _open_quiet(path: str | Path) -> Iterator[Image.Image]:
    try:
        im = Image.open(path)
    except UnidentifiedImageError as exc:
        if _starts_like_jpeg(path):
            raise InvalidImage("corrupt data: the JPEG header is damaged beyond reading") from exc
        raise InvalidImage("not an image: the content is not a recognised image format") from exc
    except FileNotFoundError as exc:
        raise InvalidImage("missing: the file no longer exists") from exc
    except PermissionError as exc:
        raise InvalidImage("unreadable: permission denied") from exc
    except Exception as exc:  # fuzzed headers raise anything from SyntaxError to struct.error
        kind = "truncated" if "truncated" in str(exc).lower() else "corrupt data"
        raise InvalidImage(f"{kind}: unreadable header ({type(exc).__name__}: {exc})") from exc
    try:
        yield im
    finally:
        im.close()


def _starts_like_jpeg(path: str | Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(3) == b"\xff\xd8\xff"
    except OSError:
        return False


def _jpeg_decode(data: bytes, colorspace: str, min_w: int, min_h: int) -> np.ndarray:
    """Strict, DCT-scaled libjpeg-turbo decode; raises InvalidImage with the specific reason."""
    try:
        return simplejpeg.decode_jpeg(data, colorspace, min_width=min_w, min_height=min_h, strict=True)
    except ValueError as exc:
        raise InvalidImage(_fail_reason(exc, data[-64:])) from exc


def _jpeg_colorspace(data: bytes) -> str | None:
    """simplejpeg's colour space for this JPEG, or None when turbo cannot read the header
    (rare but valid sampling layouts); the caller then falls back to Pillow."""
    try:
        return str(simplejpeg.decode_jpeg_header(data)[2])
    except ValueError as exc:
        if "subsampling" in str(exc):
            return None
        raise InvalidImage(_fail_reason(exc, data[-64:])) from exc


def _pil_load(im: Image.Image) -> None:
    try:
        im.load()
    except InvalidImage:
        raise
    except Exception as exc:
        raise InvalidImage(_fail_reason(exc)) from exc


def check_image(path: str | Path, *, pixel_cap: int, min_edge: int) -> ImageInfo:
    """Validate by decoding: header checks first (format, pixel cap, size), then a full entropy
    decode at the smallest scale, so truncated and corrupt files are caught."""
    with _open(path) as im:
        info = _check_header(im, pixel_cap, min_edge)
        if info.format == "JPEG":
            data = Path(path).read_bytes()
            space = _jpeg_colorspace(data)
            if space is not None:
                _jpeg_decode(data, "CMYK" if space in ("CMYK", "YCCK") else "GRAY", 1, 1)
                return info
            im.draft("RGB", (max(1, info.width // 8), max(1, info.height // 8)))
        _pil_load(im)
    return info


def probe(path: str | Path, *, pixel_cap: int, min_edge: int) -> ImageInfo:
    """Header-only checks (no decode, about a millisecond): used by intake for early feedback."""
    with _open(path) as im:
        return _check_header(im, pixel_cap, min_edge)


# -- colour and orientation ---------------------------------------------------------------------
@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=32)
def _profile(icc: bytes) -> tuple[ImageCms.ImageCmsProfile | None, bool]:
    """(parsed profile, is_srgb). sRGB profiles skip the transform: it would be an identity."""
    try:
        prof = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        desc = ImageCms.getProfileDescription(prof).strip().lower()
    except (OSError, ImageCms.PyCMSError, TypeError, ValueError):
        return None, True
    return prof, desc.startswith("srgb")


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert to RGB in sRGB, honouring an embedded ICC profile; never fails the photo."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        peak = 65535.0 if arr.max() > 255 else 255.0
        im = Image.fromarray(np.clip(arr * (255.0 / peak), 0, 255).astype(np.uint8), "L")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    if icc:
        prof, is_srgb = _profile(icc)
        if prof is not None and not is_srgb and im.mode in ("RGB", "CMYK", "L"):
            try:
                converted = ImageCms.profileToProfile(im, prof, _srgb(), outputMode="RGB")
                if converted is not None:
                    return converted
            except (ImageCms.PyCMSError, OSError, ValueError):
                pass
    return im if im.mode == "RGB" else im.convert("RGB")


def _orientation(im: Image.Image) -> int:
    try:
        value = int(im.getexif().get(0x0112, 1))
    except Exception:
        return 1
    return value if 1 <= value <= 8 else 1


def _orient(im: Image.Image, orientation: int) -> Image.Image:
    for op in _ORIENT_OPS.get(orientation, ()):
        im = im.transpose(op)
    return im


def _fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """Size that fits a long edge of `edge` (never upscales), aspect kept."""
    w, h = size
    scale = min(1.0, edge / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _fit_box(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, box[0] / w, box[1] / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _decode_scaled(path: str | Path, im: Image.Image, info: ImageInfo, need: tuple[int, int]) -> Image.Image:
    """One decode at the smallest DCT scale whose size is >= `need` (in stored orientation)."""
    need = (min(need[0], info.width), min(need[1], info.height))
    if info.format == "JPEG":
        data = Path(path).read_bytes()
        space = _jpeg_colorspace(data)
        if space is not None:
            cmyk = space in ("CMYK", "YCCK")
            arr = _jpeg_decode(data, "CMYK" if cmyk else "RGB", need[0], need[1])
            if cmyk:  # Adobe CMYK JPEGs store inverted values, as Pillow's decoder also assumes
                return Image.fromarray(255 - arr, "CMYK")
            return Image.fromarray(arr, "RGB")
        im.draft("RGB", need)
    _pil_load(im)
    return im


# -- derivatives for the pipeline ---------------------------------------------------------------
def _save_jpeg(im: Image.Image, dest: Path, quality: int, **extra: Any) -> None:
    """Write atomically: a temp file in the same folder, then os.replace."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".jpg", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            im.save(fh, "JPEG", quality=quality, **extra)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _signals(gray: np.ndarray) -> tuple[float, float, float]:
    """(sharpness, brightness, contrast): Laplacian variance, mean and std of the grey image."""
    g = gray.astype(np.float32)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4.0 * g[1:-1, 1:-1]
    return float(lap.var()), float(g.mean()), float(g.std())


def _phash(im: Image.Image) -> str:
    import imagehash  # imported here: only pool workers need it, and it is a heavy import

    return str(imagehash.phash(im))


def derive(src: str, out_dir: str, stem: str, params: DeriveParams) -> dict[str, Any]:
    """Make everything the pipeline needs from ONE scaled decode of `src` (runs in pool workers).

    Order: decode at the scale covering the preview -> preview (BICUBIC, then orientation and sRGB)
    -> model input from the preview -> thumbnail from the model input. Hash and signals come from
    the small images, so their cost does not grow with the megapixels.
    """
    out = Path(out_dir)
    with _open(src) as im:
        info = _check_header(im, params.pixel_cap, 1)
        orientation = _orientation(im)
        icc = im.info.get("icc_profile")
        big_edge = max(params.preview_edge, params.model_edge, params.thumb_edge)
        need = _fit((info.width, info.height), big_edge)
        decoded = _decode_scaled(src, im, info, need)
        preview = decoded.resize(need, _DERIVE_FILTER) if decoded.size != need else decoded
        preview = _to_srgb(_orient(preview, orientation), icc)
        if preview is im:  # small non-JPEG used as is: detach it from the file before closing
            preview = preview.copy()
    model = preview.resize(_fit(preview.size, params.model_edge), _DERIVE_FILTER)
    thumb = model.resize(_fit(model.size, params.thumb_edge), _DERIVE_FILTER)
    paths = {
        "model_input_path": out / f"{stem}.model.jpg",
        "preview_path": out / f"{stem}.preview.jpg",
        "thumb_path": out / f"{stem}.thumb.jpg",
    }
    _save_jpeg(model, paths["model_input_path"], params.model_quality)
    _save_jpeg(preview, paths["preview_path"], params.preview_quality)
    _save_jpeg(thumb, paths["thumb_path"], params.thumb_quality)
    sharpness, brightness, contrast = _signals(np.asarray(model.convert("L")))
    swapped = orientation in (5, 6, 7, 8)
    return {
        **{k: str(v) for k, v in paths.items()},
        "phash": _phash(thumb),
        "sharpness": round(sharpness, 3),
        "brightness": round(brightness, 3),
        "contrast": round(contrast, 3),
        "width": info.height if swapped else info.width,
        "height": info.width if swapped else info.height,
    }


def derive_many(jobs: Iterable[tuple[str, str, str]], params: DeriveParams, *, workers: int,
                window: int = 0) -> Iterator[tuple[int, dict[str, Any] | BaseException]]:
    """`derive` over (src, out_dir, stem) jobs in a spawn pool; yields (job index, result or the
    exception) in completion order. Spawn, because forking after a library started threads can
    deadlock; at most `window` jobs in flight and workers recycled every 100 photos, so memory stays
    flat however long the set is."""
    ctx = multiprocessing.get_context("spawn")
    limit = window or 2 * workers
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, max_tasks_per_child=100) as pool:
        queue = enumerate(jobs)
        running: dict[Future[dict[str, Any]], int] = {}
        for index, (src, out_dir, stem) in queue:
            running[pool.submit(derive, src, out_dir, stem, params)] = index
            if len(running) >= limit:
                break
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                exc = future.exception()
                yield index, (exc if exc is not None else future.result())
                nxt = next(queue, None)
                if nxt is not None:
                    running[pool.submit(derive, nxt[1][0], nxt[1][1], nxt[1][2], params)] = nxt[0]


# -- publishing ---------------------------------------------------------------------------------
def _watermark(im: Image.Image, text: str) -> Image.Image:
    """Semi-transparent text in the lower right corner, sized to the image."""
    base = im.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = ImageFont.load_default(size=max(12, base.width // 40))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    margin = max(8, base.width // 100)
    xy = (base.width - (right - left) - margin, base.height - (bottom - top) - margin - top)
    draw.text((xy[0] + 1, xy[1] + 1), text, font=font, fill=(0, 0, 0, 110))
    draw.text(xy, text, font=font, fill=(255, 255, 255, 160))
    return Image.alpha_composite(base, layer).convert("RGB")


def render_publish(src: Path, web_dest: Path, thumb_dest: Path, *, web_size: tuple[int, int],
                   thumb_size: tuple[int, int], quality: int, watermark_text: str = "") -> dict[str, int]:
    """Web image and thumbnail for the site: fit the boxes, sRGB, orientation applied, EXIF kept
    with Orientation reset to 1. DCT scaling only shrinks to >= 2x the web size, then LANCZOS, so the
    result matches a full-decode LANCZOS resize (see tests/ingest/test_imaging.py)."""
    with _open(src) as im:
        info = _check_header(im, 10**12, 1)
        orientation = _orientation(im)
        icc = im.info.get("icc_profile")
        exif = im.getexif()
        stored_box = web_size if orientation not in (5, 6, 7, 8) else (web_size[1], web_size[0])
        target = _fit_box((info.width, info.height), stored_box)
        decoded = _decode_scaled(src, im, info, (target[0] * 2, target[1] * 2))
        web = decoded.resize(target, _LANCZOS) if decoded.size != target else decoded.copy()
    web = _to_srgb(_orient(web, orientation), icc)
    thumb = web.resize(_fit_box(web.size, thumb_size), _LANCZOS)
    if watermark_text:
        web = _watermark(web, watermark_text)
    exif[0x0112] = 1
    for tag in (0xA002, 0xA003):  # pixel dimensions in the Exif IFD describe the old image
        exif.get_ifd(0x8769).pop(tag, None)
    extra = {"exif": exif.tobytes(), "icc_profile": _srgb().tobytes()}
    _save_jpeg(web, Path(web_dest), quality, **extra)
    _save_jpeg(thumb, Path(thumb_dest), quality, **extra)
    return {"web_width": web.width, "web_height": web.height,
            "thumb_width": thumb.width, "thumb_height": thumb.height}


def sha256_file(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
