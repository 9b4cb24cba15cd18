"""The Run screen's AI panels in headless chromium against the real backend, with the vision model
served by the Ollama-protocol test server: the Ollama status with "Pull <model>" and its progress
bar (fed by the event stream), the CLIP note, the prefill "Text quality report" of a finished run
(real pipeline, two photos given the same caption), and gate findings placed on the editor's fields
from the backend's `findings`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.ai.fake_ollama import Behaviour, FakeOllama

from .conftest import LiveApp, make_jpegs, shot
from .seed import seed_review

SAME = json.dumps({"caption": "Oystercatcher probing wet sand with its long orange bill at low tide.",
                   "alt_text": "An oystercatcher with black and white plumage walks across rippled wet sand.",
                   "keywords": ["oystercatcher", "shorebird", "wet sand", "orange bill", "low tide", "mudflat",
                                "wading bird", "texel"]})
OTHER = json.dumps({"caption": "Oystercatcher resting on one leg on a shell bank beside a tidal channel.",
                    "alt_text": "An oystercatcher with a red eye stands on one leg among broken shells.",
                    "keywords": ["oystercatcher", "shell bank", "tidal channel", "one leg", "resting bird",
                                 "red eye", "shell", "coast"]})


@pytest.fixture
def ollama_model() -> str:
    return "qwen2.5vl:7b"  # installed on the fake; test_pull overrides it with a missing one


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    with FakeOllama(models=["qwen2.5vl:7b"]) as server:
        yield server


@pytest.fixture
def settings(data_dir: Path, fake_ollama: FakeOllama, ollama_model: str):  # type: ignore[no-untyped-def]
    """The root settings fixture, pointed at the fake Ollama (and at no CLIP weights)."""
    from backend.settings import load_settings

    return load_settings(data_dir, env={}, workers=1, ollama_hosts=fake_ollama.url, ollama_model=ollama_model,
                         clip_weights=str(data_dir / "no-weights.pt"))


@pytest.fixture(autouse=True)
def _close_ollama_clients() -> Iterator[None]:
    """The shared captioners hold HTTP clients; close them after each test (warnings are errors)."""
    yield
    from backend.vision import ollama_client

    ollama_client.reset()


def open_app(page_factory: Any, live_app: LiveApp, fragment: str = "run") -> Any:
    page = page_factory()
    page.goto(live_app.url(fragment))
    page.wait_for_selector("body[data-ready=true]")
    return page


def wait_for_event_stream(live_app: LiveApp, timeout: float = 10.0) -> None:
    """The page's EventSource is subscribed on the backend's bus (pull progress goes only there)."""
    deadline = time.monotonic() + timeout
    while not live_app.services.bus._subscribers:  # the test looks inside on purpose
        assert time.monotonic() < deadline, "the page never opened the event stream"
        time.sleep(0.05)


@pytest.mark.parametrize("ollama_model", ["qwen2.5vl:3b"])
def test_pull_missing_model_with_progress_then_status_refresh(page_factory: Any, live_app: LiveApp,
                                                             fake_ollama: FakeOllama) -> None:
    assert "qwen2.5vl:3b" in fake_ollama.pullable and "qwen2.5vl:3b" not in fake_ollama.models
    page = open_app(page_factory, live_app)
    expect(page.locator("#ai-probe")).to_contain_text("model qwen2.5vl:3b missing")
    button = page.get_by_role("button", name="Pull qwen2.5vl:3b")
    expect(button).to_be_visible()
    expect(page.locator("#ai-tools")).to_contain_text("qwen2.5vl:3b is not installed")
    clip = page.locator("#ai-clip")
    expect(clip).to_contain_text("CLIP hints are off:")
    expect(clip).to_have_class("muted clip-note")
    shot(page, "ai_pull_offered_1280")
    wait_for_event_stream(live_app)
    page.evaluate("""() => { window.__pullSeen = [];
      new MutationObserver(() => { const bar = document.querySelector('#ai-pull-progress [role=progressbar]');
        if (bar) window.__pullSeen.push(Number(bar.getAttribute('aria-valuenow'))); })
        .observe(document.querySelector('#ai-tools'), { childList: true, subtree: true }); }""")
    button.click()
    bar = page.locator("#ai-pull-progress [role=progressbar]")
    # Faster than the 5 s status poll: the 100 % comes from the stream's pull events.
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=4_000)
    seen = page.evaluate("() => window.__pullSeen")
    assert {25, 50, 75} <= set(seen) and seen == sorted(seen), seen  # the fake streams 0..100 % in quarters
    expect(page.locator("#ai-pull-pct")).to_have_text("100 %")
    expect(page.locator("#ai-pull-msg")).to_contain_text("Done: qwen2.5vl:3b is installed.")
    # The status refresh after the pull: the button is gone and the probe line changes.
    expect(page.locator("#ai-pull")).to_have_count(0)
    expect(page.locator("#ai-probe")).to_contain_text("qwen2.5vl:3b installed")
    expect(page.locator("#ai-line")).to_contain_text("qwen2.5vl:3b installed")
    pulls = [body for method, path, body in fake_ollama.requests if path == "/api/pull"]
    assert [b.get("model") or b.get("name") for b in pulls] == ["qwen2.5vl:3b"]
    assert "qwen2.5vl:3b" in fake_ollama.models
    shot(page, "ai_pull_done_1280")


def test_no_pull_button_when_the_model_is_installed(page_factory: Any, live_app: LiveApp) -> None:
    page = open_app(page_factory, live_app)
    expect(page.locator("#ai-probe")).to_contain_text("model qwen2.5vl:7b installed")
    expect(page.locator("#ai-clip")).to_contain_text("CLIP hints are off:")
    expect(page.locator("#ai-pull")).to_have_count(0)


def test_quality_report_after_a_real_run_opens_flagged_photos(page_factory: Any, live_app: LiveApp,
                                                             fake_ollama: FakeOllama, tmp_path: Path) -> None:
    folder = tmp_path / "Texel"
    make_jpegs(folder, 3)
    # Photo 1 and photo 2 (also on its "make it different" retry) get the same text; photo 3 differs.
    fake_ollama.script(*[Behaviour(content=SAME)] * 3, Behaviour(content=OTHER))
    spec = {"paths": [str(folder)], "subject": "Oystercatcher", "location": "Texel_Netherlands",
            "category": "Birds"}
    run = live_app.call("POST", "/api/runs", {"sets": [spec], "on_ai_unavailable": "pause"})["run"]
    live_app.wait_run(run["id"])
    report = live_app.call("GET", f"/api/runs/{run['id']}/report")
    summary, groups, flagged = report["summary"], report["duplicate_groups"], report["flagged"]
    dup = [g for g in groups if g["kind"] == "duplicate_caption"]
    assert len(dup) == 1 and len(dup[0]["photo_ids"]) == 2, groups
    assert summary["fail_blocked"] >= 2 and len(flagged) >= 2

    page = open_app(page_factory, live_app)
    expect(page.locator("#run-title")).to_contain_text("done")
    panel = page.locator("#run-report")
    expect(panel).to_be_visible()
    expect(panel.locator("h3")).to_have_text("Text quality report")
    for code, key in (("PASS_HIGH", "pass_high"), ("PASS_REPAIRED", "pass_repaired"),
                      ("PASS_GENERIC", "pass_generic"), ("FAIL_BLOCKED", "fail_blocked")):
        expect(panel.locator(f"[data-verdict={code}] .n")).to_have_text(str(summary[key]))
    expect(panel.locator("[data-verdict=duplicates] .n")).to_have_text(str(len(groups)))
    items = panel.locator(".report-flagged li")
    expect(items).to_have_count(len(flagged))
    for f in flagged:
        item = panel.locator(f".report-flagged li[data-photo-id='{f['id']}']")
        expect(item.get_by_role("button")).to_have_text(f["file_name"])
        for reason in f["reasons"]:
            expect(item).to_contain_text(reason.replace("_", " "))
    expect(panel).to_contain_text("duplicate caption")
    panel.scroll_into_view_if_needed()
    shot(page, "run_quality_report_1280")

    # A flagged photo opens in Review, even with a filter that would hide it.
    target = flagged[-1]
    page.goto(live_app.url("review"))
    page.wait_for_selector("body[data-review-ready=true]")
    page.select_option("#flt-gate", "PASS_HIGH")
    page.get_by_role("tab", name="Run").click()
    page.locator(f".report-flagged li[data-photo-id='{target['id']}'] button").click()
    expect(page.locator("#view-review")).to_be_visible()
    expect(page.locator("#ed-name")).to_have_text(target["file_name"])
    expect(page.locator("#flt-gate")).to_have_value("")
    expect(page.locator("#editor")).to_have_attribute("data-photo-id", str(target["id"]))


def test_no_report_panel_for_a_run_without_one(page_factory: Any, live_app: LiveApp) -> None:
    seed_review(live_app.services, 2)  # a finished run whose gate never wrote a report
    page = open_app(page_factory, live_app)
    expect(page.locator("#run-title")).to_contain_text("done")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#run-report")).to_be_hidden()


def test_editor_places_findings_where_the_gate_says(page_factory: Any, live_app: LiveApp) -> None:
    # "caption_equals_alt" concerns both texts (the tag-name guess would put it on alt text only);
    # a repaired finding is shown as repaired and does not count as open.
    overrides = {0: {"gate_status": "PASS_GENERIC", "gate_issues": ["caption_equals_alt", "repaired:caption_prefix"]}}
    photos = seed_review(live_app.services, 2, overrides=overrides)
    detail = live_app.call("GET", f"/api/photos/{photos[0].id}")
    assert {f["tag"]: f["fields"] for f in detail["findings"]}["caption_equals_alt"] == ["caption", "alt_text"]
    page = open_app(page_factory, live_app, "review")
    page.wait_for_selector("body[data-review-ready=true]")
    expect(page.locator("#ed-name")).to_have_text(photos[0].file_name)
    expect(page.locator(".field-caption")).to_have_class("field field-caption has-issue")
    expect(page.locator(".field-alt_text")).to_have_class("field field-alt_text has-issue")
    expect(page.locator("#f-caption-note")).to_contain_text("caption equals alt")
    expect(page.locator("#f-alt_text-note")).to_contain_text("caption equals alt")
    expect(page.locator("#f-caption-note")).to_contain_text("caption prefix — repaired automatically")
    expect(page.locator("#gate-box")).to_contain_text("1 of 2 findings open")
