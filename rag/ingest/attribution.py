"""Who a sentence says is speaking or reporting: "قال الدفاع المدني السوري إن ..." -> الدفاع المدني السوري;
"... according to the Syrian Observatory" -> the Syrian Observatory.

    >>> [(a.start, a.end, a.speaker) for a in attribute(document.text)]

Found from the reporting forms of Arabic and English news: a reporting verb and its subject
(قال، أفاد، ذكر، أكد، أعلن، أشار، دعا ... / said, told, reported, added ...), a prepositional
source (وفق، بحسب، نقلاً عن / according to), a headline's subject before a present-tense verb
("المرصد يدعو ..."), and the topic form "أما X، فـ...". A sentence that continues a report with no
subject of its own ("وأضاف أن ...", "He added ...") keeps the previous sentence's speaker.
Precision and recall on annotated sentences: `python -m eval.benchmark_attribution`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import takewhile

from rag.text import sentence_spans

ATTRIBUTION_VERSION = 6  # recorded in the index manifest: a change here re-attributes old indexes
_MARKS = "[\u064b-\u0652\u0670\u0640]*"  # diacritics and tatweel may sit between any two letters
_VERBS = ("قال قالت أفاد أفادت ذكر ذكرت أكد أكدت أعلن أعلنت أشار أشارت أوضح أوضحت صرح صرحت لفت لفتت "
          "تابع تابعت أضاف أضافت بين نقل نقلت دعا دعت طالب طالبت حذر حذرت اعتبر اعتبرت شدد شددت كتب كتبت "
          "وجه وجهت حمل حملت بث بثت اقترح اقترحت أبدى أبدت أعرب أعربت تناقل تناقلت نفى نفت أوردت أورد").split()
_HEADLINE_VERBS = "يدعو تدعو يعلن تعلن يدين تدين يقول تقول يؤكد تؤكد يحذر تحذر يطالب تطالب ينفي تنفي".split()


def _tolerant(word: str) -> str:
    """The word as news text may write it: with or without diacritics, hamza on alef or not."""
    return _MARKS.join("[أإآا]" if letter in "أإآا" else re.escape(letter) for letter in word) + _MARKS


_VERB = re.compile(r"(?:^|(?<=[\s،,؛:\"«(]))(?:و|ف)?(?:" + "|".join(_tolerant(v) for v in _VERBS) + r")(?=[\s:،,\"«]|$)")
_PREPOSITION = re.compile(r"(?:^|(?<=[\s،,\"«(]))(?:و|ف)?(?:وفق(?:ا|اً)?\s+ل|وفق(?=\s)|بحسب|حسب|نقلا\s+عن|نقلاً\s+عن)")
_WHAT_VERB = re.compile(r"^\s*ما\s+(?:" + "|".join(_tolerant(v) for v in _VERBS) + r")(?=\s)")  # "وفق ما أفاد X"
_HEADLINE = re.compile(r"^\s*((?:[\u0621-\u064a\u0671-\u06d3]+\s+){0,2}[\u0621-\u064a\u0671-\u06d3]+)\s+(?:"
                       + "|".join(_HEADLINE_VERBS) + r")(?=\s)")
_TOPIC = re.compile(r"^\s*أما\s+([^،,]{2,60}?)\s*[،,]\s*ف")
_WAS = re.compile(r"(?:^|\s)(?:و)?كان\s+((?:\S+\s+){1,8}?)(?:" + "|".join(_tolerant(v) for v in _VERBS) + r")(?=\s)")

# Words that end a speaker's name: conjunctions of reported speech, prepositions, time words.
_AR_STOPS = set("إن أن ان إنه أنه انه إنها أنها انها إنهم أنهم بأن بان في على إلى الى عن خلال اليوم أمس امس "
                "الذي التي الذين اللذين لدى مع منذ بعد قبل حول أثناء".split())
_NO_SUBJECT = {"الانتباه", "النظر", "القول"}  # fixed phrases: "لفت الانتباه إلى" has no subject
_MAX_SPEAKER_WORDS = 8
_NAME_WORDS = 4  # a person's full name; a longer speaker is a phrase ("the head of the local council")

_EN_REPORTING = ("said says told reported reports added announced warned stated claimed relayed confirmed "
                 "denied noted wrote explained stressed stresses condemned condemns urged urges").split()
# "claimed the lives of 73", "claimed more than 100 civilian lives": a toll, not a report.
_TOLL = r"(?!\s+(?:[\w,]+\s+){0,5}?lives?\b)"
_EN_VERB = re.compile(r"\b(" + "|".join(verb + _TOLL * (verb == "claimed") for verb in _EN_REPORTING) + r")\b")
_EN_BY = re.compile(r"\b(?:said|reported|announced|confirmed|claimed|stated)\s+by\s+((?:the\s+)?(?:[A-Z][\w'-]*\s?)+)")
_EN_ACCORDING = re.compile(r"\baccording to\s+([^,.;:\"]{2,80})", re.IGNORECASE)
_EN_PRONOUNS = ("he", "she", "they", "it")
_EN_PRONOUN_CONTINUES = re.compile(r"^\s*[\"“]?(" + "|".join(_EN_PRONOUNS) + r")\s+" + _EN_VERB.pattern, re.IGNORECASE)
# Words that open a quote, not a name, after its verb ('said This was horrific', 'said The gangs ...').
_EN_NOT_NAMES = {"the", "a", "an", "this", "that", "these", "those", "we", "i", "there", *_EN_PRONOUNS}
_EN_NOUN_WORDS = set("the a an of for and group monitor official officials spokesman spokeswoman ministry military "
                     "agency council member members source sources minister director head chief activists activist "
                     "observatory rights human state news media local opposition government army forces based "
                     "monitoring residents witness witnesses doctors medics defence defense civil coalition statement "
                     "television tv channel correspondent reporter spokesperson authorities police rescuers".split())
_EN_DETERMINERS = {"the", "a", "an"}
_EN_PREPOSITIONS = {"of", "for", "in", "at", "on", "to", "from", "with"}
_EN_STOPS = set("monday tuesday wednesday thursday friday saturday sunday january february march april may june "
                "july august september october november december".split())


@dataclass(frozen=True)
class Attribution:
    start: int  # the sentence, as offsets into the text
    end: int
    speaker: str  # as the text writes it (a surname as the article first wrote the full name)


def attribute(text: str) -> list[Attribution]:
    """The speaker of each sentence of `text` that has one."""
    found, previous, open_clause = [], None, False
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        speaker, continues = _speaker(sentence)
        if speaker is None and (continues or open_clause):  # "؛" does not end a report: the next part is its own
            speaker = previous
        elif speaker and " " not in speaker:
            speaker = _full_name(speaker, found)
        if speaker:
            found.append(Attribution(start, end, speaker))
        previous, open_clause = speaker, sentence.rstrip().endswith("؛")
    return found


def _full_name(surname: str, earlier: list[Attribution]) -> str:
    """A speaker named by one word, as the article first named them ("وقال حسن" -> بريتا حاجي حسن;
    "Hassan said" -> Brita Hagi Hassan): the latest earlier speaker of a few words ending in it."""
    return next((a.speaker for a in reversed(earlier)
                 if a.speaker.endswith(" " + surname) and len(a.speaker.split()) <= _NAME_WORDS), surname)


def speaker_at(attributions: list[dict], start: int, end: int) -> str | None:
    """The speaker of the first attributed sentence overlapping [start, end) (stored form: dicts)."""
    return next((a["speaker"] for a in attributions if a["start"] < end and start < a["end"]), None)


def _speaker(sentence: str) -> tuple[str | None, bool]:
    """(speaker, continues): continues is True when the sentence reports with no subject of its own."""
    if re.search(r"[\u0621-\u064a]", sentence):
        return _arabic_speaker(sentence)
    return _english_speaker(sentence)


def _arabic_speaker(sentence: str) -> tuple[str | None, bool]:
    for pattern in (_TOPIC, _HEADLINE, _WAS):
        if match := pattern.search(sentence):
            return _trimmed(match.group(1).split()), False
    # A reporting verb's own subject first ("وبحسب الدائرة الإعلامية أشار مصطفى": مصطفى), then a
    # prepositional source; a "verb" right after a preposition is a noun ("على وجه الخصوص").
    verbs = [(m.end(), "verb") for m in _VERB.finditer(sentence)
             if sentence[:m.start()].split()[-1:] not in (["على"], ["في"], ["من"], ["إلى"], ["عن"])]
    hits = sorted(verbs) + sorted((m.end(), "preposition") for m in _PREPOSITION.finditer(sentence))
    continues = False
    for position, kind in hits:
        rest = sentence[position:]
        if kind == "preposition" and (what := _WHAT_VERB.match(rest)):
            rest = rest[what.end():]
        subject = _arabic_subject(rest)
        if subject:
            return subject, False
        continues = continues or kind == "verb"
    return None, continues


def _arabic_subject(rest: str) -> str | None:
    rest = rest.lstrip()
    if rest[:1] in "\"«“":  # a quoted name: "المجلس المحلي لمحافظة دير الزور"
        closing = re.search(r"[\"»”]", rest[1:])
        return rest[1:closing.start() + 1].strip() if closing else None
    if not rest or rest[0] in ":،,؛.":
        return None
    words = []
    for word in rest.split()[:_MAX_SPEAKER_WORDS]:
        bare = re.sub(_MARKS, "", word).strip("\"«»“”()")
        # An adverbial accusative ("مصوِّراً", "كلًا") is not part of a name.
        if bare in _AR_STOPS or bare in _NO_SUBJECT or re.search(r"(اً|ًا)[\"»”،,:؛]*$", word):
            break
        words.append(bare)
        if re.search(r"[،,:؛]$", word) or re.search(r"\d", bare):
            break
    return _trimmed(words)


def _english_speaker(sentence: str) -> tuple[str | None, bool]:
    if _EN_PRONOUN_CONTINUES.match(sentence):
        return None, True
    if match := _EN_BY.search(sentence):  # "was announced by the Kurdish YPG militia"
        return _trimmed(match.group(1).split()), False
    for match in _EN_VERB.finditer(sentence):
        if sentence[:match.start()].split()[-1:] in (["the"], ["its"], ["their"]):
            continue  # a noun: "cannot verify the reports"
        after = re.match(r"\s+((?:[A-Z][\w.'-]*\s?){1,5})", sentence[match.end():])  # '"...," said John Smith'
        # "said Saturday": a day or a month after the verb is when, not who.
        name = after and _trimmed(list(takewhile(lambda word: word.strip(".,").lower() not in _EN_STOPS,
                                                 after.group(1).split())))
        inverted = (match.group(1) not in ("told", "urged", "urges", "condemned", "condemns")  # their object is not the speaker
                    and bool(name) and name.split()[0].lower() not in _EN_NOT_NAMES)
        if inverted and not sentence[:match.start()].rstrip().endswith(_EN_PRONOUNS):
            return name, False
        if speaker := _name_before(sentence[:match.start()]) or _leading_name(sentence[:match.start()]):
            return speaker, False  # "... the Observatory said"; "The Observatory, which ..., said"
    if match := _EN_ACCORDING.search(sentence):
        return _trimmed(_one_phrase(match.group(1).split()[:_MAX_SPEAKER_WORDS])), False
    return None, False


def _name_before(clause: str) -> str | None:
    """The noun phrase right before a reporting verb: from its determiner when it ends in a role
    word or a name ("the aid group", "a monitor"), else walking back over names and role words."""
    tail = re.split(r"[,;:\"“”()]", clause)[-1].split()[-_MAX_SPEAKER_WORDS:]
    determiners = [i for i, word in enumerate(tail) if word.lower() in _EN_DETERMINERS]
    if determiners and len(tail) - determiners[-1] > 1 and _names_someone(tail[-1]):
        return _trimmed(tail[determiners[-1]:])
    words = []
    for word in reversed(tail):
        if word.lower() in _EN_STOPS or not _names_someone(word):  # determiners are among the role words
            break
        words.insert(0, word)
    while words and words[0].lower() in {"and", "of", "for"}:
        words.pop(0)
    return _trimmed(words)


def _names_someone(word: str) -> bool:
    """A name, a hyphenated qualifier ("Britain-based") or a role word, singular or plural ("monitors")."""
    bare = word.lower().strip(".")
    return word[:1].isupper() or "-" in word or bare in _EN_NOUN_WORDS or bare.removesuffix("s") in _EN_NOUN_WORDS


def _leading_name(clause: str) -> str | None:
    """The capitalised noun phrase a clause opens with ("The Syrian Civil Defence a group of ...",
    "Amnesty, which ..."). A sentence's first word is capitalised whatever it is ("Earlier this
    month", "At least 45"): alone, it is a name only when a comma sets it apart."""
    words = []
    for word in clause.split()[:_MAX_SPEAKER_WORDS]:
        if not (word[:1].isupper() or word.lower() in {"of", "for", "the", "and"}) or word.lower() in _EN_STOPS:
            break
        words.append(word)
        if word.endswith(","):
            break
    while words and words[-1].lower() in {"of", "for", "the", "and"}:
        words.pop()
    capitalised = [i for i, w in enumerate(words) if w[:1].isupper() and w.lower() != "the"]
    named = any(i > 0 for i in capitalised) or (capitalised and words[-1].endswith(","))
    return _trimmed(words) if named else None


def _one_phrase(words: list[str]) -> list[str]:
    """Up to the next determiner that no preposition introduces, or a reporting verb: there the
    sentence goes on ("according to Sputnik news agency the US warplanes ..."; not "the head of
    the council"). A phrase with neither determiner nor name is one word, or two when the second
    is a role word ("local sources"; "according to reports tens of thousands ...": reports)."""
    if words and not (words[0][:1].isupper() or words[0].lower() in _EN_DETERMINERS):
        return words[:2] if len(words) > 1 and words[1].lower() not in _EN_DETERMINERS | {"of", "for", "and"} \
            and _names_someone(words[1]) else words[:1]
    for i in range(1, len(words)):
        if _EN_VERB.fullmatch(words[i]):  # "according to the source claimed ...": the source
            return words[:i]
        if words[i].lower() in _EN_DETERMINERS and words[i - 1].lower() not in _EN_PREPOSITIONS:
            return _without_dangling(words[:i])
    return words


def _without_dangling(words: list[str]) -> list[str]:
    """Less a last "and", "or" or preposition that joined the next phrase: "according to the
    Syrian National Coalition and the Syrian Observatory ...": the Syrian National Coalition."""
    while len(words) > 1 and words[-1].lower() in _EN_PREPOSITIONS | {"and", "or"}:
        words = words[:-1]
    return words


def _trimmed(words: list[str]) -> str | None:
    speaker = " ".join(words).strip(" ،,:؛.\"«»“”")
    return speaker if re.search(r"\w{2}", speaker) else None
