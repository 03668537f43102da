"""Answer-quality benchmark on question sets (default: eval/sets/seed-questions.jsonl, then the
English-over-Arabic eval/sets/cross-lingual-questions.jsonl).

A thin summary over `isnad eval run` (eval.runner) for each answer mode: share of answerable
questions whose answer holds every reference fact, share of citations whose passage supports the
cited sentence (ALCE citation precision, by the grounding checker) and share of gold sources
cited, share of unanswerable questions refused, and median time to first token and to the answer.

    python -m eval.benchmark_answers [--sets A.jsonl ...] [--modes local extractive] [--index .isnad/index]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from eval.questions import load_questions
from eval.runner import EvalRun
from rag.answer.assistant import Assistant
from rag.config import Settings

SETS = Path(__file__).parent / "sets"
DEFAULT_SETS = [SETS / "seed-questions.jsonl", SETS / "cross-lingual-questions.jsonl"]


def benchmark(mode: str, set_path: Path, index_dir: Path) -> dict:
    questions, errors = load_questions(set_path)
    if errors:
        raise SystemExit("\n".join(errors))
    assistant = Assistant.open(index_dir, llm=mode, settings=Settings.from_env())
    results = EvalRun(assistant, progress_bar=False).run(questions)
    answerable = [r for r in results if r["answerable"]]
    answered = [r for r in answerable if "citation_precision" in r["metrics"]]
    return {
        "mode": mode,
        "facts": _mean([r["metrics"].get("fact_recall") == 1.0 for r in answerable]),
        "supported": _mean([r["metrics"]["citation_precision"] for r in answered]),
        "gold_cited": _mean([r["metrics"]["gold_sources_cited"] for r in answered if "gold_sources_cited" in r["metrics"]]),
        "refused": _mean([r["metrics"]["refusal"] for r in results if not r["answerable"]], default=None),
        "first_token_s": statistics.median(r["timings"].get("first_token", r["latency"]) for r in results),
        "total_s": statistics.median(r["latency"] for r in results),
        "answerable": len(answerable), "unanswerable": len(results) - len(answerable),
        "rows": [{"id": r["id"], "mode": r["mode"], "answer": r["answer"], "metrics": r["metrics"]} for r in results],
    }


def _mean(values: list, default: float | None = 0.0) -> float | None:
    return sum(values) / len(values) if values else default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=Path, nargs="+", default=DEFAULT_SETS)
    parser.add_argument("--index", type=Path, default=Path(".isnad/index"))
    parser.add_argument("--modes", nargs="+", default=["local", "extractive"])
    parser.add_argument("--details", type=Path, help="write per-question rows as JSON here")
    args = parser.parse_args()
    details = {}
    for set_path in args.sets:
        results = [benchmark(mode, set_path, args.index) for mode in args.modes]
        print(f"\n{set_path.name}: {results[0]['answerable'] + results[0]['unanswerable']} questions "
              f"({results[0]['answerable']} answerable, {results[0]['unanswerable']} not)")
        print(f"{'mode':<12}{'facts':>7}{'supported':>11}{'gold cited':>12}{'refused':>9}{'1st tok s':>11}{'total s':>9}")
        for r in results:
            refused = "n/a" if r["refused"] is None else f"{r['refused']:.0%}"
            print(f"{r['mode']:<12}{r['facts']:>7.0%}{r['supported']:>11.0%}{r['gold_cited']:>12.0%}{refused:>9}"
                  f"{r['first_token_s']:>11.2f}{r['total_s']:>9.2f}")
        details[set_path.name] = results
    if args.details:
        args.details.write_text(json.dumps(details, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
