"""Language-aware text handling: Arabic normalisation, search tokens, language and sentences.

Normalisation folds spelling variants for *matching* only; the original text is what we store,
show and quote. Bump NORMALISER_VERSION whenever anything here changes (tokens, language, sentences), so old
indexes are rebuilt instead of silently mismatching.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

NORMALISER_VERSION = "8"

_HARAKAT = re.compile("[\u064b-\u065f\u0670\u0640]")  # diacritics and tatweel
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]+")  # a word's letters, without digits: what a name or place is written in
_MARKUP = re.compile(r"<[^>]{0,200}>")

_STOPWORD_TEXT = """في من على الى عن ان او ثم هذا هذه ذلك تلك التي الذي الذين هو هي هم كان كانت قد لقد
    مع عند بين حتى اذا ما ماذا لماذا كيف متى اين هل كم اي ايه لا لم لن و ف ب ل ك ال ماهو ماهي وما
    the a an of in on at to and or is are was were be by for with from as that this what which who
    whom when where why how did do does has have had it its many much according"""


def normalise(text: str) -> str:
    """Fold Arabic spelling variants, digits and presentation forms; lower-case Latin."""
    if _PRESENTATION_FORMS.search(text):
        text = unicodedata.normalize("NFKC", text)
    text = _HARAKAT.sub("", text)
    return text.translate(_ALEF).translate(_DIGITS).lower()


# Function words that carry no topic (BM25 IDF handles the rest), folded like the text they meet ("متى" -> "متي").
_STOPWORDS = frozenset(normalise(_STOPWORD_TEXT).split())


def letter_words(text: str) -> list[str]:
    """The runs of letters of a text, in order (no digits, no underscores)."""
    return _LETTERS.findall(text)


def has_arabic(text: str) -> bool:
    """Whether the text holds an Arabic letter."""
    return bool(_ARABIC_LETTER.search(text))


def is_stopword(word: str) -> bool:
    return normalise(word) in _STOPWORDS


@lru_cache(maxsize=2)
def _stemmer(language: str):
    import Stemmer  # PyStemmer: Snowball stemmers compiled in C

    return Stemmer.Stemmer(language)


# Larkey's light10 prefixes; Snowball leaves "وال" and friends on, so "والمدنيين" != "المدنيين".
_ARTICLE_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")


def _strip_article(word: str) -> str:
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    return word


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(normalise(text)) if w not in _STOPWORDS]


def search_tokens(text: str) -> list[str]:
    """Normalised, light-stemmed tokens for the lexical index (light10 prefixes, then Snowball)."""
    return [stem for stem in map(_stem, _content_words(text)) if stem]


# Words repeat across a corpus, so their stems and n-grams are worked out once (opening an index
# tokenises every chunk, document and title).
@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    word = _strip_article(word)
    return _stemmer("arabic" if _ARABIC_LETTER.match(word) else "english").stemWord(word)


def lexical_terms(text: str, n: int = 4) -> list[str]:
    """Character n-grams, word boundaries marked, of the stems and (prefixed "~") of the words as written.

    Light stemming misses broken plurals and infixes; overlapping n-grams still match them. Snowball
    also over-strips ("وحاكم" -> "وحا"), and the surface n-grams keep what it cuts plus the clitics
    that make a phrase. R@1 by eval.benchmark_retrieval, stem n-grams -> both: ARCD 0.713 -> 0.725,
    TyDi 0.884 -> 0.904.
    """
    terms: list[str] = []
    for word in _content_words(text):
        terms.extend(_word_terms(word, n))
    return terms


@lru_cache(maxsize=50_000)
def _word_terms(word: str, n: int) -> tuple[str, ...]:
    stem = _stem(word)
    return tuple((_ngrams(stem, n) if stem else []) + ["~" + gram for gram in _ngrams(word, n)])


def _ngrams(token: str, n: int) -> list[str]:
    marked = f"#{token}#"
    return [marked[i:i + n] for i in range(max(len(marked) - n + 1, 1))]


def detect_language(text: str) -> str:
    """'ar' when Arabic letters dominate, 'en' when Latin ones do (the languages we serve), else
    'unknown' (no letters, or mostly letters of another script)."""
    sample = _MARKUP.sub(" ", text[:5000])  # tag and attribute names are not the article's language
    arabic = len(_ARABIC_LETTER.findall(sample))
    latin = len(_LATIN_LETTER.findall(sample))
    other = sum(char.isalpha() for char in sample) - arabic - latin
    if arabic + latin == 0 or other > arabic + latin:
        return "unknown"
    return "ar" if arabic >= latin else "en"


# Direction marks, zero-width and control characters: invisible, but they split words.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_input(text: str) -> str:
    """A question or query as typed, made safe to match: lone surrogates (undecodable bytes)
    become "?" and invisible control and direction characters go."""
    return _INVISIBLE.sub("", text.encode("utf-8", errors="replace").decode("utf-8", errors="replace"))


# A sentence ends at . ! ? ؟ ؛ (not inside numbers like 3.5) or at a line break.
_SENTENCE_END = re.compile(r"(?:(?<!\d)[.!?](?!\d)|[؟؛!?…]|\n)+[\"'»”)\]]*\s*")
_CLAUSE_END = re.compile(r"[،,;:]\s*")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of sentences in text[start:end], whitespace trimmed."""
    return _split(_SENTENCE_END, text, start, len(text) if end is None else end)


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Finer spans split at commas (Arabic ، too), for sentences too long for one chunk."""
    return _split(_CLAUSE_END, text, start, end)


def _split(boundary: re.Pattern, text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for match in boundary.finditer(text, start, end):
        spans.append((cursor, match.end()))
        cursor = match.end()
    if cursor < end:
        spans.append((cursor, end))
    return [span for span in (_trim(text, s, e) for s, e in spans) if span[1] > span[0]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
