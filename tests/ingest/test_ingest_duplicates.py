"""duplicates: exact and near groups, keeper choice, published matches, determinism."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from ingest_helpers import make_jpeg, scene

from backend.duplicates import DupItem, find_groups
from backend.imaging import DeriveParams, derive, sha256_file


def item(i: int, sha: str, phash: str, size: int = 100, sharp: float = 1.0, qr: float | None = None) -> DupItem:
    return DupItem(id=i, sha256=sha, phash=phash, size_bytes=size, sharpness=sharp, qr=qr)


def test_exact_and_near_groups_with_keepers() -> None:
    items = [
        item(1, "a", "ffff000000000000", size=100),
        item(2, "a", "ffff000000000000", size=100),
        item(3, "b", "ffff000000000003", size=300, sharp=1.0),  # 2 bits from 1 and 2
        item(4, "c", "0000ffff0000ffff", size=50),  # unrelated
        item(5, "d", "0000ffff0000fff0", size=60, sharp=9.0),  # 4 bits from 4
    ]
    groups = find_groups(items, threshold=4)
    assert [(g.kind, g.ids, g.keeper_id) for g in groups] == [("near", [1, 2, 3], 3), ("near", [4, 5], 5)]
    assert [g.key for g in groups] == ["near:1", "near:4"]
    only_exact = find_groups(items, threshold=1)
    assert [(g.kind, g.ids) for g in only_exact] == [("exact", [1, 2])]


def test_threshold_is_inclusive() -> None:
    items = [item(1, "a", "0000000000000000"), item(2, "b", "00000000000000ff")]  # 8 bits apart
    assert find_groups(items, threshold=8) and not find_groups(items, threshold=7)


def test_keeper_prefers_quality_then_size_then_sharpness() -> None:
    same = "1234123412341234"
    assert find_groups([item(1, "a", same, size=900, qr=2.0), item(2, "b", same, size=100, qr=4.5)],
                       threshold=0)[0].keeper_id == 2
    assert find_groups([item(1, "a", same, size=100, sharp=50), item(2, "b", same, size=100, sharp=80)],
                       threshold=0)[0].keeper_id == 2
    assert find_groups([item(1, "a", same, size=100), item(2, "b", same, size=100)],
                       threshold=0)[0].keeper_id == 1  # full tie: lowest id


def test_published_matches_exact_and_near() -> None:
    published = [("Old_001.JPG", "sha-old", "ffff000000000000"), ("Far_002.JPG", "x", "0f0f0f0f0f0f0f0f")]
    groups = find_groups([item(7, "sha-old", "ffff000000000000"), item(8, "new", "ffff000000000001")],
                         threshold=2, published=published)
    assert len(groups) == 1 and groups[0].ids == [7, 8] and groups[0].against == ["Old_001.JPG"]
    alone = find_groups([item(9, "sha-old", "")], threshold=2, published=published)
    assert [(g.kind, g.ids, g.against) for g in alone] == [("exact", [9], ["Old_001.JPG"])]
    assert find_groups([item(10, "zzz", "")], threshold=2, published=published) == []


@hyp_settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 2**64 - 1), st.integers(1, 5)),
                min_size=0, max_size=25), st.randoms())
def test_groups_do_not_depend_on_input_order(rows: list[tuple[str, int, int]], rnd: object) -> None:
    items = [item(i, sha, f"{h:016x}", size=s) for i, (sha, h, s) in enumerate(rows)]
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = find_groups(items, threshold=10)
    b = find_groups(shuffled, threshold=10)
    assert a == b
    for g in a:
        assert g.keeper_id in g.ids and len(set(g.ids)) == len(g.ids)


def test_real_near_duplicates_from_derive(tmp_path: Path) -> None:
    base = scene((1200, 800), seed=11)
    a = make_jpeg(tmp_path / "a.jpg", image=base, quality=95)
    b = make_jpeg(tmp_path / "b.jpg", image=base.resize((900, 600)), quality=70)  # re-saved smaller copy
    c = make_jpeg(tmp_path / "c.jpg", image=scene((1200, 800), seed=12), quality=95)
    rows = []
    for i, path in enumerate((a, b, c), start=1):
        out = derive(str(path), str(tmp_path / "d"), path.stem, DeriveParams())
        rows.append(DupItem(i, sha256_file(path), out["phash"], path.stat().st_size, out["sharpness"]))
    groups = find_groups(rows, threshold=8)
    assert [(g.kind, g.ids, g.keeper_id) for g in groups] == [("near", [1, 2], 1)]
