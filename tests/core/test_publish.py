"""Publishing to the local site folder: only approved photos, layout and sizes, catalog rows upserted
by File_Name, idempotent re-publish, and a failed photo staying approved with its error."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from backend import review
from backend.photo import Status
from backend.publish.publisher import catalog_row, folder_key
from tests.core.test_pipeline import make_set, start


def _reviewed(services, tmp_path: Path, n: int = 3) -> list[int]:  # type: ignore[no-untyped-def]
    make_set(tmp_path / "in", n, size=(3000, 2000))
    run = services.runner.process(start(services, tmp_path / "in").id)
    ids = [p.id for p in services.store.photos(run_id=run.id, status="in_review")]
    for i, photo_id in enumerate(ids):
        review.edit(services.store, services.settings, photo_id, {
            "caption": f"A grey heron wades through shallow water number {i}.",
            "alt_text": f"Grey heron standing in a shallow pond, view {i}.",
            "keywords": ["grey heron", "pond", f"reed {i}"]})
    return ids


def test_only_approved_photos_are_published_with_the_site_layout(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = _reviewed(services, tmp_path)
    s, store = services.settings, services.store
    review.approve(store, s, ids[0])
    review.approve(store, s, ids[1])
    review.reject(store, s, ids[2])
    job = services.publisher.publish_approved()
    assert (job.total, job.published, job.failed) == (2, 2, 0)
    for photo_id in ids[:2]:
        photo = store.get_photo(photo_id)
        assert photo.status == Status.PUBLISHED and photo.catalog_id
        year = photo.year
        web = s.site_dir / year / "Birds" / photo.file_name
        thumb = s.site_dir / year / "thumbs" / "Birds" / photo.file_name
        assert Path(photo.web_path) == web and web.is_file() and thumb.is_file()
        with Image.open(web) as im:
            assert im.size == (1500, 1000)
        with Image.open(thumb) as im:
            assert im.size[0] <= 548 and im.size[1] <= 365 and max(im.size) >= 364
        row = services.catalog.get(photo.file_name)
        assert row is not None and row["id"] == photo.catalog_id
        assert row["Caption"] == photo.caption and row["alt_text"] == photo.alt_text
        assert row["Keywords"] == ", ".join(photo.keywords)
        assert row["Path"].endswith(f"/{year}/Birds/{photo.file_name}")
        assert row["Thumb_Path"].endswith(f"/{year}/thumbs/Birds/{photo.file_name}")
        assert row["Original_File_Name"] == photo.original_name and row["Folder"] == "Birds"
        assert not Path(photo.model_input_path or "/nonexistent").exists()
    assert store.get_photo(ids[2]).status == Status.REJECTED
    assert services.catalog.count() == 2
    assert len(list(s.site_dir.rglob("*.JPG"))) == 4  # two web images + two thumbnails, nothing else


def test_publishing_twice_never_duplicates_catalog_rows(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = _reviewed(services, tmp_path, 1)
    review.approve(services.store, services.settings, ids[0])
    services.publisher.publish_approved()
    photo = services.store.get_photo(ids[0])
    first_id = photo.catalog_id
    # The same File_Name upserted again (e.g. a retried publish) updates the row in place.
    again = catalog_row(photo, services.settings,
                        __import__("backend.publish.local", fromlist=["x"]).site_paths(
                            services.settings.site_dir, photo.year, folder_key(photo.category, services.settings),
                            photo.file_name),
                        {"web_width": 1500, "web_height": 1000})
    again["Caption"] = "Edited after publishing."
    assert services.catalog.upsert(again) == first_id
    assert services.catalog.count() == 1
    assert services.catalog.get(photo.file_name)["Caption"] == "Edited after publishing."


def test_a_failed_publish_leaves_the_photo_approved_with_its_error(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = _reviewed(services, tmp_path, 2)
    for photo_id in ids:
        review.approve(services.store, services.settings, photo_id)
    broken = services.store.get_photo(ids[0])
    Path(broken.staged_path).write_bytes(b"\xff\xd8\xff\xe0 this is no longer a JPEG")
    job = services.publisher.publish_approved()
    assert (job.published, job.failed) == (1, 1)
    photo = services.store.get_photo(ids[0])
    assert photo.status == Status.APPROVED and photo.publish_error
    assert job.errors[0]["photo_id"] == ids[0] and job.errors[0]["message"]
    year_dir = services.settings.site_dir / photo.year
    assert not list(year_dir.rglob(photo.file_name))  # nothing half-published
    assert services.catalog.get(photo.file_name) is None
