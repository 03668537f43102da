"""'How many' questions: which numbers can answer them.

A date is not a count ("30 نوفمبر 2016"), a count can be written in words ("ثمان عشرة محافظة"),
and the right count is the one next to the thing asked about: "250 ألف مدني" answers "how many
civilians", "50 ألف شخص" does not.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from rag.text import is_stopword, normalise, search_tokens

# Dates are numbers that do not answer "how many": a year, a day before a month's name, a weekday
# (Gregorian and Levantine Arabic names, English names; matched on normalised text).
_MONTHS = ("يناير|فبراير|مارس|ابريل|مايو|يونيو|يوليو|اغسطس|سبتمبر|اكتوبر|نوفمبر|ديسمبر|كانون|شباط|اذار|نيسان|ايار|"
           "حزيران|تموز|اب|ايلول|تشرين|january|february|march|april|may|june|july|august|september|october|"
           "november|december")
# A share may be a fraction: "نصف الشعب السوري" answers "how much of the Syrian people".
_FRACTIONS = {"نصف": 0.5, "half": 0.5, "ربع": 0.25, "quarter": 0.25, "ثلث": 1 / 3}
# Counts written in words ("ثمان عشرة محافظة", "أربعة مواقع", "four sites"), as search tokens. Vague
# plurals stay out ("عدة مئات", "عشرات العائلات": "several hundred", "dozens" are no answer to "how many").
_NUMBER_WORDS = frozenset(search_tokens(
    "واحد اثنان اثنين اثنا اثني ثلاث ثلاثة أربع أربعة خمس خمسة ستة سبع سبعة ثمان ثمانية تسع تسعة عشرون عشرين "
    "مئة ألف مليون مليار one two three four five six seven eight nine ten eleven twelve twenty thirty forty "
    "fifty hundred thousand million billion " + " ".join(_FRACTIONS)))
_WEEKDAYS_LIKE_NUMBERS = "الاثنين|الثلاثاء|الاربعاء"  # Monday..Wednesday are "the two/three/four"
_YEAR = r"\b(?:1[89]|20)\d\d\b"
_DATE = re.compile(rf"{_YEAR}|\d{{1,2}}\s*(?:من شهر\s*)?(?:{_MONTHS})\b|\b(?:{_WEEKDAYS_LIKE_NUMBERS})\b")
# Thousands set apart by a space, as French and some English writing does: "300 000 civilians".
_THOUSANDS_SPACED = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d.,])")
# Thousands and the rest joined by "and", as Arabic writes them (normalised): «ألف و71» is 1071,
# «3 آلاف و500» 3500.
_THOUSANDS_AND = re.compile(r"(?:(?<![\d.,])(\d{1,3}) )?(?:الف|الاف) و ?(\d{1,3})(?![\d.,])")
# Questions whose answer is a number.
_QUANTITY = re.compile(r"(^|\s)كم(\s|$)|how (many|much)|number of|عدد|نسبة|percentage|share", re.IGNORECASE)
# A question about a share is answered by a percentage ("4 – 5 %", "95%", "30 بالمئة").
_SHARE = re.compile(r"نسبة|percentage|share|proportion|how much of\b", re.IGNORECASE)
_PERCENT = {"%", "بالمئة", "بالمائة", "percent", "per"}  # ... or by a fraction (_FRACTIONS)
# Words that open a count of some of those just counted: "51 civilians including 4 children", «بينهم 4 أطفال».
_INCLUDING = frozenset(normalise("including among بينهم منهم بينها منها").split())
COUNT_WINDOW = 3  # tokens either side of a number: "250 ألف مدني"
# Words either side of a number where what happened to those counted is read: an Arabic verb comes
# first, with its subject between ("أعدمت قوات النظام والمليشيات ميدانياً 67 رجلاً"); an English one
# after the subject ("73 civilians mostly women and children were killed").
EVENT_WINDOW = 8


def years(text: str) -> set[str]:
    """The years a text names ("2016", "٢٠١٦"; not a decade such as "the 1980s")."""
    return set(re.findall(rf"{_YEAR}(?!['’]?s\b)", normalise(text)))


def asks_how_many(question: str) -> bool:
    return bool(_QUANTITY.search(question))


def counts_asked_thing(terms: set[str], text: str) -> bool:
    """A number next to a word of the question: "250 ألف مدني" counts what "how many civilians"
    asks about, "50 ألف شخص" does not."""
    tokens = _count_tokens(text)
    return any(_is_number(token) and any(_same_word(near, term) for term in terms
                                         for near in tokens[max(0, i - COUNT_WINDOW):i + COUNT_WINDOW + 1])
               for i, token in enumerate(tokens))


# What a question counts: the words after "how many" / "كم" / "عدد" ("how many chemical weapons inspectors").
_ASKED_THING = re.compile(r"how (?:many|much)\s+(\S+(?:\s+\S+){0,2})|(?:^|\s)كم\s+(\S+(?:\s+\S+)?)|"
                          r"(?:number|share|percentage) of\s+(\S+(?:\s+\S+){0,2})|(?:عدد|نسبة)\s+(\S+(?:\s+\S+)?)",
                          re.IGNORECASE)


COUNT_NOUNS = frozenset(search_tokens("عدد number numbers نسبة percentage share"))
# The events news counts people by, as stems (Arabic and English), checked in this order.
_EVENTS = {name: [stem for word in words.split() for stem in search_tokens(word)] for name, words in {
    # Executions are killings, but a count of the dead does not say how many were executed.
    "executed": "اعدام إعدام أعدم أعدمت إعدامات executed execute executions execution",
    "killed": "قتل مقتل قتيل قتلى قتيلا ارتقاء ضحايا بحياة killed dead died deaths death victims lives",
    "wounded": "جرح جرحى جريح أصيب إصابة مصابين wounded injured injuries",
    "fled": "فر نزح نزوح هرب مهجرين fled displaced refugees",
    "detained": "اعتقل اعتقال معتقلين detained arrested prisoners",
}.items()}
# The nouns news counts people by, as stems of both languages: the noun after a number counts what the
# question counts when it is the same word or in the same group ("100 ألف مدني" for "how many civilians").
_COUNTED_GROUPS = [frozenset(search_tokens(words)) for words in (
    "مدني مدنيين مدنيون مدنيا civilian civilians",
    "شخص أشخاص اشخاص شخصا نسمة people person persons",
    "طفل أطفال اطفال طفلا child children",
    "امرأة نساء سيدة سيدات woman women",
    "رجل رجال رجلا man men",
    "مقاتل مقاتلين مقاتلون مقاتلا fighter fighters militant militants",
    "جندي جنود عسكري عسكريين soldier soldiers troops",
    "عائلة عائلات أسرة أسر family families",
)]
_PEOPLE = _COUNTED_GROUPS[1]
_PEOPLE_GROUPS = _COUNTED_GROUPS[:-1]  # a family is no person
_MULTIPLIERS = {"الف": 1_000, "الاف": 1_000, "thousand": 1_000, "مليون": 1_000_000, "million": 1_000_000}
# Arabic counts in words, normalised (both genders of 3-10; "ثمان عشره" is 18, "خمسه وعشرون" 25).
# English ones go through text2num's alpha2digit, which has no Arabic.
_ARABIC_UNITS = {word: value for value, words in enumerate((
    "", "واحد واحده", "اثنان اثنين اثنتان اثنتين", "ثلاث ثلاثه", "اربع اربعه", "خمس خمسه", "ست سته",
    "سبع سبعه", "ثمان ثماني ثمانيه", "تسع تسعه", "عشر عشره")) for word in words.split()}
_ARABIC_TENS = {word: 10 * value for value, words in enumerate((
    "", "", "عشرون عشرين", "ثلاثون ثلاثين", "اربعون اربعين", "خمسون خمسين", "ستون ستين", "سبعون سبعين",
    "ثمانون ثمانين", "تسعون تسعين")) for word in words.split()}


def asked_counts(question: str, text: str) -> list[float]:
    """The values of the counts of what the question counts: the noun right after the number (and
    its "ألف"/"thousand") must be the question's counted noun. "100 ألف مدني" answers "كم مدنياً
    محاصراً" (100000.0); "93 قتيلاً مدنياً" counts the dead, not the civilians besieged."""
    head = counted_noun(question)
    event = _event(search_tokens(question))
    share = bool(_SHARE.search(question))
    words = _in_digits(_thousands_joined(_DATE.sub(" ", normalise(text))).replace("%", " % ").split())
    values = []
    for i, word in enumerate(words):
        if share and (fraction := next((_FRACTIONS[form] for form in _with_conjunction_off(word) if form in _FRACTIONS),
                                       None)):
            values.append(fraction)
            continue
        digits = word.replace(",", "")
        if head is None or not re.fullmatch(r"\d+(\.\d+)?", digits):
            continue
        multiplier = _MULTIPLIERS.get(words[i + 1], 1) if i + 1 < len(words) else 1
        noun = words[i + 1 + (multiplier > 1)] if i + 1 + (multiplier > 1) < len(words) else ""
        counts_it = (share and noun in _PERCENT) or any(_same_noun(token, head) for token in search_tokens(noun))
        if counts_it and _event_of_count(words, i) == event:
            values.append(float(digits) * multiplier)
    return values


def _thousands_joined(text: str) -> str:
    """Normalised text with each number written in parts as one: "300 000", «ألف و71» -> "1071"."""
    return _THOUSANDS_AND.sub(lambda number: str(int(number[1] or 1) * 1000 + int(number[2])), _spaces_joined(text))


def _spaces_joined(text: str) -> str:
    return _THOUSANDS_SPACED.sub(lambda number: number[0].replace(" ", ""), text)


def _in_digits(words: list[str]) -> list[str]:
    """Counts written in words, as digits: "eight civilians" -> "8 civilians", «ثمانيه مدنيين» -> "8 مدنيين"."""
    words = alpha2digit(" ".join(words), "en").split()
    digits, i = [], 0
    while i < len(words):
        value = _ARABIC_UNITS.get(words[i]) or _ARABIC_TENS.get(words[i])
        after = words[i + 1] if i + 1 < len(words) else ""
        if value is None:
            digits.append(words[i])
        elif value < 10 and after in ("عشر", "عشره"):
            digits.append(str(value + 10))
            i += 1
        elif value < 10 and after.startswith("و") and after[1:] in _ARABIC_TENS:
            digits.append(str(value + _ARABIC_TENS[after[1:]]))
            i += 1
        else:
            digits.append(str(value))
        i += 1
    return digits


_NUMBER_AND_MULTIPLIER = re.compile(r"(\d+(?:[.,]\d+)*)(?:\s+(\S+))?")


def number_values(text: str) -> set[str]:
    """Each number of a text as written (thousands' commas dropped) and, when "ألف", "thousand" or
    "million" follows it or it is written in parts («ألف و71»), as its value: "100 ألف" ->
    {"100", "100000"} holds "100,000"'s {"100000"}."""
    values, text = set(), _spaces_joined(normalise(text))
    # Both «ألف و71» (1071) and its parts as written (71): a quote may give either.
    for digits, after in _NUMBER_AND_MULTIPLIER.findall(f"{_thousands_joined(text)} {text}"):
        digits = digits.replace(",", "")
        values.add(digits)
        if after in _MULTIPLIERS and re.fullmatch(r"\d+(\.\d+)?", digits):
            value = float(digits) * _MULTIPLIERS[after]
            values.add(f"{value:.0f}" if value.is_integer() else str(value))
    return values


def counted_noun(question: str) -> str | None:
    """The stem of what a "how many" question counts: "مدني" for "كم مدنياً محاصراً", "civilian"."""
    return next((token for token in search_tokens(asked_thing(question)) if token not in COUNT_NOUNS), None)


def _event(tokens: list[str]) -> str | None:
    """What happened to the people counted, when the words say: "killed", "wounded", "fled"... A
    count of the dead does not answer how many were besieged (None: no such word)."""
    return next((name for name, stems in _EVENTS.items()
                 if any(_same_word(form, stem) for token in tokens for form in _with_conjunction_off(token)
                        for stem in stems)), None)


def _event_of_count(words: list[str], i: int) -> str | None:
    """What happened to those the number words[i] counts: the event word nearest to it, on either
    side, within EVENT_WINDOW words and not past another number, which has events of its own
    ("the death toll at 85 adding that 50 civilians were also wounded": 50 were wounded), unless
    that number counts some of them ("51 civilians including four children were killed")."""
    sides = (range(i - 1, max(-1, i - 1 - EVENT_WINDOW), -1), range(i + 1, min(len(words), i + 1 + EVENT_WINDOW)))
    nearest = []
    for side in sides:
        for j in side:
            if words[j][:1].isdigit() and not (j > i and words[j - 1] in _INCLUDING):
                break
            if (found := _event(search_tokens(words[j]))) is not None:
                nearest.append((abs(j - i), found))
                break
    return min(nearest)[1] if nearest else None


def _with_conjunction_off(token: str) -> tuple[str, ...]:
    """A word, and without the "and"/"so" Arabic joins to it ("وفر" "and fled" -> "فر")."""
    return (token, token[1:]) if token[:1] in ("و", "ف") and len(token) > 2 else (token,)


def is_event_word(token: str) -> bool:
    """"killed", "مقتل", "نزوح"...: words of what happened to the people counted."""
    return _event([token]) is not None


def asked_thing(question: str) -> str:
    """The phrase naming what a "how many" question counts ('' if none is found), up to its first
    function word: "interceptions", not "interceptions are the" (the verb and what follows are
    not what is counted, and across languages the phrase is compared by meaning)."""
    match = _ASKED_THING.search(question)
    phrase = next((group.strip(" ?؟") for group in match.groups() if group), "") if match else ""
    words = phrase.split()
    content = [not is_stopword(word.strip(" ?؟,.،")) for word in words]
    start = content.index(True) if any(content) else 0  # "how many of the victims": "victims"
    end = content.index(False, start) if False in content[start:] else len(words)
    return " ".join(words[start:end])


def count_phrases(text: str) -> list[str]:
    """Each count of the text (not a date) with the words around it: "نحو 250 ألف مدني من"."""
    words = _DATE.sub(" ", normalise(text)).split()
    return [" ".join(words[max(0, i - 1):i + COUNT_WINDOW + 1]) for i, word in enumerate(words)
            if _is_number(word) or word in _NUMBER_WORDS]


def _same_noun(noun: str, head: str) -> bool:
    """Whether a number's noun counts what the question's head noun does: the same word, a word of
    its group, or, for "people", any group of people ("67 رجلاً" counts people executed)."""
    return _same_word(noun, head) or any(noun in group and head in group for group in _COUNTED_GROUPS) or (
        head in _PEOPLE and any(noun in group for group in _PEOPLE_GROUPS))


def _same_word(a: str, b: str) -> bool:
    """Light stems of one word can differ by a letter ("مدنياً" -> "مدني", "مدني" -> "مدن")."""
    short, long = sorted((a, b), key=len)
    return a == b or len(short) >= 3 and long.startswith(short)


def has_count(text: str) -> bool:
    """Whether the text holds a number, in digits or words, that is not part of a date."""
    return any(_is_number(token) for token in _count_tokens(text))


def _count_tokens(text: str) -> list[str]:
    return search_tokens(_DATE.sub(" ", normalise(text)))


def _is_number(token: str) -> bool:
    return token[0].isdigit() or token in _NUMBER_WORDS
