"""Quality rating: reference scalings and bands, renormalised weights, reasons, and real images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from backend import imaging, scoring


@pytest.mark.parametrize(("qr", "band"), [(None, "NA"), (9.0, "Top"), (7.5, "Top"), (7.49, "Good"), (6.5, "Good"),
                                          (6.0, "Average"), (5.0, "Low"), (4.49, "Very Low"), (0.0, "Very Low")])
def test_bands_follow_the_reference_thresholds(qr: float | None, band: str) -> None:
    assert scoring.qc_band(qr) == band


def test_rating_uses_the_reference_weights_and_renormalises_missing_metrics() -> None:
    full = {"clip_aesthetic": 8, "nima": 6, "blur": 10, "brightness": 5, "contrast": 7, "brisque": 20}
    expected = 0.23 * 8 + 0.20 * 6 + 0.17 * 10 + 0.17 * 5 + 0.13 * 7 + 0.10 * 8
    assert scoring.quality_rating(full) == pytest.approx(expected, abs=0.01)
    classic = {"blur": 10, "brightness": 5, "contrast": 7}
    assert scoring.quality_rating(classic) == pytest.approx((1.7 + 0.85 + 0.91) / 0.47, abs=0.01)
    assert scoring.quality_rating({}) is None


def _signals(im: Image.Image, tmp: Path) -> scoring.Signals:
    src = tmp / "x.jpg"
    im.save(src, quality=95)
    out = imaging.derive(str(src), str(tmp), "x", imaging.DeriveParams())
    return scoring.Signals(out["sharpness"], out["brightness"], out["contrast"])


def test_a_sharp_well_exposed_photo_outscores_its_blurred_dark_copy(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    base = Image.fromarray(rng.integers(40, 215, (800, 1200, 3), dtype=np.uint8)).filter(ImageFilter.SMOOTH)
    sharp = scoring.score(_signals(base, tmp_path))
    dull = base.filter(ImageFilter.GaussianBlur(8)).point(lambda v: v // 5)
    soft = scoring.score(_signals(dull, tmp_path))
    assert sharp["qr"] > soft["qr"] + 2
    assert any(r.startswith("soft or blurred") for r in soft["scores"]["reasons"])
    assert any(r.startswith("dark") for r in soft["scores"]["reasons"])
    assert "classic signals only" in soft["scores"]["basis"]
    assert soft["qc_status"] == scoring.qc_band(soft["qr"])
