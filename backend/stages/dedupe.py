"""Duplicates: exact (content hash) and near (perceptual hash) groups within the run, against
photos already pending, and against the published catalog; each group gets a suggested keeper."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import duplicates
from ..errors import StageError
from ..photo import Photo, Status
from . import StageContext

_PENDING = [Status.PREPARED, Status.SCORED, Status.PREFILLED, Status.IN_REVIEW, Status.APPROVED,
            Status.QUARANTINED]


def _item(p: Photo) -> duplicates.DupItem:
    return duplicates.DupItem(id=p.id, sha256=p.sha256, phash=p.phash, size_bytes=p.size_bytes,
                              sharpness=p.sharpness or 0.0, qr=p.qr)


def run_batch(ctx: StageContext, photos: list[Photo]) -> Iterator[tuple[int, dict[str, Any] | StageError]]:
    ids = {p.id for p in photos}
    others = [p for p in ctx.store.photos(status=[s.value for s in _PENDING]) if p.id not in ids]
    published = ctx.catalog.hashes() if ctx.catalog is not None else []
    groups = duplicates.find_groups([_item(p) for p in photos + others],
                                    threshold=ctx.settings.phash_threshold, published=published)
    found: dict[int, dict[str, Any]] = {}
    for group in groups:
        for member in group.ids:
            found[member] = {"dup_group": group.key, "dup_keeper": member == group.keeper_id,
                             "dup_flags": {"kind": group.kind, "members": list(group.ids),
                                           "keeper": group.keeper_id, "published": list(group.against)}}
    for photo in photos:
        yield photo.id, found.get(photo.id, {"dup_group": "", "dup_keeper": False, "dup_flags": None})
    for other in others:  # earlier photos join groups found with this run's photos
        if other.id in found:
            ctx.store.update_photo(other.id, **found[other.id])
