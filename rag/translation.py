"""Word-by-word query translation through the multilingual embedding space.

No translation model ships offline, but the multilingual encoder places a word near its
translations: "children" lands on "الأطفال" (0.93), "Brussels" on "بروكسل" (0.81). So the
index keeps the corpus's own words with their vectors, and a question's words are replaced by
their nearest corpus words in the other language. The lexical side and the sentence picker can
then match an English question against Arabic text (and the reverse). Measured on 12 English
questions over the Arabic seed articles (eval/sets/cross-lingual-questions.jsonl), answers
holding the reference facts: extractive 5 -> 11, local model 4 -> 11 (10 each before two-word names).

The encoder does not know rare names ("Hamidiya", "Firdous"), so a name it cannot place is
matched by its consonants instead: "Firdous" and "الفردوس" both read "frds". Short names
("Deir", "Sham") collide with common words, so they are matched only as the two-word names
the corpus writes ("Deir ez-Zor" and "دير الزور" both read "dr zr").

    >>> translator.translate("How many children were killed?", "ar")
    'الأطفال أطفال اطفالهم قتل بمقتل القتلى'
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import numpy as np

from embeddings import Embedder
from rag.text import is_stopword, letter_words, normalise
from rag.types import Chunk

MIN_WORD_CHARS = 3
MAX_WORDS_PER_LANGUAGE = 50_000   # the most frequent ones; FA-KES (781 articles) has ~10k
MIN_SIMILARITY = 0.7              # below this, neighbours are loose associations ("siege" -> "مجازر")
NEIGHBOURS_PER_WORD = 3           # inflected forms of the same word: "الأطفال أطفال اطفالهم"
MIN_SKELETON = 3                  # shorter consonant keys collide: "Deir" and "ضرورة" both read "dr"
SPELLINGS_PER_NAME = 2

# Arabic letters and Latin spellings folded to shared consonant classes; vowels, alef, waw, yeh
# and ain are dropped because transliterations disagree on them.
_ARABIC_CONSONANTS = str.maketrans({
    "ب": "b", "ت": "t", "ث": "s", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "z", "ر": "r", "ز": "z",
    "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "j", "ف": "f", "ق": "k", "ك": "k",
    "ل": "l", "م": "m", "ن": "n", "ه": "h"})
_LATIN_SPELLINGS = (("sch", "s"), ("sh", "s"), ("ch", "s"), ("kh", "k"), ("gh", "j"), ("th", "t"), ("dh", "d"),
                    ("ph", "f"), ("ck", "k"), ("x", "ks"), ("q", "k"), ("c", "k"), ("g", "j"), ("v", "f"), ("p", "b"))
_ARABIC_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_NOT_A_CONSONANT = re.compile("[^bdfhjklmnrstz]")
_REPEATS = re.compile(r"(.)\1+")
# Two capitalised words, perhaps joined by an article or particle: "Deir ez-Zor", "Fatah al-Sham".
_NAME_PAIR = re.compile(r"\b([A-Z][a-z']+)[\s-]+(?:(?:al|el|ez|ad|as|ash|ar|at|an|de|bin|ibn|abu)[\s-]+)?(?=([A-Z][a-z']+))")

Vocabulary = list[tuple[str, str]]  # (language, word), grouped by language


def content_words(text: str) -> list[str]:
    return [word for word in letter_words(text) if len(word) >= MIN_WORD_CHARS and not is_stopword(word)]


def consonant_skeleton(word: str) -> str:
    """A script-neutral key for a name: "Hamidiya" and "الحميدية" both give "hmd"."""
    word = normalise(word)
    if word[:1].isascii():
        for spelling, consonant in _LATIN_SPELLINGS:
            word = word.replace(spelling, consonant)
    else:
        article = next((a for a in _ARABIC_ARTICLES if word.startswith(a) and len(word) - len(a) >= 3), "")
        word = word[len(article):].translate(_ARABIC_CONSONANTS)
    key = _REPEATS.sub(r"\1", _NOT_A_CONSONANT.sub("", word))
    return key.rstrip("ht") or key  # a final teh marbuta is "a", "ah" or "at" in Latin


def _may_be_name(word: str) -> bool:
    """Latin names are capitalised; Arabic has no capitals, so any Arabic word may be one."""
    return not word[:1].isascii() or word[:1].isupper()


def build_vocabulary(chunks: list[Chunk]) -> Vocabulary:
    """The corpus's content words per language (one spelling per normalised form), most frequent first."""
    counts: dict[str, Counter] = {}
    spelling: dict[tuple[str, str], str] = {}
    for chunk in chunks:
        if chunk.language not in ("ar", "en"):
            continue
        for word in content_words(f"{chunk.title}\n{chunk.text}"):
            key = normalise(word)
            counts.setdefault(chunk.language, Counter())[key] += 1
            spelling.setdefault((chunk.language, key), word)
    return [(language, spelling[(language, key)])
            for language in sorted(counts)
            for key, _ in counts[language].most_common(MAX_WORDS_PER_LANGUAGE)]


class WordTranslator:
    """Nearest corpus words in another language, for each content word of a text."""

    def __init__(self, vocabulary: Vocabulary, vectors: np.ndarray, embedder: Embedder,
                 texts: list[tuple[str, str]] = ()) -> None:
        """`texts`: (language, text) of the corpus, where two-word names are looked up."""
        self.embedder = embedder
        self._words = [word for _, word in vocabulary]
        self._vectors = vectors
        languages = np.array([language for language, _ in vocabulary])
        self._rows = {language: np.flatnonzero(languages == language) for language in set(languages.tolist())}
        self._names: dict[tuple[str, str], list[str]] = {}  # (language, skeleton) -> spellings, most frequent first
        for language, word in vocabulary:
            skeleton = consonant_skeleton(word)
            if _may_be_name(word) and len(skeleton) >= MIN_SKELETON:
                self._names.setdefault((language, skeleton), []).append(word)
        self._pairs = _short_name_pairs(texts)
        # The retriever and then the sentence picker translate the same question.
        self.translate = lru_cache(maxsize=256)(self._translate)

    def _translate(self, text: str, target: str) -> str:
        """Space-separated corpus words in `target` that translate the text's content words
        ('' when there are none: no words, or no corpus words in that language)."""
        rows = self._rows.get(target)
        words = content_words(text)
        if rows is None or not words:
            return ""
        similarity = self.embedder.encode_documents(words) @ self._vectors[rows].T  # word to word: symmetric
        found = []
        for word, row in zip(words, similarity):
            best = [self._words[rows[j]] for j in np.argsort(-row)[:NEIGHBOURS_PER_WORD] if row[j] >= MIN_SIMILARITY]
            if not best and _may_be_name(word):
                best = self._names.get((target, consonant_skeleton(word)), [])[:SPELLINGS_PER_NAME]
            found += best
        for first, second in _NAME_PAIR.findall(text):
            found += self._pairs.get((target, consonant_skeleton(first), consonant_skeleton(second)), [])
        return " ".join(dict.fromkeys(found))


def _short_name_pairs(texts: list[tuple[str, str]]) -> dict[tuple[str, str, str], list[str]]:
    """(language, skeleton, skeleton) -> the two words, for adjacent Arabic words of which one has
    a skeleton too short to match alone. (English two-word names are not indexed: an Arabic
    question's short names stay untranslated.)"""
    pairs: dict[tuple[str, str, str], list[str]] = {}
    skeletons: dict[str, str] = {}
    for language, text in texts:
        words = [word for word in letter_words(text) if not word[:1].isascii()]
        for first, second in zip(words, words[1:]):
            if is_stopword(first) or is_stopword(second):
                continue
            keys = [skeletons.setdefault(word, consonant_skeleton(word)) for word in (first, second)]
            if keys[0] and keys[1] and len(keys[0] + keys[1]) >= MIN_SKELETON and min(map(len, keys)) < MIN_SKELETON:
                pairs.setdefault((language, *keys), [first, second])
    return pairs
