"""The review editor by keyboard alone, in headless chromium against the real backend: edit with
autosave and per-photo undo/redo, approve / reject / back to pending one by one and in bulk, then
publish and find the files in the site folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from .conftest import LiveApp, make_jpegs, shot
from .seed import seed_review


def open_review(page_factory: Any, live_app: LiveApp, **kw: Any) -> Any:
    page = page_factory(**kw)
    page.goto(live_app.url("review"))
    page.wait_for_selector("body[data-review-ready=true]")
    expect(page.locator("#strip")).to_be_focused()
    return page


def saved(page: Any) -> None:
    expect(page.locator("#save-state")).to_have_class("save-state save-saved")


TEXT: dict[str, Any] = {"caption": "Boats rest on a calm canal at dusk with warm lights mirrored in the water.",
        "alt_text": "Moored boats with lit windows reflected in a dark city canal",
        "keywords": ["canal", "boats", "dusk", "reflections", "harbour", "city lights"]}
# The "model" text of photos 2-4: different from TEXT and from each other, because an edit is judged
# by the gate again (duplicate captions across photos are findings).
OTHER_TEXTS: list[dict[str, Any]] = [
    {"caption": "A red tugboat pushes a barge under an arched stone bridge on a grey morning.",
     "alt_text": "Red tugboat guiding a loaded barge beneath a stone bridge",
     "keywords": ["tugboat", "barge", "stone bridge", "morning", "river traffic", "grey sky"]},
    {"caption": "Cyclists cross a narrow drawbridge while gulls circle above the old warehouses.",
     "alt_text": "People on bicycles riding over a drawbridge with warehouses behind",
     "keywords": ["cyclists", "drawbridge", "gulls", "warehouses", "old town", "bicycles"]},
    {"caption": "Houseboats with flower boxes line a quiet canal lit by late afternoon sun.",
     "alt_text": "Row of houseboats decorated with flowers along a sunny canal",
     "keywords": ["houseboats", "flower boxes", "afternoon sun", "quiet canal", "moorings", "summer"]},
]


def test_whole_review_flow_by_keyboard(page_factory: Any, live_app: LiveApp, tmp_path: Path) -> None:
    folder = tmp_path / "Harbour"
    make_jpegs(folder, 4)
    spec = {"paths": [str(folder)], "subject": "Harbour Lights", "location": "Amsterdam_Netherlands",
            "category": "Cityscape"}
    run = live_app.call("POST", "/api/runs", {"sets": [spec], "on_ai_unavailable": "manual"})["run"]
    live_app.wait_run(run["id"])
    store = live_app.services.store
    photos = store.photos(run_id=run["id"])
    assert [p.status for p in photos] == ["in_review"] * 4
    for p, text in zip(photos[1:], OTHER_TEXTS, strict=True):  # "from the model"; photo 1 is written by hand
        live_app.call("PATCH", f"/api/photos/{p.id}", text)

    page = open_review(page_factory, live_app)
    kb = page.keyboard
    expect(page.locator("#ed-pos")).to_have_text("1 of 4")
    expect(page.locator("#ed-name")).to_have_text(photos[0].file_name)
    kb.press("j")
    expect(page.locator("#ed-pos")).to_have_text("2 of 4")
    kb.press("k")
    expect(page.locator("#ed-pos")).to_have_text("1 of 4")

    # Enter edits the caption, Esc leaves the field and saves; t = alt text, w = keywords.
    kb.press("Enter")
    expect(page.locator("#f-caption")).to_be_focused()
    kb.type(TEXT["caption"])
    kb.press("Escape")
    expect(page.locator("#strip")).to_be_focused()
    saved(page)
    kb.press("t")
    kb.type(TEXT["alt_text"])
    kb.press("Escape")
    kb.press("w")
    for word in TEXT["keywords"]:
        kb.type(word)
        kb.press("Enter")
    kb.press("Escape")
    saved(page)
    expect(page.locator("#f-keywords .chip")).to_have_count(6)
    # Findings the pipeline made on empty text are shown as fixed once the text is written.
    assert page.locator("#editor .issue:not(.resolved)").count() == 0
    p1 = store.get_photo(photos[0].id)
    assert (p1.caption, p1.alt_text, p1.keywords) == (TEXT["caption"], TEXT["alt_text"], TEXT["keywords"])
    shot(page, "review_edited_1280")

    # Undo / redo per photo (Ctrl+Z / Ctrl+Shift+Z outside a field).
    kb.press("Enter")
    kb.type(" Shot from the bridge.")
    kb.press("Escape")
    saved(page)
    assert store.get_photo(photos[0].id).caption.endswith("Shot from the bridge.")
    kb.press("Control+z")
    expect(page.locator("#f-caption")).not_to_have_value(TEXT["caption"] + " Shot from the bridge.")
    page.wait_for_function("(v) => !document.querySelector('#save-state').textContent.includes('Saving')", arg=None)
    saved(page)
    undone = store.get_photo(photos[0].id).caption
    assert not undone.endswith("Shot from the bridge.")
    expect(page.locator("#f-caption")).to_have_value(undone)
    kb.press("Control+Shift+z")
    expect(page.locator("#f-caption")).to_have_value(TEXT["caption"] + " Shot from the bridge.")
    saved(page)
    assert store.get_photo(photos[0].id).caption == TEXT["caption"] + " Shot from the bridge."

    # A approves and moves on; the publish button counts approved photos.
    kb.press("a")
    expect(page.locator("#ed-pos")).to_have_text("2 of 4")
    expect(page.locator("#publish-btn")).to_have_text("Publish 1 approved")
    assert store.get_photo(photos[0].id).status == "approved"

    # R rejects and reverses the path: staged copy removed, name released, original untouched.
    staged = Path(photos[1].staged_path)
    assert staged.is_file()
    kb.press("r")
    expect(page.locator("#ed-pos")).to_have_text("3 of 4")
    p2 = store.get_photo(photos[1].id)
    assert p2.status == "rejected"
    assert not staged.exists()
    assert store.name_owner(photos[1].file_name) is None
    assert Path(photos[1].original_path).is_file()

    # Bulk: x selects, Shift+J extends, A approves the selection.
    kb.press("x")
    kb.press("Shift+j")
    expect(page.locator("#bulk-count")).to_have_text("2 selected")
    shot(page, "review_bulk_selection_1280")
    kb.press("a")
    expect(page.locator("#bulk-bar")).to_be_hidden()
    expect(page.locator("#publish-btn")).to_have_text("Publish 3 approved")
    assert [store.get_photo(p.id).status for p in photos[2:]] == ["approved", "approved"]

    # P = back to pending; Ctrl+Z undoes the decision.
    kb.press("Home")
    expect(page.locator("#ed-pos")).to_have_text("1 of 4")
    kb.press("p")
    expect(page.locator("#publish-btn")).to_have_text("Publish 2 approved")
    assert store.get_photo(photos[0].id).status == "in_review"
    kb.press("Control+z")
    expect(page.locator("#publish-btn")).to_have_text("Publish 3 approved")
    assert store.get_photo(photos[0].id).status == "approved"

    # ? lists the shortcuts; Esc closes the list.
    kb.press("?")
    help_box = page.locator("#help-dialog")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Approve")
    expect(help_box).to_contain_text("Back to pending")
    shot(page, "review_shortcuts_1280")
    kb.press("Escape")
    expect(help_box).to_be_hidden()

    # Publish: Tab to the button from the header, Enter, Enter confirms.
    page.focus("#help-btn")
    kb.press("Tab")
    expect(page.locator("#publish-btn")).to_be_focused()
    kb.press("Enter")
    expect(page.locator("#confirm-dialog")).to_contain_text("Publish 3 approved photos?")
    kb.press("Enter")
    expect(page.locator(".toast").filter(has_text="Publish finished")).to_contain_text("3 published", timeout=60_000)
    expect(page.locator("#publish-btn")).to_have_text("Publish 0 approved")
    site = live_app.services.settings.site_dir
    published = {p.name for p in site.rglob("*.JPG")}
    for p in (photos[0], photos[2], photos[3]):
        assert store.get_photo(p.id).status == "published"
        assert p.file_name in published
    assert photos[1].file_name not in published
    shot(page, "review_published_1280")


def test_bulk_reject_asks_first(page_factory: Any, live_app: LiveApp) -> None:
    photos = seed_review(live_app.services, 6)
    store = live_app.services.store
    page = open_review(page_factory, live_app)
    kb = page.keyboard
    kb.press("Control+a")
    expect(page.locator("#bulk-count")).to_have_text("6 selected")
    kb.press("r")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Reject 6 photos?")
    expect(page.locator("#confirm-no")).to_be_focused()
    kb.press("Escape")
    expect(dialog).to_be_hidden()
    assert all(store.get_photo(p.id).status == "in_review" for p in photos)
    kb.press("Escape")  # clears the selection
    expect(page.locator("#bulk-bar")).to_be_hidden()
    kb.press("j")
    kb.press("Space")
    kb.press("Shift+ArrowDown")
    kb.press("r")
    kb.press("Tab")
    kb.press("Enter")
    expect(page.locator("#review-counts")).to_contain_text("4 pending")
    assert [store.get_photo(p.id).status for p in photos] == ["in_review", "rejected", "rejected"] + ["in_review"] * 3
    page.select_option("#flt-status", "rejected")
    expect(page.locator("#review-counts")).to_contain_text("2 shown")


def test_model_text_is_shown_as_text_never_html(page_factory: Any, live_app: LiveApp) -> None:
    evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>'
    seed_review(live_app.services, 2, overrides={0: {
        "caption": evil, "alt_text": evil, "keywords": ["<script>window.__pwned=2</script>", "canal"],
        "gate_issues": ["<i>caption</i>_filler"], "gate_status": "FAIL_BLOCKED"}})
    page = open_review(page_factory, live_app)
    expect(page.locator("#f-caption")).to_have_value(evil)
    expect(page.locator("#f-alt_text")).to_have_value(evil)
    expect(page.locator("#f-keywords .chip-text").first).to_have_text("<script>window.__pwned=2</script>")
    expect(page.locator("#gate-box")).to_contain_text("Needs your review")
    page.keyboard.press("h")
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("#editor b, #editor script, #info b").count() == 0


def test_filters_preview_zoom_info_and_duplicates(page_factory: Any, live_app: LiveApp) -> None:
    overrides: dict[int, dict[str, Any]] = {
        1: {"gate_status": "FAIL_BLOCKED", "gate_issues": ["caption_too_short", "keywords_fragment"]},
        2: {"gate_status": "FAIL_BLOCKED", "gate_issues": ["alt_equals_caption"]},
        3: {"qr": 8.2}, 4: {"qr": 8.9},
    }
    photos = seed_review(live_app.services, 8, overrides=overrides)
    store = live_app.services.store
    group = [photos[5].id, photos[6].id]
    store.update_photo(photos[5].id, dup_group="g1", dup_keeper=True, dup_flags={"members": [photos[6].id]})
    store.update_photo(photos[6].id, dup_group="g1", dup_keeper=False, dup_flags={"members": [photos[5].id]})
    page = open_review(page_factory, live_app)
    kb = page.keyboard
    expect(page.locator("#review-counts")).to_contain_text("8 shown")
    page.select_option("#flt-gate", "FAIL_BLOCKED")
    expect(page.locator("#review-counts")).to_contain_text("2 shown")
    expect(page.locator("#ed-name")).to_have_text(photos[1].file_name)
    # Gate findings sit on the fields they concern.
    expect(page.locator(".field-caption")).to_have_class("field field-caption has-issue")
    expect(page.locator("#f-caption-note")).to_contain_text("caption too short")
    expect(page.locator(".field-keywords")).to_have_class("field field-keywords has-issue")
    expect(page.locator(".field-alt_text")).not_to_have_class("field field-alt_text has-issue")
    shot(page, "review_gate_findings_1280")
    page.select_option("#flt-gate", "")
    page.select_option("#flt-band", "Top")
    top = sum(1 for p in store.photos(status="in_review") if p.qr is not None and p.qr >= 7.5)
    assert top >= 2
    expect(page.locator("#review-counts")).to_contain_text(f"{top} shown")
    page.select_option("#flt-band", "")
    page.locator("#flt-dup").check()
    expect(page.locator("#review-counts")).to_contain_text("2 shown")
    page.focus("#strip")
    kb.press("d")
    figures = page.locator(".dup-row figure")
    expect(figures).to_have_count(2)
    expect(page.locator(".dup-row figure.keeper")).to_contain_text("Suggested keeper")
    shot(page, "review_duplicates_1280")
    shown = page.locator("#strip .cell").evaluate_all("els => els.map(e => Number(e.dataset.id))")
    assert sorted(shown) == group
    kb.press("q")
    expect(page.locator("#info-body")).to_contain_text("sharp enough")
    kb.press("i")
    expect(page.locator("#info-body")).to_contain_text("Canon EOS R5")
    kb.press("z")
    expect(page.locator("#preview")).to_have_class("preview zoomed")
    page.wait_for_function("() => document.querySelector('#preview img').dataset.kind === 'preview'")
    width = page.evaluate("() => document.querySelector('#preview img').getBoundingClientRect().width")
    assert width == 1600  # 100 %: one image pixel per screen pixel
    shot(page, "review_zoom_100")
    scroll = "() => { const f = document.querySelector('#preview'); return [f.scrollLeft, f.scrollTop]; }"
    before = page.evaluate(scroll)
    box = page.locator("#preview").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 120, cy - 60, steps=5)
    page.mouse.up()
    after = page.evaluate(scroll)
    assert after[0] > before[0] and after[1] > before[1], (before, after)  # dragging pans
    expect(page.locator("#preview")).to_have_class("preview zoomed")  # a drag is not a click
    kb.press("z")
    expect(page.locator("#preview")).to_have_class("preview")


def test_filename_live_check_and_qr_override(page_factory: Any, live_app: LiveApp) -> None:
    photos = seed_review(live_app.services, 3)
    store = live_app.services.store
    page = open_review(page_factory, live_app)
    kb = page.keyboard
    kb.press("n")
    field = page.locator("#f-file_name")
    expect(field).to_be_focused()
    kb.press("Control+a")
    kb.type(photos[1].file_name)
    expect(page.locator("#f-file_name-note")).to_contain_text("already reserved")
    expect(field).to_have_attribute("aria-invalid", "true")
    kb.press("Control+a")
    kb.type("A" * 160 + ".JPG")
    expect(page.locator("#f-file_name-note")).to_contain_text("too long")
    kb.press("Control+a")
    kb.type("Harbour_Lights_At_Night_001.JPG")
    expect(page.locator("#f-file_name-note")).to_contain_text("available")
    kb.press("Escape")
    saved(page)
    assert store.get_photo(photos[0].id).file_name == "Harbour_Lights_At_Night_001.JPG"
    assert store.name_owner(photos[0].file_name) is None  # the old name was released
    expect(page.locator("#ed-name")).to_have_text("Harbour_Lights_At_Night_001.JPG")
    page.focus("#f-qr")
    kb.press("Control+a")
    kb.type("9.5")
    kb.press("Escape")
    saved(page)
    assert store.get_photo(photos[0].id).qr == 9.5
    expect(page.locator("#ed-badges")).to_contain_text("QR 9.5 Top")


def test_generate_without_model_says_why(page_factory: Any, live_app: LiveApp) -> None:
    photos = seed_review(live_app.services, 1)
    page = open_review(page_factory, live_app)
    page.keyboard.press("g")
    expect(page.locator(".toast-error")).to_contain_text("Generate failed", timeout=60_000)
    expect(page.locator("#save-state")).to_contain_text("Not saved")
    assert live_app.services.store.get_photo(photos[0].id).caption == photos[0].caption


def test_keyword_chips_reorder_and_remove_by_keyboard(page_factory: Any, live_app: LiveApp) -> None:
    photos = seed_review(live_app.services, 1)
    assert photos[0].keywords == ["harbour", "canal", "evening light", "boats", "reflections", "bridge"]
    page = open_review(page_factory, live_app)
    kb = page.keyboard
    kb.press("w")
    kb.press("Backspace")  # from the empty input to the last chip
    expect(page.locator("#f-keywords .chip").last).to_be_focused()
    kb.press("Alt+ArrowLeft")
    kb.press("Alt+ArrowLeft")
    kb.press("ArrowLeft")
    kb.press("Delete")
    kb.press("Escape")
    expect(page.locator("#strip")).to_be_focused()
    saved(page)
    expected = ["harbour", "canal", "bridge", "boats", "reflections"]
    expect(page.locator("#f-keywords .chip-text")).to_have_text(expected)
    assert live_app.services.store.get_photo(photos[0].id).keywords == expected
