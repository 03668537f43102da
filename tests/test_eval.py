"""Evaluation harness: metrics on hand-made cases, question-set parsing, reports, compare, import."""

import json

import pytest

from eval import metrics
from eval.compare import compare
from eval.questions import load_questions
from eval.report import write_reports
from eval.runner import EvalRun, aggregate
from eval.squad import import_squad
from rag import Retriever
from rag.answer.result import Answer, AnswerSentence, Citation
from rag.answer.assistant import Assistant
from rag.config import Settings
from rag.answer.llm.backends import load_backend
from tests.conftest import SHARED_DATA


def test_retrieval_metrics():
    ranked = ["a", "b", "c", "d"]
    assert metrics.recall_at(ranked, ["c"], 1) == 0 and metrics.recall_at(ranked, ["c"], 5) == 1
    assert metrics.reciprocal_rank(ranked, ["c"]) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(ranked, ["z"]) == 0
    # one relevant at rank 2 of two relevant: (1/log2(3)) / (1 + 1/log2(3))
    assert metrics.ndcg_at(ranked, ["b", "z"]) == pytest.approx(0.6309 / 1.6309, abs=1e-3)


def test_f1_and_exact_match_fold_arabic_spelling():
    assert metrics.exact_match("إلى المدينة", "الى المدينه") == 1.0  # hamza and teh marbuta folded
    assert metrics.token_f1("قتل ٧ مدنيين", "قتل 7 مدنيين في الحميدية") == pytest.approx(2 * 1 * 0.6 / 1.6)
    assert metrics.token_f1("The city", "the city.") == 1.0
    assert metrics.token_f1("nothing shared", "حلب") == 0.0


def test_key_facts_and_fact_recall():
    assert metrics.key_facts("James Jeffrey met 12 people in 2019") == ["12", "2019", "James", "Jeffrey"]
    assert metrics.fact_recall("Jeffrey met ١٢ people", ["12", "Jeffrey", "2019"]) == pytest.approx(2 / 3)
    assert metrics.fact_recall("anything", []) == 0.0
    assert metrics.fact_recall("They met in Brussels", ["بروكسل|Brussels"]) == 1.0  # either spelling


def test_percentile():
    assert metrics.percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert metrics.percentile(list(range(1, 101)), 0.95) == 95


def test_malformed_lines_are_reported_with_line_numbers(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "a", "question": "ما هذا؟", "sources": ["x.txt"], "note": "kept"}),
        "{broken",
        json.dumps({"id": "b"}),
        json.dumps({"id": "a", "question": "again"}),
        json.dumps({"id": "c", "question": "What?", "answerable": False}),
    ]), "utf-8")
    questions, errors = load_questions(path)
    assert [q.id for q in questions] == ["a", "c"]
    assert questions[0].language == "ar" and questions[0].extra == {"note": "kept"}
    assert questions[1].answerable is False and questions[1].language == "en"
    assert [e.split(": ", 1)[0].rsplit(" ", 1)[-1] for e in errors] == ["2", "3", "4"]
    assert "duplicate id 'a'" in errors[2]


@pytest.fixture(scope="module")
def extractive_run(seed_index, embedder):
    assistant = Assistant(Retriever.open(seed_index, embedder=embedder), load_backend("extractive", Settings()))
    return EvalRun(assistant, progress_bar=False)


def test_citation_that_does_not_support_its_sentence(extractive_run):
    document = extractive_run.assistant.retriever.index.documents["004_e713a1ed33e76c5f.txt"]
    quote = "وأضافت المصادر ذاتها أن الغارات الجوية تسببت في ارتقاء 7 مدنيين"
    start = document.text.index(quote)
    citation = Citation(1, document.id, document.title, {}, quote, start, start + len(quote))
    good = AnswerSentence("تسببت الغارات الجوية في ارتقاء 7 مدنيين", [1], 1.0)
    bad = AnswerSentence("قتلت الغارات 90 شخصا في باريس", [1], 1.0)
    answer = Answer("", [citation], False, "ar", "llm", {}, [good, bad])
    scores = extractive_run._citation_scores(answer, [document.id, "other.txt"])
    assert scores["citation_recall"] == 0.5 and scores["citation_precision"] == 0.5
    assert scores["gold_sources_cited"] == 0.5


def test_run_writes_reports_and_compare_finds_flips(extractive_run, tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [{"id": "q1", "question": "مع من التقى رئيس الائتلاف الوطني في بروكسل؟", "answer": "جيمس جيفري",
             "sources": ["003_b8689e71eb8b336f.txt"]},
            {"id": "q2", "question": "Who won the football World Cup in 2018?", "answerable": False}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    questions, _ = load_questions(path)
    results = extractive_run.run(questions)
    report = aggregate(results, {"llm": "extractive"})
    assert report["recall@1"] == 1.0 and report["refusal_accuracy"] == 1.0
    assert report["fact_recall"] == 1.0 and set(report["by_language"]) == {"ar", "en"}
    paths = write_reports(tmp_path / "run-a", results, report)
    assert [p.name for p in paths] == ["results.jsonl", "report.json", "report.md", "report.html"]
    page = paths[3].read_text("utf-8")
    assert page.count("data:image/png;base64,") == 2 and "<script" not in page
    assert json.loads(paths[1].read_text("utf-8"))["mrr"] == 1.0

    results[1]["abstained"], results[1]["metrics"]["refusal"] = False, 0.0  # as if run B answered it
    write_reports(tmp_path / "run-b", results, aggregate(results, {"llm": "extractive"}))
    moved, flipped = compare(tmp_path / "run-a", tmp_path / "run-b")
    assert ("refusal_accuracy", 1.0, 0.0) in moved
    assert flipped == [("q2", "broken", "Who won the football World Cup in 2018?")]


def test_import_squad_writes_a_corpus_and_a_set(tmp_path):
    passages, questions, merged = import_squad(SHARED_DATA / "arcd" / "arcd.json", tmp_path / "c", tmp_path / "s.jsonl")
    assert questions == 1395 and passages + merged == 460
    loaded, errors = load_questions(tmp_path / "s.jsonl")
    assert errors == [] and len(loaded) == 1395
    files = {p.name for p in (tmp_path / "c").iterdir()}
    assert all(source in files for q in loaded for source in q.sources)
