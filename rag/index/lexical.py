"""Arabic-aware BM25 on disk: weighed once at index time, memory-mapped at open.

The weights are Lucene's BM25 as bm25s computes it (`method="lucene"`; a test holds the two
equal), stored column by column (one column per term: the rows holding it and their weights), so
opening costs nothing at any size and a query reads only its own terms' columns. Terms are found
by a 64-bit hash in a sorted array, so no vocabulary is loaded either.

On a large index a question's commonest n-grams ("~#الم") hold most of the rows and weigh least
(their IDF is near zero): past a budget of postings the commonest terms are left out, rarest
first kept, which bounds a query's work however large the index (the dynamic pruning every
search engine does in some form). Below about 10,000 rows the budget is never reached.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from rag.index.arrays import open_array, save_array

POSTINGS_BUDGET = 3_000_000
# n-gram terms repeat within a word (and twice over, as stem and as written), so term frequency
# saturates sooner (k1) and long passages are penalised less (b) than the Lucene defaults 1.2 / 0.75.
# Chosen on TyDi QA and ARCD together (rag.text.lexical_terms has the figures).
CHUNK_K1, CHUNK_B = 0.5, 0.5
LUCENE_K1, LUCENE_B = 1.2, 0.75
# The three lexical fields with their k1 and b: the chunk (n-gram saturation), its whole article
# and its title (BM25's usual settings).
FIELD_BM25 = {"chunks": (CHUNK_K1, CHUNK_B), "documents": (LUCENE_K1, LUCENE_B), "titles": (LUCENE_K1, LUCENE_B)}
_FILES = ("terms", "columns", "starts", "rows", "weights")
_SLICE = 1 << 24


def file_names(name: str) -> list[str]:
    return [f"{name}.{part}.npy" for part in _FILES]


def term_hash(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass
class Weights:
    """BM25 weights of every (row, term) pair, in row order."""

    terms: list[str]         # the vocabulary: term_ids index it
    rows: np.ndarray         # row of each pair
    term_ids: np.ndarray
    weights: np.ndarray
    size: int                # number of rows


def weigh(token_lists: Iterable[list[str]], k1: float, b: float) -> Weights:
    """Weigh every row's terms; rows are read once (a generator will do)."""
    vocabulary: dict[str, int] = {}
    term_ids, frequencies, lengths = [], [], []
    for tokens in token_lists:
        counts = Counter(tokens)
        term_ids.append(np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in counts), np.int32, len(counts)))
        frequencies.append(np.fromiter(counts.values(), np.float32, len(counts)))
        lengths.append(len(tokens))
    size = len(lengths)
    rows = np.repeat(np.arange(size, dtype=np.int32), [len(ids) for ids in term_ids])
    term_ids = np.concatenate(term_ids) if term_ids else np.zeros(0, np.int32)
    frequencies = np.concatenate(frequencies) if frequencies else np.zeros(0, np.float32)
    lengths = np.asarray(lengths, np.float32)
    # Lucene BM25 (bm25s "lucene"): idf = ln(1 + (N - df + .5) / (df + .5)); tf / (tf + k1 (1 - b + b dl / avgdl)).
    df = np.bincount(term_ids, minlength=len(vocabulary)).astype(np.float64)
    idf = np.log(1 + (size - df + 0.5) / (df + 0.5))
    norm = k1 * (1 - b + b * lengths / max(float(lengths.mean()) if size else 1.0, 1e-9))
    weights = np.empty(len(term_ids), np.float32)
    for start in range(0, len(term_ids), _SLICE):  # in slices: a million chunks hold ~500M pairs
        part = slice(start, start + _SLICE)
        weights[part] = idf[term_ids[part]] * frequencies[part] / (frequencies[part] + norm[rows[part]])
    return Weights(list(vocabulary), rows, term_ids, weights, size)


def write_lexical_index(folder: Path, name: str, token_lists: Iterable[list[str]], k1: float, b: float) -> int:
    """Weigh every row's terms and write them column by column. Returns the number of rows."""
    weighed = weigh(token_lists, k1, b)
    order = np.argsort(weighed.term_ids, kind="stable")  # column by column, rows ascending within each
    starts = np.concatenate([[0], np.cumsum(np.bincount(weighed.term_ids, minlength=len(weighed.terms)))])
    hashes = np.fromiter((term_hash(term) for term in weighed.terms), np.uint64, len(weighed.terms))
    by_hash = np.argsort(hashes)
    save_array(folder / f"{name}.terms.npy", hashes[by_hash])
    save_array(folder / f"{name}.columns.npy", by_hash.astype(np.int32))
    save_array(folder / f"{name}.starts.npy", starts.astype(np.int64))
    weighed.term_ids = None  # one sorted copy at a time: the pairs of a large index take gigabytes
    save_array(folder / f"{name}.rows.npy", weighed.rows[order])
    weighed.rows = None
    save_array(folder / f"{name}.weights.npy", weighed.weights[order])
    return weighed.size


class LexicalIndex:
    """BM25 scores of every row (a chunk, a document, a title) for a query's terms."""

    def __init__(self, folder: Path, name: str, size: int) -> None:
        arrays = {part: open_array(folder / f"{name}.{part}.npy") for part in _FILES}
        self._terms, self._columns, self._starts = arrays["terms"], arrays["columns"], arrays["starts"]
        self._rows, self._weights = arrays["rows"], arrays["weights"]
        self.size = size

    def scores(self, query_terms: list[str], budget: int = POSTINGS_BUDGET) -> np.ndarray:
        """Summed weights of each row for the terms (repeated terms count again, as in bm25s);
        zeros when none is known."""
        columns, repeats = self._known(Counter(query_terms))
        if not len(columns) or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        starts, ends = self._starts[columns], self._starts[columns + 1]
        order = np.argsort(ends - starts, kind="stable")  # rarest first
        kept = order[np.cumsum((ends - starts)[order]) <= budget] if budget else order
        kept = kept if len(kept) else order[:1]
        rows = np.concatenate([self._rows[starts[i]:ends[i]] for i in kept])
        weights = np.concatenate([self._weights[starts[i]:ends[i]] * repeats[i] for i in kept])
        return np.bincount(rows, weights=weights, minlength=self.size).astype(np.float32)

    def _known(self, counts: Counter) -> tuple[np.ndarray, np.ndarray]:
        if not counts or not len(self._terms):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        hashes = np.fromiter((term_hash(term) for term in counts), np.uint64, len(counts))
        position = np.minimum(np.searchsorted(self._terms, hashes), len(self._terms) - 1)
        found = self._terms[position] == hashes
        columns = np.asarray(self._columns[position[found]], dtype=np.int64)
        repeats = np.fromiter(counts.values(), np.float32, len(counts))[found]
        return columns, repeats
