"""Generate in review: re-ask the model, refuse duplicates of pending photos, never touch the status."""

from __future__ import annotations

import json
from pathlib import Path

from backend import ai_review
from backend.photo import Status

from .conftest import start
from .fake_ollama import Behaviour, FakeOllama

FRESH = json.dumps({"caption": "Oystercatcher preening its chest feathers on a mossy dyke slope.",
                    "alt_text": "An oystercatcher twists its neck to clean the white feathers of its chest.",
                    "keywords": ["oystercatcher", "preening", "chest feather", "dyke", "moss", "grass slope",
                                 "shorebird", "feather care"], "title": "Preening oystercatcher"})


def reviewed(make_services, fake: FakeOllama, tmp_path: Path, n: int = 2):  # type: ignore[no-untyped-def]
    svc = make_services(fake.url)
    run = svc.runner.process(start(svc, tmp_path / "in", n=n).id)
    photos = svc.store.photos(run_id=run.id)
    assert all(p.status == Status.IN_REVIEW for p in photos)
    return svc, photos


def test_generate_stores_the_suggestion_and_keeps_the_status(make_services, fake: FakeOllama,
                                                             tmp_path: Path) -> None:
    svc, (first, _) = reviewed(make_services, fake, tmp_path)
    fake.script(Behaviour(content=FRESH))
    before = len(svc.store.learning_log(first.id))
    [result] = ai_review.generate(svc.store, svc.settings, [first.id])
    assert result["ok"] and result["id"] == first.id and "PASS_HIGH" in result["message"]
    after = svc.store.get_photo(first.id)
    assert after.status == Status.IN_REVIEW and after.caption.startswith("Oystercatcher preening")
    assert after.gate_status == "PASS_HIGH" and after.title == "Preening oystercatcher"
    logged = svc.store.learning_log(first.id)[before:]
    assert {r["field"]: r["decision"] for r in logged} == dict.fromkeys(
        ["caption", "alt_text", "keywords", "title"], "ai_suggestion")
    assert "preening" in logged[0]["ai_value"].lower()


def test_generate_refuses_text_duplicating_another_pending_photo(make_services, fake: FakeOllama,
                                                                 tmp_path: Path) -> None:
    svc, (first, second) = reviewed(make_services, fake, tmp_path)
    copy = json.dumps({"caption": second.caption, "alt_text": second.alt_text, "keywords": second.keywords})
    fake.script(Behaviour(content=copy), Behaviour(content=copy))
    [result] = ai_review.generate(svc.store, svc.settings, [first.id])
    assert not result["ok"] and f"photo:{second.id}" in result["message"]
    assert svc.store.get_photo(first.id).caption == first.caption  # nothing changed
    nudge = fake.inference_requests()[-1]["messages"][-1]["content"]
    assert "too close to another photo" in nudge and second.caption in nudge
    fake.script(Behaviour(content=copy), Behaviour(content=FRESH))  # the nudged retry succeeds
    [retry] = ai_review.generate(svc.store, svc.settings, [first.id])
    assert retry["ok"] and svc.store.get_photo(first.id).caption.startswith("Oystercatcher preening")


def test_generate_never_rewrites_an_approved_photo_and_reports_ai_down(make_services, fake: FakeOllama,
                                                                       tmp_path: Path) -> None:
    svc, (first, second) = reviewed(make_services, fake, tmp_path)
    svc.store.advance(first.id, Status.APPROVED)
    [approved] = ai_review.generate(svc.store, svc.settings, [first.id])
    assert not approved["ok"] and "move it back to pending" in approved["message"]
    assert svc.store.get_photo(first.id).status == Status.APPROVED
    fake.close()
    [down] = ai_review.generate(svc.store, svc.settings, [second.id])
    assert not down["ok"] and "No Ollama server answered" in down["message"]
