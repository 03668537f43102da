"""The answer chain: question (+ history) -> standalone question -> passages -> cited answer.

    >>> assistant = Assistant.open(".isnad/index", llm="local")
    >>> answer = assistant.ask("كم عدد المدنيين المحاصرين في شرق حلب؟")
    >>> answer.text, [c.doc_id for c in answer.citations]
    >>> for piece in assistant.stream("And how many children?", history=[...]):
    ...     print(piece if isinstance(piece, str) else piece.citations)

Small models invent, so the chain refuses before calling the model when retrieval finds nothing
relevant, checks every sentence of the model's answer against the passage it cites, repairs or
drops what fails, and falls back to an extractive answer quoted from the sources.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

from rag.answer.result import Answer, AnswerSentence
from rag.config import Settings
from rag.errors import QueryError
from rag.answer.followup import needs_context
from rag.answer.grounding import (GroundingChecker, citation, lacks_asked_number, parse_claims, question_coverage,
                            restates)
from rag.answer.llm.backends import ChatBackend, load_backend
from rag.answer.prompts import (ABSTAIN, ANSWER_PROMPT, CONDENSE_PROMPT, LANGUAGE_NAMES, NOT_FOUND,
                         QUOTING_BOTH_LANGUAGES, QUOTING_OTHER_LANGUAGE, REFUSE_META, UNSUPPORTED_LANGUAGE,
                         format_passages)
from rag.answer.names import NameMatcher, asked_places, question_names, telling
from rag.answer.quantities import asked_counts, asks_how_many, years
from rag.answer.reports import (ACCORDING_TO, asks_about_reports, figures_text, full_text, reported_figures,
                                reports)
from rag.search.retriever import Retriever
from rag.text import clean_input, detect_language
from rag.types import Passage

logger = logging.getLogger(__name__)
History = list[dict[str, str]]  # [{"role": "user"|"assistant", "content": ...}]

PASSAGES = 5
FIGURE_PASSAGES = 20  # searched in each language for other reports' figures on a "how many" question
REPORT_PASSAGES = 20  # searched in each language for the articles a question about "the reports" asks for
NAMED_PASSAGES = 50  # ... when it names something: the articles (or figures) that name it count, however far down
FOCUSED_PASSAGES = 1  # sentence windows given to the model: measured best for the 1.5B model
_META_QUESTION = re.compile(
    r"system prompt|your (instructions|prompt|rules)|ignore (all |the )?(previous|above)|"
    r"تعليمات(ك| النظام)|موجه النظام|تجاهل (كل )?التعليمات", re.IGNORECASE)


class Assistant:
    def __init__(self, retriever: Retriever, backend: ChatBackend, settings: Settings | None = None) -> None:
        self.retriever = retriever
        self.backend = backend
        self.settings = settings or Settings()
        self.calibration = retriever.calibration  # the thresholds of the index's embedding model
        self.checker = GroundingChecker(retriever.embedder, self.calibration, retriever.translator,
                                        retriever.sentence_vectors)

    @classmethod
    def open(cls, index_dir: str | Path | None = None, llm: str | None = None,
             settings: Settings | None = None) -> "Assistant":
        settings = settings or Settings.from_env()
        retriever = Retriever.open(index_dir or settings.index, max_query_chars=settings.max_query_chars)
        return cls(retriever, load_backend(llm or settings.llm, settings), settings)

    def ask(self, question: str, history: History | None = None, filters: dict[str, Any] | None = None) -> Answer:
        return [piece for piece in self.stream(question, history, filters) if isinstance(piece, Answer)][-1]

    def stream(self, question: str, history: History | None = None,
               filters: dict[str, Any] | None = None) -> Iterator[str | Answer]:
        """Yields answer text as it is generated, then the checked `Answer` (whose text is final)."""
        started = time.perf_counter()
        question, history = _checked_input(question, history)
        if detect_language(question) == "unknown":
            yield self._abstain(UNSUPPORTED_LANGUAGE, "en", question, started)
            return
        language = _answer_language(question)
        if _META_QUESTION.search(question):
            yield self._abstain(REFUSE_META[language], language, question, started)
            return
        standalone = self._standalone(question, history)
        passages = self._search(standalone, PASSAGES, filters)
        retrieved = time.perf_counter()
        if not self._relevant(standalone, passages):
            yield self._abstain(ABSTAIN[language], language, standalone, started)
            return
        if self.backend.model is None:
            answer = self._extractive(standalone, passages, language, "extractive")
        else:
            answer = yield from self._generate(standalone, passages, language, started)
        # Gathered even after a "not found" from one window: passages passed the gate, and the
        # reports of several articles rest on the calibrated picks, not on the small model's reading.
        if asks_how_many(standalone):
            lone = not _gives_count(standalone, answer)  # one article's figure is better than none
            answer = self._compare_figures(standalone, filters, language, lone) or answer
        elif asks_about_reports(standalone):
            answer = self._gather_reports(standalone, filters, language) or answer
        answer.question = standalone
        answer.timings = {"retrieval": retrieved - started, **answer.timings, "total": time.perf_counter() - started}
        yield answer

    def _standalone(self, question: str, history: History) -> str:
        previous = [turn["content"] for turn in history if turn.get("role") == "user"]
        if not previous or not needs_context(question):  # a self-contained question is searched alone
            return question
        if self.backend.model is None:  # no model to rewrite with: search with the last question's context
            return f"{previous[-1]} {question}"
        transcript = "\n".join(f"{turn['role']}: {turn['content']}" for turn in history[-6:])
        rewritten = (CONDENSE_PROMPT | self.backend.model).invoke({"history": transcript, "question": question})
        text = str(rewritten.content).strip().splitlines()[0] if str(rewritten.content).strip() else ""
        return text or question

    def _search(self, question: str, k: int, filters: dict[str, Any] | None) -> list[Passage]:
        return self._covering(question, self.retriever.search(question, k=k, filters=filters))

    def _covering(self, question: str, passages: list[Passage]) -> list[Passage]:
        """The passages, less those from articles that cannot answer a question naming a
        year or a place: one dated in another year that does not mention the year (an undated one
        may be a paragraph of a story told elsewhere), or one that does not name the place in
        either script. However alike the words, a corpus of 2016 reports holds nothing
        on "the 2023 earthquake", and reports on Aleppo nothing on "the strike on Tabqa". (Only
        the region's towns, whose names the gazetteer holds whole: elsewhere a town's name is as
        often a smaller namesake's, or a person's, "Newton", "Manning"; rag.gazetteer.in_region.)"""
        asked = years(question)
        places = [place for place in asked_places(question, [passage.text for passage in passages]) if place.in_region]
        if not asked and not places:
            return passages
        documents = self.retriever.index.documents
        dates = {passage.doc_id: passage.metadata.get("date", "") for passage in passages}
        texts = {doc_id: f"{documents[doc_id].title}\n{documents[doc_id].text}" for doc_id in dates}
        covers = {doc_id: (not asked or not dates[doc_id] or bool(asked & years(f"{dates[doc_id]} {text}")))
                  and all(place.mentioned_in(text) for place in places) for doc_id, text in texts.items()}
        return [passage for passage in passages if covers[passage.doc_id]]

    def _relevant(self, question: str, passages: list[Passage]) -> bool:
        """Relevant: a passage close enough in meaning (the bar is lower across languages, where
        similarities run lower), or in the question's language one that holds enough of the
        question's words and is not far in meaning."""
        if not passages:
            return False
        calibration, best = self.calibration, passages[0]
        same = best.language == detect_language(question)
        closest = max(passage.dense_score for passage in passages)
        if closest >= (calibration.min_dense_same_language if same else calibration.min_dense):
            return True
        return same and (question_coverage(question, best.title + " " + best.text) >= calibration.min_coverage
                         and best.dense_score >= calibration.min_dense_with_words)

    def _fit(self, question: str, passages: list[Passage]) -> list[Passage]:
        """The best sentence windows of the retrieved passages, as many as the token budget holds.

        A small model answers well from one or two focused passages and badly from four long
        ones; the short prompt also keeps the first token fast on 2 cores."""
        windows = [replace(passages[n - 1], text=passages[n - 1].text[s:e], start=passages[n - 1].start + s,
                           end=passages[n - 1].start + e)
                   for n, (s, e), _ in self.checker.best_sentences(question, passages, limit=FOCUSED_PASSAGES)]
        fitted, used = [], 0
        for window in windows or passages[:1]:
            cost = self.backend.count_tokens(window.text)
            if fitted and used + cost > self.settings.llm_passage_budget:
                break
            fitted.append(window)
            used += cost
        return fitted

    def _generate(self, question: str, passages: list[Passage], language: str, started: float):
        shown = self._fit(question, passages)
        prompt = ANSWER_PROMPT.invoke({"passages": format_passages(shown), "question": question,
                                       "language_name": LANGUAGE_NAMES[language]})
        # Across languages the small model's draft is nearly always replaced by quotes: not shown.
        show_draft = bool(shown) and shown[0].language == detect_language(question)
        raw, first_token = "", None
        for chunk in self.backend.model.stream(prompt):
            piece = str(chunk.content)
            if first_token is None and piece:
                first_token = time.perf_counter() - started
            raw += piece
            if show_draft and not NOT_FOUND.startswith(raw.strip()[: len(NOT_FOUND)]):
                yield piece
        generated = time.perf_counter() - started
        answer = self._checked(raw, question, shown, passages, language)
        answer.timings = {"first_token": first_token or generated, "generation": generated}
        return answer

    def _checked(self, raw: str, question: str, shown: list[Passage], retrieved: list[Passage],
                 language: str) -> Answer:
        """Check the draft against the passages the model was shown; fall back to quoting from
        everything retrieved, not only what the model saw."""
        logger.info("model draft: %r", raw)
        if NOT_FOUND in raw or not raw.strip():
            # The small model reads the other language worst: its "not found" there is no evidence
            # against a passage that passed the gate, so the calibrated extractive picks decide.
            if shown and shown[0].language != detect_language(question):
                return self._extractive(question, retrieved, language, "extractive-fallback")
            return self._abstain(ABSTAIN[language], language, question, 0.0)
        claims = [claim for claim in parse_claims(raw) if not restates(claim.text, question)]
        kept = self.checker.check(claims, shown)
        if not kept or lacks_asked_number(question, [sentence.text for sentence, _ in kept]):
            return self._extractive(question, retrieved, language, "extractive-fallback")
        repaired = len(kept) != len(claims) or any(
            sentence.citations != sorted(set(claim.cited)) for (sentence, _), claim in zip(kept, claims))
        return self._compose([(s, spans) for s, spans in kept], shown, language, "llm-repaired" if repaired else "llm")

    def _extractive(self, question: str, passages: list[Passage], language: str, mode: str) -> Answer:
        picks = self.checker.best_sentences(question, passages, strict=True,
                                            minimum=self._quote_bar(question, passages[0].language))
        if not picks:
            return self._abstain(ABSTAIN[language], language, question, 0.0)
        kept = [(AnswerSentence(passages[n - 1].text[s:e], [n], 1.0), {n: (s, e)}) for n, (s, e), _ in picks]
        answer = self._compose(kept, passages, language, mode)
        if passages[picks[0][0] - 1].language != language:
            answer.text = f"{QUOTING_OTHER_LANGUAGE[language]}\n{answer.text}"
        return answer

    def _compare_figures(self, question: str, filters: dict[str, Any] | None, language: str,
                         lone: bool) -> Answer | None:
        """The count asked about as every article gives it, each figure with who gave it [n], and
        whether the reports differ or agree; or (`lone`: the answer so far has no count of it) as
        the one article that gives it. Searched deeper than one answer needs: the other report is
        rarely among the first passages."""
        named = question_names(question, [])  # an English question's, by their capitals: searched deeper
        passages = self._each_language(question, NAMED_PASSAGES if named else FIGURE_PASSAGES, filters)
        passages += self._spelled_out(self._names_across(question, passages), passages, filters)
        figures = reported_figures(question, passages, self.checker, self._gathering_bars(question),
                                   self.retriever.index.documents, lone)
        if not figures:
            return None
        kept = [(AnswerSentence(f"{figure.shown(language)} {ACCORDING_TO[language]} {report.speaker}", [report.passage],
                                1.0), {report.passage: report.span}) for figure in figures for report in figure.reports]
        answer = self._compose(kept, passages, language, "figures")
        numbers = iter(sentence.citations[0] for sentence in answer.sentences)  # renumbered in order of use
        answer.figures = [{"value": figure.value, "shown": figure.shown(language),
                           "sources": [{"citation": next(numbers), "speaker": report.speaker} for report in figure.reports]}
                          for figure in figures]
        answer.text = figures_text(answer.figures, language)
        return answer

    def _gather_reports(self, question: str, filters: dict[str, Any] | None, language: str) -> Answer | None:
        """One quote from each relevant article, each with who says it; None if only one article has
        one; a refusal if the question names a subject no article names."""
        passages, names = self._report_passages(question, filters)
        found = reports(question, passages, names, self.checker, self._gathering_bars(question),
                        self.retriever.index.documents) if passages else []
        if found is None:
            return self._abstain(ABSTAIN[language], language, question, 0.0)
        if len(found) < 2:
            return None
        kept = [(AnswerSentence(f"{speaker}: «{passages[n - 1].text[s:e].strip()}»", [n], 1.0), {n: (s, e)})
                for n, (s, e), speaker in found]
        answer = self._compose(kept, passages, language, "reports")
        answer.text = "\n".join(sentence.marked() for sentence in answer.sentences)
        other = [passages[n - 1].language != language for n, _, _ in found]
        if any(other):
            lead = QUOTING_OTHER_LANGUAGE if all(other) else QUOTING_BOTH_LANGUAGES
            answer.text = f"{lead[language]}\n{answer.text}"
        return answer

    def _report_passages(self, question: str, filters: dict[str, Any] | None) -> tuple[list[Passage], list[NameMatcher]]:
        """The passages to gather from, and what the question names (rag.answer.names; reports()
        keeps those that tell the articles apart). One that names something is searched deeper: only the articles
        that name it will count."""
        names = question_names(question, [])  # an English question's, by their capitals
        passages = self._each_language(question, NAMED_PASSAGES if names else REPORT_PASSAGES, filters)
        if not names:  # an Arabic question's are known once the English passages found write them
            names = self._telling(self._names_across(question, passages), passages)
            if names:  # deeper, more passages write them, and names no other did («المعادي» "Maadi")
                passages = self._each_language(question, NAMED_PASSAGES, filters)
                known = {name.name for name in names}
                names += [name for name in self._names_across(question, passages) if name.name not in known]
                passages += self._spelled_out(names, passages, filters)
        return passages, names

    def _spelled_out(self, names: list[NameMatcher], found: list[Passage],
                     filters: dict[str, Any] | None) -> list[Passage]:
        """English passages found by the Latin spellings of an Arabic question's names («حمرة»
        "Hamra"), that `found` lacks: the Arabic question finds the English articles most like it as
        a whole, which need not be every one that names the place."""
        spelled = " ".join(sorted({spelling.title() for name in names for spelling in name.spellings}))
        if not spelled or (filters or {}).get("language", "en") != "en":
            return []
        seen = {passage.chunk_id for passage in found}
        return [passage for passage in self._search(spelled, NAMED_PASSAGES, {**(filters or {}), "language": "en"})
                if passage.chunk_id not in seen]

    def _telling(self, names: list[NameMatcher], passages: list[Passage]) -> list[NameMatcher]:
        documents = self.retriever.index.documents
        return telling(names, [full_text(documents[doc_id]) for doc_id in {passage.doc_id for passage in passages}])

    @staticmethod
    def _names_across(question: str, passages: list[Passage]) -> list[NameMatcher]:
        own = detect_language(question)
        return question_names(question, [passage.text for passage in passages if passage.language != own])

    def _each_language(self, question: str, k: int, filters: dict[str, Any] | None) -> list[Passage]:
        """The best k passages in each language, the question's first. Across languages similarities
        run lower: one ranking would bury the other language's articles below many in the question's."""
        if (filters or {}).get("language"):
            return self._search(question, k, filters)
        own = detect_language(question)
        # Filtered together: an Arabic question's word is a place's name if an English passage writes it so.
        return self._covering(question, [
            passage for language in sorted(LANGUAGE_NAMES, key=lambda language: language != own)
            for passage in self.retriever.search(question, k=k, filters={**(filters or {}), "language": language})])

    def _gathering_bars(self, question: str) -> dict[str, float]:
        """Per language, the score a sentence needs to bring its article into a multi-source answer:
        across languages no word of the question backs a pick, so a stricter bar than for quoting."""
        own = detect_language(question)
        return {language: self.calibration.min_sentence_score if language == own
                else self.calibration.min_gathered_across for language in LANGUAGE_NAMES}

    def _quote_bar(self, question: str, language: str) -> float:
        """The calibrated score a sentence in `language` needs to be quoted as an answer (lower across languages)."""
        same = language == detect_language(question)
        return self.calibration.min_sentence_score if same else self.calibration.min_sentence_score_across

    def _compose(self, kept, passages: list[Passage], language: str, mode: str) -> Answer:
        used = list(dict.fromkeys(n for sentence, _ in kept for n in sentence.citations))
        renumber = {old: new for new, old in enumerate(used, 1)}  # cite [1], [2]... in order of use
        citations = [citation(renumber[n], passages[n - 1], _first_span(kept, n)) for n in used]
        sentences = [AnswerSentence(s.text, [renumber[n] for n in s.citations], s.support) for s, _ in kept]
        text = " ".join(sentence.marked() for sentence in sentences)
        return Answer(text, citations, False, language, mode, {}, sentences)

    def _abstain(self, message: str, language: str, question: str, started: float) -> Answer:
        timings = {"total": time.perf_counter() - started} if started else {}
        return Answer(message, [], True, language, "abstained", timings, [], question)


def _checked_input(question: Any, history: Any) -> tuple[str, History]:
    if not isinstance(question, str):
        raise QueryError(f"the question must be text (got {type(question).__name__})")
    question = clean_input(question).strip()
    if not question:
        raise QueryError("the question is empty")
    if history is None:
        return question, []
    if not isinstance(history, list) or not all(
            isinstance(turn, dict) and isinstance(turn.get("role"), str) and isinstance(turn.get("content"), str)
            for turn in history):
        raise QueryError('history must be a list of {"role": "user" | "assistant", "content": text} items')
    return question, [{**turn, "content": clean_input(turn["content"])} for turn in history]


def _answer_language(question: str) -> str:
    language = detect_language(question)
    return language if language in LANGUAGE_NAMES else "en"


def _gives_count(question: str, answer: Answer) -> bool:
    """Whether the answer gives a count of what the question counts ("50 ألف شخص" fled, not
    "300000 people ... trapped")."""
    return not answer.abstained and any(asked_counts(question, sentence.text) for sentence in answer.sentences)


def _first_span(kept, n: int) -> tuple[int, int]:
    return next(spans[n] for _, spans in kept if n in spans)
