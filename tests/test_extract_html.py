"""HTML extraction: saved pages of our own making with must-say / must-not-say snippets,
metadata, and bad input (malformed, deeply nested, too large, odd characters)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from narrator.errors import InputTooLargeError, NarratorError, NoArticleError
from narrator.extract.html import MAX_HTML_BYTES, extract_html
from narrator.models import Article, BlockKind, DocFormat, Document

PAGES = Path(__file__).resolve().parent / "pages" / "html"


def _doc(text: str, source: str = "page.html", url: str | None = None) -> Document:
    return Document(text=text, format=DocFormat.HTML, source=source, url=url)


def _page(name: str) -> Article:
    return extract_html(_doc((PAGES / name).read_text(encoding="utf-8"), source=name))


def _spoken(article: Article) -> str:
    return "\n".join(block.text for block in article.blocks_for())


def _story(paragraphs: int = 4) -> str:
    """A plain article body long enough to count as an article."""
    sentence = (
        "The committee met on Monday to discuss the new library, and members agreed that "
        "the building should open before the end of the year. "
    )
    return "".join(f"<p>{i}. {sentence * 2}</p>" for i in range(paragraphs))


# --- saved pages: must say / must not say -------------------------------------------------

PAGE_SNIPPETS: dict[str, tuple[list[str], list[str]]] = {
    "news_story.html": (
        [
            "Residents of Port Willow voted on Tuesday",
            "Of the 4,212 people who cast a ballot",
            '"This boat is how my children get to school,"',
            "What happens next",
            "We will start looking for grants straight away",
            "Keep the ferry, 2,187.",
            "The ferry carries about 300 passengers a day in summer.",
            "keep pressing the council to publish its accounts",
        ],
        [
            "STYLE TEXT",
            "SCRIPT TEXT",
            "JSON-LD",
            "We use cookies",
            "Accept all cookies",
            "Search the site",
            "Weather",
            "Share on Facebook",
            "Email this story",
            "The ferry leaves the quay at dawn",
            "Photo: Jan Berg",
            "Advertisement",
            "boat insurance",
            "Hidden promotional text",
            "Another hidden paragraph",
            "Decorative icon label",
            "an HTML comment",
            "ferry.running",
            "tracking pixel",
            "Sign up for our free morning newsletter",
            "in your inbox",
            "Rated 4.5",
            "Template text",
            "SVG text",
            "enable JavaScript",
            "Related stories",
            "Lighthouse to reopen",
            "All rights reserved",
            "Privacy policy",
            "Harbour town votes to keep its ferry",  # the headline is the title, not a block
        ],
    ),
    "split_blog.html": (
        [
            "My first loaf came out of the oven as flat as a plate",
            "The second loaf rose well but tore open along one side.",
            "The third loaf was dense and gummy in the middle.",
            "the fourth loaf, baked after a slow overnight rise",
        ],
        [
            "Recipes",
            "Posted by",
            "Tweet",
            "Pin it",
            "3 comments",
            "Great post",
            "same problem with my starter",
            "Popular posts",
            "Ten flours compared",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(PAGE_SNIPPETS))
def test_page_says_the_story(name: str) -> None:
    spoken = _spoken(_page(name))
    must_say, _ = PAGE_SNIPPETS[name]
    for snippet in must_say:
        assert snippet in spoken, f"{name}: missing {snippet!r}"


@pytest.mark.parametrize("name", sorted(PAGE_SNIPPETS))
def test_page_never_says_the_chrome(name: str) -> None:
    spoken = _spoken(_page(name))
    _, must_not_say = PAGE_SNIPPETS[name]
    for snippet in must_not_say:
        assert snippet not in spoken, f"{name}: should not say {snippet!r}"


def test_news_story_metadata() -> None:
    article = _page("news_story.html")
    assert article.title == "Harbour town votes to keep its ferry"
    assert article.byline == "Maria Okafor"
    assert article.date == "2024-03-14"
    assert article.site_name == "The Coastal Courier"
    assert article.language == "en-GB"
    assert article.url == "https://courier.example.com/news/2024/03/14/harbour-ferry-vote"
    assert article.description == (
        "Residents of Port Willow chose to fund the ferry for ten more years."
    )
    assert article.source == "news_story.html"


def test_split_blog_metadata_without_canonical_url_uses_the_fetch_url() -> None:
    text = (PAGES / "split_blog.html").read_text(encoding="utf-8")
    article = extract_html(_doc(text, url="https://crumb.example.org/sourdough"))
    assert article.title == "Why my sourdough failed three times"
    assert article.byline == "Sam Reyes"
    assert article.date == "2023-11-02"
    assert article.site_name == "Crumb Notes"
    assert article.language == "en-US"  # declared as "en-us"
    assert article.url == "https://crumb.example.org/sourdough"


def test_a_site_named_by_its_address_is_said_by_its_host() -> None:
    text = (PAGES / "news_story.html").read_text(encoding="utf-8")
    text = text.replace(
        'content="The Coastal Courier"', 'content="http://www.coastal-courier.com/"'
    )
    assert 'content="http://www.coastal-courier.com/"' in text
    assert extract_html(_doc(text)).site_name == "coastal-courier.com"


def test_block_kinds_and_parts() -> None:
    article = _page("news_story.html")
    kinds = {block.kind for block in article.blocks}
    assert kinds == {BlockKind.PARAGRAPH, BlockKind.HEADING, BlockKind.QUOTE, BlockKind.LIST_ITEM}
    heading = next(b for b in article.blocks if b.kind is BlockKind.HEADING)
    assert (heading.text, heading.level) == ("What happens next", 2)
    assert all(block.part == "body" for block in article.blocks)
    assert all("\n" not in block.text for block in article.blocks)


def test_data_table_reads_a_row_as_one_sentence() -> None:
    spoken = [block.text for block in _page("news_story.html").blocks]
    start = spoken.index("Option, Votes.")
    assert spoken[start : start + 3] == [
        "Option, Votes.",
        "Keep the ferry, 2,187.",
        "Close the ferry, 2,025.",
    ]


def test_dropped_pieces_are_recorded_with_their_rule() -> None:
    rules = {d.rule for d in _page("news_story.html").dropped}
    for rule in (
        "chrome:cookie",
        "chrome:nav",
        "chrome:share",
        "chrome:ad",
        "chrome:newsletter",
        "chrome:rating",
        "caption",
        "code",
        "hidden:attribute",
    ):
        assert rule in rules


def test_loose_text_between_line_breaks_becomes_paragraphs() -> None:
    # split_blog.html keeps its story as text and <br><br> in a div, no <p> at all.
    paragraphs = [b for b in _page("split_blog.html").blocks if b.kind is BlockKind.PARAGRAPH]
    assert len(paragraphs) == 4


def test_story_split_into_sibling_chunks_is_read_whole() -> None:
    chunk = '<div class="story-chunk body">{}</div><div class="ad-rail">Advertisement</div>'
    sentences = [
        f"Part {n} of the story has its own paragraph with plenty of words to read aloud here."
        for n in range(1, 7)
    ]
    html = (
        "<html><body><article><div class='chunks'>"
        + "".join(
            chunk.format(f"<p>{sentences[i]} {sentences[i]}</p><p>{sentences[i + 1]}</p>")
            for i in (0, 2, 4)
        )
        + "</div></article></body></html>"
    )
    spoken = _spoken(extract_html(_doc(html)))
    for sentence in sentences:
        assert sentence in spoken


def test_furniture_lines_inside_the_body_are_dropped() -> None:
    html = (
        "<html><body><article>"
        + _story(3)
        + "<p>Story continues below advertisement</p>"
        + "<p>Read more: Ten things to know about the library</p>"
        + "<p>Like this story? Share it with a friend!</p>"
        + "<p>Follow us on Twitter and Facebook for more news.</p>"
        + "<p>(Photo by Jane Doe/Getty Images)</p>"
        + _story(2)
        + "</article></body></html>"
    )
    article = extract_html(_doc(html))
    spoken = _spoken(article)
    for line in ("continues below", "Read more", "Share it", "Follow us", "Getty"):
        assert line not in spoken
    assert "the building should open" in spoken


def test_a_paragraph_that_mentions_reuters_is_kept() -> None:
    said = "The mayor said the library would open in May, she told Reuters."
    html = f"<html><body><article>{_story(3)}<p>{said}</p></article></body></html>"
    assert said in _spoken(extract_html(_doc(html)))


# --- pages without an article ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["login_wall.html", "index_page.html"])
def test_page_without_article_raises_no_article(name: str) -> None:
    with pytest.raises(NoArticleError, match=r"No article was found in .*try again\.$"):
        _page(name)


@pytest.mark.parametrize("text", ["", "   \n\t ", "<html><body></body></html>", "<!-- x -->"])
def test_empty_page_raises_no_article(text: str) -> None:
    with pytest.raises(NoArticleError):
        extract_html(_doc(text))


def test_only_scripts_and_hidden_text_is_no_article() -> None:
    html = (
        "<html><body><script>var a = 'lots of script text here to read';</script>"
        "<div style='visibility: hidden'>" + _story(3) + "</div></body></html>"
    )
    with pytest.raises(NoArticleError):
        extract_html(_doc(html))


# --- bad input -------------------------------------------------------------------------------


def test_too_large_raises_input_too_large() -> None:
    html = "<html><body><p>" + "a" * (MAX_HTML_BYTES + 1) + "</p></body></html>"
    with pytest.raises(InputTooLargeError, match=r"over the 10 MB limit.*narrate that file\.$"):
        extract_html(_doc(html, source="huge.html"))


def test_size_limit_counts_utf8_bytes() -> None:
    # 4 million three-byte characters are 12 MB of UTF-8, though only 4 million characters.
    html = "<html><body><p>" + "€" * 4_000_000 + "</p></body></html>"
    with pytest.raises(InputTooLargeError):
        extract_html(_doc(html))


def test_deeply_nested_markup_neither_crashes_nor_hangs() -> None:
    depth = 100_000
    html = "<html><body>" + "<div>" * depth + _story(3) + "</div>" * depth + "</body></html>"
    started = time.perf_counter()
    article = extract_html(_doc(html))
    # A hang guard, not a speed goal: a hang never ends, so a generous bound is enough.
    assert time.perf_counter() - started < 30
    assert "the building should open" in _spoken(article)


@pytest.mark.parametrize("tag", ["span", "b", "section"])
def test_nesting_past_the_parser_limit_keeps_the_text(tag: str) -> None:
    # libxml2 silently drops content nested deeper than 256 elements.
    html = f"<html><body>{f'<{tag}>' * 300}{_story(3)}{f'</{tag}>' * 300}</body></html>"
    assert "the building should open" in _spoken(extract_html(_doc(html)))


def test_malformed_html_is_read_best_effort() -> None:
    html = (
        "<html><body><article><p>Unclosed paragraph one about the library plan and its cost"
        "<p>Another <b>unclosed <i>bold paragraph</b> about the council vote</i> on Monday"
        "<div><p>" + _story(3) + "</span></td></table></article></body>"
    )
    spoken = _spoken(extract_html(_doc(html)))
    assert "the building should open" in spoken


@pytest.mark.parametrize(
    "junk",
    ["\x00", "\x07\x1b", "\ud800", "\ufffe", "\udcff\udcfe"],
    ids=["nul", "controls", "lone-surrogate", "noncharacter", "surrogateescape"],
)
def test_characters_lxml_refuses_are_removed(junk: str) -> None:
    html = f"<html><body><article>{junk}{_story(3)}<p>Odd{junk}char</p></article></body></html>"
    spoken = _spoken(extract_html(_doc(html)))
    assert "Oddchar" in spoken


def test_xml_declaration_in_decoded_text_is_accepted() -> None:
    html = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml"><body><article>{_story(3)}'
        "<p>Café crème, naïve façade.</p></article></body></html>"
    )
    assert "Café crème, naïve façade." in _spoken(extract_html(_doc(html)))


def test_binary_garbage_is_a_narrator_error_not_a_crash() -> None:
    garbage = "".join(chr(c) for c in range(32, 0x2FF)) * 50
    with pytest.raises(NarratorError):
        extract_html(_doc(garbage))


def test_wrong_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="needs an HTML document"):
        extract_html(Document(text="hello", format=DocFormat.TEXT, source="a.txt"))
