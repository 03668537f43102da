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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import Embedder
from rag.config import calibration_for
from rag.errors import ModelMismatchError, QueryError
from rag.index.backend import LexicalHits, SearchIndex, open_index
from rag.index.fields import embedded_sentences
from rag.text import clean_input, detect_language, lexical_terms
from rag.translation import WordTranslator
from rag.types import Passage

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2_000
CANDIDATES = 100


class Retriever:
    def __init__(self, index: SearchIndex, embedder: Embedder, max_query_chars: int = MAX_QUERY_CHARS) -> None:
        _leave_the_cores_to_the_encoder()
        self.index = index
        self.embedder = embedder
        self.max_query_chars = max_query_chars
        self.calibration = calibration_for(embedder.model_name)
        self._dense_side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="isnad-dense-search")
        # Share of the lexical weight of each BM25 field: the chunk, its article, its title.
        self._field_shares = {"chunks": 1.0, "documents": self.calibration.document_share,
                              "titles": self.calibration.title_share}
        self.translator = WordTranslator(index.vocabulary, index.vocabulary_vectors, embedder,
                                         [(chunk.language, chunk.text) for chunk in index.chunks]
                                         ) if self.calibration.translates else None

    @classmethod
    def open(cls, index_dir: str | Path = ".isnad/index", model: str | None = None,
             embedder: Embedder | None = None, max_query_chars: int = MAX_QUERY_CHARS) -> "Retriever":
        """Open an index (a folder, `milvus:PATH` or `milvus+http://HOST:PORT`); `model` (if given)
        must be the one the index was built with."""
        index = open_index(index_dir)
        built_with = index.manifest["embedding_model"]
        wanted = model or (embedder.model_name if embedder else built_with)
        if wanted != built_with:
            raise ModelMismatchError(f"index at {index_dir} was built with {built_with!r}, not {wanted!r}; "
                                     f"search with --model {built_with} or rebuild with `isnad index --model {wanted}`")
        return cls(index, embedder or Embedder(built_with), max_query_chars)

    def search(self, query: str, k: int = 5, filters: dict[str, Any] | None = None) -> list[Passage]:
        query = self._check(query)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise QueryError(f"k is the number of passages to return, a whole number of at least 1 (got {k!r})")
        if filters is not None and not isinstance(filters, dict):
            raise QueryError(f"filters must be a dict such as {{'source': 'Anadolu'}} (got {type(filters).__name__})")
        selection = self.index.select(filters)
        if selection.empty:
            return []
        depth = max(CANDIDATES, k)
        # The two cores share a search: one embeds the query and then finds its nearest sentences
        # (FAISS), while the other scores BM25 and then finds the nearest chunks. At a million
        # chunks each of those steps takes 15-75 ms.
        embedding = self._dense_side.submit(self.embedder.encode_queries, [query])
        sentences = self._dense_side.submit(
            lambda: self.index.nearest_sentences(embedding.result()[0], depth * 4, selection))
        fields = self._lexical_fields(query, filters, depth)
        query_vector = embedding.result()[0]
        dense_ids, _ = self.index.nearest_chunks(query_vector, depth, selection)
        sentence_owners, sentence_scores = sentences.result()
        candidates = np.union1d(dense_ids, sentence_owners)
        for hits, _ in fields:
            candidates = np.union1d(candidates, hits.ids[hits.scores(hits.ids) > 0])
        dense = self._dense_scores(query_vector, candidates, sentence_scores, sentence_owners)
        lexical = np.zeros(len(candidates), dtype=np.float32)
        for hits, weight in fields:
            lexical += weight * hits.scores(candidates) / hits.best
        fused = dense + lexical
        order = np.argsort(-fused, kind="stable")[:k]
        return [self._passage(int(candidates[i]), float(fused[i]), float(dense[i]), float(lexical[i])) for i in order]

    def _check(self, query: str) -> str:
        if not isinstance(query, str):
            raise QueryError(f"the query must be text (got {type(query).__name__})")
        if len(query) > self.max_query_chars:
            raise QueryError(f"the query is {len(query):,} characters long; the limit is {self.max_query_chars:,}")
        query = clean_input(query).strip()
        if not query:
            raise QueryError("the query is empty; type a question or some keywords")
        return query

    def _dense_scores(self, query_vector: np.ndarray, candidates: np.ndarray, sentence_scores: np.ndarray,
                      sentence_owners: np.ndarray) -> np.ndarray:
        """Each candidate's cosine, blended with its best sentence's cosine."""
        chunk_scores = self.index.similarity(query_vector, candidates)
        best_sentence = chunk_scores.copy()
        position = np.searchsorted(candidates, sentence_owners)  # candidates are sorted (union1d)
        np.maximum.at(best_sentence, position, sentence_scores)
        share = self.calibration.sentence_weight
        return (1 - share) * chunk_scores + share * best_sentence

    def _lexical_fields(self, query: str, filters: dict[str, Any] | None,
                        depth: int) -> list[tuple[LexicalHits, float]]:
        """BM25 hits per passage language, each with the weight of a full match: the query for
        passages in its own language, its translation for the other; in the query's language, the
        passage's article and title add their shares. Each field is scaled to its best match."""
        query_language = detect_language(query)
        fields = []
        for language in self.index.languages:
            same = language == query_language
            text = query if same else self.translator.translate(query, language) if self.translator else ""
            if not text:
                continue
            selection = self.index.select(filters, language=language)
            if selection.empty:
                continue
            weight = self.calibration.lexical_weight if same else self.calibration.translated_weight
            terms = lexical_terms(text)
            for field, share in self._field_shares.items() if same else [("chunks", 1.0)]:
                hits = self.index.lexical(field, terms, depth, selection)
                if hits.best > 0:
                    fields.append((hits, weight * share))
        return fields

    def _passage(self, index: int, score: float, dense: float, lexical: float) -> Passage:
        chunk = self.index.chunks[index]
        return Passage(doc_id=chunk.doc_id, title=chunk.title, text=chunk.text, score=score, start=chunk.start,
                       end=chunk.end, metadata=dict(chunk.metadata), language=chunk.language,
                       chunk_id=chunk.chunk_id, dense_score=dense, lexical_score=lexical,
                       attributions=list(chunk.attributions))

    def sentence_vectors(self, passage: Passage) -> dict[tuple[int, int], np.ndarray]:
        """The stored vectors of a retrieved passage's sentences, by span in its text ({} for a
        passage this index did not return as it stands)."""
        chunks = self.index.chunks
        chunk = chunks[passage.chunk_id] if 0 <= passage.chunk_id < len(chunks) else None
        if chunk is None or chunk.text != passage.text:
            return {}
        vectors = self.index.sentence_vectors(chunk.chunk_id)
        spans = embedded_sentences(chunk.text)
        return dict(zip(spans, vectors)) if len(spans) == len(vectors) else {}

    def as_langchain(self, k: int = 5, filters: dict[str, Any] | None = None):
        """This retriever as a LangChain `BaseRetriever` (for chains and agents)."""
        from rag.search.langchain_adapter import IsnadLangChainRetriever

        return IsnadLangChainRetriever(retriever=self, k=k, filters=filters)


def _leave_the_cores_to_the_encoder() -> None:
    """One query's vector arithmetic is small; BLAS's and FAISS's threads gain nothing on it, and
    between searches they spin on the cores the query encoder needs. One thread each: at a million
    chunks, query embedding 73 -> 33 ms and the search itself 79 -> 60 ms (p50, 2 cores)."""
    import faiss
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(1)
    threadpool_limits(1, user_api="blas")
