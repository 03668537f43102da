"""Query translation through the multilingual embedding space, on the real light model (USE, whose
calibration translates questions word by word) and its seed index."""

from dataclasses import replace

import pytest

from rag import Retriever
from rag.translation import consonant_skeleton

# Its answer ("40 طفلا") sits in a chunk that the dense side alone ranks below the top 10.
CHILDREN_KILLED = "How many children were killed by rebel shells in the western districts of Aleppo?"


@pytest.fixture(scope="module")
def retriever(light_seed_index, light_embedder):
    return Retriever.open(light_seed_index, embedder=light_embedder)


def test_question_words_become_corpus_words_of_the_other_language(retriever):
    words = retriever.translator.translate("How many children were killed?", "ar").split()
    assert "الأطفال" in words and "قتل" in words
    assert not set(words) & {"كم", "عدد"}  # "how many" is a function word, not a topic


def test_a_name_the_encoder_does_not_know_is_matched_by_its_consonants(retriever):
    assert consonant_skeleton("Firdous") == consonant_skeleton("الفردوس") == "frds"
    assert consonant_skeleton("Hamidiya") == consonant_skeleton("الحميدية")
    assert "الفردوس" in retriever.translator.translate("What happened in al-Firdous?", "ar").split()
    # two-consonant keys collide with common words ("Deir" and "ضرورة" are both "dr"), so they are not used
    assert "ضرورة" not in retriever.translator.translate("Deir", "ar").split()


def test_a_short_two_word_name_is_matched_as_the_corpus_writes_it(retriever):
    assert retriever.translator.translate("Deir", "ar") == ""
    assert retriever.translator.translate("in Deir ez-Zor", "ar").split() == ["دير", "الزور"]
    assert {"جبهة", "فتح", "الشام"} <= set(retriever.translator.translate("Jabhat Fatah al-Sham", "ar").split())


def test_nothing_to_translate_into(retriever):
    assert retriever.translator.translate("How many children were killed?", "en") == ""  # no English articles
    assert retriever.translator.translate("how many of the", "ar") == ""


def test_translated_words_rank_the_answer_first(retriever, monkeypatch):
    def top_text():
        return retriever.search(CHILDREN_KILLED, k=1)[0].text

    assert "40 طفلا" in top_text()
    monkeypatch.setattr(retriever, "calibration", replace(retriever.calibration, translated_weight=0.0))
    assert "40 طفلا" not in top_text()


def test_the_default_model_needs_no_translation(seed_index, embedder):
    retriever = Retriever.open(seed_index, embedder=embedder)
    assert retriever.translator is None and retriever.index.vocabulary == []
    assert "40 طفلا" in " ".join(p.text for p in retriever.search(CHILDREN_KILLED, k=2))
