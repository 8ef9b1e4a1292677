"""What trafilatura itself left out of the page, as :class:`~narrator.models.DroppedBlock` s.

Narrator records every block its own rules drop, but trafilatura removes boilerplate before
narrator sees its output (class words such as ``footer``, link-dense lists, whatever lies
outside the container it picks as the body), and says nothing about it. For ``--explain``
this module compares the text blocks of the page trafilatura read with what was kept or
already reported, and reports each block of some size found in neither, with the likeliest
reason:

* ``trafilatura:links``: most of its words are link text (menus, link lists);
* ``trafilatura:outside-body``: it lies outside the element holding all the kept text;
* ``trafilatura:filtered``: it lies inside that element; trafilatura's own filters left it out.

Cheap by design: one walk of the tree and word 3-gram sets, no second extraction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# lxml ships no type information and pyproject's mypy overrides do not list it yet.
from lxml import etree  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

from narrator.extract._html_clean import shorten
from narrator.models import Block, DroppedBlock

__all__ = ["left_out_blocks"]

_WORD = re.compile(r"\w+")
# A block of fewer words is a label or a lone link; reporting each would bury the list.
_MIN_WORDS = 4
# A list whose items all have at most this many words is a menu, reported as one block.
_MENU_ITEM_WORDS = 3
# A block counts as said when this share of its word 3-grams was said (trafilatura's text
# of a block can differ from the DOM's by a few inline pieces).
_SAID_SHARE = 0.5
_LINK_SHARE = 0.5
_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em",
        "font", "i", "img", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike",
        "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)  # fmt: skip
_NOT_BLOCKS = frozenset({"html", "head", "body", "title"})


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _grams(words: list[str]) -> Iterator[tuple[str, ...]]:
    if len(words) < 3:
        yield tuple(words)
        return
    for i in range(len(words) - 2):
        yield tuple(words[i : i + 3])


def _is_block(el: HtmlElement) -> bool:
    return isinstance(el.tag, str) and el.tag not in _INLINE and el.tag not in _NOT_BLOCKS


def _units(root: HtmlElement) -> list[HtmlElement]:
    """The page's text blocks: block elements holding no other block element, in page order;
    a list of short items (a menu) is one block."""
    inner: set[HtmlElement] = set()
    blocks = [el for el in root.iter(etree.Element) if _is_block(el)]
    for el in blocks:
        for above in el.iterancestors():
            if above in inner:
                break
            inner.add(above)
    units: list[HtmlElement] = []
    menus: set[HtmlElement] = set()
    for el in blocks:
        if el in inner:
            continue
        parent = el.getparent()
        if el.tag == "li" and parent is not None and parent.tag in {"ul", "ol"}:
            if parent in menus:
                continue
            items = list(parent)
            if all(
                c.tag == "li"
                and c not in inner
                and len(_WORD.findall(c.text_content())) <= _MENU_ITEM_WORDS
                for c in items
            ):
                menus.add(parent)
                units.append(parent)
                continue
        units.append(el)
    return units


def _text(el: HtmlElement) -> str:
    return " ".join(" ".join(el.itertext()).split())


def _link_share(el: HtmlElement, words: int) -> float:
    linked = sum(len(_WORD.findall(_text(a))) for a in el.iter("a"))
    return linked / max(words, 1)


def _common_ancestor(elements: Iterable[HtmlElement]) -> HtmlElement | None:
    common: list[HtmlElement] | None = None
    for el in elements:
        chain = [el, *el.iterancestors()][::-1]
        if common is None:
            common = chain
            continue
        depth = 0
        while depth < min(len(common), len(chain)) and common[depth] is chain[depth]:
            depth += 1
        common = common[:depth]
    return common[-1] if common else None


def left_out_blocks(
    tree: HtmlElement, kept: list[Block], dropped: list[DroppedBlock], title: str | None
) -> list[DroppedBlock]:
    """Blocks of ``tree`` (the page as trafilatura read it) in neither ``kept``, ``title``
    nor ``dropped``, each with a ``trafilatura:`` reason."""
    said: set[tuple[str, ...]] = set(_grams(_words(title or "")))
    for block in kept:
        said.update(_grams(_words(block.text)))
    reported: set[tuple[str, ...]] = set()
    reported_texts = {drop.text for drop in dropped}
    for drop in dropped:
        # Long texts are shortened in a DroppedBlock; its opening 3-grams are what is left.
        reported.update(_grams(_words(drop.text.removesuffix("…"))))
    body = tree.find("body")
    root = body if body is not None else tree
    missing: list[tuple[HtmlElement, str, int]] = []
    found: list[HtmlElement] = []
    for el in _units(root):
        text = _text(el)
        words = _words(text)
        if len(words) < _MIN_WORDS:
            continue
        grams = list(_grams(words))
        if sum(g in said for g in grams) >= _SAID_SHARE * len(grams):
            found.append(el)
        elif shorten(text) not in reported_texts and (
            sum(g in reported for g in grams) < _SAID_SHARE * len(grams)
        ):
            missing.append((el, text, len(words)))
    story = _common_ancestor(found)
    out: list[DroppedBlock] = []
    for el, text, count in missing:
        if _link_share(el, count) >= _LINK_SHARE:
            rule = "trafilatura:links"
        elif story is None or (el is not story and story not in el.iterancestors()):
            rule = "trafilatura:outside-body"
        else:
            rule = "trafilatura:filtered"
        out.append(DroppedBlock(shorten(text), rule, f"<{el.tag}> not in trafilatura's output"))
    return out
