"""backend.exif on photos whose EXIF this test wrote itself (piexif), plus the normalisation rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from ingest_helpers import exif_bytes, make_jpeg

from backend.exif import (
    format_aperture,
    format_datetime,
    format_exposure,
    normalise_camera,
    read_exif,
)
from backend.photo import Photo


def test_full_record(tmp_path: Path) -> None:
    exif = exif_bytes(make="NIKON CORPORATION", model="NIKON D60", dto="2019:06:09 21:49:02", subsec="20",
                      offset="+02:00", exposure=1 / 250, fnumber=5.6, iso=400, focal=28.4,
                      lens="AF-S DX 18-55mm", orientation=6, artist="A. Photographer",
                      copyright="(c) 2019 A. Photographer", gps=(-33.8568, 151.2153, -12.5))
    path = make_jpeg(tmp_path / "n.jpg", (600, 400), exif=exif)
    r = read_exif(path)
    assert r["datetime"] == "2019-06-09 21:49:02.200+02:00" and r["year"] == "2019"
    assert r["camera"] == "Nikon D60" and r["lens"] == "AF-S DX 18-55mm"
    assert (r["width"], r["height"], r["orientation"]) == (400, 600, 6)
    assert (r["exposure"], r["aperture"], r["iso"], r["focal_length"]) == ("1/250 sec", "f/5.6", 400, 28)
    assert r["gps"]["lat"] == pytest.approx(-33.8568, abs=1e-5)
    assert r["gps"]["lon"] == pytest.approx(151.2153, abs=1e-5)
    assert r["gps"]["alt"] == pytest.approx(-12.5)
    assert r["artist"] == "A. Photographer" and r["copyright"].startswith("(c) 2019")
    assert set(r) - {"exif_extra"} <= {f for f in Photo.__dataclass_fields__}
    json.dumps(r)  # the store and the inspect command both need plain JSON values


def test_datetime_falls_back_to_datetime(tmp_path: Path) -> None:
    path = make_jpeg(tmp_path / "d.jpg", exif=exif_bytes(dt="2020:01:02 03:04:05"))
    assert read_exif(path)["datetime"] == "2020-01-02 03:04:05"


def test_no_exif_gives_empty_values(tmp_path: Path) -> None:
    r = read_exif(make_jpeg(tmp_path / "plain.jpg", (320, 200)))
    assert (r["camera"], r["datetime"], r["year"], r["iso"], r["gps"]) == ("", "", "", None, None)
    assert (r["width"], r["height"], r["orientation"]) == (320, 200, 1)


def test_garbage_exif_never_raises(tmp_path: Path) -> None:
    path = tmp_path / "g.jpg"
    make_jpeg(path, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + b"\x00\x13" * 40)
    r = read_exif(path)
    assert r["width"] == 640
    assert read_exif(tmp_path / "missing.jpg")["camera"] == ""


@pytest.mark.parametrize(("seconds", "text"), [(1 / 250, "1/250 sec"), (2, "2 sec"), (0.8, "0.8 sec"),
                                               (1 / 3, "0.3 sec"), (0.25, "1/4 sec"), (30, "30 sec"),
                                               (1.3, "1.3 sec"), (0, ""), (None, "")])
def test_exposure_format(seconds: float | None, text: str) -> None:
    assert format_exposure(seconds) == text


def test_aperture_format() -> None:
    assert (format_aperture(5.6), format_aperture(8), format_aperture(None)) == ("f/5.6", "f/8.0", "")


@pytest.mark.parametrize(("make", "model", "camera"), [
    ("Canon", "Canon EOS 450D", "Canon EOS 450D"),
    ("NIKON CORPORATION", "NIKON D60", "Nikon D60"),
    ("NIKON", "E5700", "Nikon E5700"),
    ("OLYMPUS OPTICAL CO.,LTD", "E-20,E-20N,E-20P", "Olympus E-20,E-20N,E-20P"),
    ("EASTMAN KODAK COMPANY", "KODAK EASYSHARE M5370", "Kodak EASYSHARE M5370"),
    ("SAMSUNG", "GT-I9505", "Samsung GT-I9505"),
    ("samsung", "SM-G930F", "Samsung SM-G930F"),
    ("LEICA CAMERA AG", "LEICA T (Typ 701)", "Leica T (Typ 701)"),
    ("Canon", "Canon", "Canon"),
    ("  Canon  ", "Canon   EOS_R5", "Canon EOS R5"),
    ("Acme Widgets Corporation", "Acme X1", "Acme Widgets X1"),
    ("", "", ""),
])
def test_camera_normalisation(make: str, model: str, camera: str) -> None:
    assert normalise_camera(make, model) == camera


def test_datetime_format_rules() -> None:
    assert format_datetime("2008:04:15 13:11:23", "03", "") == "2008-04-15 13:11:23.030"
    assert format_datetime("2008:04:15 13:11:23", "0532", "-05:00") == "2008-04-15 13:11:23.053-05:00"
    assert format_datetime("0000:00:00 00:00:00") == ""
    assert format_datetime("    ") == ""


@hyp_settings(max_examples=200, deadline=None)
@given(make=st.text(max_size=30), model=st.text(max_size=40))
def test_camera_never_repeats_make_and_is_single_spaced(make: str, model: str) -> None:
    camera = normalise_camera(make, model)
    assert camera == " ".join(camera.split())
    words = camera.split(" ")
    assert len(words) < 2 or words[0].casefold() != words[1].casefold() or not make.strip()
