"""Which lines of a page dump are the story: a small learned line classifier.

A page dump (a whole page selected and pasted) is one line per block of the page: menus,
kickers, the headline, bylines, the story, captions, promo boxes, "most read" lists,
comments, footers. No phrase list can name them all, but their *shapes* transfer from site
to site: how long a line is, whether it ends a sentence, how many of its words are function
words or capitalised, whether it repeats, how much of the page's prose lies before and after
it, how many of its words the page's prose uses, and what its neighbours look like.

:func:`line_features` measures those shapes; a logistic regression over binned features
(weights in ``data/dump_lines.json``, trained by ``benchmarks/train_dump_model.py`` on the
tune half of the corpora only) gives each line a probability of being story text; a
two-state Viterbi pass smooths the labels, since story and chrome come in runs.

Pure Python: no numpy at run time, so loading and scoring stay in a few milliseconds.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["FEATURES", "FUNCTION_WORDS", "LineModel", "label_lines", "line_features", "load_model"]

MODEL_PATH = Path(__file__).resolve().parent / "data" / "dump_lines.json"

_WORD = re.compile(r"\w+")
_ALPHA_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?…:][\"'”’)\]]*$")
_RANK = re.compile(r"^\s*(?:\d{1,2}[.)]?|[-*•·▪])\s")
_BARE_NUMBER = re.compile(r"^\W*\d{1,3}\W*$")
_SEPARATORS = re.compile(r"[|•·»›/]")
_LEGAL = re.compile(r"©|\(c\)\s*\d{4}|\ball rights reserved\b", re.IGNORECASE)
_HANDLE = re.compile(r"@\w|https?://|www\.|\.com\b")
# The commonest English function words: prose is about half function words, a menu or a
# headline list has few. Universal to English text, not to any site.
FUNCTION_WORDS = frozenset(
    """a about after all also an and any are as at be because been but by can could did do
    does for from had has have he her his how i if in into is it its just more most my no not
    of on one or our out she so some than that the their them then there these they this to
    up was we were what when which who will with would you your""".split()  # noqa: SIM905
)
_PROSE_WORDS = 15

FEATURES = (
    "words",
    "ends_sentence",
    "function_share",
    "capital_share",
    "digit_share",
    "punct_share",
    "repeats",
    "prose_before",
    "prose_after",
    "topic",
    "prev_words",
    "next_words",
    "window_words",
    "window_function",
    "rank",
    "bare_number",
    "upper",
    "separators",
    "legal",
    "position",
    "word_length",
    "question",
    "handle",
    "prose_distance",
    "window_ends",
)


@dataclass(frozen=True)
class LineModel:
    """Binned logistic regression over :data:`FEATURES`, and the smoothing it was tuned with."""

    edges: tuple[tuple[float, ...], ...]
    """Per feature, the bin edges: value ``v`` falls in bin ``bisect_right(edges, v)``."""

    weights: tuple[tuple[float, ...], ...]
    """Per feature, one weight per bin."""

    bias: float
    """The intercept."""

    switch_cost: float
    """Log-odds paid for each change between story and chrome along the page."""

    def probability(self, features: Sequence[float]) -> float:
        """The probability that a line with ``features`` is story text."""
        from bisect import bisect_right

        z = self.bias
        for value, edges, weights in zip(features, self.edges, self.weights, strict=True):
            z += weights[bisect_right(edges, value)]
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@cache
def load_model(path: Path = MODEL_PATH) -> LineModel:
    """The shipped line model (read once per process)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names = tuple(data["features"])
    if names != FEATURES:
        raise ValueError(f"{path} was trained on other features; retrain it")
    return LineModel(
        edges=tuple(tuple(e) for e in data["edges"]),
        weights=tuple(tuple(w) for w in data["weights"]),
        bias=float(data["bias"]),
        switch_cost=float(data["switch_cost"]),
    )


def _shape(line: str) -> tuple[int, float, float, bool]:
    words = _WORD.findall(line)
    alpha = _ALPHA_WORD.findall(line)
    function = sum(w.lower() in FUNCTION_WORDS for w in alpha) / len(alpha) if alpha else 0.0
    capital = sum(w[0].isupper() for w in alpha) / len(alpha) if alpha else 0.0
    return len(words), function, capital, bool(_SENTENCE_END.search(line))


def line_features(lines: Sequence[str]) -> list[list[float]]:
    """The :data:`FEATURES` of every line of a dump (lines stripped, none blank)."""
    shapes = [_shape(line) for line in lines]
    count = len(lines)
    prose = [n if n >= _PROSE_WORDS and ends else 0 for n, _, _, ends in shapes]
    total_prose = sum(prose) or 1
    before = [0] * (count + 1)
    for i, n in enumerate(prose):
        before[i + 1] = before[i] + n
    # The story's vocabulary: content words of its prose lines, counted once per line.
    vocabulary: Counter[str] = Counter()
    line_words: list[set[str]] = []
    for i, line in enumerate(lines):
        words = {w.lower() for w in _ALPHA_WORD.findall(line) if len(w) > 3}
        words -= FUNCTION_WORDS
        line_words.append(words)
        if prose[i]:
            vocabulary.update(words)
    repeats = Counter(" ".join(line.casefold().split()) for line in lines)
    # Distance (in lines) to the nearest prose line, both ways.
    distance = [float(count)] * count
    last = -(10**9)
    for i in range(count):
        if prose[i]:
            last = i
        distance[i] = float(i - last)
    last = 10**9
    for i in range(count - 1, -1, -1):
        if prose[i]:
            last = i
        distance[i] = min(distance[i], float(last - i))
    rows: list[list[float]] = []
    for i, line in enumerate(lines):
        n, function, capital, ends = shapes[i]
        chars = max(len(line), 1)
        own = line_words[i]
        # The line's own words are taken out of the vocabulary so prose does not vouch for itself.
        shared = sum(1 for w in own if vocabulary[w] - (1 if prose[i] else 0) > 0)
        window = [shapes[j] for j in range(max(0, i - 3), min(count, i + 4)) if j != i]
        alpha = _ALPHA_WORD.findall(line)
        rows.append(
            [
                math.log1p(n),
                float(ends),
                function,
                capital,
                sum(c.isdigit() for c in line) / chars,
                sum(not c.isalnum() and not c.isspace() for c in line) / chars,
                math.log(repeats[" ".join(line.casefold().split())]),
                before[i] / total_prose,
                (before[count] - before[i + 1]) / total_prose,
                shared / len(own) if own else -0.1,
                math.log1p(shapes[i - 1][0]) if i else -1.0,
                math.log1p(shapes[i + 1][0]) if i + 1 < count else -1.0,
                sum(math.log1p(s[0]) for s in window) / len(window) if window else -1.0,
                sum(s[1] for s in window) / len(window) if window else 0.0,
                float(bool(_RANK.match(line))),
                float(bool(_BARE_NUMBER.match(line))),
                float(line.isupper()),
                float(len(_SEPARATORS.findall(line))),
                float(bool(_LEGAL.search(line))),
                i / count,
                sum(len(w) for w in alpha) / len(alpha) if alpha else 0.0,
                float(line.rstrip().endswith("?")),
                float(bool(_HANDLE.search(line))),
                math.log1p(distance[i]),
                sum(s[3] for s in window) / len(window) if window else 0.0,
            ]
        )
    return rows


def label_lines(lines: Sequence[str], model: LineModel | None = None) -> list[float]:
    """Per line, the smoothed probability-like score that it is story text (0 or 1 after
    smoothing, kept as the raw probability where the smoothing agreed with it)."""
    model = model or load_model()
    probabilities = [model.probability(f) for f in line_features(lines)]
    states = viterbi(probabilities, model.switch_cost)
    return [p if s else min(p, 0.49) for p, s in zip(probabilities, states, strict=True)]


def viterbi(probabilities: Sequence[float], switch_cost: float) -> list[bool]:
    """The likeliest story/chrome labelling when each switch costs ``switch_cost`` log-odds."""
    if not probabilities:
        return []
    eps = 1e-6
    score = [0.0, 0.0]  # best log score ending in chrome (0) or story (1)
    back: list[tuple[int, int]] = []
    for p in probabilities:
        emit = (math.log(max(1 - p, eps)), math.log(max(p, eps)))
        stay0, move0 = score[0], score[1] - switch_cost
        stay1, move1 = score[1], score[0] - switch_cost
        from0 = 0 if stay0 >= move0 else 1
        from1 = 1 if stay1 >= move1 else 0
        score = [max(stay0, move0) + emit[0], max(stay1, move1) + emit[1]]
        back.append((from0, from1))
    state = 1 if score[1] >= score[0] else 0
    states = [False] * len(probabilities)
    for i in range(len(probabilities) - 1, -1, -1):
        states[i] = bool(state)
        state = back[i][state]
    return states
