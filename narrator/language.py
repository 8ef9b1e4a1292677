"""Which language an article is in: its declared language (HTML ``lang``, front matter),
else a small stopword count over its text (pure).

The detector only has to tell English from the languages a reader is likely to feed it
by mistake or on purpose, and it must never call English text foreign: a language wins
only with clearly more of its function words than English has, in a text long enough to
count. Short or unclear text is taken as English, the language narrator's rules read.
"""

from __future__ import annotations

import re

__all__ = ["LANGUAGE_NAMES", "detect_language", "primary", "resolve_language"]

LANGUAGE_NAMES = {
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
}
"""Names for the languages the detector knows, for messages."""

# The most frequent function words of each language, minus those shared with English.
_STOPWORDS = {
    "en": "the and of to in is that it was for on are with as his they be at this have "
    "from or had by but not what all were when we there can an which their said if has",
    "fr": "le la les des du un une et est dans que qui pour pas sur au aux avec ce cette "
    "sont ont il elle ils nous vous leur mais ou être été par plus",
    "de": "der die das und ist nicht ein eine einen dem den des zu mit sich auf für von "
    "auch im wird sind wurde bei aus nach werden oder wie über noch",
    "es": "el la los las de del que y en un una es por con para se su sus al lo como más "
    "pero fue ha este esta son muy también",
    "it": "il lo la gli le di del della che e è un una per con non sono si nel alla dei "
    "delle anche come più ma questo",
    "nl": "de het een en van is dat niet op te zijn met voor er aan ook als bij om maar "
    "nog wordt werd hij zij",
    "pt": "o os a as de do da dos das que e um uma é em no na por com para não se mais "
    "como mas foi ao seu sua",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_MIN_HITS = 12


def primary(tag: str | None) -> str | None:
    """The primary subtag of a BCP 47 tag or locale, lower case: ``en-GB`` and ``en_US``
    are ``en``; None for an empty tag."""
    if not tag:
        return None
    head = re.split(r"[-_]", tag.strip())[0].lower()
    return head or None


def detect_language(text: str) -> str:
    """The language of ``text`` by its function words: ``en`` unless another language
    has at least twice English's count (and enough words to count)."""
    counts = dict.fromkeys(_WORDS, 0)
    for token in _TOKEN.findall(text[:20000].lower()):
        for lang, words in _WORDS.items():
            if token in words:
                counts[lang] += 1
    best = max((lang for lang in counts if lang != "en"), key=lambda lang: counts[lang])
    if counts[best] >= _MIN_HITS and counts[best] >= 2 * counts["en"]:
        return best
    return "en"


def resolve_language(declared: str | None, text: str) -> str:
    """The article's language: the declared one when there is one, else detected."""
    return primary(declared) or detect_language(text)
