"""Spellcheck for the set form (subject, location, hint keywords), with words the user chose to keep."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_lock = threading.Lock()
_checker: Any = None

# Photography words a general English dictionary does not know.
CORE_WORDS = frozenset({"macro", "bokeh", "cityscape", "cityscapes", "waterscape", "seascape", "hdr", "exif",
                        "jpeg", "drone", "timelapse", "astrophotography", "photography"})


class Unavailable(Exception):
    """The dictionary could not be loaded; the UI shows spellcheck as off with this reason."""


def _spell() -> Any:
    global _checker
    with _lock:
        if _checker is None:
            try:
                from spellchecker import SpellChecker

                _checker = SpellChecker(distance=2)
            except (ImportError, OSError, ValueError) as exc:
                raise Unavailable(f"the English dictionary could not be loaded ({exc})") from exc
        return _checker


def _skip(word: str) -> bool:
    """Tokens that are not ordinary words: short, ALL CAPS codes, very long."""
    return len(word) < 3 or word.isupper() or len(word) > 24


def check(text: str, keep: Iterable[str] = (), extra_known: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Misspelled words of `text` with up to 5 suggestions each, case preserved, in text order."""
    known = {w.casefold() for w in keep} | {w.casefold() for w in extra_known} | CORE_WORDS
    words = [w for w in _WORD.findall(text) if not _skip(w) and w.casefold() not in known]
    if not words:
        return []
    checker = _spell()
    unknown = checker.unknown([w.casefold() for w in words])
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for word in words:
        low = word.casefold()
        if low not in unknown or low in seen:
            continue
        seen.add(low)
        candidates = sorted(checker.candidates(low) or [], key=lambda c: -checker.word_usage_frequency(c))[:5]
        if word[:1].isupper():
            candidates = [c[:1].upper() + c[1:] for c in candidates]
        out.append({"word": word, "suggestions": candidates})
    return out
