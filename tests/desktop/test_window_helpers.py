"""Pure parts of backend.window: drop-event parsing, the JS we inject, display and sandbox rules."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from backend import window


def test_dropped_paths_keeps_absolute_full_paths_in_order_without_duplicates():
    event = {
        "dataTransfer": {
            "files": [
                {"name": "set a", "pywebviewFullPath": "/photos/set a"},
                {"name": "from-browser.jpg"},  # dragged from a web page: no path, must be ignored
                {"name": "rel", "pywebviewFullPath": "relative/path"},
                {"name": "b.jpg", "pywebviewFullPath": "/photos/b.jpg"},
                {"name": "set a", "pywebviewFullPath": "/photos/set a"},
            ]
        }
    }
    assert window.dropped_paths(event) == ["/photos/set a", "/photos/b.jpg"]


@pytest.mark.parametrize("event", [{}, {"dataTransfer": None}, {"dataTransfer": {"files": None}}])
def test_dropped_paths_tolerates_empty_events(event):
    assert window.dropped_paths(event) == []


def test_dropped_event_script_is_inert_for_hostile_names(tmp_path):
    hostile = "/tmp/a'); alert(1); ('\n</script>\"\u2028é"
    script = window.dropped_event_script([hostile])
    assert script.startswith("window.dispatchEvent(new CustomEvent(\"ia:dropped\", {detail: ")
    payload = script[len('window.dispatchEvent(new CustomEvent("ia:dropped", {detail: ') : -len("}));")]
    assert json.loads(payload) == {"paths": [hostile]}
    assert "\n" not in script and "\u2028" not in script


def test_dropped_event_script_runs_in_a_real_js_engine(tmp_path):
    """Execute the generated JS with node (when present) to prove it parses and carries the paths."""
    node = subprocess.run(["which", "node"], capture_output=True, text=True, check=False).stdout.strip()
    if not node:
        pytest.skip("node not installed")
    paths = ["/x/it's \"quoted\"", "/y/line\nbreak"]
    harness = (
        "const window = { dispatchEvent(e) { console.log(JSON.stringify(e.detail)); } };"
        "class CustomEvent { constructor(t, o) { this.type = t; this.detail = o.detail; } };"
        + window.dropped_event_script(paths)
    )
    out = subprocess.run([node, "-e", harness], capture_output=True, text=True, check=True, timeout=30).stdout
    assert json.loads(out) == {"paths": paths}


def test_has_display_follows_display_variables(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert window.has_display() is False
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert window.has_display() is True
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setenv("DISPLAY", ":0")
    assert window.has_display() is True
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setattr(sys, "platform", "win32")
    assert window.has_display() is True


def test_sandbox_flag_only_added_for_root_and_only_once(monkeypatch):
    env = {"QTWEBENGINE_CHROMIUM_FLAGS": "--disable-gpu"}
    monkeypatch.setattr(window.os, "geteuid", lambda: 1000, raising=False)
    window.ensure_webengine_sandbox_flag(env)
    assert env["QTWEBENGINE_CHROMIUM_FLAGS"] == "--disable-gpu"
    monkeypatch.setattr(window.os, "geteuid", lambda: 0, raising=False)
    window.ensure_webengine_sandbox_flag(env)
    window.ensure_webengine_sandbox_flag(env)
    assert env["QTWEBENGINE_CHROMIUM_FLAGS"] == "--disable-gpu --no-sandbox"


def test_window_module_stays_thin():
    """The shell must not pull in the web server or the database (ARCHITECTURE principle 9)."""
    code = (
        "import sys, backend.window;"
        "bad = [m for m in ('flask', 'dataset', 'backend.store', 'backend.api', 'webview', 'PyQt6')"
        " if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


class _FakeScreen:
    def __init__(self, x: int, y: int, width: int, height: int) -> None:
        self.x, self.y, self.width, self.height = x, y, width, height


class _FakeWebview:
    def __init__(self, screens: list[_FakeScreen]) -> None:
        self.screens = screens


@pytest.mark.parametrize(
    ("screen", "expected"),
    [
        (_FakeScreen(0, 0, 1920, 1080), (320, 130, 1280, 820)),  # big screen: requested size, centred
        (_FakeScreen(0, 0, 1366, 768), (43, 40, 1280, 688)),  # laptop: shrunk so the header stays visible
        (_FakeScreen(1920, 0, 1280, 800), (1940, 40, 1240, 720)),  # second monitor offset is kept
    ],
)
def test_window_fits_the_primary_screen(screen, expected):
    assert window._fit_to_screen(_FakeWebview([screen]), 1280, 820) == expected


def test_window_size_falls_back_when_no_screen_is_known():
    assert window._fit_to_screen(_FakeWebview([]), 1280, 820) == (None, None, 1280, 820)
