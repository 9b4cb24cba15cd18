"""Pipeline stages: one small module per stage, each a verb-named function with one signature.

A per-photo stage is `run(ctx, photo) -> dict` returning the column updates for that photo, or
raising `StageError(stage, reason)` to fail just that photo. A batch stage is
`run_batch(ctx, photos) -> Iterator[tuple[int, dict | StageError]]`, yielding one outcome per photo
id (used where photos must be seen together: duplicates, prefill, the gate). A batch stage may raise
`RunPaused` when it cannot continue without the user. The runner (pipeline.py) owns ordering,
skipping, persistence, status moves, errors and progress; stages never write photo rows themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..publish.catalog import Catalog
    from ..settings import Settings
    from ..store import Store


@dataclass
class StageContext:
    settings: Settings
    store: Store
    run_id: int
    emit: Callable[[dict[str, Any]], None] = lambda event: None  # progress / log lines for the UI
    cancelled: Callable[[], bool] = lambda: False
    options: dict[str, Any] = field(default_factory=dict)  # run options, e.g. on_ai_unavailable
    catalog: Catalog | None = None  # the published catalog mirror (names, hashes, texts)
