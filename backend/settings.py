"""One typed Settings object, built once at start-up and passed in.

Sources, later wins: built-in defaults -> the user's TOML file -> environment variables
(`IMAGE_AUTOMATION_<FIELD>` in upper case). Nothing else in the backend reads the environment.
All state lives under `data_dir` (`--data-dir` or `IMAGE_AUTOMATION_HOME` move it; tests do).
Secrets (FTP / MySQL passwords) are never settings: they live in the OS keyring or the environment.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

import platformdirs

from .errors import InvalidInput

APP_NAME = "ImageAutomation"
ENV_PREFIX = "IMAGE_AUTOMATION_"

@dataclass(frozen=True)
class Settings:
    """Every tunable of the product, with its default and a one-line help text (in `HELP`)."""

    data_dir: Path = Path()
    site_dir: Path = Path()  # the local-folder publish target; default <data_dir>/site
    public_url_base: str = "https://example.com/pic/images/new"
    # naming
    name_pattern: str = "{Subject}_{Location}_{Category}_Photography_{NNN}.JPG"
    name_max_length: int = 150
    transliterate: bool = False
    # intake and imaging
    pixel_cap: int = 200_000_000
    min_edge: int = 64
    model_input_edge: int = 1024
    model_input_quality: int = 85
    preview_edge: int = 1600
    ui_thumb_edge: int = 360
    web_size: tuple[int, int] = (1500, 1000)
    thumb_size: tuple[int, int] = (548, 365)
    web_quality: int = 92
    watermark_text: str = ""
    workers: int = 0  # 0 = one per CPU core
    phash_threshold: int = 8
    # AI prefill
    ollama_hosts: tuple[str, ...] = ("http://127.0.0.1:11434",)
    ollama_model: str = "qwen2.5vl:7b"
    ollama_fallback_model: str = ""
    ollama_concurrency: int = 1
    ollama_timeout_s: float = 420.0
    ollama_idle_timeout_s: float = 120.0
    ollama_keep_alive: str = "30m"
    ollama_temperature: float = 0.1
    ollama_num_ctx: int = 4096
    ollama_num_predict: int = 300
    ollama_seed: int = 42
    ollama_max_attempts: int = 3
    on_ai_unavailable: str = "pause"  # pause | manual | rollback
    keywords_count: int = 8
    clip_model: str = "ViT-B-32"
    clip_weights: str = ""  # a checkpoint file, or empty to look in <data_dir>/models
    clip_labels: tuple[str, ...] = (
        "birds", "flowers", "insects", "mammals", "aircraft", "architecture", "landscape",
        "cityscape", "water", "boats", "vehicles", "people", "food", "night sky", "trees",
    )
    required_keywords: tuple[str, ...] = ()
    banned_keywords: tuple[str, ...] = ()
    preferred_keywords: tuple[str, ...] = ()
    keyword_synonyms: tuple[str, ...] = ()  # "from=to" pairs
    # catalog / publish
    catalog_table: str = "photos_info_revamp"
    publish_target: str = "local"  # local | ftp
    # UI / API
    host: str = "127.0.0.1"
    port: int = 0  # 0 = a free port per launch

    @property
    def db_path(self) -> Path:
        return self.data_dir / "store.sqlite"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite"

    @property
    def staging_dir(self) -> Path:
        return self.data_dir / "staging"

    @property
    def derived_dir(self) -> Path:
        return self.data_dir / "derived"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

HELP: dict[str, str] = {
    "data_dir": "Folder holding all state: the store, staged copies, derivatives, reports.",
    "site_dir": "Local site folder that publishing writes to (the default publish target).",
    "public_url_base": "Public URL prefix of the site images, used for Path/Thumb_Path in the catalog.",
    "name_pattern": "Filename pattern; tokens {Subject} {Location} {Category} {Camera} {Year} {NNN}.",
    "name_max_length": "Longest filename allowed; longer previews are refused up front.",
    "transliterate": "Turn non-ASCII letters into ASCII in filenames (otherwise they are kept).",
    "pixel_cap": "Images with more pixels than this are refused as decompression bombs.",
    "min_edge": "Images whose shorter side is below this many pixels are refused as too small.",
    "model_input_edge": "Long edge of the image sent to the vision model.",
    "preview_edge": "Long edge of the review preview.",
    "ui_thumb_edge": "Long edge of the review strip thumbnail.",
    "web_size": "Box the published web image fits in.",
    "thumb_size": "Box the published thumbnail fits in.",
    "workers": "Worker processes for image work; 0 means one per CPU core.",
    "phash_threshold": "Perceptual-hash distance (bits of 64) at or below which photos are near-duplicates.",
    "ollama_hosts": "Ollama servers to use, comma separated.",
    "ollama_model": "Vision model used for captions, alt text and keywords.",
    "on_ai_unavailable": "When no Ollama answers: pause, manual (review without AI text) or rollback.",
}

def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))

def config_file(data_dir: Path | None) -> Path:
    """The TOML file: inside an explicit data dir, else the platform config dir."""
    if data_dir is not None:
        return data_dir / "settings.toml"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.toml"

def resource_dir() -> Path:
    """Where bundled resources (frontend/) live, from source or frozen by PyInstaller."""
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else Path(__file__).resolve().parent.parent

def _coerce(name: str, kind: Any, value: Any) -> Any:
    try:
        if kind is bool:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        if kind is Path:
            return Path(value).expanduser()
        if kind == tuple[int, int]:
            parts = value.split("x") if isinstance(value, str) else list(value)
            a, b = (int(p) for p in parts)
            return (a, b)
        if kind == tuple[str, ...]:
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(i).strip() for i in items if str(i).strip())
        return str(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"Setting '{name}' has an unusable value {value!r}: {exc}") from exc

def load_settings(
    data_dir: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the Settings once: defaults, then the TOML file, then env, then explicit overrides."""
    env = os.environ if env is None else env
    if data_dir is None and env.get(ENV_PREFIX + "HOME"):
        data_dir = env[ENV_PREFIX + "HOME"]
    explicit = Path(data_dir).expanduser().resolve() if data_dir is not None else None
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    path = config_file(explicit)
    if path.is_file():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"The settings file {path} is not valid TOML: {exc}") from exc
    for f in fields(Settings):
        key = ENV_PREFIX + f.name.upper()
        if key in env:
            values[f.name] = env[key]
    values.update(overrides)
    unknown = set(values) - {f.name for f in fields(Settings)}
    if unknown:
        raise InvalidInput(f"Unknown setting(s) in {path}: {', '.join(sorted(unknown))}")
    typed = {name: _coerce(name, hints[name], value) for name, value in values.items()}
    settings = Settings(**typed)
    root = explicit or (settings.data_dir if "data_dir" in typed else default_data_dir())
    site = settings.site_dir if "site_dir" in typed else root / "site"
    if settings.on_ai_unavailable not in ("pause", "manual", "rollback"):
        raise InvalidInput("on_ai_unavailable must be one of pause, manual, rollback")
    return replace(settings, data_dir=root, site_dir=site)

def ensure_dirs(settings: Settings) -> None:
    for path in (settings.data_dir, settings.staging_dir, settings.derived_dir, settings.reports_dir,
                 settings.site_dir):
        path.mkdir(parents=True, exist_ok=True)

