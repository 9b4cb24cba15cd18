"""The lifecycle store: the only module that imports `dataset`.

All state of runs, sets, photos, name reservations, events and the learning log lives in one SQLite
file. The schema is declared here and applied by named migrations (never grown by an insert with a
new key). Every unit of work, reads included, runs in one short transaction under a process-wide lock,
so the API threads and the pipeline worker can share one Store safely; SQLite's own locking (WAL,
busy timeout) covers a second process such as the CLI.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dataset
from sqlalchemy.exc import IntegrityError

from .errors import IllegalTransition, NotFound
from .photo import JSON_FIELDS, Photo, PhotoSet, Run, RunStatus, Status, can_transition
from .schema import MIGRATIONS


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


PHOTO_FIELD_NAMES = tuple(f.name for f in fields(Photo))


def _encode(key: str, value: Any) -> Any:
    if key in JSON_FIELDS:
        return None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(value, Status):
        return value.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Path):
        return str(value)
    return value


class Store:
    """Intention-named operations over the lifecycle database."""

    def __init__(self, db_path: Path | str) -> None:
        self.path = Path(db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = dataset.connect(
            f"sqlite:///{self.path}",
            engine_kwargs={"connect_args": {"check_same_thread": False, "timeout": 30}},
            on_connect_statements=["PRAGMA busy_timeout=30000", "PRAGMA foreign_keys=ON"],
        )
        self._lock = threading.RLock()
        self._depth = threading.local()
        self._migrate()

    # -- plumbing ---------------------------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """One short transaction; re-entrant on the same thread (inner blocks join the outer)."""
        with self._lock:
            depth = getattr(self._depth, "n", 0)
            if depth:
                self._depth.n = depth + 1
                try:
                    yield self._db
                finally:
                    self._depth.n = depth
                return
            self._depth.n = 1
            try:
                with self._db as db:
                    yield db
            finally:
                self._depth.n = 0

    def _migrate(self) -> None:
        with self._tx() as db:
            db.query("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
            done = {r["name"] for r in db.query("SELECT name FROM schema_migrations")}
            for name, statements in MIGRATIONS:
                if name in done:
                    continue
                for sql in statements:
                    db.query(sql)
                db["schema_migrations"].insert({"name": name, "applied_at": now()})

    def applied_migrations(self) -> list[str]:
        with self._tx() as db:
            return [r["name"] for r in db.query("SELECT name FROM schema_migrations ORDER BY name")]

    def table_columns(self, table: str) -> list[str]:
        with self._tx() as db:
            return [r["name"] for r in db.query(f"PRAGMA table_info({table})")]

    def close(self) -> None:
        self._db.close()

    # -- runs and sets ----------------------------------------------------------------------
    @staticmethod
    def _run(row: dict[str, Any]) -> Run:
        return Run(
            id=row["id"], status=row["status"], stage=row["stage"], pause_reason=row["pause_reason"],
            pause_choices=json.loads(row["pause_choices"]), options=json.loads(row["options"]),
            created_at=row["created_at"], updated_at=row["updated_at"], finished_at=row["finished_at"],
        )

    def add_run(self, options: dict[str, Any] | None = None) -> Run:
        with self._tx() as db:
            ts = now()
            run_id = db["runs"].insert({
                "status": RunStatus.RUNNING.value, "options": json.dumps(options or {}),
                "created_at": ts, "updated_at": ts,
            })
            self.record_event("run_created", run_id=run_id)
            return self.get_run(run_id)

    def get_run(self, run_id: int) -> Run:
        with self._tx() as db:
            row = db["runs"].find_one(id=run_id)
        if row is None:
            raise NotFound(f"There is no run {run_id}.")
        return self._run(row)

    def list_runs(self, status: Sequence[str] | str | None = None) -> list[Run]:
        with self._tx() as db:
            query: dict[str, Any] = {}
            if status is not None:
                query["status"] = [status] if isinstance(status, str) else list(status)
            return [self._run(r) for r in db["runs"].find(order_by=["-id"], **query)]

    def set_run_status(self, run_id: int, status: RunStatus | str, *, stage: str | None = None,
                       pause_reason: str = "", pause_choices: Sequence[str] = ()) -> Run:
        status = RunStatus(status)
        with self._tx() as db:
            row: dict[str, Any] = {
                "id": run_id, "status": status.value, "updated_at": now(), "pause_reason": pause_reason,
                "pause_choices": json.dumps(list(pause_choices)),
            }
            if stage is not None:
                row["stage"] = stage
            if status in (RunStatus.DONE, RunStatus.CANCELLED, RunStatus.ROLLED_BACK):
                row["finished_at"] = now()
            db["runs"].update(row, ["id"])
            self.record_event("run_status", run_id=run_id, status=status.value, reason=pause_reason)
            return self.get_run(run_id)

    def set_run_stage(self, run_id: int, stage: str) -> Run:
        """Record the stage in progress without touching the status (a pause may land at any time)."""
        with self._tx() as db:
            db["runs"].update({"id": run_id, "stage": stage, "updated_at": now()}, ["id"])
            return self.get_run(run_id)

    def update_run_options(self, run_id: int, **options: Any) -> Run:
        with self._tx() as db:
            run = self.get_run(run_id)
            merged = {**run.options, **options}
            db["runs"].update({"id": run_id, "options": json.dumps(merged), "updated_at": now()}, ["id"])
            return self.get_run(run_id)

    def add_set(self, run_id: int, subject: str, location: str, category: str,
                hint_keywords: str = "", sources: Sequence[str] = ()) -> PhotoSet:
        with self._tx() as db:
            set_id = db["sets"].insert({
                "run_id": run_id, "subject": subject, "location": location, "category": category,
                "hint_keywords": hint_keywords, "sources": json.dumps(list(sources)), "created_at": now(),
            })
            return self.get_set(set_id)

    @staticmethod
    def _set(row: dict[str, Any]) -> PhotoSet:
        return PhotoSet(
            id=row["id"], run_id=row["run_id"], subject=row["subject"], location=row["location"],
            category=row["category"], hint_keywords=row["hint_keywords"], sources=json.loads(row["sources"]),
            created_at=row["created_at"],
        )

    def get_set(self, set_id: int) -> PhotoSet:
        with self._tx() as db:
            row = db["sets"].find_one(id=set_id)
        if row is None:
            raise NotFound(f"There is no set {set_id}.")
        return self._set(row)

    # -- photos -----------------------------------------------------------------------------
    def add_photo(self, run_id: int, set_id: int, original_path: str, original_name: str,
                  size_bytes: int = 0, **fields_: Any) -> Photo:
        with self._tx() as db:
            ps = self.get_set(set_id)
            ts = now()
            row = {
                "run_id": run_id, "set_id": set_id, "original_path": original_path,
                "original_name": original_name, "size_bytes": size_bytes, "status": Status.RECEIVED.value,
                "subject": ps.subject, "location": ps.location, "category": ps.category,
                "created_at": ts, "updated_at": ts,
            }
            row.update({k: _encode(k, v) for k, v in fields_.items()})
            photo_id = db["photos"].insert(row)
            return self.get_photo(photo_id)

    def get_photo(self, photo_id: int) -> Photo:
        with self._tx() as db:
            row = db["photos"].find_one(id=photo_id)
        if row is None:
            raise NotFound(f"There is no photo {photo_id}.")
        return Photo.from_row(row)

    def photos(self, *, run_id: int | None = None, status: Sequence[str] | str | None = None,
               set_id: int | None = None, ids: Sequence[int] | None = None) -> list[Photo]:
        query: dict[str, Any] = {}
        if run_id is not None:
            query["run_id"] = run_id
        if set_id is not None:
            query["set_id"] = set_id
        if status is not None:
            query["status"] = [status] if isinstance(status, str) else [str(s) for s in status]
        if ids is not None:
            query["id"] = list(ids)
        with self._tx() as db:
            return [Photo.from_row(r) for r in db["photos"].find(order_by=["id"], **query)]

    def photo_summaries(self, columns: Sequence[str], *, status: Sequence[str] | None = None,
                        set_id: int | None = None, run_id: int | None = None) -> list[dict[str, Any]]:
        """Selected columns of many photos in one SELECT (the review list at thousands of photos),
        JSON and flag columns decoded like `Photo.from_row` does."""
        unknown = set(columns) - set(PHOTO_FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown photo field(s): {sorted(unknown)}")
        where, params = [], {}
        if status is not None:
            names = [f"s{i}" for i in range(len(status))]
            where.append(f"status IN ({', '.join(':' + n for n in names)})")
            params.update(zip(names, [str(s) for s in status], strict=True))
        for key, value in (("set_id", set_id), ("run_id", run_id)):
            if value is not None:
                where.append(f"{key} = :{key}")
                params[key] = value
        sql = f"SELECT {', '.join(columns)} FROM photos"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._tx() as db:
            rows = [dict(r) for r in db.query(sql + " ORDER BY id", **params)]
        for row in rows:
            for key in JSON_FIELDS.intersection(row):
                value = row[key]
                row[key] = json.loads(value) if value else ([] if key in ("keywords", "gate_issues") else None)
            for key in ("dup_keeper", "needs_manual_text"):
                if key in row:
                    row[key] = bool(row[key])
        return rows

    def count_by_status(self, run_id: int | None = None) -> dict[str, int]:
        sql = "SELECT status, COUNT(*) AS n FROM photos"
        params: dict[str, Any] = {}
        if run_id is not None:
            sql += " WHERE run_id = :run_id"
            params["run_id"] = run_id
        with self._tx() as db:
            return {r["status"]: r["n"] for r in db.query(sql + " GROUP BY status", **params)}

    def update_photo(self, photo_id: int, **changes: Any) -> Photo:
        if "status" in changes:
            raise IllegalTransition("Status changes go through Store.advance().")
        unknown = set(changes) - set(PHOTO_FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown photo field(s): {sorted(unknown)}")
        with self._tx() as db:
            self.get_photo(photo_id)
            row = {k: _encode(k, v) for k, v in changes.items()}
            row.update(id=photo_id, updated_at=now())
            db["photos"].update(row, ["id"])
            return self.get_photo(photo_id)

    def advance(self, photo_id: int, new_status: Status | str, **changes: Any) -> Photo:
        """Move a photo to `new_status` if the transition table allows it, with field changes."""
        new_status = Status(new_status)
        with self._tx() as db:
            photo = self.get_photo(photo_id)
            if not can_transition(photo.status, new_status):
                raise IllegalTransition(
                    f"Photo {photo_id} cannot go from {photo.status} to {new_status.value}."
                )
            row = {k: _encode(k, v) for k, v in changes.items()}
            row.update(id=photo_id, status=new_status.value, updated_at=now())
            db["photos"].update(row, ["id"])
            self.record_event("status", photo_id=photo_id, run_id=photo.run_id,
                              src=photo.status, dst=new_status.value)
            return self.get_photo(photo_id)

    def delete_unpublished(self, run_id: int) -> int:
        """Remove a rolled-back run's photo rows (published ones stay); events are kept for audit."""
        with self._tx() as db:
            keep = Status.PUBLISHED.value
            n = db["photos"].count(run_id=run_id, status={"!=": keep})
            db.query("DELETE FROM photos WHERE run_id = :r AND status != :k", r=run_id, k=keep)
            return int(n)

    def find_by_hash(self, sha256: str) -> list[Photo]:
        live = [s.value for s in Status if s not in (Status.REJECTED, Status.FAILED)]
        with self._tx() as db:
            return [Photo.from_row(r) for r in db["photos"].find(sha256=sha256, status=live)]

    def find_by_original(self, original_name: str, category: str, location: str) -> list[Photo]:
        live = [s.value for s in Status if s not in (Status.REJECTED, Status.FAILED)]
        with self._tx() as db:
            rows = db.query(
                "SELECT * FROM photos WHERE original_name = :n COLLATE NOCASE AND category = :c COLLATE NOCASE"
                " AND location = :l COLLATE NOCASE",
                n=original_name, c=category, l=location,
            )
            return [Photo.from_row(r) for r in rows if r["status"] in live]

    def known_values(self, column: str) -> list[str]:
        if column not in ("location", "category", "subject"):
            raise ValueError(column)
        with self._tx() as db:
            rows = db.query(f"SELECT DISTINCT {column} AS v FROM sets WHERE {column} != '' ORDER BY v")
            return [r["v"] for r in rows]

    # -- names ------------------------------------------------------------------------------
    def reserve_name(self, name: str, photo_id: int) -> bool:
        """Reserve `name` for a photo; False when it is taken (case-insensitively) by another."""
        try:
            with self._tx() as db:
                db["names"].insert({"name": name, "name_key": name.casefold(), "photo_id": photo_id,
                                    "reserved_at": now()})
                self.record_event("name_reserved", photo_id=photo_id, name=name)
            return True
        except IntegrityError:
            return False

    def release_name(self, photo_id: int) -> list[str]:
        with self._tx() as db:
            names = [r["name"] for r in db["names"].find(photo_id=photo_id)]
            db["names"].delete(photo_id=photo_id)
            for name in names:
                self.record_event("name_released", photo_id=photo_id, name=name)
            return names

    def release_name_only(self, photo_id: int, name: str) -> None:
        """Release one specific name of a photo (after a rename reserved the new one)."""
        with self._tx() as db:
            db["names"].delete(photo_id=photo_id, name_key=name.casefold())
            self.record_event("name_released", photo_id=photo_id, name=name)

    def name_owner(self, name: str) -> int | None:
        with self._tx() as db:
            row = db["names"].find_one(name_key=name.casefold())
            return None if row is None else int(row["photo_id"])

    def reserved_names_like(self, prefix: str) -> list[str]:
        with self._tx() as db:
            rows = db["names"].find(name_key={"startswith": prefix.casefold()})
            return [r["name"] for r in rows]

    # -- events, skips, learning log, vocabulary ---------------------------------------------
    def record_event(self, kind: str, *, photo_id: int | None = None, run_id: int | None = None,
                     **detail: Any) -> None:
        with self._tx() as db:
            db["events"].insert({"ts": now(), "kind": kind, "photo_id": photo_id, "run_id": run_id,
                                 "detail": json.dumps(detail, ensure_ascii=False, default=str)})

    def events(self, *, photo_id: int | None = None, run_id: int | None = None,
               kind: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if photo_id is not None:
            query["photo_id"] = photo_id
        if run_id is not None:
            query["run_id"] = run_id
        if kind is not None:
            query["kind"] = kind
        with self._tx() as db:
            return [{**dict(r), "detail": json.loads(r["detail"])}
                    for r in db["events"].find(order_by=["id"], **query)]

    def skip(self, run_id: int, path: str, reason: str) -> None:
        with self._tx() as db:
            db["skipped"].insert({"run_id": run_id, "path": path, "reason": reason, "created_at": now()})

    def skipped(self, run_id: int) -> list[dict[str, Any]]:
        with self._tx() as db:
            return [{"path": r["path"], "reason": r["reason"]}
                    for r in db["skipped"].find(run_id=run_id, order_by=["id"])]

    def log_learning(self, photo_id: int, field: str, ai_value: Any, human_value: Any,
                     decision: str = "") -> None:
        def text(v: Any) -> str:
            return ", ".join(v) if isinstance(v, list) else ("" if v is None else str(v))

        with self._tx() as db:
            photo = self.get_photo(photo_id)
            db["learning_log"].insert({
                "ts": now(), "photo_id": photo_id, "file_name": photo.file_name, "field": field,
                "ai_value": text(ai_value), "human_value": text(human_value), "decision": decision,
            })

    def learning_log(self, photo_id: int | None = None) -> list[dict[str, Any]]:
        with self._tx() as db:
            query = {} if photo_id is None else {"photo_id": photo_id}
            return [dict(r) for r in db["learning_log"].find(order_by=["id"], **query)]

    def add_vocabulary(self, kind: str, value: str) -> None:
        with self._tx() as db:
            if db["vocabulary"].find_one(kind=kind, value=value) is None:
                db["vocabulary"].insert({"kind": kind, "value": value, "created_at": now()})

    def vocabulary(self, kind: str) -> list[str]:
        with self._tx() as db:
            return [r["value"] for r in db["vocabulary"].find(kind=kind, order_by=["value"])]
