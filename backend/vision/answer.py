"""Turning a vision model's raw answer into caption / alt text / keywords, or saying why not.

Why a repair step: even with a JSON schema in `format`, local models wrap JSON in code fences, add a
sentence before it, leave trailing commas, stop mid-object when `num_predict` runs out, or put the
whole answer in `thinking`. Repairs here are syntactic only; a field cut off mid-sentence is dropped
(never kept half-written), and the caller retries when a required field is missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..gate_rules import foreign_script
from ..vocabulary import split_keywords

_KEY_ALIASES = {
    "caption": ("caption", "Caption", "description"),
    "alt_text": ("alt_text", "alt", "alttext", "alt text", "altText", "Alt_Text"),
    "keywords": ("keywords", "Keywords", "tags"),
    "title": ("title", "Title"),
}


class AnswerError(ValueError):
    """The answer could not be turned into usable fields; `kind` says why (for retries and logs)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass
class Answer:
    caption: str
    alt_text: str
    keywords: list[str]
    title: str = ""
    repaired: list[str] = field(default_factory=list)  # what the syntactic repair had to do
    source: str = "content"  # "content" or "thinking"

    @property
    def non_english(self) -> bool:
        return foreign_script(" ".join([self.caption, self.alt_text, self.title, *self.keywords]))


def _close_truncated(text: str) -> tuple[str, bool]:
    """Close an object the model stopped writing; returns (text, cut_inside_a_string)."""
    stack: list[str] = []
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    out = text
    if in_str:
        out += '"'
    if stack and stack[-1] == "}":  # inside an object: a trailing string is a key cut before its colon
        out = re.sub(r'([{,])\s*"[^"]*"\s*$', r"\1", out.rstrip())
    out = re.sub(r",\s*$", "", out.rstrip())
    out = re.sub(r'"\s*:\s*$', '": ""', out)
    return out + "".join(reversed(stack)), in_str


def _candidates(raw: str) -> list[tuple[str, list[str]]]:
    text = raw.strip()
    out: list[tuple[str, list[str]]] = [(text, [])]
    fenced = re.search(r"```(?:json)?\s*(.*?)(```|$)", text, re.S)
    if fenced:
        text = fenced.group(1).strip()
        out.append((text, ["code_fence"]))
    start = text.find("{")
    if start > 0:
        text = text[start:]
        out.append((text, ["leading_prose"]))
    end = text.rfind("}")
    if start >= 0 and 0 < end < len(text) - 1:
        out.append((text[: end + 1], ["trailing_prose"]))
    fixed = re.sub(r",\s*([}\]])", r"\1", text).replace("“", '"').replace("”", '"')
    out.append((fixed, ["trailing_comma"]))
    closed, cut = _close_truncated(fixed)
    out.append((closed, ["truncated_string" if cut else "unclosed_object"]))
    return out


def _pick(obj: dict[str, Any], name: str) -> Any:
    for key in _KEY_ALIASES[name]:
        if key in obj:
            return obj[key]
    return None


def parse_answer(raw: str, *, source: str = "content", cut_off: bool = False) -> Answer:
    """Parse `raw` into an Answer, repairing JSON syntax; raises AnswerError when it cannot.

    `cut_off` says the model hit its token limit (done_reason "length"): the last string of a
    repaired object is then treated as incomplete and dropped.
    """
    if not raw or not raw.strip():
        raise AnswerError("empty", "the model returned no text")
    obj: dict[str, Any] | None = None
    repairs: list[str] = []
    for text, steps in _candidates(raw):
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            obj, repairs = value, steps
            break
    if obj is None:
        raise AnswerError("truncated" if cut_off else "malformed_json", f"no JSON object in: {raw[:120]!r}")
    if "truncated_string" in repairs or (cut_off and repairs):
        obj = _drop_last_string(obj)
    caption, alt = _pick(obj, "caption"), _pick(obj, "alt_text")
    keywords = split_keywords(_pick(obj, "keywords"))
    missing = [n for n, v in (("caption", caption), ("alt_text", alt)) if not isinstance(v, str) or not v.strip()]
    if not keywords:
        missing.append("keywords")
    if missing:
        cut = cut_off or (repairs and repairs[-1] in ("truncated_string", "unclosed_object"))
        kind = "truncated" if cut else "missing_fields"
        raise AnswerError(kind, f"missing {', '.join(missing)}")
    title = _pick(obj, "title")
    return Answer(caption=str(caption).strip(), alt_text=str(alt).strip(), keywords=keywords,
                  title=str(title).strip() if isinstance(title, str) else "", repaired=repairs, source=source)


def _drop_last_string(obj: dict[str, Any]) -> dict[str, Any]:
    """Remove the value the model was writing when it stopped (the last key, or the last list item)."""
    if not obj:
        return obj
    last = list(obj)[-1]
    value = obj[last]
    out = dict(obj)
    if isinstance(value, list) and value:
        out[last] = value[:-1]
    else:
        del out[last]
    return out
