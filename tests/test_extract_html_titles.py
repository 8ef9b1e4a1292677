"""The HTML title is the headline where the page's sources agree, a preformatted document is
read rather than dropped as code, and ``--explain`` lists what trafilatura itself left out.

Pages of our own, built on the shapes seen on the corpora's tune half (a promo heading
before the headline, a section name as the ``<h1>``, an empty first ``<title>``, an IETF
draft in ``<pre>``), with text written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrator.cli import cli
from narrator.extract.html import extract_html
from narrator.models import Article, DocFormat, Document

PROSE = [
    "The harbour town voted on Tuesday to keep the ferry that has crossed the firth since "
    "the old pier was built, after a campaign that filled the village hall three nights.",
    "Councillors had proposed a bus over the bridge instead, saying the boat lost money "
    "every winter and the pier needed repairs the town could not afford on its own.",
    "Residents answered that the bus would take forty minutes where the ferry takes ten, "
    "and that the crossing was part of the town's history and of its summer trade.",
]
HEADLINE = "Harbour town votes to keep its ferry"
STORY = "".join(f"<p>{p}</p>" for p in PROSE)


@pytest.fixture(autouse=True)
def no_user_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point $XDG_CONFIG_HOME at an empty folder so a developer's own rules never leak in."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _extract(html: str, url: str | None = "https://news.example.org/ferry") -> Article:
    return extract_html(Document(html, DocFormat.HTML, "page.html", url=url))


def _spoken(article: Article) -> str:
    return "\n".join(b.text for b in article.blocks)


def test_a_promo_heading_before_the_headline_is_not_the_title() -> None:
    # The page's first <title> is empty (a template's leftover), and icons carry their own.
    icons = "".join(f"<svg><title>{name}</title></svg>" for name in ("icon-share", "menu"))
    html = (
        f"<html><head><title></title><title>{HEADLINE} - Harbour News</title>"
        "<meta property='og:site_name' content='Harbour News'></head><body>"
        f"{icons}<div><h2>Take your next trip with Harbour News!</h2></div>"
        f"<article><h1>{HEADLINE}</h1>{STORY}</article></body></html>"
    )
    assert _extract(html).title == HEADLINE


def test_the_headline_the_page_marks_up_outranks_its_search_title() -> None:
    # The <title> and JSON-LD carry a search headline; the visible <h1>, og:title and the
    # schema.org microdata say the story's own.
    seo = "Ferry vote: harbour town keeps boat after campaign"
    ld = json.dumps({"@type": "NewsArticle", "headline": seo})
    html = (
        f"<html><head><title>{seo} - Harbour News</title>"
        f"<meta property='og:title' content='{HEADLINE}'>"
        f"<script type='application/ld+json'>{ld}</script></head><body>"
        f"<article><h1 itemprop='headline'>{HEADLINE}</h1>{STORY}</article></body></html>"
    )
    assert _extract(html).title == HEADLINE


def test_a_section_name_as_the_h1_is_not_the_title() -> None:
    html = (
        f"<html><head><title>{HEADLINE}</title></head><body>"
        "<h1>Transport Health Center</h1>"
        f"<div><h2>{HEADLINE}</h2>{STORY}</div></body></html>"
    )
    assert _extract(html).title == HEADLINE


def test_a_blog_owners_name_as_the_h1_is_not_the_title() -> None:
    html = (
        f"<html><head><title>{HEADLINE} | Notes | Ann Example</title></head><body>"
        "<header><h1>Hi, I'm Ann.</h1></header>"
        f"<div class='post'><h2>{HEADLINE}</h2>{STORY}</div></body></html>"
    )
    assert _extract(html).title == HEADLINE


def test_the_og_title_the_publisher_set_stands_against_a_heading() -> None:
    other = "Why a ten-minute crossing still matters"
    html = (
        f"<html><head><title>A short history of the ferry - Harbour News</title>"
        f"<meta property='og:title' content='{HEADLINE}'>"
        f"<meta name='twitter:title' content='{other}'></head><body>"
        f"<article><h1>{other}</h1>{STORY}</article></body></html>"
    )
    assert _extract(html).title == HEADLINE


def test_the_json_ld_headline_wins_a_tie_with_og_title_and_h1() -> None:
    short = "The ferry stays"
    ld = json.dumps({"@type": "NewsArticle", "headline": HEADLINE})
    html = (
        f"<html><head><title>{HEADLINE} - Harbour News</title>"
        f"<meta property='og:title' content='{short}'>"
        f"<script type='application/ld+json'>{ld}</script></head><body>"
        f"<article><h1>{short}</h1>{STORY}</article></body></html>"
    )
    assert _extract(html).title == HEADLINE


def test_a_lone_heading_title_still_stands() -> None:
    html = f"<html><body><article><h1>{HEADLINE}</h1>{STORY}</article></body></html>"
    assert _extract(html, url=None).title == HEADLINE


# --- a preformatted document ------------------------------------------------------------

_DRAFT_PAGE = """Ferry Working Group                                    A. Example
Internet-Draft                                                  May 2026

                          The Ferry Protocol

Abstract

   This memo describes how a harbour town keeps a small ferry running
   through the winter, and how the crossing is paid for when the boat
   loses money in the cold months and the pier needs repairs.

Example                                                        [Page {n}]
"""
_DRAFT_BODY = """Internet-Draft             The Ferry Protocol                  May 2026

{n}.  Section {n}

   In year {n} the council meets to decide whether the ferry keeps its
   timetable, and the residents are asked to say which crossings they
   use most, so that the quiet ones can be dropped before the summer.

   The boat is inspected once a year by the harbour master, who writes
   a short report that is read aloud at the first meeting of the year.

Example                                                        [Page {n}]
"""


def _draft_html() -> str:
    pages = [_DRAFT_PAGE.format(n=1)] + [_DRAFT_BODY.format(n=n) for n in range(2, 6)]
    pres = "".join(f"<pre class='newpage'>{page}</pre>" for page in pages)
    return (
        "<html><head><title>draft-example-ferry-00 - The Ferry Protocol</title></head>"
        f"<body><span>[Docs] [txt|pdf]</span><br>{pres}</body></html>"
    )


def test_a_document_written_in_pre_is_read_as_paragraphs() -> None:
    article = _extract(_draft_html(), url=None)
    body = _spoken(article)
    # A hard-wrapped paragraph reads as one line of text, not a line per wrapped line.
    assert (
        "This memo describes how a harbour town keeps a small ferry running through the "
        "winter, and how the crossing is paid for" in body
    )
    for n in range(2, 6):
        assert f"In year {n} the council meets to decide whether the ferry keeps" in body
    # The running header and footer are page furniture, dropped and listed.
    assert "[Page" not in body
    assert "Internet-Draft The Ferry Protocol May 2026" not in body
    rules = {d.rule for d in article.dropped if "[Page" in d.text}
    assert rules == {"chrome:running-header"}


def test_code_in_pre_is_still_dropped_on_a_prose_page() -> None:
    code = "<pre>def fare(trips: int) -&gt; float:\n    return trips * 2.5  # pounds\n</pre>"
    html = f"<html><body><article><h1>{HEADLINE}</h1>{STORY}{code}</article></body></html>"
    article = _extract(html, url=None)
    assert "def fare" not in _spoken(article)
    assert any(d.rule == "code" and "def fare" in d.text for d in article.dropped)


# --- --explain lists what trafilatura left out --------------------------------------------

FOOTER = (
    "Copyright 2026 Harbour Press. All rights reserved. Terms of use and the privacy "
    "policy apply to every page of this site."
)


def _chrome_page() -> str:
    # Neither "topbar" nor "site-footer" is one of narrator's chrome words; trafilatura
    # drops the menu and the footer on its own.
    menu = "".join(f"<li><a href='/{w.lower()}'>{w}</a></li>" for w in ("Home", "News", "Sport"))
    return (
        f"<html><head><title>{HEADLINE}</title></head><body>"
        f"<div class='topbar'><ul>{menu}<li><a href='/w'>Weather</a></li></ul></div>"
        f"<article><h1>{HEADLINE}</h1>{STORY}</article>"
        f"<div class='site-footer'>{FOOTER}</div></body></html>"
    )


def test_explain_lists_the_blocks_trafilatura_left_out(tmp_path: Path) -> None:
    page = tmp_path / "ferry.html"
    page.write_text(_chrome_page(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(page), "--explain"])
    assert result.exit_code == 0, result.output
    story, _, explained = result.stdout.partition("\ndropped (")
    assert FOOTER not in story
    lines = explained.splitlines()
    assert any(line.startswith("  - trafilatura:") and line.endswith(FOOTER) for line in lines), (
        explained
    )
    assert any(
        line.startswith("  - trafilatura:links") and line.endswith("Home News Sport Weather")
        for line in lines
    ), explained
    # What was read is not listed as left out.
    for paragraph in PROSE:
        assert paragraph in story
        assert not any(paragraph[:60] in line for line in lines)


def test_explain_without_the_flag_lists_nothing(tmp_path: Path) -> None:
    page = tmp_path / "ferry.html"
    page.write_text(_chrome_page(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(page)])
    assert result.exit_code == 0, result.output
    assert "trafilatura:" not in result.stdout
