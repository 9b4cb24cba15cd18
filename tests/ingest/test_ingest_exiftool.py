"""Agreement of backend.exif with exiftool on every photo of ../shared/corpus/real.

exiftool is the reference reader. For each (file, field) pair the expected value is derived from
exiftool's own output (`-json -G` printed values and `-n` numbers) by the rule in the right column,
and compared with what `read_exif` returns. At least 98 % of the pairs must agree, and every
disagreement must be one of the documented, deliberate normalisations below (anything else fails).

| field        | expected value from exiftool                                                 |
|--------------|------------------------------------------------------------------------------|
| datetime     | EXIF:DateTimeOriginal (else EXIF:ModifyDate) + EXIF:SubSecTime[Original] +    |
|              | EXIF:OffsetTime[Original], as "YYYY-MM-DD HH:MM:SS[.fff][+HH:MM]"             |
| camera       | EXIF:Make + EXIF:Model through `normalise_camera` (brand table, no repeats)   |
| lens         | EXIF:LensModel, else MakerNotes:LensModel                                     |
| width/height | File:ImageWidth/ImageHeight, swapped when EXIF:Orientation is 5-8             |
| exposure     | printed EXIF:ExposureTime + " sec" ("1/250 sec", "0.8 sec", "2 sec")          |
| aperture     | "f/" + printed EXIF:FNumber (one decimal, as exiftool prints it)              |
| iso          | EXIF:ISO, else the last number of MakerNotes:ISO (Nikon "0 200" -> 200);      |
|              | never Composite:ISO, which exiftool computes from Canon BaseISO x AutoISO     |
|              | (232.7 on the PowerShot SD600): we store only an ISO the camera recorded      |
| focal_length | EXIF:FocalLength in mm, rounded half up to an integer                         |
| gps          | Composite:GPSLatitude/Longitude/Altitude (signed), within 1e-5 deg / 0.01 m   |
| orientation  | EXIF:Orientation, 1 when absent                                              |
| artist, copyright, color_profile | EXIF:Artist, EXIF:Copyright, ICC_Profile:ProfileDescription  |

Documented, deliberate disagreements (the only ones allowed; 1 of 406 pairs on the corpus of 2026-11):

| file / field                     | exiftool            | ours | why                                      |
|----------------------------------|---------------------|------|------------------------------------------|
| any / exposure with value 0      | "0 sec"             | ""   | a zero exposure time is a placeholder    |
|                                  |                     |      | written by trail cameras, not a fact     |
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from backend.exif import format_datetime, normalise_camera, read_exif

FIELDS = ("datetime", "camera", "lens", "width", "height", "exposure", "aperture", "iso", "focal_length",
          "gps", "orientation", "artist", "copyright", "color_profile")
TAGS = ["-Make", "-Model", "-LensModel", "-DateTimeOriginal", "-ModifyDate", "-SubSecTimeOriginal",
        "-SubSecTime", "-OffsetTimeOriginal", "-OffsetTime", "-ExposureTime", "-FNumber", "-ISO",
        "-FocalLength", "-GPSLatitude", "-GPSLongitude", "-GPSAltitude", "-Orientation", "-Artist",
        "-Copyright", "-ProfileDescription", "-ImageWidth", "-ImageHeight"]


def _deliberate(name: str, field: str, theirs: Any, ours: Any) -> bool:
    return field == "exposure" and theirs == "0 sec" and ours == ""


def _exiftool(files: list[Path], numeric: bool) -> dict[str, dict[str, Any]]:
    args = ["exiftool", "-json", "-G", "-m", *(["-n"] if numeric else []), *TAGS, *map(str, files)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout
    return {Path(r["SourceFile"]).name: r for r in json.loads(out)}


def _first(rec: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = rec.get(key)
        if value not in (None, ""):
            return value
    return None


def _expected(printed: dict[str, Any], num: dict[str, Any]) -> dict[str, Any]:
    orientation = num.get("EXIF:Orientation") or 1
    width, height = num.get("File:ImageWidth", 0), num.get("File:ImageHeight", 0)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    stamp = format_datetime(str(_first(printed, "EXIF:DateTimeOriginal") or ""),
                            str(_first(printed, "EXIF:SubSecTimeOriginal") or ""),
                            str(_first(printed, "EXIF:OffsetTimeOriginal") or ""))
    if not stamp:
        stamp = format_datetime(str(_first(printed, "EXIF:ModifyDate") or ""),
                                str(_first(printed, "EXIF:SubSecTime") or ""),
                                str(_first(printed, "EXIF:OffsetTime") or ""))
    iso = _first(num, "EXIF:ISO")
    if iso is None and isinstance(num.get("MakerNotes:ISO"), str | int | float):
        iso = int(str(num["MakerNotes:ISO"]).split()[-1])
    focal = _first(num, "EXIF:FocalLength")
    lat, lon = _first(num, "Composite:GPSLatitude"), _first(num, "Composite:GPSLongitude")
    gps = None
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        alt = num.get("Composite:GPSAltitude")
        gps = {"lat": lat, "lon": lon, "alt": alt if isinstance(alt, int | float) else None}
    exposure = _first(printed, "EXIF:ExposureTime")
    fnumber = _first(printed, "EXIF:FNumber")
    return {
        "datetime": stamp,
        "camera": normalise_camera(str(num.get("EXIF:Make") or ""), str(num.get("EXIF:Model") or "")),
        "lens": str(_first(printed, "EXIF:LensModel", "MakerNotes:LensModel") or ""),
        "width": width, "height": height,
        "exposure": f"{exposure} sec" if exposure is not None else "",
        "aperture": f"f/{fnumber}" if fnumber is not None else "",
        "iso": int(iso) if iso is not None else None,
        "focal_length": int(float(focal) + 0.5) if focal else None,
        "gps": gps,
        "orientation": orientation,
        "artist": str(num.get("EXIF:Artist") or "").strip(),
        "copyright": str(num.get("EXIF:Copyright") or "").strip(),
        "color_profile": str(num.get("ICC_Profile:ProfileDescription") or "").strip(),
    }


def _agree(field: str, theirs: Any, ours: Any) -> bool:
    if field == "gps" and theirs and ours:
        return (abs(theirs["lat"] - ours["lat"]) < 1e-5 and abs(theirs["lon"] - ours["lon"]) < 1e-5
                and (theirs["alt"] is None) == (ours["alt"] is None)
                and (theirs["alt"] is None or abs(theirs["alt"] - ours["alt"]) < 0.01))
    return bool(theirs == ours)


@pytest.mark.corpus
def test_exif_agrees_with_exiftool(corpus: Path) -> None:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed (Debian: libimage-exiftool-perl); CI installs it")
    files = sorted((corpus / "real").glob("*.jpg"))
    assert len(files) >= 20
    printed, numeric = _exiftool(files, numeric=False), _exiftool(files, numeric=True)
    pairs = agreed = 0
    unexplained: list[str] = []
    for path in files:
        ours = read_exif(path)
        theirs = _expected(printed[path.name], numeric[path.name])
        for field in FIELDS:
            pairs += 1
            if _agree(field, theirs[field], ours[field]):
                agreed += 1
            elif not _deliberate(path.name, field, theirs[field], ours[field]):
                unexplained.append(f"{path.name} {field}: exiftool {theirs[field]!r} ours {ours[field]!r}")
    assert not unexplained, "\n".join(unexplained)
    assert agreed / pairs >= 0.98, f"{agreed}/{pairs} pairs agree"
