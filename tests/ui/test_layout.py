"""Looks and reach: the screens at 1280x720 and at 4K (3840x2160), labelled controls, visible focus,
no sideways scrolling. Screenshots of every screen at both sizes are saved for people to look at."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import LiveApp, shot
from .seed import seed_review

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button, [role=tab], [role=listbox]')]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby') || el.textContent.trim() || el.title))
  .map((el) => el.outerHTML.slice(0, 120))"""

BOX = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom]; }"""


@pytest.mark.parametrize(("width", "height", "tag"), [(1280, 720, "1280"), (3840, 2160, "4k")])
def test_screens_fit_and_are_labelled(page_factory: Any, live_app: LiveApp, width: int, height: int,
                                      tag: str) -> None:
    blocked = {"gate_status": "FAIL_BLOCKED", "gate_issues": ["caption_filler"]}
    seed_review(live_app.services, 40, overrides={0: blocked})
    page = page_factory(width=width, height=height)
    page.goto(live_app.url("review"))
    page.wait_for_selector("body[data-review-ready=true]")
    font = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert (14 <= font < 15) if tag == "1280" else (font >= 20), font  # readable type at both sizes
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    boxes = {sel: page.evaluate(BOX, sel) for sel in ("#strip", "#preview", "#editor")}
    for sel, (left, top, right, bottom) in boxes.items():
        assert 0 <= left < right <= width and 0 <= top < bottom <= height, (sel, boxes[sel])
    assert boxes["#strip"][2] <= boxes["#preview"][0] <= boxes["#preview"][2] <= boxes["#editor"][0]
    assert boxes["#preview"][3] - boxes["#preview"][1] >= height * 0.4  # the photo gets the room
    assert page.evaluate(UNLABELLED) == []
    expect(page.locator("#do-approve")).to_be_in_viewport()
    shot(page, f"review_{tag}")
    # Focus is visible when moving by keyboard.
    page.focus("#flt-q")
    page.keyboard.press("Shift+Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), outline
    page.evaluate("() => { location.hash = 'sets'; }")
    expect(page.locator("#view-sets")).to_be_visible()
    page.fill("#paste-paths", "/nowhere/Harbour")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".set-card")).to_have_count(1)
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"sets_{tag}")
    page.evaluate("() => { location.hash = 'run'; }")
    expect(page.locator("#view-run")).to_be_visible()
    shot(page, f"run_{tag}")


def test_strip_stays_small_in_the_dom_at_thousands(page_factory: Any, live_app: LiveApp) -> None:
    seed_review(live_app.services, 1500, staged=False)
    page = page_factory()
    page.goto(live_app.url("review"))
    page.wait_for_selector("body[data-review-ready=true]")
    expect(page.locator("#ed-pos")).to_have_text("1 of 1500")
    cells = page.locator("#strip .cell").count()
    assert 0 < cells < 120, cells  # only the rows in view (plus a margin) exist
    page.keyboard.press("End")
    expect(page.locator("#ed-pos")).to_have_text("1500 of 1500")
    expect(page.locator("#strip .cell.current")).to_be_in_viewport()
    assert page.locator("#strip .cell").count() < 120
    page.keyboard.press("PageUp")
    assert page.locator("#ed-pos").inner_text().endswith("of 1500")
    assert page.locator("#ed-pos").inner_text() != "1500 of 1500"
