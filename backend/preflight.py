"""What the user sees before a run starts: files found, files refused (with reasons), the first
filename, and files that are already queued or already published (by content hash, and by original
name + category + location as the reference does). The user decides what to do with flagged files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import imaging, intake, naming
from .services import Services


def scan(services: Services, paths: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    result = intake.scan(paths, settings=services.settings)
    return [str(p) for p in result.candidates], [(s.path, s.reason) for s in result.skipped]


def flags_for(services: Services, files: list[str], category: str, location: str,
              known_hashes: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """`known_hashes` are content hashes intake already computed (path -> sha256), not read twice."""
    flags: list[dict[str, Any]] = []
    known_hashes = known_hashes or {}
    store, catalog = services.store, services.catalog
    for path in files:
        name = os.path.basename(path)
        queued = store.find_by_original(name, category, location)
        published = catalog.find_by_original(name, naming.slugify(category, transliterate=False), location)
        if not queued and not published:
            digest = known_hashes.get(path) or imaging.sha256_file(Path(path))
            queued = store.find_by_hash(digest)
            published = catalog.find_by_hash(digest)
        if published:
            flags.append({"path": path, "kind": "published",
                          "detail": f"already on the website as {published[0]['File_Name']}"})
        elif queued:
            flags.append({"path": path, "kind": "queued",
                          "detail": f"already queued as photo {queued[0].id} ({queued[0].status})"})
    return flags


def preview(services: Services, paths: list[str], subject: str, location: str, category: str) -> dict[str, Any]:
    s = services.settings
    result = intake.scan(paths, settings=s)
    files = [str(p) for p in result.candidates]
    name = naming.preview(s, subject=subject, location=location, category=category)
    return {
        "files": len(files),
        "paths": files,
        "skipped": [{"path": skip.path, "reason": skip.reason} for skip in result.skipped],
        "name_preview": name,
        "name_too_long": len(name) > s.name_max_length,
        "name_max": s.name_max_length,
        "max": s.name_max_length,
        "flags": flags_for(services, files, category, location, result.hashes),
        "known": known(services),
    }


def known(services: Services) -> dict[str, list[str]]:
    store = services.store
    def merge(*lists: list[str]) -> list[str]:
        return sorted({v for lst in lists for v in lst if v}, key=str.casefold)
    return {
        "locations": merge(store.known_values("location"), store.vocabulary("location")),
        "categories": merge(store.known_values("category"), store.vocabulary("category")),
        "subjects": merge(store.known_values("subject")),
    }
