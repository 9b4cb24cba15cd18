"""The headless CLI: exit codes, one-line reasons on stderr, JSON output, and `serve`'s first line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.core.test_pipeline import make_set

REPO = Path(__file__).resolve().parents[2]


def cli(data: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMAGE_AUTOMATION_OLLAMA_HOSTS": "http://127.0.0.1:9", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "backend", "--data-dir", str(data), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def one_line_reason(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("image-automation:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_run_without_photos_fails_with_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = cli(tmp_path / "d", "run", str(empty), "--subject", "Gull", "--location", "Texel", "--category", "Birds")
    assert proc.returncode == 1
    assert "no usable photos" in one_line_reason(proc)


def test_overlong_name_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    make_set(tmp_path / "in", 1)
    proc = cli(tmp_path / "d", "run", str(tmp_path / "in"), "--subject", "Long " * 40, "--location", "X",
               "--category", "Y")
    assert proc.returncode == 1 and "longer than 150" in one_line_reason(proc)
    assert not list((tmp_path / "d" / "staging").glob("*/*"))


def test_approve_needs_ids_or_confirmation(tmp_path: Path) -> None:
    proc = cli(tmp_path / "d", "approve")
    assert proc.returncode == 1 and "no photo ids" in one_line_reason(proc)
    proc = cli(tmp_path / "d", "approve", "--all-pending")
    assert proc.returncode == 1 and "--yes" in one_line_reason(proc)
    proc = cli(tmp_path / "d", "reject", "41")
    assert proc.returncode == 1 and "no photo 41" in one_line_reason(proc).lower()


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert cli(tmp_path / "d", "run").returncode == 2


def test_status_json_and_run_json(tmp_path: Path) -> None:
    make_set(tmp_path / "in", 2)
    proc = cli(tmp_path / "d", "run", str(tmp_path / "in"), "--subject", "Gull", "--location", "Texel_Netherlands",
               "--category", "Birds", "--on-ai-unavailable", "manual", "--json")
    assert proc.returncode == 0, proc.stderr
    snapshot = json.loads(proc.stdout)
    assert snapshot["counts"] == {"in_review": 2}
    status = json.loads(cli(tmp_path / "d", "status", "--json").stdout)
    assert status["counts"] == {"in_review": 2} and status["runs"][0]["run"]["status"] == "done"


def test_serve_prints_a_tokened_loopback_url_first(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "backend", "--data-dir", str(tmp_path / "d"), "serve"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and "/?token=" in url
        base, token = url.split("/?token=")
        with urllib.request.urlopen(f"{base}/api/health?token={token}", timeout=10) as resp:
            assert json.load(resp)["ok"] is True
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/health", timeout=10)
        assert refused.value.code == 401
        refused.value.close()
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
