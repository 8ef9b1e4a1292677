"""Trafilatura's XML body -> typed :class:`~narrator.models.Block` s, then the listener's filter.

Trafilatura's XML output (``output_format="xml"``) keeps structure: ``<head rend="h2">``,
``<p>``, ``<list><item>``, ``<quote>``, ``<table><row><cell>``, ``<code>``. This module maps
those to blocks and then drops short lines that are page furniture read aloud badly
("Advertisement", "Share this story", "Sign up for our newsletter", "Photo: Getty Images"),
which trafilatura keeps when they sit inside the article container.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

from narrator.extract._html_clean import shorten
from narrator.models import Block, BlockKind, DroppedBlock

__all__ = ["blocks_from_xml", "filter_blocks", "speakable"]

# Characters that are invisible on the page and make engines stumble: zero-width joiners
# (MacRumors wraps "iPhone 11" in U+200C), soft hyphens, BOMs.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…;:,][\"'”’)\]]*$")
# <br>-separated lines this short, ending no sentence, are lines of their own (names).
_BREAK_LINE_WORDS = 6


def speakable(text: str) -> str:
    """``text`` on one line with invisible characters removed."""
    return " ".join(_INVISIBLE.sub("", text).split())


def _text(el: etree._Element, skip: frozenset[str] = frozenset()) -> str:
    """All text under ``el``, line breaks as spaces, skipping subtrees tagged ``skip``."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == "lb":
                parts.append(" ")
            elif child.tag not in skip:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return speakable("".join(parts))


def _break_lines(el: etree._Element) -> list[str]:
    """A paragraph's text, as one line, or as its ``<br>``-separated lines when they are
    short lines that end no sentence (a list of names, an address): read as one run they
    would glue ("Elliot Ackerman Saladin Ambar")."""
    pieces: list[list[str]] = [[]]

    def walk(node: etree._Element) -> None:
        if node.text:
            pieces[-1].append(node.text)
        for child in node:
            if child.tag == "lb":
                pieces.append([])
            else:
                walk(child)
            if child.tail:
                pieces[-1].append(child.tail)

    walk(el)
    lines = [t for t in (speakable("".join(p)) for p in pieces) if t]
    if len(lines) > 1 and all(
        len(_WORD.findall(line)) <= _BREAK_LINE_WORDS and not _SENTENCE_END.search(line)
        for line in lines[1:]
    ):
        return lines
    joined = _text(el)
    return [joined] if joined else []


def _heading_level(el: etree._Element) -> int:
    rend = el.get("rend", "")
    if len(rend) == 2 and rend[0] == "h" and rend[1].isdigit():
        return min(max(int(rend[1]), 1), 6)
    return 2


def _table_blocks(table: etree._Element) -> Iterator[Block]:
    """A data table reads one row per sentence: "cell, cell, cell."; a layout table (one
    column) reads as the paragraphs it holds."""
    rows = [
        [c for c in (_text(cell) for cell in row.iter("cell")) if c] for row in table.iter("row")
    ]
    rows = [r for r in rows if r]
    if not rows:
        return
    if max(len(r) for r in rows) == 1:
        for (cell,) in rows:
            yield Block(BlockKind.PARAGRAPH, cell)
        return
    for cells in rows:
        line = ", ".join(c.rstrip(".,;:") for c in cells)
        yield Block(BlockKind.PARAGRAPH, line + ".")


def _list_blocks(lst: etree._Element) -> Iterator[Block]:
    for item in lst.iterchildren("item"):
        own = _text(item, skip=frozenset({"list"}))
        if own:
            yield Block(BlockKind.LIST_ITEM, own)
        for sub in item.iterchildren("list"):
            yield from _list_blocks(sub)


def _quote_blocks(quote: etree._Element) -> Iterator[Block]:
    paras = [p for p in quote if p.tag in {"p", "head", "list"}]
    if not paras:
        text = _text(quote)
        if text:
            yield Block(BlockKind.QUOTE, text)
        return
    lead = speakable(quote.text or "")
    if lead:
        yield Block(BlockKind.QUOTE, lead)
    for p in paras:
        text = _text(p)
        if text:
            yield Block(BlockKind.QUOTE, text)


def blocks_from_xml(body: etree._Element, dropped: list[DroppedBlock]) -> list[Block]:
    """Typed blocks from trafilatura's XML ``body``, in reading order.

    Code blocks and images are recorded in ``dropped`` rather than read.
    """
    blocks: list[Block] = []

    def visit(el: etree._Element) -> None:
        tag = el.tag
        if tag == "head":
            text = _text(el)
            if text:
                blocks.append(Block(BlockKind.HEADING, text, level=_heading_level(el)))
        elif tag == "p":
            for text in _break_lines(el):
                blocks.append(Block(BlockKind.PARAGRAPH, text))
        elif tag == "list":
            blocks.extend(_list_blocks(el))
        elif tag == "quote":
            blocks.extend(_quote_blocks(el))
        elif tag == "table":
            blocks.extend(_table_blocks(el))
        elif tag == "code":
            text = _text(el)
            if text:
                dropped.append(DroppedBlock(shorten(text), "code", "code block"))
        elif tag == "graphic":
            pass
        elif len(el):
            lead = _text(el, skip=frozenset(c.tag for c in el if isinstance(c.tag, str)))
            if lead:
                blocks.append(Block(BlockKind.PARAGRAPH, lead))
            for child in el:
                visit(child)
        else:
            text = _text(el)
            if text:
                blocks.append(Block(BlockKind.PARAGRAPH, text))

    for child in body:
        if isinstance(child.tag, str):
            visit(child)
    return blocks


# Page furniture that trafilatura keeps when it sits inside the article container, as
# (rule, most words a matching block may have, pattern). The word limit keeps a real
# paragraph that happens to mention a newsletter or end in "Reuters" from being dropped.
_FURNITURE: tuple[tuple[str, int, re.Pattern[str]], ...] = tuple(
    (rule, words, re.compile(pattern, re.IGNORECASE))
    for rule, words, pattern in (
        ("chrome:ad", 4, r"^(advertisement|advertising|sponsored( content)?|ad)\b\W*$"),
        ("chrome:ad", 12, r"^(story|article) continues (below|after)\b"),
        ("chrome:ad", 10, r"^(continue reading|scroll to continue)\b"),
        ("chrome:share", 8,
         r"^(share|tweet|email|print|pin)( (this|it|the))?( (story|article|page|on \w+))?\W*$"),
        ("chrome:share", 20, r"\bshare (it|this( story| article)?) with (a|your) friends?\b"),
        ("chrome:share", 25,
         r"^follow\b.{0,60}\b(on|at) (twitter|facebook|instagram|linkedin|youtube|x)\b"),
        ("chrome:share", 60,
         r"\bfollow (him|her|them|us|me) (on|at) (twitter|facebook|instagram)\b"),
        ("chrome:newsletter", 45,
         r"\b(sign up|subscribe|register)\b.{0,60}\b(newsletters?|inbox|updates|alerts)\b"),
        ("chrome:newsletter", 45, r"\b(newsletters?|inbox)\b.{0,60}\b(sign up|subscribe)\b"),
        ("chrome:newsletter", 25, r"^(subscribe|sign up) (to|for|now)\b"),
        ("chrome:newsletter", 25, r"^get the (latest|best)\b.{0,80}\b(inbox|newsletter)\b"),
        ("chrome:contact", 30, r"^(have a (news )?tip|got a (news )?tip)\b"),
        ("chrome:contact", 30, r"\bmay be reached at\b.{0,80}@"),
        ("chrome:comments", 8, r"^(\d+ )?comments?\W*$"),
        ("chrome:comments", 8,
         r"^(tell us what you think|leave a (comment|reply)|join the (conversation|discussion))\b"),
        ("chrome:related", 25,
         r"^(read more|more|related|recommended|more from|also on|see also|see more|watch|listen"
         r"|don'?t miss|must see)\b\s*[:|–—-]"),
        ("chrome:related", 3,
         r"^(read more|related|related (stories|articles|coverage)|don'?t miss|must see"
         r"|more stories|most read)\W*$"),
        ("chrome:related", 25, r"^also on [\w.]+\.(com|org|net|co\.uk)\b"),
        ("chrome:related", 40, r"\[(insight|video|pics|poll|latest|live|revealed)\].*\[\w+\]"),
        ("chrome:related", 12, r"^(click|tap) here\b"),
        ("credit", 25,
         r"^\(?(photo|image|picture|video|illustration|graphic)s?( credit)?\s*(:|by\b)"),
        ("credit", 25, r"^\(?image (copyright|caption)\b"),
        ("credit", 10, r"\b(getty images|shutterstock|reuters|ap photo|afp|ap)\W*\)?$"),
        ("chrome:rating", 10, r"^(rating|rated)\s*:?\s*[\d.]+\s*(/\s*\d+|stars?|votes?|out of)"),
        ("chrome:rating", 4, r"^[\d.]+ (votes?|stars?)$"),
        ("markup:shortcode", 40, r"\[/?(button|caption|embed|gallery|video|audio)\b[^\]]*\]"),
    )
)  # fmt: skip


def _furniture_rule(block: Block) -> str | None:
    if block.kind is BlockKind.HEADING and _WORD.search(block.text) is None:
        return "chrome:empty"
    words = len(_WORD.findall(block.text))
    for rule, most, pattern in _FURNITURE:
        if words <= most and pattern.search(block.text):
            return rule
    return None


def filter_blocks(
    blocks: list[Block], title: str | None, dropped: list[DroppedBlock]
) -> list[Block]:
    """Drop the headline (it is :attr:`Article.title`), furniture lines and repeats."""
    title_key = _key(title) if title else None
    kept: list[Block] = []
    seen: set[tuple[str, ...]] = set()
    for block in blocks:
        key = _key(block.text)
        if not key:
            dropped.append(DroppedBlock(shorten(block.text), "empty", "no words"))
            continue
        if title_key and key == title_key and block.kind is not BlockKind.LIST_ITEM:
            dropped.append(DroppedBlock(shorten(block.text), "title", "the headline is read once"))
            continue
        rule = _furniture_rule(block)
        if rule is not None:
            dropped.append(DroppedBlock(shorten(block.text), rule, "furniture line"))
            continue
        # A paragraph repeated word for word is a pull quote or a second copy of a teaser.
        if len(key) >= 8 and key in seen:
            dropped.append(DroppedBlock(shorten(block.text), "repeat", "said once already"))
            continue
        seen.add(key)
        kept.append(block)
    return _drop_empty_sections(kept, dropped)


def _drop_empty_sections(blocks: list[Block], dropped: list[DroppedBlock]) -> list[Block]:
    """Drop headings with nothing under them: a heading followed by one of the same or a
    higher level, or by the end, is a teaser title ("related" headlines after the story on
    Space.com) or the label of a removed box, and a chapter with no words."""
    kept: list[Block] = []
    for i, block in enumerate(blocks):
        if block.kind is BlockKind.HEADING:
            following = next((b for b in blocks[i + 1 :]), None)
            if following is None or (
                following.kind is BlockKind.HEADING and following.level <= block.level
            ):
                dropped.append(
                    DroppedBlock(shorten(block.text), "empty-section", "no text under it")
                )
                continue
        kept.append(block)
    return kept


def _key(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(text))
