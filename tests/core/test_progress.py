"""Progress: counts per stage from the store, rates measured in the run, ETA from earlier runs."""

from __future__ import annotations

from pathlib import Path

from backend import progress
from backend.pipeline import STAGES
from backend.progress import Rate
from backend.store import Store


def _run_with(store: Store, n: int, stage_done: str) -> int:
    run = store.add_run({})
    ps = store.add_set(run.id, "Gull", "Texel", "Birds")
    for i in range(n):
        p = store.add_photo(run.id, ps.id, f"/in/{i}.jpg", f"{i}.jpg")
        store.update_photo(p.id, stage_done=stage_done)
    return run.id


def test_eta_is_unknown_without_any_measured_or_earlier_rate(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    run_id = _run_with(store, 4, "exif")
    snap = progress.snapshot(store, STAGES, run_id, {})
    by_name = {s["name"]: s for s in snap["stages"]}
    assert by_name["exif"]["ok"] == 4 and by_name["exif"]["eta_s"] == 0.0
    assert by_name["derive"]["ok"] == 0 and by_name["derive"]["eta_s"] is None
    assert snap["eta_s"] is None  # honest: unknown, not a guess


def test_eta_uses_rates_from_this_run_and_medians_of_earlier_runs(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    run_id = _run_with(store, 10, "name")
    for stage in STAGES:
        for spp in (0.1, 0.2, 0.9):  # median 0.2 s per photo
            store.record_event("stage_rate", run_id=run_id, stage=stage.name, seconds_per_photo=spp)
    derive_rate = Rate(started=0.0, done=5, finished=2.5)  # measured now: 2 photos/s
    snap = progress.snapshot(store, STAGES, run_id, {"derive": derive_rate})
    by_name = {s["name"]: s for s in snap["stages"]}
    assert by_name["derive"]["rate"] == 2.0 and by_name["derive"]["eta_s"] == 5.0
    assert by_name["score"]["rate"] == 5.0 and by_name["score"]["eta_s"] == 2.0
    later = [s for s in snap["stages"] if s["name"] not in ("validate", "stage_copy", "exif", "name")]
    assert snap["eta_s"] == round(sum(s["eta_s"] for s in later), 1)
