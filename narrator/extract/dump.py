"""A whole page pasted as text: keep the story's lines, find its headline, byline and date.

The line model (:mod:`narrator.extract._lines`) says which lines are story text. Around
that decision sit the few rules that hold on any page:

* the headline is the line the story hangs from: a heading-shaped line (a few words, no
  closing period, shown once) shortly above the story's first lines, preferring the one
  whose words the story uses most (a menu item, a section label, a cookie button or a date
  shares none of them);
* the byline and date are the short lines next to the headline that read as such;
* removing most of the page's prose needs strong evidence: when the model would drop more
  than half of it, only lines it is sure of are dropped, and ``--explain`` says so.

Pure: no I/O beyond reading the model file once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from narrator.extract._lines import label_lines
from narrator.extract.chrome import DROP, Rules, shorten, word_count
from narrator.models import Block, DroppedBlock

__all__ = ["PageLines", "is_page_dump", "read_page_dump"]

# Fewer lines than this is a hand-written text or a short note, not a page: nothing to strip.
_MIN_LINES = 25
_PROSE_WORDS = 15
_STORY = 0.5
# When the model would drop more than this share of the prose, only sure drops stand.
_PROSE_GUARD = 0.5
_SURE = 0.1
# Story prose the model vouches for ends any section a rule opened; a summary box's points
# are one short sentence each, so only longer lines count.
_VOUCHED_WORDS = 30
# The headline sits at most this many lines above the story's first kept line.
_TITLE_LOOKBACK = 15
_TITLE_MIN_WORDS, _TITLE_MAX_WORDS = 2, 30
_ENDS_PERIOD = re.compile(r"[.,;:]$")
_ALPHA_WORD = re.compile(r"[^\W\d_]+")
_FILE_NAME = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|mp4)$", re.IGNORECASE)
# A list item ("+ Added ..."), or a row of links or buttons ("[Docs] [txt|pdf]").
_NOT_HEADLINE = re.compile(r"^[-+*•>]\s|[|\[\]].*[|\[\]]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


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


def read_page_dump(
    text: str, keep: frozenset[str] = frozenset(), rules: Rules | None = None
) -> PageLines:
    """Split a page dump into story lines and the rest; find headline, byline and date.

    ``keep`` holds folded texts of lines to keep whatever the model says (the lines of a
    side part a rule labeled, such as a summary box). A dropped line that one of
    ``rules`` names is reported under that rule's name, which says more than a score.
    """
    from narrator.extract.text import find_byline  # text.py imports this module

    raw = text.split("\n")
    where = [i for i, line in enumerate(raw) if line.strip()]
    lines = [" ".join(raw[i].split()) for i in where]
    scores = label_lines(lines)
    story = [p >= _STORY or _key(ln) in keep for p, ln in zip(scores, lines, strict=True)]
    notes: list[DroppedBlock] = []
    prose = [word_count(ln) if _is_prose(ln) else 0 for ln in lines]
    total = sum(prose)
    kept_prose = sum(n for n, s in zip(prose, story, strict=True) if s)
    if total and kept_prose < (1 - _PROSE_GUARD) * total:
        story = [p >= _SURE or _key(ln) in keep for p, ln in zip(scores, lines, strict=True)]
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
    body = [p >= _STORY and _key(ln) not in keep for p, ln in zip(scores, lines, strict=True)]
    first = next((i for i, s in enumerate(body) if s and prose[i]), None)
    if first is None:
        first = next((i for i, s in enumerate(story) if s), len(lines))
    if rules is not None:
        # A summary or key-points box opens the story; the headline is above it.
        for i in range(first):
            opened = rules.section(lines[i]) if word_count(lines[i]) <= 6 else None
            if opened is not None and opened.part not in (DROP, "body"):
                first = i
                break
    vocabulary = Counter[str]()
    for i, line in enumerate(lines):
        if story[i] and prose[i]:
            vocabulary.update(_content_words(line))
    repeats = Counter(ln.casefold() for ln in lines)
    usable = [_key(ln) not in keep and (rules is None or rules.match(ln) is None) for ln in lines]
    title_at = _find_title(lines, story, usable, first, vocabulary, repeats)
    roles: dict[int, tuple[str, str]] = {}
    title = byline = date = None
    if title_at is not None:
        title = lines[title_at]
        story[title_at] = False
        roles[title_at] = ("meta:title", "read as the title")
        # The headline repeated in the story's first lines (a share box, a breadcrumb).
        for i in range(title_at + 1, min(len(lines), first + 3)):
            if lines[i].casefold() == title.casefold():
                story[i] = False
                roles[i] = ("meta:title", "the headline again")
        start = max(0, title_at - 3)
        for i in range(start, min(len(lines), max(first, title_at + 1) + 4)):
            if i == title_at or prose[i]:
                continue
            who, when = find_byline(lines[i])
            if who and byline is None and i > title_at:
                byline, date = who, date or when
                story[i] = False
                roles[i] = ("meta:byline", "read as the byline")
            elif when and date is None and word_count(lines[i]) <= 12 and not who:
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
        copies = repeats[lines[n].casefold()]
        if copies > 1 and 2 <= word_count(lines[n]) <= 10:
            why = DroppedBlock(
                shorten(lines[n]), "chrome:repeated", f"shown {copies} times on the page: a box"
            )
        else:
            why = DroppedBlock(
                shorten(lines[n]),
                "model:not-story",
                f"the line model gives it p={scores[n]:.2f} of being story text",
            )
        not_story.setdefault(_key(lines[n]), why)
    vouched = frozenset(
        _key(ln)
        for ln, p, n in zip(lines, scores, prose, strict=True)
        if p >= _STORY and n >= _VOUCHED_WORDS
    )
    return PageLines("\n".join(out), title, byline, date, tuple(dropped), vouched, not_story)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _is_prose(line: str) -> bool:
    return word_count(line) >= _PROSE_WORDS and bool(_SENTENCE_END.search(line))


def _heading_shaped(line: str) -> bool:
    words = word_count(line)
    first = next((c for c in line if c.isalnum()), "")
    return (
        _TITLE_MIN_WORDS <= words <= _TITLE_MAX_WORDS
        and not _ENDS_PERIOD.search(line)
        and not first.islower()
        and not line.isupper()
    )


def _find_title(
    lines: list[str],
    story: list[bool],
    usable: list[bool],
    first: int,
    vocabulary: Counter[str],
    repeats: Counter[str],
) -> int | None:
    """The index of the headline: heading-shaped, shown once, above the story, on its topic."""
    above = _best_title(lines, story, usable, first, vocabulary, repeats, first)
    if above is not None:
        return above
    # No line above the story's first line will do: the headline may be that line itself.
    return _best_title(lines, story, usable, first, vocabulary, repeats, first + 2)


def _best_title(
    lines: list[str],
    story: list[bool],
    usable: list[bool],
    first: int,
    vocabulary: Counter[str],
    repeats: Counter[str],
    top: int,
) -> int | None:
    from narrator.extract.text import find_byline  # text.py imports this module

    best: tuple[float, int] | None = None
    for i in range(max(0, first - _TITLE_LOOKBACK), min(len(lines), top)):
        line = lines[i]
        if not usable[i] or not _heading_shaped(line) or repeats[line.casefold()] > 2:
            continue
        if story[i] and i >= first and word_count(line) > 20:
            continue
        if _FILE_NAME.search(line) or _NOT_HEADLINE.search(line) or find_byline(line)[0]:
            continue
        words = _content_words(line)
        topic = sum(1 for w in words if vocabulary[w]) / len(words) if words else 0.0
        distance = abs(first - i)
        words_in = word_count(line)
        score = 2.0 * topic + 0.6 * min(words_in, 10) / 10 - 0.05 * distance
        if words_in <= 3:
            # Button and label text ("Share to Kinja", "More Options"): headlines say more.
            score -= 0.4
        # The line a byline or a date hangs from is the headline.
        if any(any(find_byline(lines[j])) for j in range(i + 1, min(len(lines), i + 5))):
            score += 0.6
        if repeats[line.casefold()] == 2:
            score -= 0.2
        if best is None or score > best[0]:
            best = (score, i)
    return best[1] if best is not None else None
