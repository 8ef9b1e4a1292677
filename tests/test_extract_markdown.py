"""Markdown extraction: front matter, markup never spoken, and the shared chrome filter.

Saved posts of our own making in tests/pages/markdown/ (each ``name.md`` with its
expectations in ``name.toml``), checked by the same :func:`check_page` as the text dumps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from narrator.errors import NoArticleError
from narrator.extract import extract
from narrator.extract.markdown import extract_markdown, front_matter
from narrator.models import Article, BlockKind, DocFormat, Document

from .test_extract_text import PAGES, check_page


@pytest.fixture(autouse=True)
def no_user_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point $XDG_CONFIG_HOME at an empty folder so a developer's own rules never leak in."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def md(text: str) -> Article:
    return extract_markdown(Document(text, DocFormat.MARKDOWN, "post.md"))


def spoken(article: Article) -> list[str]:
    return [b.text for b in article.blocks_for()]


@pytest.mark.parametrize("path", sorted((PAGES / "markdown").glob("*.md")), ids=lambda p: p.stem)
def test_saved_markdown_pages(path: Path) -> None:
    check_page(path, DocFormat.MARKDOWN)


def test_the_seed_reads_the_same_as_markdown() -> None:
    """A .md file that is really a page dump still loses its chrome."""
    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_1faf2e8a263f80d6.txt"
    article = extract(Document(seed.read_text("utf-8"), DocFormat.MARKDOWN, "seed.md"))
    text = "\n".join(spoken(article))
    assert "Venezuelan President Nicolás Maduro claimed" in text
    for chrome in ("Unbiased", "AllSides", "Tags", "Newsletter", "Summary", "Full story"):
        assert chrome not in text


# --- front matter ------------------------------------------------------------------------


def test_yaml_front_matter_keys() -> None:
    meta, rest, dropped = front_matter(
        "---\ntitle: 'It''s here'\nauthor: Jane Doe # staff\ndate: \"2025-01-02\"\n"
        "tags: [a, b]\nauthors:\n  - Ann\n  - Bo\n---\nBody\n"
    )
    assert meta["author"] == "Jane Doe"
    assert meta["date"] == "2025-01-02"
    assert meta["tags"] == ["a", "b"]
    assert meta["authors"] == ["Ann", "Bo"]
    assert rest == "Body\n"
    assert dropped == []


def test_yaml_author_given_as_a_name_key() -> None:
    article = md("---\nauthor:\n  name: Kim Lee\n---\n\nA first paragraph to read aloud.\n")
    assert article.byline == "Kim Lee"


def test_unreadable_toml_front_matter_is_dropped_not_read() -> None:
    article = md("+++\ntitle = \n+++\n\nThe story itself starts here and goes on.\n")
    assert spoken(article) == ["The story itself starts here and goes on."]
    assert article.dropped[0].rule == "markup:front-matter"


def test_a_thematic_break_at_the_top_is_not_front_matter() -> None:
    article = md("Intro paragraph.\n\n---\n\nMore text.\n")
    assert spoken(article) == ["Intro paragraph.", "More text."]


# --- markup ------------------------------------------------------------------------------


def test_h1_is_the_title_only_before_the_first_paragraph() -> None:
    article = md("A paragraph first.\n\n# Not a title\n\nThe text goes on.\n")
    assert article.title is None
    assert article.blocks_for()[1].kind is BlockKind.HEADING
    assert article.blocks_for()[1].level == 1


def test_heading_levels_are_kept() -> None:
    article = md("# Title\n\nIntro.\n\n## Part\n\nText.\n\n### Sub\n\nThe end.\n")
    assert [(b.text, b.level) for b in article.blocks_for() if b.kind is BlockKind.HEADING] == [
        ("Part", 2),
        ("Sub", 3),
    ]


def test_links_read_as_their_text_and_images_are_dropped() -> None:
    article = md(
        'See [the report](https://example.com/r "Report") and ![a chart](c.png) '
        "<https://example.com>.\n"
    )
    assert spoken(article) == ["See the report and https://example.com."]
    assert [d.rule for d in article.dropped] == ["markup:image"]
    assert article.dropped[0].text == "a chart"


def test_inline_html_tags_are_stripped_and_br_is_a_space() -> None:
    article = md("One <b>bold</b> line<br>and the <abbr title='x'>next</abbr>.\n")
    assert spoken(article) == ["One bold line and the next."]


def test_footnote_markers_vanish_and_definitions_are_dropped() -> None:
    article = md(
        "A claim.[^1] Another[^long-note] claim.\n\n[^1]: Source one.\n[^long-note]: Two.\n"
    )
    assert spoken(article) == ["A claim. Another claim."]
    assert [d.rule for d in article.dropped] == ["markup:footnote", "markup:footnote"]


def test_footnote_syntax_inside_code_is_not_a_definition() -> None:
    article = md("Text to read.\n\n```\n[^1]: not a note\n```\n")
    assert [d.rule for d in article.dropped] == ["markup:code"]


def test_indented_code_is_dropped() -> None:
    article = md("Run this:\n\n    make install\n\nThen read on.\n")
    assert spoken(article) == ["Run this:", "Then read on."]
    assert article.dropped[0].rule == "markup:code"


def test_block_quotes_and_nested_lists_are_typed() -> None:
    article = md("> Quoted line\n> continues.\n\n- one\n  - two\n- three\n")
    assert [(b.kind, b.text) for b in article.blocks_for()] == [
        (BlockKind.QUOTE, "Quoted line continues."),
        (BlockKind.LIST_ITEM, "one"),
        (BlockKind.LIST_ITEM, "two"),
        (BlockKind.LIST_ITEM, "three"),
    ]


def test_short_tables_are_read_row_by_row() -> None:
    article = md("Results:\n\n| Team | Score |\n|---|---|\n| Reds | 3 |\n| Blues |  |\n")
    assert spoken(article) == ["Results:", "Team: Reds; Score: 3.", "Team: Blues."]


def test_html_comments_and_scripts_are_never_read() -> None:
    article = md("<!-- note to self -->\n\n<script>alert(1)</script>\n\nReal text here.\n")
    assert spoken(article) == ["Real text here."]


def test_control_characters_in_markdown_are_removed() -> None:
    assert spoken(md("Clean\x00 text\x1b here.\r\n")) == ["Clean text here."]


def test_markdown_with_nothing_to_read_has_no_article() -> None:
    with pytest.raises(NoArticleError) as caught:
        md("# Title only\n\n```\ncode\n```\n\n![img](x.png)\n")
    assert str(caught.value) == (
        "No article text was found in post.md: it holds no paragraphs to read. "
        "Check that it is the article you meant."
    )
