"""Duplicate groups: exact (same content hash) and near (perceptual hashes within a threshold).

Pure and deterministic: the same items in any order give the same groups, keys and keepers. Near
matching is single-linkage (A~B and B~C put A, B, C in one group), which is what a reviewer wants to
see side by side; pairwise distances are computed with numpy in row blocks, so 10,000 photos cost
100 M popcounts in chunks of bounded memory rather than a Python double loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

_BLOCK = 512


@dataclass(frozen=True)
class DupItem:
    id: int
    sha256: str
    phash: str  # 16 hex digits from imagehash; "" when unknown (then only exact matching applies)
    size_bytes: int
    sharpness: float | None = None
    qr: float | None = None


@dataclass
class DupGroup:
    key: str
    kind: str  # "exact" | "near"
    ids: list[int]
    keeper_id: int
    against: list[str] = field(default_factory=list)  # published File_Names this group matches


def _hash_int(phash: str) -> int | None:
    try:
        return int(phash, 16) if phash else None
    except ValueError:
        return None


def _keeper(items: Sequence[DupItem]) -> int:
    """Best quality rating when any item has one, else the largest, then the sharpest; ties: lowest id."""
    def rank(it: DupItem) -> tuple[float, float, float, int]:
        qr = it.qr if it.qr is not None else float("-inf")
        return (qr, float(it.size_bytes), it.sharpness if it.sharpness is not None else float("-inf"), -it.id)

    return max(items, key=rank).id


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _near_pairs(hashes: np.ndarray, threshold: int) -> list[tuple[int, int]]:
    """Index pairs (i < j) whose Hamming distance is <= threshold."""
    pairs: list[tuple[int, int]] = []
    n = len(hashes)
    for start in range(0, n, _BLOCK):
        block = hashes[start:start + _BLOCK]
        dist = np.bitwise_count(block[:, None] ^ hashes[None, :])
        rows, cols = np.nonzero(dist <= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if i < c:
                pairs.append((i, c))
    return pairs


def find_groups(items: list[DupItem], *, threshold: int,
                published: Sequence[tuple[str, str, str]] = ()) -> list[DupGroup]:
    """Group duplicates within `items` and flag matches against the published catalog.

    `published` holds (File_Name, sha256, phash) rows. An item alone in the set but matching a
    published photo still gets a group (ids = [it]) so review can show what it duplicates.
    """
    items = sorted(items, key=lambda it: it.id)
    n = len(items)
    union = _Union(n)
    by_sha: dict[str, int] = {}
    for i, it in enumerate(items):
        if it.sha256:
            if it.sha256 in by_sha:
                union.join(by_sha[it.sha256], i)
            else:
                by_sha[it.sha256] = i
    hashed = [(i, h) for i, it in enumerate(items) if (h := _hash_int(it.phash)) is not None]
    if hashed and threshold >= 0:
        arr = np.array([h for _, h in hashed], dtype=np.uint64)
        for a, b in _near_pairs(arr, threshold):
            union.join(hashed[a][0], hashed[b][0])

    pub_sha: dict[str, list[str]] = {}
    for name, sha, _ in published:
        if sha:
            pub_sha.setdefault(sha, []).append(name)
    pub_hash = [(name, h) for name, _, ph in published if (h := _hash_int(ph)) is not None]
    pub_arr = np.array([h for _, h in pub_hash], dtype=np.uint64)

    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(union.find(i), []).append(i)
    groups: list[DupGroup] = []
    for idx in members.values():
        group = [items[i] for i in idx]
        exact_pub = sorted({name for it in group for name in pub_sha.get(it.sha256, [])})
        near_pub: set[str] = set()
        if len(pub_arr):
            for it in group:
                h = _hash_int(it.phash)
                if h is not None:
                    hits = np.nonzero(np.bitwise_count(pub_arr ^ np.uint64(h)) <= threshold)[0]
                    near_pub.update(pub_hash[k][0] for k in hits.tolist())
        against = sorted(set(exact_pub) | near_pub)
        if len(group) == 1 and not against:
            continue
        same_content = len({it.sha256 for it in group}) == 1
        kind = "exact" if same_content and (not against or set(against) <= set(exact_pub)) else "near"
        ids = [it.id for it in group]
        groups.append(DupGroup(key=f"{kind}:{min(ids)}", kind=kind, ids=ids, keeper_id=_keeper(group),
                               against=against))
    groups.sort(key=lambda g: min(g.ids))
    return groups
