"""Check an answer against the passages it cites, and build extractive answers.

A sentence is supported by a passage when every number in it appears in the passage and its
meaning is there: shared stemmed words for the same language, or multilingual-embedding
similarity with one of the passage's sentences (for an English answer from Arabic news).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from embeddings import Embedder
from rag.answer import AnswerSentence, Citation
from rag.text import detect_language, normalise, search_tokens, sentence_spans
from rag.types import Passage

SUPPORTED = 0.5
_MARKER = re.compile(r"\[\s*([0-9٠-٩]+(?:\s*[,،]\s*[0-9٠-٩]+)*)\s*\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# "How many" questions are answered by sentences with a number in them.
_QUANTITY = re.compile(r"(^|\s)كم(\s|$)|how (many|much)|number of|عدد|نسبة|percentage|share", re.IGNORECASE)
NUMBER_BONUS = 0.3


@dataclass
class Claim:
    text: str          # without [n] markers
    cited: list[int]   # as written by the model


def parse_claims(answer: str) -> list[Claim]:
    """Split an answer into sentences and the [n] markers that belong to each."""
    claims: list[Claim] = []
    for start, end in sentence_spans(answer):
        piece = answer[start:end]
        cited = [int(normalise(n)) for group in _MARKER.findall(piece) for n in re.split(r"[,،]", group)]
        text = " ".join(_MARKER.sub(" ", piece).split()).strip()
        if not re.search(r"\w", text) and claims:  # a marker alone after the full stop
            claims[-1].cited.extend(cited)
        elif text:
            claims.append(Claim(text, cited))
    return claims


class GroundingChecker:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def support(self, claim: str, passage: Passage) -> tuple[float, tuple[int, int]]:
        """Support score in 0..1 and the supporting sentence's span within passage.text."""
        spans = sentence_spans(passage.text) or [(0, len(passage.text))]
        if not _numbers(claim) <= _numbers(passage.text):
            return 0.0, spans[0]
        claim_terms = set(search_tokens(claim))
        overlaps = [_overlap(claim_terms, passage.text[s:e]) for s, e in spans]
        similarities = self._similarities(claim, [passage.text[s:e] for s, e in spans])
        scores = np.maximum(np.array(overlaps), similarities)
        best = int(scores.argmax())
        whole_overlap = _overlap(claim_terms, passage.text)
        return float(max(scores[best], whole_overlap if detect_language(claim) == passage.language else 0)), spans[best]

    def check(self, claims: list[Claim], passages: list[Passage]) -> list[tuple[AnswerSentence, dict[int, tuple[int, int]]]]:
        """Keep supported sentences, re-point wrong citations, drop what no passage supports."""
        kept = []
        for claim in claims:
            valid = [n for n in dict.fromkeys(claim.cited) if 1 <= n <= len(passages)]
            scored = {n: self.support(claim.text, passages[n - 1]) for n in valid}
            good = {n: span for n, (score, span) in scored.items() if score >= SUPPORTED}
            if not good:  # cited nothing, a passage not given, or the wrong one: find the right one
                best_n, (score, span) = max(((n, self.support(claim.text, p)) for n, p in enumerate(passages, 1)),
                                            key=lambda item: item[1][0])
                if score < SUPPORTED:
                    continue
                good, scored = {best_n: span}, {best_n: (score, span)}
            support = max(scored[n][0] for n in good)
            kept.append((AnswerSentence(claim.text, sorted(good), round(support, 3)), good))
        return kept

    def _similarities(self, claim: str, sentences: list[str]) -> np.ndarray:
        vectors = self.embedder.encode_documents([claim] + sentences)
        return np.clip(vectors[1:] @ vectors[0], 0, 1)

    def best_sentences(self, question: str, passages: list[Passage], limit: int = 2) -> list[tuple[int, tuple[int, int], float]]:
        """(passage n, span, score) of the sentences that answer the question best."""
        terms = set(search_tokens(question))
        candidates = [(n, span) for n, p in enumerate(passages, 1) for span in sentence_spans(p.text)
                      if len(p.text[span[0]:span[1]].split()) >= 4]
        if not candidates:
            return []
        texts = [passages[n - 1].text[s:e] for n, (s, e) in candidates]
        vectors = self.embedder.encode_documents(texts)
        similarity = vectors @ self.embedder.encode_queries([question])[0]
        coverage = np.array([_coverage(terms, text) for text in texts])
        numbers = np.array([bool(_NUMBER.search(normalise(text))) for text in texts], dtype=float)
        scores = similarity + coverage + (NUMBER_BONUS * numbers if _QUANTITY.search(question) else 0)
        order = np.argsort(-scores)[:limit]
        return [(candidates[i][0], candidates[i][1], float(scores[i])) for i in order]


def citation(n: int, passage: Passage, span: tuple[int, int]) -> Citation:
    start, end = passage.start + span[0], passage.start + span[1]
    return Citation(n, passage.doc_id, passage.title, dict(passage.metadata), passage.text[span[0]:span[1]], start, end)


def question_coverage(question: str, text: str) -> float:
    """Share of the question's content words (stemmed) found in the text."""
    return _coverage(set(search_tokens(question)), text)


def _coverage(terms: set[str], text: str) -> float:
    return len(terms & set(search_tokens(text))) / len(terms) if terms else 0.0


def _overlap(claim_terms: set[str], text: str) -> float:
    return _coverage(claim_terms, text)


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(normalise(text))}
