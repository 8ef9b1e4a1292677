"""DOM cleaning before trafilatura sees the page: what must never be spoken, and page chrome.

Trafilatura finds the article body well, but it was built for corpora, not for a listener:
it lets through the odd newsletter box or share row, and it reads whatever the DOM holds,
even text a browser would never show. This module removes, in place:

* things that are never text for a reader (``<script>``, ``<style>``, ``<template>``,
  ``<svg>``, forms and buttons, JSON-LD, tracking pixels) and hidden elements
  (``hidden``, ``aria-hidden="true"``, ``display:none``, ``visibility:hidden``);
* page chrome recognised by tag or by class/id words (navigation, cookie banners,
  newsletter boxes, share rows, related lists, ratings widgets, advertisements);
* captions, photo credits, code blocks and embedded media, which are dropped by default.

A page that is nearly all ``<pre>`` prose (an IETF draft) is a preformatted document, not
code: its ``<pre>`` s become paragraphs, without their running headers and footers.

Every removal with text is recorded as a :class:`~narrator.models.DroppedBlock` for
``--explain``. It also turns "text and ``<br><br>``" runs into paragraphs, because
trafilatura skips loose text in a ``<div>`` (the MacRumors page in the benchmark lost its
first paragraph that way).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

# lxml ships no type information and pyproject's mypy overrides do not list it yet.
from lxml import etree  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

from narrator.models import DroppedBlock

__all__ = ["clean_tree", "paragraphize", "shorten", "tidy_headings"]

# Elements that never carry text meant for a reader. The value is the rule name.
_NEVER_SPOKEN: dict[str, str] = {
    "script": "never:script",
    "style": "never:style",
    "noscript": "never:noscript",
    "template": "never:template",
    "svg": "never:svg",
    "math": "never:math",
    "button": "never:form",
    "input": "never:form",
    "select": "never:form",
    "textarea": "never:form",
    "option": "never:form",
    "label": "never:form",
    "dialog": "never:dialog",
    "link": "never:link",
    "meta": "never:meta",
    "canvas": "media:embed",
    "iframe": "media:embed",
    "object": "media:embed",
    "embed": "media:embed",
    "video": "media:embed",
    "audio": "media:embed",
    "picture": "media:image",
    "map": "media:image",
}

# Structural chrome by tag. <aside> holds pull quotes (a repeat of the story) and side boxes.
_CHROME_TAGS: dict[str, str] = {
    "nav": "chrome:nav",
    "aside": "chrome:aside",
    "footer": "chrome:footer",
    "figcaption": "caption",
    "pre": "code",
}

# Class/id words, matched as whole tokens ("ad" must not match "head" or "load").
_CHROME_TOKENS: dict[str, str] = {
    # navigation
    "nav": "chrome:nav",
    "navbar": "chrome:nav",
    "navigation": "chrome:nav",
    "menu": "chrome:nav",
    "breadcrumb": "chrome:nav",
    "breadcrumbs": "chrome:nav",
    "skip": "chrome:nav",
    "pagination": "chrome:nav",
    # consent banners
    "cookie": "chrome:cookie",
    "cookies": "chrome:cookie",
    "consent": "chrome:cookie",
    "gdpr": "chrome:cookie",
    # newsletter boxes
    "newsletter": "chrome:newsletter",
    "newsletters": "chrome:newsletter",
    "subscribe": "chrome:newsletter",
    "subscription": "chrome:newsletter",
    "signup": "chrome:newsletter",
    # share rows
    "share": "chrome:share",
    "sharing": "chrome:share",
    "sharebar": "chrome:share",
    "social": "chrome:share",
    "sociallinks": "chrome:share",
    # related lists
    "related": "chrome:related",
    "recommended": "chrome:related",
    "recommendations": "chrome:related",
    "recirc": "chrome:related",
    "outbrain": "chrome:related",
    "taboola": "chrome:related",
    "trending": "chrome:related",
    "mostread": "chrome:related",
    "mostpopular": "chrome:related",
    # ratings widgets
    "rating": "chrome:rating",
    "ratings": "chrome:rating",
    "stars": "chrome:rating",
    # advertisements
    "ad": "chrome:ad",
    "ads": "chrome:ad",
    "advert": "chrome:ad",
    "adverts": "chrome:ad",
    "advertisement": "chrome:ad",
    "advertising": "chrome:ad",
    "adslot": "chrome:ad",
    "adunit": "chrome:ad",
    "dfp": "chrome:ad",
    "sponsored": "chrome:ad",
    "promo": "chrome:ad",
    # reader comments
    "comment": "chrome:comments",
    "comments": "chrome:comments",
    "disqus": "chrome:comments",
    # side columns
    "sidebar": "chrome:aside",
    "rail": "chrome:aside",
    "widget": "chrome:aside",
    # pop-ups
    "modal": "chrome:popup",
    "popup": "chrome:popup",
    # captions and credits
    "caption": "caption",
    "captions": "caption",
    "credit": "credit",
    "credits": "credit",
    "photocredit": "credit",
}

# Visually hidden text for screen readers ("opens in a new window"), matched on the whole
# class name only: Drupal's "field-label-hidden" wraps the article body on The Hill.
_HIDDEN_CLASSES = frozenset(
    {"hidden", "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "invisible"}
)

# Hyphenated class names are joined before the lookup so "sr-only" and "most-read" match;
# camelCase is split so "sideAd" yields "ad".
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WORD = re.compile(r"\w+")

# Chrome found by class must not take the story with it: a wrapper such as
# <div class="article-body has-share-bar"> holds the article. These guard the removal.
_KEEP_TAGS = frozenset({"html", "body", "main", "article"})
_KEEP_DESCENDANTS = etree.XPath("boolean(.//article | .//main | .//h1)")
_MAX_SHARE_OF_PAGE = 0.25

_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font",
        "i", "img", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike",
        "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "br",
    }
)  # fmt: skip
_LOOSE_TEXT_HOSTS = frozenset({"div", "td", "section", "article", "main", "center"})
_MIN_LOOSE_WORDS = 8


def shorten(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to about ``limit`` characters for a DroppedBlock."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def _element_text(el: HtmlElement) -> str:
    # Joined with spaces: menus are runs of <a> with no text between them ("NewsSportWeather").
    return " ".join(" ".join(el.itertext()).split())


def _remove(el: HtmlElement) -> None:
    """Remove ``el`` but keep its tail, which belongs to the parent's text."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _has_hidden_class(el: HtmlElement) -> bool:
    value = el.get("class")
    return bool(value) and any(name.lower() in _HIDDEN_CLASSES for name in value.split())


def _tokens(el: HtmlElement) -> Iterator[str]:
    for attr in ("class", "id"):
        value = el.get(attr)
        if not value:
            continue
        for name in value.split():
            yield _SPLIT.sub("", name.lower())  # "most-read" -> "mostread"
            yield from (t for t in _SPLIT.split(_CAMEL.sub(" ", name).lower()) if t)


def _is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden", "").lower() == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _is_tracking_pixel(el: HtmlElement) -> bool:
    return el.get("width", "").strip() in {"0", "1"} or el.get("height", "").strip() in {"0", "1"}


def _never_spoken_rule(el: HtmlElement) -> str | None:
    tag = el.tag
    rule = _NEVER_SPOKEN.get(tag)
    if rule is not None:
        return rule
    if tag == "img" and _is_tracking_pixel(el):
        return "never:tracking-pixel"
    if _is_hidden(el):
        return "hidden:attribute"
    if _has_hidden_class(el):
        return "hidden:class"
    return None


def _chrome_rule(el: HtmlElement) -> str | None:
    rule = _CHROME_TAGS.get(el.tag)
    if rule is not None:
        return rule
    if el.get("role") in {"navigation", "banner", "complementary", "contentinfo"}:
        return "chrome:nav"
    for token in _tokens(el):
        rule = _CHROME_TOKENS.get(token)
        if rule is not None:
            return rule
    return None


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PERMALINK_TOKENS = frozenset({"headerlink", "permalink", "anchor", "anchorjs", "hash"})
# What docs generators put in a heading's link to itself: Sphinx and MkDocs "¶", Jekyll
# and GitHub "#" or an icon (no text), kramdown "§", some themes a link emoji.
_PERMALINK_TEXT = frozenset({"", "¶", "#", "§", "🔗", "⚓", "∞", "link", "permalink"})


def _is_permalink(el: HtmlElement) -> bool:
    if not (el.get("href") or "").startswith("#"):
        return False
    if (el.text_content() or "").strip().lower() not in _PERMALINK_TEXT:
        return False
    in_heading = any(a.tag in _HEADINGS for a in el.iterancestors())
    return in_heading or any(t in _PERMALINK_TOKENS for t in _tokens(el))


def _is_self_link_heading(el: HtmlElement) -> bool:
    """``<h2><a class="header" href="#x">Requirements</a></h2>`` (mdBook): the link is the
    heading's own text, whatever its class says."""
    if not (el.get("href") or "").startswith("#"):
        return False
    parent = el.getparent()
    return parent is not None and parent.tag in _HEADINGS


_HEADING_WRAPPERS = frozenset({"div", "header", "hgroup", "span"})


def _unwrap_heading(heading: HtmlElement) -> None:
    """Drop the wrappers that hold nothing but ``heading``: DocBook nests every heading in
    ``div.titlepage > div > div``, and trafilatura discards headings it finds that deep."""
    own = " ".join(heading.text_content().split())
    parent = heading.getparent()
    while (
        parent is not None
        and parent.tag in _HEADING_WRAPPERS
        and len(parent) == 1
        and " ".join(parent.text_content().split()) == own
    ):
        above = parent.getparent()
        parent.drop_tag()
        parent = above


def tidy_headings(tree: HtmlElement) -> None:
    """Repair headings the way docs generators write them, before the title is read.

    * A heading's link to itself ("Requirements¶") goes: every docs generator adds one
      (Sphinx, MkDocs, mdBook, Jekyll, GitHub), and read aloud each heading ends in
      "paragraph". Only an in-page link whose text is empty or a lone mark goes, so a
      heading that links somewhere keeps its words.
    * A self-link that carries the heading's words is unwrapped, so a class word on it
      (mdBook's ``<a class="header">``) cannot drop the heading.
    * Wrappers that hold nothing but a heading are unwrapped (DocBook).
    """
    for el in [a for a in tree.iter("a") if _is_permalink(a)]:
        _remove(el)
    for el in [a for a in tree.iter("a") if _is_self_link_heading(a)]:
        el.drop_tag()
    for heading in [h for h in tree.iter(*_HEADINGS)]:
        _unwrap_heading(heading)


def clean_tree(tree: HtmlElement, dropped: list[DroppedBlock]) -> None:
    """Remove never-spoken elements, hidden elements and page chrome from ``tree`` in place.

    Removals with text are appended to ``dropped``. Chrome found by class or id is kept
    when it looks like it holds the story (see ``_MAX_SHARE_OF_PAGE``).
    """
    body = tree.find("body")
    root = body if body is not None else tree
    # Comments and processing instructions are never spoken; the parser keeps some of them.
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(node)

    # One pass for what must never be spoken, whatever its size.
    doomed: list[tuple[HtmlElement, str]] = []
    for el in root.iter(etree.Element):
        if isinstance(el.tag, str) and (rule := _never_spoken_rule(el)) is not None:
            doomed.append((el, rule))
    _drop_all(doomed, dropped, record=lambda rule: not rule.startswith("never:"))

    # Chrome, with the guard measured on what is left after the first pass.
    page_words = len(_WORD.findall(" ".join(root.itertext())))
    _unpack_preformatted_document(root, page_words, dropped)
    page_paragraph_words = _paragraph_words(root)
    doomed = []
    unwrap: list[HtmlElement] = []
    for el in root.iter(etree.Element):
        if not isinstance(el.tag, str) or el.tag in _KEEP_TAGS:
            continue
        if el.tag == "form":
            # ASP.NET pages wrap the whole page in one <form> (Al Jazeera in the benchmark):
            # a form holding the story is unwrapped; a login or search form is dropped.
            words = len(_WORD.findall(" ".join(el.itertext())))
            if words > _MAX_SHARE_OF_PAGE * page_words or _KEEP_DESCENDANTS(el):
                unwrap.append(el)
            else:
                doomed.append((el, "never:form"))
            continue
        rule = _chrome_rule(el)
        if rule is None:
            continue
        if el.tag not in _CHROME_TAGS:
            words = len(_WORD.findall(" ".join(el.itertext())))
            if words > _MAX_SHARE_OF_PAGE * page_words or _KEEP_DESCENDANTS(el):
                continue
            # A class word says nothing about a wrapper that also names the story
            # (<div class="article-content sticky-sidebar-relative">) or holds most of the
            # page's paragraph text: that is the story's container, whatever else it says.
            if _names_content(el) or _paragraph_words(el) > 0.5 * page_paragraph_words:
                continue
        doomed.append((el, rule))
    _drop_all(doomed, dropped, record=lambda rule: not rule.startswith("never:"))
    for el in unwrap:
        if el.getparent() is not None:
            el.drop_tag()


# A page whose text is nearly all <pre> is a preformatted document (an IETF draft in
# rfcmarkup, a mailing-list archive), not code samples: it is read as paragraphs. Code is
# told apart by its share of letters among printed characters (the tune half's code samples
# run 0.38-0.74, the IETF draft 0.85).
_PREFORMATTED_SHARE = 0.6
_PROSE_LETTERS = 0.75
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _unpack_preformatted_document(
    root: HtmlElement, page_words: int, dropped: list[DroppedBlock]
) -> None:
    """Turn the ``<pre>`` s of a preformatted document into paragraphs, in place.

    Each blank-line-separated chunk becomes a ``<p>``. A line starting in lower case goes on
    the line before (the text was hard-wrapped); other lines are kept apart by ``<br>``, so
    a table of contents reads line by line (see ``_html_blocks._break_lines``). Short lines
    that recur on three pages or more, digits aside, are the running header and footer
    ("Internet-Draft remoteStorage December 2014", "de Jong [Page 2]") and are dropped.
    """
    pres = [el for el in root.iter("pre") if not any(a.tag == "pre" for a in el.iterancestors())]
    texts = ["".join(el.itertext()) for el in pres]
    words = sum(len(_WORD.findall(text)) for text in texts)
    if not pres or words < _PREFORMATTED_SHARE * page_words:
        return
    printed = [c for text in texts for c in text if not c.isspace()]
    if sum(c.isalpha() for c in printed) < _PROSE_LETTERS * len(printed):
        return
    recurring = Counter(
        _running_key(line) for text in texts for line in text.splitlines() if line.strip()
    )
    for el, text in zip(pres, texts, strict=True):
        host = el.makeelement("div", {})
        for chunk in _BLANK_LINE.split(text):
            lines: list[str] = []
            for raw in chunk.splitlines():
                line = " ".join(raw.split())
                if not line:
                    continue
                key = _running_key(line)
                if key and recurring[key] >= _RUNNING_PAGES:
                    dropped.append(DroppedBlock(shorten(line), "chrome:running-header", "<pre>"))
                elif lines and line[0].islower():
                    lines[-1] += " " + line
                else:
                    lines.append(line)
            if not lines:
                continue
            para = host.makeelement("p", {})
            para.text = lines[0]
            for line in lines[1:]:
                br = para.makeelement("br", {})
                br.tail = line
                para.append(br)
            host.append(para)
        host.tail = el.tail
        parent = el.getparent()
        if parent is not None:
            parent.replace(el, host)


_RUNNING_PAGES = 3
_RUNNING_WORDS = 10
_DIGITS = re.compile(r"\d+")


def _running_key(line: str) -> str:
    """A line folded for spotting running headers: digits aside; long lines never match."""
    folded = _DIGITS.sub("#", " ".join(line.split()).casefold())
    return folded if len(_WORD.findall(folded)) <= _RUNNING_WORDS else ""


_CONTENT_TOKENS = frozenset({"article", "content", "story", "body", "post", "entry", "text"})


def _names_content(el: HtmlElement) -> bool:
    """Whether a class or id word of ``el`` names story content (``article-content``)."""
    for attr in ("class", "id"):
        for name in (el.get(attr) or "").split():
            words = set(_SPLIT.split(_CAMEL.sub(" ", name).lower()))
            if words & _CONTENT_TOKENS:
                return True
    return False


def _paragraph_words(el: HtmlElement) -> int:
    return sum(len(_WORD.findall(p.text_content())) for p in el.iter("p"))


def _drop_all(
    doomed: list[tuple[HtmlElement, str]],
    dropped: list[DroppedBlock],
    record: Callable[[str], bool],
) -> None:
    """Remove each element once; skip those already inside a removed ancestor."""
    gone: set[HtmlElement] = set()
    for el, rule in doomed:
        if any(a in gone for a in el.iterancestors()):
            continue
        gone.add(el)
        if record(rule):
            text = _element_text(el)
            if text:
                dropped.append(DroppedBlock(shorten(text), rule, f"<{el.tag}>"))
        _remove(el)


def paragraphize(tree: HtmlElement) -> None:
    """Wrap runs of loose text (split by ``<br><br>`` or block children) in ``<p>``.

    Only hosts with at least ``_MIN_LOOSE_WORDS`` words of their own text are touched, so
    ordinary layout divs are left as they are.
    """
    hosts = [el for el in tree.iter(*_LOOSE_TEXT_HOSTS) if _own_words(el) >= _MIN_LOOSE_WORDS]
    for host in hosts:
        _wrap_runs(host)


def _own_words(el: HtmlElement) -> int:
    parts = [el.text or ""]
    parts += [child.tail or "" for child in el]
    return len(_WORD.findall(" ".join(parts)))


def _wrap_runs(host: HtmlElement) -> None:
    """Rebuild ``host``'s children so that inline runs become paragraphs."""
    children = list(host)
    items: list[str | HtmlElement] = []
    if host.text:
        items.append(host.text)
    for child in children:
        tail = child.tail
        child.tail = None
        items.append(child)
        if tail:
            items.append(tail)
    host.text = None
    for child in children:
        host.remove(child)

    run: list[str | HtmlElement] = []
    pending_breaks = 0

    def flush() -> None:
        if any(not isinstance(i, str) or i.strip() for i in run):
            para = host.makeelement("p", {})
            last: HtmlElement | None = None
            for item in run:
                if isinstance(item, str):
                    if last is None:
                        para.text = (para.text or "") + item
                    else:
                        last.tail = (last.tail or "") + item
                else:
                    para.append(item)
                    last = item
            if _element_text(para) or len(para):
                host.append(para)
        run.clear()

    for item in items:
        if isinstance(item, str):
            if item.strip():
                if pending_breaks >= 2:
                    flush()
                elif pending_breaks == 1:
                    run.append(host.makeelement("br", {}))
                pending_breaks = 0
            run.append(item)
        elif item.tag == "br":
            pending_breaks += 1
        elif item.tag in _INLINE:
            if pending_breaks >= 2:
                flush()
            elif pending_breaks == 1:
                run.append(host.makeelement("br", {}))
            pending_breaks = 0
            run.append(item)
        else:
            flush()
            pending_breaks = 0
            host.append(item)
    flush()
