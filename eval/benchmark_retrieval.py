"""Retrieval benchmark on xquad-dev (Arabic questions, and the same questions in English, over the
Arabic paragraphs), ARCD and TyDi QA GoldP Arabic: each passage is a document, each question must
find its own passage. Prints R@1, R@5, MRR@10 for isnad's hybrid retriever and, in the same run,
LangChain's stock BM25Retriever and a plain FAISS dense baseline over whole passages.

ARCD holds several revisions of the same Wikipedia paragraph (185 of its 460 passages share most
of their word 3-grams with another). A question asked on one revision is often answered word for
word by the other, and often nothing tells which one the annotator saw. The strict R@1 counts
that as a miss; the extra column "R@1 rev" also accepts a revision of the gold passage that
contains the gold answer. The targets are judged on the strict figure.

    python -m eval.benchmark_retrieval [--data ../shared/data] [--limit N] [--model NAME] [--sets A,B]
                                       [--cache DIR]

`--cache DIR` keeps each set's index (and the baseline's vectors) in DIR, so a re-run after a
change to retrieval embeds nothing again; without it everything is built in a temporary folder.

`--model` (or ISNAD_EMBEDDING_MODEL) takes any sentence-transformers name, e.g.
intfloat/multilingual-e5-base where a model hub is reachable; the default is the offline USE.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable


from embeddings import Embedder
from eval.squad import SquadPassage, SquadQuestion, read_squad
from rag.config import Settings
from rag.errors import IsnadError
from rag.index.backend import copy_index
from rag.index.indexer import Indexer
from rag.search.retriever import Retriever
from rag.text import detect_language
from rag.types import Document

XQUAD = "xquad-dev/xquad-dev.{}.json"
# Set name -> (passages file, questions file: the same questions asked in another language).
SETS = {"xquad-ar": (XQUAD.format("ar"), XQUAD.format("ar")), "xquad-en>ar": (XQUAD.format("ar"), XQUAD.format("en")),
        "ARCD": ("arcd/arcd.json",) * 2, "TyDi-ar": ("tydiqa-goldp-ar/arabic_tydiqa_dev.json",) * 2}
Ranker = Callable[[str], list[str]]  # question -> ranked passage ids


def rank_metrics(rankings: list[list[str]], gold: list[str], also_right: list[set[str]]) -> dict[str, float]:
    ranks = [ranking.index(target) + 1 if target in ranking else None for ranking, target in zip(rankings, gold)]
    count = len(gold)
    return {
        "R@1": sum(1 for r in ranks if r == 1) / count,
        "R@5": sum(1 for r in ranks if r and r <= 5) / count,
        "MRR@10": sum(1 / r for r in ranks if r and r <= 10) / count,
        "R@1 rev": sum(1 for ranking, target, extra in zip(rankings, gold, also_right)
                       if ranking and ranking[0] in extra | {target}) / count,
    }


def answer_bearing_revisions(passages: list[SquadPassage], questions: list[SquadQuestion],
                             min_shared: float = 0.5) -> list[set[str]]:
    """Per question: the other passages that are revisions of its gold passage (sharing more than
    `min_shared` of the shorter one's word 3-grams) and contain one of its gold answers."""
    shingles = {p.id: _word_trigrams(p.text) for p in passages}
    by_shingle: dict[str, set[str]] = {}
    for passage_id, grams in shingles.items():
        for gram in grams:
            by_shingle.setdefault(gram, set()).add(passage_id)
    text = {p.id: p.text for p in passages}

    def revisions(passage_id: str) -> set[str]:
        grams = shingles[passage_id]
        shared: dict[str, int] = {}
        for gram in grams:
            for other in by_shingle[gram] - {passage_id}:
                shared[other] = shared.get(other, 0) + 1
        return {other for other, n in shared.items() if n > min_shared * min(len(grams), len(shingles[other]))}

    cached = {p.id: revisions(p.id) for p in passages}
    return [{other for other in cached[q.passage_id] if any(a and a in text[other] for a in q.answers)}
            for q in questions]


def _word_trigrams(text: str) -> set[str]:
    words = text.split()
    return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}


def unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def isnad_ranker(passages: list[SquadPassage], embedder: Embedder, index_dir: Path,
                 backend: str = "embedded") -> tuple[Ranker, float]:
    """isnad's retriever over the passages; on Milvus, the embedded index copied there (the same vectors)."""
    documents = [Document(p.id, p.title, p.text, detect_language(p.text), {}, p.id) for p in passages]
    started = time.perf_counter()
    Indexer(index_dir, embedder, progress_bar=True).run(documents)
    location = index_dir
    if backend == "milvus":
        location = f"milvus:{index_dir.parent / 'milvus' / 'index.db'}"
        copy_index(index_dir, location)
    retriever = Retriever.open(location, embedder=embedder)
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


def dense_faiss_ranker(passages: list[SquadPassage], embedder: Embedder, folder: Path) -> tuple[Ranker, float]:
    import faiss
    import numpy as np

    started = time.perf_counter()
    cached = folder / "whole-passage-vectors.npy"
    vectors = np.load(cached) if cached.is_file() else embedder.encode_documents([p.text for p in passages])
    np.save(cached, vectors)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    seconds = time.perf_counter() - started

    def rank(question: str) -> list[str]:
        _, ids = index.search(embedder.encode_queries([question]), 10)
        return [passages[i].id for i in ids[0] if i >= 0]

    return rank, seconds


def evaluate(name: str, questions: list[SquadQuestion], also_right: list[set[str]], rank: Ranker,
             index_seconds: float) -> dict:
    started = time.perf_counter()
    rankings = [rank(q.question) for q in questions]
    query_ms = 1000 * (time.perf_counter() - started) / len(questions)
    return {"retriever": name, **rank_metrics(rankings, [q.passage_id for q in questions], also_right),
            "index_s": index_seconds, "query_ms": query_ms}


def read_set(data: Path, passages_file: str, questions_file: str) -> tuple[list[SquadPassage], list[SquadQuestion]]:
    """Passages of one file; questions of another that holds the same question ids (a translation)."""
    passages, questions = read_squad(data / passages_file)
    if questions_file != passages_file:
        gold = {q.id: q.passage_id for q in questions}
        questions = [replace(q, passage_id=gold[q.id]) for q in read_squad(data / questions_file)[1]]
    return passages, questions


def run_set(name: str, passages: list[SquadPassage], questions: list[SquadQuestion], embedder: Embedder,
            limit: int | None, folder: Path, baselines: bool = True, backend: str = "embedded") -> list[dict]:
    questions = questions[:limit] if limit else questions
    also_right = answer_bearing_revisions(passages, questions)
    print(f"\n{name}: {len(passages)} passages, {len(questions)} questions "
          f"({sum(1 for extra in also_right if extra)} with an answer-bearing revision of their passage)")
    folder.mkdir(parents=True, exist_ok=True)
    rows = [evaluate(f"isnad hybrid ({backend})", questions, also_right,
                     *isnad_ranker(passages, embedder, folder / "index", backend))]
    rows.append(evaluate("LangChain BM25Retriever", questions, also_right, *langchain_bm25_ranker(passages)))
    if baselines:  # embeds every whole passage once more: minutes with a large encoder
        rows.append(evaluate(f"FAISS dense ({embedder.model_name})", questions, also_right,
                             *dense_faiss_ranker(passages, embedder, folder)))
    print(f"{'retriever':<34}{'R@1':>7}{'R@5':>7}{'MRR@10':>8}{'R@1 rev':>9}{'index s':>9}{'query ms':>10}")
    for row in rows:
        print(f"{row['retriever']:<34}{row['R@1']:>7.3f}{row['R@5']:>7.3f}{row['MRR@10']:>8.3f}"
              f"{row['R@1 rev']:>9.3f}{row['index_s']:>9.1f}{row['query_ms']:>10.1f}")
    return rows


def mixed_corpus_timings(data: Path, embedder: Embedder, folder: Path) -> None:
    """Query time on the seed articles plus FA-KES (Arabic and English news), where questions in
    either language are also translated word by word for the articles in the other."""
    from eval.questions import load_questions
    from rag.ingest.loaders import CorpusLoader

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    documents = CorpusLoader().run([corpus, data / "fa-kes" / "fakes.csv"]).documents
    sets = Path(__file__).parent / "sets"
    questions = [q.question for name in ("seed-questions.jsonl", "cross-lingual-questions.jsonl")
                 for q in load_questions(sets / name)[0]]
    started = time.perf_counter()
    report = Indexer(folder, embedder).run(documents)
    opened = time.perf_counter()
    retriever = Retriever.open(folder, embedder=embedder)
    print(f"\nseed + FA-KES: {len(documents)} documents, {report.chunks} chunks, "
          f"{len(retriever.index.vocabulary)} vocabulary words; index {opened - started:.1f} s "
          f"({report.embedded_chunks} chunks embedded), open {time.perf_counter() - opened:.2f} s")
    for language in ("ar", "en"):
        asked = [q for q in questions if detect_language(q) == language]
        started = time.perf_counter()
        for question in asked:
            retriever.search(question, k=5)
        searched = 1000 * (time.perf_counter() - started) / len(asked)
        embedding = []
        for question in asked:  # as a search does for a question it has not seen (its vector is cached now)
            began = time.perf_counter()
            embedder._embed_query(question)
            embedding.append(1000 * (time.perf_counter() - began))
        print(f"{language} questions: {searched:.1f} ms per query, query embedding p50 "
              f"{statistics.median(embedding):.1f} ms, slowest {max(embedding):.1f} ms ({len(asked)} questions)")


def benchmark_arguments(docstring: str) -> argparse.ArgumentParser:
    """The options every benchmark over the shared data sets takes: --data, --cache, --model."""
    parser = argparse.ArgumentParser(description=docstring.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=None, help="keep indexes here between runs")
    parser.add_argument("--model", default=None, help="embedding model (default: the configured one)")
    return parser


def main() -> None:
    parser = benchmark_arguments(__doc__)
    parser.add_argument("--limit", type=int, default=None, help="questions per set (default: all)")
    parser.add_argument("--sets", default=",".join(SETS) + ",timings",
                        help="comma-separated: " + ", ".join(SETS) + ", timings (seed + FA-KES query and query-embedding times)")
    parser.add_argument("--no-dense-baseline", action="store_true", help="skip the whole-passage dense baseline")
    parser.add_argument("--backend", choices=["embedded", "milvus"], default="embedded",
                        help="where isnad's index lives: a folder (default) or Milvus Lite")
    args = parser.parse_args()
    embedder = Embedder(Settings.from_env(embedding_model=args.model).embedding_model)
    chosen = args.sets.split(",")
    with tempfile.TemporaryDirectory() as temporary:
        cache = (args.cache or Path(temporary)) / embedder.model_name.replace("/", "_")
        try:
            for name in [name for name in SETS if name in chosen]:
                passages, questions = read_set(args.data, *SETS[name])
                # The two xquad sets share their passages, hence their index.
                run_set(name, passages, questions, embedder, args.limit, cache / SETS[name][0].split("/")[0],
                        baselines=not args.no_dense_baseline, backend=args.backend)
            if "timings" in chosen:
                mixed_corpus_timings(args.data, embedder, cache / "seed-fakes")
        except IsnadError as error:  # e.g. a hub model named where no hub is reachable
            raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
