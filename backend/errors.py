"""One error tree for the whole backend.

Every error a user can meet carries a message written for a photographer (what happened, what was
kept safe, what to do next) and the HTTP status the API translates it to. Boundaries (API, CLI)
translate these once; nothing else formats errors.
"""

from __future__ import annotations


class AppError(Exception):
    """Base of every expected failure. `code` is a stable machine-readable tag."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


class InvalidInput(AppError):
    status = 400
    code = "invalid_input"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    """The request clashes with the current state (illegal transition, name taken, run busy)."""

    status = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class NameTooLong(InvalidInput):
    code = "name_too_long"


class ServiceUnavailable(AppError):
    """An outside service (Ollama, FTP, MySQL) cannot be reached or refused us."""

    status = 503
    code = "service_unavailable"


class StageError(AppError):
    """A stage failed for one photo; the runner records it and the rest of the set continues."""

    status = 422
    code = "stage_failed"

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason
        self.args = (stage, reason)  # so it survives pickling out of a worker process


class InvalidImage(AppError):
    """A file is not a usable image. `reason` is the specific, user-facing explanation."""

    status = 422
    code = "invalid_image"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RunPaused(AppError):
    """A batch stage cannot go on without the user (e.g. no Ollama reachable).

    The runner pauses the run with `message` and offers `choices` (e.g. retry / manual / rollback).
    """

    status = 409
    code = "run_paused"

    def __init__(self, message: str, choices: tuple[str, ...] = ("retry", "rollback")) -> None:
        super().__init__(message)
        self.choices = choices
