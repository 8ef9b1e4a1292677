"""The spoken title of an HTML page: its headline, found where the page's sources agree.

A page names its headline in several places written independently: the ``<title>`` (often
with the site's name around it), ``og:title`` and other ``<meta>`` tags, the JSON-LD
``headline``, the schema.org microdata ``itemprop="headline"``, and a heading on the page.
Any one of them can be wrong on its own: a promo ``<h2>`` or ``<h1>`` (Atlas Obscura's
"Take your next trip with Atlas Obscura!"), a section name set as the page's ``<h1>``
(WebMD's "Allergies Health Center" above the story's ``<h2>``), the author's name as the
blog's ``<h1>``. What two of them say word for word is the headline; trafilatura's own
pick stands only when no two agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

# lxml ships no type information and pyproject's mypy overrides do not list it yet.
from lxml.html import HtmlElement  # type: ignore[import-untyped]

from narrator.extract._html_blocks import speakable

__all__ = ["choose_title", "document_title", "site_names", "strip_site_suffix"]

_WORD = re.compile(r"\w+")
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|·•»:~]|::|[-–—])\s+")
_SITE_SUFFIX_WORDS = 5
_TITLE_METAS = frozenset({"og:title", "twitter:title", "dc.title", "dcterms.title", "title"})
# A <title> split at its separators is a handful of pieces; joins of more are never needed.
_MOST_PIECES = 8
# JSON-LD blocks are small; a huge one is a data dump, not the page's description.
_MOST_JSON_LD_CHARS = 200_000
_MOST_JSON_LD_DEPTH = 6


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def document_title(tree: HtmlElement) -> str | None:
    """The text of the page's own ``<title>``: the first non-empty one outside ``<svg>``
    (Atlas Obscura and Vox put dozens of icon ``<title>`` s in the body, some first)."""
    for el in tree.iter("title"):
        if any(a.tag == "svg" or a.tag == "symbol" for a in el.iterancestors()):
            continue
        text = " ".join((el.text_content() or "").split())
        if text:
            return text
    return None


def _pieces(title: str) -> Iterator[str]:
    """``title`` and every run of its separated pieces: "A: B · Site" gives "A: B · Site",
    "A", "A: B", "B", "B · Site", "Site"."""
    cuts = list(_TITLE_SEPARATOR.finditer(title))[: _MOST_PIECES - 1]
    starts = [0, *(c.end() for c in cuts)]
    ends = [*(c.start() for c in cuts), len(title)]
    for i, start in enumerate(starts):
        for end in ends[i:]:
            yield title[start:end]


def _json_ld_headlines(tree: HtmlElement) -> Iterator[str]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = (script.text or "").strip()
        if not text or len(text) > _MOST_JSON_LD_CHARS:
            continue
        text = text.removeprefix("<![CDATA[").removesuffix("]]>").strip()
        try:
            data = json.loads(text)
        except ValueError:
            continue
        yield from _headlines_in(data, 0)


def _headlines_in(data: object, depth: int) -> Iterator[str]:
    if depth > _MOST_JSON_LD_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _headlines_in(item, depth + 1)
    elif isinstance(data, dict):
        headline = data.get("headline")
        if isinstance(headline, str):
            yield headline
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            yield from _headlines_in(data.get(key), depth + 1)


def _sources(tree: HtmlElement) -> dict[str, tuple[str, set[str]]]:
    """Every title the page offers, folded, with its text and the kinds of source naming it
    (``title``, ``meta``, ``ld``, ``item`` for microdata, ``heading``)."""
    found: dict[str, tuple[str, set[str]]] = {}

    def add(text: str, kind: str) -> None:
        text = speakable(text)
        if not _WORD.search(text):
            return
        found.setdefault(_fold(text), (text, set()))[1].add(kind)

    title = document_title(tree)
    if title:
        for piece in _pieces(title):
            add(piece, "title")
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or "").strip().lower()
        if name in _TITLE_METAS:
            add(meta.get("content") or "", "meta")
    for headline in _json_ld_headlines(tree):
        add(headline, "ld")
    # schema.org microdata: the element (or <meta>) the page marks as its headline.
    for el in tree.xpath("//*[@itemprop='headline']"):
        add((el.get("content") or "") if el.tag == "meta" else el.text_content(), "item")
    for heading in tree.iter("h1", "h2"):
        add(heading.text_content(), "heading")
    return found


def _is_site_name(text: str, site: str | None, url: str | None) -> bool:
    squashed = "".join(_WORD.findall(text.casefold()))
    return bool(squashed) and squashed in site_names(site, url)


def site_names(site: str | None, url: str | None) -> set[str]:
    """The site's names, squashed to letters and digits: its ``og:site_name``, its host
    without "www." ("clevelandcom") and the host's labels ("cleveland")."""
    names = set()
    if site:
        names.add("".join(_WORD.findall(site.casefold())))
    if url:
        host = re.sub(r"^[a-z]+://", "", url.casefold()).split("/")[0].split(":")[0]
        names.add("".join(_WORD.findall(host.removeprefix("www."))))
        names.update(label for label in host.split(".") if len(label) > 2)
    return names - {""}


def choose_title(
    tree: HtmlElement, found: str | None, site: str | None, url: str | None
) -> str | None:
    """The page's headline: ``found`` (trafilatura's pick) when the page declares it in its
    metadata, else the title most kinds of source name (at least two), else ``found``.

    A title in ``og:title`` or the JSON-LD ``headline`` is one the publisher set for the
    page (CityLab's ``og:title`` differs from its ``<h1>``, and both are the story's); a
    heading on its own is no such statement, since promos and section names are headings
    too, so a heading wins only where another source says the same words.

    Ties go to the title the JSON-LD ``headline`` names, the publisher's explicit statement
    of the article's headline (Vox's ``<title>`` and JSON-LD say "How to watch the 21 best
    films of 2017", its ``og:title`` and ``<h1>`` "The 21 best movies of 2017"); then to the
    one earlier in the ``<title>``, because the site's name, usually last, is a masthead
    heading as often as the headline is (mdBook's "The Widget Book"); then to the longer.
    """
    sources = _sources(tree)
    title = _fold(document_title(tree) or "")
    best: tuple[int, bool, int, int] = (1, False, 0, 0)
    chosen: str | None = None
    for key, (text, kinds) in sources.items():
        at = title.find(key) if "title" in kinds else len(title)
        rank = (len(kinds), "ld" in kinds, -at, len(_WORD.findall(text)))
        if rank[0] >= 2 and rank > best and not _is_site_name(text, site, url):
            best, chosen = rank, text
    if chosen is None:
        return found
    if found is not None:
        kinds = sources.get(_fold(found), ("", set()))[1]
        if "ld" in kinds or ("meta" in kinds and not best[1]):
            return found
    return chosen


def strip_site_suffix(title: str, site: str | None, url: str | None) -> str:
    """``title`` without a trailing site name ("... | Harper's Magazine"), where the last
    separated piece is short and names the site (its ``og:site_name`` or its domain)."""
    pieces = _TITLE_SEPARATOR.split(title)
    if len(pieces) < 2:
        return title
    last = pieces[-1]
    if len(_WORD.findall(last)) > _SITE_SUFFIX_WORDS:
        return title
    squashed = "".join(_WORD.findall(last.casefold()))
    names = site_names(site, url)
    if not squashed or not any(
        squashed == name or (len(name) > 3 and name in squashed) for name in names
    ):
        return title
    separator = list(_TITLE_SEPARATOR.finditer(title))[-1]
    return title[: separator.start()].strip() or title
