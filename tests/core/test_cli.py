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
    errors = tmp_path / "serve.log"
    with open(errors, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "backend", "--data-dir", str(tmp_path / "d"), "serve"],
                                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
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
    assert token not in errors.read_text()  # the launch token never reaches a log


def test_a_second_run_of_the_same_folder_flags_instead_of_reimporting(tmp_path: Path) -> None:
    make_set(tmp_path / "in", 2)
    args = ("run", str(tmp_path / "in"), "--subject", "Gull", "--location", "Texel_Netherlands", "--category",
            "Birds", "--on-ai-unavailable", "manual")
    assert cli(tmp_path / "d", *args).returncode == 0
    again = cli(tmp_path / "d", *args)
    assert again.returncode == 1 and "already queued" in one_line_reason(again)
    assert again.stderr.count("already queued as photo") == 2
    forced = cli(tmp_path / "d", *args, "--include-flagged")
    assert forced.returncode == 0, forced.stderr
    status = __import__("json").loads(cli(tmp_path / "d", "status", "--json").stdout)
    assert status["counts"] == {"in_review": 4}


def test_inspect_prints_one_object_per_file_in_order(tmp_path: Path) -> None:
    good = make_set(tmp_path / "in", 1)[0]
    bad = tmp_path / "in" / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 definitely not a whole JPEG")
    proc = cli(tmp_path / "d", "inspect", str(bad), str(good), "--json")
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert [a["path"] for a in answer] == [str(bad), str(good)]
    assert answer[0]["ok"] is False and answer[0]["reason"]
    assert answer[1]["ok"] is True and (answer[1]["width"], answer[1]["height"]) == (640, 480)
    assert not (tmp_path / "d").exists()  # inspect writes nothing


def test_lint_metadata_prints_one_verdict_per_line(tmp_path: Path) -> None:
    lines = [
        {"caption": "Oystercatcher probing wet sand with its long orange bill at low tide.",
         "alt_text": "A black and white oystercatcher walks across rippled wet sand.",
         "keywords": "oystercatcher, shorebird, wet sand, orange bill, low tide, mudflat, wading bird"},
        {"caption": "", "alt_text": "", "keywords": []},
        {"caption": "Oystercatcher probing wet sand with its long orange bill at low tide.",
         "alt_text": "A black and white oystercatcher walks across rippled wet sand.",
         "keywords": ["oystercatcher", "shorebird", "wet sand", "orange bill", "low tide", "mudflat", "beach"]},
        {"caption": "Grey heron standing motionless in a reed bed at the edge of a canal.",
         "alt_text": "A tall grey heron waits among green reeds beside still canal water.",
         "keywords": "grey heron, reed bed, canal, wading bird, still water, green reeds, heron"},
    ]
    src = tmp_path / "export.jsonl"
    src.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    proc = cli(tmp_path / "d", "lint-metadata", str(src))
    assert proc.returncode == 0, proc.stderr
    verdicts = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(verdicts) == 4
    assert verdicts[3]["status"] in {"PASS_HIGH", "PASS_REPAIRED", "PASS_GENERIC"}, verdicts[3]
    assert verdicts[1]["status"] == "FAIL_BLOCKED" and verdicts[1]["issues"]
    for dup in (verdicts[0], verdicts[2]):  # the same caption on two lines: both are flagged
        assert "duplicate_caption" in dup["issues"]


def test_no_ollama_with_rollback_removes_the_run(tmp_path: Path) -> None:
    originals = make_set(tmp_path / "in", 2)
    proc = cli(tmp_path / "d", "run", str(tmp_path / "in"), "--subject", "Gull", "--location", "Texel_Netherlands",
               "--category", "Birds", "--on-ai-unavailable", "rollback")
    assert proc.returncode == 1
    reason = one_line_reason(proc)
    assert "rolled back" in reason and "Ollama" in reason
    status = json.loads(cli(tmp_path / "d", "status", "--json").stdout)
    assert status["counts"] == {} and status["runs"][0]["run"]["status"] == "rolled_back"
    assert not list((tmp_path / "d" / "staging").rglob("*.jpg"))
    assert all(p.is_file() for p in originals)


def test_no_ollama_with_pause_keeps_the_run_paused_with_choices(tmp_path: Path) -> None:
    make_set(tmp_path / "in", 1)
    proc = cli(tmp_path / "d", "run", str(tmp_path / "in"), "--subject", "Gull", "--location", "Texel_Netherlands",
               "--category", "Birds")
    assert proc.returncode == 1 and "paused" in one_line_reason(proc)
    run = json.loads(cli(tmp_path / "d", "status", "--json").stdout)["runs"][0]["run"]
    assert run["status"] == "paused" and set(run["pause_choices"]) == {"retry", "manual", "rollback"}
