"""The gate's lint rules, repairs, duplicate ledger and verdicts (table-driven)."""

from __future__ import annotations

import random

import pytest

from backend.gate import (
    FAIL_BLOCKED,
    PASS_GENERIC,
    PASS_HIGH,
    PASS_REPAIRED,
    DuplicateLedger,
    issue_fields,
    judge_batch,
    repair_sentence,
)
from backend.gate_rules import TextRecord, lint_record
from backend.vocabulary import content_stems

BASE = dict(
    caption="Oystercatcher probing wet sand with its long orange bill at low tide.",
    alt_text="An oystercatcher with black and white plumage walks across rippled wet sand.",
    keywords=["oystercatcher", "shorebird", "orange bill", "wet sand", "low tide", "mudflat", "wading bird",
              "texel"],
    subject="Oystercatcher", location="Texel_Netherlands", category="Birds",
    file_name="Oystercatcher_Texel_Netherlands_Birds_Photography_001.JPG", original_name="IMG_4821.JPG",
)


def rec(**changes: object) -> TextRecord:
    return TextRecord(**{**BASE, **changes})  # type: ignore[arg-type]


def test_a_good_record_is_clean() -> None:
    assert lint_record(rec()) == []


CASES = [
    ({"caption": ""}, "caption_empty"),
    ({"alt_text": "  "}, "alt_empty"),
    ({"keywords": []}, "keywords_empty"),
    ({"caption": "Oystercatcher on the beach."}, "caption_too_short"),
    ({"alt_text": "An oystercatcher."}, "alt_too_short"),
    ({"keywords": ["oystercatcher", "sand", "tide"]}, "keywords_too_few"),
    ({"caption": "Oystercatcher " + "walking slowly along the wet sand and " * 5 + "feeding."}, "caption_too_long"),
    ({"caption": "The image shows an oystercatcher probing wet sand at low tide."}, "caption_template"),
    ({"alt_text": "Visible details include feathers, an orange bill and wet sand."}, "alt_template"),
    ({"caption": "Oystercatcher on wet sand set against a backdrop of the sea at low tide."}, "caption_template"),
    ({"caption": "Majestic oystercatcher probing wet sand with its long orange bill."}, "caption_filler"),
    ({"caption": "Oystercatcher probing wet sand in soft natural light at low tide."}, "caption_filler"),
    ({"caption": "Oystercatcher, possibly a juvenile, probing wet sand at low tide."}, "caption_uncertain"),
    ({"alt_text": "A bird that appears to be an oystercatcher walks on wet sand."}, "alt_uncertain"),
    ({"caption": "Oystercatcher probing wet sand at sunset or sunrise on the coast."}, "caption_uncertain"),
    ({"caption": "IMG_4821 oystercatcher probing wet sand with its orange bill."}, "caption_filename_leak"),
    ({"alt_text": "An oystercatcher on wet sand, file DSC04512.JPG from the card."}, "alt_filename_leak"),
    ({"caption": "Oystercatcher probing wet sand shot on a Canon EOS R5 at 500mm."}, "caption_camera_leak"),
    ({"caption": "Oystercatcher probing wet sand at f/8 and ISO 400 at low tide."}, "caption_camera_leak"),
    ({"caption": "Birds Photography collection oystercatcher probing wet sand at low tide."},
     "caption_category_leak"),
    ({"caption": "Series image 3 of 12 oystercatcher probing wet sand at low tide."}, "caption_internal_leak"),
    ({"alt_text": "An oystercatcher landscape_telephoto_mid-light_v003 walks on wet sand."}, "alt_internal_leak"),
    ({"caption": "Oystercatcher oystercatcher probing wet sand with its orange bill."}, "caption_repeated_words"),
    ({"caption": "Oystercatcher probing wet sand with a small worm in its"}, "caption_truncated"),
    ({"caption": "一只蛎鹬在潮湿的沙滩上用橙色的长喙觅食。"}, "caption_non_english"),
    ({"alt_text": "Кулик-сорока идёт по мокрому песку у воды."}, "alt_non_english"),
    ({"keywords": [*BASE["keywords"][:7], "蛎鹬"]}, "keywords_non_english"),  # type: ignore[index]
    ({"keywords": [*BASE["keywords"][:6], "canon", "eos r5"]}, "keywords_gear_or_file"),  # type: ignore[index]
    ({"keywords": [*BASE["keywords"][:6], "dsc04512", "2026"]}, "keywords_gear_or_file"),  # type: ignore[index]
    ({"keywords": [*BASE["keywords"][:6], "bird photography", "photo"]}, "keywords_photo_word"),  # type: ignore[index]
    ({"keywords": [*BASE["keywords"][:6], "with orange", "the beach"]}, "keywords_fragment"),  # type: ignore[index]
    ({"keywords": [*BASE["keywords"][:6], "oystercatcher walking on the wet sand"]},  # type: ignore[index]
     "keywords_too_long"),
    ({"keywords": [*BASE["keywords"][:7], "Oystercatchers"]}, "keywords_repeated"),  # type: ignore[index]
    ({"alt_text": BASE["caption"]}, "caption_equals_alt"),
    ({"alt_text": "An oystercatcher probing wet sand with its long orange bill at low tide."},
     "caption_alt_too_similar"),
    ({"caption": "Black and white shorebird probing wet sand with its orange bill."}, "subject_missing_caption"),
    ({"alt_text": "A wading bird walks along the tide line on rippled sand."}, "subject_missing_alt"),
    ({"keywords": ["shorebird", "orange bill", "wet sand", "low tide", "mudflat", "wading bird"]},
     "subject_missing_keywords"),
    ({"caption": "Oystercatcher seen in Texel, Netherlands in its natural habitat setting.",
      "alt_text": "Oystercatcher photographed in Texel, Netherlands outdoors."}, "context_only"),
    ({"caption": "Oystercatcher and a grey heron probing wet sand together at low tide."}, "unsupported_specific"),
    ({"caption": "Oystercatcher flying in formation with a second plane above the beach."}, "unsupported_claim"),
    ({"clip_hints": [{"label": "aircraft", "score": 0.93}, {"label": "birds", "score": 0.02}]}, "clip_conflict"),
]


@pytest.mark.parametrize(("changes", "tag"), CASES, ids=[c[1] + str(i) for i, c in enumerate(CASES)])
def test_each_rule_fires_on_its_defect(changes: dict, tag: str) -> None:
    assert tag in lint_record(rec(**changes))


@pytest.mark.parametrize("changes", [
    {"caption": "KLM Boeing 747-400 PH-BFT lifting off runway 24 with its nose pitched up.",
     "alt_text": "A four-engine KLM Boeing 747 rotates off the runway with its front wheels in the air.",
     "subject": "KLM Boeing 747-400 PH-BFT", "category": "Aviation",
     "keywords": ["klm", "boeing 747-400", "ph-bft", "jumbo jet", "takeoff", "runway", "schiphol", "airliner"]},
    {"caption": "Café terrace on the Place du Forum in Arles glowing under warm yellow lamps.",
     "alt_text": "Tables and chairs fill a lamplit café terrace on a quiet cobbled square at night.",
     "subject": "Cafe Terrace", "location": "Arles_France", "category": "Cityscape",
     "keywords": ["café terrace", "place du forum", "arles", "cobbled square", "street cafe", "lamp", "night",
                  "france"]},
    {"clip_hints": [{"label": "birds", "score": 0.9}]},
    {"subject": "Bird", "caption": "Small brown songbird clinging to a swaying reed stem beside a dyke.",
     "alt_text": "A little streaked brown bird grips a thin reed stalk with both feet.",
     "keywords": ["songbird", "reed", "dyke", "small bird", "streaked plumage", "texel", "wetland", "perch"]},
])
def test_real_good_text_is_not_flagged(changes: dict) -> None:
    assert lint_record(rec(**changes)) == []


@pytest.mark.parametrize(("before", "after"), [
    ("The image shows a grey heron heron standing in reeds", "A grey heron standing in reeds."),
    ("IMG_4821 oystercatcher walking on wet sand  at low tide", "Oystercatcher walking on wet sand at low tide."),
    ("Kingfisher on a branch captured with Canon EOS R5 and a 500mm lens.", "Kingfisher on a branch."),
    ("Majestic heron soaring gracefully through the azure heavens.", "Heron flying through the blue sky."),
    ("Tulips set against a backdrop of blue sky in the frame.", "Tulips against blue sky."),
    ("Kingfisher perched on a branch with a fish in its", "Kingfisher perched on a branch with a fish in its"),
])
def test_repairs_are_safe_and_deterministic(before: str, after: str) -> None:
    assert repair_sentence(before, rec()) == after


def test_uncertainty_is_never_repaired_into_a_claim() -> None:
    text = "A bird that appears to be a lapwing, possibly a juvenile, standing in grass."
    assert repair_sentence(text, rec()) == text


def verdict_of(**changes: object) -> tuple[str, list[str]]:
    r = judge_batch([("a", rec(**changes))], DuplicateLedger())["a"]
    return r.status, r.issues


def test_verdicts() -> None:
    assert verdict_of() == (PASS_HIGH, [])
    assert verdict_of(keywords=[k.title() + "s" for k in BASE["keywords"]])[0] == PASS_HIGH  # cosmetic only
    assert verdict_of(caption="Oystercatcher oystercatcher probing wet sand with its orange bill.") == \
        (PASS_REPAIRED, [])
    status, issues = verdict_of(caption="Oystercatcher probing wet sand, detailed view of the orange bill.")
    assert status == PASS_GENERIC and issues == ["caption_template"]
    assert verdict_of(caption="")[0] == FAIL_BLOCKED


def test_duplicates_within_the_batch_flag_every_member_and_catalog_hits_only_the_new_photo() -> None:
    ledger = DuplicateLedger()
    ledger.add("catalog:Old.JPG", "Grey heron standing motionless among reeds at the edge of a ditch.",
               "A tall grey heron waits among green reeds.", ["heron"], source="catalog")
    same = rec()
    near = rec(alt_text="An oystercatcher with black and white plumage walks across the rippled wet sand.",
               caption="Oystercatcher in flight low over shallow water with both wings raised.")
    old = rec(subject="Grey Heron", caption="Grey heron standing motionless among reeds at the edge of a ditch.",
              alt_text="A grey heron with a yellow bill stands in a shallow ditch among reeds.",
              keywords=["grey heron", "heron", "reed", "ditch", "wading bird", "wetland", "still water", "bank"])
    out = judge_batch([("a", same), ("b", same), ("c", near), ("d", old)], ledger)
    assert {"duplicate_caption", "duplicate_alt", "duplicate_keywords"} <= set(out["a"].issues)
    assert out["a"].status == out["b"].status == FAIL_BLOCKED
    assert "near_duplicate_alt" in out["c"].issues and out["c"].status == PASS_GENERIC
    assert [d["other"] for d in out["d"].duplicates if d["tag"] == "duplicate_caption"] == ["catalog:Old.JPG"]


def test_near_duplicate_prefix_filter_matches_brute_force() -> None:
    rnd = random.Random(7)
    vocab = [f"w{i}" for i in range(40)]
    texts = [" ".join(rnd.sample(vocab, rnd.randint(5, 10))) for _ in range(300)]
    ledger = DuplicateLedger(near=0.6)
    for i, t in enumerate(texts):
        ledger.add(f"t{i}", t, "", [])
    for i, t in enumerate(texts[:60]):
        got = {d["other"] for d in ledger.check(f"t{i}", t, "", []) if d["tag"].endswith("caption")}
        a = content_stems(t)
        want = {f"t{j}" for j, u in enumerate(texts) if j != i and (
            " ".join(t.split()) == " ".join(u.split()) or len(a & content_stems(u)) / len(a | content_stems(u)) >= 0.6)}
        exact = {f"t{j}" for j, u in enumerate(texts) if j != i and t == u}
        assert got == (exact or want)


def test_issue_fields_place_tags_on_their_fields() -> None:
    assert issue_fields("caption_too_short") == ("caption",)
    assert issue_fields("alt_template") == ("alt_text",)
    assert issue_fields("keywords_fragment") == ("keywords",)
    assert issue_fields("subject_missing_keywords") == ("keywords",)
    assert issue_fields("caption_equals_alt") == ("caption", "alt_text")
    assert issue_fields("duplicate_alt") == ("alt_text",)


def test_a_layered_ledger_sees_its_base_without_changing_it() -> None:
    base = DuplicateLedger()
    base.add("catalog:A.JPG", "Grey heron standing among reeds at the edge of a ditch.", "", [], source="catalog")
    run = base.layered()
    run.add("photo:1", "Kingfisher on a mossy branch with a fish in its bill.", "", [])
    hits = run.check("photo:2", "Grey heron standing among reeds at the edge of a ditch.", "", [])
    assert [(d["tag"], d["other"]) for d in hits] == [("duplicate_caption", "catalog:A.JPG")]
    assert base.check("photo:2", "Kingfisher on a mossy branch with a fish in its bill.", "", []) == []
