"""The vocabulary of the product: photo lifecycle statuses, legal moves, and the plain records
that the store hands out. No I/O here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    RECEIVED = "received"  # a candidate file of a set, nothing copied yet
    STAGED = "staged"  # a private copy exists; the original is never touched again
    DESCRIBED = "described"  # EXIF read, filename reserved
    PREPARED = "prepared"  # derivatives (model input, preview, thumb), hashes and signals made
    SCORED = "scored"  # quality rating computed
    PREFILLED = "prefilled"  # caption / alt text / keywords suggested
    IN_REVIEW = "in_review"  # waiting for the human decision
    APPROVED = "approved"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    REJECTED = "rejected"
    FAILED = "failed"  # a stage failed for this photo (failed_stage + error say which and why)
    QUARANTINED = "quarantined"  # kept crashing a model; set aside with its reason


# Pipeline statuses in their order; a photo only ever moves forward through them.
PIPELINE_ORDER: tuple[Status, ...] = (
    Status.RECEIVED,
    Status.STAGED,
    Status.DESCRIBED,
    Status.PREPARED,
    Status.SCORED,
    Status.PREFILLED,
    Status.IN_REVIEW,
)

_S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    _S.RECEIVED: frozenset({_S.STAGED, _S.FAILED}),
    _S.STAGED: frozenset({_S.DESCRIBED, _S.FAILED}),
    _S.DESCRIBED: frozenset({_S.PREPARED, _S.FAILED}),
    _S.PREPARED: frozenset({_S.SCORED, _S.PREFILLED, _S.IN_REVIEW, _S.FAILED, _S.QUARANTINED}),
    _S.SCORED: frozenset({_S.PREFILLED, _S.IN_REVIEW, _S.FAILED, _S.QUARANTINED}),
    _S.PREFILLED: frozenset({_S.IN_REVIEW, _S.FAILED}),
    _S.IN_REVIEW: frozenset({_S.APPROVED, _S.REJECTED}),
    _S.QUARANTINED: frozenset({_S.IN_REVIEW, _S.REJECTED}),
    _S.APPROVED: frozenset({_S.IN_REVIEW, _S.REJECTED, _S.PUBLISHING}),
    _S.PUBLISHING: frozenset({_S.PUBLISHED, _S.APPROVED}),
    _S.PUBLISHED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.FAILED: frozenset(),
}

# Statuses a human can act on in the review editor.
REVIEWABLE: frozenset[Status] = frozenset({_S.IN_REVIEW, _S.APPROVED, _S.QUARANTINED})
# Statuses that still hold a staged copy and a reserved name.
HOLDS_FILES: frozenset[Status] = frozenset(
    {_S.STAGED, _S.DESCRIBED, _S.PREPARED, _S.SCORED, _S.PREFILLED, _S.IN_REVIEW, _S.APPROVED,
     _S.PUBLISHING, _S.QUARANTINED}
)


def can_transition(src: Status | str, dst: Status | str) -> bool:
    return Status(dst) in TRANSITIONS[Status(src)]


class RunStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # by the user, or by a stage that needs a decision (see Run.pause_reason)
    INTERRUPTED = "interrupted"  # the app died while running; `resume` continues it
    DONE = "done"
    CANCELLED = "cancelled"
    ROLLED_BACK = "rolled_back"


# Columns holding JSON text in the store; the store encodes/decodes them.
JSON_FIELDS = frozenset({"keywords", "gps", "scores", "gate_issues", "clip_hints", "exif_extra", "dup_flags"})


@dataclass
class Photo:
    """One photo's row in the lifecycle store (plain data, no behaviour)."""

    id: int
    run_id: int
    set_id: int
    original_path: str
    original_name: str
    status: str = Status.RECEIVED.value
    stage_done: str = ""  # name of the last completed pipeline stage
    failed_stage: str = ""
    error: str = ""
    sha256: str = ""
    size_bytes: int = 0
    staged_path: str = ""
    # EXIF and initial metadata
    datetime: str = ""
    year: str = ""
    camera: str = ""
    lens: str = ""
    width: int = 0
    height: int = 0
    exposure: str = ""
    aperture: str = ""
    iso: int | None = None
    focal_length: int | None = None
    gps: dict[str, float] | None = None
    orientation: int = 1
    artist: str = ""
    copyright: str = ""
    color_profile: str = ""
    exif_extra: dict[str, Any] | None = None
    # naming and set context
    file_name: str = ""
    subject: str = ""
    location: str = ""
    category: str = ""
    # derivatives and signals
    model_input_path: str = ""
    preview_path: str = ""
    thumb_path: str = ""
    phash: str = ""
    sharpness: float | None = None
    brightness: float | None = None
    contrast: float | None = None
    dup_group: str = ""
    dup_keeper: bool = False
    dup_flags: dict[str, Any] | None = None
    # quality
    qr: float | None = None
    qc_status: str = "NA"
    scores: dict[str, Any] | None = None
    # AI text and gate
    caption: str = ""
    alt_text: str = ""
    keywords: list[str] = field(default_factory=list)
    title: str = ""
    clip_hints: list[Any] | None = None
    ai_model: str = ""
    gate_status: str = ""
    gate_issues: list[str] = field(default_factory=list)
    needs_manual_text: bool = False
    series_index: int = 0
    series_count: int = 0
    # publishing
    web_path: str = ""
    thumb_web_path: str = ""
    catalog_id: int | None = None
    publish_error: str = ""
    published_at: str = ""
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Photo:
        names = {f.name for f in fields(cls)}
        data: dict[str, Any] = {}
        for key, value in row.items():
            if key not in names:
                continue
            if key in JSON_FIELDS and isinstance(value, str):
                value = json.loads(value) if value else ([] if key in ("keywords", "gate_issues") else None)
            if key in ("dup_keeper", "needs_manual_text"):
                value = bool(value)
            if value is None and key in ("keywords", "gate_issues"):
                value = []
            data[key] = value
        return cls(**{k: v for k, v in data.items() if v is not None or k in _NULLABLE})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_NULLABLE = frozenset(f.name for f in fields(Photo) if f.default is None)


@dataclass
class PhotoSet:
    id: int
    run_id: int
    subject: str
    location: str
    category: str
    hint_keywords: str = ""
    sources: list[str] = field(default_factory=list)
    created_at: str = ""


@dataclass
class Run:
    id: int
    status: str
    stage: str = ""  # the stage in progress or last reached
    pause_reason: str = ""
    pause_choices: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    finished_at: str = ""
