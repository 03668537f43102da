"""Answer-quality benchmark on a question set (default: eval/sets/seed-questions.jsonl).

For each answer mode it prints: share of answerable questions whose answer holds every reference
fact, share of citations whose quoted passage supports the cited sentence (the grounding checker,
re-run on the final answer) and share pointing at a gold source, share of unanswerable questions
refused, and median time to first token and to the full answer.

    python -m eval.benchmark_answers [--modes local extractive] [--index .isnad/index]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rag.answer import Answer
from rag.assistant import Assistant
from rag.config import Settings
from rag.grounding import SUPPORTED
from rag.text import normalise

DEFAULT_SET = Path(__file__).parent / "sets" / "seed-questions.jsonl"


def run_question(assistant: Assistant, question: str) -> tuple[Answer, float, float]:
    started, first = time.perf_counter(), None
    for piece in assistant.stream(question):
        if first is None:
            first = time.perf_counter() - started
        if isinstance(piece, Answer):
            answer = piece
    return answer, first, time.perf_counter() - started


def has_facts(answer: Answer, facts: list[str]) -> bool:
    text = normalise(answer.text)
    return bool(facts) and all(normalise(fact) in text for fact in facts)


def citation_checks(assistant: Assistant, answer: Answer, gold: list[str]) -> list[tuple[bool, bool]]:
    """(supported, gold source) for each sentence-citation pair of the answer."""
    from rag.types import Passage

    checks = []
    by_n = {c.n: c for c in answer.citations}
    for sentence in answer.sentences:
        for n in sentence.citations:
            source = by_n[n]
            document = assistant.retriever.data.documents[source.doc_id]
            passage = Passage(source.doc_id, source.title, source.quote, 0, source.start, source.end,
                              source.metadata, document.language)
            supported = answer.mode.startswith("extractive") or assistant.checker.support(sentence.text, passage)[0] >= SUPPORTED
            checks.append((supported, source.doc_id in gold))
    return checks


def benchmark(mode: str, questions: list[dict], index_dir: Path) -> dict:
    assistant = Assistant.open(index_dir, llm=mode, settings=Settings.from_env())
    facts, refusals, checks, firsts, totals, rows = [], [], [], [], [], []
    for item in questions:
        answer, first, total = run_question(assistant, item["question"])
        firsts.append(first)
        totals.append(total)
        if item.get("answerable", True):
            facts.append(has_facts(answer, item.get("facts", [])))
            checks += citation_checks(assistant, answer, item.get("sources", []))
        else:
            refusals.append(answer.abstained)
        rows.append({"id": item["id"], "mode": answer.mode, "answer": answer.text, "first_s": round(first, 2)})
    return {"mode": mode, "facts": _share(facts), "supported": _share([c[0] for c in checks]),
            "gold_cited": _share([c[1] for c in checks]), "refused": _share(refusals),
            "first_token_s": statistics.median(firsts), "total_s": statistics.median(totals),
            "answerable": len(facts), "unanswerable": len(refusals), "citations": len(checks), "rows": rows}


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--index", type=Path, default=Path(".isnad/index"))
    parser.add_argument("--modes", nargs="+", default=["local", "extractive"])
    parser.add_argument("--details", type=Path, help="write per-question rows as JSON here")
    args = parser.parse_args()
    questions = [json.loads(line) for line in args.set.read_text("utf-8").splitlines() if line.strip()]
    results = [benchmark(mode, questions, args.index) for mode in args.modes]
    print(f"{len(questions)} questions ({results[0]['answerable']} answerable, {results[0]['unanswerable']} not)")
    print(f"{'mode':<12}{'facts':>7}{'supported':>11}{'gold cited':>12}{'refused':>9}{'1st tok s':>11}{'total s':>9}")
    for r in results:
        print(f"{r['mode']:<12}{r['facts']:>7.0%}{r['supported']:>11.0%}{r['gold_cited']:>12.0%}{r['refused']:>9.0%}"
              f"{r['first_token_s']:>11.2f}{r['total_s']:>9.2f}")
    if args.details:
        args.details.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
