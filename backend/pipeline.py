"""The stage list, in one place, and the runner that drives photos through it.

The runner, not the stages, decides what each stage sees: photos of the run that have not failed
and whose `stage_done` is before the stage. It persists every outcome at once (so a killed app loses
at most the photo in flight), isolates failures per photo, publishes progress events, and can pause,
cancel, resume after a crash, or roll a run back.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from types import ModuleType
from typing import Any

from . import cleanup, progress
from .errors import AppError, Conflict, RunPaused, StageError
from .events import EventBus
from .photo import Photo, Run, RunStatus, Status
from .progress import Rate
from .publish.catalog import Catalog
from .settings import Settings
from .stages import StageContext, dedupe, derive, exif, gate, name, prefill, score, stage_copy, validate
from .store import Store


@dataclass(frozen=True)
class Stage:
    name: str
    label: str
    module: ModuleType
    kind: str  # "photo": run(ctx, photo) | "pool": job()/apply() in worker processes | "batch": run_batch()
    to_status: Status | None = None  # status a photo moves to when this stage succeeds


# The pipeline, in order: the one place that says what runs when.
STAGES: tuple[Stage, ...] = (
    Stage("validate", "Validate", validate, "pool"),
    Stage("stage_copy", "Stage copies", stage_copy, "photo", Status.STAGED),
    Stage("exif", "EXIF", exif, "photo", Status.DESCRIBED),
    Stage("name", "Filenames", name, "photo"),
    Stage("derive", "Derivatives", derive, "pool", Status.PREPARED),
    Stage("score", "Quality", score, "photo", Status.SCORED),
    Stage("dedupe", "Duplicates", dedupe, "batch"),
    Stage("prefill", "AI text", prefill, "batch", Status.PREFILLED),
    Stage("gate", "Quality gate", gate, "batch"),
)
STAGE_INDEX = {s.name: i for i, s in enumerate(STAGES)}
PROGRESS_INTERVAL_S = 0.25
TERMINAL = {Status.FAILED.value, Status.QUARANTINED.value, Status.REJECTED.value, Status.PUBLISHED.value}


def stage_reached(photo: Photo) -> int:
    """Index of the last completed stage (-1 when none)."""
    return STAGE_INDEX.get(photo.stage_done, -1)


@dataclass
class _RunState:
    pause: threading.Event = field(default_factory=threading.Event)
    cancel: threading.Event = field(default_factory=threading.Event)
    rates: dict[str, Rate] = field(default_factory=dict)
    last_emit: float = 0.0


class Runner:
    """Runs pipelines. One background worker thread serves the app; the CLI calls `process()` directly."""

    def __init__(self, settings: Settings, store: Store, catalog: Catalog, bus: EventBus | None = None) -> None:
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.bus = bus or EventBus()
        self._states: dict[int, _RunState] = {}
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._active: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def mark_interrupted(self) -> list[Run]:
        """At start-up: runs left 'running' by a process that is gone are interrupted (resumable)."""
        found = []
        for run in self.store.list_runs(status=RunStatus.RUNNING.value):
            pid = int(run.options.get("pid", 0))
            if pid and pid != os.getpid() and _alive(pid):
                continue
            found.append(self.store.set_run_status(run.id, RunStatus.INTERRUPTED, stage=run.stage))
        return found

    def start_worker(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="pipeline-worker", daemon=True)
                self._thread.start()

    def submit(self, run_id: int) -> None:
        self.start_worker()
        self._queue.put(run_id)

    def shutdown(self) -> None:
        self._queue.put(None)
        for state in self._states.values():
            state.pause.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _work(self) -> None:
        while True:
            run_id = self._queue.get()
            if run_id is None:
                return
            try:
                self.process(run_id)
            except Exception as exc:  # the worker must survive any run's failure
                self.bus.publish({"type": "log", "run_id": run_id, "level": "error",
                                  "message": f"The run stopped unexpectedly: {exc}"})

    def _state(self, run_id: int) -> _RunState:
        return self._states.setdefault(run_id, _RunState())

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.settings.worker_count,
                                             mp_context=get_context("spawn"))
        return self._pool

    # -- control -----------------------------------------------------------------------------
    def pause(self, run_id: int) -> Run:
        run = self.store.get_run(run_id)
        if run.status != RunStatus.RUNNING:
            raise Conflict(f"Run {run_id} is {run.status}; only a running run can be paused.")
        self._state(run_id).pause.set()
        return self.store.set_run_status(run_id, RunStatus.PAUSED, pause_reason="Paused by you.",
                                         pause_choices=("resume", "cancel", "rollback"))

    def resume(self, run_id: int, *, background: bool = True, **options: Any) -> Run:
        run = self.store.get_run(run_id)
        if run.status not in (RunStatus.PAUSED, RunStatus.INTERRUPTED):
            raise Conflict(f"Run {run_id} is {run.status}; only a paused or interrupted run can resume.")
        if options:
            self.store.update_run_options(run_id, **options)
        state = self._state(run_id)
        state.pause.clear()
        state.cancel.clear()
        run = self.store.set_run_status(run_id, RunStatus.RUNNING, stage=run.stage)
        self.store.update_run_options(run_id, pid=os.getpid())
        if background:
            self.submit(run_id)
        return run

    def cancel(self, run_id: int) -> Run:
        """Stop the run; photos not yet in review are undone, reviewed ones stay."""
        run = self.store.get_run(run_id)
        if run.status in (RunStatus.DONE, RunStatus.CANCELLED, RunStatus.ROLLED_BACK):
            raise Conflict(f"Run {run_id} is already {run.status}.")
        state = self._state(run_id)
        state.cancel.set()
        self._wait_idle(run_id)
        for photo in self.store.photos(run_id=run_id):
            if photo.status not in TERMINAL and photo.status not in (Status.IN_REVIEW, Status.APPROVED,
                                                                     Status.PUBLISHING):
                cleanup.undo_photo(self.store, photo, reason="run cancelled")
        return self.store.set_run_status(run_id, RunStatus.CANCELLED)

    def rollback(self, run_id: int) -> Run:
        """Remove everything the run made: rows, staged copies, derivatives, name reservations.

        Published photos are already on the website and are kept; everything else goes.
        """
        run = self.store.get_run(run_id)
        if run.status == RunStatus.ROLLED_BACK:
            raise Conflict(f"Run {run_id} was already rolled back.")
        state = self._state(run_id)
        state.cancel.set()
        self._wait_idle(run_id)
        return self._rolled_back(run_id, "Rolled back at your request.")

    def _rolled_back(self, run_id: int, reason: str) -> Run:
        removed = cleanup.rollback_run(self.store, self.settings, run_id)
        self.bus.publish({"type": "log", "run_id": run_id, "message": f"{reason} Removed {removed} photo(s)."})
        run = self.store.set_run_status(run_id, RunStatus.ROLLED_BACK, pause_reason=reason)
        self.bus.publish({"type": "run", "run": run.__dict__})
        return run

    def _wait_idle(self, run_id: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self._active == run_id and time.monotonic() < deadline:
            time.sleep(0.05)

    # -- the loop ----------------------------------------------------------------------------
    def process(self, run_id: int) -> Run:
        """Drive every photo of the run through the remaining stages; returns the run at the end."""
        state = self._state(run_id)
        self._active = run_id
        try:
            run = self.store.get_run(run_id)
            if run.status != RunStatus.RUNNING:
                return run
            self.store.update_run_options(run_id, pid=os.getpid())
            for index, stage in enumerate(STAGES):
                if state.pause.is_set() or state.cancel.is_set():
                    return self.store.get_run(run_id)
                todo = [p for p in self.store.photos(run_id=run_id)
                        if p.status not in TERMINAL and stage_reached(p) < index]
                self.store.set_run_stage(run_id, stage.name)
                ctx = self._context(run_id, state)
                rate = state.rates.setdefault(stage.name, Rate())
                rate.started, rate.done, rate.finished = time.monotonic(), 0, 0.0
                self._emit_progress(run_id)
                try:
                    self._run_stage(ctx, stage, todo, state)
                except RunPaused as paused:
                    if ctx.options.get("on_ai_unavailable") == "rollback" and "rollback" in paused.choices:
                        return self._rolled_back(run_id, paused.message)
                    run = self.store.set_run_status(run_id, RunStatus.PAUSED, stage=stage.name,
                                                    pause_reason=paused.message,
                                                    pause_choices=paused.choices)
                    self.bus.publish({"type": "run", "run": run.__dict__})
                    return run
                rate.finished = time.monotonic()
                self._emit_progress(run_id)
                if todo and rate.done:
                    self.store.record_event("stage_rate", run_id=run_id, stage=stage.name,
                                            seconds_per_photo=(rate.finished - rate.started) / rate.done)
            if state.pause.is_set() or state.cancel.is_set():
                return self.store.get_run(run_id)
            for photo in self.store.photos(run_id=run_id):
                if photo.status not in TERMINAL and photo.stage_done == STAGES[-1].name \
                        and photo.status != Status.IN_REVIEW:
                    self.store.advance(photo.id, Status.IN_REVIEW)
            run = self.store.set_run_status(run_id, RunStatus.DONE, stage="review")
            self._emit_progress(run_id)
            self.bus.publish({"type": "run", "run": run.__dict__})
            return run
        finally:
            self._active = None

    def _context(self, run_id: int, state: _RunState) -> StageContext:
        run = self.store.get_run(run_id)
        options = {"on_ai_unavailable": self.settings.on_ai_unavailable, **run.options,
                   "catalog_texts": self.catalog.texts}
        return StageContext(settings=self.settings, store=self.store, run_id=run_id,
                            emit=lambda event: self.bus.publish({"run_id": run_id, **event}),
                            cancelled=lambda: state.pause.is_set() or state.cancel.is_set(),
                            options=options, catalog=self.catalog)

    def _run_stage(self, ctx: StageContext, stage: Stage, todo: list[Photo], state: _RunState) -> None:
        stop = ctx.cancelled
        if stage.kind == "photo":
            for photo in todo:
                if stop():
                    return
                self._settle(ctx, stage, photo, partial(stage.module.run, ctx, photo))
        elif stage.kind == "pool":
            self._run_pool(ctx, stage, todo)
        else:
            by_id = {p.id: p for p in todo}
            if not todo:
                return
            for photo_id, outcome in stage.module.run_batch(ctx, todo):
                photo = by_id[photo_id]
                self._settle(ctx, stage, photo, partial(_raise_or_return, outcome))
                if stop():
                    return

    def _run_pool(self, ctx: StageContext, stage: Stage, todo: list[Photo]) -> None:
        """Submit CPU-heavy jobs to the process pool with a bounded number in flight (flat memory)."""
        pool = self.pool()
        limit = self.settings.worker_count * 2
        pending: dict[Future[Any], Photo] = {}
        photos = iter(todo)
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit and not ctx.cancelled():
                photo = next(photos, None)
                if photo is None:
                    exhausted = True
                    break
                fn, args = stage.module.job(ctx, photo)
                pending[pool.submit(fn, *args)] = photo
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                photo = pending.pop(future)
                self._settle(ctx, stage, photo, partial(_apply_pooled, ctx, stage, photo, future))

    def _settle(self, ctx: StageContext, stage: Stage, photo: Photo,
                produce: Callable[[], dict[str, Any]]) -> None:
        """Run one photo's stage outcome and persist it: success, failure or quarantine."""
        rate = self._state(ctx.run_id).rates.setdefault(stage.name, Rate())
        try:
            updates = dict(produce() or {})
            quarantine = updates.pop("_quarantine", None)
            if quarantine:
                settled = self.store.advance(photo.id, Status.QUARANTINED, failed_stage=stage.name,
                                             error=str(quarantine), stage_done=stage.name, **updates)
            elif stage.to_status is not None and photo.status != stage.to_status:
                settled = self.store.advance(photo.id, stage.to_status, stage_done=stage.name, **updates)
            else:
                settled = self.store.update_photo(photo.id, stage_done=stage.name, **updates)
        except StageError as exc:
            settled = cleanup.fail_photo(self.store, photo.id, exc.stage or stage.name, exc.reason)
        except AppError as exc:
            settled = cleanup.fail_photo(self.store, photo.id, stage.name, exc.message)
        except RunPaused:
            raise
        except Exception as exc:  # an unexpected bug fails this photo, not the run
            settled = cleanup.fail_photo(self.store, photo.id, stage.name, f"unexpected error: {exc!r}")
        rate.done += 1
        self.bus.publish({"type": "photo", "run_id": ctx.run_id, "id": photo.id, "status": settled.status})
        self._emit_progress(ctx.run_id, force=False)

    # -- progress ----------------------------------------------------------------------------
    def _emit_progress(self, run_id: int, *, force: bool = True) -> None:
        """Publish a progress snapshot; per-photo calls are throttled (a snapshot queries every photo of the run)."""
        state = self._state(run_id)
        now = time.monotonic()
        if not force and now - state.last_emit < PROGRESS_INTERVAL_S:
            return
        state.last_emit = now
        self.bus.publish({"type": "progress", "run_id": run_id, **self.snapshot(run_id)})

    def snapshot(self, run_id: int) -> dict[str, Any]:
        state = self._states.get(run_id)
        return progress.snapshot(self.store, STAGES, run_id, state.rates if state else {})


def _raise_or_return(outcome: dict[str, Any] | StageError) -> dict[str, Any]:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _apply_pooled(ctx: StageContext, stage: Stage, photo: Photo, future: Future[Any]) -> dict[str, Any]:
    try:
        result = future.result()
    except AppError as exc:
        raise StageError(stage.name, getattr(exc, "reason", exc.message)) from exc
    updates: dict[str, Any] = stage.module.apply(ctx, photo, result)
    return updates


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def create_run(store: Store, sets: Iterable[dict[str, Any]], *, options: dict[str, Any],
               scan: Callable[[list[str]], tuple[list[str], list[tuple[str, str]]]]) -> Run:
    """Record a new run with its sets and candidate photos; files refused at intake are recorded as skipped."""
    run = store.add_run({**options, "pid": os.getpid()})
    for spec in sets:
        ps = store.add_set(run.id, spec["subject"], spec["location"], spec["category"],
                           spec.get("hint_keywords", ""), spec["paths"])
        candidates, skipped = scan(list(spec["paths"]))
        for path, reason in skipped:
            store.skip(run.id, path, reason)
        for path in candidates:
            size = os.path.getsize(path)
            store.add_photo(run.id, ps.id, str(path), os.path.basename(path), size)
    return store.get_run(run.id)
