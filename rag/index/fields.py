"""What each chunk gives the index: the text its vector reads, the sentences that get vectors of
their own, and the lexical terms of each BM25 field. The indexer writes them and the search
reads them, so both take them from here."""

from __future__ import annotations

from rag.text import lexical_terms, sentence_spans
from rag.types import Chunk, Document

_MIN_SENTENCE_WORDS = 3


def embedded_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a chunk that get a vector of their own, in the order stored."""
    return [(start, end) for start, end in sentence_spans(text) if len(text[start:end].split()) >= _MIN_SENTENCE_WORDS]


def chunk_terms(chunk: Chunk) -> list[str]:
    return lexical_terms(f"{chunk.title}\n{chunk.text}")


def document_terms(document: Document) -> list[str]:
    return lexical_terms(f"{document.title}\n{document.text}")


def title_terms(document: Document) -> list[str]:
    return lexical_terms(document.title)
