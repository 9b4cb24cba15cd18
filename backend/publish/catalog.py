"""The website catalog, as a local SQLite mirror of the reference table `photos_info_revamp`.

With the embedded default target this mirror *is* the catalog; with a remote MySQL target it keeps
the rows (and the catalog ids read back from MySQL) that were published, so naming and duplicate
checks never need the network. Upserts are keyed by File_Name (UNIQUE), like the website's table.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Reference columns, in the reference order (PRODUCT.md "Catalog table"), plus our lineage columns.
CATALOG_COLUMNS: dict[str, str] = {
    "Folder": "TEXT", "File_Name": "TEXT NOT NULL", "Path": "TEXT", "Thumb_Path": "TEXT",
    "DateTime": "TEXT", "Camera": "TEXT", "Lens_model": "TEXT", "Width": "INTEGER", "Height": "INTEGER",
    "Exposure": "TEXT", "Aperture": "TEXT", "ISO": "INTEGER", "Focal_length": "INTEGER",
    "Keywords": "TEXT", "Caption": "TEXT", "alt_text": "TEXT", "Location": "TEXT", "QR": "REAL",
    "QC_Status": "TEXT", "Original_File_Name": "TEXT", "nima_score": "REAL", "blur_score": "REAL",
    "brightness_score": "REAL", "contrast_score": "REAL", "brisque_score": "REAL",
    "clip_aesthetic_score": "REAL", "sha256": "TEXT", "phash": "TEXT", "published_at": "TEXT",
}

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class Catalog:
    def __init__(self, path: Path | str, table: str = "photos_info_revamp") -> None:
        if not _IDENT.match(table):
            raise ValueError(f"Catalog table name {table!r} is not a plain SQL identifier.")
        self.path = Path(path)
        self.table = table
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._conn.row_factory = sqlite3.Row
        with self._tx() as c:
            c.execute("PRAGMA journal_mode=WAL")
            cols = ", ".join(f"{name} {kind}" for name, kind in CATALOG_COLUMNS.items())
            c.execute(f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY AUTOINCREMENT, {cols})")
            c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{table}_file ON {table}(File_Name COLLATE NOCASE)")
            c.execute(f"CREATE INDEX IF NOT EXISTS ix_{table}_sha ON {table}(sha256)")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        with self._lock, self._conn:
            yield self._conn.cursor()

    def upsert(self, row: dict[str, Any], catalog_id: int | None = None) -> int:
        """Insert or update the row with this File_Name; returns its catalog id.

        `catalog_id` is the id a remote catalog gave the row, mirrored so both agree.
        """
        unknown = set(row) - set(CATALOG_COLUMNS)
        if unknown:
            raise ValueError(f"unknown catalog column(s): {sorted(unknown)}")
        data = dict(row)
        if catalog_id is not None:
            data = {"id": catalog_id, **data}
        names = list(data)
        placeholders = ", ".join(f":{n}" for n in names)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in ("File_Name", "id"))
        with self._tx() as c:
            c.execute(
                f"INSERT INTO {self.table} ({', '.join(names)}) VALUES ({placeholders}) "
                f"ON CONFLICT(File_Name COLLATE NOCASE) DO {f'UPDATE SET {updates}' if updates else 'NOTHING'}",
                data,
            )
            found = c.execute(f"SELECT id FROM {self.table} WHERE File_Name = ? COLLATE NOCASE",
                              (row["File_Name"],)).fetchone()
            return int(found["id"])

    def get(self, file_name: str) -> dict[str, Any] | None:
        with self._tx() as c:
            row = c.execute(f"SELECT * FROM {self.table} WHERE File_Name = ? COLLATE NOCASE",
                            (file_name,)).fetchone()
            return None if row is None else dict(row)

    def rows(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT * FROM {self.table} ORDER BY id DESC"
        with self._tx() as c:
            if limit is not None:
                return [dict(r) for r in c.execute(sql + " LIMIT ?", (limit,))]
            return [dict(r) for r in c.execute(sql)]

    def count(self) -> int:
        with self._tx() as c:
            return int(c.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0])

    def names_like(self, prefix: str) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._tx() as c:
            rows = c.execute(f"SELECT File_Name FROM {self.table} WHERE File_Name LIKE ? ESCAPE '\\'",
                             (escaped + "%",))
            return [r[0] for r in rows]

    def find_by_hash(self, sha256: str) -> list[dict[str, Any]]:
        with self._tx() as c:
            return [dict(r) for r in c.execute(f"SELECT * FROM {self.table} WHERE sha256 = ?", (sha256,))]

    def find_by_original(self, name: str, folder: str, location: str) -> list[dict[str, Any]]:
        with self._tx() as c:
            rows = c.execute(
                f"SELECT * FROM {self.table} WHERE Original_File_Name = ? COLLATE NOCASE "
                "AND Folder = ? COLLATE NOCASE AND Location = ? COLLATE NOCASE",
                (name, folder, location),
            )
            return [dict(r) for r in rows]

    def hashes(self) -> list[tuple[str, str, str]]:
        """(File_Name, sha256, phash) of every published row, for duplicate checks."""
        with self._tx() as c:
            rows = c.execute(f"SELECT File_Name, sha256, phash FROM {self.table}")
            return [(r[0], r[1] or "", r[2] or "") for r in rows]

    def texts(self) -> list[dict[str, Any]]:
        with self._tx() as c:
            rows = c.execute(f"SELECT File_Name, Caption, alt_text, Keywords FROM {self.table}")
            return [dict(r) for r in rows]

    def close(self) -> None:
        self._conn.close()
