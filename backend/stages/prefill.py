"""Stage `prefill`: caption, alt text, keywords (and a title) for each photo from the vision model.

Why a batch stage: frames of one series must get distinct text, so each photo is written knowing
what its siblings already got; and a missing Ollama is a run-level decision (pause, continue without
AI text, or roll back), not a per-photo failure. A photo that keeps failing is quarantined with its
reason and the run goes on. CLIP hints are optional: without weights the stage logs once and goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from ..errors import RunPaused, StageError
from ..gate import DuplicateLedger, is_blocking, repair_record
from ..gate_rules import TextRecord, lint_record
from ..photo import Photo, Status
from ..prompts import PromptContext
from ..vision import ollama_client
from ..vision.ollama_client import AIUnavailable, DescribeFailed
from ..vocabulary import VocabularyPolicy, policy_for
from . import StageContext

STAGE = "prefill"
PAUSE_CHOICES = ("retry", "manual", "rollback")
LEARNED_FIELDS = ("caption", "alt_text", "keywords", "title")


class ClipSource:
    """CLIP hints for the batch; says once (in the log) why there are none, then stays quiet."""

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        self._hinter: Any = None
        self._off = False
        self._lock = threading.Lock()

    def hints(self, path: str) -> list[dict[str, Any]]:
        if self._off or not self.ctx.settings.clip_labels:
            return []
        try:
            from ..vision import clip_hints

            with self._lock:
                self._hinter = self._hinter or clip_hints.hinter(self.ctx.settings)
                return self._hinter.hints(path)
        except Exception as exc:  # any CLIP problem costs the hints, never the photo
            self._off = True
            self.ctx.emit({"type": "log", "stage": STAGE, "level": "warning",
                           "message": getattr(exc, "message", None) or f"CLIP hints are off: {exc}"})
            return []


def series_positions(store: Any, photos: list[Photo]) -> dict[int, tuple[int, int]]:
    """1-based position of each photo in its set (by original name), and the set's size."""
    out: dict[int, tuple[int, int]] = {}
    for set_id in {p.set_id for p in photos}:
        members = [p for p in store.photos(set_id=set_id)
                   if p.status not in (Status.FAILED, Status.REJECTED)]
        members.sort(key=lambda p: (p.original_name.lower(), p.id))
        for i, p in enumerate(members, start=1):
            out[p.id] = (i, len(members))
    return out


def _record(photo: Photo, text: dict[str, Any], hint_keywords: str) -> TextRecord:
    return TextRecord(caption=text["caption"], alt_text=text["alt_text"], keywords=list(text["keywords"]),
                      subject=photo.subject, location=photo.location, category=photo.category,
                      file_name=photo.file_name, original_name=photo.original_name,
                      hint_keywords=hint_keywords, clip_hints=text.get("clip_hints") or [])


class Prefiller:
    """Writes text for photos of one batch, keeping frames of a series apart."""

    def __init__(self, ctx: StageContext, photos: list[Photo]) -> None:
        self.ctx = ctx
        self.captioner = ollama_client.captioner(ctx.settings)
        self.clip = ClipSource(ctx)
        self.series = series_positions(ctx.store, photos)
        self.policy: VocabularyPolicy = policy_for(ctx.settings, ctx.store)
        self.ledger = DuplicateLedger(near=0.85)
        self._lock = threading.Lock()
        self._hints: dict[int, str] = {}
        batch = {p.id for p in photos}
        for set_id in {p.set_id for p in photos}:
            self._hints[set_id] = ctx.store.get_set(set_id).hint_keywords or ""
            for p in ctx.store.photos(set_id=set_id):
                if p.id not in batch and p.caption:
                    self.ledger.add(f"photo:{p.id}", p.caption, p.alt_text, p.keywords)

    def _ask(self, photo: Photo, pctx: PromptContext) -> dict[str, Any]:
        d = self.captioner.describe(photo.model_input_path, pctx)
        return {"caption": d.answer.caption, "alt_text": d.answer.alt_text, "keywords": d.answer.keywords,
                "title": d.answer.title, "ai_model": d.model}

    def _problems(self, photo: Photo, text: dict[str, Any]) -> tuple[int, list[str]]:
        """(score: lower is better, texts to avoid) for one candidate answer."""
        rec = repair_record(_record(photo, text, self._hints.get(photo.set_id, "")), self.policy)
        blocking = [t for t in lint_record(rec, self.policy) if is_blocking(t)]
        with self._lock:
            dups = self.ledger.check(f"photo:{photo.id}", rec.caption, rec.alt_text, rec.keywords)
        sentence_dups = [d for d in dups if d["tag"].endswith(("caption", "alt"))]
        return len(blocking) + 2 * len(sentence_dups), [d["other"] for d in sentence_dups]

    def describe(self, photo: Photo) -> dict[str, Any]:
        index, count = self.series.get(photo.id, (0, 0))
        hints = self.clip.hints(photo.model_input_path) if photo.model_input_path else []
        pctx = PromptContext(subject=photo.subject, location=photo.location, category=photo.category,
                             hint_keywords=self._hints.get(photo.set_id, ""), clip_hints=hints,
                             series_index=index, series_count=count,
                             keywords_count=self.ctx.settings.keywords_count)
        best = self._ask(photo, pctx)
        score, others = self._problems(photo, {**best, "clip_hints": hints})
        if score:  # one quality retry: "make it different" or "write it properly"
            avoid = self._texts(others)
            nudged = pctx.with_nudge("different", avoid) if others else pctx.with_nudge("longer")
            try:
                again = self._ask(photo, nudged)
            except DescribeFailed:
                again = None
            if again is not None and self._problems(photo, {**again, "clip_hints": hints})[0] < score:
                best = again
        with self._lock:
            self.ledger.add(f"photo:{photo.id}", best["caption"], best["alt_text"], best["keywords"])
        return {**best, "clip_hints": hints, "series_index": index, "series_count": count,
                "needs_manual_text": False}

    def _texts(self, owners: list[str]) -> list[str]:
        out = []
        for owner in owners:
            if owner.startswith("photo:"):
                p = self.ctx.store.get_photo(int(owner.split(":")[1]))
                out += [p.caption, p.alt_text]
        return [t for t in out if t]


def _manual(photos: list[Photo]) -> Iterator[tuple[int, dict[str, Any]]]:
    for p in photos:
        yield p.id, {"needs_manual_text": True}


def _unavailable(ctx: StageContext, photos: list[Photo], exc: AIUnavailable) -> Iterator[tuple[int, dict[str, Any]]]:
    if ctx.options.get("on_ai_unavailable") == "manual":
        ctx.emit({"type": "log", "stage": STAGE, "level": "warning",
                  "message": f"{exc.message} Continuing without AI text: {len(photos)} photo(s) go to review "
                             "marked for manual text."})
        yield from _manual(photos)
        return
    raise RunPaused(f"{exc.message} Choose Retry once Ollama is running, Continue without AI text "
                    "(you write the text in review), or Roll back this run.", choices=PAUSE_CHOICES)


def run_batch(ctx: StageContext, photos: list[Photo]) -> Iterator[tuple[int, dict[str, Any] | StageError]]:
    if not photos:
        return
    captioner = ollama_client.captioner(ctx.settings)
    try:
        captioner.usable_models()
    except AIUnavailable as exc:
        yield from _unavailable(ctx, photos, exc)
        return
    for info in captioner.probe():
        ctx.emit({"type": "log", "stage": STAGE, "message": info["line"], "probe": info})
    worker = Prefiller(ctx, photos)
    slots = max(1, ctx.settings.ollama_concurrency) * max(1, len(ctx.settings.ollama_hosts))
    todo = list(photos)
    with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="prefill") as pool:
        running: dict[Future[dict[str, Any]], Photo] = {}
        while todo or running:
            while todo and len(running) < slots and not ctx.cancelled():
                photo = todo.pop(0)
                running[pool.submit(worker.describe, photo)] = photo
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                photo = running.pop(future)
                try:
                    text = future.result()
                except AIUnavailable as exc:
                    for f in running:
                        f.cancel()
                    rest = [photo, *running.values(), *todo]
                    running.clear()
                    todo.clear()
                    yield from _unavailable(ctx, rest, exc)
                    return
                except DescribeFailed as exc:
                    if exc.kind == "missing_input":
                        yield photo.id, StageError(STAGE, exc.message)
                    else:
                        yield photo.id, {"_quarantine": f"The vision model kept failing on this photo "
                                                        f"({exc.kind}): {exc.message}"}
                    continue
                for field in LEARNED_FIELDS:
                    ctx.store.log_learning(photo.id, field, text[field], "", decision="ai_suggestion")
                yield photo.id, text
