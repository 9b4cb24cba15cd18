"""Prefill and gate stages inside the real pipeline (real Store, real JPEGs, fake Ollama)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from backend.errors import RunPaused
from backend.photo import RunStatus, Status
from backend.stages import StageContext
from backend.stages import prefill as prefill_stage

from .conftest import make_jpeg, start
from .fake_ollama import Behaviour, FakeOllama

BEFORE_PREFILL = {Status.PREPARED, Status.SCORED}  # the status a photo has when prefill starts
SAME = json.dumps({"caption": "Oystercatcher probing wet sand with its long orange bill at low tide.",
                   "alt_text": "An oystercatcher with black and white plumage walks across rippled wet sand.",
                   "keywords": ["oystercatcher", "shorebird", "wet sand", "orange bill", "low tide", "mudflat",
                                "wading bird", "texel"]})


def test_prefill_and_gate_fill_every_photo_and_write_the_report(make_services, fake: FakeOllama,
                                                                tmp_path: Path) -> None:
    svc = make_services(fake.url)
    run = svc.runner.process(start(svc, tmp_path / "in").id)
    assert run.status == RunStatus.DONE
    photos = svc.store.photos(run_id=run.id)
    assert [p.status for p in photos] == [Status.IN_REVIEW] * 3
    for i, p in enumerate(photos, start=1):
        assert p.caption and p.alt_text and len(p.keywords) >= 6 and p.ai_model == "qwen2.5vl:7b"
        assert (p.series_index, p.series_count) == (i, 3) and p.gate_status and p.clip_hints == []
        assert not p.needs_manual_text
    requests = fake.inference_requests()
    assert len(requests) == 3
    for req in requests:  # the 1024 px model input travels, never the 2400 px original
        with Image.open(io.BytesIO(base64.b64decode(req["messages"][-1]["images"][0]))) as im:
            assert max(im.size) == svc.settings.model_input_edge
        assert "hint keywords: wadden sea, mudflat" in req["messages"][-1]["content"]
    report = json.loads((svc.settings.reports_dir / f"prefill_qc_run{run.id}.json").read_text())
    assert report["summary"]["photos"] == 3 and "duplicate_groups" in report and "flagged" in report
    learned = svc.store.learning_log(photos[0].id)
    assert {r["field"] for r in learned} == {"caption", "alt_text", "keywords", "title"}
    assert all(r["decision"] == "ai_suggestion" and r["human_value"] == "" for r in learned)


def test_stamp_like_answers_are_retried_then_flagged_as_duplicates(make_services, fake: FakeOllama,
                                                                   tmp_path: Path) -> None:
    svc = make_services(fake.url)
    fake.script(*[Behaviour(content=SAME)] * 6)
    run = svc.runner.process(start(svc, tmp_path / "in", n=2).id)
    requests = fake.inference_requests()
    assert len(requests) == 3  # photo 1 once; photo 2 retried once with the "make it different" nudge
    assert "too close to another photo" in requests[2]["messages"][-1]["content"]
    photos = svc.store.photos(run_id=run.id)
    assert all(p.gate_status == "FAIL_BLOCKED" and "duplicate_caption" in p.gate_issues for p in photos)
    report = json.loads((svc.settings.reports_dir / f"prefill_qc_run{run.id}.json").read_text())
    groups = [g for g in report["duplicate_groups"] if g["kind"] == "duplicate_caption"]
    assert [g["photo_ids"] for g in groups] == [[p.id for p in photos]]
    assert report["summary"]["fail_blocked"] == 2 and report["summary"]["caption_dup_groups"] == 1


def test_no_ollama_pauses_the_run_with_three_choices(make_services, tmp_path: Path) -> None:
    svc = make_services("http://127.0.0.1:9")
    run = svc.runner.process(start(svc, tmp_path / "in", n=2, on_ai_unavailable="pause").id)
    assert run.status == RunStatus.PAUSED and run.stage == "prefill"
    assert run.pause_choices == ["retry", "manual", "rollback"]
    assert "No Ollama server answered at http://127.0.0.1:9" in run.pause_reason
    assert all(p.status in BEFORE_PREFILL for p in svc.store.photos(run_id=run.id))


def test_manual_choice_sends_photos_to_review_flagged_for_manual_text(make_services, tmp_path: Path) -> None:
    svc = make_services("http://127.0.0.1:9")
    run = svc.runner.process(start(svc, tmp_path / "in", n=2, on_ai_unavailable="manual").id)
    assert run.status == RunStatus.DONE
    for p in svc.store.photos(run_id=run.id):
        assert p.status == Status.IN_REVIEW and p.needs_manual_text and not p.caption
        assert p.gate_status == "FAIL_BLOCKED" and p.gate_issues[0] == "needs_manual_text"


def test_missing_model_pauses_with_the_pull_hint(make_services, tmp_path: Path) -> None:
    with FakeOllama(models=["llava:7b"]) as fake:
        svc = make_services(fake.url)
        run = svc.runner.process(start(svc, tmp_path / "in", n=1, on_ai_unavailable="pause").id)
        assert run.status == RunStatus.PAUSED and 'ollama pull qwen2.5vl:7b' in run.pause_reason


def test_a_photo_that_keeps_failing_is_quarantined_and_the_run_continues(make_services, fake: FakeOllama,
                                                                        tmp_path: Path) -> None:
    svc = make_services(fake.url)
    fake.script(*[Behaviour(content="no json here")] * 3)  # photo 1: three unusable answers
    run = svc.runner.process(start(svc, tmp_path / "in", n=2).id)
    first, second = svc.store.photos(run_id=run.id)
    assert first.status == Status.QUARANTINED and "malformed_json" in first.error
    assert second.status == Status.IN_REVIEW and second.caption


def test_host_dying_mid_batch_pauses_before_the_rest(make_services, tmp_path: Path) -> None:
    fake = FakeOllama().__enter__()
    svc = make_services(fake.url)
    run = start(svc, tmp_path / "in", n=3, on_ai_unavailable="pause")
    original = prefill_stage.Prefiller.describe
    calls = {"n": 0}

    def describe_then_die(self, photo):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            fake.close()
        return original(self, photo)

    prefill_stage.Prefiller.describe = describe_then_die  # type: ignore[method-assign]
    try:
        run = svc.runner.process(run.id)
    finally:
        prefill_stage.Prefiller.describe = original  # type: ignore[method-assign]
    assert run.status == RunStatus.PAUSED
    statuses = [p.status for p in svc.store.photos(run_id=run.id)]
    assert statuses[0] == Status.PREFILLED and set(statuses[1:]) <= BEFORE_PREFILL


def test_clip_hints_are_optional_and_reported_once(make_services, fake: FakeOllama, tmp_path: Path) -> None:
    svc = make_services(fake.url)
    events: list[dict] = []
    ctx = StageContext(settings=svc.settings, store=svc.store, run_id=1, emit=events.append)
    source = prefill_stage.ClipSource(ctx)
    image = str(make_jpeg(tmp_path / "x.jpg"))
    assert source.hints(image) == [] and source.hints(image) == []
    warnings = [e for e in events if e.get("level") == "warning"]
    assert len(warnings) == 1 and "CLIP hints are off" in warnings[0]["message"]
    with pytest.raises(RunPaused):
        list(prefill_stage._unavailable(ctx, [], prefill_stage.AIUnavailable("down")))


def test_gate_checks_the_published_catalog(make_services, fake: FakeOllama, tmp_path: Path) -> None:
    svc = make_services(fake.url)
    first = json.loads(SAME)
    svc.catalog.upsert({"File_Name": "Oystercatcher_Texel_Netherlands_Birds_Photography_900.JPG",
                        "Caption": first["caption"], "alt_text": "Something else entirely about a gull.",
                        "Keywords": "gull, pier"})
    run = svc.runner.process(start(svc, tmp_path / "in", n=2).id)
    photos = svc.store.photos(run_id=run.id)
    assert "duplicate_caption" in photos[0].gate_issues and photos[0].gate_status == "FAIL_BLOCKED"
    assert "duplicate_caption" not in photos[1].gate_issues
    report = json.loads((svc.settings.reports_dir / f"prefill_qc_run{run.id}.json").read_text())
    [group] = [g for g in report["duplicate_groups"] if g["kind"] == "duplicate_caption"]
    assert group["photo_ids"] == [photos[0].id]
    assert group["others"] == ["catalog:Oystercatcher_Texel_Netherlands_Birds_Photography_900.JPG"]
