"""What several reports say, for questions one passage cannot answer.

- Figures: when the passages give different counts of what a "how many" question asks about,
  the answer names each figure with who gave it, and says that the reports differ:
  "تختلف الأرقام بين التقارير: 100 ألف بحسب الدفاع المدني السوري [1]؛ 250 ألف بحسب بريتا حاجي حسن [2]."
- Reports: a question about the articles themselves ("which articles mention de Mistura?", "what do
  the reports say about ...") gets one quote from each relevant article, each with its speaker.

Every figure and quote is read from a sentence of the passage it cites (nothing is written that
the sentence does not hold), and its speaker from the index's attributions (rag.ingest.attribution).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import zip_longest

from rag.answer.grounding import GroundingChecker, citation
from rag.answer.names import NameMatcher, asked_names, names_across, naming_all, telling
from rag.answer.quantities import COUNT_NOUNS, asked_counts, counted_noun, is_event_word
from rag.answer.romanized import in_latin_letters
from rag.text import detect_language, has_arabic, search_tokens
from rag.types import Document, Passage

DIFFER = {"ar": "تختلف الأرقام بين التقارير: ", "en": "The reports give different figures: "}
AGREE = {"ar": "تتفق التقارير: ", "en": "The reports agree: "}
ONE_REPORT = {"ar": "", "en": ""}  # one article's figure: nothing to agree or differ with
ACCORDING_TO = {"ar": "بحسب", "en": "according to"}
AND = {"ar": " و", "en": " and "}
SEPARATOR = {"ar": "؛ ", "en": "; "}
_MOST_FIGURES = 6
# Sentences read in each language for figures: a figure's sentence ranks below many that give other
# numbers (multi-source set, answers citing every gold article: 12 sentences 24/30, 30: 25/30).
_FIGURE_PICKS = 30
_MOST_REPORTS = 8
# Words about the sources rather than the event ("according to the different reports"): an
# article need not contain them to give a figure.
_ABOUT_SOURCES = frozenset(search_tokens(
    "تقرير تقارير التقارير المختلفة مختلف مصدر مصادر المصادر بحسب وفق المقالات مقالة وسائل "
    "according different various reports report sources source articles article media outlets"))
# Questions about what the articles or reports say, rather than about one fact.
_ABOUT_REPORTS = re.compile(
    r"\b(which|what) (articles|reports|sources|outlets)\b|\bwhat do (the )?(articles|reports|sources)\b|"
    r"\b(different|various) (reports|sources)\b|\b(articles|reports) (say|mention)\b|"
    r"(أي|ما|ما هي) (المقالات|التقارير|المصادر)|(ماذا|ما الذي) (تقول|تقوله|يقول|يقوله) (المقالات|التقارير|المصادر)|"
    r"(التقارير|المصادر) المختلفة|بحسب (المقالات|التقارير)|\baccording to (the )?(articles|reports|sources)\b",
    re.IGNORECASE)


def asks_about_reports(question: str) -> bool:
    return bool(_ABOUT_REPORTS.search(question))


def reports(question: str, passages: list[Passage], names: list[NameMatcher], checker: GroundingChecker,
            bars: dict[str, float], documents: Mapping[str, Document]) -> list[tuple[int, tuple[int, int], str]] | None:
    """(passage n, sentence span, speaker): a sentence of each relevant article (at most
    _MOST_REPORTS), the languages taking turns, best articles first; None when the question names
    something that no article found names ("the COVID-19 vaccination campaign in Idlib" over 2016
    reports on Idlib): the corpus does not hold it. When two articles or more name what the
    question names (rag.answer.names), those are the relevant ones, in each language where one
    does; otherwise the articles whose best sentence passes the calibrated bar of their language
    (`bars`)."""
    own = detect_language(question)
    # The articles are read only for a question that names something.
    texts = {doc_id: (documents[doc_id].language, full_text(documents[doc_id]))
             for doc_id in {passage.doc_id for passage in passages}} if names else {}
    names = telling(names, [text for _, text in texts.values()])
    texts = texts if names else {}
    named = naming_all(question, names, texts)
    if not named and any(language == own for language, _ in texts.values()):
        return None  # articles in the question's language were found, and not one names its subject
    named = named if len(named) > 1 else set()
    by_language = [_each_article(question, passages, numbers, checker, bars[language], names, named, language == own)
                   for language, numbers in _by_language(passages).items()]
    turns = [pick for picks in zip_longest(*by_language) for pick in picks if pick is not None]
    return [(n, span, _speaker(passages[n - 1], *span, own)) for n, span in turns[:_MOST_REPORTS]]


def _each_article(question: str, passages: list[Passage], numbers: list[int], checker: GroundingChecker, bar: float,
                  names: list[NameMatcher], named: set[str], own_language: bool) -> list[tuple[int, tuple[int, int]]]:
    """(passage n, span) of each article's best sentence, best articles first, among the passages
    `numbers` (one language's). Where articles of the language name what the question names
    (`named`; in the question's language, whenever any article does), only those count, each with
    its best sentence that names a name: a bar cannot tell an article on the subject from one on
    the same city. Otherwise (a name translated, not transliterated: "Security Council", «مجلس
    الأمن») each article whose best sentence passes the bar."""
    by_name = bool(named) and (own_language or any(passages[n - 1].doc_id in named for n in numbers))
    if by_name:
        numbers = [n for n in numbers if passages[n - 1].doc_id in named]
    picks = checker.best_sentences(question, [passages[n - 1] for n in numbers], limit=10 * _MOST_REPORTS,
                                   minimum=0.0 if by_name else bar)
    quoted: dict[str, tuple[int, tuple[int, int]]] = {}
    for m, (start, end), _ in picks:  # best first
        n = numbers[m - 1]
        if not by_name or any(name.mentioned_in(passages[n - 1].text[start:end]) for name in names):
            quoted.setdefault(passages[n - 1].doc_id, (n, (start, end)))
    return list(quoted.values())[:_MOST_REPORTS]


def _by_language(passages: list[Passage]) -> dict[str, list[int]]:
    """Passage numbers (1-based) by language, in order of the languages' first passage."""
    numbers: dict[str, list[int]] = {}
    for n, passage in enumerate(passages, 1):
        numbers.setdefault(passage.language, []).append(n)
    return numbers


def full_text(document: Document) -> str:
    return f"{document.title}\n{document.text}"


@dataclass
class Report:
    """One article's report of a figure."""
    passage: int  # 1-based, into the passages searched
    span: tuple[int, int]  # the quoted sentence, within the passage's text
    speaker: str  # who the sentence says gave the figure (else the outlet, else the article's title)


@dataclass
class Figure:
    value: float
    reports: list[Report]  # one per article that gives it, best first

    def shown(self, language: str) -> str:
        if language == "ar" and self.value >= 1000 and self.value % 1000 == 0:
            return f"{self.value / 1000:g} ألف"
        return f"{self.value:,.0f}" if language == "en" else f"{self.value:g}"


def reported_figures(question: str, passages: list[Passage], checker: GroundingChecker, bars: dict[str, float],
                     documents: dict[str, Document], lone: bool = False) -> list[Figure]:
    """The figures the articles give for what the question counts, each with every article that
    gives it: several values when the reports differ, one when they agree; [] unless two articles
    give a figure, or (`lone`) one article gives one figure. Each language's sentences are picked
    over its own bar (`bars`), the languages taking turns. Only articles that name everything the
    question names count: 700 besieged in Deir ez-Zor is no figure for "how many were besieged in
    Aleppo". In another language than the question's, that is its names that can be checked there (rag.answer.names.names_across), and
    none is no check: such a question takes no figure from that language. What happened ("killed",
    "بمقتل") is read beside the number instead, where the wording varies more."""
    own, by_language, names = detect_language(question), [], {}
    for language, numbers in _by_language(passages).items():
        if language != own:
            names[language] = names_across(question, [passages[n - 1].text for n in numbers])
        by_language.append([(numbers[m - 1], span) for m, span, _ in checker.best_sentences(
            question, [passages[n - 1] for n in numbers], limit=_FIGURE_PICKS, minimum=bars[language])])
    subject, named = _subject(question), {}  # named: per article, read once however many of its sentences
    figures: dict[float, Figure] = {}
    for n, (start, end) in [pick for picks in zip_longest(*by_language) for pick in picks if pick is not None]:
        passage = passages[n - 1]
        document = documents.get(passage.doc_id)
        if passage.doc_id not in named:
            text = full_text(document) if document else ""
            named[passage.doc_id] = document is not None and (
                _names_everything(subject, text) if passage.language == own else
                bool(names[passage.language]) and all(name.mentioned_in(text) for name in names[passage.language]))
        if not named[passage.doc_id]:
            continue
        for value in asked_counts(question, passage.text[start:end]):
            figure = figures.setdefault(value, Figure(value, []))
            if all(passages[r.passage - 1].doc_id != passage.doc_id for r in figure.reports):
                figure.reports.append(Report(n, (start, end), _speaker(passage, start, end, own)))
    # Two articles: within one article two figures are as often two different counts (a raid's dead
    # and a month's) as two reports of one. One article's only figure answers when the caller has
    # no count (`lone`): letting it replace every answer cost the seed set 7 points of facts
    # ("5" for the quote "4 - 5 %").
    articles = {passages[r.passage - 1].doc_id for figure in figures.values() for r in figure.reports}
    if lone and len(articles) == 1 and len(figures) == 1:
        return list(figures.values())
    # The figures most articles give first: when there are more than can be shown, a figure two
    # outlets agree on is more likely the count asked about than one a single sentence gives.
    ranked = sorted(figures.values(), key=lambda figure: -len(figure.reports))
    return ranked[:_MOST_FIGURES] if len(articles) > 1 else []


def _subject(question: str) -> tuple[set[str], list[NameMatcher]]:
    """What an article must name to give a figure for the question: its names, in any of their
    spellings ("Khan Sheikhun" for "Khan Sheikhoun"), where it has them; else (Arabic has no
    capitals to tell a name by) its words, less those about counting, the sources and what
    happened, and the counted noun, which are read beside the number. An English question's other
    words are worded otherwise as often as not ("air strikes" for "airstrikes", "raids")."""
    names = asked_names(question)
    if names:
        return set(), [NameMatcher(name) for name in names]
    counted = counted_noun(question)
    terms = {term for term in set(search_tokens(question)) - COUNT_NOUNS - _ABOUT_SOURCES
             if not is_event_word(term) and term != counted}
    return terms, []


def _names_everything(subject: tuple[set[str], list[NameMatcher]], text: str) -> bool:
    terms, names = subject
    return terms <= set(search_tokens(text)) and all(name.mentioned_in(text) for name in names)


def figures_text(figures: list[dict], language: str) -> str:
    """"The reports give different figures: 50 according to Mounzer Khalil [1] [2]; 100 according to
    the health directorate [3]." (figures as `Answer.figures` holds them)."""
    def sources(figure: dict) -> str:
        by_speaker: dict[str, list[int]] = {}
        for source in figure["sources"]:
            by_speaker.setdefault(source["speaker"], []).append(source["citation"])
        return AND[language].join(speaker + "".join(f" [{n}]" for n in sorted(numbers))
                                  for speaker, numbers in by_speaker.items())

    lead = DIFFER if len(figures) > 1 else AGREE if len(figures[0]["sources"]) > 1 else ONE_REPORT
    return lead[language] + SEPARATOR[language].join(
        f"{figure['shown']} {ACCORDING_TO[language]} {sources(figure)}" for figure in figures) + "."


def _speaker(passage: Passage, start: int, end: int, language: str) -> str:
    """Who gave the sentence: its speaker, else the outlet, else the article's title; for an
    English answer, a person's Arabic name in Latin letters, and an article in Arabic that names
    no one by its language and date rather than its title."""
    chain = citation(0, passage, (start, end)).attribution
    speaker = chain["speaker"] or chain["outlet"]
    if language != "en":
        return speaker or passage.title
    if speaker or not has_arabic(passage.title):
        return in_latin_letters(speaker or passage.title)
    return f"an article in Arabic ({chain['date']})" if chain["date"] else "an article in Arabic"
