"""Spoken words -> written words: which words of a sentence as written were being said when
(pure).

The engine times the words it was given, which are the normalizer's output ("four point
five billion dollars"), but a reader highlights the sentence as written ("$4.5 billion").
The normalizer is a black box here (text in, text out), so the two word sequences are
aligned monotonically: words that read the same on both sides are anchors, and each span
between two anchors maps as a group (the written "$4.5" to the spoken "four point five").
A spoken word with no written counterpart ("dollars", moved after "billion") joins the
written word before it; a written word that is not said at all (a dash) gets no time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

from .models import WordTiming

__all__ = ["TimedWord", "time_words", "written_words"]

TimedWord = tuple[str, int, int]
"""A spoken word and when it is heard: (text, start_ms, end_ms)."""

_TOKEN = re.compile(r"\S+")
# Punctuation that wraps a word without being read; currency and percent signs stay, as
# they are part of what the word says.
_WRAP = "\"'“”‘’«»()[]{}<>,.;:!?…—–-*_/\\|"


def written_words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` with their offsets: whitespace tokens with the punctuation
    around them stripped (``text[start:end] == word``), tokens of punctuation left out."""
    found = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        while start < end and text[start] in _WRAP:
            start += 1
        while end > start and text[end - 1] in _WRAP:
            end -= 1
        if start < end and any(ch.isalnum() for ch in text[start:end]):
            found.append((text[start:end], start, end))
    return found


def _key(word: str) -> str:
    """What a word reads as, for matching: letters and digits, folded, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def time_words(text: str, spoken: Sequence[TimedWord]) -> tuple[WordTiming, ...]:
    """The written words of ``text``, each timed by the spoken words it became.

    Times never go backwards, every spoken word lies inside the timing of the written
    word it belongs to, and offsets slice ``text`` exactly.
    """
    written = written_words(text)
    if not written or not spoken:
        return ()
    matcher = SequenceMatcher(
        None, [_key(w[0]) for w in written], [_key(s[0]) for s in spoken], autojunk=False
    )
    # For each written word, the range of spoken words it covers (or None).
    cover: list[tuple[float, float] | None] = [None] * len(written)
    pending_start: float | None = None  # spoken words before any written word
    last_written: int | None = None
    for tag, i0, i1, j0, j1 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i1 - i0):
                _, a, b = spoken[j0 + k]
                cover[i0 + k] = (a, b)
            last_written = i1 - 1
        elif tag == "replace":
            start, end = spoken[j0][1], spoken[j1 - 1][2]
            if i1 - i0 == j1 - j0:  # a respelled word each ("Maduro" said "Madooro")
                for k in range(i1 - i0):
                    cover[i0 + k] = (spoken[j0 + k][1], spoken[j0 + k][2])
            else:  # a group: its time shared by the written words' lengths
                lengths = [max(1, len(written[i][0])) for i in range(i0, i1)]
                total = sum(lengths)
                cursor = float(start)
                for i, length in zip(range(i0, i1), lengths, strict=True):
                    share = (end - start) * length / total
                    cover[i] = (cursor, cursor + share)
                    cursor += share
            last_written = i1 - 1
        elif tag == "insert":  # spoken only: belongs to the written word before it
            end = spoken[j1 - 1][2]
            previous = cover[last_written] if last_written is not None else None
            if last_written is not None and previous is not None:
                cover[last_written] = (previous[0], max(previous[1], end))
            elif pending_start is None:
                pending_start = spoken[j0][1]
        # "delete": written only (not said), no time
    if pending_start is not None:
        first = next((i for i, c in enumerate(cover) if c is not None), None)
        found = cover[first] if first is not None else None
        if first is not None and found is not None:
            cover[first] = (min(found[0], pending_start), found[1])
    timings: list[WordTiming] = []
    previous_end = 0
    for (word, start, end), span in zip(written, cover, strict=True):
        if span is None:
            continue
        begin = max(round(span[0]), previous_end)
        finish = max(round(span[1]), begin + 1)
        timings.append(WordTiming(word, begin, finish, start, end))
        previous_end = finish
    return tuple(timings)
