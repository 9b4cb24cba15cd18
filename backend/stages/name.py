"""Name: reserve the deterministic SEO filename for each photo (unique across store, catalog, site)."""

from __future__ import annotations

from typing import Any

from .. import naming
from ..errors import NameTooLong, StageError
from ..photo import Photo
from . import StageContext


def run(ctx: StageContext, photo: Photo) -> dict[str, Any]:
    if photo.file_name:  # resumed after the reservation was made
        return {}
    catalog_names = ctx.catalog.names_like if ctx.catalog is not None else (lambda prefix: [])
    try:
        return {"file_name": naming.reserve(ctx.store, ctx.settings, photo, catalog_names=catalog_names)}
    except NameTooLong as exc:
        raise StageError("name", exc.message) from exc
