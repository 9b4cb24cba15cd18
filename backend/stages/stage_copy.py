"""Stage copies: copy each original into the data folder, hashing it on the way.

The original is only ever read. Everything after this stage works on the private copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import StageError
from ..photo import Photo
from . import StageContext

_CHUNK = 1 << 20


def run(ctx: StageContext, photo: Photo) -> dict[str, Any]:
    folder = ctx.settings.staging_dir / f"run{ctx.run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{photo.id}_{photo.original_name}"
    tmp = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        with open(photo.original_path, "rb") as src, open(tmp, "wb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        shutil.copystat(photo.original_path, tmp)
        os.replace(tmp, dest)
    except FileNotFoundError as exc:
        tmp.unlink(missing_ok=True)
        raise StageError("stage_copy", f"the original disappeared before it was copied: {exc.filename}") from exc
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        raise StageError("stage_copy", f"no permission to read or write: {exc.filename}") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StageError("stage_copy", f"could not copy the file ({exc.strerror or exc}); "
                                       "check free disk space in the data folder") from exc
    return {"staged_path": str(Path(dest)), "sha256": digest.hexdigest(),
            "size_bytes": dest.stat().st_size}
