"""EXIF and initial metadata, read in-process from the header (about a millisecond, no decode).

Why Pillow's `getexif()` and not exiftool: one exiftool process per file costs ~160 ms; Pillow reads
JPEG, TIFF, PNG and (through pillow-heif) HEIC headers with the same API. Two maker-note values that
Pillow does not parse are read with a tiny TIFF walker (`_makernote_values`): the Canon lens name
and the Nikon ISO, because those cameras do not repeat them in the standard EXIF tags.

Every field is read on its own and a broken one becomes ""/None: odd EXIF never raises.
The formats (checked against exiftool in tests/ingest/test_exif_exiftool.py) are:
datetime "YYYY-MM-DD HH:MM:SS[.fff][+HH:MM]", exposure "1/250 sec" / "0.8 sec" / "2 sec"
(exiftool's own rule: 1/x below 0.25 s), aperture "f/5.6" (one decimal, like exiftool),
focal length integer mm (half up), GPS signed decimals.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image, ImageCms

pillow_heif.register_heif_opener()

_IFD_EXIF, _IFD_GPS = 0x8769, 0x8825
_DT = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")

# Corporate names as cameras write them -> the brand a photographer uses.
_MAKES = {
    "nikon corporation": "Nikon", "nikon": "Nikon", "eastman kodak company": "Kodak", "kodak": "Kodak",
    "olympus optical co.,ltd": "Olympus", "olympus imaging corp.": "Olympus",
    "olympus corporation": "Olympus",
    "om digital solutions": "OM System", "minolta co., ltd.": "Minolta", "konica minolta": "Konica Minolta",
    "konica minolta camera, inc.": "Konica Minolta", "leica camera ag": "Leica", "leica": "Leica",
    "sony": "Sony", "samsung": "Samsung", "samsung techwin": "Samsung", "fujifilm": "Fujifilm",
    "fuji photo film co., ltd.": "Fujifilm", "canon": "Canon", "panasonic": "Panasonic", "pentax": "Pentax",
    "pentax corporation": "Pentax", "ricoh imaging company, ltd.": "Ricoh", "ricoh": "Ricoh",
    "oppo": "Oppo", "htc": "HTC", "lg electronics": "LG", "lge": "LG", "apple": "Apple", "google": "Google",
    "huawei": "Huawei", "xiaomi": "Xiaomi", "motorola": "Motorola", "hasselblad": "Hasselblad",
    "sigma": "Sigma", "jk imaging, ltd.": "Kodak", "bushnell": "Bushnell", "hmd global": "HMD",
    "research in motion": "BlackBerry", "casio computer co.,ltd.": "Casio", "casio computer co.,ltd": "Casio",
}
_CORP = re.compile(r"[\s,]+(corporation|corp\.?|co\.?,?\s*ltd\.?|ltd\.?|inc\.?|gmbh|ag|company|"
                   r"optical|imaging|electronics|camera)\b\.?", re.IGNORECASE)

FIELDS = ("datetime", "year", "camera", "lens", "width", "height", "exposure", "aperture", "iso",
          "focal_length", "gps", "orientation", "artist", "copyright", "color_profile", "exif_extra")


def _text(value: Any) -> str:
    """EXIF strings arrive as str or bytes, padded with NULs or spaces."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, tuple):
        value = " ".join(_text(v) for v in value)
    return " ".join(str(value).replace("\x00", " ").split())


def _num(value: Any) -> float | None:
    try:
        if isinstance(value, tuple):
            value = value[0]
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    return number if number == number and abs(number) != float("inf") else None


# -- normalisation rules (pure; unit-tested and used by the exiftool agreement test) ------------
def normalise_make(make: str) -> str:
    make = " ".join(make.replace("_", " ").split())
    known = _MAKES.get(make.casefold())
    if known:
        return known
    stripped = _CORP.sub("", make).strip(" ,.")
    if stripped.isupper() and len(stripped) > 3:
        stripped = stripped.title()
    return stripped


def normalise_camera(make: str, model: str) -> str:
    """'NIKON CORPORATION' + 'NIKON D60' -> 'Nikon D60'; no repeated make, single spaces."""
    brand = normalise_make(_text(make))
    model = " ".join(_text(model).replace("_", " ").split())
    raw_make = " ".join(_text(make).split())
    prefixes = {brand, raw_make, raw_make.split(" ")[0] if raw_make else ""}
    for prefix in sorted(prefixes, key=len, reverse=True):
        if prefix and model.casefold().startswith(prefix.casefold() + " "):
            model = model[len(prefix) + 1:].strip()
            break
        if prefix and model.casefold() == prefix.casefold():
            model = ""
            break
    return " ".join(p for p in (brand, model) if p)


def format_exposure(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return ""
    if seconds < 0.25001:
        return f"1/{int(0.5 + 1 / seconds)} sec"
    text = f"{seconds:.1f}".removesuffix(".0")
    return f"{text} sec"


def format_aperture(fnumber: float | None) -> str:
    return f"f/{fnumber:.1f}" if fnumber and fnumber > 0 else ""


def format_datetime(stamp: str, subsec: str = "", offset: str = "") -> str:
    """'2008:04:15 13:11:23' + '03' + '+02:00' -> '2008-04-15 13:11:23.030+02:00'; '' if unusable.
    Sub-seconds are fraction digits, so they are padded or cut to milliseconds."""
    m = _DT.match(_text(stamp))
    if not m or m.group(1) == "0000" or m.group(2) == "00":
        return ""
    y, mo, d, h, mi, s = m.groups()
    out = f"{y}-{mo}-{d} {h}:{mi}:{s}"
    digits = re.sub(r"\D", "", _text(subsec))
    if digits:
        out += "." + (digits + "00")[:3]
    om = _OFFSET.match(_text(offset))
    if om:
        out += f"{om.group(1)}{om.group(2)}:{om.group(3)}"
    return out


def _dms(value: Any, ref: Any) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(x != x for x in (d, m, s)):
        return None
    deg = d + m / 60 + s / 3600
    return round(-deg if _text(ref).upper() in ("S", "W") else deg, 7)


def _gps(gps: dict[int, Any]) -> dict[str, float | None] | None:
    lat = _dms(gps.get(2), gps.get(1))
    lon = _dms(gps.get(4), gps.get(3))
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    alt = _num(gps.get(6))
    if alt is not None:
        ref = gps.get(5)
        if isinstance(ref, bytes):
            ref = ref[:1] == b"\x01"
        alt = round(-alt if ref in (1, True) else alt, 3)
    return {"lat": lat, "lon": lon, "alt": alt}


def _profile_name(icc: bytes | None) -> str:
    if not icc:
        return ""
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except Exception:
        return ""


# -- maker notes (the two values Pillow leaves in opaque bytes) ---------------------------------
def _ifd(buf: bytes, offset: int, endian: str, base: int = 0) -> dict[int, tuple[int, int, bytes]]:
    """Entries of one TIFF IFD: tag -> (type, count, 4 value bytes). Offsets relative to `base`."""
    out: dict[int, tuple[int, int, bytes]] = {}
    (n,) = struct.unpack_from(endian + "H", buf, base + offset)
    for i in range(min(n, 512)):
        pos = base + offset + 2 + 12 * i
        tag, typ, count = struct.unpack_from(endian + "HHI", buf, pos)
        out[tag] = (typ, count, buf[pos + 8:pos + 12])
    return out


def _makernote_values(raw: bytes, make: str) -> dict[str, Any]:
    """Canon LensModel (0x0095) and Nikon ISO (0x0002) from the raw EXIF block; {} on any oddity."""
    try:
        tiff = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
        endian = "<" if tiff[:2] == b"II" else ">"
        (ifd0,) = struct.unpack_from(endian + "I", tiff, 4)
        exif_ptr = _ifd(tiff, ifd0, endian).get(_IFD_EXIF)
        if not exif_ptr:
            return {}
        (exif_off,) = struct.unpack_from(endian + "I", exif_ptr[2])
        note = _ifd(tiff, exif_off, endian).get(0x927C)
        if not note:
            return {}
        (note_off,) = struct.unpack_from(endian + "I", note[2])
        brand = make.casefold()
        if brand.startswith("canon"):
            typ, count, value = _ifd(tiff, note_off, endian).get(0x0095, (0, 0, b""))
            if typ == 2 and count > 4:
                (off,) = struct.unpack_from(endian + "I", value)
                return {"lens": _text(tiff[off:off + count])}
        elif brand.startswith("nikon") and tiff[note_off:note_off + 6] == b"Nikon\x00":
            base = note_off + 10  # "Nikon\0" + version, then an embedded TIFF header
            inner = "<" if tiff[base:base + 2] == b"II" else ">"
            (first,) = struct.unpack_from(inner + "I", tiff, base + 4)
            typ, count, value = _ifd(tiff, first, inner, base).get(0x0002, (0, 0, b""))
            if typ == 3 and count == 2:
                iso = struct.unpack_from(inner + "HH", value)[1]
                return {"iso": iso} if iso > 0 else {}
    except (struct.error, IndexError, ValueError):
        return {}
    return {}


# -- the entry point ----------------------------------------------------------------------------
def empty() -> dict[str, Any]:
    return {"datetime": "", "year": "", "camera": "", "lens": "", "width": 0, "height": 0, "exposure": "",
            "aperture": "", "iso": None, "focal_length": None, "gps": None, "orientation": 1, "artist": "",
            "copyright": "", "color_profile": "", "exif_extra": {}}


def read_exif(path: str | Path) -> dict[str, Any]:
    """The Photo EXIF fields of one file (names exactly as in backend/photo.py). Never raises.

    Pillow warns about damaged EXIF blocks; that is exactly the input this function exists to
    tolerate, so warnings are silenced while it reads.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read(path)


def _read(path: str | Path) -> dict[str, Any]:
    out = empty()
    try:
        im = Image.open(path)
    except Exception:
        return out
    with im:
        try:
            width, height = im.size
        except Exception:
            width = height = 0
        for key, fn in _READERS:
            try:
                fn(im, out)
            except Exception:  # one odd tag must not hide the others
                out["exif_extra"].setdefault("unreadable", []).append(key)
    if out["orientation"] in (5, 6, 7, 8):
        width, height = height, width
    out["width"], out["height"] = width, height
    out["year"] = out["datetime"][:4]
    return out


def _read_main(im: Image.Image, out: dict[str, Any]) -> None:
    exif = im.getexif()
    sub = exif.get_ifd(_IFD_EXIF)
    make, model = _text(exif.get(0x010F)), _text(exif.get(0x0110))
    out["camera"] = normalise_camera(make, model)
    orientation = exif.get(0x0112)
    out["orientation"] = int(orientation) if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
    out["artist"] = _text(exif.get(0x013B))
    out["copyright"] = _text(exif.get(0x8298))
    stamp = format_datetime(sub.get(0x9003, ""), sub.get(0x9291, ""), sub.get(0x9011, ""))
    if not stamp:
        stamp = format_datetime(exif.get(0x0132, ""), sub.get(0x9290, ""), sub.get(0x9010, ""))
    out["datetime"] = stamp
    out["exposure"] = format_exposure(_num(sub.get(0x829A)))
    out["aperture"] = format_aperture(_num(sub.get(0x829D)))
    iso = _num(sub.get(0x8827))
    out["iso"] = int(iso) if iso and iso > 0 else None
    focal = _num(sub.get(0x920A))
    out["focal_length"] = int(focal + 0.5) if focal and focal > 0 else None
    out["lens"] = _text(sub.get(0xA434))
    if (not out["lens"] or out["iso"] is None) and "exif" in im.info:
        notes = _makernote_values(im.info["exif"], make)
        out["lens"] = out["lens"] or notes.get("lens", "")
        out["iso"] = out["iso"] if out["iso"] is not None else notes.get("iso")
    extra = {"make": make, "model": model, "software": _text(exif.get(0x0131)),
             "lens_make": _text(sub.get(0xA433)), "exposure_bias": _num(sub.get(0x9204)),
             "flash": _num(sub.get(0x9209)), "exposure_program": _num(sub.get(0x8822))}
    out["exif_extra"].update({k: v for k, v in extra.items() if v not in ("", None)})


def _read_gps(im: Image.Image, out: dict[str, Any]) -> None:
    gps = im.getexif().get_ifd(_IFD_GPS)
    out["gps"] = _gps(dict(gps)) if gps else None


def _read_profile(im: Image.Image, out: dict[str, Any]) -> None:
    out["color_profile"] = _profile_name(im.info.get("icc_profile"))


_READERS = (("main", _read_main), ("gps", _read_gps), ("profile", _read_profile))
