"""The embedded default publish target: a local site folder with the website's layout.

`{site}/{year}/{category}/{File_Name}` holds the web image, `{site}/{year}/thumbs/{category}/{File_Name}`
its thumbnail. Files are written to a temporary name and renamed into place, so a crash never
leaves a half-written image where the website would serve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SitePaths:
    web: Path
    thumb: Path
    web_rel: str  # relative to the site root, with forward slashes (for public URLs)
    thumb_rel: str


def site_paths(site_dir: Path, year: str, folder: str, file_name: str) -> SitePaths:
    web_rel = f"{year}/{folder}/{file_name}"
    thumb_rel = f"{year}/thumbs/{folder}/{file_name}"
    return SitePaths(site_dir / web_rel, site_dir / thumb_rel, web_rel, thumb_rel)


def remove(paths: SitePaths) -> None:
    """Undo a partial publish of one photo."""
    for path in (paths.web, paths.thumb):
        path.unlink(missing_ok=True)
