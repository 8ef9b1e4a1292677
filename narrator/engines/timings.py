"""Word times inside one clip, from what an engine knows about its own output (pure).

An engine gives spans of samples for the words *it* found (Piper: espeak's words, from
the model's per-phoneme durations; others: estimates). Those are placed on the words of
the text the engine was given; when the two counts differ (espeak joins or splits a few
words), the text's words are spread over the engine's spans by their length, monotonically,
so every word still lands inside the speech and in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..models import ClipWord

__all__ = ["active_spans", "phoneme_words", "place_words", "spans_from_weights", "spoken_words"]

_WORD = re.compile(r"\S+")
_EDGE = re.compile(r"^[^\w]+|[^\w]+$")


def spoken_words(text: str) -> list[str]:
    """The words of ``text`` that are said: whitespace tokens holding a letter or digit,
    without the punctuation around them."""
    words = []
    for token in _WORD.findall(text):
        word = _EDGE.sub("", token)
        if word:
            words.append(word)
    return words


def phoneme_words(
    phonemes: Sequence[str],
    starts: Sequence[float],
    ends: Sequence[float],
    silent: frozenset[str],
) -> tuple[list[tuple[int, int]], list[str]]:
    """Word spans, and each word's phonemes, from a synthesizer's timed phonemes.

    ``phonemes[k]`` lasts from ``starts[k]`` to ``ends[k]`` (samples); a space separates two
    words, and a phoneme in ``silent`` (punctuation, pads) belongs to no word: its time is the
    pause after one. A word runs from the start of its first phoneme to the end of its last.
    """
    spans: list[tuple[int, int]] = []
    groups: list[str] = []
    start: float | None = None
    end, group = 0.0, ""
    for phoneme, begins, finishes in zip(phonemes, starts, ends, strict=True):
        if phoneme == " ":
            if start is not None:
                spans.append((round(start), round(end)))
                groups.append(group)
            start, group = None, ""
        elif phoneme not in silent:
            if start is None:
                start = begins
            end = finishes
            group += phoneme
    if start is not None:
        spans.append((round(start), round(end)))
        groups.append(group)
    return spans, groups


def place_words(
    words: Sequence[str],
    spans: Sequence[tuple[int, int]],
    phonemes: Sequence[str] | None = None,
) -> list[ClipWord]:
    """``words`` timed by the engine's word ``spans`` (sample ranges in order).

    ``phonemes`` are the engine words' phonemes (stress marks allowed). When the engine
    found as many words as the text has, they pair up in order. Otherwise (espeak reads
    "in the" as one word) the two sequences are aligned monotonically, each step pairing
    one text word with up to three engine words or one engine word with up to four text
    words, at the least total mismatch between letter and phoneme counts and between each
    step's first letter and first phoneme; words that share an engine word share its time
    by their length.
    """
    kept = [(i, span) for i, span in enumerate(spans) if span[1] > span[0]]
    if not words or not kept:
        return []
    clean = [span for _, span in kept]
    if len(words) == len(clean):
        return [ClipWord(w, a, b) for w, (a, b) in zip(words, clean, strict=True)]
    if phonemes is not None and len(phonemes) == len(spans):
        groups = [phonemes[i] for i, _ in kept]
    else:
        groups = ["" for _ in kept]
    return _aligned(list(words), clean, groups)


_MARKS = frozenset("ˈˌːʲ")
_VOWEL_LETTERS = frozenset("aeiouyAEIOUY")
_CONSONANT_SOUNDS = {
    "b": "b", "c": "ksʃʧ", "d": "dðʤ", "f": "f", "g": "ɡʤ", "h": "h", "j": "ʤj", "k": "k",
    "l": "l", "m": "m", "n": "n", "p": "pf", "q": "k", "r": "ɹr", "s": "szʃ", "t": "tθðʃʧ",
    "v": "v", "w": "wh", "x": "zɛe", "z": "zs",
}  # fmt: skip
_CONSONANT_PHONEMES = frozenset("".join(_CONSONANT_SOUNDS.values()) + "ŋʒɡ")


def _starts_alike(word: str, group: str) -> bool:
    """Whether a word's first letter can begin the sound of an engine word."""
    sound = next((c for c in group if c not in _MARKS), "")
    if not word or not sound:
        return True
    first = word[0].lower()
    if first in _VOWEL_LETTERS or len(word) == 1:  # a vowel, or a letter said by name
        return True if len(word) == 1 else sound not in _CONSONANT_PHONEMES or sound in "jwh"
    options = _CONSONANT_SOUNDS.get(first)
    return options is None or sound in options


def _expected_phonemes(word: str) -> float:
    """About how many phonemes ``word`` has: one per letter, but a spelled letter (the
    normalizer spells "USA" as "U S A") is said as its name, about two."""
    if len(word) == 1 and word.isalpha():
        return 1.0 if word in "aA" else 2.0
    return float(max(1, len(word)))


def _aligned(words: list[str], spans: list[tuple[int, int]], groups: list[str]) -> list[ClipWord]:
    import math

    chars = [_expected_phonemes(w) for w in words]
    sizes = [
        max(1, sum(c not in _MARKS for c in g)) if g else max(1, (b - a) // 1000)
        for g, (a, b) in zip(groups, spans, strict=True)
    ]
    ratio = sum(chars) / sum(sizes)
    n, m = len(words), len(spans)
    steps = [(1, 1), (2, 1), (3, 1), (1, 2), (1, 3), (4, 1)]
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            for a, b in steps:
                if i + a > n or j + b > m:
                    continue
                c = sum(chars[i : i + a]) / (ratio * sum(sizes[j : j + b]))
                step = here + abs(math.log(c)) + (0.0 if a == b == 1 else 0.35)
                if not _starts_alike(words[i], groups[j]):
                    step += 1.0
                if step < cost[i + a][j + b]:
                    cost[i + a][j + b] = step
                    back[i + a][j + b] = (a, b)
    if cost[n][m] == inf:  # cannot happen with (1, 1) steps, unless the counts are huge
        return []
    pairs: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while i or j:
        a, b = back[i][j]
        pairs.append((i - a, i, j - b, j))
        i, j = i - a, j - b
    placed: list[ClipWord] = []
    for w0, w1, g0, g1 in reversed(pairs):
        start, end = spans[g0][0], spans[g1 - 1][1]
        total = sum(chars[w0:w1])
        cursor = float(start)
        for k in range(w0, w1):
            share = (end - start) * chars[k] / total
            placed.append(
                ClipWord(words[k], round(cursor), max(round(cursor + share), round(cursor) + 1))
            )
            cursor += share
    return placed


def spans_from_weights(
    weights: Sequence[float], speech: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Spans for words of the given ``weights``, spread over the ``speech`` regions (sample
    ranges with sound) in proportion: an estimate for an engine that reports no durations."""
    speech = [(a, b) for a, b in speech if b > a]
    if not weights or not speech:
        return []
    lengths = [b - a for a, b in speech]
    total = float(sum(lengths))
    weight_sum = sum(max(w, 1e-3) for w in weights)

    def at(position: float, closing: bool) -> int:
        for (a, _b), length in zip(speech, lengths, strict=True):
            if position < length or (closing and position <= length):
                return a + round(position)
            position -= length
        return speech[-1][1]

    spans = []
    cursor = 0.0
    for weight in weights:
        share = max(weight, 1e-3) / weight_sum * total
        spans.append((at(cursor, closing=False), at(cursor + share, closing=True)))
        cursor += share
    return spans


def active_spans(audio: Any, rate: int, *, floor_db: float = -40.0) -> list[tuple[int, int]]:
    """Sample ranges of ``audio`` (float, -1..1) that hold sound: 10 ms windows louder than
    ``floor_db`` below the loudest window, with gaps under 80 ms (stop closures, the breath
    between two words) counted as sound, so only real pauses are left out."""
    import numpy as np

    win = max(1, rate // 100)
    n = len(audio) // win
    if n == 0:
        return []
    frames = np.asarray(audio[: n * win], dtype=np.float32).reshape(n, win)
    level = 10 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)
    loud = level > level.max() + floor_db
    spans: list[list[int]] = []
    for i in np.flatnonzero(loud):
        if spans and i - spans[-1][1] <= 8:
            spans[-1][1] = int(i) + 1
        else:
            spans.append([int(i), int(i) + 1])
    return [(a * win, min(len(audio), b * win)) for a, b in spans]
