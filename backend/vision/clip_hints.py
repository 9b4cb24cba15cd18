"""CLIP zero-shot hints: the only module that imports open_clip / torch.

Why: a cheap (tens of ms on CPU) guess of what kind of thing is in the frame, given to the vision
model as a non-authoritative cue and used by the gate to notice text that contradicts the image.
Loading is lazy and locked, with one bounded retry (Immich ML's pattern); weights are never
downloaded: they come from `Settings.clip_weights` or `<data_dir>/models`. When they are missing,
`ClipUnavailable` says what is missing and how to get it, and the pipeline continues without hints.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ServiceUnavailable
from ..settings import Settings

WEIGHT_NAMES = ("open_clip_pytorch_model.bin", "open_clip_model.safetensors")
WEIGHT_SUFFIXES = (".pt", ".bin", ".safetensors", ".pth")
KNOWN_SOURCES = {
    "ViT-B-32": "laion/CLIP-ViT-B-32-laion2B-s34B-b79K on Hugging Face (file open_clip_pytorch_model.bin)",
}


class ClipUnavailable(ServiceUnavailable):
    """CLIP hints cannot run (no weights, or the model failed to load twice); hints are skipped."""

    code = "clip_unavailable"


def _model_name(settings: Settings) -> tuple[str, Path | None]:
    """The open_clip model name, and a custom JSON config to register when `clip_model` is a file."""
    spec = settings.clip_model
    if spec.endswith(".json"):
        return Path(spec).stem, Path(spec)
    return spec, None


def find_weights(settings: Settings) -> tuple[Path | None, list[Path]]:
    """The checkpoint to load and every place looked at (for the "what is missing" message)."""
    name, _ = _model_name(settings)
    looked: list[Path] = []
    if settings.clip_weights:
        path = Path(settings.clip_weights).expanduser()
        looked.append(path)
        return (path if path.is_file() else None), looked
    root = settings.models_dir
    candidates = [root / name / n for n in WEIGHT_NAMES] + [root / f"{name}{s}" for s in WEIGHT_SUFFIXES]
    for path in candidates:
        looked.append(path)
        if path.is_file():
            return path, looked
    return None, looked


def missing_message(settings: Settings, looked: Sequence[Path]) -> str:
    name, _ = _model_name(settings)
    source = KNOWN_SOURCES.get(name, f"an open_clip checkpoint for {name}")
    places = "; ".join(str(p) for p in looked[:4])
    return (f"CLIP hints are off: no weights for {name} were found (looked at {places}). "
            f"Download {source} and put it at {settings.models_dir / name / WEIGHT_NAMES[0]}, or set "
            "clip_weights in Settings to the file. Captions are still written, just without hints.")


class ClipHinter:
    """Zero-shot labels for one photo over a label vocabulary; thread-safe, loads on first use."""

    def __init__(self, settings: Settings, labels: Sequence[str] | None = None,
                 template: str = "a photo of {}") -> None:
        self.settings = settings
        self.labels = tuple(labels or settings.clip_labels)
        self.template = template
        self._lock = threading.Lock()
        self._model: Any = None
        self._preprocess: Any = None
        self._text: Any = None
        self._error: ClipUnavailable | None = None
        self.load_seconds = 0.0

    def _load(self) -> None:
        import open_clip  # heavy: only imported when hints are wanted
        import torch

        name, config = _model_name(self.settings)
        if config is not None:
            open_clip.add_model_config(config)
        path, looked = find_weights(self.settings)
        if path is None:
            raise ClipUnavailable(missing_message(self.settings, looked))
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=str(path), device="cpu")
        model.eval()
        tokenizer = open_clip.get_tokenizer(name)
        with torch.no_grad():
            tokens = tokenizer([self.template.format(label) for label in self.labels])
            text = model.encode_text(tokens)
            text = text / text.norm(dim=-1, keepdim=True)
        self._model, self._preprocess, self._text = model, preprocess, text

    def ensure_loaded(self) -> None:
        """Load once under the lock; a failed load is retried once, then remembered (no retry storm)."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            if self._error is not None:
                raise self._error
            started = time.perf_counter()
            for attempt in (1, 2):
                try:
                    self._load()
                    self.load_seconds = time.perf_counter() - started
                    return
                except ClipUnavailable as exc:
                    self._error = exc
                    raise
                except Exception as exc:  # torch/pickle raise many kinds; all mean "not loadable"
                    if attempt == 2:
                        self._error = ClipUnavailable(
                            f"CLIP hints are off: the model {self.settings.clip_model} could not be loaded "
                            f"({exc}). Check the weights file; captions are still written without hints.")
                        raise self._error from exc
                    time.sleep(0.2)

    def available(self) -> tuple[bool, str]:
        try:
            self.ensure_loaded()
        except ClipUnavailable as exc:
            return False, exc.message
        return True, ""

    def hints(self, image_path: str | Path, top_k: int = 3, min_score: float = 0.05) -> list[dict[str, Any]]:
        """Top labels with softmax scores, best first: [{"label": "birds", "score": 0.91}, ...]."""
        self.ensure_loaded()
        import torch
        from PIL import Image

        with Image.open(image_path) as im:
            pixels = self._preprocess(im.convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            feats = self._model.encode_image(pixels)
            feats = feats / feats.norm(dim=-1, keepdim=True)
            probs = (100.0 * feats @ self._text.T).softmax(dim=-1)[0].tolist()
        ranked = sorted(zip(self.labels, probs, strict=True), key=lambda lp: -lp[1])
        return [{"label": label, "score": round(float(p), 4)} for label, p in ranked[:top_k] if p >= min_score]


_shared: dict[tuple[Any, ...], ClipHinter] = {}
_shared_lock = threading.Lock()


def hinter(settings: Settings) -> ClipHinter:
    """One hinter per model / weights / labels, shared by the pipeline and the review editor."""
    key = (settings.clip_model, settings.clip_weights, str(settings.models_dir), settings.clip_labels)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = ClipHinter(settings)
        return _shared[key]
