"""Settings: defaults, the TOML file, environment overrides, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.errors import InvalidInput
from backend.settings import load_settings


def test_defaults_put_all_state_under_the_data_dir(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={})
    assert s.data_dir == tmp_path.resolve()
    assert s.db_path.parent == s.site_dir.parent == s.staging_dir.parent == tmp_path.resolve()
    assert s.name_pattern == "{Subject}_{Location}_{Category}_Photography_{NNN}.JPG"
    assert (s.web_size, s.thumb_size, s.name_max_length) == ((1500, 1000), (548, 365), 150)


def test_home_env_moves_the_data_dir(tmp_path: Path) -> None:
    s = load_settings(env={"IMAGE_AUTOMATION_HOME": str(tmp_path / "elsewhere")})
    assert s.data_dir == (tmp_path / "elsewhere").resolve()


def test_toml_then_env_then_explicit_override(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'name_max_length = 120\nweb_size = [1200, 800]\nollama_hosts = ["http://gpu-box:11434"]\n'
        'site_dir = "/srv/site"\n')
    s = load_settings(tmp_path, env={"IMAGE_AUTOMATION_NAME_MAX_LENGTH": "100"})
    assert s.name_max_length == 100
    assert s.web_size == (1200, 800) and s.ollama_hosts == ("http://gpu-box:11434",)
    assert s.site_dir == Path("/srv/site")
    assert load_settings(tmp_path, env={}, name_max_length=90).name_max_length == 90


@pytest.mark.parametrize(("content", "message"), [
    ("name_max_length = 'many'", "name_max_length"),
    ("no_such_setting = 1", "Unknown setting"),
    ("web_size = [", "not valid TOML"),
    ("on_ai_unavailable = 'ignore'", "on_ai_unavailable"),
])
def test_bad_settings_are_refused_with_a_clear_message(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "settings.toml").write_text(content)
    with pytest.raises(InvalidInput, match=message):
        load_settings(tmp_path, env={})
