"""Hybrid retrieval that knows which side to trust.

The lexical side (BM25 over stemmed Arabic/English) is precise but only works when query and
passage share a language; the dense side (multilingual embeddings) works across languages but
is fuzzier. So each passage is scored by its dense similarity (its own vector plus its best
sentence's), and the lexical score is added only for passages in the query's language, and only
as strongly as it is confident. Noise from a side that cannot work never outvotes the other.

    >>> retriever = Retriever.open(".isnad/index")
    >>> for passage in retriever.search("How many civilians were trapped in Aleppo?", k=3):
    ...     print(passage.doc_id, passage.score, passage.text[:80])
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import Embedder
from rag.errors import ModelMismatchError, QueryError
from rag.filters import filter_mask
from rag.indexer import lexical_tokens
from rag.lexical import LexicalIndex
from rag.store import IndexData, IndexStore
from rag.text import detect_language
from rag.types import Passage
from rag.vectors import reconstruct_all

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2_000
CANDIDATES = 100
SENTENCE_WEIGHT = 0.5   # share of the dense score that comes from the best sentence
LEXICAL_WEIGHT = 2.0    # weight of a fully confident lexical match against the dense score


class Retriever:
    def __init__(self, data: IndexData, embedder: Embedder, max_query_chars: int = MAX_QUERY_CHARS) -> None:
        self.data = data
        self.embedder = embedder
        self.max_query_chars = max_query_chars
        self._lexical = LexicalIndex([lexical_tokens(chunk) for chunk in data.chunks])
        self._chunk_matrix = reconstruct_all(data.chunk_vectors)
        self._languages = np.array([chunk.language for chunk in data.chunks])

    @classmethod
    def open(cls, index_dir: str | Path = ".isnad/index", model: str | None = None,
             embedder: Embedder | None = None, max_query_chars: int = MAX_QUERY_CHARS) -> "Retriever":
        """Open an index; `model` (if given) must be the one the index was built with."""
        data = IndexStore(Path(index_dir)).read()
        built_with = data.manifest["embedding_model"]
        wanted = model or (embedder.model_name if embedder else built_with)
        if wanted != built_with:
            raise ModelMismatchError(f"index at {index_dir} was built with {built_with!r}, not {wanted!r}; "
                                     f"search with --model {built_with} or rebuild with `isnad index --model {wanted}`")
        return cls(data, embedder or Embedder(built_with), max_query_chars)

    def search(self, query: str, k: int = 5, filters: dict[str, Any] | None = None) -> list[Passage]:
        query = self._check(query)
        allowed = filter_mask(self.data.chunks, filters)
        if not allowed.any() or k <= 0:
            return []
        query_vector = self.embedder.encode_queries([query])[0]
        dense = self._dense_scores(query_vector, allowed)
        lexical = self._lexical_scores(query, allowed)
        fused = dense + lexical
        fused[~allowed] = -np.inf
        top = np.argsort(-fused, kind="stable")[: min(k, int(allowed.sum()))]
        return [self._passage(int(i), float(fused[i]), float(dense[i]), float(lexical[i])) for i in top]

    def _check(self, query: str) -> str:
        if not isinstance(query, str) or not query.strip():
            raise QueryError("the query is empty; type a question or some keywords")
        if len(query) > self.max_query_chars:
            raise QueryError(f"the query is {len(query):,} characters long; the limit is {self.max_query_chars:,}")
        return query.strip()

    def _dense_scores(self, query_vector: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Cosine of each chunk, blended with its best sentence's cosine (from FAISS)."""
        chunk_scores = self._chunk_matrix @ query_vector
        best_sentence = chunk_scores.copy()
        sentence_scores, sentence_ids = self._search_sentences(query_vector, allowed)
        owners = self.data.sentence_chunks[sentence_ids]
        np.maximum.at(best_sentence, owners, sentence_scores)
        return (1 - SENTENCE_WEIGHT) * chunk_scores + SENTENCE_WEIGHT * best_sentence

    def _search_sentences(self, query_vector: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        index = self.data.sentence_vectors
        allowed_sentences = np.flatnonzero(allowed[self.data.sentence_chunks])
        if index.ntotal == 0 or len(allowed_sentences) == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        params = None
        if len(allowed_sentences) < index.ntotal:  # filter inside FAISS, before its top-k
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed_sentences.astype(np.int64)))
        k = min(CANDIDATES * 4, len(allowed_sentences))
        scores, ids = index.search(query_vector[None, :].astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def _lexical_scores(self, query: str, allowed: np.ndarray) -> np.ndarray:
        """BM25 for passages in the query's language, scaled to [0, LEXICAL_WEIGHT] by the best match."""
        scores = self._lexical.scores(query)
        scores[(self._languages != detect_language(query)) | ~allowed] = 0.0
        best = float(scores.max()) if len(scores) else 0.0
        if best <= 0:
            return scores
        return LEXICAL_WEIGHT * scores / best

    def _passage(self, index: int, score: float, dense: float, lexical: float) -> Passage:
        chunk = self.data.chunks[index]
        return Passage(doc_id=chunk.doc_id, title=chunk.title, text=chunk.text, score=score, start=chunk.start,
                       end=chunk.end, metadata=dict(chunk.metadata), language=chunk.language,
                       chunk_id=chunk.chunk_id, dense_score=dense, lexical_score=lexical)

    def as_langchain(self, k: int = 5, filters: dict[str, Any] | None = None):
        """This retriever as a LangChain `BaseRetriever` (for chains and agents)."""
        from rag.langchain_adapter import IsnadLangChainRetriever

        return IsnadLangChainRetriever(retriever=self, k=k, filters=filters)
