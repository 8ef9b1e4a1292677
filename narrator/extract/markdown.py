"""Markdown -> :class:`~narrator.models.Article`, with markdown-it-py.

Markup is never spoken: emphasis markers go, links read as their text, images, code blocks
and footnote definitions are dropped (and listed in ``dropped``), inline HTML tags are
stripped, and footnote markers (``[^1]``) vanish. Front matter (YAML ``---`` or TOML
``+++``) gives the title and metadata; without a title there, a leading ``# H1`` is the
headline. Tables are read row by row as "header: cell" pairs, or dropped when too long to
follow by ear. The shared chrome filter then applies, as for any page.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tomllib
from collections.abc import Iterator, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from narrator.extract._byline import clean_byline, date_after
from narrator.extract.chrome import (
    Rules,
    authored_prose,
    filter_blocks,
    fold,
    load_rules,
    require_story,
    shorten,
)
from narrator.extract.text import clean_text, parse_date, take_meta
from narrator.models import Article, Block, BlockKind, Document, DroppedBlock

__all__ = ["extract_markdown", "front_matter"]

_YAML_FENCE = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TOML_FENCE = re.compile(r"\A\+\+\+[ \t]*\n(?P<body>.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.S)
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\]")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_TAG = re.compile(r"<[^>]*>")
_HIDDEN_HTML = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
# An HTML block whose class or id names page furniture, as the HTML extractor judges it.
_HTML_CHROME = re.compile(
    r"""\b(?:class|id)\s*=\s*["'][^"']*\b(?:ad|ads|advert\w*|promo\w*|sponsor\w*|newsletter|"""
    r"""subscribe|signup|share|sharing|social|related|cookie\w*|banner|popup|modal)\b""",
    re.I,
)
# A longer table is a data dump: "row 14: ..." read aloud helps nobody.
_MAX_TABLE_ROWS = 12

# Front-matter keys, first match wins, as Jekyll, Hugo, Eleventy and Pandoc write them.
_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "byline": ("author", "authors", "byline", "creator"),
    "date": ("date", "published", "publishdate", "pubdate", "published_at", "created"),
    "description": ("description", "summary", "excerpt", "subtitle", "dek"),
    "site_name": ("site", "site_name", "sitename", "publisher", "publication"),
    "language": ("lang", "language", "locale"),
    "url": ("canonical_url", "canonical", "url", "link", "permalink"),
}


def extract_markdown(document: Document, rules: Rules | None = None) -> Article:
    """Find the article in a Markdown document.

    Raises :class:`~narrator.errors.NoArticleError` when no story text is left after
    markup and page chrome are removed.
    """
    rules = (rules if rules is not None else load_rules()).for_text(document.text)
    text = clean_text(document.text)
    meta, text, dropped = front_matter(text)
    text, footnotes = _drop_footnote_definitions(text)
    dropped += footnotes
    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    blocks: list[Block] = []
    for item in _blocks(parser.parse(text), rules):
        if isinstance(item, Block):
            blocks.append(item)
        else:
            dropped.append(item)

    title = _text_value(meta, "title")
    # The headline comes before the first paragraph; chrome above it ("Skip to content")
    # does not count as one.
    first = next(
        (
            i
            for i, b in enumerate(blocks)
            if b.kind is not BlockKind.HEADING and rules.match(b.text) is None
        ),
        len(blocks),
    )
    h1 = next((i for i, b in enumerate(blocks[:first]) if b.level == 1), None)
    if h1 is not None and (
        title is None or fold(blocks[h1].text).casefold() == fold(title).casefold()
    ):
        if title is not None:
            dropped.append(
                DroppedBlock(
                    shorten(blocks[h1].text),
                    "structure:duplicate-title",
                    "the front matter's title, repeated as a heading",
                )
            )
        title = blocks.pop(h1).text

    byline, date = _text_value(meta, "byline"), _date_value(meta)
    found_byline, found_date, blocks, taken = take_meta(blocks)
    dropped += taken
    kept, chrome = filter_blocks(blocks, rules, protect=authored_prose)
    dropped += chrome
    require_story(kept, dropped, document.source)
    return Article(
        title=title,
        blocks=kept,
        byline=byline or clean_byline(found_byline, date_after(lambda: document.text)),
        date=date or found_date,
        site_name=_text_value(meta, "site_name"),
        language=_text_value(meta, "language"),
        url=_text_value(meta, "url") or document.url,
        source=document.source,
        description=_text_value(meta, "description"),
        dropped=tuple(dropped),
    )


# --- front matter ------------------------------------------------------------------------


def front_matter(text: str) -> tuple[dict[str, Any], str, list[DroppedBlock]]:
    """(keys, the text without its front matter, what was dropped) for YAML or TOML front matter.

    Keys are lower-cased. YAML is read with PyYAML's safe loader; front matter that cannot
    be read is dropped with a note rather than read aloud.
    """
    if found := _TOML_FENCE.match(text):
        try:
            data = tomllib.loads(found.group("body"))
        except tomllib.TOMLDecodeError as exc:
            note = DroppedBlock(
                shorten(found.group("body")),
                "markup:front-matter",
                f"TOML front matter that could not be read ({exc})",
            )
            return {}, text[found.end() :], [note]
        return {k.lower(): v for k, v in data.items()}, text[found.end() :], []
    if found := _YAML_FENCE.match(text):
        try:
            return _yaml(found.group("body")), text[found.end() :], []
        except ValueError as exc:
            note = DroppedBlock(
                shorten(found.group("body")),
                "markup:front-matter",
                f"YAML front matter that could not be read ({exc})",
            )
            return {}, text[found.end() :], [note]
    return {}, text, []


def _yaml(body: str) -> dict[str, Any]:
    """YAML front matter read by a real parser (quotes such as ``'It''s here'``, ``#``
    inside quotes and ``>``/``|`` block values are all YAML's own rules); keys lower-cased,
    and an author given as ``name:`` (alone or in a list) reduced to the name."""
    import yaml

    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).splitlines()[0]) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError("it is not a table of keys and values")

    def simple(value: Any) -> Any:
        if isinstance(value, dict) and "name" in value:
            return value["name"]
        if isinstance(value, list):
            return [simple(v) for v in value]
        return value

    return {str(k).lower(): simple(v) for k, v in data.items()}


def _first_key(meta: dict[str, Any], field: str) -> Any:
    return next((meta[k] for k in _KEYS[field] if meta.get(k) not in (None, "", [])), None)


def _text_value(meta: dict[str, Any], field: str) -> str | None:
    value = _first_key(meta, field)
    if isinstance(value, list):
        names = [str(v) for v in value if str(v).strip()]
        value = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
    if isinstance(value, dict):
        value = value.get("name")
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _date_value(meta: dict[str, Any]) -> str | None:
    value = _first_key(meta, "date")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    found = parse_date(str(value)) if value is not None else None
    return found[0] if found else None


# --- body --------------------------------------------------------------------------------


def _drop_footnote_definitions(text: str) -> tuple[str, list[DroppedBlock]]:
    """Remove ``[^1]: ...`` definitions (and their indented lines) outside code fences.

    CommonMark has no footnotes, so a definition would be read as a paragraph; its marker
    in the text is removed later, where it is left as literal ``[^1]``.
    """
    kept: list[str] = []
    dropped: list[DroppedBlock] = []
    fence: str | None = None
    in_note = False
    for line in text.split("\n"):
        if fence_mark := _FENCE.match(line):
            mark = fence_mark.group(1)
            fence = None if fence == mark else fence or mark
        if fence is None and _FOOTNOTE_DEF.match(line):
            in_note = True
            dropped.append(
                DroppedBlock(
                    shorten(line.strip()),
                    "markup:footnote",
                    "footnotes are not read in the middle of the story",
                )
            )
            continue
        if in_note and (line.startswith(("    ", "\t")) or not line.strip()):
            continue
        in_note = False
        kept.append(line)
    return "\n".join(kept), dropped


def _blocks(tokens: Sequence[Token], rules: Rules) -> Iterator[Block | DroppedBlock]:
    """Typed blocks, and what was dropped, in document order."""
    context: list[str] = []  # enclosing containers: "blockquote", "list_item"
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind in ("blockquote_open", "list_item_open"):
            context.append(kind.removesuffix("_open"))
        elif kind in ("blockquote_close", "list_item_close"):
            context.pop()
        elif kind == "heading_open":
            text, images = _inline(tokens[index + 1])
            yield from images
            if text:
                yield Block(BlockKind.HEADING, " ".join(text.split()), level=int(token.tag[1:]))
            index += 2
        elif kind == "paragraph_open":
            text, images = _inline(tokens[index + 1])
            yield from images
            for piece in _split_chrome_lines(text, rules):
                yield Block(_paragraph_kind(context), piece)
            index += 2
        elif kind in ("fence", "code_block"):
            yield DroppedBlock(shorten(token.content), "markup:code", "code is not read aloud")
        elif kind == "html_block" and (chrome := _HTML_CHROME.search(token.content)):
            yield DroppedBlock(
                shorten(_TAG.sub(" ", token.content)) or shorten(token.content),
                "markup:html-chrome",
                f"an HTML block marked {chrome.group(0)!r}",
            )
        elif kind == "html_block":
            text = " ".join(
                html.unescape(_TAG.sub(" ", _HIDDEN_HTML.sub(" ", token.content))).split()
            )
            if text:
                yield Block(_paragraph_kind(context), text)
        elif kind == "table_open":
            end = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close")
            yield from _table(tokens[index:end])
            index = end
        index += 1


def _paragraph_kind(context: Sequence[str]) -> BlockKind:
    if "blockquote" in context:
        return BlockKind.QUOTE
    if "list_item" in context:
        return BlockKind.LIST_ITEM
    return BlockKind.PARAGRAPH


def _inline(token: Token) -> tuple[str, list[DroppedBlock]]:
    """An inline token's text as it is read, and the images it held."""
    parts: list[str] = []
    images: list[DroppedBlock] = []
    struck = 0
    for child in token.children or ():
        if child.type == "s_open":
            # Struck-out text is what the author took back; reading it contradicts the rest.
            struck += 1
        elif child.type == "s_close":
            struck -= 1
        elif struck:
            continue
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")  # kept until _split_chrome_lines has seen the lines
        elif child.type == "image":
            images.append(
                DroppedBlock(
                    shorten(child.content or "(no description)"),
                    "markup:image",
                    "images are not described aloud",
                )
            )
        elif child.type == "html_inline" and re.match(r"<br\b", child.content, re.I):
            parts.append("\n")
    lines = _FOOTNOTE_REF.sub("", "".join(parts)).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines if line.strip()), images


def _split_chrome_lines(text: str, rules: Rules) -> Iterator[str]:
    """A paragraph's lines joined, except that a chrome line stands alone.

    A page dump saved as ``.md`` keeps its chrome on the line after a story sentence
    ("... contributed to this report." then "Tags: , , ,"), which Markdown makes one
    paragraph; cut there so the filter can judge each piece.
    """
    pending: list[str] = []
    for line in filter(None, text.split("\n")):
        if rules.match_line(line) is None:
            pending.append(line)
            continue
        if pending:
            yield " ".join(pending)
        pending = []
        yield line
    if pending:
        yield " ".join(pending)


def _table(tokens: Sequence[Token]) -> Iterator[Block | DroppedBlock]:
    """A table as one paragraph per row ("Country: Chile; Votes: 12."), or dropped."""
    header: list[str] = []
    rows: list[list[str]] = []
    row: list[str] = []
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline":
            row.append(" ".join(_inline(token)[0].split()))
        elif token.type == "tr_close":
            if header:
                rows.append(row)
            else:
                header = row
    if len(rows) > _MAX_TABLE_ROWS:
        summary = " | ".join(header)
        yield DroppedBlock(
            shorten(summary),
            "markup:table",
            f"a table of {len(rows)} rows is too long to follow by ear",
        )
        return
    for cells in rows:
        pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=False) if c]
        if pairs:
            yield Block(BlockKind.PARAGRAPH, "; ".join(pairs) + ".")
