from rag.ingest.cleaning import clean_article
from tests.conftest import CORPUS

RAW = """عنوان الخبر - Some Site

عنوان الخبر

وكالة الأنباء
قال المرصد إن 7 مدنيين قتلوا، بينهم طفلان.
وأضاف أن القصف استمر.

مقالات ذات صلة

خبر آخر لا علاقة له
//
"""


def test_related_block_site_name_and_byline_are_removed():
    article = clean_article(RAW)
    assert article.title == "عنوان الخبر"
    assert article.byline == "وكالة الأنباء"
    assert article.text == "قال المرصد إن 7 مدنيين قتلوا، بينهم طفلان.\nوأضاف أن القصف استمر."
    assert "خبر آخر لا علاقة له" in article.removed


def test_seed_article_keeps_sentences_exact():
    raw = (CORPUS / "003_b8689e71eb8b336f.txt").read_text("utf-8")
    article = clean_article(raw)
    assert article.title == "رئيس الائتلاف يبحث في بروكسل التصعيد في إدلب مع مبعوث واشنطن لسوريا"
    assert "مقالات ذات صلة" not in article.text and "It's Over 9000" not in article.text
    for line in article.text.splitlines():
        assert line in raw  # only whole lines are dropped, never edited


def test_lead_paragraph_on_first_line_stays_in_text():
    raw = (CORPUS / "001_0b8ef82dd97cd181.txt").read_text("utf-8")
    article = clean_article(raw)
    assert "100 ألف مدني محاصَرون" in article.text
