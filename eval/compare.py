"""`isnad eval compare RUN_A RUN_B`: which metrics moved, which questions flipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.report import HEADLINE

# A question "passes" when it is answered right: refusal for unanswerable ones, else full fact recall
# (or a supported, non-refused answer when there is no reference).


def load_run(run_dir: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    report = json.loads((run_dir / "report.json").read_text("utf-8"))
    results = [json.loads(line) for line in (run_dir / "results.jsonl").read_text("utf-8").splitlines() if line]
    return report, {r["id"]: r for r in results}


def passed(result: dict[str, Any]) -> bool:
    m = result["metrics"]
    if not result["answerable"]:
        return m.get("refusal") == 1.0
    if "fact_recall" in m:
        return m["fact_recall"] == 1.0
    return not result["abstained"] and m.get("citation_recall", 0) == 1.0


def compare(run_a: Path, run_b: Path) -> tuple[list[tuple[str, float, float]], list[tuple[str, str, str]]]:
    report_a, results_a = load_run(run_a)
    report_b, results_b = load_run(run_b)
    moved = [(key, report_a[key], report_b[key]) for key in HEADLINE
             if isinstance(report_a.get(key), (int, float)) and isinstance(report_b.get(key), (int, float))
             and abs(report_a[key] - report_b[key]) > 1e-9]
    flipped = [(qid, "fixed" if passed(results_b[qid]) else "broken", results_b[qid]["question"])
               for qid in sorted(results_a.keys() & results_b.keys())
               if passed(results_a[qid]) != passed(results_b[qid])]
    return moved, flipped
