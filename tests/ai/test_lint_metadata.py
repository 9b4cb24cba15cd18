"""`lint-metadata`: the gate over a JSONL export, line by line, duplicates across the file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from backend.gate import VERDICTS, lint_jsonl

LINES = [
    {"caption": "Grey heron standing motionless among reeds at the edge of a ditch.",
     "alt_text": "A tall grey heron with a long yellow bill waits among green reeds beside still water.",
     "keywords": "grey heron, heron, reed, ditch, wading bird, wetland, spaarnwoude, still water",
     "subject": "Grey Heron", "location": "Spaarnwoude_Netherlands", "category": "Birds"},
    {"caption": "Grey heron standing motionless among reeds at the edge of a ditch.",
     "alt_text": "A grey heron seen from behind looks over a flooded meadow at dawn.",
     "keywords": ["grey heron", "flooded meadow", "dawn", "wading bird", "back view", "polder", "mist", "water"],
     "subject": "Grey Heron"},
    {"caption": "", "alt_text": "x", "keywords": []},
]


def test_one_result_per_line_in_order_with_file_wide_duplicates() -> None:
    raw = [json.dumps(x) for x in LINES]
    out = lint_jsonl([raw[0], "", raw[1], "not json", raw[2]])
    assert [r["line"] for r in out] == [1, 3, 4, 5]
    assert all(r["status"] in VERDICTS and isinstance(r["issues"], list) for r in out)
    assert out[0]["status"] == out[1]["status"] == "FAIL_BLOCKED"
    assert "duplicate_caption" in out[0]["issues"] and "duplicate_caption" in out[1]["issues"]
    assert out[1]["duplicates_of"] == ["line:1"]
    assert out[2]["issues"] == ["invalid_json"]
    assert {"caption_empty", "alt_too_short", "keywords_empty"} <= set(out[3]["issues"])


def test_catalog_rows_count_as_earlier_text() -> None:
    catalog = [{"File_Name": "Grey_Heron_001.JPG", "Caption": LINES[0]["caption"], "alt_text": "Other.",
                "Keywords": "heron"}]
    [result] = lint_jsonl([json.dumps(LINES[0])], catalog)
    assert "duplicate_caption" in result["issues"] and result["duplicates_of"] == ["catalog:Grey_Heron_001.JPG"]
    [alone] = lint_jsonl([json.dumps(LINES[0])])
    assert alone["status"] == "PASS_HIGH"


def test_cli_prints_one_json_line_per_input_line(tmp_path: Path) -> None:
    src = tmp_path / "export.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in LINES) + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "backend", "--data-dir", str(tmp_path / "data"),
                           "lint-metadata", str(src)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["status"] for r in rows] == ["FAIL_BLOCKED", "FAIL_BLOCKED", "FAIL_BLOCKED"]
