"""`isnad eval run`: every question through retrieval and the answer chain, scored.

    >>> run = EvalRun(Assistant.open(".isnad/index", llm="extractive"), k=5)
    >>> results = run.run(questions)            # one dict per question
    >>> report = aggregate(results, config)     # the metrics dict written as report.json
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from tqdm import tqdm

from eval import metrics
from eval.questions import EvalQuestion
from rag.answer.result import Answer
from rag.answer.assistant import Assistant
from rag.answer.grounding import SUPPORTED
from rag.types import Passage

RETRIEVAL_DEPTH = 10


class EvalRun:
    def __init__(self, assistant: Assistant, k: int = 5, progress_bar: bool = True) -> None:
        self.assistant = assistant
        self.k = k
        self.progress_bar = progress_bar
        self._by_document: dict[str, list] | None = None

    def _chunks_by_document(self) -> dict[str, list]:
        """Built once: judging each citation must not scan every chunk of the index."""
        if self._by_document is None:
            self._by_document = {}
            for chunk in self.assistant.retriever.index.chunks:
                self._by_document.setdefault(chunk.doc_id, []).append(chunk)
        return self._by_document

    def run(self, questions: list[EvalQuestion]) -> list[dict[str, Any]]:
        return [self.evaluate(q) for q in tqdm(questions, disable=not self.progress_bar, desc="questions")]

    def evaluate(self, question: EvalQuestion) -> dict[str, Any]:
        passages = self.assistant.retriever.search(question.question, k=RETRIEVAL_DEPTH * 3)
        ranked = list(dict.fromkeys(p.doc_id for p in passages))[:RETRIEVAL_DEPTH]
        started = time.perf_counter()
        answer = self.assistant.ask(question.question)
        latency = time.perf_counter() - started
        row = {"id": question.id, "question": question.question, "language": question.language,
               "answerable": question.answerable, "answer": answer.text, "abstained": answer.abstained,
               "mode": answer.mode, "citations": [c.__dict__ for c in answer.citations], "retrieved": ranked,
               "sources": question.sources, "timings": answer.timings, "latency": latency}
        row["metrics"] = self._metrics(question, answer, ranked)
        return row

    def _metrics(self, question: EvalQuestion, answer: Answer, ranked: list[str]) -> dict[str, float]:
        scores: dict[str, float] = {}
        if question.sources:
            scores.update({"recall@1": metrics.recall_at(ranked, question.sources, 1),
                           f"recall@{self.k}": metrics.recall_at(ranked, question.sources, self.k),
                           "mrr": metrics.reciprocal_rank(ranked, question.sources),
                           "ndcg@10": metrics.ndcg_at(ranked, question.sources)})
        if not question.answerable:
            scores["refusal"] = float(answer.abstained)
            return scores
        scores["false_refusal"] = float(answer.abstained)
        if question.answer:
            facts = question.facts or metrics.key_facts(question.answer)
            scores.update({"f1": metrics.token_f1(answer.text, question.answer),
                           "exact_match": metrics.exact_match(answer.text, question.answer),
                           "fact_recall": metrics.fact_recall(answer.text, facts)})
        if not answer.abstained:
            scores.update(self._citation_scores(answer, question.sources))
        return scores

    def _citation_scores(self, answer: Answer, gold: list[str]) -> dict[str, float]:
        """ALCE: recall = sentences supported by their citations; precision = citations that
        support their sentence; plus the share of gold sources the answer cites."""
        by_n = {c.n: c for c in answer.citations}
        supported_sentences, supporting, total = 0, 0, 0
        for sentence in answer.sentences:
            support = [self._supports(sentence.text, by_n[n]) for n in sentence.citations if n in by_n]
            supported_sentences += any(support)
            supporting += sum(support)
            total += len(support)
        scores = {"citation_recall": supported_sentences / len(answer.sentences) if answer.sentences else 0.0,
                  "citation_precision": supporting / total if total else 0.0}
        if gold:
            cited = {c.doc_id for c in answer.citations}
            scores["gold_sources_cited"] = len(cited & set(gold)) / len(set(gold))
        return scores

    def _supports(self, sentence: str, citation) -> bool:
        """Judged against the cited passage: the indexed chunk that holds the quoted span."""
        chunks = [c for c in self._chunks_by_document().get(citation.doc_id, [])
                  if c.start <= citation.start and citation.end <= c.end]
        if not chunks:
            return False
        chunk = chunks[0]
        passage = Passage(chunk.doc_id, chunk.title, chunk.text, 0.0, chunk.start, chunk.end, chunk.metadata,
                          chunk.language)
        return self.assistant.checker.support(sentence, passage)[0] >= SUPPORTED


def aggregate(results: list[dict[str, Any]], config: dict[str, Any]) -> dict[str, Any]:
    report = {"config": config, "counts": {"questions": len(results),
                                           "answerable": sum(r["answerable"] for r in results),
                                           "unanswerable": sum(not r["answerable"] for r in results)}}
    report.update(_means(results))
    report["refusal_accuracy"] = report.pop("refusal", None)
    report["false_refusal_rate"] = report.pop("false_refusal", None)
    latencies = [r["latency"] for r in results]
    report["latency_p50"] = statistics.median(latencies) if latencies else None
    report["latency_p95"] = metrics.percentile(latencies, 0.95)
    report["by_language"] = {lang: _means([r for r in results if r["language"] == lang])
                             for lang in sorted({r["language"] for r in results})}
    report["failures"] = failures(results)
    return report


def _means(results: list[dict[str, Any]]) -> dict[str, float]:
    keys = sorted({key for r in results for key in r["metrics"]})
    return {key: statistics.fmean(r["metrics"][key] for r in results if key in r["metrics"]) for key in keys}


def failures(results: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Where it went wrong, one reason per question."""
    found = []
    for r in results:
        m = r["metrics"]
        reason = None
        if not r["answerable"] and not r["abstained"]:
            reason = "answered an unanswerable question"
        elif r["answerable"] and r["abstained"]:
            reason = "refused an answerable question"
        elif m.get("recall@5") == 0.0:
            reason = "gold source not retrieved in the top 5"
        elif m.get("fact_recall", 1.0) < 1.0:
            reason = "answer misses reference facts"
        elif m.get("citation_recall", 1.0) < 1.0:
            reason = "a sentence is not supported by its citations"
        if reason:
            found.append({"id": r["id"], "question": r["question"], "reason": reason, "answer": r["answer"][:200]})
    return found
