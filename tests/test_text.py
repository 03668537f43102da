from rag.text import detect_language, lexical_terms, normalise, search_tokens, sentence_spans


def test_normalise_folds_arabic_variants_and_digits():
    assert normalise("أحمد إلى آخر مدرسةٌ مستشفى ١٢٣") == "احمد الي اخر مدرسه مستشفي 123"


def test_normalise_removes_tatweel_and_presentation_forms():
    assert normalise("حـــلب") == "حلب"
    assert normalise("\ufefb") == "لا"  # lam-alef ligature


def test_search_tokens_strip_clitics_so_variants_match():
    assert search_tokens("والمدنيين")[0] == search_tokens("المدنيين")[0]
    assert search_tokens("بالمدينة") == search_tokens("المدينة")


def test_lexical_terms_are_marked_ngrams_of_stems_and_of_words_as_written():
    terms = lexical_terms("Aleppo")
    stem_terms = [t for t in terms if not t.startswith("~")]
    word_terms = [t[1:] for t in terms if t.startswith("~")]
    assert stem_terms and word_terms
    assert all(len(t) == 4 for t in stem_terms + word_terms)
    assert stem_terms[0].startswith("#") and word_terms[-1].endswith("#")


def test_a_word_the_stemmer_over_strips_still_matches_its_bare_form():
    # Snowball cuts "وحاكم" (and ruler) to "وحا", which shares nothing with "حاكم" as a stem
    assert not set(search_tokens("وحاكم")) & set(search_tokens("حاكم"))
    assert set(lexical_terms("وحاكم")) & set(lexical_terms("حاكم"))


def test_sentences_end_at_arabic_question_mark_and_semicolon():
    text = "هل انتهى الحصار؟ لا؛ ما زال مستمراً. The price was 3.5 dollars! Done"
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == ["هل انتهى الحصار؟", "لا؛", "ما زال مستمراً.", "The price was 3.5 dollars!", "Done"]


def test_detect_language():
    assert detect_language("قصف على حلب") == "ar"
    assert detect_language("Shelling in Aleppo") == "en"
    assert detect_language("12345 ...") == "unknown"
