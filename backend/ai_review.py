"""The review editor's Generate button: re-ask the model for one photo or a selection.

Why separate from review.py: it pulls in the model boundary (Ollama, CLIP) only when someone asks.
Rules: the new text must not duplicate another pending photo (one "make it different" retry, then a
clear message); the suggestion replaces the fields but never the status (an approved photo is not
regenerated behind the reviewer's back: it must be moved back to pending first); every suggestion
goes to the learning log.
"""

from __future__ import annotations

from typing import Any

from .errors import AppError
from .gate import DuplicateLedger, judge_batch
from .photo import Status
from .prompts import PromptContext
from .settings import Settings
from .stages.gate import PENDING, record_for
from .stages.prefill import LEARNED_FIELDS, series_positions
from .vision import ollama_client
from .vocabulary import policy_for

GENERATABLE = (Status.IN_REVIEW.value, Status.QUARANTINED.value, Status.PREFILLED.value)


def _clip(settings: Settings, path: str) -> list[dict[str, Any]]:
    try:
        from .vision import clip_hints

        return clip_hints.hinter(settings).hints(path)
    except Exception:  # hints are optional; the reason is in the pipeline log already
        return []


def generate(store: Any, settings: Settings, photo_ids: list[int]) -> list[dict[str, Any]]:
    """Per photo: {"id", "ok", "message"}; on success the suggestion is stored on the photo."""
    results = []
    policy = policy_for(settings, store)
    for pid in photo_ids:
        try:
            results.append(_generate_one(store, settings, pid, policy))
        except AppError as exc:
            results.append({"id": pid, "ok": False, "message": exc.message})
    return results


def _generate_one(store: Any, settings: Settings, pid: int, policy: Any) -> dict[str, Any]:
    photo = store.get_photo(pid)
    if photo.status not in GENERATABLE:
        return {"id": pid, "ok": False,
                "message": f"Photo {pid} is {photo.status}; move it back to pending before generating new text."}
    if not photo.model_input_path:
        return {"id": pid, "ok": False, "message": "This photo has no model input image; run Derivatives again."}
    ledger = DuplicateLedger()
    for other in store.photos(status=[*PENDING, Status.QUARANTINED.value]):
        if other.id != pid and (other.caption or other.alt_text):
            ledger.add(f"photo:{other.id}", other.caption, other.alt_text, other.keywords, source="pending")
    pset = store.get_set(photo.set_id)
    index, count = series_positions(store, [photo]).get(pid, (0, 0))
    hints = _clip(settings, photo.model_input_path)
    pctx = PromptContext(subject=photo.subject, location=photo.location, category=photo.category,
                         hint_keywords=pset.hint_keywords or "", clip_hints=hints, series_index=index,
                         series_count=count, keywords_count=settings.keywords_count)
    message = ""
    for _attempt in (1, 2):
        described = ollama_client.describe(settings, photo.model_input_path, pctx)
        a = described.answer
        candidate = photo.__class__(**{**photo.to_dict(), "caption": a.caption, "alt_text": a.alt_text,
                                       "keywords": a.keywords, "title": a.title, "clip_hints": hints})
        result = judge_batch([(f"photo:{pid}", record_for(candidate, pset.hint_keywords or ""))], ledger,
                             policy)[f"photo:{pid}"]
        sentence_dups = [d for d in result.duplicates if d["tag"] in ("duplicate_caption", "duplicate_alt",
                                                                       "near_duplicate_caption",
                                                                       "near_duplicate_alt")]
        for name in LEARNED_FIELDS:
            store.log_learning(pid, name, getattr(a, name), "", decision="ai_suggestion")
        if not sentence_dups:
            store.update_photo(pid, caption=result.caption, alt_text=result.alt_text, keywords=result.keywords,
                               title=a.title, clip_hints=hints, ai_model=described.model,
                               gate_status=result.status, gate_issues=result.gate_issues,
                               needs_manual_text=False)
            store.record_event("ai_generate", photo_id=pid, model=described.model, gate_status=result.status)
            return {"id": pid, "ok": True, "message": f"New text from {described.model} ({result.status})."}
        others = sorted({d["other"] for d in sentence_dups})
        message = (f"The model's text repeats another pending photo ({', '.join(others)}); "
                   "nothing was changed. Edit the text by hand or press Generate again.")
        avoid = []
        for owner in others:
            if owner.startswith("photo:"):
                o = store.get_photo(int(owner.split(":")[1]))
                avoid += [o.caption, o.alt_text]
        pctx = pctx.with_nudge("different", [t for t in avoid if t])
    store.record_event("ai_generate_refused", photo_id=pid, reason=message)
    return {"id": pid, "ok": False, "message": message}
