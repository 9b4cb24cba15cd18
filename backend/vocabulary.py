"""Keyword control and the word forms the gate compares text with.

Why here and not in the prompt: a model follows vocabulary instructions only loosely, so the rules are
enforced at write time (peers.md §5): synonyms mapped to one form, singular forms, banned / required /
preferred keywords, per-keyword length, a fixed count, and no gear, file or "photo" tokens. The same
tokenizer and singulariser are used by the gate and the duplicate ledger, so "Tulips" and "tulip" are
one word everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from unidecode import unidecode

if TYPE_CHECKING:
    from .settings import Settings

def wordset(text: str) -> frozenset[str]:
    """A frozen set of the space-separated words in `text` (keeps long word lists readable)."""
    return frozenset(text.split())


STOPWORDS = wordset(
    "a an the and or but of in on at to for from by with without into onto over under above below "
    "near beside behind between through across along around against toward towards while as its it "
    "their his her they them this that these those is are was were be been being has have had "
    "who whom which where when there here than then so such very just also both all each some any "
    "no not out up down off after before during about after per via"
)
# Words that never carry visual evidence on their own (gate: context-only text, template wording).
GENERIC_WORDS = wordset(
    "photo photos photograph photographed photography image images picture pictures shot shots "
    "scene view views seen shows showing visible captured taken frame setting context detail details "
    "outdoor outdoors natural nature wildlife habitat environment beautiful stunning subject "
    "composition background backdrop featuring features feature displayed depicted"
)
# Camera bodies, lenses, exposure terms and file tokens: never a keyword, never in caption or alt.
GEAR_WORDS = wordset(
    "canon eos nikon sony fuji fujifilm olympus panasonic lumix leica pentax hasselblad tamron sigma "
    "zeiss dji iphone pixel lens lenses mm iso aperture shutter exposure mirrorless dslr tripod raw "
    "jpg jpeg heic heif png tif tiff dng cr2 cr3 nef arw raf orf rw2 img dsc dscn dscf mark"
)
COLOURS = wordset(
    "red orange yellow green blue purple violet pink brown black white grey gray golden gold silver "
    "beige turquoise teal cyan magenta crimson scarlet amber bronze cream ivory dark light pale bright"
)
# Broad but legitimate stock keywords ("wildlife", "nature") are allowed as keywords, not as evidence.
KEYWORD_GENERIC = GENERIC_WORDS - {"wildlife", "nature", "habitat", "environment"}
# Particles that may end a phrasal keyword ("take off", "close up").
PARTICLES = frozenset({"off", "up", "down", "out", "over", "in", "on", "away", "back"})
PHOTO_WORDS = wordset("photography photo photos photograph image images picture pictures pic stock")
_INVARIANT = wordset(
    "series species glass grass moss cross bus gas canvas atlas lens iris chassis news mathematics "
    "physics headquarters swiss maas texel always perhaps netherlands philippines bahamas maldives "
    "seychelles alps andes pyrenees dolomites highlands lowlands wales paris athens brussels texas "
    "kansas arkansas illinois marseilles cannes los angeles"
)
_IRREGULAR = {
    "geese": "goose", "mice": "mouse", "feet": "foot", "teeth": "tooth", "children": "child",
    "women": "woman", "men": "man", "people": "person", "leaves": "leaf", "wolves": "wolf",
    "calves": "calf", "knives": "knife", "halves": "half", "shelves": "shelf", "oxen": "ox",
    "cacti": "cactus", "fungi": "fungus", "larvae": "larva", "lives": "life", "wives": "wife",
    "scarves": "scarf", "hooves": "hoof", "dwarves": "dwarf",
}
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_FILE_TOKEN = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9_]{6,}$|^\d{4,}$")


def fold(text: str) -> str:
    """Lower-case ASCII form used for every comparison (café == cafe, smart quotes removed)."""
    text = unicodedata.normalize("NFKC", text or "").replace("’", "'").replace("‘", "'")
    return unidecode(text).lower()


@lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """Singular form of one English word; conservative (a wrong plural is cheaper than a broken word)."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w in _INVARIANT or w.endswith(("ss", "us", "is", "ous", "'s")) or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "sses", "xes", "zes")):
        return w[:-2]
    if w.endswith("oes") and w not in ("shoes", "canoes", "toes"):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """All word tokens of `text`, folded to ASCII lower case."""
    return [w[:-2] if w.endswith("'s") else w for w in _WORD.findall(fold(text).replace("_", " "))]


def content_stems(text: str) -> set[str]:
    """Singular non-stopword tokens: the unit of every similarity and grounding check."""
    return {singular(w) for w in words(text) if w not in STOPWORDS}


def is_file_token(token: str) -> bool:
    """`img4821`, `dsc04512`, `5d4a1234`, `20260514`: letters+digits of length >= 6, or long numbers."""
    t = token.lower()
    if re.fullmatch(r"(19|20)\d\d", t):  # a year on its own is a date, flagged separately in keywords
        return False
    return bool(_FILE_TOKEN.match(t))


def split_keywords(value: Any) -> list[str]:
    """Keywords from a list or a comma/semicolon separated string, trimmed, empties dropped."""
    if value is None:
        return []
    items: Iterable[Any] = re.split(r"[;,\n]", value) if isinstance(value, str) else value
    return [str(i).strip() for i in items if str(i).strip()]


def keyword_signature(keywords: Sequence[str]) -> str:
    """Order-free identity of a keyword set (duplicate keyword lists across photos)."""
    forms = (" ".join(singular(w) for w in words(k)) for k in keywords)
    return "|".join(sorted({f for f in forms if f}))


def _parse_synonyms(pairs: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" in pair:
            src, dst = pair.split("=", 1)
            if src.strip() and dst.strip():
                out[normal_form(src)] = normal_form(dst)
    return out


def normal_form(keyword: str) -> str:
    """One canonical spelling: folded, punctuation trimmed, last word singular ("wading birds")."""
    toks = words(keyword)
    if not toks:
        return ""
    toks[-1] = singular(toks[-1])
    return " ".join(toks)


@dataclass(frozen=True)
class VocabularyPolicy:
    """The photographer's keyword rules (settings plus any lists kept in the store)."""

    count: int = 8
    min_count: int = 6
    max_words: int = 3
    max_chars: int = 40
    required: tuple[str, ...] = ()
    banned: frozenset[str] = frozenset()
    preferred: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, extra: dict[str, list[str]] | None = None) -> VocabularyPolicy:
        """`extra` holds store vocabulary lists by kind ("required", "banned", "preferred", "synonym")."""
        extra = extra or {}
        syn = _parse_synonyms([*settings.keyword_synonyms, *extra.get("synonym", [])])
        return cls(
            count=max(1, settings.keywords_count),
            min_count=min(6, max(1, settings.keywords_count)),
            required=tuple(normal_form(k) for k in [*settings.required_keywords, *extra.get("required", [])]
                           if normal_form(k)),
            banned=frozenset(normal_form(k) for k in [*settings.banned_keywords, *extra.get("banned", [])]),
            preferred=tuple(normal_form(k) for k in [*settings.preferred_keywords, *extra.get("preferred", [])]
                            if normal_form(k)),
            synonyms=syn,
        )


def keyword_problem(keyword: str, policy: VocabularyPolicy) -> str:
    """Why a (normalised) keyword cannot be used as is, or "" when it is fine."""
    toks = keyword.split()
    if not toks:
        return "empty"
    if keyword in policy.banned:
        return "banned"
    if any(t in GEAR_WORDS or is_file_token(t) for t in toks):
        return "gear_or_file"
    if any(t in PHOTO_WORDS or t.endswith("photography") for t in toks):
        return "photo_word"
    if re.fullmatch(r"(19|20)\d\d", keyword):
        return "date"
    if toks[0] in STOPWORDS or toks[0] in ("showing", "visible", "appearing") or (
            toks[-1] in STOPWORDS and not (len(toks) > 1 and toks[-1] in PARTICLES)):
        return "fragment"
    if all(t in KEYWORD_GENERIC for t in toks):
        return "generic"
    if all(t in COLOURS for t in toks):
        return "colour_only"
    if len(toks) > policy.max_words or len(keyword) > policy.max_chars:
        return "too_long"
    return ""


@dataclass
class KeywordResult:
    keywords: list[str]
    dropped: list[tuple[str, str]]  # (keyword, reason)


def apply_policy(keywords: Any, policy: VocabularyPolicy, *, subject_phrase: str = "",
                 text: str = "") -> KeywordResult:
    """Deterministic keyword clean-up: normalise, map synonyms, drop what the policy forbids, trim edge
    stopwords of fragments, de-duplicate, put required / subject / mentioned preferred terms first, cap.

    Fragments ("with orange") are trimmed to their content, never invented: nothing is added that the
    photographer's lists, the set's subject or the text itself do not contain.
    """
    dropped: list[tuple[str, str]] = []
    rest: list[str] = []
    for raw in split_keywords(keywords):
        k = normal_form(raw)
        k = policy.synonyms.get(k, k)
        problem = keyword_problem(k, policy)
        if problem == "fragment":
            toks = k.split()
            while toks and (toks[0] in STOPWORDS or toks[0] in ("showing", "visible", "appearing")):
                toks.pop(0)
            while toks and toks[-1] in STOPWORDS:
                toks.pop()
            k = " ".join(toks)
            problem = keyword_problem(k, policy) if k else "fragment"
        if problem:
            dropped.append((raw, problem))
        elif k in rest:
            dropped.append((raw, "duplicate"))
        else:
            rest.append(k)
    folded_text = " ".join(singular(w) for w in words(text))
    firsts = list(policy.required)
    subject_kw = normal_form(subject_phrase)
    if subject_kw and not keyword_problem(subject_kw, policy):
        firsts.append(subject_kw)
    firsts += [p for p in policy.preferred
               if p in rest or re.search(rf"\b{re.escape(p)}\b", folded_text)]
    out = list(dict.fromkeys([*firsts, *rest]))
    if len(out) > policy.count:
        dropped.extend((k, "over_count") for k in out[policy.count:])
        out = out[: policy.count]
    return KeywordResult(out, dropped)


# Store vocabulary kinds the photographer's keyword lists are kept under (Settings hold the defaults).
STORE_KINDS = {"required": "keyword_required", "banned": "keyword_banned",
               "preferred": "keyword_preferred", "synonym": "keyword_synonym"}


def policy_for(settings: Settings, store: Any = None) -> VocabularyPolicy:
    """The policy from Settings plus the lists kept in the store (if a store is given)."""
    extra = {k: list(store.vocabulary(kind)) for k, kind in STORE_KINDS.items()} if store is not None else None
    return VocabularyPolicy.from_settings(settings, extra)
