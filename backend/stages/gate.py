"""Stage `gate`: the metadata quality gate over the whole batch, then the prefill QC report.

Why a batch stage: duplicates are judged across the set, the pending review queue and the published
catalog at once. The gate repairs what is safe, labels the rest and stores a verdict per photo; it
never holds a photo back from review (the human decides), it only tells the reviewer where to look.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import StageError
from ..gate import FAIL_BLOCKED, DuplicateLedger, GateResult, cached_catalog_ledger, judge_batch, verdict
from ..gate_rules import TextRecord, lint_record
from ..photo import Photo, Status
from ..qc_report import summary_line, write_report
from ..vocabulary import policy_for
from . import StageContext

STAGE = "gate"
PENDING = (Status.IN_REVIEW.value, Status.APPROVED.value, Status.PUBLISHING.value)


def record_for(photo: Photo, hint_keywords: str = "") -> TextRecord:
    return TextRecord(caption=photo.caption, alt_text=photo.alt_text, keywords=list(photo.keywords),
                      title=photo.title, subject=photo.subject, location=photo.location,
                      category=photo.category, file_name=photo.file_name, original_name=photo.original_name,
                      hint_keywords=hint_keywords, clip_hints=list(photo.clip_hints or []))


def pending_ledger(store: Any, exclude: set[int], catalog_rows: list[dict[str, Any]] | None,
                   exclude_names: set[str]) -> DuplicateLedger:
    """Ledger with the pending queue (other photos awaiting review/publish) and the published catalog."""
    folded = {n.casefold() for n in exclude_names}
    rows = [r for r in catalog_rows or () if str(r.get("File_Name") or "").casefold() not in folded]
    ledger = cached_catalog_ledger(rows) if rows else DuplicateLedger()
    for p in store.photos(status=list(PENDING)):
        if p.id not in exclude and (p.caption or p.alt_text or p.keywords):
            ledger.add(f"photo:{p.id}", p.caption, p.alt_text, p.keywords, source="pending")
    return ledger


def _catalog_rows(ctx: StageContext) -> list[dict[str, Any]]:
    source = ctx.options.get("catalog_texts")
    if not callable(source):
        return []
    try:
        return list(source())
    except Exception as exc:  # an unreadable catalog costs the catalog check, not the run
        ctx.emit({"type": "log", "stage": STAGE, "level": "warning",
                  "message": f"The published catalog could not be read for duplicate checks: {exc}"})
        return []


def judge_photos(ctx: StageContext, photos: list[Photo]) -> dict[int, GateResult]:
    ids = {p.id for p in photos}
    ledger = pending_ledger(ctx.store, ids, _catalog_rows(ctx), {p.file_name for p in photos if p.file_name})
    hints = {sid: ctx.store.get_set(sid).hint_keywords or "" for sid in {p.set_id for p in photos}}
    records = [(f"photo:{p.id}", record_for(p, hints[p.set_id])) for p in photos]
    results = judge_batch(records, ledger, policy_for(ctx.settings, ctx.store))
    out: dict[int, GateResult] = {}
    for p in photos:
        res = results[f"photo:{p.id}"]
        if p.needs_manual_text:
            res.status = FAIL_BLOCKED
            res.issues = ["needs_manual_text", *res.issues]
        out[p.id] = res
    return out


def recheck(store: Any, settings: Any, photo: Photo, catalog_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Judge a human's edited text again (lint + duplicates), without repairing it: the findings the
    reviewer sees stay current, and the human's words are never rewritten."""
    ledger = pending_ledger(store, {photo.id}, catalog_rows, {photo.file_name} if photo.file_name else set())
    rec = record_for(photo, store.get_set(photo.set_id).hint_keywords or "")
    policy = policy_for(settings, store)
    issues = lint_record(rec, policy)
    issues += [d["tag"] for d in ledger.check(f"photo:{photo.id}", rec.caption, rec.alt_text, rec.keywords)
               if d["tag"] not in issues]
    return {"gate_status": verdict(issues, issues), "gate_issues": issues}


def run_batch(ctx: StageContext, photos: list[Photo]) -> Iterator[tuple[int, dict[str, Any] | StageError]]:
    if not photos:
        return
    results = judge_photos(ctx, photos)
    manual = {p.id for p in photos if p.needs_manual_text}
    summary = write_report(ctx.settings.reports_dir, ctx.run_id, photos, results, manual)
    ctx.emit({"type": "log", "stage": STAGE, "message": summary_line(summary), "report": summary})
    ctx.store.record_event("prefill_qc", run_id=ctx.run_id, **{k: v for k, v in summary.items()
                                                                if k not in ("top_issues", "run_id")})
    for p in photos:
        res = results[p.id]
        yield p.id, {"caption": res.caption, "alt_text": res.alt_text, "keywords": res.keywords,
                     "gate_status": res.status, "gate_issues": res.gate_issues}
