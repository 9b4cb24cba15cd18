"""The real app (``python -m backend``, what ``image-automation`` runs) in its window under Xvfb.

Proves the composition end to end: settings -> services -> Flask API on a free loopback port with
a per-launch token -> pywebview window -> the real frontend loads and its fetch helper calls the
API with the token; a real folder drop reaches the frontend, which asks the API for a set preview.
The app runs through tests/desktop/app_probe.py, which records every request (method, path,
status, token sent or not) to a JSON-lines file: that file is what the assertions read.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .conftest import ARTIFACTS, ROOT, VirtualScreen, require_tools
from .test_window_desktop import drag

pytestmark = pytest.mark.timeout(300)
Request = dict[str, Any]


def api_ok(r: Request) -> bool:
    """A successful data call made by the page (its fetch helper sends the token as a header)."""
    return r["path"].startswith("/api/") and r["status"] == 200


class RunningApp:
    """The app process plus its request log."""

    def __init__(self, proc: subprocess.Popen[bytes], log_path: Path, probe: Path, started: float) -> None:
        self.proc, self.log_path, self.probe, self.started = proc, log_path, probe, started

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def requests(self) -> list[Request]:
        if not self.probe.exists():
            return []
        lines = self.probe.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def wait_request(self, match: Callable[[Request], bool], timeout: float, what: str) -> float:
        """Wait until a recorded request matches; return seconds since launch. Fails if the app exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(match(r) for r in self.requests()):
                return time.monotonic() - self.started
            if self.proc.poll() is not None:
                pytest.fail(f"app exited with {self.proc.returncode} before {what}:\n{self.log()[-3000:]}")
            time.sleep(0.2)
        pytest.fail(f"timed out after {timeout}s waiting for {what}: {self.requests()}\n{self.log()[-3000:]}")


@pytest.fixture
def real_app(xvfb: VirtualScreen, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RunningApp]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"real-app-{request.node.name[:40]}.log"
    probe = tmp_path / "requests.jsonl"
    env = {**xvfb.env, "IMAGE_AUTOMATION_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT),
           "IA_PROBE_LOG": str(probe)}
    started = time.monotonic()
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("app_probe.py"))], env=env,
                                stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        yield RunningApp(proc, log_path, probe, started)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_app_window_loads_frontend_and_calls_api_with_token(xvfb: VirtualScreen, real_app: RunningApp):
    elapsed = real_app.wait_request(api_ok, 120, "the page's first successful API call")
    seen = real_app.requests()
    assert {"method": "GET", "path": "/", "status": 200, "query_token": True, "header_token": False} in seen
    assert any(r["path"] == "/static/js/api.js" and r["status"] in (200, 304) for r in seen), seen
    calls = [r for r in seen if r["path"].startswith("/api/")]
    assert all(r["header_token"] or r["query_token"] for r in calls), calls
    assert not [r for r in calls if r["status"] == 401], "the page called the API without a valid token"
    xvfb.find_window("Image Automation")
    time.sleep(2.0)
    shot = xvfb.screenshot("05-real-app")
    print(f"start to first successful API call: {elapsed:.1f}s; screenshot {shot}")


def test_folder_dropped_on_app_becomes_a_set_preview(
    xvfb: VirtualScreen, real_app: RunningApp, spawn: Callable[..., Any], tmp_path: Path
):
    require_tools("xdotool", "import")
    folder = tmp_path / "Amsterdam canal houses"
    folder.mkdir()
    for i in range(2):
        Image.new("RGB", (640, 480), (40 * i, 120, 200)).save(folder / f"IMG_{i:04d}.jpg", quality=90)
    real_app.wait_request(api_ok, 120, "the page's first successful API call")
    x, y, _w, _h = xvfb.find_window("Image Automation")
    src = (1000, 620, 260, 160)
    spawn("drag_source.py", *(str(v) for v in src), str(folder), log_name="real-app-dnd-source")
    xvfb.find_window("IA drag source")

    def preview(r: Request) -> bool:
        return r["method"] == "POST" and r["path"] == "/api/sets/preview" and r["status"] == 200

    for _attempt in range(2):  # real input on a busy 2-core box: one retry of the gesture is fair
        drag(xvfb, (src[0] + 130, src[1] + 80), (max(x, 0) + 400, max(y, 0) + 400))
        try:
            real_app.wait_request(preview, 15, "the set preview request")
            break
        except pytest.fail.Exception:
            if _attempt:
                raise
    time.sleep(1.5)
    xvfb.screenshot("06-real-app-after-drop")
