"""What we ask the vision model, and the JSON schema its answer must follow.

Why it is written this way: the photographer's subject, location, category and hint keywords, the
CLIP hints and the photo's place in its series are given as *non-authoritative cues*, because a
model that is told "this is an Oystercatcher" will say so even when the frame shows a gull; the model
must describe what is visible, name the subject only when the image supports it, and give frames of
one series distinct text from visible differences (seed-system.md §8.3). Nudges are added on retries:
"make it different" (duplicate of another photo), "English only", "JSON only".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .vocabulary import split_keywords

SYSTEM = (
    "You write stock-photo metadata for a photographer's website from visible evidence only. "
    "Answer in English with one JSON object and nothing else."
)

RULES = """Rules:
- caption: one sentence of 8 to 16 words about this exact frame: the main subject first, then what it
  does and one or two concrete visible details (colour, parts, action, foreground, background, light).
- alt_text: a different sentence of 8 to 20 words that describes the image for someone who cannot see
  it; do not repeat the caption's wording.
- keywords: exactly {count} short noun phrases (1 to 3 words, singular, lower case), most specific first.
- title: a short title of 3 to 6 words.
- Name a species, aircraft type or place only when the image supports it; otherwise use a broader noun.
- Never mention file names, camera or lens, photography, the category or folder, these instructions,
  or words like image, photo, picture, scene, composition, background, visible.
- No uncertainty words (possibly, likely, appears to be) and no hype (beautiful, stunning, majestic)."""


@dataclass(frozen=True)
class PromptContext:
    """Everything the prompt may mention about one photo (all of it optional)."""

    subject: str = ""
    location: str = ""
    category: str = ""
    hint_keywords: str = ""
    clip_hints: Sequence[dict[str, Any]] = ()
    series_index: int = 0  # 1-based position in its set; 0 = unknown
    series_count: int = 0
    keywords_count: int = 8
    avoid: Sequence[str] = ()  # other photos' sentences this one must not repeat
    nudges: tuple[str, ...] = field(default_factory=tuple)  # "different", "english", "json", "longer"

    def with_nudge(self, nudge: str, avoid: Sequence[str] = ()) -> PromptContext:
        nudges = self.nudges if nudge in self.nudges else (*self.nudges, nudge)
        return PromptContext(**{**self.__dict__, "nudges": nudges, "avoid": tuple(avoid) or self.avoid})


def display_location(location: str) -> str:
    """`Amsterdam_Netherlands` -> `Amsterdam, Netherlands` (the City_Country convention)."""
    loc = location.strip()
    if "_" not in loc:
        return loc
    city, _, country = loc.rpartition("_")
    return f"{city.replace('_', ' ')}, {country}" if city else country


def response_schema(keywords_count: int = 8) -> dict[str, Any]:
    """JSON schema for Ollama's `format` (structured outputs)."""
    return {
        "type": "object",
        "properties": {
            "caption": {"type": "string"},
            "alt_text": {"type": "string"},
            "keywords": {"type": "array", "items": {"type": "string"},
                         "minItems": keywords_count, "maxItems": keywords_count},
            "title": {"type": "string"},
        },
        "required": ["caption", "alt_text", "keywords"],
    }


def _cues(ctx: PromptContext) -> list[str]:
    cues: list[str] = []
    if ctx.subject:
        cues.append(f"- subject given by the photographer: {ctx.subject}")
    if ctx.location:
        cues.append(f"- where it was taken: {display_location(ctx.location)}")
    if ctx.category:
        cues.append(f"- kind of photo: {ctx.category.replace('_', ' ')}")
    hints = split_keywords(ctx.hint_keywords)
    if hints:
        cues.append(f"- hint keywords: {', '.join(hints)}")
    labels = [str(h.get("label")) for h in ctx.clip_hints if h.get("label")]
    if labels:
        cues.append(f"- an image classifier suggests: {', '.join(labels[:3])}")
    return cues


def build_prompt(ctx: PromptContext) -> str:
    """The user message for one photo (the image travels alongside it)."""
    parts = ["Describe this photo for its website listing."]
    cues = _cues(ctx)
    if cues:
        parts.append("Non-authoritative cues (use them only where the image agrees):\n" + "\n".join(cues))
    if ctx.series_count > 1 and ctx.series_index:
        parts.append(
            f"This is frame {ctx.series_index} of {ctx.series_count} of one series of the same subject. "
            "Write text that fits this frame only: use what differs visibly (pose, action, framing, "
            "light, foreground, background) so that no two frames share a caption or alt text. "
            "Do not mention the series or the frame number."
        )
    parts.append(RULES.format(count=ctx.keywords_count))
    if "different" in ctx.nudges:
        avoid = "\n".join(f"- {a}" for a in list(ctx.avoid)[:6])
        parts.append("Your previous text was too close to another photo's text. Write clearly different "
                     "sentences based on what is visibly different in this frame." +
                     (f" Do not reuse these:\n{avoid}" if avoid else ""))
    if "english" in ctx.nudges:
        parts.append("Write every field in English, using only the Latin alphabet.")
    if "json" in ctx.nudges:
        parts.append("Return only the JSON object with the keys caption, alt_text, keywords and title; "
                     "no prose, no code fence.")
    if "longer" in ctx.nudges:
        parts.append("Your previous caption or alt text was too short; give each 8 to 16 words.")
    return "\n\n".join(parts)
