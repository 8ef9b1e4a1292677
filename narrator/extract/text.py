"""Plain text and page dumps -> :class:`~narrator.models.Article`.

A *page dump* is the text of a whole web page, copied from a browser or saved by a tool:
the headline and story, with the page's chrome (menus, promos, sign-up boxes, rating
widgets, tag lines) wherever the page had it, often between story paragraphs. The story's
paragraphs are usually one line each, separated by blank lines. Hand-written plain text is
instead often *hard-wrapped*: one paragraph over several lines cut at about 72 columns.
The two need opposite treatment of a line break, so the document is first classified
(:func:`_looks_hard_wrapped`), then cut into typed blocks, then the headline, byline and
date are taken from the top, and the shared chrome filter labels and drops the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from narrator.extract._byline import clean_byline, date_after
from narrator.extract.chrome import (
    TIME_AGO,
    Rules,
    authored_prose,
    filter_blocks,
    is_prose,
    load_rules,
    require_story,
    shorten,
    word_count,
)
from narrator.extract.dump import (
    PageLines,
    is_link_row,
    is_page_dump,
    prose_words,
    read_page_dump,
)
from narrator.models import Article, Block, BlockKind, Document, DroppedBlock

__all__ = [
    "clean_text",
    "extract_text",
    "find_byline",
    "find_name_byline",
    "parse_date",
    "take_meta",
]

# Control characters that are never text; form feeds and vertical tabs end a line.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\u0085\u2028\u2029]")
# Invisible on the page and a stumble for engines: zero-width characters, soft hyphens, BOMs.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile("[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")

_LIST_ITEM = re.compile(r"^\s*(?:[-*•‣◦▪–+]|\d{1,3}[.)])\s+(?=\S)")
_QUOTE = re.compile(r"^\s*>\s?")
_SEPARATOR = re.compile(r"^\s*(?:[-*_=~#•·]\s*){3,}$")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"'”’)\]]*$")
_ENDS_HEADING_BAD = re.compile(r"[.,;:!…][\"'”’)\]]*$")

# A subhead is a short line: longer than this is a one-sentence paragraph without a period.
_HEADING_MAX_WORDS = 14
_TITLE_MAX_WORDS = 30
# The headline is among the first few lines that are not chrome; past them, a short line
# is a subhead.
_TITLE_WINDOW = 12
# Byline and date lines sit just under the headline.
_META_WINDOW = 6


_Joiner = Callable[[str, str], bool]
"""Whether a line (second argument) continues the paragraph whose last line is the first."""


@dataclass
class _Unit:
    """A block under construction: its lines, kind and heading level."""

    kind: BlockKind
    lines: list[str] = field(default_factory=list)
    level: int = 0

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.lines).split())


def clean_text(text: str) -> str:
    """``text`` with line breaks unified and control and invisible characters removed."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", _CONTROL.sub("", text))
    return _SPACES.sub(" ", text)


def extract_text(document: Document, rules: Rules | None = None) -> Article:
    """Find the article in a plain-text document or page dump.

    The title is the headline at the top; the byline and date lines under it become
    metadata; chrome is dropped and side sections are labeled by ``rules`` (by default
    :func:`~narrator.extract.chrome.load_rules`). Raises
    :class:`~narrator.errors.NoArticleError` when no story text is left.
    """
    rules = (rules if rules is not None else load_rules()).for_text(document.text)
    text = clean_text(document.text)
    groups = _groups(text)
    dropped: list[DroppedBlock] = []
    wrapped = _looks_hard_wrapped(groups)
    page: PageLines | None = None
    if not wrapped and is_page_dump(text):
        # A whole page pasted: the line model says which lines are story and finds the
        # headline; the rules still label side parts (a summary box) and drop what is
        # universal chrome, but no rule drops a line the model vouches for.
        page = read_page_dump(text, rules=rules)
        dropped += page.dropped
        groups = _groups(page.text)
    units = _wrapped_units(groups, rules) if wrapped else _dump_units(groups)
    _type_headings(units)
    blocks = [Block(u.kind, u.text, u.level) for u in units if u.text]

    if page is not None:
        title: str | None = page.title
        byline, date = page.byline, page.date
    else:
        title, blocks, before, below = _take_title(blocks, rules)
        dropped += before
        byline, date, blocks, meta = take_meta(blocks, below)
        dropped += meta
    if page is None:
        kept, chrome = filter_blocks(blocks, rules, protect=authored_prose)
    else:
        # Rules may drop chrome lines and widgets or label a side part, but no section may
        # swallow (or relabel) story prose the model vouches for.
        kept, chrome = filter_blocks(
            blocks, rules, protect=page.is_story, protect_from_drops=page.is_sure_prose
        )
        kept, chrome = page.drop_not_story(kept, chrome)
    dropped += chrome
    require_story(kept, dropped, document.source)
    return Article(
        title=title,
        blocks=kept,
        byline=clean_byline(byline, date_after(lambda: text)),
        date=date,
        url=document.url,
        source=document.source,
        dropped=tuple(dropped),
    )


# --- lines -> units ----------------------------------------------------------------------


def _groups(text: str) -> list[list[str]]:
    """Runs of non-blank lines, right-stripped, with section rules (``***``) removed."""
    groups: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = raw.rstrip()
        if not line.strip():
            if current:
                groups.append(current)
            current = []
        elif _SEPARATOR.match(line) and not (current and _SETEXT.match(line)):
            # A scene break or horizontal rule carries no words; it only ends a paragraph.
            if current:
                groups.append(current)
            current = []
        else:
            current.append(line)
    if current:
        groups.append(current)
    return groups


def _looks_hard_wrapped(groups: Sequence[list[str]]) -> bool:
    """Whether line breaks inside a paragraph are wrapping rather than the page's own breaks.

    A dump's lines inside a group are separate items ("SAN provides" / "Unbiased. Straight
    Facts.") that mostly end a sentence, or are short; wrapped lines are about one width
    and mostly stop mid-sentence. So: at least three inner lines (lines followed by another
    in their group), fewer than half of them ending a sentence, most of them near the
    longest inner line, and that width a plausible wrap column.
    """
    inner = [
        line.strip()
        for group in groups
        for line in group[:-1]
        if not _LIST_ITEM.match(line) and not _QUOTE.match(line)
    ]
    if len(inner) < 3:
        return False
    lengths = sorted(len(line) for line in inner)
    width = lengths[(len(lengths) - 1) * 9 // 10]
    if not 30 <= width <= 120:
        return False
    ending = sum(1 for line in inner if _ENDS_SENTENCE.search(line))
    near = sum(1 for n in lengths if n >= 0.6 * width)
    return ending < 0.5 * len(inner) and near >= 0.7 * len(inner)


def _wrap_width(groups: Sequence[list[str]]) -> int:
    lengths = sorted(len(line.strip()) for group in groups for line in group[:-1])
    return lengths[(len(lengths) - 1) * 9 // 10] if lengths else 0


def _dump_units(groups: Sequence[list[str]]) -> list[_Unit]:
    """Units of a page dump: every line its own block, except obvious continuations."""
    units: list[_Unit] = []
    for group in groups:
        first = len(units)
        for line in group:
            _add_line(units, first, line, joins=_continues)
    return units


def _wrapped_units(groups: Sequence[list[str]], rules: Rules) -> list[_Unit]:
    """Units of hard-wrapped text: lines join into paragraphs until a short line ends one."""
    width = _wrap_width(groups)

    def joins(previous: str, line: str) -> bool:
        # A paragraph's last line is short; a chrome line stands alone even mid-paragraph.
        return len(previous.strip()) >= 0.6 * width and rules.match_line(line) is None

    units: list[_Unit] = []
    for group in groups:
        first = len(units)
        for line in group:
            if rules.match_line(line) is not None:
                units.append(_Unit(BlockKind.PARAGRAPH, [line.strip()]))
                first = len(units)  # nothing joins onto a chrome line
                continue
            _add_line(units, first, line, joins=joins)
    return units


def _add_line(units: list[_Unit], first: int, line: str, *, joins: _Joiner) -> None:
    """Add ``line`` to ``units``; ``first`` is the index of its group's first unit."""
    last = units[-1] if len(units) > first else None
    setext = _SETEXT.match(line)
    if setext and last is not None and last.kind is BlockKind.PARAGRAPH and len(last.lines) == 1:
        # "Title" over "=====" is a heading in plain text as much as in Markdown.
        last.kind, last.level = BlockKind.HEADING, 1 if setext.group(1)[0] == "=" else 2
        return
    if marker := _LIST_ITEM.match(line):
        units.append(_Unit(BlockKind.LIST_ITEM, [line[marker.end() :]]))
        return
    if quote := _QUOTE.match(line):
        if last is not None and last.kind is BlockKind.QUOTE:
            last.lines.append(line[quote.end() :])
        else:
            units.append(_Unit(BlockKind.QUOTE, [line[quote.end() :]]))
        return
    if last is not None and last.kind is BlockKind.LIST_ITEM and line[:1].isspace():
        last.lines.append(line)  # an indented continuation of a list item
        return
    if last is not None and last.kind is BlockKind.PARAGRAPH and joins(last.lines[-1], line):
        last.lines.append(line)
        return
    units.append(_Unit(BlockKind.PARAGRAPH, [line]))


def _continues(previous: str, line: str) -> bool:
    """In a dump, a line continues the one before only mid-sentence: no end mark, lower case."""
    stripped = line.lstrip()
    return (
        not _ENDS_SENTENCE.search(previous)
        and word_count(previous) > _HEADING_MAX_WORDS // 2
        and stripped[:1].islower()
    )


def _type_headings(units: list[_Unit]) -> None:
    """Make a short one-line paragraph without a closing mark a heading, when text follows.

    A question is a subhead too ("How is the US pressuring Caracas?"). A heading is a short
    line *over a paragraph*: a run of short lines is a list, a poem or a menu, whose lines
    are read (or dropped as chrome) one by one, and a short last line heads nothing.
    """
    shaped = [
        u.kind is BlockKind.PARAGRAPH and len(u.lines) == 1 and _heading_shape(u.text)
        for u in units
    ]
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else None
        if (
            shaped[index]
            and following is not None
            and not shaped[index + 1]
            and following.kind is not BlockKind.HEADING
        ):
            unit.kind, unit.level = BlockKind.HEADING, 2


def _heading_shape(text: str, max_words: int = _HEADING_MAX_WORDS) -> bool:
    first = next((c for c in text if c.isalnum()), "")
    return (
        0 < word_count(text) <= max_words
        and not _ENDS_HEADING_BAD.search(text)
        and not first.islower()
        and len(text) <= 12 * max_words
    )


# --- the top of the page: headline, byline, date -----------------------------------------


def _take_title(
    blocks: list[Block], rules: Rules
) -> tuple[str | None, list[Block], list[DroppedBlock], int]:
    """The headline, the blocks without it, the unknown short lines above it, and the index
    (in the returned blocks) of the first block below it.

    The headline is the first heading-shaped line of three words or more before the first
    paragraph, skipping chrome; shorter lines above it are kickers and menu words ("World",
    "Politics"). With no such line but a shorter heading, that heading is the headline.
    A headline needs something under it: a lone line is the text, not a title.
    """
    candidates: list[int] = []
    looked = 0
    for index, block in enumerate(blocks):
        if rules.match(block.text) is not None or rules.section(block.text) is not None:
            continue
        looked += 1
        if looked > _TITLE_WINDOW:
            break
        if block.kind is not BlockKind.HEADING and not (
            block.kind is BlockKind.PARAGRAPH
            and _heading_shape(block.text, _TITLE_MAX_WORDS)
            and not is_prose(block.text)
        ):
            break
        candidates.append(index)
    candidates = [
        i for i in candidates if any(rules.match(b.text) is None for b in blocks[i + 1 :])
    ]
    # A row of links or buttons above the headline is chrome, never the headline itself.
    eligible = [i for i in candidates if not is_link_row(blocks[i].text)]
    if not eligible:
        return None, blocks, [], 0
    chosen = next((i for i in eligible if word_count(blocks[i].text) >= 3), eligible[0])
    above = [
        DroppedBlock(
            shorten(blocks[i].text),
            "chrome:above-headline",
            "a short line above the headline: a section label or menu word",
        )
        for i in candidates
        if i < chosen
    ]
    skip = {i for i in candidates if i <= chosen}
    rest = [b for i, b in enumerate(blocks) if i not in skip]
    return blocks[chosen].text, rest, above, chosen + 1 - len(skip)


_AFTER_NAME = re.compile(
    r"\s+(?=(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?\s+\d)"
    r"|\s+(?=\d{1,2}(?::\d{2}|/\d{1,2}/|\.\d{1,2}\.))"
    r"|\s+(?=follow\b|@\w)",
    re.IGNORECASE,
)
# Leading marks are a template's decoration ("// By Jane Doe").
_BYLINE = re.compile(
    r"^[^\w\s]*\s*(?:by|written by|words by|story by)\s+(?P<who>\S.*)$", re.IGNORECASE
)
_META_SPLIT = re.compile(r"\s+[|•·—–]\s+|\s{2,}")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = (
    # No \b at the end: "2024-03-18T08:30:00Z" has a letter right after the day.
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b", re.I),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})\b", re.I),
    re.compile(r"\b(?P<mnum>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b"),
)


def parse_date(text: str) -> tuple[str, int] | None:
    """The first calendar date in ``text`` as ISO 8601, and where it starts; None if none.

    Numeric ``m/d/yyyy`` is read the American way, as the English-language news sites
    narrator reads mostly write it.
    """
    for pattern in _DATE_PATTERNS:
        for found in pattern.finditer(text):
            parts = found.groupdict()
            month = _MONTHS[parts["month"].lower()] if parts.get("month") else int(parts["mnum"])
            try:
                day = dt.date(int(parts["year"]), month, int(parts["day"]))
            except ValueError:
                continue
            return day.isoformat(), found.start()
    return None


def find_byline(text: str) -> tuple[str | None, str | None]:
    """(byline, ISO date) from a short line such as ``By Jane Doe | Oct. 24, 2025``."""
    if word_count(text) > 20:
        return None, None
    byline: str | None = None
    date: str | None = None
    for piece in _META_SPLIT.split(text.strip()):
        found = parse_date(piece)
        who = _BYLINE.match(piece)
        if who and byline is None:
            name = who.group("who")
            if found is not None:  # "By Jane Doe, October 24, 2025"
                name = name[: max(0, found[1] - who.start("who"))]
            # "By Jane Doe March 18 at 12:22 PM Follow @janedoe": the name ends where a
            # date, a time, a handle or a follow button begins.
            name = _AFTER_NAME.split(name, maxsplit=1)[0]
            name = re.sub(
                r"\s+(?:on|at|updated|published)\s*$", "", name.strip(" ,;-|"), flags=re.I
            )
            byline = name or None
        if found is not None and date is None:
            date = found[0]
    return byline, date


# A time ago, a time of day or a dotted date: "1 day ago", "1:39 PM ET", "11.03.17".
_TIME = re.compile(
    r"(?i)" + TIME_AGO + r"|\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\b|utc\b|gmt\b)"
    r"|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b"
)
_HANDLE = re.compile(r"(?<!\w)@\w{2,}")
# An author's follow button or profile link, on the name's line or the next.
_FOLLOW = re.compile(r"\W*(?:[Ff]ollow|FOLLOW|[Pp]rofile|PROFILE|[Vv]iew [Pp]rofile)(?=[A-Z]|\b)")
# Where a name ends: a separator, a comma, or the date, time or handle after it.
_NAME_END = re.compile(r"\s+[|•·—–-]\s+|,\s*|\s+(?=@\w|\d)|" + _AFTER_NAME.pattern, re.IGNORECASE)
_NAME_WORD = re.compile(r"^(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*|[A-Z]\.)$")
_DATE_WORDS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    | {"today", "yesterday", "published", "updated", "posted", "last"}
)
_NAME_PARTICLES = frozenset(
    {"de", "van", "von", "da", "del", "der", "den", "bin", "al", "la", "le"}
)


def find_name_byline(text: str, after: str, common: Callable[[str], bool]) -> str | None:
    """The author's name from a byline written without "By": a person's name at the start of
    a short line, with the byline's other marks after it (a date, a time, a handle) on the
    same line or, for a name alone on its line, a date or time on the ``after`` line
    ("Dan Goodin - Apr 16, 2015 8:02 pm UTC", "Devindra Hardawar, @devindra", "Sarah
    Archer" over "1:39 PM ET").

    A name is two to four capitalised words (initials and particles such as "de" allowed);
    ``common(word)`` says a (casefolded) word is one the story's prose uses, which a name's
    words are not ("World News | Oct. 24" is a section and a date, "New Delhi, Nov. 19" a
    dateline, not bylines); nor is a date word ("Published Monday, November 18").
    """
    if word_count(text) > 16:
        return None
    cut = _NAME_END.search(text)
    name = (text[: cut.start()] if cut else text).strip()
    rest = text[cut.start() :] if cut else ""
    tokens = name.split()
    if not 2 <= len(tokens) <= 4:
        return None
    for k, token in enumerate(tokens):
        if token in _NAME_PARTICLES and 0 < k < len(tokens) - 1:
            continue
        folded = token.casefold().rstrip(".")
        if folded in _DATE_WORDS or folded in _MONTHS:
            return None
        if not _NAME_WORD.match(token) or (len(token) > 2 and common(folded)):
            return None
    if not any(len(t) > 2 for t in tokens):
        return None

    def marked(line: str) -> bool:
        return parse_date(line) is not None or _TIME.search(line) is not None

    if rest.strip():
        evidence = marked(rest) or bool(_HANDLE.search(rest) or _FOLLOW.match(rest))
    else:  # the next line opens with its date or time ("1:39 PM ET", "Apr 16, 2015") or
        # is the author's follow button ("Follow", "ProfileFollowUnfollow")
        found = parse_date(after)
        opens = (found is not None and found[1] == 0) or _TIME.match(after) is not None
        button = word_count(after) <= 3 and _FOLLOW.match(after) is not None
        evidence = (word_count(after) <= 12 and opens) or button
    return name if evidence else None


def take_meta(
    blocks: list[Block], start: int = 0
) -> tuple[str | None, str | None, list[Block], list[DroppedBlock]]:
    """Byline and date from the lines from ``start`` (just under the headline) on, and the
    blocks without them."""
    byline: str | None = None
    date: str | None = None
    taken: list[DroppedBlock] = []
    rest: list[Block] = list(blocks[:start])
    window: list[Block] = []
    for block in blocks[start : start + _META_WINDOW]:
        if is_prose(block.text, 12):
            break
        window.append(block)
    meta = [find_byline(b.text) for b in window]
    # A byline that says "By" outranks a name that reads as one; a name is no word of the
    # story's prose.
    names = not any(who for who, _ in meta)
    written = prose_words(b.text for b in blocks[start + len(window) :] if is_prose(b.text, 12))
    for index, block in enumerate(blocks[start:], start):
        if index - start >= len(window):
            rest.extend(blocks[index:])
            break
        who, when = meta[index - start]
        if who is None and names and byline is None:
            after = blocks[index + 1].text if index + 1 < len(blocks) else ""
            who = find_name_byline(block.text, after, written.__contains__)
        is_date_line = when is not None and word_count(block.text) <= 12 and not who
        if who and byline is None:
            byline = who
            date = date or when
            taken.append(DroppedBlock(shorten(block.text), "meta:byline", "read as the byline"))
        elif is_date_line and date is None:
            date = when
            taken.append(DroppedBlock(shorten(block.text), "meta:date", "read as the date"))
        else:
            rest.append(block)
    return byline, date, rest, taken
