"""Fixtures for tests that drive the REAL desktop window on a virtual X screen (Xvfb).

Why a real screen: drag-and-drop paths and native dialogs only exist in the window, not in a
browser. The window runs in a subprocess so a Qt/Chromium crash fails one test instead of
killing pytest. Outside CI a machine without Xvfb skips these tests with the reason; in CI
(``CI`` set) a missing tool is a failure, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts" / "desktop"
SCREEN = (1280, 800)


def require_tools(*tools: str) -> None:
    """Skip (locally) or fail (CI) when a system tool the desktop tests need is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    reason = f"desktop test needs {', '.join(missing)} (apt-get install xvfb xdotool imagemagick)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must not skip: {reason}")
    pytest.skip(reason)


class VirtualScreen:
    """A running Xvfb server: its DISPLAY name plus helpers to look at it."""

    def __init__(self, display: str, env: dict[str, str]) -> None:
        self.display = display
        self.env = env

    def screenshot(self, name: str) -> Path:
        """Save the whole X screen as test-artifacts/desktop/<name>.png (kept for humans to look at)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True, timeout=30)
        return path

    def xdotool(self, *args: str) -> str:
        """Run xdotool against this screen and return its stdout."""
        done = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=30, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def find_window(self, title: str, timeout: float = 60.0) -> tuple[int, int, int, int]:
        """Wait for a visible window whose title matches; return its (x, y, width, height)."""
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            try:
                ids = self.xdotool("search", "--onlyvisible", "--name", title).split()
                if ids:
                    geo = self.xdotool("getwindowgeometry", "--shell", ids[-1])
                    vals = dict(line.split("=", 1) for line in geo.split() if "=" in line)
                    return int(vals["X"]), int(vals["Y"]), int(vals["WIDTH"]), int(vals["HEIGHT"])
            except RuntimeError as exc:
                last_error = str(exc)
            time.sleep(0.3)
        raise TimeoutError(f"no window titled {title!r} after {timeout}s {last_error}")


@pytest.fixture(scope="session")
def xvfb() -> Iterator[VirtualScreen]:
    """Start ``Xvfb :N -screen 0 1280x800x24 -nolisten tcp`` with a free N (``-displayfd``)."""
    require_tools("Xvfb")
    read_fd, write_fd = os.pipe()
    geometry = f"{SCREEN[0]}x{SCREEN[1]}x24"
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", geometry, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()  # Xvfb writes the display number once it accepts clients
        if not number:
            raise RuntimeError(f"Xvfb did not start (exit code {proc.poll()})")
        runtime = tempfile.mkdtemp(prefix="ia-xdg-")
        os.chmod(runtime, 0o700)
        env = {**os.environ, "DISPLAY": f":{number}", "XDG_RUNTIME_DIR": runtime}
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("QT_QPA_PLATFORM", None)
        yield VirtualScreen(f":{number}", env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def spawn(xvfb: VirtualScreen) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start helper processes on the virtual screen; every one is stopped after the test."""
    procs: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(script: str, *args: str, log_name: str) -> subprocess.Popen[bytes]:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log_path = ARTIFACTS / f"{log_name}.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, str(HERE / script), *args],
                env={**xvfb.env, "PYTHONPATH": str(ROOT)},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        procs.append((proc, log_path))
        return proc

    yield start
    for proc, _log in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
