"""Names a question asks about, and the articles that name them, in either script."""

import pytest
from rag import Retriever
from rag.answer.assistant import Assistant
from rag.answer.llm.backends import load_backend
from rag.answer.names import (NameMatcher, asked_names, asked_places, names_across, naming_all, question_names,
                              telling)
from rag.answer.romanized import in_latin_letters
from rag.config import Settings
from rag.index.indexer import Indexer
from rag.types import Document


def test_a_question_names_things_by_their_last_word_and_its_first_word_is_no_name():
    assert asked_names("Which articles mention the UN envoy Staffan de Mistura?") == ["UN", "Mistura"]
    assert asked_names("Which articles report the airstrikes on the hospital in Kafr Hamra?") == ["Hamra"]
    assert asked_names("Who called for the protection of besieged civilians?") == []
    assert asked_names("What did Assad's forces shell?") == ["Assad"]  # not "s"
    assert asked_names("من طالب بحماية المدنيين المحاصرين؟") == []


def test_an_arabic_persons_name_is_romanized_and_a_description_or_organisation_is_not():
    assert in_latin_letters("بريتا حاجي حسن") == "Brita Haji Hassan"
    assert in_latin_letters("بشار الأسد") == "Bashar al-Assad"
    for not_a_name in ("الدفاع المدني السوري", "مصادر ميدانية", "الطفل عمار", "وزير الخارجية الفرنسي",
                       "مدير المرصد السوري لحقوق الانسان رامي عبد الرحمن", "the Syrian Observatory", ""):
        assert in_latin_letters(not_a_name) == not_a_name


def test_names_match_across_spellings_and_scripts_by_their_consonants():
    mistura = NameMatcher("Mistura")
    assert mistura.mentioned_in("ستافان دي ميستورا") and mistura.mentioned_in("المبعوث ستيفان ديمستورا")
    assert mistura.mentioned_in("de Mistura said") and not mistura.mentioned_in("the UN envoy said")
    assert NameMatcher("Sheikhoun").mentioned_in("in Khan Sheikhun") and NameMatcher("Sheikhoun").mentioned_in("خان شيخون")
    maadi = NameMatcher("Maadi")  # "md": too short to match across scripts
    assert maadi.mentioned_in("the Maadi district") and not maadi.crosses_scripts and not maadi.mentioned_in("حي المعادي")


def test_a_place_is_matched_by_its_own_name_in_the_other_script():
    aleppo = NameMatcher("Aleppo")  # "lb" against «حلب» "hlb": no consonant rule links them
    assert aleppo.crosses_scripts and aleppo.mentioned_in("قصف على أحياء حلب الشرقية") and aleppo.mentioned_in("وصل بحلب")
    assert not aleppo.mentioned_in("سباق في الحلبة")
    assert NameMatcher("Brussels").mentioned_in("مؤتمر بروكسل للمانحين")
    assert NameMatcher("Deir ez-Zor").mentioned_in("في دير الزور") and NameMatcher("الرقة").mentioned_in("strikes on Raqqa")
    assert not NameMatcher("Council").place_names and not NameMatcher("Syrian").place_names


def test_a_place_named_in_several_words_is_asked_about_whole():
    # "Zor" alone names no place; "Deir ez-Zor" does, in any of its spellings and scripts.
    [deir] = asked_places("How many civilians were killed in Deir ez-Zor's districts in September?", [])
    assert deir.in_region
    for mention in ("clashes in Deir ez-Zor city", "fighting in Deir Ezzor", "قصف على دير الزور"):
        assert deir.mentioned_in(mention)
    assert not deir.mentioned_in("قالت وزارة الدفاع الروسية")  # «وزارة» reads "zr", as "Zor" does
    [khan] = asked_places("What happened in Khan Sheikhoun?", [])
    assert khan.in_region and khan.mentioned_in("the attack on Khan Shaykhun") and khan.mentioned_in("هجوم خان شيخون")


def test_in_arabic_script_a_short_name_must_be_the_same_word_not_only_the_same_consonants():
    tabqa = NameMatcher("الطبقة")  # "tbk", as «طبق» "applied" reads
    assert tabqa.mentioned_in("غارة على مدينة الطبقة") and tabqa.mentioned_in("وصلت بالطبقة") and tabqa.mentioned_in("Tabqa dam")
    assert not tabqa.mentioned_in("طبق القرار على الجميع")
    assert NameMatcher("حلب").mentioned_in("وصل بحلب") and not NameMatcher("حلب").mentioned_in("سباق في الحلبة")


def _naming_all(question: str, texts: dict[str, tuple[str, str]]) -> set[str]:
    return naming_all(question, question_names(question, []), texts)


def test_texts_in_the_question_language_must_name_everything_and_others_some_name():
    texts = {"both": ("en", "Barrel bombs hit the Maadi district of Aleppo."),
             "other district": ("en", "Barrel bombs hit the Ferdous district of Aleppo."),
             "arabic": ("ar", "قصفت البراميل حي المعادي في حلب.")}
    assert _naming_all("Which articles report attacks on the Maadi district of Aleppo?", texts) == {"both"}
    texts = {"en": ("en", "UN envoy Staffan de Mistura met rebels."), "ar": ("ar", "التقى ستافان دي ميستورا بالمعارضة."),
             "no name": ("ar", "التقى المبعوث الأممي بالمعارضة.")}
    assert _naming_all("Which articles mention the UN envoy Staffan de Mistura?", texts) == {"en", "ar"}  # "UN": spelled out
    texts = {"en": ("en", "Barrel bombs hit the Maadi district of Aleppo."), "ar": ("ar", "قصفت البراميل حلب.")}
    assert _naming_all("Which articles report attacks on the Maadi district of Aleppo?", texts) == {"en"}  # "Maadi" cannot cross
    assert _naming_all("Which articles report attacks on Aleppo?", texts) == {"en", "ar"}


def test_an_arabic_word_is_matched_in_latin_letters_by_its_romanized_spelling():
    maadi = NameMatcher("المعادي")  # "md": too few consonants to match by
    assert maadi.mentioned_in("Barrel bombs hit the Maadi district.") and maadi.mentioned_in("قصف حي المعادي")
    assert not maadi.mentioned_in("He made a mad dash to the Madi river.")
    question = "أي المقالات تتحدث عن قصف حي المعادي في حلب؟"
    names = names_across(question, ["Barrel bombs hit the Maadi district of Aleppo.", "Rain fell.", "Talks resumed.",
                                    "The convoy was delayed.", "Aid arrived."])
    assert [name.name for name in names] == ["المعادي", "حلب"]  # one text writes each: an exact spelling needs no share


def test_a_name_most_of_the_articles_name_does_not_tell_them_apart():
    aleppo, maadi = NameMatcher("Aleppo"), NameMatcher("Maadi")
    texts = ["Strikes on Aleppo.", "Aleppo's east.", "Maadi district of Aleppo hit.", "Talks in Geneva."]
    assert telling([aleppo, maadi], texts) == [maadi]
    assert telling([aleppo, maadi], texts[2:]) == [aleppo, maadi]


@pytest.fixture
def bilingual(tmp_path, embedder):
    articles = [
        Document("en-named", "Envoy meets rebels", "UN envoy Staffan de Mistura met rebel leaders in Geneva on "
                 "Monday to discuss a ceasefire in Aleppo.", "en"),
        Document("en-unnamed", "Talks in Geneva", "A UN envoy met rebel leaders in Geneva on Monday to discuss a "
                 "ceasefire in Aleppo, officials said.", "en"),
        Document("ar-named", "لقاء المبعوث", "التقى الموفد الأممي ستافان دي ميستورا قادة من المعارضة يوم "
                 "الاثنين لبحث وقف إطلاق النار في حلب.", "ar"),
        Document("ar-other", "مكتبة", "افتتحت في مدينة حلب مكتبة عامة جديدة تضم آلاف الكتب للأطفال والكبار.", "ar")]
    Indexer(tmp_path / "index", embedder).run(articles)
    return Assistant(Retriever.open(tmp_path / "index", embedder=embedder), load_backend("extractive", Settings()))


def test_a_list_question_gathers_the_articles_that_name_its_subject_in_both_languages(bilingual):
    answer = bilingual.ask("Which articles mention the UN envoy Staffan de Mistura?")
    assert answer.mode == "reports" and {c.doc_id for c in answer.citations} == {"en-named", "ar-named"}
    assert answer.text.startswith("The sources (some in Arabic) say:")  # not all of them


def test_an_arabic_list_question_gathers_the_articles_that_name_what_english_ones_write_as_a_name(bilingual):
    answer = bilingual.ask("أي المقالات تذكر المبعوث دي ميستورا؟")
    assert answer.mode == "reports" and {c.doc_id for c in answer.citations} == {"en-named", "ar-named"}


def test_a_question_about_the_reports_on_a_subject_no_article_names_is_refused(bilingual):
    question = "What do the reports say about the Ebola outbreak in Geneva?"
    assert bilingual._relevant(question, bilingual._search(question, 5, None))  # the gate lets it through
    answer = bilingual.ask(question)
    assert answer.abstained and not answer.citations


def test_an_arabic_questions_names_are_the_words_other_texts_write_as_names():
    texts = ["Coalition strikes on Tokhar near Manbij killed 56 civilians.", "In Tokhar near Manbij, 160 were killed.",
             "The Asharq Al-Awsat newspaper reported on the east of the city.", "Strikes hit Tukhar village at dawn.",
             "Aid reached the city on Monday.", "The convoy was delayed.", "Talks resumed in Geneva.", "Rain fell."]
    names = [matcher.name for matcher in names_across("كم مدنياً قتل في غارات التحالف على قرية التوخار شرق منبج؟", texts)]
    assert names == ["التوخار", "منبج"]  # «شرق» shares its consonants with "Asharq", in one text of eight only
    assert [m.name for m in names_across("How many were killed in Tokhar?", texts)] == ["tokhar"]
    assert names_across("كم مدنياً قتل في التوخار؟", []) == []
    # A place's Arabic name is a name wherever one text writes the place, however few do.
    assert [m.name for m in names_across("كم مدنياً قتل في الطبقة؟", texts + ["Strikes hit Tabqa."])] == ["الطبقه"]
    assert names_across("كم مدنياً قتل في الطبقة؟", texts) == []


def test_an_article_that_does_not_name_the_asked_town_of_the_region_cannot_answer(bilingual):
    in_homs = bilingual._search("Who met rebel leaders to discuss a ceasefire in Homs?", 5, None)
    assert in_homs == []  # every article is on Aleppo: none can say what happened in Homs
    assert bilingual._search("Who met rebel leaders to discuss a ceasefire in Deir ez-Zor?", 5, None) == []
    in_aleppo = bilingual._search("Who met rebel leaders to discuss a ceasefire in Aleppo?", 5, None)
    assert {passage.doc_id for passage in in_aleppo} == {"en-named", "en-unnamed", "ar-named", "ar-other"}
    # A town far from the region may be a namesake's, or a person's: it does not filter.
    assert NameMatcher("Minneapolis").place_names and not NameMatcher("Minneapolis").in_region
    assert bilingual._search("Did envoys from Minneapolis discuss a ceasefire in Aleppo?", 5, None)
