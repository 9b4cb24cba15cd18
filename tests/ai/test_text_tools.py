"""Vocabulary control, prompt building and answer parsing."""

from __future__ import annotations

import pytest

from backend.prompts import PromptContext, build_prompt, display_location, response_schema
from backend.settings import load_settings
from backend.vision.answer import AnswerError, parse_answer
from backend.vocabulary import VocabularyPolicy, apply_policy, keyword_signature, singular, split_keywords


@pytest.mark.parametrize(("plural", "single"), [
    ("tulips", "tulip"), ("flies", "fly"), ("geese", "goose"), ("boxes", "box"), ("species", "species"),
    ("grass", "grass"), ("dunes", "dune"), ("leaves", "leaf"), ("bus", "bus"), ("maas", "maas"),
])
def test_singular(plural: str, single: str) -> None:
    assert singular(plural) == single


def test_policy_from_settings_enforces_every_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(tmp_path, env={}, keywords_count=6, required_keywords="netherlands",
                             banned_keywords="nature,wildlife", preferred_keywords="shorebird",
                             keyword_synonyms="wader=wading bird,plane=aircraft")
    policy = VocabularyPolicy.from_settings(settings, {"banned": ["mudflat"]})
    result = apply_policy(
        "Waders, Canon, IMG_4821, nature, Planes, Oystercatchers, Wet Sand, the beach, jpg, 2026, mudflat, "
        "orange, shorebird, low tide, Wet sand, tide pool",
        policy, subject_phrase="Oystercatcher", text="A shorebird on wet sand.")
    assert result.keywords == ["netherlands", "oystercatcher", "shorebird", "wading bird", "aircraft", "wet sand"]
    reasons = dict(result.dropped)
    assert reasons["Canon"] == "gear_or_file" and reasons["IMG_4821"] == "gear_or_file"
    assert reasons["nature"] == "banned" and reasons["mudflat"] == "banned" and reasons["2026"] == "date"
    assert reasons["orange"] == "colour_only" and reasons["Wet sand"] == "duplicate"
    assert reasons["low tide"] == "over_count"  # the count is a hard cap
    assert ("beach", "over_count") in result.dropped  # "the beach" was trimmed to "beach", then capped


def test_split_and_signature_are_order_and_form_free() -> None:
    assert split_keywords("a, b;c\n d,,") == ["a", "b", "c", "d"]
    assert keyword_signature(["Tulips", "flower field"]) == keyword_signature(["flower fields", "tulip"])


def test_prompt_gives_cues_series_and_nudges() -> None:
    ctx = PromptContext(subject="Grey Heron", location="Spaarnwoude_Netherlands", category="Birds",
                        hint_keywords="reed, ditch", clip_hints=[{"label": "birds", "score": 0.9}],
                        series_index=3, series_count=12, keywords_count=5)
    text = build_prompt(ctx)
    for part in ("subject given by the photographer: Grey Heron", "Spaarnwoude, Netherlands",
                 "hint keywords: reed, ditch",
                 "classifier suggests: birds", "frame 3 of 12", "exactly 5 short noun phrases"):
        assert part in text
    assert "previous text was too close" not in text
    nudged = build_prompt(ctx.with_nudge("different", ["Grey heron in reeds."]).with_nudge("english"))
    assert "Do not reuse these:\n- Grey heron in reeds." in nudged and "Latin alphabet" in nudged
    assert "frame 1 of" not in build_prompt(PromptContext(series_index=1, series_count=1))
    assert display_location("New_York_USA") == "New York, USA" and display_location("Texel") == "Texel"
    assert response_schema(5)["properties"]["keywords"]["minItems"] == 5


@pytest.mark.parametrize(("raw", "repair"), [
    ('{"caption": "A b.", "alt_text": "C d.", "keywords": ["x"]}', []),
    ('```json\n{"caption": "A b.", "alt_text": "C d.", "keywords": ["x"]}\n```', ["code_fence"]),
    ('Sure, here it is: {"caption": "A b.", "alt_text": "C d.", "keywords": "x, y"} Hope it helps!',
     ["trailing_prose"]),
    ('{"caption": "A b.", "alt": "C d.", "keywords": ["x", "y",],}', ["trailing_comma"]),
    ('{"caption": "A b.", "alt_text": "C d.", "keywords": ["x", "y", "z', ["truncated_string"]),
])
def test_parse_answer_repairs_syntax(raw: str, repair: list[str]) -> None:
    a = parse_answer(raw)
    assert (a.caption, a.alt_text) == ("A b.", "C d.") and a.keywords[0] == "x" and a.repaired == repair
    if repair == ["truncated_string"]:
        assert a.keywords == ["x", "y"]  # the half-written keyword is dropped, never kept


@pytest.mark.parametrize(("raw", "kind"), [
    ("", "empty"), ("I see a bird.", "malformed_json"),
    ('{"caption": "A b c d e f g.", "alt_text": "An oyster', "truncated"),
    ('{"caption": "A b."}', "missing_fields"),
])
def test_parse_answer_refuses_what_it_cannot_use(raw: str, kind: str) -> None:
    with pytest.raises(AnswerError) as exc:
        parse_answer(raw)
    assert exc.value.kind == kind
