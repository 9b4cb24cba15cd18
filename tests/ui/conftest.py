"""Fixtures for the browser tests: the REAL backend app served in-process on 127.0.0.1:0 over a
temporary data folder, and Debian's chromium driven by the plain Playwright sync API.

Why in-process with werkzeug: the tests see exactly the routes the window uses (same create_app,
same token check), and they can still look at the store and the site folder directly. Why the
plain API instead of pytest-playwright's fixtures: we need /usr/bin/chromium with our own flags and
no plugin warnings. Screenshots go to test-artifacts/ui/ for humans to look at.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    """Skip locally, fail in CI, when the browser the tests drive is missing."""
    if Path(CHROMIUM).is_file() and shutil.which("chromium"):
        return
    reason = "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must not skip: {reason}")
    pytest.skip(reason)


class LiveApp:
    """The backend app on a free loopback port, plus helpers to call its API like the UI does."""

    def __init__(self, services: Any, token: str, port: int) -> None:
        self.services = services
        self.token = token
        self.base = f"http://127.0.0.1:{port}"

    def url(self, fragment: str = "") -> str:
        return f"{self.base}/?token={self.token}" + (f"#{fragment}" if fragment else "")

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"X-Auth-Token": self.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read() or b"{}")

    def wait_run(self, run_id: int, statuses: tuple[str, ...] = ("done",), timeout: float = 120) -> dict[str, Any]:
        """Poll the run until it reaches one of `statuses`; fail with its last snapshot otherwise."""
        deadline = time.monotonic() + timeout
        snap: dict[str, Any] = {}
        while time.monotonic() < deadline:
            snap = self.call("GET", f"/api/runs/{run_id}")
            if snap["run"]["status"] in statuses:
                return snap
            time.sleep(0.25)
        raise AssertionError(f"run {run_id} did not reach {statuses} in {timeout}s: {snap}")


class RequestGate:
    """WSGI wrapper that counts requests in flight and reads each answer fully before sending it.

    Why counting: werkzeug's threaded server runs each request in a daemon thread that `shutdown()`
    does not wait for; closing the store under a thumbnail request that is still querying SQLite
    crashes the interpreter (seen as a segfault in a later test), so teardown drains first.
    Why buffering: werkzeug leaves a send_file handle open when chromium drops an image request
    (a page closing mid-load), a ResourceWarning that our pytest config turns into an error.
    The event stream is passed through: it never ends by itself and does not touch the store.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.active = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/api/events":
            return self.app(environ, start_response)
        with self.lock:
            self.active += 1
        try:
            body = self.app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        finally:
            with self.lock:
                self.active -= 1

    def drain(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self.active, f"{self.active} request(s) still running after {timeout}s"


@pytest.fixture
def live_app(services: Any) -> Iterator[LiveApp]:
    """The real Flask app (backend.api.create_app) on 127.0.0.1:0, threaded for the event stream."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            """Request lines would bury the assertion output; errors still reach the log."""

    from backend.api import create_app

    token = secrets.token_urlsafe(16)
    app = create_app(services, token)
    gate = RequestGate(app)
    server = make_server("127.0.0.1", 0, gate, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="ui-test-server")
    thread.start()
    try:
        yield LiveApp(services, token, server.server_port)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        gate.drain()  # the `services` fixture closes the store next
        server.server_close()


@pytest.fixture(scope="session")
def ui_browser() -> Iterator[Any]:
    """One headless chromium for the whole session (launch costs about 2 s)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page_factory(ui_browser: Any) -> Iterator[Callable[..., Any]]:
    """New isolated pages at a given viewport; console errors are collected and fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(width: int = 1280, height: int = 720, init_script: str | None = None) -> Any:
        ctx = ui_browser.new_context(viewport={"width": width, "height": height})
        if init_script:
            ctx.add_init_script(init_script)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" and "Failed to load resource" not in msg.text else None)
        page.set_default_timeout(15_000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, "the page reported errors:\n" + "\n".join(errors)


def shot(page: Any, name: str) -> Path:
    """Save a screenshot as a test artefact (test-artifacts/ui/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def make_jpegs(folder: Path, count: int, *, size: tuple[int, int] = (640, 427), seed: int = 1) -> list[Path]:
    """Real, visually distinct JPEGs (different shapes and colours, so no two are near-duplicates)."""
    import random

    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        img = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(img)
        for _ in range(12):
            x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
            x1, y1 = x0 + rng.randrange(40, 300), y0 + rng.randrange(40, 300)
            shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
            shape((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
        path = folder / f"IMG_{1000 + i}.JPG"
        img.save(path, "JPEG", quality=88)
        paths.append(path)
    return paths
