"""Arabic-aware BM25 on disk, in segments: term frequencies counted once at index time,
memory-mapped at open, weighed at query time with the statistics of every segment's live rows
together (as Lucene scores across its segments), so an index updated segment by segment scores
exactly as one built whole.

Each segment's field is stored column by column (one column per term: the rows holding it, their
term frequencies, and their saturation tf / (tf + k1 (1 - b + b dl / avgdl)) at the segment's own
average length) beside each row's length, so opening costs nothing at any size and a query reads
only its own terms' columns. A segment whose average length is the index's (within AVERAGE_SLACK:
the large segment of an index that took small updates) is scored from its stored saturations, as
fast as precomputed weights; another is weighed from its frequencies. Terms are found by a 64-bit
hash in a sorted array, so no vocabulary is loaded either. The weights are Lucene's BM25 as bm25s
computes it (`method="lucene"`; a test holds the two equal).

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
import scipy.sparse

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
_FILES = ("terms", "columns", "starts", "rows", "frequencies", "saturations", "lengths")
# Relative difference of average lengths under which a segment's stored saturations serve: a score
# moves by less than a thousandth (b times the difference, at most).
AVERAGE_SLACK = 1e-3
_SLICE = 1 << 24
_MAX_FREQUENCY = np.iinfo(np.uint16).max


def file_names(name: str) -> list[str]:
    return [f"{name}.{part}.npy" for part in _FILES]


def term_hash(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass
class Counts:
    """Term frequencies of every (row, term) pair, in row order."""

    terms: list[str]         # the vocabulary: term_ids index it
    rows: np.ndarray         # row of each pair
    term_ids: np.ndarray
    frequencies: np.ndarray
    lengths: np.ndarray      # terms per row

    @property
    def size(self) -> int:
        return len(self.lengths)


@dataclass
class Weights:
    """BM25 weights of every (row, term) pair, in row order (for an engine that stores weights)."""

    terms: list[str]
    rows: np.ndarray
    term_ids: np.ndarray
    weights: np.ndarray
    size: int


def count(token_lists: Iterable[list[str]]) -> Counts:
    """Count every row's terms; rows are read once (a generator will do)."""
    vocabulary: dict[str, int] = {}
    term_ids, frequencies, lengths = [], [], []
    for tokens in token_lists:
        counts = Counter(tokens)
        term_ids.append(np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in counts), np.int32, len(counts)))
        frequencies.append(np.fromiter((min(n, _MAX_FREQUENCY) for n in counts.values()), np.uint16, len(counts)))
        lengths.append(len(tokens))
    rows = np.repeat(np.arange(len(lengths), dtype=np.int32), [len(ids) for ids in term_ids])
    return Counts(list(vocabulary), rows,
                  np.concatenate(term_ids) if term_ids else np.zeros(0, np.int32),
                  np.concatenate(frequencies) if frequencies else np.zeros(0, np.uint16),
                  np.asarray(lengths, np.float32))


def weigh(token_lists: Iterable[list[str]], k1: float, b: float) -> Weights:
    """Count and weigh every row's terms with the rows' own statistics."""
    counts = count(token_lists)
    df = np.bincount(counts.term_ids, minlength=len(counts.terms))
    weights = _own_saturations(counts, k1, b)
    weights *= Statistics(counts.size, float(counts.lengths.sum())).idf(df).astype(np.float32)[counts.term_ids]
    return Weights(counts.terms, counts.rows, counts.term_ids, weights, counts.size)


@dataclass
class Statistics:
    """What BM25 weighs against: the number of live rows and their summed length."""

    rows: int
    length: float

    def idf(self, df: np.ndarray) -> np.ndarray:
        # Lucene (bm25s "lucene"): ln(1 + (N - df + .5) / (df + .5))
        return np.log(1 + (self.rows - df + 0.5) / (df + 0.5))

    def norm(self, lengths: np.ndarray, k1: float, b: float) -> np.ndarray:
        average = self.length / self.rows if self.rows else 1.0
        return (k1 * (1 - b + b * lengths / max(average, 1e-9))).astype(np.float32)


def _saturation(frequencies: np.ndarray, norm: np.ndarray) -> np.ndarray:
    frequencies = frequencies.astype(np.float32)
    return frequencies / (frequencies + norm)


def _own_saturations(counts: Counts, k1: float, b: float) -> np.ndarray:
    """The saturation of every pair at the rows' own average length."""
    norm = Statistics(counts.size, float(counts.lengths.sum())).norm(counts.lengths, k1, b)
    saturations = np.empty(len(counts.rows), np.float32)
    for start in range(0, len(counts.rows), _SLICE):  # in slices: a million chunks hold ~500M pairs
        part = slice(start, start + _SLICE)
        saturations[part] = _saturation(counts.frequencies[part], norm[counts.rows[part]])
    return saturations


def write_lexical_index(folder: Path, name: str, token_lists: Iterable[list[str]], k1: float, b: float) -> int:
    """Count every row's terms and write them column by column. Returns the number of rows."""
    counts = count(token_lists)
    saturations = _own_saturations(counts, k1, b)
    order = np.argsort(counts.term_ids, kind="stable")  # column by column, rows ascending within each
    starts = np.concatenate([[0], np.cumsum(np.bincount(counts.term_ids, minlength=len(counts.terms)))])
    hashes = np.fromiter((term_hash(term) for term in counts.terms), np.uint64, len(counts.terms))
    by_hash = np.argsort(hashes)
    save_array(folder / f"{name}.terms.npy", hashes[by_hash])
    save_array(folder / f"{name}.columns.npy", by_hash.astype(np.int32))
    save_array(folder / f"{name}.starts.npy", starts.astype(np.int64))
    save_array(folder / f"{name}.lengths.npy", counts.lengths)
    counts.term_ids = None  # one sorted copy at a time: the pairs of a large index take gigabytes
    save_array(folder / f"{name}.rows.npy", counts.rows[order])
    counts.rows = None
    save_array(folder / f"{name}.frequencies.npy", counts.frequencies[order])
    counts.frequencies = None
    save_array(folder / f"{name}.saturations.npy", saturations[order])
    return counts.size


class Columns:
    """One segment's field: the rows and term frequencies of each term, and each row's length."""

    def __init__(self, folder: Path, name: str) -> None:
        arrays = {part: open_array(folder / f"{name}.{part}.npy") for part in _FILES}
        self._terms, self._columns, self._starts = arrays["terms"], arrays["columns"], arrays["starts"]
        self.rows, self.frequencies, self.lengths = arrays["rows"], arrays["frequencies"], arrays["lengths"]
        self.saturations = arrays["saturations"]
        self.average_length = float(np.mean(self.lengths)) if len(self.lengths) else 0.0

    @property
    def size(self) -> int:
        return len(self.lengths)

    def spans(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and end of each hashed term's column (empty where the segment lacks the term)."""
        if not len(self._terms):
            return np.zeros(len(hashes), np.int64), np.zeros(len(hashes), np.int64)
        position = np.minimum(np.searchsorted(self._terms, hashes), len(self._terms) - 1)
        found = self._terms[position] == hashes
        columns = np.asarray(self._columns[position], dtype=np.int64)
        starts, ends = self._starts[columns], self._starts[columns + 1]
        return np.where(found, starts, 0), np.where(found, ends, 0)


class LexicalIndex:
    """BM25 scores of every row (a chunk, a document, a title) of a field's segments, one after
    another, for a query's terms. `live` marks each segment's rows that count (None: all of them);
    rows deleted since their segment was written neither score nor weigh in the statistics."""

    def __init__(self, segments: list[Columns], k1: float, b: float,
                 live: list[np.ndarray | None] | None = None) -> None:
        self.segments, self.k1, self.b = segments, k1, b
        self.live = live or [None] * len(segments)
        self.size = sum(segment.size for segment in segments)
        self.statistics = Statistics(
            sum(segment.size if alive is None else int(alive.sum()) for segment, alive in zip(segments, self.live)),
            sum(float(np.sum(segment.lengths if alive is None else segment.lengths[alive]))
                for segment, alive in zip(segments, self.live)))
        average = self.statistics.length / max(self.statistics.rows, 1)
        # None: the segment's stored saturations serve (its average length is the index's)
        self._norms = [None if abs(segment.average_length - average) <= AVERAGE_SLACK * average
                       else self.statistics.norm(np.asarray(segment.lengths), k1, b) for segment in segments]

    def scores(self, query_terms: list[str], budget: int = POSTINGS_BUDGET) -> np.ndarray:
        """Summed weights of each row for the terms (repeated terms count again, as in bm25s);
        zeros when none is known."""
        counts = Counter(query_terms)
        if not counts or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        hashes = np.fromiter((term_hash(term) for term in counts), np.uint64, len(counts))
        repeats = np.fromiter(counts.values(), np.float32, len(counts))
        spans = [segment.spans(hashes) for segment in self.segments]
        postings = sum(ends - starts for starts, ends in spans)
        order = np.argsort(postings, kind="stable")  # rarest first
        order = order[postings[order] > 0]
        if not len(order):
            return np.zeros(self.size, dtype=np.float32)
        kept = order[np.cumsum(postings[order]) <= budget] if budget else order
        kept = kept if len(kept) else order[:1]
        columns = [[(segment.rows[starts[t]:ends[t]], (segment.saturations if norm is None else segment.frequencies)
                     [starts[t]:ends[t]]) for t in kept]
                   for segment, norm, (starts, ends) in zip(self.segments, self._norms, spans)]
        idf = self.statistics.idf(self._live_df(columns, len(kept)))
        return np.concatenate([self._segment_scores(i, parts, idf * repeats[kept]) for i, parts in enumerate(columns)])

    def _live_df(self, columns: list[list[tuple[np.ndarray, np.ndarray]]], terms: int) -> np.ndarray:
        df = np.zeros(terms, np.float64)
        for parts, alive in zip(columns, self.live):
            df += [len(rows) if alive is None else int(alive[rows].sum()) for rows, _ in parts]
        return df

    def _segment_scores(self, i: int, parts: list[tuple[np.ndarray, np.ndarray]], factors: np.ndarray) -> np.ndarray:
        """Each row's summed weights in segment i; `parts` are its (rows, saturations or
        frequencies) per term, `factors` each term's idf (times its repeats in the query)."""
        size, norm = self.segments[i].size, self._norms[i]
        if not any(len(rows) for rows, _ in parts):
            return np.zeros(size, dtype=np.float32)
        rows = np.concatenate([rows for rows, _ in parts])
        values = np.concatenate([values for _, values in parts])
        if norm is not None:
            values = _saturation(values, norm[rows])
        # The kept columns as a sparse matrix times each term's factor: scipy's product sums in
        # float32 in one pass, 3.5 times as fast as a weighted bincount over a million rows.
        columns = np.concatenate([[0], np.cumsum([len(column) for column, _ in parts])]).astype(rows.dtype)
        matrix = scipy.sparse.csc_array((values, rows, columns), shape=(size, len(parts)))
        scores = matrix @ factors.astype(np.float32)
        return scores if self.live[i] is None else np.where(self.live[i], scores, 0.0).astype(np.float32)
