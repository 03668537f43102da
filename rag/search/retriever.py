"""Hybrid retrieval that knows which side to trust.

The lexical side (BM25 over stemmed Arabic/English) is precise but only works when query and
passage share a language; the dense side (multilingual embeddings) works across languages but
is fuzzier. So each passage is scored by its dense similarity (its own vector plus its best
sentence's), plus a lexical score scaled to the query's best match: the query itself for
passages in its language and, for encoders whose calibration asks for it (the light USE), its
word-by-word translation (rag.translation) for passages in the other. Untranslated BM25 across
languages is pure noise and never counts. The weights are the encoder's (rag.config.CALIBRATIONS).
For a question in the passages' language, small shares of the lexical score come from the
passage's whole document, which decides between passages that read alike (the same paragraph in
two revisions or two outlets) by the rest of their articles, and from its title, which names
what the article is about. A word-by-word translation is too noisy to credit whole articles.

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
from rag.config import calibration_for
from rag.errors import ModelMismatchError, QueryError
from rag.index.fields import embedded_sentences
from rag.index.store import IndexStore, OpenIndex
from rag.index.vectors import best_rows
from rag.text import clean_input, detect_language, lexical_terms
from rag.translation import WordTranslator
from rag.types import Passage

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2_000
CANDIDATES = 100


class Retriever:
    def __init__(self, data: OpenIndex, embedder: Embedder, max_query_chars: int = MAX_QUERY_CHARS) -> None:
        self.data = data
        self.embedder = embedder
        self.max_query_chars = max_query_chars
        self.calibration = calibration_for(embedder.model_name)
        # Lexical fields: (BM25 index, the row each chunk takes (None: its own), share of the lexical weight).
        documents = data.columns.chunk_documents
        self._lexical_fields = [(data.lexical["chunks"], None, 1.0),
                                (data.lexical["documents"], documents, self.calibration.document_share),
                                (data.lexical["titles"], documents, self.calibration.title_share)]
        self.translator = WordTranslator(data.vocabulary, data.vocabulary_vectors, embedder,
                                         [(chunk.language, chunk.text) for chunk in data.chunks]
                                         ) if self.calibration.translates else None

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
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise QueryError(f"k is the number of passages to return, a whole number of at least 1 (got {k!r})")
        if filters is not None and not isinstance(filters, dict):
            raise QueryError(f"filters must be a dict such as {{'source': 'Anadolu'}} (got {type(filters).__name__})")
        allowed = self.data.columns.mask(filters)
        if not allowed.any():
            return []
        depth = max(CANDIDATES, k)
        query_vector = self.embedder.encode_queries([query])[0]
        lexical = self._lexical_scores(query, allowed)
        dense_ids, sentence_scores, sentence_owners = self._dense_candidates(query_vector, allowed, depth)
        lexical_ids = best_rows(lexical, depth)
        candidates = np.union1d(np.union1d(dense_ids, sentence_owners), lexical_ids[lexical[lexical_ids] > 0])
        dense = self._dense_scores(query_vector, candidates, sentence_scores, sentence_owners)
        fused = dense + lexical[candidates]
        order = np.argsort(-fused, kind="stable")[:k]
        return [self._passage(int(candidates[i]), float(fused[i]), float(dense[i]), float(lexical[candidates[i]]))
                for i in order]

    def _check(self, query: str) -> str:
        if not isinstance(query, str):
            raise QueryError(f"the query must be text (got {type(query).__name__})")
        if len(query) > self.max_query_chars:
            raise QueryError(f"the query is {len(query):,} characters long; the limit is {self.max_query_chars:,}")
        query = clean_input(query).strip()
        if not query:
            raise QueryError("the query is empty; type a question or some keywords")
        return query

    def _dense_candidates(self, query_vector: np.ndarray, allowed: np.ndarray, depth: int):
        """Nearest chunks, and nearest sentences with the chunks they belong to (filters applied
        before the top-k is cut)."""
        everything = bool(allowed.all())
        chunk_ids, _ = self.data.chunk_vectors.nearest(query_vector, depth, None if everything else allowed)
        owners = self.data.sentence_chunks
        sentence_ids, scores = self.data.sentence_vectors.nearest(
            query_vector, depth * 4, None if everything else allowed[np.asarray(owners)])
        return chunk_ids, scores, np.asarray(owners[sentence_ids])

    def _dense_scores(self, query_vector: np.ndarray, candidates: np.ndarray, sentence_scores: np.ndarray,
                      sentence_owners: np.ndarray) -> np.ndarray:
        """Each candidate's cosine, blended with its best sentence's cosine."""
        chunk_scores = self.data.chunk_vectors.scores(query_vector, candidates)
        best_sentence = chunk_scores.copy()
        position = np.searchsorted(candidates, sentence_owners)  # candidates are sorted (union1d)
        np.maximum.at(best_sentence, position, sentence_scores)
        share = self.calibration.sentence_weight
        return (1 - share) * chunk_scores + share * best_sentence

    def _lexical_scores(self, query: str, allowed: np.ndarray) -> np.ndarray:
        """BM25 per passage language: the query for its own language, its translation for the
        other, each scaled to its best match; in the query's language, the passage's document and
        title add their shares."""
        query_language = detect_language(query)
        names, language_of = self.data.columns.languages
        scores = np.zeros(len(language_of), dtype=np.float32)
        for code in np.flatnonzero(np.bincount(language_of[allowed], minlength=len(names))):
            language = str(names[code])
            same = language == query_language
            text = query if same else self.translator.translate(query, language) if self.translator else ""
            if not text:
                continue
            keep = allowed & (language_of == code)
            weight = self.calibration.lexical_weight if same else self.calibration.translated_weight
            terms = lexical_terms(text)
            for index, rows, share in self._lexical_fields if same else self._lexical_fields[:1]:
                field = index.scores(terms)
                scores += _scaled(field if rows is None else field[rows], keep, weight * share)
        return scores

    def _passage(self, index: int, score: float, dense: float, lexical: float) -> Passage:
        chunk = self.data.chunks[index]
        return Passage(doc_id=chunk.doc_id, title=chunk.title, text=chunk.text, score=score, start=chunk.start,
                       end=chunk.end, metadata=dict(chunk.metadata), language=chunk.language,
                       chunk_id=chunk.chunk_id, dense_score=dense, lexical_score=lexical,
                       attributions=list(chunk.attributions))

    def sentence_vectors(self, passage: Passage) -> dict[tuple[int, int], np.ndarray]:
        """The stored vectors of a retrieved passage's sentences, by span in its text ({} for a
        passage this index did not return as it stands)."""
        chunk = self.data.chunks[passage.chunk_id] if 0 <= passage.chunk_id < len(self.data.chunks) else None
        if chunk is None or chunk.text != passage.text:
            return {}
        rows = self.data.sentence_rows(chunk.chunk_id)
        spans = embedded_sentences(chunk.text)
        return dict(zip(spans, np.asarray(self.data.sentence_vectors.rows[rows]))) if len(spans) == len(rows) else {}

    def as_langchain(self, k: int = 5, filters: dict[str, Any] | None = None):
        """This retriever as a LangChain `BaseRetriever` (for chains and agents)."""
        from rag.search.langchain_adapter import IsnadLangChainRetriever

        return IsnadLangChainRetriever(retriever=self, k=k, filters=filters)


def _scaled(scores: np.ndarray, keep: np.ndarray, weight: float) -> np.ndarray:
    """Scores of the kept passages scaled to [0, weight] by the best of them; 0 elsewhere."""
    scores = np.where(keep, scores, 0.0)
    best = float(scores.max()) if len(scores) else 0.0
    return weight * scores / best if best > 0 else scores

