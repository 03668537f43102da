"""Answer-quality benchmark on a question set (default: eval/sets/seed-questions.jsonl).

A thin summary over `isnad eval run` (eval.runner) for each answer mode: share of answerable
questions whose answer holds every reference fact, share of citations whose passage supports the
cited sentence (ALCE citation precision, by the grounding checker) and share of gold sources
cited, share of unanswerable questions refused, and median time to first token and to the answer.

    python -m eval.benchmark_answers [--modes local extractive] [--index .isnad/index]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from eval.questions import load_questions
from eval.runner import EvalRun
from rag.assistant import Assistant
from rag.config import Settings

DEFAULT_SET = Path(__file__).parent / "sets" / "seed-questions.jsonl"


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
        "refused": _mean([r["metrics"]["refusal"] for r in results if not r["answerable"]]),
        "first_token_s": statistics.median(r["timings"].get("first_token", r["latency"]) for r in results),
        "total_s": statistics.median(r["latency"] for r in results),
        "answerable": len(answerable), "unanswerable": len(results) - len(answerable),
        "rows": [{"id": r["id"], "mode": r["mode"], "answer": r["answer"], "metrics": r["metrics"]} for r in results],
    }


def _mean(values: list) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--index", type=Path, default=Path(".isnad/index"))
    parser.add_argument("--modes", nargs="+", default=["local", "extractive"])
    parser.add_argument("--details", type=Path, help="write per-question rows as JSON here")
    args = parser.parse_args()
    results = [benchmark(mode, args.set, args.index) for mode in args.modes]
    print(f"{results[0]['answerable'] + results[0]['unanswerable']} questions "
          f"({results[0]['answerable']} answerable, {results[0]['unanswerable']} not)")
    print(f"{'mode':<12}{'facts':>7}{'supported':>11}{'gold cited':>12}{'refused':>9}{'1st tok s':>11}{'total s':>9}")
    for r in results:
        print(f"{r['mode']:<12}{r['facts']:>7.0%}{r['supported']:>11.0%}{r['gold_cited']:>12.0%}{r['refused']:>9.0%}"
              f"{r['first_token_s']:>11.2f}{r['total_s']:>9.2f}")
    if args.details:
        args.details.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
