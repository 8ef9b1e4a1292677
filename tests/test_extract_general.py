"""Extraction on pages of our own that no rule was written for: box-like subheads in
Markdown and text, a story under a "sidebar"-classed wrapper, <br>-separated names, and a
page dump whose "Add a comment" line sits above the story."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrator.extract import extract
from narrator.models import Article, DocFormat, Document

# Sentences of our own; each paragraph is long enough to read as story prose.
PROSE = [
    "The river authority opened its new flood gates on Monday after three years of work, "
    "and engineers said the gates held back the spring melt without trouble.",
    "Farmers downstream had asked for the project after two wet winters left their fields "
    "under water for weeks, and the county paid for a third of its cost.",
    "The gates close automatically when the water rises above a marked line on the old "
    "stone bridge, a level that was last reached in the storm of the previous decade.",
    "Officials will publish a report on the first season in the autumn, when they expect to "
    "know whether the new channel also helps the fish return to the upper valley.",
]
BOX_HEADS = ["Analysis", "The big picture", "Key points", "Comments"]


@pytest.fixture(autouse=True)
def no_user_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point $XDG_CONFIG_HOME at an empty folder so a developer's own rules never leak in."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def spoken(article: Article) -> str:
    return "\n".join(b.text for b in article.blocks_for())


@pytest.mark.parametrize("head", BOX_HEADS)
def test_markdown_box_like_subhead_over_prose_is_read(head: str) -> None:
    text = f"# Flood gates hold\n\n{PROSE[0]}\n\n## {head}\n\n{PROSE[1]}\n\n{PROSE[2]}\n"
    article = extract(Document(text, DocFormat.MARKDOWN, "post.md"))
    body = spoken(article)
    for paragraph in PROSE[:3]:
        assert paragraph in body
    assert head in body  # the subhead is read too: it heads the article's own section


@pytest.mark.parametrize("head", BOX_HEADS)
def test_text_box_like_subhead_over_prose_is_read(head: str) -> None:
    text = f"Flood gates hold\n\n{PROSE[0]}\n\n{head}\n\n{PROSE[1]}\n\n{PROSE[2]}\n"
    article = extract(Document(text, DocFormat.TEXT, "post.txt"))
    body = spoken(article)
    for paragraph in PROSE[:3]:
        assert paragraph in body


def test_short_article_after_a_key_points_box_is_read() -> None:
    text = (
        "# Flood gates hold\n\n## Key points\n\n- The gates held.\n- Farmers are pleased.\n\n"
        f"{PROSE[0]}\n"
    )
    article = extract(Document(text, DocFormat.MARKDOWN, "post.md"))
    assert PROSE[0] in spoken(article)


def _story_html(wrapper: str) -> str:
    story = "".join(f"<p>{p}</p>" for p in PROSE)
    # More sidebar text than story: a class-word guard by share of the page would not save it.
    side = "".join(
        f"<li><a href='/s{i}'>Another story about the weather number {i} in the region</a></li>"
        for i in range(60)
    )
    return (
        "<html lang='en'><head><title>Flood gates hold | The Valley Courier</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><div class='{wrapper}'><h1>Flood gates hold</h1>"
        f"<p>Contributors:<br>Elliot Ackerman<br>Saladin Ambar</p>{story}</div>"
        f"<aside class='sidebar'><ul>{side}</ul></aside></body></html>"
    )


def test_story_under_a_sidebar_classed_wrapper_is_read() -> None:
    html = _story_html("article-content sticky-sidebar-relative")
    article = extract(Document(html, DocFormat.HTML, "page.html"))
    body = spoken(article)
    for paragraph in PROSE:
        assert paragraph in body
    assert "Another story about the weather" not in body
    assert article.title == "Flood gates hold"


def test_br_separated_names_stay_apart() -> None:
    article = extract(Document(_story_html("story"), DocFormat.HTML, "page.html"))
    texts = [b.text for b in article.blocks_for()]
    assert "Elliot Ackerman" in texts
    assert "Saladin Ambar" in texts
    assert not any("Ackerman Saladin" in t or "AckermanSaladin" in t for t in texts)


def test_dump_with_add_a_comment_above_the_story_keeps_the_story() -> None:
    menu = "\n".join(["Home", "World", "Business", "Sport", "Culture", "Weather", "Opinion"])
    footer = "\n".join(
        ["About us", "Contact", "Privacy policy", "Terms of use", "Cookie settings", "Careers"]
    )
    text = (
        f"{menu}\n\nFlood gates hold as the spring melt arrives\n\nBy Jane Doe | March 3, 2025\n\n"
        "Add a comment\n\n" + "\n\n".join(PROSE) + "\n\n" + "\n\n".join(PROSE[::-1]) + "\n\n"
        f"{footer}\n" + "\n".join(f"Related story number {i}" for i in range(8))
    )
    article = extract(Document(text, DocFormat.TEXT, "page.txt"))
    body = spoken(article)
    for paragraph in PROSE:
        assert paragraph in body
    assert article.title == "Flood gates hold as the spring melt arrives"
    assert article.byline == "Jane Doe"
    assert "Privacy policy" not in body


@pytest.mark.parametrize(
    ("title", "site", "url", "expected"),
    [
        ("The writers of the year | Harper's Magazine", "Harper's Magazine", None,
         "The writers of the year"),
        ("Video tools arrive - Spiceworks", None, "https://www.spiceworks.com/a/",
         "Video tools arrive"),
        ("Evolve: Shared Mutable History", None, "https://mercurial.example/", None),
        ("Cats - a history", None, "https://example.com/", None),
    ],
)  # fmt: skip
def test_site_suffix_is_stripped_from_titles(
    title: str, site: str | None, url: str | None, expected: str | None
) -> None:
    from narrator.extract.html import strip_site_suffix

    assert strip_site_suffix(title, site, url) == (expected or title)


def test_html_title_loses_the_site_suffix() -> None:
    story = "".join(f"<p>{p}</p>" for p in PROSE)
    html = (
        "<html><head><title>Flood gates hold | Harper's Magazine</title>"
        "<meta property='og:site_name' content=\"Harper's Magazine\"></head>"
        f"<body><article>{story}</article></body></html>"
    )
    assert extract(Document(html, DocFormat.HTML, "page.html")).title == "Flood gates hold"
