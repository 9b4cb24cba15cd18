"""The runner on real image files: stage order, per-photo failure isolation, originals untouched,
rollback, cancel, and resume after the process is killed mid-run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.photo import RunStatus, Status
from backend.pipeline import STAGES, create_run
from backend.preflight import scan
from backend.services import build
from backend.settings import load_settings

REPO = Path(__file__).resolve().parents[2]


def make_set(folder: Path, n: int, *, size: tuple[int, int] = (640, 480)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    paths = []
    for i in range(n):
        pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        path = folder / f"IMG_{i:04d}.jpg"
        Image.fromarray(pixels).save(path, quality=90)
        paths.append(path)
    return paths


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(services, folder: Path, **options):  # type: ignore[no-untyped-def]
    spec = {"paths": [str(folder)], "subject": "Grey Heron", "location": "Texel_Netherlands", "category": "Birds"}
    return create_run(services.store, [spec], options={"on_ai_unavailable": "manual", **options},
                      scan=lambda paths: scan(services, paths))


def test_stage_list_is_in_the_documented_order() -> None:
    assert [s.name for s in STAGES] == ["validate", "stage_copy", "exif", "name", "derive", "score", "dedupe",
                                        "prefill", "gate"]


def test_run_takes_good_photos_to_review_and_isolates_a_broken_one(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in dir"
    originals = make_set(folder, 3)
    broken = folder / "IMG_9999.jpg"
    broken.write_bytes(originals[0].read_bytes()[: 4000])  # truncated JPEG with a valid header
    (folder / "notes.txt").write_text("not a photo")
    before = {p: digest(p) for p in [*originals, broken]}

    run = start(services, folder)
    run = services.runner.process(run.id)

    assert run.status == RunStatus.DONE
    photos = services.store.photos(run_id=run.id)
    by_name = {p.original_name: p for p in photos}
    assert by_name["IMG_9999.jpg"].status == Status.FAILED
    assert by_name["IMG_9999.jpg"].failed_stage == "validate" and by_name["IMG_9999.jpg"].error
    good = [p for p in photos if p.status == Status.IN_REVIEW]
    assert len(good) == 3
    names = [p.file_name for p in good]
    assert names == [f"Grey_Heron_Texel_Netherlands_Birds_Photography_{i:03d}.JPG" for i in (1, 2, 3)]
    for p in good:
        assert Path(p.staged_path).is_file() and Path(p.staged_path).parent.parent == services.settings.staging_dir
        assert Path(p.thumb_path).is_file() and Path(p.model_input_path).is_file()
        assert p.sha256 == digest(Path(p.original_path)) and p.stage_done == "gate"
    assert [s["reason"] for s in services.store.skipped(run.id)] and \
        services.store.skipped(run.id)[0]["path"].endswith("notes.txt")
    assert {p: digest(p) for p in before} == before  # originals byte-identical

    snap = services.runner.snapshot(run.id)
    validate = snap["stages"][0]
    assert (validate["ok"], validate["failed"], validate["total"]) == (3, 1, 4)
    assert snap["stages"][1]["skipped"] == 1


def test_rollback_removes_rows_copies_and_names(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_set(tmp_path / "in", 2)
    run = services.runner.process(start(services, tmp_path / "in").id)
    staged = [Path(p.staged_path) for p in services.store.photos(run_id=run.id)]
    assert all(p.is_file() for p in staged)
    services.runner.rollback(run.id)
    assert services.store.get_run(run.id).status == RunStatus.ROLLED_BACK
    assert services.store.photos(run_id=run.id) == []
    assert not any(p.exists() for p in staged)
    assert services.store.reserved_names_like("Grey_Heron") == []
    assert not (services.settings.staging_dir / f"run{run.id}").exists()


def test_cancel_undoes_photos_not_yet_in_review(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_set(tmp_path / "in", 2)
    run = start(services, tmp_path / "in")
    services.runner.cancel(run.id)
    assert services.store.get_run(run.id).status == RunStatus.CANCELLED
    assert {p.status for p in services.store.photos(run_id=run.id)} == {Status.FAILED.value}
    assert {p.failed_stage for p in services.store.photos(run_id=run.id)} == {"cancelled"}


def test_resume_after_the_process_is_killed_mid_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "in"
    make_set(folder, 24, size=(1600, 1200))
    env = {**os.environ, "IMAGE_AUTOMATION_OLLAMA_HOSTS": "http://127.0.0.1:9", "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "backend", "--data-dir", str(data), "run", str(folder), "--subject", "Gull",
           "--location", "Texel_Netherlands", "--category", "Birds", "--on-ai-unavailable", "manual",
           "--workers", "1"]
    log = tmp_path / "run.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)
    # Kill it hard once some photos have been staged but before the run ends.
    settings = load_settings(data, env={})
    deadline = time.monotonic() + 120
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        staged = list((settings.staging_dir).glob("run*/*.jpg")) if settings.staging_dir.exists() else []
        if len(staged) >= 3:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.02)
    proc.wait(30)
    assert killed, f"the run ended before it could be interrupted: {log.read_text()[-2000:]}"

    services = build(settings)
    try:
        run = services.store.list_runs()[0]
        assert run.status == RunStatus.INTERRUPTED
        done_before = {p.id: p.stage_done for p in services.store.photos(run_id=run.id)}
        assert any(done_before.values()) and not all(v == "gate" for v in done_before.values())
        services.runner.resume(run.id, background=False)
        run = services.runner.process(run.id)
        assert run.status == RunStatus.DONE
        photos = services.store.photos(run_id=run.id)
        assert [p.status for p in photos] == [Status.IN_REVIEW.value] * 24
        names = [p.file_name for p in photos]
        assert len(set(n.casefold() for n in names)) == 24
        staged_files = sorted(settings.staging_dir.glob(f"run{run.id}/*"))
        assert len(staged_files) == 24  # no duplicate or half-written copies left behind
    finally:
        services.close()


@pytest.mark.parametrize("action", ["pause"])
def test_pause_refused_when_not_running(services, tmp_path: Path, action: str) -> None:  # type: ignore[no-untyped-def]
    make_set(tmp_path / "in", 1)
    run = services.runner.process(start(services, tmp_path / "in").id)
    from backend.errors import Conflict

    with pytest.raises(Conflict):
        services.runner.pause(run.id)
