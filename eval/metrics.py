"""Metrics for retrieval and answers. Plain data in, numbers out.

Retrieval is scored at document level (a question's `sources` are its relevant documents).
Answers: token F1 / exact match after Arabic normalisation; key-fact recall; citation
precision and recall in the ALCE sense (Gao et al. 2023), judged by `rag.answer.grounding`'s checker:
a cited passage supports a sentence when every number of the sentence is in the passage and
its content words (same language) or its multilingual embedding (across languages) match one
of the passage's sentences (score >= 0.5). Works for Arabic and English alike.
"""

from __future__ import annotations

import math
import re
import string

from rag.text import normalise, search_tokens

_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "؟،؛«»“”…]")
_ARTICLE = re.compile(r"^(ال|و)(?=\w{2,})")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'-]{2,}\b")


def recall_at(ranked: list[str], relevant: list[str], k: int) -> float:
    return 1.0 if set(ranked[:k]) & set(relevant) else 0.0


def reciprocal_rank(ranked: list[str], relevant: list[str], k: int = 10) -> float:
    return next((1 / rank for rank, doc in enumerate(ranked[:k], 1) if doc in relevant), 0.0)


def ndcg_at(ranked: list[str], relevant: list[str], k: int = 10) -> float:
    gains = sum(1 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], 1) if doc in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return gains / ideal if ideal else 0.0


def answer_tokens(text: str) -> list[str]:
    """Normalised tokens: Arabic folding, no punctuation, the article ال and conjunction و dropped."""
    words = _PUNCTUATION.sub(" ", normalise(text)).split()
    return [_ARTICLE.sub("", word) for word in words]


def token_f1(prediction: str, reference: str) -> float:
    predicted, gold = answer_tokens(prediction), answer_tokens(reference)
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum(min(predicted.count(t), gold.count(t)) for t in set(gold))
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, reference: str) -> float:
    return float(answer_tokens(prediction) == answer_tokens(reference))


def key_facts(reference: str) -> list[str]:
    """Numbers and names in a reference answer (names: capitalised Latin words, or for an
    Arabic reference without numbers, its content words)."""
    facts = _NUMBER.findall(normalise(reference)) + _NAME.findall(reference)
    return facts or search_tokens(reference)


def fact_recall(answer: str, facts: list[str]) -> float:
    """The share of the facts the answer holds; a fact may list its spellings, "Brussels|بروكسل"
    (an English answer may render an Arabic source's name or quote it)."""
    if not facts:
        return 0.0
    text, stems = normalise(answer), set(search_tokens(answer))
    found = [fact for fact in facts if any(normalise(spelling) in text or spelling in stems
                                           for spelling in fact.split("|"))]
    return len(found) / len(facts)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0
