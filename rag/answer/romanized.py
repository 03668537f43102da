"""Arabic names of people in Latin letters, for English answers: "250,000 according to Brita Haji Hassan".

An English answer gathered from Arabic reports says who gave each figure or quote. A person's name
is romanized by `arabic-name-romanizer` (PyPI, MIT): about 60,000 attested spellings of Arabic
names, and a small ONNX model for the words it does not hold; offline, a few milliseconds a name.
Anything else stays as the article writes it: a description or an organisation ("الدفاع المدني
السوري", "مصادر ميدانية") romanized ("Al-Daffa Al-Madani al-Souri") would read as somebody's name.

The same spellings find an Arabic question's names in English passages («المعادي» "Maadi",
rag.answer.names): names too short to match by their consonants.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import has_arabic

# A word the name dictionary attests this often is a name: given names run to tens or thousands
# (حاجي 26, حسن 965, محمد 4,540), words that are also somebody's name to a handful (المدني 3, وزير 4).
_ATTESTED = 20
_MOST_WORDS = 4  # a person's full name; a longer speaker is a description ("مدير المرصد ... رامي عبد الرحمن")
_ARTICLE = re.compile(r"^(?:al|el)[-\s]+", re.IGNORECASE)
_SHORTEST_SPELLING = 4  # "de", "Hi", "Dor": common Latin words as often as names


@lru_cache(maxsize=4096)
def in_latin_letters(speaker: str) -> str:
    """The speaker, romanized when it is an Arabic person's name: a few words, the first without
    the article (a description starts with one: «الطفل عمار», «السيد ...»), one of them an
    attested name."""
    words = speaker.split()
    if not words or not has_arabic(speaker) or len(words) > _MOST_WORDS or words[0].startswith("ال"):
        return speaker
    best = _romanizer().transliterate(speaker, top_k=2)[0]  # top_k=1 gives bare text, without the units
    return best.text if any(unit.count >= _ATTESTED for unit in best.units) else speaker


@lru_cache(maxsize=65_536)
def latin_spellings(word: str) -> frozenset[str]:
    """How English news may write an Arabic word that is a name, lower-case, without the article:
    «المعادي» {"maadi"}, «حمرة» {"hamra"}, «الطبقة» {"tabqa", "tabaka"}; the romanizer's two best."""
    if not has_arabic(word):
        return frozenset()
    spellings = (_ARTICLE.sub("", candidate.text).lower() for candidate in _romanizer().transliterate(word, top_k=2))
    return frozenset(spelling for spelling in spellings if len(spelling) >= _SHORTEST_SPELLING)


@lru_cache(maxsize=1)
def _romanizer():
    from arabic_name_romanizer import Transliterator  # its name dictionary opens in about half a second

    return Transliterator()
