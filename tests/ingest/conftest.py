"""Fixtures for the ingest tests: image factory, settings in a temporary folder, the shared corpus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_helpers import CORPUS, make_jpeg

from backend.settings import Settings, load_settings


@pytest.fixture
def jpeg() -> Callable[..., Path]:
    return make_jpeg


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", env={})


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (a user's clone); CI provides it")
    return CORPUS
