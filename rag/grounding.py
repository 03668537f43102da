"""Check an answer against the passages it cites, and build extractive answers.

A sentence is supported by a passage when every number in it appears in the passage and its
meaning is there: shared stemmed words for the same language, or multilingual-embedding
similarity with one of the passage's sentences (for an English answer from Arabic news).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from embeddings import Embedder
from rag.answer import AnswerSentence, Citation
from rag.text import detect_language, normalise, search_tokens, sentence_spans
from rag.types import Passage

SUPPORTED = 0.5
_MARKER = re.compile(r"\[\s*([0-9٠-٩]+(?:\s*[,،]\s*[0-9٠-٩]+)*)\s*\]")
_PLACEHOLDER = re.compile(r"\[\s*n\s*\]\s*:?", re.IGNORECASE)  # small models copy the prompt's "[n]"
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
        text = " ".join(_PLACEHOLDER.sub(" ", _MARKER.sub(" ", piece)).split()).strip(" :")
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

    def best_sentences(self, question: str, passages: list[Passage], limit: int = 2,
                       minimum: float = 0.0) -> list[tuple[int, tuple[int, int], float]]:
        """(passage n, span, score) of the sentences that answer the question best.

        Score: similarity to the question, plus the share of question words in the sentence, plus
        a bonus for a number when the question asks "how many". Across languages only the
        similarity can count, so the bonus must not carry an unrelated sentence over `minimum`."""
        candidates = [(n, span) for n, p in enumerate(passages, 1) for span in sentence_spans(p.text)
                      if len(p.text[span[0]:span[1]].split()) >= 4]
        if not candidates:
            return []
        scores = self._sentence_scores(question, [passages[n - 1].text[s:e] for n, (s, e) in candidates])
        order = [i for i in np.argsort(-scores)[:limit] if scores[i] >= minimum]
        return [(candidates[i][0], candidates[i][1], float(scores[i])) for i in order]

    def _sentence_scores(self, question: str, texts: list[str]) -> np.ndarray:
        vectors = self.embedder.encode_documents(texts)
        similarity = vectors @ self.embedder.encode_queries([question])[0]
        coverage = np.array([_coverage(set(search_tokens(question)), text) for text in texts])
        numbers = np.array([bool(_NUMBER.search(normalise(text))) for text in texts], dtype=float)
        bonus = NUMBER_BONUS * numbers * (similarity + coverage >= 0.5) if _QUANTITY.search(question) else 0
        return similarity + coverage + bonus

    def focus(self, question: str, passage: Passage, budget: int, count_tokens) -> Passage:
        """The contiguous run of sentences around the passage's best sentence that fits `budget` tokens."""
        spans = sentence_spans(passage.text)
        if len(spans) <= 1 or count_tokens(passage.text) <= budget:
            return passage
        scores = self._sentence_scores(question, [passage.text[s:e] for s, e in spans])
        first = last = int(scores.argmax())
        while True:
            grown = [(first - 1, last)] if first > 0 else []
            grown += [(first, last + 1)] if last + 1 < len(spans) else []
            grown = [(a, b) for a, b in grown if count_tokens(passage.text[spans[a][0]:spans[b][1]]) <= budget]
            if not grown:
                break
            first, last = max(grown, key=lambda ab: scores[ab[0]] if ab[0] < first else scores[ab[1]])
        start, end = spans[first][0], spans[last][1]
        return replace(passage, text=passage.text[start:end], start=passage.start + start, end=passage.start + end)


def citation(n: int, passage: Passage, span: tuple[int, int]) -> Citation:
    start, end = passage.start + span[0], passage.start + span[1]
    return Citation(n, passage.doc_id, passage.title, dict(passage.metadata), passage.text[span[0]:span[1]], start, end)


def restates(claim: str, question: str) -> bool:
    """True when a sentence adds nothing to the question (small models often echo it)."""
    claim_terms = set(search_tokens(claim))
    return bool(claim_terms) and len(claim_terms - set(search_tokens(question))) <= len(claim_terms) * 0.2


def question_coverage(question: str, text: str) -> float:
    """Share of the question's content words (stemmed) found in the text."""
    return _coverage(set(search_tokens(question)), text)


def _coverage(terms: set[str], text: str) -> float:
    return len(terms & set(search_tokens(text))) / len(terms) if terms else 0.0


def _overlap(claim_terms: set[str], text: str) -> float:
    return _coverage(claim_terms, text)


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(normalise(text))}
