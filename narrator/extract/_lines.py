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

Features are computed a column at a time with numpy (arithmetic) and Python (logarithms,
float sums, rounding), so their values are the same to the bit as those the model was
trained on; loading takes about a millisecond.
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "FEATURES",
    "FUNCTION_WORDS",
    "LineModel",
    "label_lines",
    "line_features",
    "load_model",
    "main_run",
    "score_lines",
    "word_shares",
]

MODEL_PATH = Path(__file__).resolve().parent / "data" / "dump_lines.json"

_ALPHA_WORD = re.compile(r"[^\W\d_]+")
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

    def probabilities(self, rows: Sequence[Sequence[float]] | np.ndarray) -> list[float]:
        """The probability that each row of :data:`FEATURES` is story text: the bias plus
        each feature's bin weight, added feature by feature over all rows at once."""
        import numpy as np

        if not len(rows):
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


def _ends_sentence(line: str) -> bool:
    r"""Whether ``line`` ends a sentence: an end mark, then closers only (what the pattern
    ``[.!?…:]["'”’)\]]*$`` finds, without scanning the line: the closers and the end marks
    are disjoint sets, so stripping the closers leaves the end mark last)."""
    return line.rstrip(_CLOSERS).endswith(_ENDS)


_CLOSERS = "\"'”’)]"
_ENDS = (".", "!", "?", "…", ":")
_CODE_ENDS, _CODE_OPENS = ";{}(),[]", "})]"
# Cheap hints for the dear patterns: a line none of whose hints occur cannot match the
# pattern (each hint is a part every match holds, in lower case where the pattern ignores
# case), so the pattern runs only on the lines a scan of the whole page for the hints finds.
# The letters that IGNORECASE matches to ASCII ones (re's documentation) go to the pattern.
_FOLD_HINT = re.compile("[İıſK]")
_LEGAL_HINT = re.compile(r"©|\(|reserved")
_HANDLE_HINT = re.compile(r"@|://|www\.|\.com")
_CREDIT_HINT = re.compile("photo|image|picture|credit|getty|reuters|afp|shutterstock|illustration")


def _hinted(texts: Sequence[str], hint: re.Pattern[str]) -> set[int]:
    """The indexes of ``texts`` in which ``hint`` occurs: one scan of them all, joined by
    line breaks (no hint holds one, so none spans two texts)."""
    import numpy as np

    ends = np.cumsum([len(t) + 1 for t in texts])
    found = [m.start() for m in hint.finditer("\n".join(texts))]
    return set(np.searchsorted(ends, found, side="right").tolist())


def _code_end(line: str) -> bool:
    r"""Whether the last non-space character of ``line`` closes or ends a code statement, or
    its first one closes a bracket (what ``[;{}(),\[\]]\s*$|^\s*[})\]]`` finds)."""
    last, first = line.rstrip()[-1:], line.lstrip()[:1]
    return bool(last and last in _CODE_ENDS) or bool(first and first in _CODE_OPENS)


# Per character class, the pattern one character of it matches: each count below is the
# number of a line's characters the pattern matches (what findall would count), and the
# word count is the number of runs of word characters (what ``\w+`` would find).
_CLASSES = (
    re.compile(r"\w"),
    _ALPHA_WORD,
    _DIGIT,
    _SYMBOL,
    _CODE_CHAR,
    _NON_LATIN,
    _SEPARATORS,
)


@dataclass(frozen=True)
class _Counts:
    """Per line, how many characters of each kind it has, and its words."""

    chars: np.ndarray
    words: np.ndarray
    letters: np.ndarray
    digits: np.ndarray
    symbols: np.ndarray
    code: np.ndarray
    non_latin: np.ndarray
    separators: np.ndarray


def _counts(lines: Sequence[str]) -> _Counts:
    """Every line's character counts at once: each distinct character is classed once by
    the patterns themselves, and the classes are summed per line."""
    import numpy as np

    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    joined = "".join(lines)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    distinct, inverse = np.unique(points, return_inverse=True)
    chars = [chr(c) for c in distinct.tolist()]
    table = np.array(
        [[bool(pattern.match(c)) for c in chars] for pattern in _CLASSES], dtype=bool
    ).reshape(len(_CLASSES), len(chars))
    flags = table[:, inverse.reshape(-1)]
    owner = np.repeat(np.arange(len(lines)), lengths)
    starts = np.zeros(len(lines), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    word = flags[0]
    # A word starts at a word character whose left neighbour (on the same line) is not one.
    begins = word.copy()
    begins[1:] &= ~word[:-1]
    begins[starts[lengths > 0]] = word[starts[lengths > 0]]
    per_line = [
        np.bincount(owner, weights=f.astype(np.float64), minlength=len(lines)).astype(np.int64)
        for f in (begins, *flags[1:])
    ]
    return _Counts(lengths, *per_line)


def _paragraphs(lines: Sequence[str], words: Sequence[int], ends: Sequence[bool]) -> list[int]:
    """Per line, the index of its paragraph's first line. A hard-wrapped paragraph (a plain
    text or a ``<pre>`` page) is many lines: a line continues the one above when that one
    ends no sentence and has a few words, and this one starts in lower case."""
    para = list(range(len(lines)))
    for i in range(1, len(lines)):
        if not ends[i - 1] and words[i - 1] >= 3 and lines[i][:1].islower():
            para[i] = para[i - 1]
    return para


def line_features(lines: Sequence[str]) -> np.ndarray:
    """The :data:`FEATURES` of every line of a dump (lines stripped, none blank): one row
    per line, one column per feature.

    Arithmetic runs on whole columns (numpy's +, - and / round as Python's do); logarithms,
    sums of floats and rounding stay Python's own, so the values are the ones the model was
    trained on to the last bit."""
    return _features(lines)[0]


def _features(lines: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """(:func:`line_features`, each line's word count)."""
    import numpy as np

    count = len(lines)
    if not count:
        return np.zeros((0, len(FEATURES))), []
    counts = _counts(lines)
    words_list = counts.words.tolist()
    alphas = [_ALPHA_WORD.findall(line) for line in lines]
    shares = [word_shares(alpha) for alpha in alphas]
    ends_list = [_ends_sentence(line) for line in lines]
    para = _paragraphs(lines, words_list, ends_list)
    para_words: Counter[int] = Counter()
    para_ends: dict[int, bool] = {}
    for i, n in enumerate(words_list):
        para_words[para[i]] += n
        para_ends[para[i]] = ends_list[i]  # the paragraph's last line decides
    # A prose line belongs to a paragraph of 15 words or more that ends a sentence.
    prose_list = [
        n if para_words[para[i]] >= _PROSE_WORDS and para_ends[para[i]] else 0
        for i, n in enumerate(words_list)
    ]
    prose = np.array(prose_list, dtype=np.int64)
    total_prose = int(prose.sum()) or 1
    before = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(prose, out=before[1:])
    # The story's vocabulary: content words of its prose lines, counted once per line.
    vocabulary: Counter[str] = Counter()
    line_words: list[set[str]] = []
    for i, alpha in enumerate(alphas):
        own = {w.lower() for w in alpha if len(w) > 3}
        own -= FUNCTION_WORDS
        line_words.append(own)
        if prose_list[i]:
            vocabulary.update(own)
    topic = []
    for i, own in enumerate(line_words):
        # The line's own words are taken out of the vocabulary so prose does not vouch for itself.
        floor = 1 if prose_list[i] else 0
        topic.append(len([w for w in own if vocabulary[w] > floor]) / len(own) if own else -0.1)
    keys = [" ".join(line.casefold().split()) for line in lines]
    repeats = Counter(keys)
    lowers = [line.lower() for line in lines]
    folds = _hinted(lines, _FOLD_HINT)
    legal = _hinted(lowers, _LEGAL_HINT) | folds
    handle = _hinted(lines, _HANDLE_HINT)
    index = np.arange(count)
    # Distance (in lines) to the nearest prose line, both ways.
    is_prose = prose > 0
    last = np.maximum.accumulate(np.where(is_prose, index, -(10**9)))
    following = np.minimum.accumulate(np.where(is_prose, index, 10**9)[::-1])[::-1]
    distance = np.minimum(index - last, following - index).tolist()
    logs = [math.log1p(n) for n in words_list]
    functions = [s[0] for s in shares]
    ends_flags = [float(e) for e in ends_list]
    chars = np.maximum(counts.chars, 1)
    columns = [
        logs,
        ends_flags,
        functions,
        [s[1] for s in shares],
        counts.digits / chars,
        counts.symbols / chars,
        [math.log(repeats[key]) for key in keys],
        before[:-1] / total_prose,
        (before[count] - before[1:]) / total_prose,
        topic,
        [-1.0, *logs[:-1]],
        [*logs[1:], -1.0],
        _window_means(logs, 3, empty=-1.0),
        _window_means(functions, 3),
        [float(bool(_RANK.match(line))) for line in lines],
        [float(bool(_BARE_NUMBER.match(line))) for line in lines],
        [float(line.isupper()) for line in lines],
        counts.separators,
        [float(i in legal and bool(_LEGAL.search(ln))) for i, ln in enumerate(lines)],
        index / count,
        np.where(
            [bool(a) for a in alphas],
            counts.letters / np.maximum([len(a) for a in alphas], 1),
            0.0,
        ),
        [float(line.rstrip().endswith("?")) for line in lines],
        [float(i in handle and bool(_HANDLE.search(ln))) for i, ln in enumerate(lines)],
        [math.log1p(d) for d in distance],
        _window_means(ends_flags, 3),
        *_structure_features(
            lines,
            _hinted(lowers, _CREDIT_HINT) | folds,
            counts,
            words_list,
            logs,
            ends_list,
            para,
            para_words,
            para_ends,
            prose_list,
        ),
    ]
    return np.column_stack([np.asarray(c, dtype=np.float64) for c in columns]), words_list


def _running(values: Sequence[float]) -> list[float]:
    """``out[k]`` is the sum of ``values[:k]``."""
    out = [0.0]
    for value in values:
        out.append(out[-1] + value)
    return out


def _window_means(values: Sequence[float], reach: int, empty: float = 0.0) -> list[float]:
    """Per line, the mean of ``values`` over the ``reach`` lines either side of it (the line
    itself left out), from running sums; rounded to 9 places, so that a mean of 0 comes out
    0 and not the -1e-17 the subtraction leaves (which the training script's bins would take
    for a value of its own)."""
    import numpy as np

    count = len(values)
    running = np.array(_running(values))
    index = np.arange(count)
    lo = np.maximum(0, index - reach)
    hi = np.minimum(count, index + reach + 1)
    others = hi - lo - 1
    means = (running[hi] - running[lo] - np.asarray(values, dtype=np.float64)) / np.maximum(
        others, 1
    )
    return [
        round(m, 9) if k else empty for m, k in zip(means.tolist(), others.tolist(), strict=True)
    ]


def _gaps(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per line, how many lines back to the previous flagged line and on to the next one
    (infinity where there is none)."""
    import numpy as np

    count = len(flags)
    index = np.arange(count, dtype=np.float64)
    at = np.where(flags, index, -np.inf)
    # The previous flagged line strictly before each line, and the next strictly after.
    previous = np.concatenate([[-np.inf], np.maximum.accumulate(at)[:-1]])
    later = np.where(flags, index, np.inf)[::-1]
    following = np.concatenate([np.minimum.accumulate(later)[::-1][1:], [np.inf]])
    return index - previous, following - index


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


def _first_letter_lower(line: str) -> bool:
    return next((c for c in line if c.isalpha()), "").islower()


def _structure_features(
    lines: Sequence[str],
    credit_hinted: set[int],
    counts: _Counts,
    words: Sequence[int],
    logs: Sequence[float],
    ends: Sequence[bool],
    para: Sequence[int],
    para_words: Counter[int],
    para_ends: dict[int, bool],
    prose: Sequence[int],
) -> list[Sequence[float] | np.ndarray]:
    """The feature columns from ``code_share`` on: what kind of thing each line is."""
    import numpy as np

    count = len(lines)
    chars = np.maximum(counts.chars, 1)
    continues = np.array([i > 0 and para[i] == para[i - 1] for i in range(count)], dtype=float)
    mean = sum(logs) / count
    spread = math.sqrt(sum((x - mean) ** 2 for x in logs) / count) or 1.0
    rank = np.empty(count)
    rank[np.argsort(np.asarray(words), kind="stable")] = np.arange(count) / max(count - 1, 1)
    back, ahead = _gaps(np.asarray(prose) > 0)
    headline = [float(4 <= n <= 16 and not e) for n, e in zip(words, ends, strict=True)]
    credit = np.array(
        [
            n <= 25 and i in credit_hinted and bool(_CREDIT.search(ln))
            for i, (n, ln) in enumerate(zip(words, lines, strict=True))
        ]
    )
    credit_near = credit.copy()
    credit_near[1:] |= credit[:-1]
    credit_near[:-1] |= credit[1:]
    lead = [_lead_symbol(line) for line in lines]
    same_lead = [
        float(
            bool(lead[i])
            and ((i > 0 and lead[i - 1] == lead[i]) or (i + 1 < count and lead[i + 1] == lead[i]))
        )
        for i in range(count)
    ]
    run = main_run(prose)
    index = np.arange(count)
    if run is not None:
        inside = (run[0] <= index) & (index <= run[1])
        away = np.minimum(np.abs(index - run[0]), np.abs(index - run[1])).tolist()
        from_run = [0.0 if k else math.log1p(d) for k, d in zip(inside.tolist(), away, strict=True)]
        share = np.full(count, run[2])
    else:
        inside, from_run, share = np.zeros(count, dtype=bool), [8.0] * count, np.zeros(count)
    letters = counts.letters
    gap = back + ahead
    return [
        counts.code / chars,
        [float(_code_end(line)) for line in lines],
        [float(bool(_BULLET.match(line))) for line in lines],
        same_lead,
        [float(_first_letter_lower(line)) for line in lines],
        continues + np.append(continues[1:], 0.0),
        [math.log1p(para_words[p]) for p in para],
        [float(para_ends[p]) for p in para],
        np.where(letters > 0, counts.non_latin / np.maximum(letters, 1), 0.0),
        [math.log1p(b) if b < math.inf else 7.0 for b in back.tolist()],
        [math.log1p(a) if a < math.inf else 7.0 for a in ahead.tolist()],
        [math.log1p(g) if g < math.inf else 8.0 for g in gap.tolist()],
        (np.asarray(logs) - mean) / spread,
        rank,
        _window_means(headline, 4),
        credit_near,
        inside,
        from_run,
        share,
    ]


def label_lines(lines: Sequence[str], model: LineModel | None = None) -> list[float]:
    """Per line, the smoothed probability-like score that it is story text (0 or 1 after
    smoothing, kept as the raw probability where the smoothing agreed with it)."""
    return score_lines(lines, model)[0]


def score_lines(
    lines: Sequence[str], model: LineModel | None = None
) -> tuple[list[float], list[int]]:
    """(:func:`label_lines`, each line's word count, as ``\\w+`` counts them): the reader
    needs both, and the features count the words anyway."""
    model = model or load_model()
    rows, words = _features(lines)
    probabilities = model.probabilities(rows)
    states = viterbi(probabilities, model.switch_cost)
    scores = [p if s else min(p, 0.49) for p, s in zip(probabilities, states, strict=True)]
    return scores, words


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
