"""Quality rating (QR, 0-10) as a weighted mix of the metrics a photo has, with reasons.

The reference mix is 0.23 CLIP aesthetic + 0.20 NIMA + 0.17 sharpness + 0.17 brightness + 0.13
contrast + 0.10 BRISQUE. Metrics a machine cannot compute (no learned model installed) are left out
and the remaining weights are renormalised, and the photo's scores say which basis was used, so a QR
from classic signals alone is never mistaken for a learned one. Scores inform; they never reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WEIGHTS: dict[str, float] = {"clip_aesthetic": 0.23, "nima": 0.20, "blur": 0.17, "brightness": 0.17,
                             "contrast": 0.13, "brisque": 0.10}
QC_BANDS: tuple[tuple[float, str], ...] = ((7.5, "Top"), (6.5, "Good"), (5.5, "Average"), (4.5, "Low"),
                                           (float("-inf"), "Very Low"))


def qc_band(qr: float | None) -> str:
    """The reference's QC_Status band for a rating; NA when unscored."""
    if qr is None:
        return "NA"
    return next(label for floor, label in QC_BANDS if qr >= floor)


@dataclass(frozen=True)
class Signals:
    sharpness: float  # Laplacian variance of the ~1024 px grey image
    brightness: float  # mean grey level 0-255
    contrast: float  # standard deviation of grey levels


def classic_metrics(signals: Signals) -> tuple[dict[str, float], list[str]]:
    """Sharpness / brightness / contrast on 0-10 (reference scalings), with plain-language reasons."""
    blur = min(signals.sharpness / 200.0, 1.0) * 10
    brightness = max(0.0, (1 - abs(signals.brightness - 128) / 128)) * 10
    contrast = min(signals.contrast / 64.0, 1.0) * 10
    reasons = []
    if blur < 3:
        reasons.append(f"soft or blurred: little fine edge detail (sharpness {signals.sharpness:.0f})")
    elif blur >= 9.5:
        reasons.append("sharp: plenty of fine edge detail")
    if signals.brightness < 60:
        reasons.append(f"dark: mean brightness {signals.brightness:.0f} of 255")
    elif signals.brightness > 200:
        reasons.append(f"very bright, highlights may be clipped: mean brightness {signals.brightness:.0f} of 255")
    if contrast < 4:
        reasons.append(f"flat, low contrast (tonal spread {signals.contrast:.0f})")
    metrics = {"blur": round(blur, 2), "brightness": round(brightness, 2), "contrast": round(contrast, 2)}
    return metrics, reasons


def quality_rating(metrics: dict[str, float]) -> float | None:
    """Weighted mix of the metrics present (BRISQUE raw, lower is better, is turned into 0-10)."""
    parts: dict[str, float] = {}
    for name, value in metrics.items():
        if name not in WEIGHTS or value is None:
            continue
        parts[name] = (1 - min(value / 100.0, 1.0)) * 10 if name == "brisque" else float(value)
    if not parts:
        return None
    total = sum(WEIGHTS[n] for n in parts)
    return round(sum(WEIGHTS[n] * v for n, v in parts.items()) / total, 2)


def score(signals: Signals, learned: dict[str, float] | None = None) -> dict[str, Any]:
    """Photo fields for the store: scores (metrics + reasons + basis), qr, qc_status."""
    metrics, reasons = classic_metrics(signals)
    metrics.update(learned or {})
    qr = quality_rating(metrics)
    basis = "learned and classic metrics" if learned else "classic signals only (no learned quality model installed)"
    return {"scores": {**metrics, "reasons": reasons, "basis": basis}, "qr": qr, "qc_status": qc_band(qr)}
