"""Check an answer against the passages it cites, and build extractive answers.

A sentence is supported by a passage when one window of the passage (a sentence, or two adjacent
ones) holds every number of the sentence and its meaning: shared stemmed words for the same
language, or multilingual-embedding similarity (for an English answer from Arabic news).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from embeddings import Embedder
from rag.answer.result import AnswerSentence, Citation
from rag.ingest.attribution import speaker_at
from rag.config import Calibration
from rag.answer.quantities import (asked_counts, asked_thing, asks_how_many, count_phrases, counts_asked_thing,
                                   has_count, number_values)
from rag.text import detect_language, normalise, search_tokens, sentence_spans
from rag.translation import WordTranslator
from rag.types import Passage

SUPPORTED = 0.5
_MARKER = re.compile(r"\[\s*([0-9٠-٩]+(?:\s*[,،]\s*[0-9٠-٩]+)*)\s*\]")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.،,؟?!؛:])")
_PLACEHOLDER = re.compile(r"\[\s*n\s*\]\s*:?", re.IGNORECASE)  # small models sometimes write a literal "[n]"
COUNTED_BONUS = 0.2
MIN_QUOTE_WORDS = 4


@dataclass
class Claim:
    text: str          # without [n] markers
    cited: list[int]   # as written by the model


_MIXED_SCRIPT_WORD = re.compile(r"[A-Za-z][\u0621-\u064a]|[\u0621-\u064a][A-Za-z]")


def parse_claims(answer: str) -> list[Claim]:
    """Split an answer into sentences and the [n] markers that belong to each."""
    claims: list[Claim] = []
    for start, end in sentence_spans(answer):
        piece = answer[start:end]
        cited = [int(normalise(n)) for group in _MARKER.findall(piece) for n in re.split(r"[,،]", group)]
        text = " ".join(_PLACEHOLDER.sub(" ", _MARKER.sub(" ", piece)).split()).strip(" :")
        text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)  # "جيفري [1]." -> "جيفري ."  -> "جيفري."
        if not re.search(r"\w", text) and claims:  # a marker alone after the full stop
            claims[-1].cited.extend(cited)
        elif text and not _MIXED_SCRIPT_WORD.search(text):  # "Dعا": garbled output, and it breaks line order
            claims.append(Claim(text, cited))
    return claims


# A retrieved passage's sentence vectors as the index stores them, by span in the passage's text.
StoredVectors = Callable[[Passage], dict[tuple[int, int], np.ndarray]]


class GroundingChecker:
    def __init__(self, embedder: Embedder, calibration: Calibration, translator: WordTranslator | None = None,
                 stored_vectors: StoredVectors | None = None) -> None:
        self.embedder = embedder
        self.calibration = calibration  # the encoder's weights and thresholds (rag.config)
        self.translator = translator  # question words into the passages' language, for word coverage
        # Embedding 30-60 sentences per question took ~6 s on 2 cores: reuse the index's vectors.
        self.stored_vectors = stored_vectors

    def support(self, claim: str, passage: Passage) -> tuple[float, tuple[int, int]]:
        """Support score in 0..1 and the supporting span within passage.text.

        The claim is compared with each sentence and each pair of adjacent sentences of the
        passage: every number of the claim must be in that window, and then its words (same
        language) or its meaning (multilingual similarity, across languages) must match it."""
        spans = sentence_spans(passage.text) or [(0, len(passage.text))]
        windows = spans + [(a[0], b[1]) for a, b in zip(spans, spans[1:])]
        texts = [passage.text[s:e] for s, e in windows]
        if detect_language(claim) == passage.language:
            claim_terms = set(search_tokens(claim))
            matches = np.array([_coverage(claim_terms, text) for text in texts])
        else:
            matches = self._similarities(claim, texts)
        numbers = number_values(claim)
        scores = np.where([numbers <= number_values(text) for text in texts], matches, 0.0)
        best = int(scores.argmax())
        return float(scores[best]), windows[best]

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
        # Scaled so that the encoder's calibrated "says the same thing" lands on SUPPORTED, the one
        # threshold every caller uses.
        return np.clip((vectors[1:] @ vectors[0]) * SUPPORTED / self.calibration.min_support_across, 0, 1)

    def best_sentences(self, question: str, passages: list[Passage], limit: int = 2, minimum: float = 0.0,
                       strict: bool = False) -> list[tuple[int, tuple[int, int], float]]:
        """(passage n, span, score) of the sentences, or pairs of adjacent sentences, that answer
        the question best, without overlaps.

        Score: similarity to the question plus the share of question words in the span (across
        languages, of the question's translated words); a pair pays a penalty for its length.
        A "how many" question is answered only by a span with a number in it, when there is one,
        preferably a number next to a word of the question. `strict` (for quoting without a model):
        if no picked span has such a number, nothing is picked rather than an unrelated number."""
        candidates, parts, penalties = [], [], []
        for n, passage in enumerate(passages, 1):
            spans, pairs = _quotable_spans(passage.text)
            candidates += [(n, _with_antecedent(passage.text, span)) for span in spans]
            candidates += [(n, (a[0], b[1])) for a, b in pairs]
            parts += [(span,) for span in spans] + pairs
            penalties += [0.0] * len(spans) + [self.calibration.pair_penalty] * len(pairs)
        if not candidates:
            return []
        texts = [passages[n - 1].text[s:e] for n, (s, e) in candidates]
        languages = np.array([passages[n - 1].language for n, _ in candidates])
        terms = self.question_terms(question, set(languages.tolist()))
        vectors = self._span_vectors(passages, candidates, parts)
        scores = self._sentence_scores(question, vectors, texts, languages, terms) - np.array(penalties)
        counted = None
        if asks_how_many(question):
            counted = self._counts_asked_thing(question, texts, languages, terms)
            scores = _prefer_counts(scores, texts, counted, minimum)
        # Chunks overlap, so one sentence can be a candidate twice: compare places in the document.
        places = [(passages[n - 1].doc_id, passages[n - 1].start + s, passages[n - 1].start + e)
                  for n, (s, e) in candidates]
        picked = _pick(scores, places, limit, minimum)
        if strict and counted is not None and not counted[picked].any():
            return []
        return [(candidates[i][0], candidates[i][1], float(scores[i])) for i in picked]

    def _counts_asked_thing(self, question: str, texts: list[str], languages: np.ndarray,
                            terms: dict[str, set[str]]) -> np.ndarray:
        """Per span: does it hold a count of what the question asks about? In the question's words
        where they are known in the span's language ("250 ألف مدني" for "كم مدنياً"); otherwise by the
        counted noun, through the table of nouns news counts people by ("250 ألف مدني" for "how many
        civilians"), else by meaning: the words around each count against the question's counted
        phrase ("نحو 250 ألف مدني من", not "أكثر من 93 قتيلاً")."""
        counted = np.array([counts_asked_thing(terms[lang], text) if terms[lang] else bool(asked_counts(question, text))
                            for text, lang in zip(texts, languages)])
        by_meaning = [i for i, lang in enumerate(languages) if not terms[lang] and not counted[i]]
        thing = asked_thing(question)
        phrases = {i: count_phrases(texts[i]) for i in by_meaning}
        unique = sorted({phrase for found in phrases.values() for phrase in found})
        if not by_meaning or not thing or not unique:
            return counted
        similarity = dict(zip(unique, self.count_similarities(thing, unique)))
        for i in by_meaning:
            counted[i] = any(similarity[phrase] >= self.calibration.min_count_similarity for phrase in phrases[i])
        return counted

    def count_similarities(self, thing: str, phrases: list[str]) -> np.ndarray:
        """How near in meaning each count phrase ("مع 24 اعتراضاً ومتمتعاً") is to what the question
        counts ("interceptions"): what `min_count_similarity` bars (eval.calibrate_counts)."""
        vectors = self.embedder.encode_documents([thing] + phrases)
        return vectors[1:] @ vectors[0]

    def question_terms(self, question: str, languages: set[str]) -> dict[str, set[str]]:
        """The question's stemmed words in each passage language (translated where it differs)."""
        own = detect_language(question)
        return {language: set(search_tokens(question)) if language == own
                else set(search_tokens(self.translator.translate(question, language))) if self.translator else set()
                for language in languages}

    def _span_vectors(self, passages: list[Passage], candidates: list[tuple[int, tuple[int, int]]],
                      parts: list[tuple[tuple[int, int], ...]]) -> np.ndarray:
        """A vector per candidate span: the index's own for a sentence it stores, the normalised sum
        of its two sentences' for a pair, and a fresh embedding for anything else."""
        stored = [self.stored_vectors(passage) if self.stored_vectors else {} for passage in passages]
        vectors: list[np.ndarray | None] = []
        for (n, _), pieces in zip(candidates, parts):
            known = [stored[n - 1].get(piece) for piece in pieces]
            vectors.append(None if any(v is None for v in known) else _unit(np.sum(known, axis=0)))
        missing = [i for i, vector in enumerate(vectors) if vector is None]
        if missing:
            fresh = self.embedder.encode_documents([passages[candidates[i][0] - 1].text[slice(*candidates[i][1])]
                                                    for i in missing])
            for i, vector in zip(missing, fresh):
                vectors[i] = vector
        return np.vstack(vectors)

    def _sentence_scores(self, question: str, vectors: np.ndarray, texts: list[str], languages: np.ndarray,
                         terms: dict[str, set[str]]) -> np.ndarray:
        scores = vectors @ self.embedder.encode_queries([question])[0]
        for language, language_terms in terms.items():
            rows = np.flatnonzero(languages == language)
            scores[rows] += self.calibration.pick_coverage_weight * _weighted_coverage(language_terms,
                                                                                      [texts[i] for i in rows])
        return scores


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _quotable_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Sentences of a few words or more, and pairs of adjacent ones (an answer can straddle a
    full stop). Quoting clauses of long sentences instead was measured: ARCD facts -3.4 points."""
    spans = [span for span in sentence_spans(text) if _words(text, span) >= MIN_QUOTE_WORDS]
    return spans, list(zip(spans, spans[1:]))


# A sentence opening with a pronoun ("وهو كذلك الأكبر سناً", "He was ...") says whom it is about only
# with the sentence before it.
_ANAPHORIC_OPENING = re.compile(r"^[\W_]*(?:(?:[وف]?(?:هو|هي|هم|هما|هن)|(?:لكن|إلا أن|كما أن|غير أن)(?:ه|ها|هم))\s|"
                                r"(?:He|She|It|They|His|Her|Its|Their|This|These|Those)\b)")


def _with_antecedent(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The span, from the start of the sentence before it when it opens with a pronoun; scored
    as the sentence alone (its vector), quoted with what the pronoun stands for."""
    if not _ANAPHORIC_OPENING.match(text[span[0]:span[1]]):
        return span
    before = [s for s in sentence_spans(text, 0, span[0]) if s[1] <= span[0]]
    return (before[-1][0], span[1]) if before else span


def _words(text: str, span: tuple[int, int]) -> int:
    return len(text[span[0]:span[1]].split())


def _prefer_counts(scores: np.ndarray, texts: list[str], counted: np.ndarray, minimum: float) -> np.ndarray:
    """For "how many": only spans with a number (if any is good enough), best if next to a question word."""
    numbered = np.array([has_count(text) for text in texts])
    if (scores[numbered] >= minimum).any():
        scores = np.where(numbered, scores, -np.inf)
    return scores + COUNTED_BONUS * counted


def _pick(scores: np.ndarray, places: list[tuple[str, int, int]], limit: int, minimum: float) -> list[int]:
    """The best-scoring candidates above `minimum` that do not overlap in their document."""
    picked: list[int] = []
    for i in np.argsort(-scores):
        if len(picked) == limit or scores[i] < minimum:
            break
        if not any(_overlaps(places[i], places[j]) for j in picked):
            picked.append(int(i))
    return picked


def _overlaps(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def citation(n: int, passage: Passage, span: tuple[int, int]) -> Citation:
    start, end = passage.start + span[0], passage.start + span[1]
    meta = passage.metadata
    attribution = {"speaker": speaker_at(passage.attributions, start, end),
                   "outlet": meta.get("source") or meta.get("byline"), "date": meta.get("date")}
    return Citation(n, passage.doc_id, passage.title, dict(meta), passage.text[span[0]:span[1]], start, end, attribution)


def lacks_asked_number(question: str, sentences: list[str]) -> bool:
    """A "how many" question answered without any number has not been answered."""
    return asks_how_many(question) and not any(has_count(s) for s in sentences)


def restates(claim: str, question: str) -> bool:
    """True when a sentence adds nothing to the question (small models often echo it)."""
    claim_terms = set(search_tokens(claim))
    return bool(claim_terms) and len(claim_terms - set(search_tokens(question))) <= len(claim_terms) * 0.2


def question_coverage(question: str, text: str) -> float:
    """Share of the question's content words (stemmed) found in the text."""
    return _coverage(set(search_tokens(question)), text)


def _weighted_coverage(terms: set[str], texts: list[str]) -> np.ndarray:
    """Share of the question's words in each text, each word weighted by how rare it is among
    the texts: the one sentence naming "al-Hamidiya" beats five that name "Deir ez-Zor"."""
    token_sets = [set(search_tokens(text)) for text in texts]
    weight = {t: math.log(1 + len(texts) / (1 + sum(t in tokens for tokens in token_sets))) for t in terms}
    total = sum(weight.values())
    if not total:
        return np.zeros(len(texts))
    return np.array([sum(weight[t] for t in terms & tokens) / total for tokens in token_sets])


def _coverage(terms: set[str], text: str) -> float:
    return len(terms & set(search_tokens(text))) / len(terms) if terms else 0.0


