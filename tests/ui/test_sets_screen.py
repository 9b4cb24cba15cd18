"""The Sets screen and the Run screen in headless chromium against the real backend: paths in,
Title Case, spellcheck, autocomplete, near-miss and new-value confirmation, the name preview and its
limit, flagged files, the run's progress, pause choices, roll back, and resume after a crash."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from .conftest import LiveApp, make_jpegs, shot


def open_app(page_factory: Any, live_app: LiveApp, fragment: str = "sets", **kw: Any) -> Any:
    page = page_factory(**kw)
    page.goto(live_app.url(fragment))
    page.wait_for_selector("body[data-ready=true]")
    return page


def add_folder_by_paste(page: Any, folder: Path) -> None:
    page.focus("#paste-paths")
    page.keyboard.type(str(folder))
    page.keyboard.press("Control+Enter")
    expect(page.locator(".set-card")).to_have_count(1)


def test_paste_folder_fill_set_and_run_to_review(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    folder = tmp_path / "Shoot" / "Landscape"
    make_jpegs(folder, 4)
    page = open_app(page_factory, live_app)
    add_folder_by_paste(page, folder)
    card = page.locator(".set-card").first
    expect(card.locator(".set-count")).to_have_text("4 photos")
    # Focus lands in Subject; Title Case is applied while typing, small words stay small.
    expect(page.locator("#set1-subject")).to_be_focused()
    page.keyboard.type("foggy bike path in the mist")
    expect(page.locator("#set1-subject")).to_have_value("Foggy Bike Path in the Mist")
    # Typing in the middle keeps the cursor where it was.
    page.keyboard.press("Home")
    page.keyboard.type("early ")
    expect(page.locator("#set1-subject")).to_have_value("Early Foggy Bike Path in the Mist")
    assert page.evaluate("() => document.activeElement.selectionStart") == len("early ")
    page.keyboard.press("Control+a")
    page.keyboard.type("foggy bike path in the mist")
    page.keyboard.press("Tab")
    page.keyboard.type("amsterdam netherlands")
    page.keyboard.press("Tab")  # leaving the field applies the City_Country convention
    expect(page.locator("#set1-location")).to_have_value("Amsterdam_Netherlands")
    expect(page.locator("#set1-location-note")).to_contain_text("is a new location")
    page.locator("#set1-category").fill("Landscape")
    expect(page.locator("#set1-category-note")).to_contain_text("is a new category")
    expect(card.locator(".name-preview")).to_contain_text(
        "Foggy_Bike_Path_in_the_Mist_Amsterdam_Netherlands_Landscape_Photography_001.JPG")
    expect(card.locator(".name-preview")).to_contain_text("/ 150 characters")
    # New values must be confirmed before the run starts.
    page.locator("#start-run").click(force=True)
    expect(page.locator("#sets-problems")).to_contain_text("confirm the new location")
    assert live_app.call("GET", "/api/runs")["runs"] == []
    page.get_by_role("button", name="Confirm new location").click()
    page.get_by_role("button", name="Confirm new category").click()
    expect(page.locator("#set1-location-note")).to_contain_text("will be added")
    page.select_option("#ai-policy", "manual")
    shot(page, "sets_filled_1280")
    page.locator("#start-run").click()
    expect(page.locator("#view-run")).to_be_visible()
    runs = live_app.call("GET", "/api/runs")["runs"]
    assert len(runs) == 1
    live_app.wait_run(runs[0]["id"])
    expect(page.locator("#run-title")).to_contain_text("done", timeout=10_000)
    stages = page.locator(".stage")
    expect(stages).to_have_count(len(live_app.call("GET", f"/api/runs/{runs[0]['id']}")["stages"]))
    for i in range(stages.count()):
        expect(stages.nth(i).locator(".stage-count")).to_have_text("4 / 4")
        expect(stages.nth(i).locator(".stage-stats")).to_contain_text("ok 4 · failed 0 · skipped 0")
    expect(page.locator(".stage").first.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "4")
    expect(page.locator("#review-count")).to_have_text("4")
    shot(page, "run_done_1280")
    page.get_by_role("button", name="Review photos →").click()
    expect(page.locator("#ed-pos")).to_have_text("1 of 4")


def test_spellcheck_suggests_replaces_and_keeps(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    folder = tmp_path / "Birds"
    make_jpegs(folder, 1)
    page = open_app(page_factory, live_app)
    add_folder_by_paste(page, folder)
    page.keyboard.type("seaguls near zwanenburgh")
    note = page.locator("#set1-subject-note")
    expect(note.locator(".spell-word")).to_have_count(2)
    expect(page.locator("#set1-subject")).to_have_attribute("aria-invalid", "spelling")
    page.get_by_role("button", name="Replace Seaguls with Seagulls").click()
    expect(page.locator("#set1-subject")).to_have_value("Seagulls Near Zwanenburgh")
    page.get_by_role("button", name="Keep the word Zwanenburgh").click()
    expect(note.locator(".spell-word")).to_have_count(0)
    # The kept word is remembered by the backend: a fresh check no longer flags it.
    assert live_app.call("GET", "/api/spell?text=Zwanenburgh")["misspelled"] == []
    shot(page, "sets_spellcheck")


def test_autocomplete_known_location_and_category_near_miss(page_factory: Any, live_app: LiveApp,
                                                           tmp_path: Path) -> None:
    store = live_app.services.store
    store.add_vocabulary("location", "Amsterdam_Netherlands")
    store.add_vocabulary("location", "Amstelveen_Netherlands")
    store.add_vocabulary("category", "Landscape")
    folder = tmp_path / "x"
    make_jpegs(folder, 1)
    page = open_app(page_factory, live_app)
    add_folder_by_paste(page, folder)
    page.locator("#set1-location").focus()
    page.keyboard.type("amst")
    options = page.locator("#set1-location").locator("xpath=..").get_by_role("option")
    expect(options).to_have_count(2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#set1-location")).to_have_value("Amstelveen_Netherlands")
    expect(page.locator("#set1-location-note")).to_have_text("Known location")
    page.locator("#set1-category").focus()
    page.keyboard.type("Landscapes")
    page.keyboard.press("Escape")
    note = page.locator("#set1-category-note")
    expect(note).to_contain_text("Looks like an existing category")
    shot(page, "sets_near_miss")
    page.get_by_role("button", name="Use “Landscape”").click()
    expect(page.locator("#set1-category")).to_have_value("Landscape")
    expect(note).to_have_text("Known category")


def test_overlong_name_is_refused_up_front(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    folder = tmp_path / "long"
    make_jpegs(folder, 1)
    page = open_app(page_factory, live_app)
    add_folder_by_paste(page, folder)
    page.locator("#set1-subject").fill("Extraordinarily Long Subject " * 5)
    page.locator("#set1-location").fill("Amsterdam_Netherlands")
    page.locator("#set1-category").fill("Landscape")
    preview = page.locator(".name-preview")
    expect(preview.get_by_role("alert")).to_contain_text("too long")
    page.locator("#start-run").click(force=True)
    expect(page.locator("#sets-problems")).to_contain_text("the file name would be too long")
    assert live_app.call("GET", "/api/runs")["runs"] == []


def test_files_already_queued_are_flagged_and_left_out(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    folder = tmp_path / "again"
    make_jpegs(folder, 2)
    spec = {"paths": [str(folder)], "subject": "Bridge", "location": "Gouda_Netherlands", "category": "Cityscape"}
    run = live_app.call("POST", "/api/runs", {"sets": [spec], "on_ai_unavailable": "manual"})["run"]
    live_app.wait_run(run["id"])
    page = open_app(page_factory, live_app)
    page.evaluate("(p) => window.dispatchEvent(new CustomEvent('ia:dropped', {detail: {paths: [p]}}))", str(folder))
    expect(page.locator(".set-card")).to_have_count(1)
    page.locator("#set1-subject").fill("Bridge")
    page.locator("#set1-location").fill("Gouda_Netherlands")
    page.locator("#set1-category").fill("Cityscape")
    flags = page.locator(".set-card .flags")
    expect(flags).to_contain_text("2 files are already queued or published")
    expect(flags.locator(".flag-queued")).to_have_count(2)
    expect(page.locator("#set1-location-note")).to_have_text("Known location")
    expect(page.locator(".name-preview")).to_contain_text("Bridge_Gouda_Netherlands_Cityscape_Photography_0")
    shot(page, "sets_flagged")


def test_drop_event_and_native_picker_add_sets(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    a, b = tmp_path / "A", tmp_path / "B"
    make_jpegs(a, 1)
    make_jpegs(b, 2, seed=5)
    loose = make_jpegs(tmp_path / "loose", 2, seed=9)
    picked = json.dumps([str(b)])
    files = json.dumps([str(loose[0])])
    bridge = f"window.pywebview = {{api: {{pick_folders: async () => {picked}, pick_files: async () => {files}}}}};"
    page = open_app(page_factory, live_app, init_script=bridge)
    # pywebview's drop handler sends full paths: folders become a set each, loose files one set.
    page.evaluate("(p) => window.dispatchEvent(new CustomEvent('ia:dropped', {detail: {paths: p}}))",
                  [str(a), *map(str, loose)])
    expect(page.locator(".set-card")).to_have_count(2)
    expect(page.locator(".set-card").nth(1).locator(".set-count")).to_have_text("2 photos")
    picker = page.get_by_role("button", name="Choose folders…")
    expect(picker).to_be_visible()
    picker.click()
    expect(page.locator(".set-card")).to_have_count(3)
    expect(page.locator(".set-card").nth(2).locator(".set-count")).to_have_text("2 photos")
    page.get_by_role("button", name="Choose photos…").click()
    expect(page.locator(".set-card")).to_have_count(4)
    expect(page.locator(".set-card").nth(3).locator(".set-count")).to_have_text("1 photo")
    page.get_by_role("button", name="Remove set 1").click()
    expect(page.locator(".set-card")).to_have_count(3)
    expect(page.locator(".set-card").first.locator(".set-no")).to_have_text("Set 1")


def test_plain_browser_drop_explains_paste(page_factory: Any, live_app: LiveApp) -> None:
    page = open_app(page_factory, live_app)
    expect(page.get_by_role("button", name="Choose folders…")).to_be_hidden()
    expect(page.get_by_role("button", name="Choose photos…")).to_be_hidden()
    page.evaluate("""() => { const dt = new DataTransfer();
        dt.items.add(new File(['x'], 'a.jpg', {type: 'image/jpeg'}));
        window.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); }""")
    expect(page.locator(".toast")).to_contain_text("Paste their paths")
    expect(page.locator("#paste-paths")).to_be_focused()


def paused_run(live_app: LiveApp, tmp_path: Path) -> int:
    """A run that stopped because the AI was unreachable: the user must choose how to go on."""
    folder = tmp_path / "p"
    make_jpegs(folder, 2)
    spec = {"paths": [str(folder)], "subject": "Tulips", "location": "Lisse_Netherlands", "category": "Flowers"}
    run = live_app.call("POST", "/api/runs", {"sets": [spec], "on_ai_unavailable": "pause"})["run"]
    snap = live_app.wait_run(run["id"], ("paused", "done"))
    assert snap["run"]["status"] == "paused", snap["run"]
    return int(run["id"])


def test_paused_run_shows_reason_and_choices_then_rolls_back(page_factory: Any, live_app: LiveApp,
                                                             tmp_path: Path) -> None:
    run_id = paused_run(live_app, tmp_path)
    page = open_app(page_factory, live_app, "run")
    box = page.locator(".pause-box")
    expect(box).to_be_visible()
    reason = live_app.call("GET", f"/api/runs/{run_id}")["run"]["pause_reason"]
    expect(box).to_contain_text(reason[:40])
    expect(page.locator("#run-resume")).to_be_visible()
    expect(page.locator("#ai-probe")).to_contain_text("not reachable")
    shot(page, "run_paused_1280")
    page.locator("#run-rollback").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Roll back this run?")
    expect(page.locator("#confirm-no")).to_be_focused()  # the safe choice has the focus
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#run-title")).to_contain_text("rolled back")
    assert live_app.call("GET", f"/api/runs/{run_id}")["run"]["status"] == "rolled_back"
    assert live_app.services.store.photos(run_id=run_id) == []


def test_paused_run_continues_without_ai_text(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    run_id = paused_run(live_app, tmp_path)
    page = open_app(page_factory, live_app, "run")
    page.locator(".pause-box").get_by_role("button", name="Continue without AI text").click()
    live_app.wait_run(run_id)
    expect(page.locator("#run-title")).to_contain_text("done", timeout=10_000)


def test_interrupted_run_is_offered_for_resume(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    run_id = paused_run(live_app, tmp_path)
    store = live_app.services.store
    store.set_run_status(run_id, "interrupted", stage="prefill")  # what start-up finds after a crash
    page = open_app(page_factory, live_app, "sets")
    banner = page.locator("#banner")
    expect(banner).to_contain_text(f"Run {run_id} was interrupted during prefill")
    shot(page, "interrupted_banner")
    banner.get_by_role("button", name="Resume run").click()
    expect(page.locator("#view-run")).to_be_visible()
    snap = live_app.wait_run(run_id, ("paused", "done"))
    assert snap["run"]["status"] in ("paused", "done")
    expect(banner).to_be_hidden()
    assert re.search(r"Run \d+", page.locator("#run-title").inner_text())


def test_pause_and_resume_a_running_run(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    make_jpegs(folder, 40, size=(3000, 2000))  # big enough that the run takes a few seconds
    spec = {"paths": [str(folder)], "subject": "Dunes", "location": "Texel_Netherlands", "category": "Landscape"}
    page = open_app(page_factory, live_app, "run")
    run = live_app.call("POST", "/api/runs", {"sets": [spec], "on_ai_unavailable": "manual"})["run"]
    page.evaluate("() => { location.hash = 'sets'; location.hash = 'run'; }")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    pause = page.locator("#run-pause")
    expect(pause).to_be_visible()
    expect(page.locator("#run-eta")).to_be_visible()
    page.wait_for_function("""() => [...document.querySelectorAll('.stage [role=progressbar]')]
        .some((bar) => Number(bar.getAttribute('aria-valuenow')) > 0)""")
    shot(page, "run_running_1280")
    pause.click()
    snap = live_app.wait_run(run["id"], ("paused",), timeout=60)
    assert sum(s["done"] for s in snap["stages"]) < sum(s["total"] for s in snap["stages"])
    expect(page.locator("#run-title")).to_contain_text("paused")
    page.locator("#run-resume").click()
    live_app.wait_run(run["id"])
    expect(page.locator("#run-title")).to_contain_text("done", timeout=10_000)
