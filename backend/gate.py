"""The metadata quality gate: lint, deterministic repairs, duplicate ledger, verdicts.

Why a gate at all: a vision model writes plausible but often generic, templated, duplicated or
leaky text; the photographer should see every problem on the field it concerns before deciding.
The gate never decides for the human: it repairs only what is safe to repair without looking at the
image (whitespace, repeated words, file / camera tokens, template openers, banned keywords), and
labels the rest. Hedged claims ("possibly a juvenile") are never "repaired" into assertions.

Verdicts: PASS_HIGH (clean as written), PASS_REPAIRED (clean after safe repairs), PASS_GENERIC
(usable but with warnings: template wording, near duplicates, unsupported specifics ...),
FAIL_BLOCKED (a blocking issue remains: empty/short, leaks, non-English, duplicates, caption == alt ...).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from math import ceil
from typing import Any

from .gate_rules import TextRecord, ends_cut_off, lint_record, subject_stems
from .vocabulary import (
    VocabularyPolicy,
    apply_policy,
    content_stems,
    fold,
    is_file_token,
    keyword_signature,
    words,
)

PASS_HIGH = "PASS_HIGH"
PASS_REPAIRED = "PASS_REPAIRED"
PASS_GENERIC = "PASS_GENERIC"
FAIL_BLOCKED = "FAIL_BLOCKED"
VERDICTS = (PASS_HIGH, PASS_REPAIRED, PASS_GENERIC, FAIL_BLOCKED)
MAX_HITS = 20  # near duplicates reported per field; enough to show a group, bounded for a big catalog

_BLOCKING_SUFFIXES = ("_empty", "_too_short", "_too_few", "_non_english", "_filename_leak", "_camera_leak",
                      "_category_leak", "_internal_leak", "_truncated", "_uncertain", "_gear_or_file")
_BLOCKING = frozenset({
    "caption_equals_alt", "caption_alt_too_similar", "duplicate_caption", "duplicate_alt", "context_only",
    "unsupported_claim", "subject_missing_caption", "subject_missing_alt", "needs_manual_text",
    "invalid_json",
})


def is_blocking(tag: str) -> bool:
    return tag in _BLOCKING or tag.endswith(_BLOCKING_SUFFIXES)


def issue_fields(tag: str) -> tuple[str, ...]:
    """Which review fields an issue tag belongs on (the editor shows it there)."""
    for prefix, name in (("caption_alt", "caption"), ("caption", "caption"), ("alt", "alt_text"),
                         ("keywords", "keywords")):
        if tag.startswith(prefix):
            return ("caption", "alt_text") if prefix == "caption_alt" or tag == "caption_equals_alt" else (name,)
    for suffix, name in (("_caption", "caption"), ("_alt", "alt_text"), ("_keywords", "keywords")):
        if tag.endswith(suffix):
            return (name,)
    return ("caption", "alt_text")


# -- deterministic repairs -------------------------------------------------------------------------
_PREFIXES = [
    r"^(the|this) (image|photo|photograph|picture|frame) (shows|features|depicts|captures|displays)\s+",
    r"^(a|an) (photo|photograph|image|picture|snapshot) of\s+", r"^(a )?scene featuring\s+",
    r"^(close-up|closeup|detailed|close) view of\s+",
]
_REPLACE: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (r"\s*\b(captured|photographed|shot|taken) (with|on|using)\b[^,.;]*", ""),
    (r"\s*\bin the (frame|image|photo|photograph|picture|shot)\b", ""),
    (r"\bset against (a|the) backdrop of\b", "against"), (r"\bagainst (a|the) backdrop of\b", "against"),
    (r"\bsoar(s|ing)? gracefully\b", lambda m: {"s": "flies", "ing": "flying"}.get(m.group(1) or "", "fly")),
    (r"\bazure heavens?\b", "blue sky"), (r"\bgracefully\s+", ""),
    (r"\b(beautiful|stunning|majestic|breathtaking|gorgeous|mesmerizing|picturesque)\s+", ""),
    (r"\s*\bat f/\d+(\.\d+)?\b", ""), (r"\s*\b(at )?iso ?\d{2,5}\b", ""),
]


def repair_sentence(text: str, rec: TextRecord) -> str:
    """Safe, image-independent clean-up of one sentence; returns the text unchanged when nothing applies."""
    if not text or not text.strip():
        return text
    out = re.sub(r"\s+", " ", text).strip()
    out = re.sub(r"\b\S+\.(jpe?g|png|heic|tiff?|dng|cr[23]|nef|arw)\b", "", out, flags=re.I)
    out = " ".join(t for t in out.split(" ")
                   if not (is_file_token(re.sub(r"[^a-z0-9]", "", fold(t))) and re.search(r"[A-Za-z]", t)
                           and not re.fullmatch(r"[A-Za-z]{1,2}\d{3,4}[.,]?", t)))
    for pattern in _PREFIXES:
        out = re.sub(pattern, "", out, flags=re.I)
    for pattern, repl in _REPLACE:
        out = re.sub(pattern, repl, out, flags=re.I)
    out = re.sub(r"\b(\w+)(\s+\1\b)+", r"\1", out, flags=re.I)  # "heron heron", "the the"
    out = re.sub(r"\s+([,.;:])", r"\1", out)
    out = re.sub(r"([,;:])(?=[.])", "", out)
    out = re.sub(r"\s+", " ", out).strip(" ,;:")
    if out and out[0].islower():
        out = out[0].upper() + out[1:]
    if out and out[-1].isalnum() and not ends_cut_off(out):
        out += "."
    out = re.sub(r"\.{2,}$", ".", out)
    return out if words(out) else text


def repair_record(rec: TextRecord, policy: VocabularyPolicy) -> TextRecord:
    """The record after every safe repair (sentences + keyword policy, subject as first keyword)."""
    cap = repair_sentence(rec.caption, rec)
    alt = repair_sentence(rec.alt_text, rec)
    subject = rec.subject if subject_stems(rec) else ""
    if rec.keywords and not any(ord(c) > 0x2E80 for k in rec.keywords for c in k):
        kws = apply_policy(rec.keywords, policy, subject_phrase=subject, text=f"{cap} {alt}").keywords
    else:
        kws = list(rec.keywords)
    return replace(rec, caption=cap, alt_text=alt, keywords=kws)


# -- duplicates across the set, the pending queue and the catalog ---------------------------------
@dataclass
class _Entry:
    owner: str
    source: str
    stems: frozenset[str]


class DuplicateLedger:
    """Exact and near duplicates of sentences (caption or alt) and keyword signatures.

    Near duplicates use token Jaccard with prefix filtering over a fixed token order, so checking
    one photo against a 45,000-row catalog touches only candidates that share a rare-enough token.
    """

    def __init__(self, near: float = 0.8, keywords_near: float = 0.8) -> None:
        self.near = near
        self.keywords_near = keywords_near
        self._exact: dict[str, dict[str, set[tuple[str, str]]]] = {"sentence": {}, "keywords": {}}
        self._entries: dict[str, list[_Entry]] = {"sentence": [], "keywords": []}
        self._postings: dict[str, dict[str, list[int]]] = {"sentence": {}, "keywords": {}}
        self._base: DuplicateLedger | None = None
        self._df: dict[str, int] | None = None  # the token order in use (None = hash order)
        self._dfs: dict[str, dict[str, int]] = {}
        self._frozen = False

    def layered(self) -> DuplicateLedger:
        """A new, empty ledger that also sees this one (read-only): a cached catalog ledger is shared
        by every gate run while each run adds its own photos on top."""
        child = DuplicateLedger(self.near, self.keywords_near)
        child._base = self
        return child

    def _order(self, stems: Iterable[str]) -> list[str]:
        if self._df is None:
            return sorted(stems, key=_token_rank)
        df = self._df
        return sorted(stems, key=lambda t: (df.get(t, 0), _token_rank(t)))

    def _prefix(self, stems: frozenset[str], threshold: float) -> list[str]:
        n = len(stems)
        return self._order(stems)[: n - ceil(threshold * n) + 1] if n else []

    def freeze(self) -> DuplicateLedger:
        """Re-index with rarest tokens first (by document frequency) for a ledger that will not grow.

        Any fixed order keeps prefix filtering exact; rare-first keeps candidate lists short, which
        matters for a large catalog full of similar captions ("grey heron in the reeds ...").
        """
        for kind in ("sentence", "keywords"):
            df: dict[str, int] = {}
            for e in self._entries[kind]:
                for tok in e.stems:
                    df[tok] = df.get(tok, 0) + 1
            self._dfs[kind] = df
        postings: dict[str, dict[str, list[int]]] = {"sentence": {}, "keywords": {}}
        for kind, thr in (("sentence", self.near), ("keywords", self.keywords_near)):
            self._df = self._dfs[kind]
            for idx, e in enumerate(self._entries[kind]):
                for tok in self._prefix(e.stems, thr):
                    postings[kind].setdefault(tok, []).append(idx)
        self._df = None
        self._postings = postings
        self._frozen = True
        return self

    def _add(self, kind: str, key: str, stems: frozenset[str], owner: str, source: str, thr: float) -> None:
        if self._frozen:
            raise ValueError("a frozen ledger cannot grow; add to ledger.layered() instead")
        if not key:
            return
        self._exact[kind].setdefault(key, set()).add((owner, source))
        if stems:
            idx = len(self._entries[kind])
            self._entries[kind].append(_Entry(owner, source, stems))
            for tok in self._prefix(stems, thr):
                self._postings[kind].setdefault(tok, []).append(idx)

    def add(self, owner: str, caption: str, alt_text: str, keywords: Sequence[str], source: str = "set") -> None:
        for text in (caption, alt_text):
            self._add("sentence", _norm(text), frozenset(content_stems(text)), owner, source, self.near)
        sig = keyword_signature(keywords)
        self._add("keywords", sig, frozenset(sig.split("|")) if sig else frozenset(), owner, source,
                  self.keywords_near)

    def _near(self, kind: str, stems: frozenset[str], owner: str, thr: float) -> list[tuple[str, str]]:
        seen: set[int] = set()
        hits: list[tuple[str, str]] = []
        self._df = self._dfs.get(kind)
        prefix = self._prefix(stems, thr)
        self._df = None
        for tok in prefix:
            for idx in self._postings[kind].get(tok, ()):
                if idx in seen:
                    continue
                seen.add(idx)
                e = self._entries[kind][idx]
                if e.owner != owner and len(stems & e.stems) / len(stems | e.stems) >= thr:
                    hits.append((e.owner, e.source))
                    if len(hits) >= MAX_HITS:
                        return hits
        return hits

    def check(self, owner: str, caption: str, alt_text: str, keywords: Sequence[str]) -> list[dict[str, str]]:
        """Duplicates of this photo's text held by other owners: [{tag, other, source}]."""
        found: list[dict[str, str]] = []
        for name, text in (("caption", caption), ("alt", alt_text)):
            key = _norm(text)
            if not key:
                continue
            exact = {(o, s) for o, s in self._exact["sentence"].get(key, ()) if o != owner}
            found += [{"tag": f"duplicate_{name}", "other": o, "source": s} for o, s in sorted(exact)]
            if not exact:
                near = set(self._near("sentence", frozenset(content_stems(text)), owner, self.near))
                found += [{"tag": f"near_duplicate_{name}", "other": o, "source": s} for o, s in sorted(near)]
        sig = keyword_signature(keywords)
        if sig:
            exact = {(o, s) for o, s in self._exact["keywords"].get(sig, ()) if o != owner}
            found += [{"tag": "duplicate_keywords", "other": o, "source": s} for o, s in sorted(exact)]
            if not exact and len(sig.split("|")) >= 4:
                near = set(self._near("keywords", frozenset(sig.split("|")), owner, self.keywords_near))
                found += [{"tag": "near_duplicate_keywords", "other": o, "source": s} for o, s in sorted(near)]
        if self._base is not None:
            found += [d for d in self._base.check(owner, caption, alt_text, keywords) if d not in found]
        return found


@lru_cache(maxsize=65536)
def _token_rank(token: str) -> tuple[int, str]:
    """A fixed global token order for prefix filtering (any consistent order is correct)."""
    return zlib.crc32(token.encode()), token


def _norm(text: str) -> str:
    return " ".join(words(text or ""))


# -- verdicts --------------------------------------------------------------------------------------
@dataclass
class GateResult:
    caption: str
    alt_text: str
    keywords: list[str]
    status: str
    issues: list[str]
    repairs: list[str] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)

    @property
    def gate_issues(self) -> list[str]:
        """What is stored on the photo: remaining issues, then `repaired:<tag>` notes."""
        return [*self.issues, *(f"repaired:{t}" for t in self.repairs)]


def verdict(original_issues: list[str], remaining: list[str]) -> str:
    """Cosmetic normalisation (case, final period, singular keywords) alone keeps PASS_HIGH."""
    if any(is_blocking(t) for t in remaining):
        return FAIL_BLOCKED
    if remaining:
        return PASS_GENERIC
    if original_issues:
        return PASS_REPAIRED
    return PASS_HIGH


def judge_batch(records: Sequence[tuple[str, TextRecord]], ledger: DuplicateLedger,
                policy: VocabularyPolicy | None = None) -> dict[str, GateResult]:
    """Lint, repair and de-duplicate a batch: every record is added to `ledger` first, so members of a
    duplicate group inside the batch are all flagged (a photographer fixes the group, not one row)."""
    policy = policy or VocabularyPolicy()
    repaired = {owner: repair_record(rec, policy) for owner, rec in records}
    for owner, rec in repaired.items():
        ledger.add(owner, rec.caption, rec.alt_text, rec.keywords, source="set")
    results: dict[str, GateResult] = {}
    for owner, rec in records:
        fixed = repaired[owner]
        before = lint_record(rec, policy)
        dups = ledger.check(owner, fixed.caption, fixed.alt_text, fixed.keywords)
        after = lint_record(fixed, policy) + list(dict.fromkeys(d["tag"] for d in dups))
        results[owner] = GateResult(
            caption=fixed.caption, alt_text=fixed.alt_text, keywords=fixed.keywords,
            status=verdict(before, after), issues=list(dict.fromkeys(after)),
            repairs=[t for t in before if t not in after], duplicates=dups,
        )
    return results


def catalog_ledger(rows: Iterable[dict[str, Any]] | None, ledger: DuplicateLedger | None = None,
                   exclude_names: set[str] | None = None) -> DuplicateLedger:
    """A ledger pre-loaded with published catalog text (rows with File_Name, Caption, alt_text, Keywords)."""
    ledger = ledger or DuplicateLedger()
    exclude = {fold(n) for n in (exclude_names or set())}
    for row in rows or ():
        rec = TextRecord.from_mapping(row)
        name = str(row.get("File_Name") or row.get("file_name") or "")
        if fold(name) in exclude:
            continue
        ledger.add(f"catalog:{name}", rec.caption, rec.alt_text, rec.keywords, source="catalog")
    return ledger


_catalog_cache: dict[tuple[int, int], DuplicateLedger] = {}


def cached_catalog_ledger(rows: list[dict[str, Any]]) -> DuplicateLedger:
    """A ledger over these catalog rows, built once per distinct catalog content.

    Building it for a 45,000-row catalog costs seconds of CPU; later gate runs layer their photos on
    top of the cached one instead of rebuilding it.
    """
    key = (len(rows), hash(tuple((r.get("File_Name"), r.get("Caption"), r.get("alt_text"), str(r.get("Keywords")))
                                 for r in rows)))
    if key not in _catalog_cache:
        _catalog_cache.clear()  # one catalog per process
        _catalog_cache[key] = catalog_ledger(rows).freeze()
    return _catalog_cache[key].layered()


def lint_jsonl(lines: Iterable[str], catalog: list[dict[str, Any]] | None = None,
               policy: VocabularyPolicy | None = None) -> list[dict[str, Any]]:
    """The `lint-metadata` command: one result per input line, duplicates judged across the file
    (and against `catalog` rows when given). Blank lines are skipped; a line that is not a JSON
    object gets FAIL_BLOCKED with `invalid_json` instead of stopping the check."""
    records: list[tuple[str, TextRecord]] = []
    bad: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        owner = f"line:{n}"
        order.append(owner)
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            bad[owner] = {"line": n, "status": FAIL_BLOCKED, "issues": ["invalid_json"], "error": str(exc)}
            continue
        records.append((owner, TextRecord.from_mapping(row)))
    ledger = catalog_ledger(catalog)
    results = judge_batch(records, ledger, policy)
    out: list[dict[str, Any]] = []
    for owner in order:
        if owner in bad:
            out.append(bad[owner])
            continue
        r = results[owner]
        out.append({"line": int(owner.split(":")[1]), "status": r.status, "issues": r.issues,
                    "repairs": r.repairs, "caption": r.caption, "alt_text": r.alt_text,
                    "keywords": r.keywords,
                    "duplicates_of": sorted({d["other"] for d in r.duplicates})})
    return out
