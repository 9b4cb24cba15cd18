"""Run progress as the user sees it: per-stage counts, measured rates and an honest ETA.

Counts come from the store (so any process can show them); rates are measured while a stage runs,
and stages not started yet use the median seconds-per-photo of earlier runs (no rate, no ETA: the
UI says "unknown" rather than guess).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .store import Store


class _Named(Protocol):
    name: str
    label: str


@dataclass
class Rate:
    started: float = 0.0
    done: int = 0
    finished: float = 0.0

    def per_second(self) -> float | None:
        if not self.done:
            return None
        end = self.finished or time.monotonic()
        return self.done / max(end - self.started, 1e-6)


def historic_seconds_per_photo(store: Store) -> dict[str, float]:
    samples: dict[str, list[float]] = {}
    for event in store.events(kind="stage_rate")[-200:]:
        detail = event["detail"]
        samples.setdefault(detail["stage"], []).append(float(detail["seconds_per_photo"]))
    return {k: sorted(v)[len(v) // 2] for k, v in samples.items()}


def snapshot(store: Store, stages: Sequence[_Named], run_id: int, rates: dict[str, Rate]) -> dict[str, Any]:
    """Per-stage counts, rates and ETA for a run (one small SELECT: it is called while the run goes)."""
    run = store.get_run(run_id)
    index = {s.name: i for i, s in enumerate(stages)}
    rows = store.photo_summaries(("stage_done", "failed_stage"), run_id=run_id)
    history = historic_seconds_per_photo(store)
    out = []
    eta_total: float | None = 0.0
    for i, stage in enumerate(stages):
        ok = failed = skipped = 0
        for row in rows:
            failed_at = index.get(row["failed_stage"], -1) if row["failed_stage"] else None
            if failed_at is not None and failed_at < i:
                skipped += 1
            elif failed_at == i:
                failed += 1
            elif index.get(row["stage_done"], -1) >= i:
                ok += 1
        total = len(rows) - skipped
        remaining = max(0, total - ok - failed)
        rate = rates[stage.name].per_second() if stage.name in rates else None
        if rate is None and stage.name in history:
            rate = 1.0 / max(history[stage.name], 1e-6)
        eta = remaining / rate if (rate and remaining) else (0.0 if not remaining else None)
        if eta_total is not None:
            eta_total = None if eta is None else eta_total + eta
        out.append({"name": stage.name, "label": stage.label, "total": total, "done": ok + failed, "ok": ok,
                    "failed": failed, "skipped": skipped, "rate": round(rate, 3) if rate else None,
                    "eta_s": round(eta, 1) if eta is not None else None})
    return {"run": run.__dict__, "stages": out, "eta_s": round(eta_total, 1) if eta_total is not None else None,
            "counts": store.count_by_status(run_id)}
