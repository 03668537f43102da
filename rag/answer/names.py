"""The names a question asks about, and which articles name them, in either script.

A question about the articles ("Which articles report attacks on the Maadi district of Aleppo?")
is answered from the articles that name what it names. Dense similarity alone gathered, for that
question, articles on other districts of Aleppo, and left out the Arabic articles on de Mistura
for "Which articles mention Staffan de Mistura?". Across scripts, and between spellings, a name is
matched by its consonants (rag.translation): "Sheikhoun", "Sheikhun" and «شيخون» all read "skn",
and "Mistura" ends «ديمستورا» ("dmstr"), where Arabic writes the particle joined.

Arabic has no capitals to tell a name by: an Arabic question's names are its words that the
English passages found write as a name, by their consonants, as a place, or as the romanizer
spells them («المعادي» "Maadi").
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from rag.answer.romanized import latin_spellings
from rag.gazetteer import in_region, keys_in, other_script
from rag.text import detect_language, has_arabic, is_stopword, letter_words, normalise
from rag.translation import MIN_SKELETON, consonant_skeleton

# Capitalised words, perhaps joined by a lower-case particle: "Staffan de Mistura", "Deir ez-Zor".
_NAME = re.compile(r"\b[A-Z][\w']*(?:[\s-]+(?:(?:al|el|ez|ad|as|ar|de|bin|ibn|abu)[\s-]+)?[A-Z][\w']*)*")
_POSSESSIVE = re.compile(r"'s$")  # "Deir ez-Zor's districts": the name is "Deir ez-Zor"
# A skeleton this long may end a longer one: a particle or article joined to the name.
_MIN_SUFFIX = 4
# The particles and article an Arabic word may carry: «والطبقة», «بحلب», «للمعارضة».
_ARABIC_PREFIXES = re.compile(r"^[وف]?(?:بال|كال|لل|ال|[بكل])?")


def _bare(word: str) -> str:
    rest = _ARABIC_PREFIXES.sub("", word, count=1)
    return rest if len(rest) >= 2 else word


def asked_names(question: str) -> list[str]:
    """Each name of the question by its last word ("Staffan de Mistura" -> "Mistura", "Kafr Hamra"
    -> "Hamra"): the first word is often a given name or a kind of place (Kafr, Khan, Deir) that
    other names share."""
    return list(dict.fromkeys(words[-1] for words in _name_words(question)))


def _name_words(question: str) -> list[list[str]]:
    """The words of each name of the question. Its first word is capitalised whatever it is, so it is no name."""
    names = []
    for match in _NAME.finditer(question):
        words = letter_words(_POSSESSIVE.sub("", match.group(0)))[1 if match.start() == 0 else 0:]
        if words and not is_stopword(words[-1].lower()):
            names.append(words)
    return names


@lru_cache(maxsize=65_536)
def _skeleton(word: str) -> str:
    return consonant_skeleton(word)


class NameMatcher:
    """Whether texts mention a name: the same word in its script, the same consonants, for a
    place its own name in the other script ("Aleppo" «حلب», rag.gazetteer), and for an Arabic
    word its romanized spelling («المعادي» "Maadi", rag.answer.romanized)."""

    def __init__(self, name: str, place: str | None = None) -> None:
        """`place`: the whole name of the place whose last word `name` is ("Deir ez-Zor" for "Zor"):
        a text in the other script must give the place's own name, one in the name's script may
        spell its last word any way ("Deir Ezzor")."""
        self.name = normalise(name)
        self.key = _skeleton(name)
        self.acronym = name.isupper()  # "UN", "SOHR": translated across scripts, spelled out
        self.place_names = other_script(place or name)
        self.in_region = bool(self.place_names) and in_region(place or name)
        self._word_of_place = place is not None and normalise(place) != self.name
        self._bare = _bare(self.name) if has_arabic(name) else ""  # without its article or particle

    @property
    def crosses_scripts(self) -> bool:
        """A short skeleton ("Maadi" reads "md") collides with common words: matched in its script
        only, unless it is a place's name."""
        return len(self.key) >= MIN_SKELETON or bool(self.place_names)

    @cached_property
    def spellings(self) -> frozenset[str]:
        return latin_spellings(self.name)

    def names_the_place(self, text: str) -> bool:
        return bool(self.place_names) and not self.place_names.isdisjoint(keys_in(text))

    def mentioned_in(self, text: str) -> bool:
        if self.names_the_place(text):
            return True
        for word in letter_words(text):
            folded = normalise(word)
            if folded == self.name or word[:1].isupper() and word.lower() in self.spellings:
                return True
            if self._bare and not word[:1].isascii() and _bare(folded) == self._bare:
                return True
            # "Zor" alone is no name: across scripts only the place's own names are it («وزارة» reads "zr" too).
            if self.crosses_scripts and not (self._word_of_place and word[:1].isascii() != self.name[:1].isascii()):
                key = _skeleton(word)
                joined = len(self.key) >= _MIN_SUFFIX and not word[:1].isascii() and key.endswith(self.key)
                if (key == self.key and not self._same_word_needed(word)) or joined:
                    return True
        return False

    def _same_word_needed(self, word: str) -> bool:
        """In Arabic script a short skeleton is not enough, the word must be the same (whatever
        particle it carries: «بحلب» is Aleppo): «طبق» "applied" has the consonants of «الطبقة»
        (Tabqa). Longer ones still bridge spellings («ديمستورا», «دي ميستورا»)."""
        return len(self.key) < _MIN_SUFFIX and bool(self._bare) and not word[:1].isascii()


def naming_all(question: str, names: list[NameMatcher], texts: dict[str, tuple[str, str]]) -> set[str]:
    """The ids of the texts (id -> (language, text)) that name all the question's `names`
    (question_names) in the question's language; in another, for an English question, all of
    them if all can cross scripts (by their consonants, "Mistura" «ميستورا», or as places, "Aleppo"
    «حلب»; not translated names, "Civil Defence" «الدفاع المدني», nor short ones, "UN"); an Arabic
    question's names were found written in the other script."""
    own = detect_language(question)
    crossing = names if own == "ar" else _all_crossing(names)
    return {key for key, (language, text) in texts.items()
            if (usable := names if language == own else crossing)
            and all(matcher.mentioned_in(text) for matcher in usable)}


# A name more than this share of the articles found name (the city of a corpus on it, «حلب») does
# not tell which of them are on the question's subject.
_MOST_NAMING = 0.5


def telling(names: list[NameMatcher], texts: list[str]) -> list[NameMatcher]:
    """The names that tell the texts apart: not those most of them name."""
    return [name for name in names if sum(map(name.mentioned_in, texts)) <= _MOST_NAMING * len(texts)]


def question_names(question: str, texts_across: list[str]) -> list[NameMatcher]:
    """What a question about the articles names: an English question's names; an Arabic one's
    words that `texts_across`, passages in English, write as a name (names_across)."""
    if detect_language(question) != "ar":
        return [NameMatcher(name) for name in asked_names(question)]
    return names_across(question, texts_across)


def asked_places(question: str, texts: list[str]) -> list[NameMatcher]:
    """The places the question names (rag.gazetteer): its names that are a place's, for an English
    question; for an Arabic one, its words that are a place's name one of `texts` writes in Latin
    script (alone, «الأمن» "security" is also a Dutch town's Arabic name)."""
    if detect_language(question) != "ar":
        matchers = [NameMatcher(words[-1], place=" ".join(words)) for words in _name_words(question)]
        return [matcher for matcher in matchers if matcher.place_names]
    return [matcher for matcher in _question_words(question) if _written_as_place(matcher, texts)]


def _question_words(question: str) -> list[NameMatcher]:
    return [NameMatcher(word) for word in dict.fromkeys(letter_words(question)) if not is_stopword(word)]


def _written_as_place(matcher: NameMatcher, texts: list[str]) -> bool:
    """Whether one of the texts names the place the word may name."""
    return any(map(matcher.names_the_place, texts))


def _all_crossing(matchers: list[NameMatcher]) -> list[NameMatcher]:
    """The names to check in another script: all of them, or none when one of them cannot cross (an
    article on Aleppo in Arabic may or may not be on its Maadi district, whose name reads "md").
    A short acronym is left out: it is spelled out in the other language ("UN" «الأمم المتحدة»)."""
    names = [matcher for matcher in matchers if matcher.crosses_scripts or not matcher.acronym]
    return names if all(matcher.crosses_scripts for matcher in names) else []


# An Arabic word is taken for a name written in Latin script when this share of the other-language
# passages found write a capitalised word with its consonants: «التوخار» "Tokhar" for a question on
# Tokhar. A common word that shares consonants with a rare name («شرق» "Asharq") is not.
_SHARE_WRITING_IT = 0.25


def names_across(question: str, texts: list[str]) -> list[NameMatcher]:
    """The question's names that can be checked in texts of another language: for an English
    question, those that cross scripts; for an Arabic one, which has no capitals, its words that
    are a place's name one of the texts writes («الطبقة» "Tabqa"), those written as a capitalised
    name with the same consonants in a good share of the texts, and those one of the texts writes
    as the romanizer spells them («المعادي» "Maadi": too few consonants to tell by)."""
    if detect_language(question) != "ar":
        return _all_crossing([NameMatcher(name) for name in asked_names(question)])
    writing: dict[str, int] = {}
    capitalised: set[str] = set()
    for text in texts:
        words = {word for word in letter_words(text) if word[:1].isupper() and not is_stopword(word.lower())}
        capitalised |= {word.lower() for word in words}
        for key in {_skeleton(word) for word in words}:
            writing[key] = writing.get(key, 0) + 1
    return [matcher for matcher in _question_words(question) if _written_as_place(matcher, texts)
            or len(matcher.key) >= MIN_SKELETON and writing.get(matcher.key, 0) >= max(1.0, _SHARE_WRITING_IT * len(texts))
            or not matcher.spellings.isdisjoint(capitalised)]
