"""Page dumps of our own making, shaped like the pages the headline scorer was made for: a
headline far above the story with share rows and tags between, and a headline pasted with its
permalink mark."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrator.extract import extract
from narrator.models import Article, DocFormat, Document
from tests.test_extract_general import PROSE

HEADLINE = "Flood gates hold as the spring melt arrives in the valley"
MENU = ["Home", "World", "Business", "Sport", "Culture", "Weather", "Opinion", "Video"]
FOOTER = ["About us", "Contact", "Privacy policy", "Terms of use", "Cookie settings", "Careers"]
TEASERS = [
    "Council votes to keep the night buses running through the winter",
    "The city council voted on Tuesday to keep its night buses running through the winter, "
    "after a petition gathered more signatures than any before it.",
    "A bakery on the high street turns one hundred years old",
    "The family that has run the bakery for four generations marked the day with free bread "
    "for every customer and a photograph of the first owner in the window.",
    "School playing fields will get new drainage this summer",
    "Work on the drainage starts in July and should be finished before the new term, the "
    "education office said in a letter sent to parents this week.",
]


@pytest.fixture(autouse=True)
def no_user_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point $XDG_CONFIG_HOME at an empty folder so a developer's own rules never leak in."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _read(text: str) -> Article:
    return extract(Document(text, DocFormat.TEXT, "page.txt"))


def _spoken(article: Article) -> str:
    return "\n".join(b.text for b in article.blocks_for())


def test_headline_far_above_the_story_is_found() -> None:
    # Like a blog platform's post: the headline, then author, tags and a row of buttons,
    # some 25 lines, before the first paragraph.
    between = [
        "Jane Doe",
        "Filed to: rivers",
        "floods",
        "engineering",
        "county news",
        "farming",
        "weather",
        "Edit",
        "Delete",
        "Promote",
        "Share to Facebook",
        "Share to Twitter",
        "Share by Email",
        "Go to permalink",
        "March 3, 2025 8:00am",
    ] + [f"Tag number {i}" for i in range(10)]
    text = "\n".join(
        [*MENU, "Most popular", *TEASERS[::2], HEADLINE, *between, *PROSE, *PROSE[::-1], *FOOTER]
    )
    article = _read(text)
    assert article.title == HEADLINE
    assert all(p in _spoken(article) for p in PROSE)


def test_permalink_mark_is_not_part_of_the_title() -> None:
    text = "\n".join(
        [
            *MENU,
            "Installing the flood gauge¶",
            "By Jane Doe | March 3, 2025",
            *PROSE,
            *PROSE[::-1],
            *FOOTER,
            *[f"Related page {i}" for i in range(8)],
        ]
    )
    assert _read(text).title == "Installing the flood gauge"


def test_a_short_lede_under_a_comments_button_is_read() -> None:
    # A share row ending in a "Comments" button, a photo caption, the byline with its time
    # and a follow button, then a 27-word lede: the comments section the button opens must
    # end at the lede, which the line model is sure of, short as it is.
    lede = (
        "The river authority opened its new flood gates on Monday after three years of work, "
        "and engineers said they held the melt."
    )
    share = ["Share on Facebook", "Share on Twitter", "Share via Email", "Print Article"]
    text = "\n".join(
        [
            *MENU,
            HEADLINE,
            *share,
            "Comments",
            "Engineers inspect the new flood gates on the river at the old stone bridge on a "
            "cold morning in the valley last week (Photo: Jane Doe)",
            "By Jane Doe March 3 at 8:00 AM Follow @janedoe",
            lede,
            *PROSE,
            *PROSE[::-1],
            *FOOTER,
            *[f"Related page {i}" for i in range(8)],
        ]
    )
    article = _read(text)
    body = _spoken(article)
    assert lede in body
    assert all(p in body for p in PROSE)
    assert article.byline == "Jane Doe"
    assert article.title == HEADLINE


POSTS = [
    "I live two streets from the river and the water came up to the garden wall last spring, "
    "so I am glad the gates are finally finished and I hope they are looked after properly.",
    "The council should have done this ten years ago when the old gates failed the first time, "
    "but better late than never, and the engineers clearly did a careful job of it this time.",
    "Does anyone know whether the footpath along the east bank will open again now that the "
    "work is done, because my children walk to school that way every morning and it is closed.",
]


def _post_rows(stamps: list[str]) -> list[str]:
    rows = []
    names = ["riverside", "Nick A", "oldtown"]
    for name, stamp, post, votes in zip(names, stamps, POSTS, "953", strict=True):
        rows += [name, stamp, post, f"Rating: {votes} Votes"]
    return rows


@pytest.mark.parametrize(
    ("counter", "stamps"),
    [
        (
            "[ 3 comments ]",
            ["2 days ago at 07:52 am", "2 days ago at 07:47 am", "1 day ago at 10:15 pm"],
        ),
        (
            "There are 3 comments",
            ["March 10, 2017 at 12:20 AM", "March 10, 2017 at 1:26 AM", "Yesterday"],
        ),
    ],
)
def test_readers_posts_after_the_story_are_not_read(counter: str, stamps: list[str]) -> None:
    # Each post is a long paragraph of prose under its author and its time: the comments
    # section its counter opens runs through them, though the line model vouches for them.
    text = "\n".join(
        [
            *MENU,
            HEADLINE,
            "By Jane Doe March 3 at 8:00 AM",
            *PROSE,
            *PROSE[::-1],
            counter,
            "Top Rated Comments",
            *_post_rows(stamps),
            *FOOTER,
        ]
    )
    article = _read(text)
    body = _spoken(article)
    assert all(p in body for p in PROSE)
    assert not any(post in body for post in POSTS)
    dropped = [d for d in article.dropped if d.rule == "section:comments"]
    assert any(d.text.startswith("I live") for d in dropped)


def test_a_lede_under_a_comments_button_and_dated_byline_lines_is_read() -> None:
    # Two time lines under the button, but no post between them: a byline's dates, and the
    # lede after them is the story's.
    lede = (
        "The river authority opened its new flood gates on Monday after three years of work, "
        "and engineers said they held the melt."
    )
    text = "\n".join(
        [
            *MENU,
            HEADLINE,
            "Comments",
            "By Jane Doe",
            "Published 8:00 AM",
            "Updated 9:30 AM",
            lede,
            *PROSE,
            *PROSE[::-1],
            *FOOTER,
        ]
    )
    body = _spoken(_read(text))
    assert lede in body
    assert all(p in body for p in PROSE)


@pytest.mark.parametrize(
    ("meta", "author"),
    [
        (["Maria Lindqvist - Mar 3, 2025 8:02 pm UTC"], "Maria Lindqvist"),
        (["Maria Lindqvist, @mlindqvist", "03.03.25 in Rivers"], "Maria Lindqvist"),
        (["Maria Lindqvist", "1:39 PM ET"], "Maria Lindqvist"),
        (["Maria Lindqvist 1 day ago"], "Maria Lindqvist"),
        (["// By Maria Lindqvist • Mar 3, 2025"], "Maria Lindqvist"),
        (["Maria Lindqvist", "ProfileFollowUnfollow"], "Maria Lindqvist"),  # follow button
        (["Maria Lindqvist Follow"], "Maria Lindqvist"),
    ],
)
def test_a_byline_without_by_is_read_as_the_byline(meta: list[str], author: str) -> None:
    # Many sites print the author's name alone, with the date, a time or a handle after it.
    text = "\n".join([*MENU, HEADLINE, *meta, *PROSE, *PROSE[::-1], *FOOTER])
    article = _read(text)
    assert article.title == HEADLINE
    assert article.byline == author
    assert author not in _spoken(article)
    assert all(p in _spoken(article) for p in PROSE)


@pytest.mark.parametrize(
    "meta",
    [
        ["Flood Gates | Mar 3, 2025"],  # a section label: its words are the story's
        ["Published Monday, March 3, 2025 8:22AM EST"],
        ["Maria Lindqvist"],  # a name with no date, time or handle: nothing says byline
        ["Maria Lindqvist", "Followers of the river gathered"],  # a word, not a button
    ],
)
def test_a_name_shaped_line_needs_a_bylines_marks(meta: list[str]) -> None:
    text = "\n".join([*MENU, HEADLINE, *meta, *PROSE, *PROSE[::-1], *FOOTER])
    assert _read(text).byline is None


def test_a_title_cased_headline_of_two_sentences_is_the_headline() -> None:
    # A headline may end with a full stop and hold two sentences, set in title case as
    # headlines are; the photo caption under it, with its credit, is never the headline.
    headline = "Flood Gates Hold as the Melt Arrives. Why the Valley Is Not Worried."
    caption = (
        "The flood gates at the north end of the valley on Monday morning. "
        "Photograph by Jan Berg/Valley Press"
    )
    text = "\n".join(
        [
            "Valley Press",
            *MENU,
            "RIVERS",
            headline,
            "By Jane Doe Updated March 3, 2025",
            "Print Article",
            "Text size",
            caption,
            *PROSE,
            *PROSE[::-1],
            *FOOTER,
        ]
    )
    article = _read(text)
    assert article.title == headline
    assert article.byline == "Jane Doe"
    assert "Photograph by" not in (article.title or "")


def test_a_row_of_label_value_pairs_is_not_the_headline() -> None:
    # A review's spec row sits between its headline (and dated byline) and the story.
    text = "\n".join(
        [
            *MENU,
            "Flood gates review",
            "13/06/2014 Jane Doe All, Books, Reviews",
            "Tested by: Jane Doe Price: £23.99 More info: www.valley-press.example",
            *PROSE,
            *PROSE[::-1],
            *FOOTER,
        ]
    )
    assert _read(text).title == "Flood gates review"
