"""The whole headless flow on real camera JPEGs: run -> approve -> publish, through the CLI, with the
vision model served by the Ollama-protocol test server. Asserts files, sizes, catalog rows, and that
the originals' bytes never change."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from tests.ai.fake_ollama import Behaviour, FakeOllama

REPO = Path(__file__).resolve().parents[2]
ACTIONS = ["probing wet sand", "standing on one leg", "calling with an open bill", "flying low over water",
           "resting on a shell bank", "walking along the tide line"]
PLACES = ["beside a tidal channel", "near a wooden groyne", "on a pebbled shore", "at the edge of a mudflat",
          "under a cloudy sky"]


def distinct_answers(n: int) -> list[Behaviour]:
    out = []
    for i in range(n):
        action, place = ACTIONS[i % len(ACTIONS)], PLACES[(i // len(ACTIONS)) % len(PLACES)]
        caption = f"Oystercatcher {action} {place} in soft morning light."
        alt = f"A black and white oystercatcher {action} {place}."
        keywords = ["oystercatcher", "shorebird", action.split()[0], place.split()[-1], "coast", "wading bird",
                    "orange bill", f"scene {i}"]
        out.append(Behaviour(content=json.dumps({"caption": caption, "alt_text": alt, "keywords": keywords})))
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_approve_publish_on_the_corpus(corpus: Path, tmp_path: Path) -> None:
    real = corpus / "real"
    originals = sorted(real.glob("*.jpg"))
    before = {p: (sha(p), p.stat().st_mtime_ns) for p in originals}
    data = tmp_path / "data"
    with FakeOllama() as ollama:
        ollama.script(*distinct_answers(3 * len(originals)))
        env = {**os.environ, "PYTHONPATH": str(REPO), "IMAGE_AUTOMATION_OLLAMA_HOSTS": ollama.url}

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "backend", "--data-dir", str(data), *args], cwd=REPO,
                                  env=env, capture_output=True, text=True, timeout=900)

        started = time.perf_counter()
        run = cli("run", str(real), "--subject", "Oystercatcher", "--location", "Texel_Netherlands",
                  "--category", "Birds", "--json")
        run_s = time.perf_counter() - started
        assert run.returncode == 0, run.stderr
        snapshot = json.loads(run.stdout)
        assert snapshot["counts"] == {"in_review": len(originals)}, snapshot["counts"]
        assert all(stage["failed"] == 0 for stage in snapshot["stages"])

        status = json.loads(cli("status", "--json").stdout)
        assert status["counts"] == {"in_review": len(originals)}

        approve = cli("approve", "--all-pending", "--yes")
        assert approve.returncode == 0, approve.stderr
        started = time.perf_counter()
        publish = cli("publish", "--json")
        publish_s = time.perf_counter() - started
        assert publish.returncode == 0, publish.stderr
        job = json.loads(publish.stdout)
        assert (job["total"], job["published"], job["failed"]) == (len(originals), len(originals), 0)

    catalog = sqlite3.connect(data / "catalog.sqlite")
    catalog.row_factory = sqlite3.Row
    rows = catalog.execute("SELECT * FROM photos_info_revamp ORDER BY File_Name").fetchall()
    catalog.close()
    assert len(rows) == len(originals)
    assert len({r["File_Name"].casefold() for r in rows}) == len(originals)
    site = data / "site"
    for row in rows:
        assert row["File_Name"].startswith("Oystercatcher_Texel_Netherlands_Birds_Photography_")
        year = row["Path"].split("/")[-3]
        web = site / year / "Birds" / row["File_Name"]
        thumb = site / year / "thumbs" / "Birds" / row["File_Name"]
        with Image.open(web) as im:
            assert im.width <= 1500 and im.height <= 1000 and (im.width == 1500 or im.height == 1000)
            assert (im.width, im.height) == (row["Width"], row["Height"])
        with Image.open(thumb) as im:
            assert im.width <= 548 and im.height <= 365
        assert row["Caption"].startswith("Oystercatcher") and row["alt_text"] and row["Keywords"]
        assert row["Original_File_Name"] in {p.name for p in originals}
    assert {p: (sha(p), p.stat().st_mtime_ns) for p in originals} == before
    print(f"\nheadless corpus flow: {len(originals)} photos, run {run_s:.1f} s, publish {publish_s:.1f} s")
