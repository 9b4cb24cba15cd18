"""Put photos straight into the review queue of a real store, with real image files, so review
tests and the benchmark do not depend on the pipeline's speed (the end-to-end test uses the real
pipeline). Every photo gets a reserved name, a staged copy (optional), a thumbnail and a preview."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

KEYWORDS = ["harbour", "canal", "evening light", "boats", "reflections", "bridge", "city", "water"]


def _image(path: Path, size: tuple[int, int], rng: random.Random, label: str) -> Path:
    img = Image.new("RGB", size, tuple(rng.randrange(40, 200) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(10):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse((x0, y0, x0 + rng.randrange(20, size[0] // 2), y0 + rng.randrange(20, size[1] // 2)),
                     fill=tuple(rng.randrange(256) for _ in range(3)))
    draw.text((10, 10), label, fill=(255, 255, 255))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=85)
    return path


def seed_review(services: Any, count: int, *, distinct: int = 12, staged: bool = True,
                subject: str = "Harbour Lights", overrides: dict[int, dict[str, Any]] | None = None) -> list[Any]:
    """Create `count` photos in `in_review` for one finished run. `overrides[i]` sets fields of photo i
    (0-based). Thumbnails/previews are shared among `distinct` real images to keep seeding fast."""
    store, settings = services.store, services.settings
    rng = random.Random(7)
    root = settings.data_dir / "derived" / "seed"
    thumbs = [_image(root / f"t{i}.jpg", (360, 240), rng, f"#{i}") for i in range(distinct)]
    previews = [_image(root / f"p{i}.jpg", (1600, 1067), rng, f"preview {i}") for i in range(distinct)]
    run = store.add_run({"on_ai_unavailable": "manual"})
    store.set_run_status(run.id, "done", stage="review")
    loc, cat = "Amsterdam_Netherlands", "Cityscape"
    ps = store.add_set(run.id, subject, loc, cat, "", ["/photos/harbour"])
    width = max(3, len(str(count)))
    photos = []
    for i in range(count):
        name = f"{subject.replace(' ', '_')}_{loc}_{cat}_Photography_{i + 1:0{width}d}.JPG"
        k = i % distinct
        fields: dict[str, Any] = {
            "status": "in_review", "stage_done": "gate", "file_name": name,
            "thumb_path": str(thumbs[k]), "preview_path": str(previews[k]),
            "caption": f"Boats rest on the calm canal at dusk, their lights mirrored in the water, photo {i + 1}.",
            "alt_text": f"Moored boats with lit windows reflected in a dark canal, view {i + 1}",
            "keywords": KEYWORDS[: 6 + i % 3], "qr": round(4 + (i * 37 % 60) / 10, 1), "qc_status": "",
            "gate_status": "PASS_HIGH", "gate_issues": [], "camera": "Canon EOS R5", "lens": "RF24-105mm F4 L",
            "datetime": "2026-10-03 18:42:10", "width": 6000, "height": 4000, "exposure": "1/250 sec",
            "aperture": "f/5.6", "iso": 400, "focal_length": 50,
            "scores": {"nima": 5.8, "blur": 312.5, "brightness": 0.46, "contrast": 0.52,
                       "reasons": ["sharp enough (Laplacian variance 312)", "exposure within range"]},
        }
        if staged:
            copy = settings.staging_dir / f"seed_{i}.jpg"
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(previews[k], copy)
            fields["staged_path"] = str(copy)
        fields.update((overrides or {}).get(i, {}))
        photo = store.add_photo(run.id, ps.id, f"/photos/harbour/IMG_{5000 + i}.JPG", f"IMG_{5000 + i}.JPG",
                                12_345, **fields)
        assert store.reserve_name(name, photo.id), name
        photos.append(photo)
    return photos
