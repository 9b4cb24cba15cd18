"""Per-photo lint rules of the metadata quality gate (no I/O, no batch context).

Each rule looks at one photo's caption, alt text and keywords together with the context the
photographer gave (subject, location, category, file name, hint keywords) and the CLIP hints, and
returns issue tags. A tag names its field first (`caption_`, `alt_`, `keywords_`) so the review editor
can show it on that field; cross-field tags (`caption_equals_alt`, `context_only`, ...) are shown on
both text fields. Whether a tag blocks is decided in gate.py, not here.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .vocabulary import (
    COLOURS,
    GENERIC_WORDS,
    VocabularyPolicy,
    content_stems,
    fold,
    is_file_token,
    keyword_problem,
    normal_form,
    singular,
    split_keywords,
    words,
    wordset,
)


@dataclass
class TextRecord:
    """The text of one photo and the context it is judged against."""

    caption: str = ""
    alt_text: str = ""
    keywords: list[str] = field(default_factory=list)
    title: str = ""
    subject: str = ""
    location: str = ""
    category: str = ""
    file_name: str = ""
    original_name: str = ""
    hint_keywords: str = ""
    clip_hints: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, row: dict[str, Any]) -> TextRecord:
        """Build from a JSONL line, a catalog row or a photo dict (tolerant of key spellings)."""
        def get(*keys: str) -> Any:
            for k in keys:
                if row.get(k) not in (None, ""):
                    return row[k]
            return ""

        return cls(
            caption=str(get("caption", "Caption")), alt_text=str(get("alt_text", "alt", "Alt_Text")),
            keywords=split_keywords(get("keywords", "Keywords")), title=str(get("title")),
            subject=str(get("subject", "Subject")), location=str(get("location", "Location")),
            category=str(get("category", "Folder", "folder")), file_name=str(get("file_name", "File_Name")),
            original_name=str(get("original_name", "Original_File_Name")),
            hint_keywords=str(get("hint_keywords")), clip_hints=list(row.get("clip_hints") or []),
        )


# -- phrase lists (from the reference gate, seed-system.md §8.3-8.5, plus what real VLMs write) ------
_TEMPLATE = [
    r"^(the|this) (image|photo|photograph|picture|frame) (shows|features|depicts|captures|displays)",
    r"^(a|an) (photo|photograph|image|picture|shot|snapshot) of\b", r"^image\b", r"\bscene featuring\b",
    r"\bvisible details include\b", r"\b(close-up|closeup|detailed|close) view of\b",
    r"\bin the (frame|image|photo|photograph|picture|shot)\b", r"\bset against\b", r"\bbackdrop\b",
    r"\bframed by\b", r"\b(is|are) visible\b", r"\bvisible (shape|form|surface|detail)s?\b",
    r"\bmain subject\b", r"\bvisual study\b", r"\bsurrounding scene\b", r"\bphotograph of\b",
    r"\bscene where\b", r"\bprominently features\b", r"\bshowcas(e|es|ing)\b",
    r"\b(captured|photographed|shot|taken) (with|on|using|in)\b", r"\bidentified as\b",
]
_FILLER = [
    r"\b(beautiful|stunning|majestic|breathtaking|gorgeous|mesmerizing|serene|tranquil|picturesque)\b",
    r"\bgracefully\b", r"\bazure heavens?\b", r"\bnatural (light|tones?|surroundings|setting)\b",
    r"\bsoft background\b", r"\b(clean|balanced) (composition|framing)\b", r"\bcolou?r contrast\b",
    r"\bsurface texture\b", r"\benvironmental context\b", r"\b(quiet|urban) setting\b",
]
_UNCERTAIN = [
    r"\b(possibly|probably|perhaps|maybe|likely|presumably|seemingly|apparently)\b",
    r"\b(appears|seems) to be\b", r"\b(could|might|may) be\b", r"\beither\b.+\bor\b",
    r"\b(sunset or sunrise|sunrise or sunset|morning or evening|dawn or dusk|dusk or dawn)\b",
    r"\bsuggesting\b", r"\bconsistent with\b", r"\bunclear\b",
]
_CAMERA = [
    r"\b(canon|nikon|sony|fujifilm|fuji|olympus|lumix|panasonic|leica|pentax|hasselblad|tamron|sigma)\b",
    r"\beos\b", r"\b\d{2,4} ?mm\b", r"\bf/\d+(\.\d+)?\b", r"\biso ?\d{2,5}\b", r"\b1/\d{2,5} ?s(ec)?\b",
    r"\b(shutter speed|aperture|focal length|telephoto lens|wide-angle lens)\b", r"\bmark (ii|iii|iv)\b",
]
_CATEGORY = [r"\bphotography\b", r"\b(collection|gallery|category|portfolio|folder)\b"]
_INTERNAL = [
    r"\bseries (image|photo|frame)\b", r"\b(image|photo|frame) \d+ of \d+\b", r"\bvisual[ _]variant\b",
    r"\bv\d{3}\b", r"[a-z]+_[a-z]+_[a-z-]+_v\d+", r"\bmid-light\b", r"\b(identifier|router)\b",
    r"\bnon-authoritative\b", r"\bhint keywords?\b", r"\bas an ai\b", r"\bjson\b", r"\b(caption|alt text):",
]
_IMPOSSIBLE = [
    r"\bin formation\b", r"\bsecond (plane|aircraft|jet|airliner)\b", r"\btwo (suns|moons)\b",
    r"\btwin (suns|moons)\b", r"\btwo (planes|aircraft|jets|airliners)\b",
]
_DESCRIPTORS = COLOURS | wordset(
    "great greater lesser little small large big common european eurasian northern southern eastern "
    "western old new young juvenile adult male female wild central main"
)
# Broad heads: a subject made only of these is generic and has no consistency contract.
_GENERIC_HEADS = wordset(
    "bird animal mammal insect flower plant tree waterfowl wildlife landscape scene skyline cityscape "
    "city town nature building field dune sky water sea beach view sunset sunrise night street interior "
    "exterior"
)
_SYNONYM_GROUPS = [{"aircraft", "airplane", "plane", "jet", "airliner"}, {"cathedral", "church", "dom", "basilica"},
                   {"boat", "ship", "vessel"}, {"car", "automobile"}, {"mill", "windmill"}]
_SYNONYMS = {w: g - {w} for g in _SYNONYM_GROUPS for w in g}
# Specific names per CLIP label class; a name of the subject's class that the subject, the hint
# keywords and the CLIP hints do not support is an unsupported specific (a second species, a brand).
SPECIFICS: dict[str, frozenset[str]] = {
    "birds": wordset(
        "heron egret gull tern oystercatcher lapwing godwit avocet spoonbill stork swan goose mallard "
        "grebe coot moorhen cormorant kingfisher owl hawk buzzard kestrel falcon eagle harrier sparrow "
        "starling robin blackbird wren magpie crow jackdaw rook pigeon dove woodpecker flamingo "
        "pelican puffin sandpiper curlew plover redshank dunlin knot bittern crane ibis warbler "
        "finch goldfinch bullfinch swallow swift martin thrush nuthatch treecreeper parakeet"),
    "insects": wordset(
        "bee bumblebee hoverfly wasp hornet butterfly moth dragonfly damselfly ladybird ladybug beetle "
        "ant grasshopper cricket mosquito mantis caterpillar cicada"),
    "mammals": wordset(
        "fox deer hare rabbit squirrel cow horse sheep goat seal otter badger hedgehog boar wolf bat "
        "mouse rat beaver marten stoat weasel porpoise dolphin whale"),
    "aircraft": wordset("boeing airbus embraer cessna atr bombardier fokker helicopter glider"),
    "flowers": wordset(
        "tulip rose daffodil sunflower lily orchid poppy lavender daisy dahlia iris hyacinth crocus "
        "foxglove buttercup dandelion clover heather bluebell peony"),
}
# A sentence ending on one of these was cut off ("... with a small fish in its").
_TAIL_WORDS = wordset(
    "a an the and or but of in on at to for from by with into onto its their his whose than as"
)
_NON_LATIN_OK = {"MICRO SIGN", "DEGREE SIGN"}


def foreign_script(text: str) -> bool:
    """True when a letter is not Latin (CJK, Cyrillic, Greek, Arabic ...): the text is not English."""
    for ch in text or "":
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if not name.startswith("LATIN") and name not in _NON_LATIN_OK:
                return True
    return False


def _any(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def _raw_tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", fold(text))


def filename_leak(text: str, rec: TextRecord) -> bool:
    """Camera file ids (`IMG_4821`, `DSC04512`), file extensions, or the original file stem."""
    low = fold(text)
    if re.search(r"\.(jpe?g|png|heic|heif|tiff?|dng|cr[23]|nef|arw|raf)\b", low):
        return True
    for tok in _raw_tokens(text):
        if is_file_token(tok.replace("_", "")) and re.search(r"[a-z]", tok) and re.search(r"\d", tok):
            if re.fullmatch(r"[a-z]{1,2}\d{3,4}", tok):  # aircraft types such as a320, e190
                continue
            return True
    for name in (rec.original_name, rec.file_name):
        stem = fold(name).rsplit(".", 1)[0]
        if stem and re.search(r"\d", stem) and len(stem) >= 6 and stem in low.replace(" ", "_"):
            return True
    return False


def _repeated(text: str) -> bool:
    toks = words(text)
    if any(a == b and len(a) > 1 for a, b in itertools.pairwise(toks)):
        return True
    grams = [" ".join(toks[i:i + 3]) for i in range(len(toks) - 2)]
    return len(grams) != len(set(grams))


def ends_cut_off(text: str) -> bool:
    """The sentence ends on an article, preposition or possessive: the model was cut off."""
    toks = words(text)
    return bool(toks) and toks[-1] in _TAIL_WORDS


def _truncated(text: str) -> bool:
    stripped = text.strip()
    if stripped.endswith((",", ":", ";", "-", "(")) or stripped.count("(") != stripped.count(")"):
        return True
    toks = words(stripped)
    return bool(toks) and toks[-1] in _TAIL_WORDS


def text_issues(field_name: str, text: str, rec: TextRecord, min_words: int, max_words: int) -> list[str]:
    """Rules for one sentence field (`caption` or `alt`)."""
    if not (text or "").strip():
        return [f"{field_name}_empty"]
    if foreign_script(text):
        return [f"{field_name}_non_english"]
    low = fold(text).replace("_", " ")
    n = len(words(text))
    checks = [
        ("too_short", n < min_words), ("too_long", n > max_words), ("template", _any(_TEMPLATE, low)),
        ("filler", _any(_FILLER, low)), ("uncertain", _any(_UNCERTAIN, low)),
        ("filename_leak", filename_leak(text, rec)), ("camera_leak", _any(_CAMERA, low)),
        ("category_leak", _any(_CATEGORY, low) or _category_token_leak(text, rec)),
        ("internal_leak", _any(_INTERNAL, low)), ("repeated_words", _repeated(text)),
        ("truncated", _truncated(text)),
    ]
    return [f"{field_name}_{tag}" for tag, hit in checks if hit]


def _category_token_leak(text: str, rec: TextRecord) -> bool:
    """A folder or location label pasted verbatim (`Birds_Photography`, `Amsterdam_Netherlands`)."""
    low = fold(text)
    labels = [fold(rec.category), fold(rec.location)]
    return bool(re.search(r"[a-z]_[a-z]", low)) or any(lab and "_" in lab and lab in low for lab in labels)


def keyword_issues(rec: TextRecord, policy: VocabularyPolicy) -> list[str]:
    kws = rec.keywords
    if not kws:
        return ["keywords_empty"]
    issues: list[str] = []
    if len(kws) < policy.min_count:
        issues.append("keywords_too_few")
    if any(foreign_script(k) for k in kws):
        issues.append("keywords_non_english")
    seen: set[str] = set()
    for k in kws:
        if foreign_script(k):
            continue
        norm = normal_form(k)
        problem = keyword_problem(norm, policy)
        if problem in ("gear_or_file", "date"):
            issues.append("keywords_gear_or_file")
        elif problem:
            issues.append(f"keywords_{problem}")
        if norm in seen:
            issues.append("keywords_repeated")
        seen.add(norm)
    return list(dict.fromkeys(issues))


def subject_stems(rec: TextRecord) -> set[str]:
    """The distinctive stems of the subject: not place names, descriptors or broad heads."""
    return {s for s in _subject_words(rec) if s not in _GENERIC_HEADS and s not in content_stems(rec.category)}


def _subject_words(rec: TextRecord) -> set[str]:
    """Subject stems that may anchor the text: everything but places and descriptors (heads included)."""
    place = content_stems(rec.location)
    return {s for s in content_stems(rec.subject) if s not in place and s not in _DESCRIPTORS and len(s) > 1}


def _living_or_aircraft(rec: TextRecord) -> bool:
    """Species and aircraft types must be named in the alt text too (the seed's species contract)."""
    support = content_stems(rec.subject) | content_stems(rec.category)
    return any(names & support or singular(cls) in support for cls, names in SPECIFICS.items())


def _mentions(stems: set[str], text_stems: set[str]) -> bool:
    return any(s in text_stems or _SYNONYMS.get(s, set()) & text_stems for s in stems)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _norm_sentence(text: str) -> str:
    return " ".join(words(text))


def cross_issues(rec: TextRecord) -> list[str]:
    """Rules that look at caption, alt text and keywords together with the context."""
    issues: list[str] = []
    cap, alt = rec.caption or "", rec.alt_text or ""
    if cap.strip() and alt.strip() and not foreign_script(cap + alt):
        if _norm_sentence(cap) == _norm_sentence(alt):
            issues.append("caption_equals_alt")
        elif _jaccard(content_stems(cap), content_stems(alt)) >= 0.8:
            issues.append("caption_alt_too_similar")
    kw_stems: set[str] = set()
    for k in rec.keywords:
        kw_stems |= content_stems(k)
    if subject_stems(rec):  # a generic subject ("Bird", "Dunes") has no naming contract
        anchors = _subject_words(rec)
        fields = [("caption", cap, content_stems(cap)), ("keywords", rec.keywords, kw_stems)]
        if _living_or_aircraft(rec):
            fields.insert(1, ("alt", alt, content_stems(alt)))
        for name, value, stems in fields:
            if value and not _mentions(anchors, stems):
                issues.append(f"subject_missing_{name}")
    context = (content_stems(rec.subject) | content_stems(rec.location) | content_stems(rec.category)
               | content_stems(re.sub(r"[_.]", " ", rec.file_name)) | content_stems(rec.hint_keywords))
    visual = {s for s in content_stems(f"{cap} {alt}") - context
              if s not in GENERIC_WORDS and not s.isdigit() and len(s) > 2}
    if (cap.strip() or alt.strip()) and len(visual) < 3:
        issues.append("context_only")
    text_low = fold(f"{cap} {alt} {' '.join(rec.keywords)}")
    if _any(_IMPOSSIBLE, text_low):
        issues.append("unsupported_claim")
    issues += _specific_issues(rec, text_low)
    return issues


def _specific_issues(rec: TextRecord, text_low: str) -> list[str]:
    """Second species / brands the context does not support, and text that contradicts CLIP."""
    mentioned = {singular(w) for w in re.findall(r"[a-z]+", text_low)}
    support = content_stems(rec.subject) | content_stems(rec.hint_keywords)
    support |= {singular(w) for h in rec.clip_hints for w in words(str(h.get("label", "")))}
    subject_classes = {c for c, names in SPECIFICS.items() if names & support}
    if not subject_classes:
        subject_classes = {c for c in SPECIFICS if singular(c) in support or c in support
                           or singular(c) in content_stems(rec.category) or c in fold(rec.category)}
    issues: list[str] = []
    for cls in subject_classes:
        if (SPECIFICS[cls] & mentioned) - support:
            issues.append("unsupported_specific")
            break
    hints = sorted(rec.clip_hints, key=lambda h: -float(h.get("score", 0)))
    if hints and float(hints[0].get("score", 0)) >= 0.6:
        top = str(hints[0].get("label", ""))
        named = {c for c, names in SPECIFICS.items() if names & mentioned}
        likely = {str(h.get("label")) for h in hints if float(h.get("score", 0)) >= 0.1}
        if top in SPECIFICS and named and not (named & likely):
            issues.append("clip_conflict")
    return issues


def lint_record(rec: TextRecord, policy: VocabularyPolicy | None = None) -> list[str]:
    """Every per-photo issue tag of `rec`, in a stable order, without duplicates."""
    policy = policy or VocabularyPolicy()
    issues = [
        *text_issues("caption", rec.caption, rec, 7, 30),
        *text_issues("alt", rec.alt_text, rec, 6, 40),
        *keyword_issues(rec, policy),
        *cross_issues(rec),
    ]
    return list(dict.fromkeys(issues))
