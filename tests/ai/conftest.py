"""Fixtures for the AI prefill and gate tests: a fake Ollama server, settings pointing at it, real
JPEG model inputs made with Pillow, and a real Store."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from backend.pipeline import create_run
from backend.preflight import scan
from backend.services import Services, build
from backend.settings import Settings, load_settings
from backend.vision.ollama_client import OllamaCaptioner

from .fake_ollama import FakeOllama

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Shared captioners hold HTTP clients; close them after each test (warnings are errors)."""
    yield
    from backend.vision import ollama_client

    ollama_client.reset()


@pytest.fixture
def captioner() -> Iterator[Callable[[Settings], OllamaCaptioner]]:
    made: list[OllamaCaptioner] = []

    def make(settings: Settings) -> OllamaCaptioner:
        made.append(OllamaCaptioner(settings))
        return made[-1]

    yield make
    for cap in made:
        cap.close()


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


def make_settings(data_dir: Path, hosts: tuple[str, ...], **overrides: object) -> Settings:
    values: dict[str, object] = {
        "ollama_hosts": hosts, "ollama_timeout_s": 6.0, "ollama_idle_timeout_s": 1.5,
        "ollama_max_attempts": 3, "clip_weights": str(data_dir / "no-weights.pt"),
    }
    values.update(overrides)
    return load_settings(data_dir, env={}, **values)


@pytest.fixture
def settings(tmp_path: Path, fake: FakeOllama) -> Settings:
    return make_settings(tmp_path, (fake.url,))


def make_jpeg(path: Path, colour: tuple[int, int, int] = (90, 140, 200), size: tuple[int, int] = (1024, 683),
              seed: int = 0) -> Path:
    """A real JPEG with some structure (sky, ground, a dark 'bird' blob) so models get real pixels."""
    img = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle([0, h * 2 // 3, w, h], fill=(194, 178, 128))
    x = (seed * 97) % (w - 200) + 50
    draw.ellipse([x, h // 2, x + 160, h // 2 + 90], fill=(20, 20, 20))
    draw.polygon([(x + 150, h // 2 + 40), (x + 230, h // 2 + 50), (x + 150, h // 2 + 55)], fill=(230, 110, 20))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=85)
    return path


@pytest.fixture
def model_input(tmp_path: Path) -> Path:
    return make_jpeg(tmp_path / "derived" / "model_input.jpg")


@pytest.fixture
def make_services(tmp_path: Path):  # type: ignore[no-untyped-def]
    made: list[Services] = []

    def make(*hosts: str, **overrides: object) -> Services:
        svc = build(make_settings(tmp_path / f"data{len(made)}", hosts, workers=1, **overrides))
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


def start(svc: Services, folder: Path, n: int = 3, **options: object):  # type: ignore[no-untyped-def]
    """A run over `n` real 2400 px JPEGs of one Oystercatcher set."""
    for i in range(n):
        make_jpeg(folder / f"IMG_{i:04d}.jpg", size=(2400, 1600), seed=i + 1)
    spec = {"paths": [str(folder)], "subject": "Oystercatcher", "location": "Texel_Netherlands",
            "category": "Birds", "hint_keywords": "wadden sea, mudflat"}
    return create_run(svc.store, [spec], options=dict(options), scan=lambda paths: scan(svc, paths))
