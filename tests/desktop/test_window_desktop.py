"""The real pywebview window under Xvfb: page loads with the bridge, real drag-and-drop, dialog.

Each test starts tests/desktop/window_harness.py (backend.window.open_window on a recording page)
in a subprocess and reads what the page and ``on_drop`` saw from a JSON-lines file.
Screenshots land in test-artifacts/desktop/ for a human to look at.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .conftest import VirtualScreen, require_tools

TITLE = "Image Automation"
BOOT_TIMEOUT = 120.0  # QtWebEngine's first start on a loaded 2-core CI box can take tens of seconds
pytestmark = pytest.mark.timeout(300)


def read_events(path: Path) -> list[dict[str, Any]]:
    """All JSON-lines records written so far (a half-written last line is ignored)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def wait_for(
    path: Path, match: Callable[[dict[str, Any]], bool], proc: Any, timeout: float, what: str
) -> dict[str, Any]:
    """Poll the event file until a record matches; fail early if the window process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in read_events(path):
            if match(record):
                return record
        if proc.poll() is not None:
            pytest.fail(f"window process exited with {proc.returncode} before {what}: {read_events(path)}")
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; events: {read_events(path)}")


def start_window(spawn: Callable[..., Any], tmp_path: Path, name: str) -> tuple[Any, Path]:
    """Start the harness window and wait until the page reports that the JS bridge is ready."""
    events = tmp_path / "events.jsonl"
    proc = spawn("window_harness.py", "--events", str(events), log_name=name)
    wait_for(events, lambda r: r.get("kind") == "ready", proc, BOOT_TIMEOUT, "the page's bridge-ready report")
    return proc, events


def drag(xvfb: VirtualScreen, start: tuple[int, int], target: tuple[int, int], steps: int = 12) -> None:
    """Press on ``start``, move in steps (XDND needs motion events), release on ``target``."""
    time.sleep(0.5)
    xvfb.xdotool("mousemove", str(start[0]), str(start[1]))
    xvfb.xdotool("mousedown", "1")
    for i in range(1, steps + 1):
        px = start[0] + (target[0] - start[0]) * i // steps
        py = start[1] + (target[1] - start[1]) * i // steps
        xvfb.xdotool("mousemove", str(px), str(py))
        time.sleep(0.08)
    time.sleep(0.4)
    xvfb.xdotool("mouseup", "1")


def wait_events(path: Path, proc: Any, seconds: float) -> list[dict[str, Any]]:
    """Give the window up to ``seconds`` to report a drop; return all events seen by then."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        records = read_events(path)
        if any(r.get("source") == "on_drop" for r in records):
            return records
        time.sleep(0.2)
    return read_events(path)


def page_painted(shot: Path, box: tuple[int, int, int, int]) -> float:
    """Share of pixels inside the window box that have the harness page's background colour."""
    with Image.open(shot) as img:
        x, y, w, h = box
        visible = (max(x, 0), max(y, 0), min(x + w, img.width), min(y + h, img.height))
        region = img.convert("RGB").crop(visible)
        colors = region.getcolors(maxcolors=1 << 20) or []
        total = region.width * region.height
        return sum(n for n, rgb in colors if rgb == (0xEE, 0xF3, 0xF8)) / total


def test_window_opens_and_page_talks_to_python(
    xvfb: VirtualScreen, spawn: Callable[..., Any], tmp_path: Path
):
    proc, events = start_window(spawn, tmp_path, "smoke")
    records = read_events(events)
    server = next(r for r in records if r.get("kind") == "server")
    loaded = next(r for r in records if r.get("kind") == "loaded")
    ready = next(r for r in records if r.get("kind") == "ready")
    # The page got the per-launch token in its URL and the js_api exposes exactly our two methods.
    assert loaded["token"] == server["token"]
    assert loaded["href"].startswith(f"http://127.0.0.1:{server['port']}/")
    assert ready["api"] == ["pick_files", "pick_folders"]
    box = xvfb.find_window(TITLE)
    time.sleep(1.0)  # let the compositor paint the text the page just set
    shot = xvfb.screenshot("01-window-smoke")
    assert page_painted(shot, box) > 0.3, f"window at {box} does not show the page (see {shot})"
    assert proc.poll() is None, "window process must still be running"


def test_real_drag_and_drop_of_folder_with_space(
    xvfb: VirtualScreen, spawn: Callable[..., Any], tmp_path: Path
):
    require_tools("xdotool", "import")
    folder = tmp_path / "photo set 2026"
    folder.mkdir()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(folder / "IMG 0001.jpg")
    proc, events = start_window(spawn, tmp_path, "dnd-window")
    x, y, _w, _h = xvfb.find_window(TITLE)
    # Drag source in the lower right corner (stacked above the app window, no WM on Xvfb).
    src = (1000, 620, 260, 160)
    spawn("drag_source.py", *(str(v) for v in src), str(folder), log_name="dnd-source")
    xvfb.find_window("IA drag source")
    start = (src[0] + src[2] // 2, src[1] + src[3] // 2)
    target = (max(x, 0) + 300, max(y, 0) + 300)
    for _attempt in range(2):  # real input on a busy 2-core box: one retry of the gesture is fair
        drag(xvfb, start, target)
        if any(r.get("source") == "on_drop" for r in wait_events(events, proc, 15)):
            break
    got = wait_for(events, lambda r: r.get("source") == "on_drop", proc, 30, "on_drop")
    assert got["paths"] == [str(folder)]
    seen = wait_for(events, lambda r: r.get("kind") == "dropped", proc, 30, "the page's ia:dropped event")
    assert seen["paths"] == [str(folder)]
    # The page's own window-level drop listener saw the native event, already default-prevented.
    native = wait_for(events, lambda r: r.get("kind") == "window-drop", proc, 10, "the page's own drop listener")
    assert native["names"] == [folder.name]
    assert native["defaultPrevented"] is True
    time.sleep(0.8)
    xvfb.screenshot("02-after-drop")


def test_folder_dialog_returns_chosen_folder(xvfb: VirtualScreen, spawn: Callable[..., Any], tmp_path: Path):
    require_tools("xdotool", "import")
    folder = tmp_path / "chosen folder"
    folder.mkdir()
    proc, events = start_window(spawn, tmp_path, "dialog")
    x, y, _w, _h = xvfb.find_window(TITLE)
    # The harness pins its "Choose folder…" button at page (24..304, 520..584).
    xvfb.xdotool("mousemove", str(max(x, 0) + 160), str(max(y, 0) + 552), "click", "1")
    xvfb.find_window("Open folder", timeout=30)
    dialog = xvfb.xdotool("search", "--onlyvisible", "--name", "Open folder").split()[-1]
    xvfb.xdotool("windowfocus", "--sync", dialog)
    time.sleep(0.5)
    xvfb.screenshot("03-folder-dialog")
    xvfb.xdotool("key", "--clearmodifiers", "ctrl+a")
    xvfb.xdotool("type", "--delay", "20", str(folder))
    xvfb.xdotool("key", "Return")
    picked = wait_for(events, lambda r: r.get("kind") == "picked", proc, 30, "the dialog result")
    assert picked["paths"] == [str(folder)]
    time.sleep(0.5)
    xvfb.screenshot("04-folder-picked")
