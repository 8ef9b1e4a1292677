"""Page chrome: the rules that recognise it, and the block filter every extractor shares.

"Chrome" is whatever a page shows around its story that a listener must not hear: menus,
promos and slogans, sign-up and cookie boxes, share rows, "Advertisement", related lists,
rating widgets, tag and copyright lines. What recognises each kind is *data*: TOML files
of :class:`Rule` s, shipped in ``narrator/extract/rules/`` and added by users in
``$XDG_CONFIG_HOME/narrator/rules/`` (or passed explicitly). A rule file looks like::

    disable = ["chrome:share-row"]          # optional: switch off rules loaded earlier
    applies_to = ["SAN provides"]           # optional (site files): only on documents
                                            # showing one of these texts

    [[rule]]
    name = "chrome:advertisement"           # shown by `narrator extract --explain`
    scope = "line"                          # line | block | section-start
    why = "Ad slot labels left in the text when a page is copied."
    phrases = ["Advertisement", "Sponsored content"]   # the whole text, any case
    patterns = ['^story continues below']   # regular expressions, searched, any case
    part = "drop"                           # drop it, or label it a side part ("credits")
    max_words = 12                          # only text this short can match (0: any)
    cluster = false                         # see below

``line`` rules can remove a line from inside a hard-wrapped paragraph; ``block`` rules see
whole paragraphs. ``section-start`` rules match a heading-like block that opens a section:
the section's blocks get the rule's ``part`` (``summary``, ``analysis``, ``body``) or are
dropped (``drop``), until the next section start, or, with ``ends_before_prose = N``, until a
paragraph of at least N words that reads as story prose. ``keep_heading = false`` drops the
section's own heading (a "Full story" tab label says nothing to a listener).
``through_posts = true`` keeps a dropping section going through prose the caller vouches
for while the section reads as readers' posts, each under its own time line.

Phrases are compared after folding case, quotes, compatibility characters (``™`` -> ``(TM)``)
and surrounding punctuation. Patterns are searched in the same folded text, ignoring case.

Besides the rules, :func:`filter_blocks` applies four structural checks that are code,
because they look at neighbours rather than at one text (a ``disable`` list can switch
each off by name):

* widget clusters: a short unrecognised line between two hits of ``cluster = true`` rules
  is part of the same widget ("Transparent and credible" between two rating lines);
* navigation runs: four or more very short lines in a row are a menu;
* repeats: a short line that occurs twice or more is a box the page repeats ("SAN
  provides", a slogan); a story does not repeat its own lines word for word;
* empty headings: a heading with nothing under it was a widget's label.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from narrator.errors import ConfigError, NoArticleError
from narrator.models import Block, BlockKind, DroppedBlock

__all__ = [
    "DROP",
    "TIME_AGO",
    "Rule",
    "Rules",
    "Scope",
    "authored_prose",
    "builtin_rules",
    "filter_blocks",
    "fold",
    "is_prose",
    "load_rules",
    "require_story",
    "shorten",
    "user_rules_dir",
    "word_count",
]

DROP = "drop"
"""The ``part`` of a rule that drops what it matches instead of labeling it."""

_BUILTIN_DIR = Path(__file__).resolve().parent / "rules"

_WORD = re.compile(r"\w+")
_FOLD = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "™": "(TM)",
        "®": "(R)",
        "℠": "(SM)",
    }
)
_EDGE_PUNCT = " \t.,;:!?-–—|•·*>\"'()[]"
# A sentence ends here: final punctuation, maybe inside closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")

# How short a line must be to count as part of a widget cluster or a navigation run.
_CLUSTER_MAX_WORDS = 8
_NAV_MAX_WORDS = 3
_NAV_MIN_RUN = 4


class Scope(StrEnum):
    """What a rule looks at."""

    LINE = "line"
    BLOCK = "block"
    SECTION_START = "section-start"


@dataclass(frozen=True)
class Rule:
    """One named way of recognising page chrome or a side section."""

    name: str
    """Shown in ``--explain``, e.g. ``chrome:newsletter``; a later rule of the same name
    replaces an earlier one."""

    scope: Scope
    """Whether the rule matches single lines, whole blocks, or section-opening headings."""

    why: str
    """Why this text is chrome; becomes :attr:`DroppedBlock.detail`."""

    phrases: frozenset[str] = frozenset()
    """Whole texts that match, already :func:`fold` ed."""

    patterns: tuple[re.Pattern[str], ...] = ()
    """Regular expressions searched in the folded text."""

    part: str = DROP
    """``drop``, or the part the matched blocks are labeled with."""

    max_words: int = 0
    """Only texts of at most this many words can match; 0 for no limit. Chrome is short,
    so a limit keeps a rule away from story paragraphs that merely mention its words."""

    cluster: bool = False
    """Hits mark a widget: short unknown lines between two such hits are dropped too."""

    keep_heading: bool = True
    """Section starts only: keep the opening heading in the section's part."""

    ends_before_prose: int = 0
    """Section starts only: the section ends before a prose paragraph of this many words
    (0: it runs to the next section start)."""

    through_posts: bool = False
    """Dropping section starts only: story prose the caller protects does not end the section
    while the section reads as posts, each under its own time line (readers' comments)."""

    source: str = ""
    """The file the rule was read from."""

    signature: tuple[str, ...] = ()
    """Folded texts of which one must occur in a document for the rule to apply there (its
    file's ``applies_to``, for a site file); empty: it applies everywhere."""

    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One alternation instead of a loop over patterns: matching runs for every line.
        joined = "|".join(f"(?:{p.pattern})" for p in self.patterns)
        object.__setattr__(self, "_regex", re.compile(joined, re.IGNORECASE) if joined else None)

    def matches(self, folded: str, words: int, key: str | None = None) -> bool:
        """Whether the already :func:`fold` ed text of ``words`` words matches this rule;
        ``key`` is its phrase key (edges stripped, case folded) when the caller has it."""
        if self.max_words and words > self.max_words:
            return False
        if (key if key is not None else _strip_edges(folded).casefold()) in self.phrases:
            return True
        return self._regex is not None and self._regex.search(folded) is not None


@dataclass(frozen=True)
class Rules:
    """A loaded set of rules, in load order."""

    rules: tuple[Rule, ...] = ()
    """Every active rule."""

    sources: tuple[str, ...] = ()
    """The files they came from, for messages."""

    disabled: frozenset[str] = frozenset()
    """Names switched off by a ``disable`` list; also switches off the structural checks
    (``chrome:widget``, ``chrome:nav-run``, ``chrome:repeated``, ``structure:empty-heading``)."""

    _content: tuple[Rule, ...] = field(init=False, repr=False, compare=False)
    _line: tuple[Rule, ...] = field(init=False, repr=False, compare=False)
    _sections: tuple[Rule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Split once by scope: matching runs for every line of every page.
        content = tuple(r for r in self.rules if r.scope is not Scope.SECTION_START)
        object.__setattr__(self, "_content", content)
        object.__setattr__(self, "_line", tuple(r for r in content if r.scope is Scope.LINE))
        object.__setattr__(
            self, "_sections", tuple(r for r in self.rules if r.scope is Scope.SECTION_START)
        )

    def for_text(self, text: str) -> Rules:
        """These rules without the site rules whose site ``text`` does not show."""
        if not any(r.signature for r in self.rules):
            return self
        folded = fold(text).casefold()
        active = tuple(
            r for r in self.rules if not r.signature or any(s in folded for s in r.signature)
        )
        if len(active) == len(self.rules):
            return self
        return Rules(active, self.sources, self.disabled)

    def match(self, text: str) -> Rule | None:
        """The first line or block rule that matches ``text``, if any."""
        return _first(self._content, text)

    def match_line(self, text: str) -> Rule | None:
        """The first line rule that matches ``text``, if any."""
        return _first(self._line, text)

    def section(self, text: str) -> Rule | None:
        """The section-start rule that ``text`` (a heading-like line) opens, if any."""
        return _first(self._sections, text)


def _first(rules: Iterable[Rule], text: str) -> Rule | None:
    folded = fold(text)
    words = word_count(folded)
    key = _strip_edges(folded).casefold()
    for rule in rules:
        if rule.matches(folded, words, key):
            return rule
    return None


def fold(text: str) -> str:
    """``text`` as rules see it: curly quotes straightened, ``™`` ``®`` ``℠`` spelled
    ``(TM)`` ``(R)`` ``(SM)`` (NFKC alone would glue ``TM`` to the word before it), other
    compatibility forms folded, whitespace collapsed. Case is kept; rules ignore it."""
    return " ".join(unicodedata.normalize("NFKC", text.translate(_FOLD)).split())


def _strip_edges(text: str) -> str:
    return text.strip(_EDGE_PUNCT)


def word_count(text: str) -> int:
    """How many words ``text`` has."""
    return len(_WORD.findall(text))


def is_prose(text: str, min_words: int = 20) -> bool:
    """Whether ``text`` reads as story prose: long enough, and ending a sentence."""
    return word_count(text) >= min_words and bool(_SENTENCE_END.search(text.rstrip()))


def shorten(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to about ``limit`` characters for a :class:`DroppedBlock`."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


# --- loading -----------------------------------------------------------------------------


def user_rules_dir() -> Path:
    """The per-user rules folder, ``$XDG_CONFIG_HOME/narrator/rules`` (it may not exist)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "narrator" / "rules"


@cache
def builtin_rules() -> Rules:
    """The rules that ship with narrator (read once per process)."""
    return _build(sorted(_BUILTIN_DIR.glob("*.toml")))


def load_rules(extra: Sequence[Path] = ()) -> Rules:
    """The shipped rules, then the user's ``*.toml`` in :func:`user_rules_dir`, then ``extra``.

    Later files win: a rule with an existing name replaces it, and a file's top-level
    ``disable = [names]`` switches earlier rules off. Raises
    :class:`~narrator.errors.ConfigError` naming the file when one is missing or invalid.
    """
    user_dir = user_rules_dir()
    user = sorted(user_dir.glob("*.toml")) if user_dir.is_dir() else []
    if not user and not extra:
        return builtin_rules()
    return _build([*sorted(_BUILTIN_DIR.glob("*.toml")), *user, *extra])


def _build(paths: Sequence[Path]) -> Rules:
    by_name: dict[str, Rule] = {}
    disabled: set[str] = set()
    for path in paths:
        data = _read_toml(path)
        for name in _str_list(data, "disable", path):
            by_name.pop(name, None)
            disabled.add(name)
        signature = tuple(fold(v).casefold() for v in _str_list(data, "applies_to", path))
        entries = data.get("rule", [])
        if not isinstance(entries, list):
            raise _bad(path, "'rule' must be an array of tables: write each one as [[rule]]")
        for entry in entries:
            if not isinstance(entry, dict):
                raise _bad(path, "each [[rule]] must be a table")
            rule = replace(_parse_rule(entry, path), signature=signature)
            # Re-inserting moves a replaced rule to the end, so load order stays meaningful.
            by_name.pop(rule.name, None)
            by_name[rule.name] = rule
            disabled.discard(rule.name)
    return Rules(tuple(by_name.values()), tuple(str(p) for p in paths), frozenset(disabled))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"The rule file {path} does not exist; check the path and try again."
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The rule file {path} could not be read: {exc}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise _bad(path, f"it is not valid TOML ({exc})") from exc


_RULE_KEYS = frozenset(
    {
        "name",
        "scope",
        "why",
        "phrases",
        "patterns",
        "part",
        "max_words",
        "cluster",
        "keep_heading",
        "ends_before_prose",
        "through_posts",
    }
)


def _parse_rule(entry: dict[str, Any], path: Path) -> Rule:
    unknown = sorted(set(entry) - _RULE_KEYS)
    label = f"rule {entry.get('name', '(unnamed)')!r}"
    if unknown:
        raise _bad(path, f"{label} has unknown keys {', '.join(unknown)}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise _bad(path, 'every [[rule]] needs a name, such as name = "chrome:promo"')
    why = entry.get("why")
    if not isinstance(why, str) or not why.strip():
        raise _bad(path, f"{label} needs a 'why' saying what the text is and why it is dropped")
    try:
        scope = Scope(entry.get("scope", "line"))
    except ValueError as exc:
        raise _bad(
            path, f"{label} has scope {entry.get('scope')!r}; use line, block or section-start"
        ) from exc
    patterns: list[re.Pattern[str]] = []
    for source in _str_list(entry, "patterns", path):
        try:
            patterns.append(re.compile(source, re.IGNORECASE))
        except re.error as exc:
            raise _bad(path, f"{label} has a bad pattern {source!r} ({exc})") from exc
    phrases = frozenset(_strip_edges(fold(p)).casefold() for p in _str_list(entry, "phrases", path))
    if not phrases and not patterns:
        raise _bad(path, f"{label} needs phrases or patterns to match")
    part = entry.get("part", DROP)
    if not isinstance(part, str) or not part.isidentifier():
        raise _bad(path, f"{label} has part {part!r}; use drop or a name such as summary")
    return Rule(
        name=name,
        scope=scope,
        why=" ".join(why.split()),
        phrases=phrases,
        patterns=tuple(patterns),
        part=part,
        max_words=_int(entry, "max_words", path, label),
        cluster=_bool(entry, "cluster", False, path, label),
        keep_heading=_bool(entry, "keep_heading", True, path, label),
        ends_before_prose=_int(entry, "ends_before_prose", path, label),
        through_posts=_bool(entry, "through_posts", False, path, label),
        source=str(path),
    )


def _str_list(data: dict[str, Any], key: str, path: Path) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(path, f"'{key}' must be a list of strings")
    return value


def _int(data: dict[str, Any], key: str, path: Path, label: str) -> int:
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(path, f"{label} has {key} = {value!r}; use a whole number, 0 or more")
    return value


def _bool(data: dict[str, Any], key: str, default: bool, path: Path, label: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise _bad(path, f"{label} has {key} = {value!r}; use true or false")
    return value


def _bad(path: Path, problem: str) -> ConfigError:
    return ConfigError(f"The rule file {path} is invalid: {problem}. Fix it or remove it.")


# --- filtering ---------------------------------------------------------------------------


def _heading_like(block: Block) -> bool:
    """Whether ``block`` could open a section: a heading, or a short unpunctuated line."""
    if block.kind is BlockKind.HEADING:
        return True
    text = block.text.rstrip()
    return (
        block.kind is BlockKind.PARAGRAPH
        and word_count(text) <= 8
        and not text.endswith((".", ",", ";"))
    )


def filter_blocks(
    blocks: Sequence[Block],
    rules: Rules | None = None,
    protect: Callable[[Block], bool] | None = None,
    protect_from_drops: Callable[[Block], bool] | None = None,
) -> tuple[tuple[Block, ...], tuple[DroppedBlock, ...]]:
    """Drop page chrome from ``blocks`` and label side sections; return (kept, dropped).

    ``rules`` default to :func:`builtin_rules`. Kept blocks keep their kind, text and level;
    their ``part`` comes from the section they sit in, unless the block already carries a
    part other than ``body`` (an extractor that knows better wins). Every dropped block is
    returned with the rule that dropped it, in document order.

    ``protect`` says which blocks are known story text (the page-dump line model's
    verdict, or long prose in an author's own Markdown): a dropping or side section ends at
    such a block instead of swallowing it. ``protect_from_drops`` (by default ``protect``)
    does the same for sections that drop what they hold, which may need less evidence: a
    dropped lede is worse than a summary box read as story.
    """
    protect_from_drops = protect_from_drops or protect
    rules = rules if rules is not None else builtin_rules()
    hits = [rules.match(b.text) for b in blocks]
    starts = [rules.section(b.text) if _heading_like(b) else None for b in blocks]
    reasons: dict[int, tuple[str, str]] = {}
    if "chrome:widget" not in rules.disabled:
        _mark_clusters(blocks, hits, starts, reasons)
    if "chrome:nav-run" not in rules.disabled:
        _mark_nav_runs(blocks, hits, starts, reasons)
    if "chrome:repeated" not in rules.disabled:
        _mark_repeats(blocks, starts, reasons)

    kept: list[tuple[int, Block, bool]] = []  # (index, block, opened a side section)
    dropped: dict[int, DroppedBlock] = {}
    part = "body"
    # The section a drop rule opened, and the part to return to when it ends.
    dropping: Rule | None = None
    resume = "body"
    side: Rule | None = None  # the rule that opened the current side part
    opened_at = -2  # the index of the heading that opened the current section
    for index, block in enumerate(blocks):
        start, hit = starts[index], hits[index]
        if start is not None:
            opened_at = index
            if start.part == DROP:
                if dropping is None:
                    resume = part
                dropping = start
                dropped[index] = _dropped(block, start.name, start.why)
                continue
            dropping, part = None, start.part
            side = start if part != "body" else None
            if start.keep_heading:
                heading = replace(block, kind=BlockKind.HEADING, level=block.level or 2, part=part)
                kept.append((index, heading, True))
            else:
                dropped[index] = _dropped(block, start.name, start.why)
            continue
        if hit is not None:
            if hit.part == DROP:
                dropped[index] = _dropped(block, hit.name, hit.why)
            else:
                # A credit line is a sentence, even when it is short and has no period.
                kind = BlockKind.PARAGRAPH if block.kind is BlockKind.HEADING else block.kind
                kept.append((index, replace(block, kind=kind, level=0, part=hit.part), False))
            continue
        if dropping is not None:
            guarded = protect_from_drops is not None and protect_from_drops(block)
            if guarded and opened_at == index - 1:
                # The "section" is a subhead over prose: the heading is the story's own.
                del dropped[opened_at]
                kept.append((opened_at, replace(blocks[opened_at], part=resume), False))
            if guarded and dropping.through_posts and _among_posts(blocks, index, opened_at):
                # Readers' posts, each under its own time ("2 days ago at 07:52 am"): prose
                # the model vouches for, but not the story.
                guarded = False
            if guarded or (
                dropping.ends_before_prose and is_prose(block.text, dropping.ends_before_prose)
            ):
                dropping, part = None, resume
            else:
                dropped[index] = _dropped(
                    block, dropping.name, f"inside a section it drops: {dropping.why}"
                )
                continue
        if index in reasons:
            dropped[index] = _dropped(block, *reasons[index])
            continue
        # A site file's box holds on a page that shows the site: its layout is known.
        guarded = side is not None and protect is not None and not side.signature and protect(block)
        if guarded and kept and kept[-1][0] == opened_at == index - 1:
            # A subhead over prose, not a box: it stays with the story.
            at, heading, _ = kept[-1]
            kept[-1] = (at, replace(heading, part="body"), False)
        # A box that opens with a paragraph has no subheads of its own: a subhead after it
        # (a heading over text) starts the article's next part, and the box ends there.
        subhead = (
            side is not None
            and not side.signature
            and _subhead(blocks, index)
            and index > opened_at + 1
            and blocks[opened_at + 1].kind is not BlockKind.HEADING
        )
        if side and (
            guarded
            or subhead
            or (side.ends_before_prose and is_prose(block.text, side.ends_before_prose))
        ):
            # The story after a summary box that has no "Full story" marker.
            side, part = None, "body"
        kept.append((index, block if block.part != "body" else replace(block, part=part), False))

    if "structure:empty-heading" not in rules.disabled:
        kept = _drop_empty_headings(kept, dropped)
    return (
        tuple(b for _, b, _ in kept),
        tuple(dropped[i] for i in sorted(dropped)),
    )


# A time ago, as posts and bylines give it: "2 days ago", "3 hours ago".
TIME_AGO = r"\b\d+\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago\b"
# A post's time line: "2 days ago", "2 days ago at 07:52 am", "Yesterday", "10:32 PM".
_POST_TIME = re.compile(
    r"(?i)" + TIME_AGO + r"|\b\d{1,2}:\d{2}\s*[ap]\.?m\b|^(?:yesterday|today)\b"
)
_POST_TIME_WORDS = 12
_POST_WORDS = 8  # a post's text between two time lines; a byline's dates have none
_POST_REACH = 8  # blocks from the latest time line: a post may run to several paragraphs


def _among_posts(blocks: Sequence[Block], index: int, opened_at: int) -> bool:
    """Whether ``blocks[index]`` reads as a post of a list of them: since the section opened
    there are two time lines with a post's text between them, and the latest time line is at
    most :data:`_POST_REACH` blocks above it. A byline and its dates under a "Comments"
    button have no text between them, so the lede under them still ends the section."""
    times = [
        i
        for i in range(opened_at + 1, index)
        if word_count(blocks[i].text) <= _POST_TIME_WORDS and _POST_TIME.search(blocks[i].text)
    ]
    if len(times) < 2 or times[-1] < index - _POST_REACH:
        return False
    return any(
        word_count(blocks[k].text) >= _POST_WORDS
        for a, b in pairwise(times)
        for k in range(a + 1, b)
    )


def _subhead(blocks: Sequence[Block], index: int) -> bool:
    """Whether ``blocks[index]`` heads a part of the article: a heading, or a numbered or
    bulleted line of a few words over a paragraph, alone in its list ("4. Stay hydrated")."""
    block = blocks[index]
    if block.kind is BlockKind.HEADING:
        return True
    after = blocks[index + 1] if index + 1 < len(blocks) else None
    before = blocks[index - 1] if index else None
    return (
        _short_unpunctuated(block, _SUBHEAD_WORDS, (BlockKind.LIST_ITEM,))
        and after is not None
        and after.kind is BlockKind.PARAGRAPH
        and (before is None or before.kind is not BlockKind.LIST_ITEM)
    )


_SUBHEAD_WORDS = 12


def _dropped(block: Block, rule: str, detail: str) -> DroppedBlock:
    return DroppedBlock(shorten(block.text), rule, detail)


def _short_unpunctuated(
    block: Block,
    max_words: int,
    kinds: tuple[BlockKind, ...] = (BlockKind.HEADING, BlockKind.PARAGRAPH),
) -> bool:
    return (
        block.kind in kinds
        and 0 < word_count(block.text) <= max_words
        and not _SENTENCE_END.search(block.text.rstrip())
    )


def _mark_clusters(
    blocks: Sequence[Block],
    hits: Sequence[Rule | None],
    starts: Sequence[Rule | None],
    reasons: dict[int, tuple[str, str]],
) -> None:
    """Mark short unmatched blocks that sit between two hits of widget (cluster) rules.

    Only the nearest matched neighbours count, both must be widget rules, and every block
    between them must be short: so a story line between two ad labels ("Advertisement" is
    no cluster rule) stays. Linear in the number of blocks: a page can have 100,000 lines.
    """
    count = len(blocks)
    matched = [bool(hits[i] or starts[i]) for i in range(count)]
    long_before = [0] * (count + 1)  # how many long blocks precede each index
    for i, block in enumerate(blocks):
        long_before[i + 1] = long_before[i] + (word_count(block.text) > _CLUSTER_MAX_WORDS)
    previous, last = [-1] * count, -1
    for i in range(count):
        previous[i] = last
        last = i if matched[i] else last
    following, last = [count] * count, count
    for i in range(count - 1, -1, -1):
        following[i] = last
        last = i if matched[i] else last
    for i, block in enumerate(blocks):
        lo, hi = previous[i], following[i]
        if matched[i] or lo < 0 or hi >= count:
            continue
        if block.kind not in (BlockKind.HEADING, BlockKind.PARAGRAPH):
            continue
        before, after = hits[lo], hits[hi]
        if not (before and after and before.cluster and after.cluster):
            continue
        if long_before[hi] - long_before[lo + 1]:
            continue
        reasons[i] = (
            "chrome:widget",
            f"a short line inside a widget, between '{shorten(blocks[lo].text, 40)}' and "
            f"'{shorten(blocks[hi].text, 40)}'",
        )


def _mark_nav_runs(
    blocks: Sequence[Block],
    hits: Sequence[Rule | None],
    starts: Sequence[Rule | None],
    reasons: dict[int, tuple[str, str]],
) -> None:
    """Mark runs of very short unpunctuated lines: a menu dumped one item per line."""
    run: list[int] = []
    for index in [*range(len(blocks)), len(blocks)]:
        if (
            index < len(blocks)
            and not starts[index]
            and _short_unpunctuated(blocks[index], _NAV_MAX_WORDS)
        ):
            run.append(index)
            continue
        # A run of chrome hits interleaved with short words is still one menu, but a run
        # must hold at least a few unknown lines before the check says anything.
        unknown = [i for i in run if not hits[i]]
        if len(run) >= _NAV_MIN_RUN and len(unknown) >= 2:
            for i in unknown:
                reasons.setdefault(
                    i, ("chrome:nav-run", f"one of {len(run)} very short lines in a row: a menu")
                )
        run = []


_REPEAT_MAX_WORDS = 10
_TRADEMARK_TAIL = re.compile(r"(\((tm|r|sm)\)|(?<=[.!?])tm)$")


def _mark_repeats(
    blocks: Sequence[Block], starts: Sequence[Rule | None], reasons: dict[int, tuple[str, str]]
) -> None:
    """Mark every copy of a short line the page shows more than once (a repeated promo box).

    Compared folded, without a trademark tail, so "Unbiased. Straight Facts.TM" and
    "Unbiased. Straight Facts." are one line. Section headings may repeat; they are left to
    the section rules.
    """
    seen: dict[str, list[int]] = {}
    for index, block in enumerate(blocks):
        if starts[index] is None and 2 <= word_count(block.text) <= _REPEAT_MAX_WORDS:
            key = _strip_edges(_TRADEMARK_TAIL.sub("", fold(block.text).casefold()))
            seen.setdefault(key, []).append(index)
    for copies in seen.values():
        if len(copies) > 1:
            for index in copies:
                reasons.setdefault(
                    index, ("chrome:repeated", f"shown {len(copies)} times on the page: a box")
                )


def _drop_empty_headings(
    kept: list[tuple[int, Block, bool]], dropped: dict[int, DroppedBlock]
) -> list[tuple[int, Block, bool]]:
    """Drop headings with nothing under them: the label of a widget whose lines were dropped.

    Walked backwards so a heading over only empty headings is empty too. A heading is empty
    when the next kept block is in another part, opens a section, or is a heading of the
    same or a higher rank; a heading that opened a side section (``Summary`` over
    ``Missile claims``) is only empty when its whole section is.
    """
    result: list[tuple[int, Block, bool]] = []
    for index, block, opened in reversed(kept):
        if block.kind is BlockKind.HEADING:
            nxt = result[-1] if result else None
            empty = (
                nxt is None
                or nxt[1].part != block.part
                or nxt[2]
                or (
                    not opened
                    and nxt[1].kind is BlockKind.HEADING
                    and (nxt[1].level or 2) <= (block.level or 2)
                )
            )
            if empty:
                dropped[index] = _dropped(
                    block, "structure:empty-heading", "a heading with nothing under it"
                )
                continue
        result.append((index, block, opened))
    result.reverse()
    return result


_READABLE = frozenset(
    {BlockKind.PARAGRAPH, BlockKind.LIST_ITEM, BlockKind.QUOTE, BlockKind.CAPTION}
)


def require_story(kept: Sequence[Block], dropped: Sequence[DroppedBlock], source: str) -> None:
    """Raise :class:`~narrator.errors.NoArticleError` unless the body has text to read.

    The message names the rules that dropped the most, since ``narrator extract --explain``
    cannot show a page that fails to extract.
    """
    if any(b.part == "body" and b.kind in _READABLE for b in kept):
        return
    name = source if source and source != "-" else "the input"
    counts: dict[str, int] = {}
    for item in dropped:
        # Code, images and metadata lines are never story text; only chrome rules can be
        # wrong about what they dropped, so only they are worth naming.
        if not item.rule.startswith(("markup:", "meta:")):
            counts[item.rule] = counts.get(item.rule, 0) + 1
    if not counts:
        raise NoArticleError(
            f"No article text was found in {name}: it holds no paragraphs to read. "
            "Check that it is the article you meant."
        )
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    rules = ", ".join(f"{rule} dropped {n}" for rule, n in top)
    raise NoArticleError(
        f"No article text is left in {name} once page chrome is removed ({rules}). "
        f'If that text is the article, switch the rule off with disable = ["rule name"] '
        f"in a rule file in {user_rules_dir()}."
    )


_AUTHORED_PROSE_WORDS = 20


def authored_prose(block: Block) -> bool:
    """Whether ``block`` is a paragraph of prose (for :func:`filter_blocks`' ``protect``).

    In a document someone wrote (Markdown, plain text), a subhead over prose heads the
    author's own section, whatever it is called ("Analysis", "Comments", "Key points"):
    a section rule ends at the first such paragraph instead of swallowing it.
    """
    return block.kind is BlockKind.PARAGRAPH and is_prose(block.text, _AUTHORED_PROSE_WORDS)
