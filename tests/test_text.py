from rag.text import detect_language, lexical_terms, normalise, search_tokens, sentence_spans


def test_normalise_folds_arabic_variants_and_digits():
    assert normalise("أحمد إلى آخر مدرسةٌ مستشفى ١٢٣") == "احمد الي اخر مدرسه مستشفي 123"


def test_normalise_removes_tatweel_and_presentation_forms():
    assert normalise("حـــلب") == "حلب"
    assert normalise("\ufefb") == "لا"  # lam-alef ligature


def test_search_tokens_strip_clitics_so_variants_match():
    assert search_tokens("والمدنيين")[0] == search_tokens("المدنيين")[0]
    assert search_tokens("بالمدينة") == search_tokens("المدينة")


def test_lexical_terms_are_marked_ngrams():
    terms = lexical_terms("Aleppo")
    assert terms[0].startswith("#") and terms[-1].endswith("#")
    assert all(len(term) == 4 for term in terms)


def test_sentences_end_at_arabic_question_mark_and_semicolon():
    text = "هل انتهى الحصار؟ لا؛ ما زال مستمراً. The price was 3.5 dollars! Done"
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == ["هل انتهى الحصار؟", "لا؛", "ما زال مستمراً.", "The price was 3.5 dollars!", "Done"]


def test_detect_language():
    assert detect_language("قصف على حلب") == "ar"
    assert detect_language("Shelling in Aleppo") == "en"
    assert detect_language("12345 ...") == "unknown"
