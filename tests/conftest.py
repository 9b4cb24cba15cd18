"""Shared fixtures: a temporary data folder per test, services built on it, the shared corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO.parent / "shared" / "corpus").resolve()


@pytest.fixture
def corpus() -> Path:
    """The shared real-photo corpus (CI has it beside the checkout; a user's clone does not)."""
    if not (CORPUS / "real").is_dir():
        pytest.skip(f"needs the shared photo corpus at {CORPUS} (present in CI, absent in a plain clone)")
    return CORPUS


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir: Path):  # type: ignore[no-untyped-def]
    from backend.settings import load_settings

    return load_settings(data_dir, env={}, workers=1, ollama_hosts="http://127.0.0.1:9")


@pytest.fixture
def services(settings) -> Iterator:  # type: ignore[no-untyped-def]
    from backend.services import build

    svc = build(settings)
    yield svc
    svc.close()
