"""A whole page pasted as text: keep the story's lines, find its headline, byline and date.

The line model (:mod:`narrator.extract._lines`) says which lines are story text. Around
that decision sit the few rules that hold on any page:

* the headline is the line the story hangs from. Every heading-shaped line (a few words, no
  closing period, not a list item or a row of links) above the story's main run of prose is
  a candidate, and a small learned scorer (weights in ``data/dump_title.json``, trained by
  ``benchmarks/train_dump_model.py`` on the tune half) ranks them by evidence that holds on
  any site: how many of its words the story and its first paragraph use (a menu item, a
  section label, a cookie button or a date shares none of them), how far above the story it
  sits and how many other candidates lie between, whether a byline or a date hangs from it,
  whether it is shown more than once, and its shape;
* the byline and date are the short lines next to the headline that read as such;
* removing most of the page's prose needs strong evidence: when the model would drop more
  than half of it, only lines it is sure of are dropped, and ``--explain`` says so.

Pure: no I/O beyond reading the model file once.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from narrator.extract._lines import FUNCTION_WORDS, main_run, score_lines, word_shares
from narrator.extract.chrome import DROP, Rules, shorten, word_count
from narrator.models import Block, DroppedBlock

__all__ = [
    "TITLE_FEATURES",
    "PageLines",
    "TitleCandidate",
    "headline_text",
    "is_link_row",
    "is_page_dump",
    "prose_words",
    "read_page_dump",
    "title_candidates",
]

TITLE_MODEL_PATH = Path(__file__).resolve().parent / "data" / "dump_title.json"

# Fewer lines than this is a hand-written text or a short note, not a page: nothing to strip.
_MIN_LINES = 25
_PROSE_WORDS = 15
_STORY = 0.5
# When the model would drop more than this share of the prose, only sure drops stand.
_PROSE_GUARD = 0.5
_SURE = 0.1
# ...unless what it keeps stands as a story by itself: this many prose lines and words (the
# rest of the page's prose is then teasers, comments or a ticker, not the story).
_STORY_LINES, _STORY_WORDS = 3, 150
# Story prose the model vouches for ends any section a rule opened; a summary box's points
# are one short sentence each, so only longer lines count.
_VOUCHED_WORDS = 30
# A section that drops what it holds (comments, a newsletter box) also ends at any prose line
# the model is this sure of: a 27-word lede under a "Comments" button is the story.
_SURE_PROSE = 0.9
_TITLE_MIN_WORDS, _TITLE_MAX_WORDS = 2, 30
_ENDS_PERIOD = re.compile(r"[.,;:][\"'”’)\]]*$")
_ALPHA_WORD = re.compile(r"[^\W\d_]+")
_FILE_NAME = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|mp4)$", re.IGNORECASE)
# A list item ("+ Added ..."), or a row of links or buttons ("[Docs] [txt|pdf]").
_NOT_HEADLINE = re.compile(r"^[-+*•>]\s|[|\[\]].*[|\[\]]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# Headlines rarely run this long; photo captions and ledes often do.
_LONG_HEADLINE = 16
_OPENING_QUOTES = frozenset("\"“‘'«")
# A photo credit or source at a caption's end ("... Austria. Leonhard Foeger / Reuters",
# "(onmeth.com)", "Photo: Jane Doe"): universal caption shapes, not any site's words.
_CREDIT = re.compile(
    r"\b(?:photo|photograph|image|illustration|credit|courtesy)s?\b\s*(?:by|:)"
    r"|\b(?:getty images|reuters|afp|ap photo|associated press|shutterstock)\b"
    r"|/\s*[A-Z][\w.-]+(?:\s+[A-Z][\w.-]+)*\s*$|\(\w[\w.-]*\.[a-z]{2,4}\)\s*$",
    re.IGNORECASE,
)
# A caption's credit said as one ("Photograph by Robyn Beck/AFP", "Image: Getty"): a
# headline never carries one.
_CAPTION = re.compile(
    r"\b(?:photo|photograph|image|picture|illustration)s?\s*(?:by\b|:)|\bgetty images\b",
    re.IGNORECASE,
)
_INNER_SENTENCE = re.compile(r"\w[.!?]\s+[A-Z]")
_WEB_ADDRESS = re.compile(r"\bwww\.|https?://", re.IGNORECASE)
# A line with this share of its content words capitalised is set in title case, as headlines
# are ("Home Depot Stock Is Falling. Why You Shouldn't Worry."), prose never.
_TITLE_CASE = 0.8
_TITLE_CASE_WORDS = 4
# A heading's permalink mark, pasted with it ("Installation¶", "Usage #").
_PERMALINK = re.compile(r"\s*[¶§#🔗]$")


@dataclass(frozen=True)
class PageLines:
    """What :func:`read_page_dump` found."""

    text: str
    """The dump without the headline, byline and date lines (blanked, line breaks kept)."""

    title: str | None
    """The headline, if one was found."""

    byline: str | None
    """The author line, without "By"."""

    date: str | None
    """The publication date, ISO 8601."""

    dropped: tuple[DroppedBlock, ...]
    """Every line left out (with its reason) and notes on the decision, in page order."""

    prose: frozenset[str] = frozenset()
    """Folded texts of the story prose lines the model vouches for."""

    not_story: Mapping[str, DroppedBlock] = field(default_factory=dict)
    """Folded text -> why, for every other line the model says is not story."""

    sure: frozenset[str] = frozenset()
    """Folded texts of the prose lines the model is sure of, however short (a lede)."""

    def drop_not_story(
        self, kept: Sequence[Block], dropped: Sequence[DroppedBlock]
    ) -> tuple[tuple[Block, ...], tuple[DroppedBlock, ...]]:
        """``kept`` without the body blocks the model says are not story, which join
        ``dropped``; the side parts a rule labeled (a summary box) are left to the rules."""
        out: list[Block] = []
        more = list(dropped)
        for block in kept:
            why = self.not_story.get(_key(block.text))
            if why is not None and block.part == "body":
                more.append(why)
            else:
                out.append(block)
        return tuple(out), tuple(more)

    def is_story(self, block: Block) -> bool:
        """Whether ``block`` is story prose the model vouches for: no section may hold it."""
        return _key(block.text) in self.prose

    def is_sure_prose(self, block: Block) -> bool:
        """Whether ``block`` is prose the model is sure of: no section may drop it."""
        return _key(block.text) in self.prose or _key(block.text) in self.sure


def is_page_dump(text: str) -> bool:
    """Whether ``text`` is long enough in lines to be a whole page rather than an article."""
    count = 0
    for line in text.split("\n"):
        if line.strip():
            count += 1
            if count >= _MIN_LINES:
                return True
    return False


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in _ALPHA_WORD.findall(text) if len(w) > 3}


def prose_words(texts: Iterable[str]) -> set[str]:
    """Every word of ``texts``, casefolded: what a byline's name is checked against (an
    author's name is not in the story it signs)."""
    return {w.casefold() for text in texts for w in _ALPHA_WORD.findall(text)}


def read_page_dump(
    text: str,
    keep: frozenset[str] = frozenset(),
    rules: Rules | None = None,
    *,
    choose_title: Callable[[Sequence[str], Sequence[TitleCandidate]], int | None] | None = None,
) -> PageLines:
    """Split a page dump into story lines and the rest; find headline, byline and date.

    ``keep`` holds folded texts of lines to keep whatever the model says (the lines of a
    side part a rule labeled, such as a summary box). A dropped line that one of
    ``rules`` names is reported under that rule's name, which says more than a score.
    ``choose_title`` picks the headline's line index among the candidates (by default the
    shipped title scorer; the training script passes its own to collect them).
    """
    # text.py imports this module
    from narrator.extract.text import find_byline, find_name_byline

    raw = text.split("\n")
    where = [i for i, line in enumerate(raw) if line.strip()]
    lines = [" ".join(raw[i].split()) for i in where]
    scores, words = score_lines(lines)
    # Lines are whitespace-folded already: casefolding makes each one its own key.
    keys = [ln.casefold() for ln in lines]
    kept_by_rule = [k in keep for k in keys] if keep else [False] * len(lines)
    story = [p >= _STORY or k for p, k in zip(scores, kept_by_rule, strict=True)]
    notes: list[DroppedBlock] = []
    prose = [n if _is_prose(ln, n) else 0 for ln, n in zip(lines, words, strict=True)]
    repeats = Counter(keys)
    # The guard weighs the page's prose shown once: text repeated on the page (a ticker of
    # headlines, a teaser shown twice) is a box, whatever its length.
    once = [n if repeats[k] == 1 else 0 for n, k in zip(prose, keys, strict=True)]
    total = sum(once)
    kept_prose = sum(n for n, s in zip(once, story, strict=True) if s)
    kept_lines = sum(1 for n, s in zip(once, story, strict=True) if s and n)
    story_stands = kept_lines >= _STORY_LINES and kept_prose >= _STORY_WORDS
    if total and kept_prose < (1 - _PROSE_GUARD) * total and not story_stands:
        story = [p >= _SURE or k for p, k in zip(scores, kept_by_rule, strict=True)]
        notes.append(
            DroppedBlock(
                "",
                "guard:most-prose-kept",
                f"the line model would drop {1 - kept_prose / total:.0%} of the page's prose; "
                f"without strong evidence it is kept, and only lines under p={_SURE} are dropped",
            )
        )
    # Where the story starts: its first prose line the model is sure enough of (a cookie
    # notice is prose too, but the model doubts it).
    body = [p >= _STORY and not k for p, k in zip(scores, kept_by_rule, strict=True)]
    first = next((i for i, s in enumerate(body) if s and prose[i]), None)
    if first is None:
        first = next((i for i, s in enumerate(story) if s), len(lines))
    if rules is not None:
        # A summary or key-points box opens the story; the headline is above it.
        for i in range(first):
            opened = rules.section(lines[i]) if words[i] <= 6 else None
            if opened is not None and opened.part not in (DROP, "body"):
                first = i
                break
    vocabulary = Counter[str]()
    for i, line in enumerate(lines):
        if story[i] and prose[i]:
            vocabulary.update(_content_words(line))

    def usable(line: str) -> bool:
        # Asked only of heading-shaped lines above the story: rule matching is the dear part.
        return _key(line) not in keep and (rules is None or rules.match(line) is None)

    run = main_run([n if kept else 0 for n, kept in zip(prose, story, strict=True)])
    lead = run[0] if run is not None else first
    candidates = title_candidates(
        lines, scores, story, usable, min(first, lead), lead, vocabulary, repeats
    )
    title_at = (choose_title or _best_title)(lines, candidates)
    roles: dict[int, tuple[str, str]] = {}
    title = byline = date = None
    if title_at is not None:
        title = headline_text(lines[title_at])
        story[title_at] = False
        roles[title_at] = ("meta:title", "read as the title")
        # The headline repeated in the story's first lines (a share box, a breadcrumb).
        for i in range(title_at + 1, min(len(lines), first + 3)):
            if lines[i].casefold() == title.casefold():
                story[i] = False
                roles[i] = ("meta:title", "the headline again")
        # The story's words: a place in a dateline is one, and so is a common word.
        written = prose_words(ln for i, ln in enumerate(lines) if story[i] and prose[i])
        window = range(max(0, title_at - 3), min(len(lines), max(first, title_at + 1) + 4))
        meta = {i: find_byline(lines[i]) for i in window if i != title_at and not prose[i]}
        # A byline that says "By" outranks a name that reads as one.
        names = not any(who for i, (who, _) in meta.items() if i > title_at)
        for i, (who, when) in meta.items():
            if who is None and names and byline is None and i > title_at:
                after = lines[i + 1] if i + 1 < len(lines) else ""
                who = find_name_byline(lines[i], after, written.__contains__)
            if who and byline is None and i > title_at:
                byline, date = who, date or when
                story[i] = False
                roles[i] = ("meta:byline", "read as the byline")
            elif when and date is None and words[i] <= 12 and not who:
                date = when
                story[i] = False
                roles[i] = ("meta:date", "read as the date")
    dropped = list(notes)
    out = list(raw)
    not_story: dict[str, DroppedBlock] = {}
    for n, i in enumerate(where):
        if story[n]:
            continue
        if n in roles:
            out[i] = ""
            if roles[n][0] != "meta:title":
                dropped.append(DroppedBlock(shorten(lines[n]), *roles[n]))
            continue
        copies = repeats[keys[n]]
        if copies > 1 and 2 <= words[n] <= 10:
            why = DroppedBlock(
                shorten(lines[n]), "chrome:repeated", f"shown {copies} times on the page: a box"
            )
        else:
            why = DroppedBlock(
                shorten(lines[n]),
                "model:not-story",
                f"the line model gives it p={scores[n]:.2f} of being story text",
            )
        not_story.setdefault(keys[n], why)
    vouched = frozenset(
        k
        for k, p, n in zip(keys, scores, prose, strict=True)
        if p >= _STORY and n >= _VOUCHED_WORDS
    )
    sure = frozenset(
        k
        for k, p, n in zip(keys, scores, prose, strict=True)
        if p >= _SURE_PROSE and n >= _PROSE_WORDS
    )
    return PageLines("\n".join(out), title, byline, date, tuple(dropped), vouched, not_story, sure)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _is_prose(line: str, words: int | None = None) -> bool:
    """Whether ``line`` (of ``words`` words, counted if not given) is prose: long enough,
    and ending a sentence."""
    n = word_count(line) if words is None else words
    return n >= _PROSE_WORDS and bool(_SENTENCE_END.search(line))


def _heading_shaped(line: str) -> bool:
    words = word_count(line)
    first = next((c for c in line if c.isalnum()), "")
    return (
        _TITLE_MIN_WORDS <= words <= _TITLE_MAX_WORDS
        and (not (end := _ENDS_PERIOD.search(line)) or (end[0][0] == "." and _title_cased(line)))
        and not first.islower()
        and not line.isupper()
    )


def _title_cased(line: str) -> bool:
    """Whether ``line`` is set in title case, as headlines are and prose never is: most of
    its words other than function words capitalised ("Home Depot Stock Is Falling. Why You
    Shouldn't Worry.", "Flood Gates Hold as the Melt Arrives")."""
    content = [w for w in _ALPHA_WORD.findall(line) if w.lower() not in FUNCTION_WORDS]
    return len(content) >= _TITLE_CASE_WORDS and word_shares(content)[1] >= _TITLE_CASE


def is_link_row(line: str) -> bool:
    """Whether ``line`` is a list item or a row of links or buttons ("[Docs] [txt|pdf]"):
    never a headline."""
    return bool(_NOT_HEADLINE.search(line))


def headline_text(line: str) -> str:
    """A headline line as it is read: without a permalink mark pasted with it."""
    return _PERMALINK.sub("", line) or line


TITLE_FEATURES = (
    "topic",
    "lede_topic",
    "distance",
    "between",
    "words",
    "short",
    "meta_after",
    "meta_before",
    "repeated",
    "story_p",
    "question",
    "capital_share",
    "digit_share",
    "inside",
    "topic_rank",
    "prev_p",
    "function_share",
    "long",
    "quote_start",
    "credit",
)


@dataclass(frozen=True)
class TitleCandidate:
    """A line that might be the headline, and its :data:`TITLE_FEATURES`."""

    index: int
    features: tuple[float, ...]


def title_candidates(
    lines: Sequence[str],
    scores: Sequence[float],
    story: Sequence[bool],
    usable: Callable[[str], bool],
    first: int,
    lead: int,
    vocabulary: Counter[str],
    repeats: Counter[str],
) -> list[TitleCandidate]:
    """Every heading-shaped line from the top of the page to just inside the story that
    ``usable`` accepts, with the evidence the title scorer weighs."""
    from narrator.extract.text import find_byline  # text.py imports this module

    top = min(len(lines), max(first, lead) + 2)
    lede = next((i for i in range(lead, len(lines)) if story[i] and _is_prose(lines[i])), None)
    lede_words = _content_words(lines[lede]) if lede is not None else set()
    # (byline, date) of each line that may sit next to a candidate.
    bylines = [find_byline(ln) for ln in lines[: top + 5]]
    meta = [any(found) for found in bylines]
    found: list[tuple[int, list[float]]] = []
    for i in range(top):
        line = lines[i]
        copies = repeats[line.casefold()]
        if not _heading_shaped(line) or copies > 3 or not usable(line):
            continue
        if bylines[i][0]:
            continue
        if story[i] and i >= first and word_count(line) > 20:
            continue
        if _FILE_NAME.search(line) or is_link_row(line) or _CAPTION.search(line):
            continue  # a file name, a row of links, a photo's caption with its credit
        if _WEB_ADDRESS.search(line) or line.count(": ") >= 2:
            continue  # a web address or a row of "Label: value" pairs ("RRP: £23.99")
        if (
            _is_prose(line)
            and (i >= lead or _INNER_SENTENCE.search(line))
            and not _title_cased(line)
        ):
            continue  # two sentences of prose: the text, not a heading (unless title-cased)
        words = _content_words(line)
        topic = sum(1 for w in words if vocabulary[w]) / len(words) if words else 0.0
        lede_topic = len(words & lede_words) / len(words) if words else 0.0
        function, capital = word_shares(_ALPHA_WORD.findall(line))
        n = word_count(line)
        found.append(
            (
                i,
                [
                    topic,
                    lede_topic,
                    math.log1p(abs(lead - i)),
                    0.0,  # filled in below
                    math.log1p(n),
                    float(n <= 3),
                    float(any(meta[i + 1 : i + 5])),
                    float(any(meta[max(0, i - 3) : i])),
                    float(min(copies, 3) - 1),
                    scores[i],
                    float(line.rstrip().endswith("?")),
                    capital,
                    sum(c.isdigit() for c in line) / max(len(line), 1),
                    float(i >= lead),
                    0.0,  # filled in below
                    scores[i - 1] if i else 0.0,
                    function,
                    float(n >= _LONG_HEADLINE),
                    float(line[:1] in _OPENING_QUOTES),
                    float(bool(_CREDIT.search(line))),
                ],
            )
        )
    positions = [i for i, _ in found]
    ranked = sorted(range(len(found)), key=lambda k: -found[k][1][0])
    for rank, k in enumerate(ranked):
        found[k][1][14] = math.log1p(rank)
    from bisect import bisect_left

    for i, features in found:
        features[3] = math.log1p(abs(bisect_left(positions, lead) - bisect_left(positions, i)))
    return [TitleCandidate(i, tuple(f)) for i, f in found]


@dataclass(frozen=True)
class _TitleModel:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]

    def score(self, features: Sequence[float]) -> float:
        return sum(
            w * (x - m) / s
            for x, m, s, w in zip(features, self.mean, self.scale, self.weights, strict=True)
        )


@cache
def _title_model(path: Path = TITLE_MODEL_PATH) -> _TitleModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != TITLE_FEATURES:
        raise ValueError(f"{path} was trained on other features; retrain it")
    return _TitleModel(tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]))


def _best_title(lines: Sequence[str], candidates: Sequence[TitleCandidate]) -> int | None:
    """The index of the candidate the title scorer ranks first."""
    if not candidates:
        return None
    model = _title_model()
    return max(candidates, key=lambda c: model.score(c.features)).index
