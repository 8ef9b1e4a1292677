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
from operator import itemgetter
from pathlib import Path

__all__ = [
    "FEATURES",
    "FUNCTION_WORDS",
    "LineModel",
    "label_lines",
    "line_features",
    "load_model",
    "main_run",
    "word_shares",
]

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
# Prose lines at most this many lines apart are one run of story.
_RUN_GAP = 6
_NON_LATIN = re.compile(r"[^\W\d_\x00-\u024f]")
# Symbols of code, counted one by one.
_CODE_CHAR = re.compile(r"[{}\[\]();=<>_\\$#&|*+`]")
# What counts into the share of digits and of symbols: \d is str.isdecimal's set, and a
# symbol is neither str.isalnum nor str.isspace (\w is isalnum or "_", \s is isspace).
_DIGIT = re.compile(r"\d")
_SYMBOL = re.compile(r"[^\w\s]|_")
_CODE_END = re.compile(r"[;{}(),\[\]]\s*$|^\s*[})\]]")
_BULLET = re.compile(r"^\s*[-+*•·▪–—>]\s")
_CREDIT = re.compile(
    r"\b(?:photo|photograph|image|picture|credit|getty|reuters|ap photo|afp|shutterstock|"
    r"illustration)\b",
    re.IGNORECASE,
)

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
    # What a line is, by shapes that hold on any site:
    "code_share",  # symbols of code ({}[]();=<>...): a dev post's code is story
    "code_end",  # ends like a code line (";", "{", ")") or opens with a closing bracket
    "bullet",  # a list item
    "same_lead",  # starts with the same symbol as a neighbour: a list
    "lower_start",
    "continues",  # continues the line above, or is continued below (hard-wrapped text)
    "paragraph_words",  # words of the paragraph the line belongs to
    "paragraph_ends",  # whether that paragraph ends a sentence
    "non_latin",  # share of letters outside Latin scripts (a language menu)
    "prose_before_gap",  # lines back to the previous prose line
    "prose_after_gap",  # lines on to the next one
    "prose_gap",  # the gap between the two
    "length_z",  # the line's length against the page's own lines
    "length_rank",
    "headline_window",  # share of headline-shaped lines around it: a list of teasers
    "credit_near",  # a photo credit on it or next to it: a caption
    "in_main_run",  # inside the longest run of prose
    "main_run_distance",
    "main_run_share",  # how much of the page's prose that run holds
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

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """The probability that each row of :data:`FEATURES` is story text: the bias plus
        each feature's bin weight, added feature by feature over all rows at once."""
        import numpy as np

        if not rows:
            return []
        table = np.asarray(rows, dtype=np.float64)
        z = np.full(len(rows), self.bias, dtype=np.float64)
        # strict: rows of another feature count raise ValueError.
        for column, edges, weights in zip(table.T, self.edges, self.weights, strict=True):
            z += np.asarray(weights, dtype=np.float64)[np.searchsorted(edges, column, "right")]
        return [1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, v)))) for v in z.tolist()]


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


def word_shares(alpha: Sequence[str]) -> tuple[float, float]:
    """(share of function words, share of capitalised words) among a line's ``alpha``
    words (its runs of letters)."""
    if not alpha:
        return 0.0, 0.0
    function = sum(map(FUNCTION_WORDS.__contains__, map(str.lower, alpha))) / len(alpha)
    capital = sum(map(str.isupper, map(itemgetter(0), alpha))) / len(alpha)
    return function, capital


def _shape(line: str, alpha: Sequence[str]) -> tuple[int, float, float, bool]:
    function, capital = word_shares(alpha)
    return len(_WORD.findall(line)), function, capital, bool(_SENTENCE_END.search(line))


def _paragraphs(
    lines: Sequence[str], shapes: Sequence[tuple[int, float, float, bool]]
) -> list[int]:
    """Per line, the index of its paragraph's first line. A hard-wrapped paragraph (a plain
    text or a ``<pre>`` page) is many lines: a line continues the one above when that one
    ends no sentence and has a few words, and this one starts in lower case."""
    para = list(range(len(lines)))
    for i in range(1, len(lines)):
        if not shapes[i - 1][3] and shapes[i - 1][0] >= 3 and lines[i][:1].islower():
            para[i] = para[i - 1]
    return para


def line_features(lines: Sequence[str]) -> list[list[float]]:
    """The :data:`FEATURES` of every line of a dump (lines stripped, none blank)."""
    alphas = [_ALPHA_WORD.findall(line) for line in lines]
    shapes = [_shape(line, alpha) for line, alpha in zip(lines, alphas, strict=True)]
    count = len(lines)
    para = _paragraphs(lines, shapes)
    para_words: Counter[int] = Counter()
    para_ends: dict[int, bool] = {}
    for i, (n, _, _, ends) in enumerate(shapes):
        para_words[para[i]] += n
        para_ends[para[i]] = ends  # the paragraph's last line decides
    # A prose line belongs to a paragraph of 15 words or more that ends a sentence.
    prose = [
        n if para_words[para[i]] >= _PROSE_WORDS and para_ends[para[i]] else 0
        for i, (n, _, _, _) in enumerate(shapes)
    ]
    total_prose = sum(prose) or 1
    before = [0] * (count + 1)
    for i, n in enumerate(prose):
        before[i + 1] = before[i] + n
    # The story's vocabulary: content words of its prose lines, counted once per line.
    vocabulary: Counter[str] = Counter()
    line_words: list[set[str]] = []
    for i, alpha in enumerate(alphas):
        words = {w.lower() for w in alpha if len(w) > 3}
        words -= FUNCTION_WORDS
        line_words.append(words)
        if prose[i]:
            vocabulary.update(words)
    keys = [" ".join(line.casefold().split()) for line in lines]
    repeats = Counter(keys)
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
    structure = _structure_features(lines, alphas, shapes, para, para_words, para_ends, prose)
    # Running sums over the lines, for the means of the window around each line.
    logs = [math.log1p(s[0]) for s in shapes]
    run_logs = _running(logs)
    functions = [s[1] for s in shapes]
    run_function = _running(functions)
    ends_flags = [float(s[3]) for s in shapes]
    run_ends = _running(ends_flags)
    rows: list[list[float]] = []
    for i, line in enumerate(lines):
        n, function, capital, ends = shapes[i]
        chars = max(len(line), 1)
        own = line_words[i]
        # The line's own words are taken out of the vocabulary so prose does not vouch for itself.
        floor = 1 if prose[i] else 0
        shared = sum(1 for w in own if vocabulary[w] > floor)
        lo, hi = max(0, i - 3), min(count, i + 4)
        alpha = alphas[i]
        rows.append(
            [
                math.log1p(n),
                float(ends),
                function,
                capital,
                len(_DIGIT.findall(line)) / chars,
                len(_SYMBOL.findall(line)) / chars,
                math.log(repeats[keys[i]]),
                before[i] / total_prose,
                (before[count] - before[i + 1]) / total_prose,
                shared / len(own) if own else -0.1,
                math.log1p(shapes[i - 1][0]) if i else -1.0,
                math.log1p(shapes[i + 1][0]) if i + 1 < count else -1.0,
                _window_mean(run_logs, logs, lo, hi, i, empty=-1.0),
                _window_mean(run_function, functions, lo, hi, i),
                float(bool(_RANK.match(line))),
                float(bool(_BARE_NUMBER.match(line))),
                float(line.isupper()),
                float(len(_SEPARATORS.findall(line))),
                float(bool(_LEGAL.search(line))),
                i / count,
                sum(map(len, alpha)) / len(alpha) if alpha else 0.0,
                float(line.rstrip().endswith("?")),
                float(bool(_HANDLE.search(line))),
                math.log1p(distance[i]),
                _window_mean(run_ends, ends_flags, lo, hi, i),
                *structure[i],
            ]
        )
    return rows


def _running(values: Sequence[float]) -> list[float]:
    """``out[k]`` is the sum of ``values[:k]``."""
    out = [0.0]
    for value in values:
        out.append(out[-1] + value)
    return out


def _window_mean(
    running: Sequence[float],
    values: Sequence[float],
    lo: int,
    hi: int,
    i: int,
    empty: float = 0.0,
) -> float:
    """The mean of ``values[lo:hi]`` without ``values[i]``, from their running sums; rounded
    to 9 places, so that a mean of 0 comes out 0 and not the -1e-17 the subtraction leaves
    (which the training script's bins would take for a value of its own)."""
    others = hi - lo - 1
    if not others:
        return empty
    return round((running[hi] - running[lo] - values[i]) / others, 9)


def _gaps(flags: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Per line, how many lines back to the previous flagged line and on to the next one
    (infinity where there is none)."""
    count = len(flags)
    back, ahead = [math.inf] * count, [math.inf] * count
    last: int | None = None
    for i in range(count):
        if last is not None:
            back[i] = float(i - last)
        if flags[i]:
            last = i
    last = None
    for i in range(count - 1, -1, -1):
        if last is not None:
            ahead[i] = float(last - i)
        if flags[i]:
            last = i
    return back, ahead


def main_run(prose: Sequence[int]) -> tuple[int, int, float] | None:
    """(first line, last line, share of the page's prose) of the longest run of prose lines
    (``prose``: each line's prose words, 0 for a line that is not prose) at most ``_RUN_GAP``
    lines apart; the first such run on a tie."""
    runs: list[list[int]] = []  # [start, end, words]
    for i, n in enumerate(prose):
        if not n:
            continue
        if runs and i - runs[-1][1] <= _RUN_GAP:
            runs[-1][1] = i
            runs[-1][2] += n
        else:
            runs.append([i, i, n])
    if not runs:
        return None
    start, end, words = max(runs, key=lambda r: r[2])
    return start, end, words / sum(r[2] for r in runs)


def _lead_symbol(line: str) -> str:
    first = line.lstrip()[:1]
    return first if first and not first.isalnum() else ""


def _structure_features(
    lines: Sequence[str],
    alphas: Sequence[Sequence[str]],
    shapes: Sequence[tuple[int, float, float, bool]],
    para: Sequence[int],
    para_words: Counter[int],
    para_ends: dict[int, bool],
    prose: Sequence[int],
) -> list[list[float]]:
    """The features from ``code_share`` on: what kind of thing each line is."""
    count = len(lines)
    words = [s[0] for s in shapes]
    continues = [i > 0 and para[i] == para[i - 1] for i in range(count)]
    logs = [math.log1p(n) for n in words]
    mean = sum(logs) / count
    spread = math.sqrt(sum((x - mean) ** 2 for x in logs) / count) or 1.0
    rank = [0.0] * count
    for r, i in enumerate(sorted(range(count), key=lambda k: words[k])):
        rank[i] = r / max(count - 1, 1)
    back, ahead = _gaps([bool(n) for n in prose])
    headline = [4 <= n <= 16 and not s[3] for n, s in zip(words, shapes, strict=True)]
    headline_flags = [float(h) for h in headline]
    run_headline = _running(headline_flags)
    credit = [n <= 25 and bool(_CREDIT.search(ln)) for n, ln in zip(words, lines, strict=True)]
    lead = [_lead_symbol(line) for line in lines]
    run = main_run(prose)
    rows: list[list[float]] = []
    for i, line in enumerate(lines):
        chars = max(len(line), 1)
        letters = sum(map(len, alphas[i]))  # the line's letters: its runs of letters
        lo, hi = max(0, i - 4), min(count, i + 5)
        first_letter = next((c for c in line if c.isalpha()), "")
        if run is not None:
            inside = run[0] <= i <= run[1]
            from_run = 0.0 if inside else math.log1p(min(abs(i - run[0]), abs(i - run[1])))
            share = run[2]
        else:
            inside, from_run, share = False, 8.0, 0.0
        rows.append(
            [
                len(_CODE_CHAR.findall(line)) / chars,
                float(bool(_CODE_END.search(line))),
                float(bool(_BULLET.match(line))),
                float(
                    bool(lead[i])
                    and (
                        (i > 0 and lead[i - 1] == lead[i])
                        or (i + 1 < count and lead[i + 1] == lead[i])
                    )
                ),
                float(first_letter.islower()),
                float(continues[i]) + float(i + 1 < count and continues[i + 1]),
                math.log1p(para_words[para[i]]),
                float(para_ends[para[i]]),
                len(_NON_LATIN.findall(line)) / letters if letters else 0.0,
                math.log1p(back[i]) if back[i] < math.inf else 7.0,
                math.log1p(ahead[i]) if ahead[i] < math.inf else 7.0,
                math.log1p(back[i] + ahead[i]) if back[i] + ahead[i] < math.inf else 8.0,
                (logs[i] - mean) / spread,
                rank[i],
                _window_mean(run_headline, headline_flags, lo, hi, i),
                float(any(credit[max(0, i - 1) : i + 2])),
                float(inside),
                from_run,
                share,
            ]
        )
    return rows


def label_lines(lines: Sequence[str], model: LineModel | None = None) -> list[float]:
    """Per line, the smoothed probability-like score that it is story text (0 or 1 after
    smoothing, kept as the raw probability where the smoothing agreed with it)."""
    model = model or load_model()
    probabilities = model.probabilities(line_features(lines))
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
