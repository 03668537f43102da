"""Scale benchmark: index open time, resident memory, search latency (query embedding included),
ANN recall@10 against exact search, and filter exactness, at growing numbers of chunks.

The large corpora are seed + FA-KES multiplied: each copy of an article drops a random tenth of
its words (so copies differ in their terms) and takes a date spread over 2011-2020; its chunk and
sentence vectors are the real ones plus Gaussian noise (sigma 0.01 per dimension), renormalised.
So latency and memory are measured on real term and vector distributions; retrieval quality is
measured on the real sets (eval.benchmark_retrieval), not here.

    python -m eval.benchmark_scale [--data ../shared/data] [--cache DIR] [--work DIR]
                                   [--sizes 10000,100000,1000000] [--update 100]

With --update N, the largest index then takes N real articles (embedded by the real model), gives
them back, and has an update killed with SIGKILL midway: the printout says how long each took,
whether the index still answered as before, and how much the rerun resumed.

Each size is built once into --work (kept between runs) and measured in a fresh process, so the
memory figure is that process's: the embedding model plus the opened index after the queries.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from embeddings import Embedder
from eval.benchmark_retrieval import benchmark_arguments
from rag.config import Settings
from rag.index.indexer import Indexer
from rag.index.store import IndexData, IndexStore
from rag.index.vectors import best_rows
from rag.ingest.loaders import CorpusLoader
from rag.types import Chunk, Document

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
QUESTION_SETS = Path(__file__).resolve().parent / "sets"
NOISE = 0.01
EXACT_QUERIES = 20  # end-to-end comparisons with exact search (a full scan each at a million chunks)


def main() -> None:
    parser = benchmark_arguments(__doc__)
    parser.add_argument("--work", type=Path, default=Path("/tmp/isnad-scale"), help="where the large indexes go")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--update", type=int, default=0,
                        help="also add this many real articles to the largest index, remove them, and kill -9 an update")
    parser.add_argument("--measure", type=Path, help=argparse_hidden())
    parser.add_argument("--update-into", nargs=2, metavar=("FOLDER", "ACTION"), help=argparse_hidden())
    parser.add_argument("--rankings", type=Path, help=argparse_hidden())
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.update_into:
        print(json.dumps(update_into(Path(args.update_into[0]), args.update_into[1], args.update, args.data)))
        return
    if args.rankings:
        print(json.dumps(rankings(args.rankings)))
        return
    settings = Settings.from_env(embedding_model=args.model)
    base = args.cache or args.work
    base_index = base / settings.embedding_model / "seed+fa-kes" / "index"
    documents = CorpusLoader().run([CORPUS, args.data / "fa-kes" / "fakes.csv"]).documents
    Indexer(base_index, Embedder(settings.embedding_model), exact_search_limit=settings.exact_search_limit).run(documents)
    print(f"{'chunks':>9} {'build s':>8} {'open s':>7} {'RSS GB':>7} {'anon GB':>7} {'index GB':>8} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'again p50':>9} {'p95':>5} {'ANN R@10':>8} {'top-10 kept':>11} {'filters':>9}  vector index")
    for size in [int(s) for s in args.sizes.split(",")]:
        folder = base_index if size == 0 else args.work / f"{size}" / "index"
        built = 0.0 if size == 0 or IndexStore(folder).exists() else build_multiplied(base_index, folder, size, settings)
        result = json.loads(subprocess.run([sys.executable, "-m", "eval.benchmark_scale", "--measure", str(folder)],
                                           check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        print(f"{result['chunks']:>9,} {built:>8.0f} {result['open_s']:>7.2f} {result['rss_gb']:>7.2f} {result['anon_gb']:>7.2f} "
              f"{result['index_rss_gb']:>8.2f} {result['p50_ms']:>7.0f} {result['p95_ms']:>7.0f} "
              f"{result['again_p50_ms']:>9.0f} {result['again_p95_ms']:>5.0f} {result['ann_recall']:>8.3f} {result['top10_kept']:>11.3f} {result['filters']:>9}  {result['kind']}",
              flush=True)
    if args.update:
        measure_update(folder, args.update, args.data)


def measure_update(folder: Path, count: int, data: Path) -> None:
    """Add `count` real articles (FA-KES, under new ids, so every one is embedded) to the index,
    remove them, then add them again but kill -9 the update once it has saved vectors: the index
    must answer as before, and the rerun must resume. Each update runs as `isnad index` would, in
    a fresh process (the model load is counted)."""
    before = _rankings(folder)
    seconds, report = _timed_update(folder, "add", data, count)
    print(f"added {count} articles: {seconds:.0f} s in all, {report['update_seconds']:.0f} s inside the update, of "
          f"which {report['embedding_seconds']:.0f} s chunking and embedding {report['embedded_chunks']} chunks and "
          f"their sentences; {report['segments']} segments after")
    seconds, report = _timed_update(folder, "remove", data, count)
    print(f"removed them: {seconds:.0f} s in all, {report['segments']} segments after")
    assert _rankings(folder) == before, "removing the added articles did not restore the rankings"

    pending = folder / "pending"
    update = subprocess.Popen([sys.executable, "-m", "eval.benchmark_scale", "--update-into", str(folder), "add",
                               "--data", str(data), "--update", str(count)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    while not list(pending.glob("batch-*.npz")) and update.poll() is None:
        time.sleep(0.2)
    os.killpg(update.pid, signal.SIGKILL)
    update.wait()
    saved = len(list(pending.glob("batch-*.npz")))
    same = _rankings(folder) == before
    seconds, report = _timed_update(folder, "add", data, count)
    print(f"kill -9 after {saved} saved batch(es): index answers as before: {same}; the rerun took {seconds:.0f} s, "
          f"{report['resumed_texts']} texts' vectors resumed, {report['embedded_chunks']} chunks in the new segment")
    _timed_update(folder, "remove", data, count)


def _timed_update(folder: Path, action: str, data: Path, count: int) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "eval.benchmark_scale", "--update-into", str(folder), action,
                          "--data", str(data), "--update", str(count)], check=True, capture_output=True, text=True)
    return time.perf_counter() - started, json.loads(out.stdout.splitlines()[-1])


def update_into(folder: Path, action: str, count: int, data: Path) -> dict:
    """One update, in this process: add or remove the `count` articles of measure_update."""
    fakes = CorpusLoader().run([data / "fa-kes" / "fakes.csv"]).documents[:count]
    added = [replace(document, id=f"added/{document.id}") for document in fakes]
    manifest = IndexStore(folder).read().manifest
    indexer = Indexer(folder, Embedder(manifest["embedding_model"]), exact_search_limit=Settings.from_env().exact_search_limit)
    report = indexer.add(added) if action == "add" else indexer.remove([document.id for document in added])
    return {"embedded_chunks": report.embedded_chunks, "resumed_texts": report.resumed_texts,
            "update_seconds": report.seconds, "embedding_seconds": report.embedding_seconds, "segments": len(IndexStore(folder).read().segments)}


def _rankings(folder: Path) -> list[list[list]]:
    """The top 10 of the first 10 benchmark questions, in a fresh process (what a reader sees)."""
    out = subprocess.run([sys.executable, "-m", "eval.benchmark_scale", "--rankings", str(folder)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


def rankings(folder: Path) -> list[list[tuple[str, int, float]]]:
    """The top 10 of the first 10 benchmark questions."""
    from rag.search.retriever import Retriever

    retriever = Retriever.open(folder)
    return [[(p.doc_id, p.start, round(p.score, 4)) for p in retriever.search(question, k=10)]
            for question in _questions()[:10]]


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


def build_multiplied(base_index: Path, folder: Path, size: int, settings: Settings) -> float:
    """An index of `size` chunks made of perturbed copies of the base index's articles."""
    started = time.perf_counter()
    base = IndexStore(base_index).read()
    base = base.reusable(list(base.documents))
    base_chunks = base.chunks
    by_document: dict[str, list[Chunk]] = {}
    for chunk in base_chunks:
        by_document.setdefault(chunk.doc_id, []).append(chunk)
    base_documents = [document for document in base.documents if document.id in by_document]
    rng, words = np.random.default_rng(size), random.Random(size)
    documents, chunks, sources = [], [], []
    copy = 0
    while len(chunks) < size:
        for document in base_documents:
            if len(chunks) >= size:
                break
            metadata = {**document.metadata, "date": _random_date(words)}
            copied = Document(f"{document.id}@{copy}", document.title, _drop_words(document.text, words),
                              document.language, metadata, f"{copy}")
            documents.append(copied)
            for chunk in by_document[document.id][: size - len(chunks)]:
                chunks.append(Chunk(len(chunks), copied.id, chunk.title, _drop_words(chunk.text, words),
                                    chunk.start, chunk.end, chunk.language, metadata))
                sources.append(chunk.chunk_id)
        copy += 1
    sources = np.asarray(sources, dtype=np.int64)
    base_owners = base.sentence_chunks
    first = np.searchsorted(base_owners, np.arange(len(base_chunks) + 1))
    per_chunk = np.diff(first)[sources]
    sentence_sources = np.concatenate([np.arange(first[s], first[s + 1]) for s in sources])
    folder.parent.mkdir(parents=True, exist_ok=True)
    chunk_vectors = _noisy(base.chunk_vectors, sources, folder.parent / "chunks.tmp.npy", rng)
    sentence_vectors = _noisy(base.sentence_vectors, sentence_sources, folder.parent / "sentences.tmp.npy", rng)
    owners = np.repeat(np.arange(len(chunks), dtype=np.int64), per_chunk)
    manifest = {key: value for key, value in IndexStore(base_index).read().manifest.items()
                if key not in ("files", "segments", "counts")}
    manifest["multiplied_from"] = str(base_index)
    data = IndexData(manifest, documents, chunks, chunk_vectors, sentence_vectors, owners, [],
                     np.zeros((0, base.chunk_vectors.shape[1]), np.float32))
    IndexStore(folder).write(data, settings.exact_search_limit)
    for temporary in folder.parent.glob("*.tmp.npy"):
        temporary.unlink()
    return time.perf_counter() - started


def _drop_words(text: str, rng: random.Random) -> str:
    return " ".join(word for word in text.split(" ") if rng.random() >= 0.1)


def _random_date(rng: random.Random) -> str:
    return f"{rng.randint(2011, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _noisy(base: np.ndarray, sources: np.ndarray, path: Path, rng) -> np.ndarray:
    """Rows base[sources] plus noise, renormalised, in a memory-mapped file (they may not fit in RAM)."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(len(sources), base.shape[1]))
    for start in range(0, len(sources), 100_000):
        block = base[sources[start:start + 100_000]] + rng.normal(0, NOISE, (len(sources[start:start + 100_000]),
                                                                           base.shape[1])).astype(np.float32)
        out[start:start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    out.flush()
    return out


def _timed_searches(retriever, questions: list[str]) -> tuple[list[float], dict[str, list[str]]]:
    """Each question's search time in ms, and its top-10 chunk ids."""
    latencies, results = [], {}
    for question in questions:
        started = time.perf_counter()
        results[question] = [p.chunk_id for p in retriever.search(question, k=10)]
        latencies.append(1000 * (time.perf_counter() - started))
    return latencies, results


def measure(folder: Path) -> dict:
    """Run in a fresh process: open, search, compare with exact search."""
    from rag.search.retriever import Retriever

    questions = _questions()
    manifest = IndexStore(folder).read().manifest
    embedder = Embedder(manifest["embedding_model"])
    embedder.encode_queries(["warm up"])
    model_rss = _rss_gb()
    started = time.perf_counter()
    retriever = Retriever.open(folder, embedder=embedder)
    open_s = time.perf_counter() - started
    retriever.search(questions[0], k=10)
    # The first pass reads the index from wherever the page cache left it (a server's first
    # questions); the second asks them again, as a server that has run a while finds the index.
    latencies, results = _timed_searches(retriever, questions)
    again, _ = _timed_searches(retriever, questions)
    rss, anonymous = _rss_gb(), _rss_gb("RssAnon")
    largest = max(retriever.index.segments, key=lambda segment: len(segment.chunks))
    vectors = embedder.encode_queries(questions)
    ann_recall = float(np.mean([_overlap(largest.chunk_vectors.nearest(v, 10)[0], _exact(largest.chunk_vectors.rows, v))
                                for v in vectors]))
    filters = _filters_exact(largest, vectors[:10])
    kept = _top10_kept(retriever, questions[:EXACT_QUERIES], results)
    return {"chunks": len(retriever.index.chunks), "open_s": open_s, "rss_gb": rss, "index_rss_gb": rss - model_rss,
            "anon_gb": anonymous,
            "p50_ms": float(np.percentile(latencies, 50)), "p95_ms": float(np.percentile(latencies, 95)),
            "again_p50_ms": float(np.percentile(again, 50)), "again_p95_ms": float(np.percentile(again, 95)),
            "ann_recall": ann_recall, "top10_kept": kept, "filters": filters,
            "kind": f"chunks {largest.entry['vectors']['chunks']}, sentences {largest.entry['vectors']['sentences']}"}


def _questions() -> list[str]:
    questions = []
    for path in sorted(QUESTION_SETS.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip() and (text := json.loads(line).get("question")):
                questions.append(text)
    return list(dict.fromkeys(questions))[:100]


def _exact(rows: np.ndarray, vector: np.ndarray, k: int = 10) -> np.ndarray:
    scores = np.concatenate([np.asarray(rows[i:i + 200_000], dtype=np.float32) @ vector
                             for i in range(0, len(rows), 200_000)])
    return best_rows(scores, k)


def _overlap(found: np.ndarray, exact: np.ndarray) -> float:
    return len(set(found.tolist()) & set(exact.tolist())) / max(len(exact), 1)


def _filters_exact(data, vectors: np.ndarray) -> str:
    """Filtered dense search against exact search over the allowed rows, in the largest segment:
    'n/n' queries equal."""
    source = max(data.columns.counts("source").items(), key=lambda item: item[1])[0]
    mask = data.columns.mask({"source": source, "date_from": "2014-01-01", "date_to": "2016-12-31"})
    equal = 0
    for vector in vectors:
        found, _ = data.chunk_vectors.nearest(vector, 10, mask)
        allowed = np.flatnonzero(mask)
        exact = allowed[best_rows(data.chunk_vectors.scores(vector, allowed), 10)]
        equal += bool(mask[found].all()) and _overlap(found, exact) >= 0.9
    return f"{equal}/{len(vectors)}"


def _top10_kept(retriever, questions: list[str], results: dict[str, list[int]]) -> float:
    """Share of the retriever's top 10 that stays when both vector indexes search exactly."""
    for segment in retriever.index.segments:
        segment.chunk_vectors._ann = segment.sentence_vectors._ann = None
    return float(np.mean([_overlap(np.asarray(results[q]), np.asarray([p.chunk_id for p in retriever.search(q, k=10)]))
                          for q in questions]))


def _rss_gb(kind: str = "VmRSS") -> float:
    """Resident memory: all of it (VmRSS), or only what the kernel cannot drop (RssAnon; the rest
    is pages of memory-mapped index files, reclaimable like any file cache)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


if __name__ == "__main__":
    main()
