"""Does a question lean on the conversation before it? ("And how many children?", "ماذا عن إدلب؟",
"What did he say there?"). Only such questions are joined with the history; a self-contained
question is searched alone, whatever came before it.

The signals are the language's own markers of a continued thought: a leading conjunction or
"what about", a pronoun or place/time deictic standing for something named earlier, or a
question too short to name anything itself.
"""

from __future__ import annotations

import re

from rag.text import detect_language, search_tokens

_ENGLISH_OPENERS = re.compile(r"^\s*(and|but|also|so|then|what about|how about|what else|why not)\b", re.IGNORECASE)
_ENGLISH_REFERENCES = re.compile(
    r"\b(he|she|they|him|her|them|his|hers|their|theirs|it|its|there|then|that|those|these|this|the same|"
    r"the former|the latter|who else|else)\b", re.IGNORECASE)
# و/ف before a question word, or "what about"; then the detached pronouns and deictics.
_ARABIC_OPENERS = re.compile(r"^\s*(و|ف)\s*(كم|ماذا|ما|من|متى|أين|اين|هل|لماذا|كيف|أي)(?![\u0621-\u064a])|^\s*(و\s*)?ماذا عن")
_ARABIC_REFERENCES = re.compile(
    r"(^|\s)(هو|هي|هم|هما|هن|هناك|هنالك|ذلك|تلك|هذا|هذه|هؤلاء|أولئك|نفسه|نفسها|آنذاك|حينها|عندئذ|أيضا|أيضاً)(?=\s|[؟?.!،]|$)")
_SELF_CONTAINED_WORDS = 3  # content words a question needs to name its own subject


def needs_context(question: str) -> bool:
    if len(search_tokens(question)) < _SELF_CONTAINED_WORDS:
        return True
    if detect_language(question) == "ar":
        return bool(_ARABIC_OPENERS.search(question) or _ARABIC_REFERENCES.search(question))
    return bool(_ENGLISH_OPENERS.search(question) or _ENGLISH_REFERENCES.search(question))
