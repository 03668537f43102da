"""Vectors on disk, searched exactly while that is fast and through an inverted-file index (FAISS
IVF) beyond `exact_search_limit` rows.

The ANN index only proposes candidates; their scores are recomputed from the full rows, so every
score the search returns is exact (to half precision: past the limit the rows are stored as
float16, cosines within 1e-3) and only the recall is approximate. Those rows are read one
candidate at a time with `pread`, never mapped. Each kind of row has its own codes (`CODINGS`):
chunks 8-bit scalar-quantised, close enough that the retriever's chunk candidates skip the
rescoring (it asks for their exact scores once, with the other candidates'); sentences, four times
as many, 4-bit product-quantised "fast-scan" codes, a quarter of the bytes, searched several
times faster, and rescored. The number of lists probed is chosen at build time on a sample of
the index's own vectors as queries, and the recall it reached is recorded in the manifest. A
filter that leaves few rows is searched exactly (nothing allowed is missed); a broad one is
applied inside FAISS before its top-k is cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.arrays import RowReader, open_array, save_array


@dataclass(frozen=True)
class Coding:
    """How one kind of row is coded in its IVF index."""
    codes: str  # FAISS factory string after "IVF{lists},"; {half} is half the dimension
    refine: int  # candidates asked of the IVF index per result, then rescored from the rows
    recall_target: float  # recall@10 against exact search the probe count must reach at build


# Chunks: 8-bit codes (a 768-d row in 768 bytes); rescoring twice as many candidates as results puts
# rows that score alike back in order. The recall target is on stand-in queries, which run above
# real questions (at a million chunks 0.9825 against 0.939 at 16 probes; 32 probes: 0.973, 7 ms
# more a query; eval.benchmark_scale), hence its margin.
# Sentences: 4-bit PQ fast-scan codes over pairs of dimensions (192 bytes). On the 100k-chunk
# benchmark's 413k sentences and its 100 real questions, the 400 nearest sentences were found with
# recall 0.974 in 5.6 ms (128 of 512 lists, 4 candidates rescored per result), as the 8-bit codes
# did (0.974, unrescored) in 29.5 ms; rescoring only twice as many: 0.941. Their scores are too
# coarse to use unrescored (mean error 0.023 on the top 50; 8-bit codes 0.0002).
CODINGS = {"chunks": Coding("SQ8", 2, 0.99), "sentences": Coding("PQ{half}x4fs", 4, 0.98)}
EXACT_FILTERED_LIMIT = 20_000  # a filter leaving at most this many rows is searched exactly
_PROBES = (4, 8, 16, 32, 64, 128, 256)
_SAMPLE_QUERIES = 200
_PLATEAU = 0.005  # recall a doubling of the probes must add to be worth its time


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
    coding = CODINGS[name]
    kind = f"IVF{lists}," + coding.codes.format(half=vectors.shape[1] // 2)
    index = faiss.index_factory(vectors.shape[1], kind, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    index.train(vectors[np.sort(rng.choice(len(vectors), min(len(vectors), lists * 64), replace=False))])
    for start in range(0, len(vectors), 100_000):
        index.add(vectors[start:start + 100_000])
    probes, recall = _calibrate_probes(index, vectors, rng, coding)
    index.nprobe = probes
    faiss.write_index(index, str(folder / f"{name}.ivf"))
    return {"kind": kind, "rows": len(vectors), "nprobe": probes, "recall_at_10": round(recall, 4)}


def _calibrate_probes(index, vectors: np.ndarray, rng, coding: Coding) -> tuple[int, float]:
    """The fewest lists to probe for the coding's recall target, or, where the codes cap recall below
    it, the probe count after which doubling it gains under half a point (the sentences' 4-bit codes
    at 100k chunks: 0.868, 0.897, 0.900 at 64, 128, 256 probes, so 128). Stand-ins for queries: the
    normalised sum of three random stored rows: a point between topics, far from any one list's
    centre, as questions are. (Rows plus isotropic noise keep their nearest centroids and flatter a
    small probe count: on the 100k-chunk benchmark they promised 0.98 recall at 4 probes where real
    questions got 0.73; the three-row sums came within 0.04 of real questions' recall from 4 to 64
    probes.)"""
    queries = sum(vectors[np.sort(rng.choice(len(vectors), _SAMPLE_QUERIES))] for _ in range(3))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    exact = _exact_top(vectors, queries, 10)
    chosen, reached = _PROBES[0], 0.0
    for probes in _PROBES:
        index.nprobe = probes
        _, candidates = index.search(queries, 10 * coding.refine)
        found = [ids[best_rows(np.asarray(vectors[np.sort(ids)]) @ query, 10)] if len(ids) else ids
                 for query, ids in zip(queries, (np.sort(row[row >= 0]) for row in candidates))]
        recall = float(np.mean([len(set(a.tolist()) & set(b)) / 10 for a, b in zip(found, exact.tolist())]))
        if probes > _PROBES[0] and recall - reached < _PLATEAU:
            break
        chosen, reached = probes, recall
        if recall >= coding.recall_target:
            break
    return chosen, reached


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
            # 8-bit codes are mapped, not read (a million chunks' are gigabytes, paged in as probed);
            # FAISS reads fast-scan codes whole, whatever the flag.
            self._ann = faiss.read_index(str(folder / f"{name}.ivf"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
            self._ann.nprobe = int(entry["nprobe"])
            self._refine = CODINGS[name].refine
            self._candidate_rows = RowReader(folder / f"{name}.npy")

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def dimension(self) -> int:
        return self.rows.shape[1]

    def nearest(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
                rescore: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the k nearest rows, best first, among the `allowed` mask's rows. The
        scores are exact, or with `rescore=False` the codes' where the IVF index answers (8-bit
        codes within ~0.01: no stored row is read)."""
        if allowed is not None and allowed.all():
            allowed = None
        count = len(self.rows) if allowed is None else int(allowed.sum())
        if count == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if self._ann is None or count <= EXACT_FILTERED_LIMIT:
            ids = np.arange(len(self.rows)) if allowed is None else np.flatnonzero(allowed)
            scores = self.scores(query, ids) if allowed is not None else np.asarray(self.rows @ query)
        elif rescore:
            ids, _ = self._candidates(query, k * self._refine, allowed, count)
            scores = self.scores(query, ids)
        else:
            ids, scores = self._candidates(query, k, allowed, count)
        top = best_rows(scores, k)
        return ids[top].astype(np.int64), scores[top].astype(np.float32)

    def scores(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact cosine of the query with the given rows (in the order given)."""
        if not len(ids):
            return np.zeros(0, np.float32)
        order = np.argsort(ids)  # sorted reads, put back in the caller's order
        wanted = np.asarray(ids)[order]
        rows = self.rows[wanted] if self._ann is None else self._candidate_rows.take(wanted)
        scores = np.empty(len(ids), np.float32)
        scores[order] = np.asarray(rows, dtype=np.float32) @ query
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
