"""Retrieval benchmark on ARCD and TyDi QA GoldP Arabic: each passage is a document, each
question must find its own passage. Prints R@1, R@5, MRR@10 for isnad's hybrid retriever and,
in the same run, LangChain's stock BM25Retriever and a plain FAISS dense baseline.

    python -m eval.benchmark_retrieval [--data ../shared/data] [--limit N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from embeddings import Embedder
from eval.squad import SquadPassage, SquadQuestion, read_squad
from rag.indexer import Indexer
from rag.retriever import Retriever
from rag.text import detect_language
from rag.types import Document

SETS = {"ARCD": "arcd/arcd.json", "TyDi-ar": "tydiqa-goldp-ar/arabic_tydiqa_dev.json"}
Ranker = Callable[[str], list[str]]  # question -> ranked passage ids


def rank_metrics(rankings: list[list[str]], gold: list[str]) -> dict[str, float]:
    ranks = [ranking.index(target) + 1 if target in ranking else None for ranking, target in zip(rankings, gold)]
    count = len(gold)
    return {
        "R@1": sum(1 for r in ranks if r == 1) / count,
        "R@5": sum(1 for r in ranks if r and r <= 5) / count,
        "MRR@10": sum(1 / r for r in ranks if r and r <= 10) / count,
    }


def unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def isnad_ranker(passages: list[SquadPassage], embedder: Embedder, index_dir: Path) -> tuple[Ranker, float]:
    documents = [Document(p.id, p.title, p.text, detect_language(p.text), {}, p.id) for p in passages]
    started = time.perf_counter()
    Indexer(index_dir, embedder).run(documents)
    retriever = Retriever.open(index_dir, embedder=embedder)
    seconds = time.perf_counter() - started
    return (lambda q: unique([p.doc_id for p in retriever.search(q, k=30)])[:10]), seconds


def langchain_bm25_ranker(passages: list[SquadPassage]) -> tuple[Ranker, float]:
    from langchain_community.retrievers import BM25Retriever
    from langchain_core.documents import Document as LangChainDocument

    started = time.perf_counter()
    retriever = BM25Retriever.from_documents(
        [LangChainDocument(page_content=p.text, metadata={"id": p.id}) for p in passages], k=10)
    seconds = time.perf_counter() - started
    return (lambda q: [d.metadata["id"] for d in retriever.invoke(q)]), seconds


def dense_faiss_ranker(passages: list[SquadPassage], embedder: Embedder) -> tuple[Ranker, float]:
    import faiss

    started = time.perf_counter()
    vectors = embedder.encode_documents([p.text for p in passages])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    seconds = time.perf_counter() - started

    def rank(question: str) -> list[str]:
        _, ids = index.search(embedder.encode_queries([question]), 10)
        return [passages[i].id for i in ids[0] if i >= 0]

    return rank, seconds


def evaluate(name: str, questions: list[SquadQuestion], rank: Ranker, index_seconds: float) -> dict:
    started = time.perf_counter()
    rankings = [rank(q.question) for q in questions]
    query_ms = 1000 * (time.perf_counter() - started) / len(questions)
    return {"retriever": name, **rank_metrics(rankings, [q.passage_id for q in questions]),
            "index_s": index_seconds, "query_ms": query_ms}


def run_set(name: str, path: Path, embedder: Embedder, limit: int | None) -> list[dict]:
    passages, questions = read_squad(path)
    questions = questions[:limit] if limit else questions
    print(f"\n{name}: {len(passages)} passages, {len(questions)} questions")
    with tempfile.TemporaryDirectory() as folder:
        rows = [evaluate("isnad hybrid", questions, *isnad_ranker(passages, embedder, Path(folder)))]
    rows.append(evaluate("LangChain BM25Retriever", questions, *langchain_bm25_ranker(passages)))
    rows.append(evaluate("FAISS dense (USE)", questions, *dense_faiss_ranker(passages, embedder)))
    print(f"{'retriever':<26}{'R@1':>7}{'R@5':>7}{'MRR@10':>8}{'index s':>9}{'query ms':>10}")
    for row in rows:
        print(f"{row['retriever']:<26}{row['R@1']:>7.3f}{row['R@5']:>7.3f}{row['MRR@10']:>8.3f}"
              f"{row['index_s']:>9.1f}{row['query_ms']:>10.1f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="questions per set (default: all)")
    args = parser.parse_args()
    embedder = Embedder()
    for name, relative in SETS.items():
        run_set(name, args.data / relative, embedder, args.limit)


if __name__ == "__main__":
    main()
