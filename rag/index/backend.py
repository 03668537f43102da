"""The one interface search reads an index through, whichever engine holds it.

Two backends implement it: the embedded one (`rag.index.store.OpenIndex`: FAISS/NumPy vectors,
BM25 columns and SQLite passages in a local folder) and Milvus (`rag.index.milvus`: Milvus Lite
in-process, or a Milvus server or cluster). Each returns top-k lists (approximate past the
exact-search limit) and exact scores for given chunks; the retriever fuses them with the
encoder's calibrated weights, so both rank alike.

    >>> index = open_index("milvus:.isnad/index.db")     # or a folder, or milvus+http://host:19530
    >>> selection = index.select({"source": "Anadolu"}, language="ar")
    >>> index.nearest_chunks(query_vector, 10, selection)   # (chunk ids, cosines), best first
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Protocol

import numpy as np

from rag.index.lexical import FIELD_BM25
from rag.types import Chunk, Document

if TYPE_CHECKING:
    from rag.index.segment import SegmentData

LEXICAL_FIELDS = tuple(FIELD_BM25)  # BM25 over the chunk, its whole article, its title


class Selection(Protocol):
    """The chunks that pass a query's filters (a mask, an engine's filter expression)."""

    @property
    def empty(self) -> bool: ...


class LexicalHits(Protocol):
    """One BM25 field's answer to a query within a selection."""

    ids: np.ndarray      # the k best chunks, best first
    best: float          # the best score in the selection (0 when nothing matches)

    def scores(self, ids: np.ndarray) -> np.ndarray:
        """Exact scores of these chunks (0 outside the selection)."""
        ...


class SearchIndex(Protocol):
    manifest: dict[str, Any]
    documents: Mapping[str, Document]
    chunks: Sequence[Chunk]
    vocabulary: list[tuple[str, str]]
    vocabulary_vectors: np.ndarray

    @property
    def languages(self) -> list[str]: ...

    def select(self, filters: dict[str, Any] | None, language: str | None = None) -> Selection: ...

    def blocking(self, filters: dict[str, Any] | None) -> list[str]:
        """When the filters leave nothing: the ones to loosen."""
        ...

    def counts(self, key: str) -> Counter:
        """Documents per value of a metadata key."""
        ...

    def nearest_chunks(self, vector: np.ndarray, k: int, selection: Selection) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest chunks and their cosines (8-bit approximations past the exact-search limit:
        `similarity` gives the exact ones)."""
        ...

    def nearest_sentences(self, vector: np.ndarray, k: int, selection: Selection) -> tuple[np.ndarray, np.ndarray]:
        """The chunks of the k nearest sentences, with the sentences' cosines (8-bit approximations
        past the exact-search limit: a sentence's score only lifts its chunk's)."""
        ...

    def similarity(self, vector: np.ndarray, chunk_ids: np.ndarray) -> np.ndarray:
        """Exact cosine of each chunk's vector with the query."""
        ...

    def lexical(self, field: str, terms: list[str], k: int, selection: Selection) -> LexicalHits: ...

    def sentence_vectors(self, chunk_id: int) -> np.ndarray:
        """The vectors of a chunk's embedded sentences, in order."""
        ...

    def reusable(self, doc_ids: list[str]) -> "SegmentData":
        """These documents with their chunks (renumbered 0..) and all their vectors, to write
        elsewhere without embedding them again."""
        ...

    def content_hashes(self) -> dict[str, str]:
        """The content hash of every document, by id (what an update compares the corpus with)."""
        ...


class ChunkSequence(Sequence):
    """An index's chunks by id (0 .. size-1), read on demand: a backend fetches a run of ids."""

    RUN = 1_000  # chunks fetched at a time while iterating

    def __init__(self, size: int) -> None:
        self._size = size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(self._size))]
        position = int(position) + (self._size if position < 0 else 0)
        if not 0 <= position < self._size:
            raise IndexError(f"chunk {position} is not in this index")
        return self._fetch(position, position + 1)[0]

    def __iter__(self) -> Iterator[Chunk]:
        for start in range(0, self._size, self.RUN):
            yield from self._fetch(start, min(start + self.RUN, self._size))

    def _fetch(self, start: int, stop: int) -> list[Chunk]:
        """Chunks start .. stop-1, in order."""
        raise NotImplementedError


def index_store(location: str | Path):
    """Where an index lives: a folder is the embedded store; `milvus:PATH` is Milvus Lite;
    `milvus+http://HOST:PORT` a Milvus server or cluster. Both stores read, write, lock, verify."""
    from rag.index.store import IndexStore

    text = str(location)
    if text.startswith("milvus:") or text.startswith("milvus+"):
        from rag.index.milvus import MilvusStore

        return MilvusStore(text)
    return IndexStore(Path(text))


def open_index(location: str | Path) -> SearchIndex:
    return index_store(location).read()


def copy_index(source: str | Path, target: str | Path, exact_search_limit: int = 50_000) -> int:
    """Copy an index into another store (a folder into Milvus, or back) without embedding anything
    again. Returns the number of chunks copied."""
    from rag.index.store import IndexData

    index = open_index(source)
    whole = index.reusable(list(index.documents))
    manifest = {key: value for key, value in index.manifest.items()
                if key not in ("files", "vectors", "generation", "segments", "counts")}
    data = IndexData.of(manifest, whole, index.vocabulary, np.asarray(index.vocabulary_vectors))
    store = index_store(target)
    with store.lock():
        store.write(data, exact_search_limit)
    return len(whole.chunks)
