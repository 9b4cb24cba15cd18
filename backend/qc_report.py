"""The prefill QC report: one JSON file per run, summarised in the UI before review starts.

Why a file as well as the per-photo gate fields: the photographer (and a support person) should be
able to see at a glance, and later, what the gate thought of a whole run: counts per verdict,
duplicate groups with their members, and every flagged photo with its reasons
(seed-system.md §8.6 shape: {summary, flagged, ...}).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .gate import FAIL_BLOCKED, PASS_GENERIC, PASS_HIGH, PASS_REPAIRED, GateResult

SAMPLE_IDS = 12


def report_path(reports_dir: Path, run_id: int) -> Path:
    return reports_dir / f"prefill_qc_run{run_id}.json"


def duplicate_groups(results: dict[int, GateResult]) -> list[dict[str, Any]]:
    """Connected groups per duplicate kind: photos of this run together with outside owners."""
    groups: list[dict[str, Any]] = []
    for kind in ("caption", "alt", "keywords"):
        for exactness in ("duplicate", "near_duplicate"):
            tag = f"{exactness}_{kind}"
            parent: dict[str, str] = {}
            for pid, res in results.items():
                for d in res.duplicates:
                    if d["tag"] == tag:
                        parent[_find(parent, f"photo:{pid}")] = _find(parent, d["other"])
            members: dict[str, list[str]] = {}
            for node in list(parent):
                members.setdefault(_find(parent, node), []).append(node)
            for nodes in members.values():
                own = sorted(int(n.split(":", 1)[1]) for n in nodes if n.startswith("photo:")
                             and int(n.split(":", 1)[1]) in results)
                if not own:
                    continue
                groups.append({"kind": tag, "photo_ids": own,
                               "others": sorted(n for n in nodes if not n.startswith("photo:")
                                                or int(n.split(":", 1)[1]) not in results),
                               "text": _group_text(results[own[0]], kind)})
    return groups


def _find(parent: dict[str, str], x: str) -> str:
    """Union-find root with path halving."""
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _group_text(res: GateResult, kind: str) -> str:
    if kind == "caption":
        return res.caption
    if kind == "alt":
        return res.alt_text
    return ", ".join(res.keywords)


def build_report(run_id: int, photos: Sequence[Any], results: dict[int, GateResult],
                 needs_manual: set[int] | None = None) -> dict[str, Any]:
    """The report dict for `results` (photo id -> GateResult); `photos` give names and context."""
    needs_manual = needs_manual or set()
    by_id = {p.id: p for p in photos}
    statuses = Counter(r.status for r in results.values())
    groups = duplicate_groups(results)
    flagged = []
    for pid, res in sorted(results.items()):
        if res.status in (PASS_HIGH, PASS_REPAIRED) and not res.issues:
            continue
        p = by_id.get(pid)
        flagged.append({"id": pid, "file_name": getattr(p, "file_name", ""),
                        "subject": getattr(p, "subject", ""), "location": getattr(p, "location", ""),
                        "status": res.status, "reasons": res.issues, "repairs": res.repairs})
    per_kind = Counter(g["kind"] for g in groups)
    summary = {
        "run_id": run_id, "photos": len(results),
        "pass_high": statuses[PASS_HIGH], "pass_repaired": statuses[PASS_REPAIRED],
        "pass_generic": statuses[PASS_GENERIC], "fail_blocked": statuses[FAIL_BLOCKED],
        "needs_manual_text": len(needs_manual),
        "caption_dup_groups": per_kind["duplicate_caption"], "alt_dup_groups": per_kind["duplicate_alt"],
        "keywords_dup_groups": per_kind["duplicate_keywords"],
        "near_dup_groups": sum(v for k, v in per_kind.items() if k.startswith("near_")),
        "duplicate_photos": len({i for g in groups for i in g["photo_ids"]}),
        "flagged": len(flagged),
        "top_issues": Counter(t for r in results.values() for t in r.issues).most_common(8),
        "sample_ids": [f["id"] for f in flagged[:SAMPLE_IDS]],
    }
    return {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), "summary": summary,
            "duplicate_groups": groups, "flagged": flagged}


def write_report(reports_dir: Path, run_id: int, photos: Sequence[Any], results: dict[int, GateResult],
                 needs_manual: set[int] | None = None) -> dict[str, Any]:
    """Write the run's report atomically and return its summary (with `report_path`)."""
    report = build_report(run_id, photos, results, needs_manual)
    path = report_path(reports_dir, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    summary: dict[str, Any] = dict(report["summary"])
    summary["report_path"] = str(path)
    return summary


def summary_line(summary: dict[str, Any]) -> str:
    """One sentence for the log and the run panel."""
    return (f"Quality gate: {summary['photos']} photos - {summary['pass_high']} clean, "
            f"{summary['pass_repaired']} repaired, {summary['pass_generic']} generic, "
            f"{summary['fail_blocked']} need work; {summary['duplicate_photos']} in duplicate groups"
            + (f"; {summary['needs_manual_text']} without AI text" if summary.get("needs_manual_text") else "")
            + ".")
