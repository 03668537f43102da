"""Arabic-aware BM25: bm25s scoring over the n-gram terms of rag.text.lexical_terms."""

from __future__ import annotations

import logging

import numpy as np


class LexicalIndex:
    """Scores every row (a chunk, a document, a title) against a query; built in memory at open."""

    # n-gram terms repeat within a word (and twice over, as stem and as written), so term frequency
    # saturates sooner (k1) and long passages are penalised less (b) than the Lucene defaults 1.2 / 0.75.
    # Chosen on TyDi QA and ARCD together (rag.text.lexical_terms has the figures).
    def __init__(self, token_lists: list[list[str]], k1: float = 0.5, b: float = 0.5) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG

        self._size = len(token_lists)
        self._bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        vocabulary: dict[str, int] = {}
        ids = [[vocabulary.setdefault(token, len(vocabulary)) for token in tokens] for tokens in token_lists]
        self._vocabulary = vocabulary
        self._bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocabulary), show_progress=False)

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of each row for a query's terms (rag.text.lexical_terms); zeros when none is known."""
        known = [token for token in query_terms if token in self._vocabulary]
        if not known or self._size == 0:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
