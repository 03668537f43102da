"""Figures across reports: when the passages give different counts of what a "how many" question
asks about, the answer names each figure with who gave it, and says that the reports differ:

    "تختلف الأرقام بين التقارير: 100 ألف بحسب الدفاع المدني السوري [1]؛ 250 ألف بحسب بريتا حاجي حسن [2]."

Every figure is read from a quoted sentence of the passage it cites (nothing is written that the
sentence does not hold), and its speaker from the index's attributions (rag.attribution).
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.attribution import speaker_at
from rag.grounding import GroundingChecker
from rag.quantities import COUNT_NOUNS, asked_counts
from rag.text import search_tokens
from rag.types import Document, Passage

DIFFER = {"ar": "تختلف الأرقام بين التقارير: ", "en": "The reports give different figures: "}
ACCORDING_TO = {"ar": "بحسب", "en": "according to"}
SEPARATOR = {"ar": "؛ ", "en": "; "}
_MOST_FIGURES = 4


@dataclass
class Figure:
    value: float
    passage: int  # 1-based, into the passages searched
    span: tuple[int, int]  # the quoted sentence, within the passage's text
    speaker: str  # who the sentence says gave the figure (else the outlet, else the article's title)

    def shown(self, language: str) -> str:
        if language == "ar" and self.value >= 1000 and self.value % 1000 == 0:
            return f"{self.value / 1000:g} ألف"
        return f"{self.value:,.0f}" if language == "en" else f"{self.value:g}"


def differing_figures(question: str, passages: list[Passage], checker: GroundingChecker, minimum: float,
                      documents: dict[str, Document]) -> list[Figure]:
    """One figure per distinct value, from at least two articles; [] when the reports agree.
    Only articles that name everything the question names count: 700 besieged in Deir ez-Zor is
    no figure for "how many were besieged in Aleppo"."""
    picks = checker.best_sentences(question, passages, limit=2 * _MOST_FIGURES, minimum=minimum)
    terms = set(search_tokens(question)) - COUNT_NOUNS
    figures: dict[float, Figure] = {}
    for n, (start, end), _ in picks:
        passage = passages[n - 1]
        document = documents.get(passage.doc_id)
        if document is None or not terms <= set(search_tokens(f"{document.title}\n{document.text}")):
            continue
        for value in asked_counts(question, passage.text[start:end]):
            if value not in figures:
                figures[value] = Figure(value, n, (start, end), _speaker(passage, start, end))
    documents = {passages[f.passage - 1].doc_id for f in figures.values()}
    return list(figures.values())[:_MOST_FIGURES] if len(figures) > 1 and len(documents) > 1 else []


def _speaker(passage: Passage, start: int, end: int) -> str:
    meta = passage.metadata
    return (speaker_at(passage.attributions, passage.start + start, passage.start + end)
            or meta.get("source") or meta.get("byline") or passage.title)
