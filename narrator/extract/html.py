"""HTML -> :class:`~narrator.models.Article`: the story's text and metadata, fit to be read aloud.

Trafilatura finds the body and the metadata; this module wraps it for a listener:

1. guard the input (size limit, characters lxml refuses, markup nested past the parser's
   depth limit) and parse it once;
2. read the metadata (title, byline, date, site, language, canonical URL, description),
   the title where the page's sources agree (:mod:`narrator.extract._html_title`);
3. clean the DOM (:mod:`narrator.extract._html_clean`): what must never be spoken, hidden
   elements, page chrome, captions, credits, code and embedded media;
4. run trafilatura in precision mode on the cleaned tree, XML output to keep structure,
   falling back to its balanced mode when precision leaves too little;
5. map the XML to typed blocks and drop the headline and furniture lines
   (:mod:`narrator.extract._html_blocks`).

Pure: no I/O. ``benchmarks/extraction.py`` scores it against the Zyte article benchmark.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from copy import deepcopy
from typing import Any

# lxml ships no type information and pyproject's mypy overrides do not list it yet.
import lxml.html  # type: ignore[import-untyped]
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from narrator.errors import InputTooLargeError, NoArticleError
from narrator.extract._byline import clean_byline, date_after
from narrator.extract._html_blocks import blocks_from_xml, filter_blocks, speakable
from narrator.extract._html_clean import clean_tree, paragraphize, tidy_headings
from narrator.extract._html_left_out import left_out_blocks
from narrator.extract._html_title import choose_title, site_names, strip_site_suffix
from narrator.models import Article, Block, BlockKind, DocFormat, Document, DroppedBlock

__all__ = ["MAX_HTML_BYTES", "extract_html", "strip_site_suffix"]

MAX_HTML_BYTES = 10_000_000
"""The largest HTML page read, in UTF-8 bytes. The largest page of the Zyte benchmark is
1.1 MB; 10 MB leaves room for inlined images and scripts without letting a runaway file
tie up the parser."""

# libxml2 silently drops whatever lies deeper than 256 elements, so a page nested past it
# would lose its text. Near the limit the wrapper tags are stripped and the page parsed again.
_PARSER_DEPTH_LIMIT = 255
_WRAPPER_TAGS = re.compile(
    r"</?(?:div|span|section|article|main|font|center|b|i|u|em|strong|small|big|a|"
    r"blockquote|table|tbody|thead|tfoot|tr|td|th|ul|ol|dl|dd|dt|li)\b[^>]*>",
    re.IGNORECASE,
)
_BLOCK_WRAPPERS = re.compile(
    r"</?(?:div|section|article|main|center|blockquote|table|tr|ul|ol|dl|li|dd|dt)\b",
    re.IGNORECASE,
)
_BREAK_RUN = re.compile(r"(?:<br><br>\s*){2,}")
# lxml refuses NUL, C0 controls and lone surrogates in str input; none of them is text.
_UNPARSABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_WORD = re.compile(r"\w+")
# A site named by its address: "http://www.tmz.com" is said as "tmz.com".
_URL_PREFIX = re.compile(r"^(?:https?://)?www\.|^https?://", re.IGNORECASE)

# Fewer words than this is not an article: a login wall, an empty shell, an error page.
_MIN_ARTICLE_WORDS = 40
# Precision mode sometimes keeps only a fragment of a long story (Wired in the benchmark):
# when balanced mode finds this many times more words, it is used instead.
_RECALL_GAIN = 1.5
# How far up from the story's container the other chunks of a split story are sought.
_SPLIT_STORY_LEVELS = 3

# trafilatura logs at ERROR for pages it cannot use; narrator reports through NoArticleError.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def extract_html(document: Document) -> Article:
    """The article in an HTML document: metadata plus typed body blocks.

    Raises :class:`~narrator.errors.InputTooLargeError` for pages over
    :data:`MAX_HTML_BYTES` and :class:`~narrator.errors.NoArticleError` when the page holds
    no findable article (a login wall, an index page, an empty body).
    """
    if document.format is not DocFormat.HTML:
        raise ValueError(f"extract_html needs an HTML document, not {document.format.value}")
    _check_size(document)
    tree = _parse(document.text, document.source)
    tidy_headings(tree)
    metadata = _metadata(tree, document.url)

    dropped: list[DroppedBlock] = []
    clean_tree(tree, dropped)
    paragraphize(tree)

    blocks = _body_blocks(tree, document.url, dropped)
    blocks = _split_story_blocks(tree, blocks) or blocks
    blocks = filter_blocks(blocks, metadata.get("title"), dropped)
    dropped.extend(left_out_blocks(tree, blocks, dropped, metadata.get("title")))
    words = sum(len(_WORD.findall(b.text)) for b in blocks)
    if words < _MIN_ARTICLE_WORDS:
        raise NoArticleError(
            f"No article was found in {document.source}: the page has {words} words of "
            "readable text outside menus and banners. It may be a login wall, an index "
            "page or an empty page; save the article page itself (or its text) and try again."
        )
    return Article(
        title=metadata.get("title"),
        blocks=tuple(blocks),
        byline=metadata.get("byline"),
        date=metadata.get("date"),
        site_name=metadata.get("site_name"),
        language=metadata.get("language"),
        url=metadata.get("url") or document.url,
        source=document.source,
        description=metadata.get("description"),
        dropped=tuple(dropped),
    )


def _check_size(document: Document) -> None:
    text = document.text
    # A str never has more characters than UTF-8 bytes, so the cheap test comes first.
    size = len(text) if len(text) > MAX_HTML_BYTES else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_HTML_BYTES:
        raise InputTooLargeError(
            f"{document.source} is {size / 1e6:.1f} MB of HTML, over the "
            f"{MAX_HTML_BYTES / 1e6:.0f} MB limit for a web page. Save the article on its own "
            "(for example with your browser's reader view) and narrate that file."
        )


def _parse(text: str, source: str) -> HtmlElement:
    """Parse ``text`` into a tree, flattening markup nested past the parser's depth limit."""
    text = _XML_DECLARATION.sub("", _UNPARSABLE.sub("", text), count=1)
    if not text.strip():
        raise NoArticleError(f"{source} is empty: there is no page to read. Check the file or URL.")
    tree = _fromstring(text, source)
    if _deepest(tree) >= _PARSER_DEPTH_LIMIT:
        # A page this deep is generated or hostile; its layout carries no meaning worth the
        # risk of losing text, so wrappers become line breaks (or nothing) and it is re-parsed.
        flat = _WRAPPER_TAGS.sub(
            lambda m: "<br><br>" if _BLOCK_WRAPPERS.match(m.group(0)) else "", text
        )
        # 100,000 nested divs would leave 200,000 breaks, which trafilatura walks slowly.
        flat = _BREAK_RUN.sub("<br><br>", flat)
        tree = _fromstring(flat, source)
    return tree


def _fromstring(text: str, source: str) -> HtmlElement:
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise NoArticleError(
            f"{source} could not be read as HTML ({exc}). Check that it is a web page; "
            "if it is plain text or Markdown, name it with a .txt or .md extension."
        ) from exc
    if not isinstance(tree, HtmlElement):
        raise NoArticleError(f"{source} could not be read as HTML. Check that it is a web page.")
    return tree


def _deepest(tree: HtmlElement) -> int:
    """The greatest element depth, counted without recursion (the tree may be deep)."""
    depth = deepest = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        if event == "start":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _metadata(tree: HtmlElement, url: str | None) -> dict[str, str]:
    """Title, byline, date, site name, language, canonical URL and description."""
    found: dict[str, str] = {}
    try:
        meta = trafilatura.extract_metadata(tree, default_url=url)
    except Exception:  # metadata is optional; a failure must not lose the body
        meta = None
    fields: dict[str, Any] = {} if meta is None else meta.as_dict()
    for ours, theirs in (
        ("title", "title"),
        ("byline", "author"),
        ("date", "date"),
        ("site_name", "sitename"),
        ("url", "url"),
        ("description", "description"),
    ):
        value = fields.get(theirs)
        if isinstance(value, str) and (value := speakable(value)):
            found[ours] = value
    if "site_name" in found:
        found["site_name"] = (
            _URL_PREFIX.sub("", found["site_name"]).rstrip("/") or found["site_name"]
        )
    title = choose_title(tree, found.get("title"), found.get("site_name"), url)
    if title is not None:
        found["title"] = title
    if "title" in found:
        found["title"] = strip_site_suffix(found["title"], found.get("site_name"), url)
    if "byline" in found:
        byline = clean_byline(
            found.pop("byline"),
            date_after(tree.text_content),
            site_names(found.get("site_name"), url),
        )
        if byline:
            found["byline"] = byline
    language = _language(tree)
    if language:
        found["language"] = language
    return found


def _language(tree: HtmlElement) -> str | None:
    """The page's declared language as a BCP 47 tag (``en``, ``en-GB``)."""
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates += tree.xpath(
        "//meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
        "='content-language']/@content | //meta[@property='og:locale']/@content"
    )
    for value in candidates:
        if not isinstance(value, str):
            continue
        tag = value.strip().split(",")[0].replace("_", "-")
        if _LANGUAGE_TAG.match(tag):
            # BCP 47 case conventions: "en-us" -> "en-US", "zh-hant-tw" -> "zh-Hant-TW".
            primary, *subtags = tag.split("-")
            cased = [primary.lower()]
            for sub in subtags:
                if len(sub) == 2 and sub.isalpha():
                    cased.append(sub.upper())
                elif len(sub) == 4 and sub.isalpha():
                    cased.append(sub.title())
                else:
                    cased.append(sub.lower())
            return "-".join(cased)
    return None


def _body_blocks(tree: HtmlElement, url: str | None, dropped: list[DroppedBlock]) -> list[Block]:
    """Trafilatura's body as blocks: precision mode, or balanced when that finds far more."""
    precise = _trafilatura_blocks(tree, url, precision=True, dropped=dropped)
    precise_words = sum(len(_WORD.findall(b.text)) for b in precise)
    spare: list[DroppedBlock] = []
    balanced = _trafilatura_blocks(tree, url, precision=False, dropped=spare)
    balanced_words = sum(len(_WORD.findall(b.text)) for b in balanced)
    if balanced_words > _RECALL_GAIN * max(precise_words, _MIN_ARTICLE_WORDS):
        dropped.extend(spare)
        return balanced
    return precise


def _split_story_blocks(tree: HtmlElement, blocks: list[Block]) -> list[Block]:
    """Paragraphs from the other chunks of a story split into sibling containers.

    Some sites cut the story into several containers with the same class, an ad slot
    between each (Wired's ``article__body`` chunks in the benchmark); trafilatura keeps the
    first chunk only. The containers sought share the class of the container holding most
    of the extracted paragraphs and sit within a few levels of it.
    """
    found = {speakable(b.text) for b in blocks if b.kind is BlockKind.PARAGRAPH}
    parents: Counter[HtmlElement] = Counter()
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is not None and speakable(p.text_content()) in found:
            parents[parent] += 1
    if not parents:
        return []
    host, hits = parents.most_common(1)[0]
    signature = host.get("class")
    if hits < 2 or not signature:
        return []
    scope: HtmlElement | None = host
    for _ in range(_SPLIT_STORY_LEVELS):
        if scope is None:
            return []
        scope = scope.getparent()
    if scope is None:
        return []
    order = {el: i for i, el in enumerate(tree.iter())}
    chunks = [
        el
        for el in scope.iter(host.tag)
        if el is not host and el.get("class") == signature and host not in el.iterancestors()
    ]
    host_at = order[host]
    said = _shingles(" ".join(b.text for b in blocks))
    extra: list[tuple[int, Block]] = []
    for chunk in chunks:
        # Only chunks after the first: what comes before a story is its header, not its text.
        if order[chunk] < host_at:
            continue
        # List items are left out: the lists after a story are "more stories" lists.
        for node in chunk.iter("p", "h2", "h3", "h4"):
            text = speakable(node.text_content())
            if not text or text in found:
                continue
            grams = _shingles(text)
            # Trafilatura's text of a paragraph can differ from the DOM's by a few inline
            # pieces, so "already said" is judged by shared word 4-grams, not equality.
            if grams and len(grams & said) * 2 >= len(grams):
                continue
            if any(a.tag == "li" for a in node.iterancestors()):
                continue
            if node.tag.startswith("h"):
                block = Block(BlockKind.HEADING, text, level=int(node.tag[1]))
            else:
                block = Block(BlockKind.PARAGRAPH, text)
            found.add(text)
            extra.append((order[node], block))
    if sum(len(_WORD.findall(b.text)) for _, b in extra) < _MIN_ARTICLE_WORDS:
        return []
    return blocks + [b for _, b in sorted(extra, key=lambda pair: pair[0])]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def _trafilatura_blocks(
    tree: HtmlElement, url: str | None, *, precision: bool, dropped: list[DroppedBlock]
) -> list[Block]:
    try:
        result = trafilatura.bare_extraction(
            deepcopy(tree),
            url=url,
            favor_precision=precision,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_formatting=False,
            include_links=False,
            output_format="xml",
            with_metadata=False,
        )
    except (ValueError, RecursionError):
        return []
    body = getattr(result, "body", None)
    if body is None:
        return []
    return blocks_from_xml(body, dropped)
