"""Sentence-aware chunking with overlap, sized in the embedding model's own tokens.

Why the embedding tokenizer and not tiktoken: a chunk must fit what the *embedding model*
reads (e5 truncates at 512 of its XLM-R tokens; USE blurs long inputs), so we count with that
model's tokenizer. tiktoken is for the language model's context budget (rag/prompting).

    >>> chunker = SentenceChunker(count_tokens=lambda s: len(s.split()), max_tokens=100)
    >>> chunks = chunker.run(documents)["chunks"]
"""

from __future__ import annotations

from typing import Callable

from rag.text import clause_spans, detect_language, sentence_spans
from rag.types import Chunk, Document

Span = tuple[int, int]
CHUNKING_VERSION = 3  # recorded in the index manifest: a change here rebuilds old indexes (2: no tail-only chunk; 3: long words cut)


class SentenceChunker:
    """Packs whole sentences into chunks of at most `max_tokens`; the next chunk repeats the
    last sentences of the previous one, up to `overlap_tokens`, so no fact is cut in two."""

    def __init__(self, count_tokens: Callable[[str], int], max_tokens: int = 160, overlap_tokens: int = 32) -> None:
        if overlap_tokens >= max_tokens:
            raise ValueError("overlap_tokens must be smaller than max_tokens")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens

    def run(self, documents: list[Document]) -> dict[str, list[Chunk]]:
        chunks: list[Chunk] = []
        for document in documents:
            for start, end in self.split(document.text):
                text = document.text[start:end]
                # Per chunk: a mixed-language article has passages the lexical side can match and some it cannot.
                language = detect_language(text)
                chunks.append(Chunk(len(chunks), document.id, document.title, text, start, end,
                                    document.language if language == "unknown" else language, dict(document.metadata)))
        return {"chunks": chunks}

    def split(self, text: str) -> list[Span]:
        """Character spans of the chunks of `text`."""
        units = [(span, self.count_tokens(text[span[0]:span[1]])) for span in self._units(text)]
        chunks: list[Span] = []
        first = 0
        while first < len(units):
            last, size = first, units[first][1]
            while last + 1 < len(units) and size + units[last + 1][1] <= self.max_tokens:
                last += 1
                size += units[last][1]
            chunks.append((units[first][0][0], units[last][0][1]))
            if last == len(units) - 1:
                break  # the end is reached: a further chunk would only repeat the overlap
            first = self._overlap_start(units, first, last)
        return chunks

    def _overlap_start(self, units: list[tuple[Span, int]], first: int, last: int) -> int:
        """Where the next chunk starts: back up over trailing units worth <= overlap_tokens."""
        start, carried = last + 1, 0
        while start - 1 > first and carried + units[start - 1][1] <= self.overlap_tokens:
            start -= 1
            carried += units[start][1]
        return start

    def _units(self, text: str) -> list[Span]:
        """Sentences; a sentence longer than a chunk is split at commas, then at words."""
        units: list[Span] = []
        for sentence in sentence_spans(text):
            if self.count_tokens(text[sentence[0]:sentence[1]]) <= self.max_tokens:
                units.append(sentence)
                continue
            for clause in clause_spans(text, *sentence):
                if self.count_tokens(text[clause[0]:clause[1]]) <= self.max_tokens:
                    units.append(clause)
                else:
                    units.extend(self._word_windows(text, clause))
        return units

    def _word_windows(self, text: str, span: Span) -> list[Span]:
        windows, start, cursor = [], span[0], span[0]
        for word_end in _word_ends(text, span):
            if cursor > start and self.count_tokens(text[start:word_end]) > self.max_tokens:
                windows.append((start, cursor))
                start = cursor
                while start < span[1] and text[start].isspace():
                    start += 1
            cursor = word_end
        windows.append((start, span[1]))
        return windows


LONGEST_WORD = 200  # characters: a longer run without spaces (a hash, a pasted blob) is cut


def _word_ends(text: str, span: Span) -> list[int]:
    ends, word_start = [], None
    for index in range(span[0], span[1]):
        if not text[index].isspace():
            if word_start is None:
                word_start = index
            elif index - word_start >= LONGEST_WORD:
                ends.append(index)
                word_start = index
        elif word_start is not None:
            ends.append(index)
            word_start = None
    return ends + [span[1]]
