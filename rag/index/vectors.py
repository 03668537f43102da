"""Vectors on disk, memory-mapped, searched exactly while that is fast and through an inverted-file
index (FAISS IVF, 8-bit scalar-quantised codes) beyond `exact_search_limit` rows.

The ANN index only proposes candidates; their scores are recomputed from the full rows, so every
score the search returns is exact (to half precision: past the limit the rows are stored as
float16, which halves the file and the memory its pages take, cosines within 1e-3) and only the
recall is approximate. A search that can
do with the codes' scores skips that rescoring: sentences, which only lift their chunk's score
(at a million chunks rescoring them read 800 scattered rows per query from millions of sentences,
0.45 s of a 0.66 s search with a cold cache), and the retriever's chunk candidates, whose exact
scores it asks for once, together with the other candidates'. The number of
lists probed is chosen at build time on a sample of the index's own vectors as queries, and the
recall it reached is recorded in the manifest. A filter that leaves few rows is searched exactly
(nothing allowed is missed); a broad one is applied inside FAISS before its top-k is cut.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag.index.arrays import open_array, save_array

# Recall@10 against exact search that the probe count must reach at build, on stand-in queries,
# which run above real questions: at a million chunks 0.9745 against 0.947 at 16 probes, and on a
# later build 0.9825 against 0.939 (32 probes: 0.973, 7 ms more a query; eval.benchmark_scale),
# hence the margins. The chunks' recall is the index's; sentences only lift their chunk's score,
# and at a million chunks they already probe 128 of 2,048 lists over 4 million rows.
RECALL_TARGETS = {"chunks": 0.99, "sentences": 0.98}
EXACT_FILTERED_LIMIT = 20_000  # a filter leaving at most this many rows is searched exactly
# Candidates per result asked of the IVF index, then rescored exactly: 8-bit codes blur rows that
# score alike, and the exact rescoring of twice as many puts the right ones back on top.
REFINE = 2
_PROBES = (4, 8, 16, 32, 64, 128, 256)
_SAMPLE_QUERIES = 200


def file_names(name: str, entry: dict[str, Any]) -> list[str]:
    return [f"{name}.npy"] + ([f"{name}.ivf"] if entry.get("kind") != "exact" else [])


def write_vectors(folder: Path, name: str, vectors: np.ndarray, exact_search_limit: int) -> dict[str, Any]:
    """Save the rows (and an IVF index past the limit); returns the manifest entry saying which."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) <= exact_search_limit:  # every row is read by every search: float32 for BLAS
        save_array(folder / f"{name}.npy", vectors)
        return {"kind": "exact", "rows": len(vectors)}
    save_array(folder / f"{name}.npy", vectors.astype(np.float16))  # only candidates' rows are read
    lists = int(2 ** round(np.log2(np.sqrt(len(vectors)))))
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], lists,
                                          faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    index.train(vectors[np.sort(rng.choice(len(vectors), min(len(vectors), lists * 64), replace=False))])
    for start in range(0, len(vectors), 100_000):
        index.add(vectors[start:start + 100_000])
    probes, recall = _calibrate_probes(index, vectors, rng, RECALL_TARGETS[name])
    index.nprobe = probes
    faiss.write_index(index, str(folder / f"{name}.ivf"))
    return {"kind": f"IVF{lists},SQ8", "rows": len(vectors), "nprobe": probes, "recall_at_10": round(recall, 4)}


def _calibrate_probes(index, vectors: np.ndarray, rng, target: float) -> tuple[int, float]:
    """The fewest lists to probe for the `target` recall. Stand-ins for queries: the normalised sum of three
    random stored rows: a point between topics, far from any one list's centre, as questions are.
    (Rows plus isotropic noise keep their nearest centroids and flatter a small probe count: on
    the 100k-chunk benchmark they promised 0.98 recall at 4 probes where real questions got 0.73;
    the three-row sums came within 0.04 of real questions' recall from 4 to 64 probes.)"""
    queries = sum(vectors[np.sort(rng.choice(len(vectors), _SAMPLE_QUERIES))] for _ in range(3))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    exact = _exact_top(vectors, queries, 10)
    recall = 0.0
    for probes in _PROBES:
        index.nprobe = probes
        _, candidates = index.search(queries, 10 * REFINE)
        found = [ids[best_rows(np.asarray(vectors[np.sort(ids)]) @ query, 10)] if len(ids) else ids
                 for query, ids in zip(queries, (np.sort(row[row >= 0]) for row in candidates))]
        recall = float(np.mean([len(set(a.tolist()) & set(b)) / 10 for a, b in zip(found, exact.tolist())]))
        if recall >= target:
            break
    return probes, recall


def _exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    best = []
    for start in range(0, len(vectors), 200_000):
        scores = queries @ vectors[start:start + 200_000].T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        best.append((np.take_along_axis(scores, top, 1), top + start))
    scores, ids = np.hstack([b[0] for b in best]), np.hstack([b[1] for b in best])
    order = np.argsort(-scores, axis=1)[:, :k]
    return np.take_along_axis(ids, order, 1)


def best_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest scores, best first (a partial sort: there may be millions)."""
    best = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
    return best[np.argsort(-scores[best], kind="stable")]


class VectorIndex:
    """Rows of unit-length vectors and the nearest of them to a query by inner product (= cosine)."""

    def __init__(self, folder: Path, name: str, entry: dict[str, Any]) -> None:
        import faiss

        self.rows = open_array(folder / f"{name}.npy")
        self.kind = entry.get("kind", "exact")
        self._ann = None
        if self.kind != "exact":
            # Mapped, not read: the inverted lists of a million rows are gigabytes, paged in as probed.
            self._ann = faiss.read_index(str(folder / f"{name}.ivf"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
            self._ann.nprobe = int(entry["nprobe"])

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def dimension(self) -> int:
        return self.rows.shape[1]

    def nearest(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
                rescore: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the k nearest rows, best first, among the `allowed` mask's rows. The
        scores are exact, or with `rescore=False` the 8-bit codes' where the IVF index answers
        (within ~0.01: no stored row is read, which at a million rows is most of a search's time)."""
        if allowed is not None and allowed.all():
            allowed = None
        count = len(self.rows) if allowed is None else int(allowed.sum())
        if count == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if self._ann is None or count <= EXACT_FILTERED_LIMIT:
            ids = np.arange(len(self.rows)) if allowed is None else np.flatnonzero(allowed)
            scores = self.scores(query, ids) if allowed is not None else np.asarray(self.rows @ query)
        elif rescore:
            ids, _ = self._candidates(query, k * REFINE, allowed, count)
            scores = self.scores(query, ids)
        else:
            ids, scores = self._candidates(query, k, allowed, count)
        top = best_rows(scores, k)
        return ids[top].astype(np.int64), scores[top].astype(np.float32)

    def scores(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact cosine of the query with the given rows (in the order given)."""
        if not len(ids):
            return np.zeros(0, np.float32)
        order = np.argsort(ids)  # sorted reads from the memory map, put back in the caller's order
        scores = np.empty(len(ids), np.float32)
        scores[order] = np.asarray(self.rows[np.asarray(ids)[order]], dtype=np.float32) @ query
        return scores

    def _candidates(self, query: np.ndarray, k: int, allowed: np.ndarray | None,
                    count: int) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        params = None
        if allowed is not None and count < len(self.rows):
            bitmap = np.packbits(allowed, bitorder="little")
            # A filter keeping a fraction f of the rows leaves f of each list: probing 1/f times as
            # many lists scans as many allowed rows as the calibrated unfiltered search does.
            probes = min(self._ann.nlist, int(np.ceil(self._ann.nprobe * len(self.rows) / count)))
            params = faiss.SearchParametersIVF(sel=faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap)),
                                               nprobe=probes)
        scores, ids = self._ann.search(query[None, :].astype(np.float32), min(k, count), params=params)
        found = ids[0] >= 0
        return ids[0][found], scores[0][found]
