"""The real local model (Qwen2.5 1.5B via llama.cpp), installed by `isnad setup`.

Assertions are on the cited document and key facts, never on wording."""

import pytest

from rag.answer.assistant import Assistant
from rag.config import Settings
from rag.answer.llm.local_model import model_path

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def local_assistant(seed_index):
    settings = Settings.from_env()
    if not model_path(settings.home).is_file():
        pytest.fail("the local model is missing: run `isnad setup` (the README's first command does)")
    return Assistant.open(seed_index, llm="local", settings=settings)


def test_arabic_question_gets_a_cited_arabic_answer(local_assistant):
    answer = local_assistant.ask("مع من التقى رئيس الائتلاف الوطني في بروكسل؟")
    assert not answer.abstained and answer.language == "ar"
    assert answer.citations and {c.doc_id for c in answer.citations} == {"003_b8689e71eb8b336f.txt"}
    assert "جيفري" in answer.text


@pytest.mark.xfail(strict=True, reason="known weakness: with EmbeddingGemma retrieval ranks the Aleppo council "
                                        "article first (dense 0.42) above the coalition article (0.34), so the model "
                                        "is shown the wrong window and the extractive fallback quotes the wrong "
                                        "article (given the right window, the model answers 2254)")
def test_english_question_cites_the_arabic_article(local_assistant):
    answer = local_assistant.ask("Which UN Security Council resolution did the coalition president cite?")
    assert answer.language == "en"
    assert not answer.abstained
    assert answer.citations[0].doc_id == "003_b8689e71eb8b336f.txt"
    assert "2254" in answer.text


def test_unrelated_question_is_refused(local_assistant):
    answer = local_assistant.ask("Who won the football World Cup in 2018?")
    assert answer.abstained
