"""Text normalization: written text -> the words a speech engine should say.

::

    normalize(text)  one sentence or line in, speakable words out; never raises on a str
      prepare        language-independent: drop control characters and emoji, unify spaces
      lexicon        pronunciation overrides from voices/lexicon.toml (words, then patterns)
      rules          per language (narrator.normalize.en): stray markup, links, codes,
                     addresses, dates, times, money, measures, numbers, titles,
                     initialisms, symbols
      tidy           collapse spaces

Pure: no I/O except :meth:`Lexicon.load` / :meth:`Lexicon.default` reading TOML.
A language is a subpackage with a ``normalize_<lang>(text, *, read_urls)`` function and its
word tables as data; register it in ``_LANGUAGES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from narrator.normalize._text import prepare, tidy
from narrator.normalize.en import normalize_en
from narrator.normalize.lexicon import Lexicon

__all__ = ["LANGUAGES", "Lexicon", "NormalizeOptions", "normalize"]

_LANGUAGES: dict[str, Callable[..., str]] = {"en": normalize_en}

LANGUAGES: tuple[str, ...] = tuple(sorted(_LANGUAGES))
"""The languages with their own rules; any other language is read with the English rules."""


@dataclass(frozen=True)
class NormalizeOptions:
    """How to normalize."""

    language: str = "en"
    """BCP 47 tag; only the primary subtag counts ("en-GB" -> "en"). Languages without
    rules fall back to English, so an unknown tag never fails a narration."""

    urls: Literal["read", "drop"] = "read"
    """Read links and e-mail addresses aloud ("example dot com") or leave them out."""


_DEFAULT_OPTIONS = NormalizeOptions()
_CLOSERS = "\"'”’)]"
_STOPS = (".", "!", "?", "…")


def normalize(
    text: str, *, lexicon: Lexicon | None = None, options: NormalizeOptions | None = None
) -> str:
    """Turn one sentence or line of written text into the words to speak.

    Numbers, dates, times, money, measures, abbreviations, initialisms, links and symbols
    become words; sentence punctuation and quotes stay for prosody; emoji and control
    characters go. ``lexicon`` entries are applied first (pass :meth:`Lexicon.default` for
    the shipped one; ``None`` applies none). Never raises for any ``str``.
    """
    opts = options or _DEFAULT_OPTIONS
    rules = _LANGUAGES.get(opts.language.split("-")[0].lower(), normalize_en)
    text = prepare(text)
    if lexicon is not None:
        text = lexicon.apply(text)
    spoken = tidy(rules(text, read_urls=opts.urls == "read"))
    if text.endswith(".") and spoken and not spoken.rstrip(_CLOSERS).endswith(_STOPS):
        # A rule that ate a final abbreviation's period ("at 5 p.m.") also ate the full
        # stop, and the engine needs it to end the sentence's intonation.
        spoken += "."
    return spoken
