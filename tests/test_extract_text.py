"""Plain-text and page-dump extraction, the chrome rules and the block filter.

Saved pages with must-say / must-not-say snippets: the seed dump in ../shared, and dumps of
our own making in tests/pages/text/ (each ``name.txt`` with its expectations in
``name.toml``). :func:`check_page` is shared with the Markdown tests.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from narrator.errors import NarratorError, NoArticleError
from narrator.extract import extract, filter_blocks, load_rules
from narrator.extract.chrome import builtin_rules
from narrator.extract.text import extract_text, find_byline, parse_date
from narrator.models import Article, Block, BlockKind, DocFormat, Document

PAGES = Path(__file__).resolve().parent / "pages"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_1faf2e8a263f80d6.txt"


@pytest.fixture(autouse=True)
def no_user_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point $XDG_CONFIG_HOME at an empty folder so a developer's own rules never leak in."""
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return config


def text_doc(text: str, source: str = "page.txt") -> Document:
    return Document(text=text, format=DocFormat.TEXT, source=source)


def body_text(article: Article, parts: frozenset[str] = frozenset({"body"})) -> str:
    return "\n".join(b.text for b in article.blocks_for(parts))


def assert_in_order(haystack: str, snippets: list[str]) -> None:
    """Every snippet occurs in ``haystack``, each after the one before."""
    position = 0
    for snippet in snippets:
        found = haystack.find(snippet, position)
        assert found >= 0, f"missing or out of order: {snippet!r}"
        position = found + len(snippet)


def check_page(path: Path, fmt: DocFormat) -> Article:
    """Extract a saved page and hold it to the expectations in the .toml beside it."""
    expect: dict[str, Any] = tomllib.loads(path.with_suffix(".toml").read_text("utf-8"))
    article = extract(Document(path.read_text("utf-8"), fmt, path.name))
    body = body_text(article)
    for field in ("title", "byline", "date", "description", "site_name", "language"):
        if field in expect:
            assert getattr(article, field) == expect[field], field
    assert_in_order(body, expect["must_say"])
    for snippet in expect["must_not_say"]:
        assert snippet not in body, f"chrome read aloud: {snippet!r}"
    if article.title:
        assert article.title not in body  # the headline is read once, as the title
    body_blocks = article.blocks_for()
    if "headings" in expect:
        assert [b.text for b in body_blocks if b.kind is BlockKind.HEADING] == expect["headings"]
    for key, kind in (("list_items", BlockKind.LIST_ITEM), ("quotes", BlockKind.QUOTE)):
        if key in expect:
            assert sum(b.kind is kind for b in body_blocks) == expect[key], key
    for part, snippets in expect.get("parts", {}).items():
        assert_in_order(body_text(article, frozenset({part})), snippets)
    rules = {d.rule for d in article.dropped}
    for rule in expect.get("dropped_rules", []):
        assert rule in rules, f"nothing dropped by {rule}"
    return article


@pytest.mark.parametrize("path", sorted((PAGES / "text").glob("*.txt")), ids=lambda p: p.stem)
def test_saved_text_pages(path: Path) -> None:
    check_page(path, DocFormat.TEXT)


# --- the seed: a Straight Arrow News page dump ---------------------------------------------

# One snippet per sentence of the story, in order, and its three subheads.
SEED_STORY = [
    "Venezuelan President Nicolás Maduro claimed his forces have",
    "He described the shoulder-fired systems as deployed",
    "CNN noted it could not independently verify the number of missiles.",
    "However, Igla-S systems are known to be part of Venezuela’s arsenal",
    "How is the US pressuring Caracas?",
    "Maduro’s remarks came as the United States has deployed 4,500 Marines",
    "Lawmakers from both parties have questioned the legality",
    "President Donald Trump has said the administration is considering",
    "“We are certainly looking at land now,",
    "Trump told reporters, according to CNN.",
    "What support is Russia offering Venezuela?",
    "Russia has publicly reiterated its support for Caracas.",
    "According to Russian state media, Russia’s Federation Council approved",
    "The Igla-S system can be used from shoulder launchers",
    "Venezuela’s ambassador in Moscow said Russian Foreign Minister Sergey Lavrov",
    "Venezuela’s foreign minister later thanked Russia",
    "What’s Maduro doing at home?",
    "Maduro has mobilized troops and “millions” of militia members",
    "He said Venezuelans are “clear, united and aware”",
    "his claimed reserve force numbers, according to CNN.",
]
SEED_CHROME = [
    "This recording was made using enhanced software",
    "Summary",
    "Full story",
    "Unbiased",
    "Straight Facts",
    "contributed to this report",
    "Tags",
    "SAN provides",
    "Don’t just take our word",
    "Certified balanced",
    "AllSides",
    "NewsGuard",
    "100/100",
    "Transparent and credible",
    "Welcome back to trustworthy journalism",
    "Find out more",
    "Why this story matters",
    "Get the big picture",
    "Synthesized coverage",
    "Behind the numbers",
    "Context corner",
    "Global impact",
    "Media landscape",
    "Click on bars",
    "72 total sources",
    "Key points from the Center",
    "No summary available",
    "Report an issue",
    "bias rating",
    "Powered by",
    "Ground News",
    "Newsletter",
    "Start your day",
    "Unsubscribe",
    "Terms and Conditions",
    "Privacy Policy",
    # Summary-box sentences: they repeat the story and are read only when asked for.
    "anti-air missiles in key positions nationwide",
    "has struck alleged drug boats",
    "publicly backs Venezuela’s sovereignty",
]


@pytest.fixture(scope="module")
def seed() -> Article:
    if not SEED.is_file():
        pytest.fail(f"{SEED} is missing: the tests need ../shared beside the checkout")
    return extract_text(text_doc(SEED.read_text("utf-8"), str(SEED)), builtin_rules())


def test_seed_title_is_the_headline(seed: Article) -> None:
    assert seed.title == "Maduro claims 5,000 Russian anti-aircraft missiles as US pressure builds"


def test_seed_body_is_the_whole_story_in_order(seed: Article) -> None:
    assert_in_order(body_text(seed), SEED_STORY)


def test_seed_body_is_nothing_but_the_story(seed: Article) -> None:
    body = seed.blocks_for()
    kinds = [b.kind for b in body]
    assert kinds.count(BlockKind.PARAGRAPH) == 9
    assert [b.text for b in body if b.kind is BlockKind.HEADING] == [
        "How is the US pressuring Caracas?",
        "What support is Russia offering Venezuela?",
        "What’s Maduro doing at home?",
    ]
    seed_lines = set(SEED.read_text("utf-8").splitlines())
    for block in body:  # whole lines of the page, never spliced or cut
        assert block.text in seed_lines
    text = body_text(seed)
    for snippet in SEED_CHROME:
        assert snippet not in text, f"chrome read aloud: {snippet!r}"


def test_seed_summary_and_analysis_only_when_asked(seed: Article) -> None:
    summary = seed.blocks_for(frozenset({"summary"}))
    assert [b.text for b in summary if b.kind is BlockKind.HEADING] == [
        "Summary",
        "Missile claims",
        "US pressure",
        "Russian support",
    ]
    assert sum(b.kind is BlockKind.PARAGRAPH for b in summary) == 3
    analysis = seed.blocks_for(frozenset({"analysis"}))
    assert [b.text for b in analysis if b.kind is BlockKind.HEADING] == [
        "Why this story matters",
        "Military escalation",
        "International alliances",
        "Behind the numbers",
        "Context corner",
        "Global impact",
    ]
    assert_in_order(
        body_text(seed, frozenset({"analysis"})),
        ["Tensions between the United States", "Venezuela has purchased Russian military"],
    )
    assert "Mathew Grisham" in body_text(seed, frozenset({"credits"}))
    assert {b.part for b in seed.blocks} == {"body", "summary", "analysis", "credits"}


def test_seed_explains_every_drop(seed: Article) -> None:
    rules = [d.rule for d in seed.dropped]
    assert rules[:2] == ["chrome:audio-player", "section:full-story"]
    for rule in ("chrome:slogan", "chrome:tags", "chrome:rating", "section:newsletter"):
        assert rule in rules
    assert all(d.detail for d in seed.dropped)


def test_seed_is_clean_with_the_generic_rules_alone(seed: Article, tmp_path: Path) -> None:
    """The site file only names what SAN writes; the generic rules must not depend on it."""
    off = tmp_path / "no-site.toml"
    off.write_text(
        'disable = ["site:san-promo", "site:san-slogan", "site:ground-news-widget"]\n', "utf-8"
    )
    generic = extract_text(text_doc(SEED.read_text("utf-8")), load_rules([off]))
    assert generic.blocks_for() == seed.blocks_for()
    assert "chrome:repeated" in {d.rule for d in generic.dropped}


# --- block typing ------------------------------------------------------------------------


def test_dump_lines_without_blank_lines_stay_separate_paragraphs() -> None:
    text = (
        "Town reopens its old cinema\n"
        "The cinema on Elm Street reopened on Friday after a decade of repairs and fundraising.\n"
        "Tickets for the first week sold out in an hour, the manager said.\n"
        "What is showing?\n"
        "The opening film was a restored print of a 1950s comedy.\n"
    )
    article = extract_text(text_doc(text))
    assert article.title == "Town reopens its old cinema"
    assert [(b.kind, b.text[:12]) for b in article.blocks] == [
        (BlockKind.PARAGRAPH, "The cinema o"),
        (BlockKind.PARAGRAPH, "Tickets for "),
        (BlockKind.HEADING, "What is show"),
        (BlockKind.PARAGRAPH, "The opening "),
    ]


def test_list_markers_are_stripped() -> None:
    text = "Packing list\n\nBring these things:\n\n- a tent\n* a stove\n1. a map\n2) a compass\n"
    article = extract_text(text_doc(text))
    items = [b.text for b in article.blocks if b.kind is BlockKind.LIST_ITEM]
    assert items == ["a tent", "a stove", "a map", "a compass"]


def test_a_lone_short_line_is_the_text_not_a_title() -> None:
    article = extract_text(text_doc("Hello world"))
    assert article.title is None
    assert [(b.kind, b.text) for b in article.blocks] == [(BlockKind.PARAGRAPH, "Hello world")]


def test_text_without_a_headline_has_no_title() -> None:
    text = "It was a long winter, and the river froze solid by the first week of December.\n"
    assert extract_text(text_doc(text)).title is None


def test_control_and_invisible_characters_are_removed() -> None:
    text = (
        "Bridge opens\r\n\r\nThe bridge\x00 opened\u200b to traffic\x07 on Monday."
        "\x0cIt cost\u00a0$4m."
    )
    article = extract_text(text_doc(text))
    assert [b.text for b in article.blocks] == [
        "The bridge opened to traffic on Monday.",
        "It cost $4m.",
    ]


def test_a_giant_single_line_is_one_paragraph_quickly() -> None:
    sentence = "The committee met again and talked about the budget for the new school. "
    text = sentence * 30_000  # about 2 MB on one line
    started = time.perf_counter()
    article = extract_text(text_doc(text))
    # A hang guard, not a speed goal: a hang never ends, so a generous bound is enough.
    assert time.perf_counter() - started < 30
    assert article.title is None
    assert len(article.blocks) == 1
    assert article.blocks[0].kind is BlockKind.PARAGRAPH
    assert article.blocks[0].text == text.strip()


# --- metadata ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("October 24, 2025", "2025-10-24"),
        ("Oct. 3, 2025", "2025-10-03"),
        ("Sept 9th 2024", "2024-09-09"),
        ("24 October 2025", "2025-10-24"),
        ("Updated 9:12 AM EDT, Mon November 10, 2025", "2025-11-10"),
        ("2024-03-18T08:30:00Z", "2024-03-18"),
        ("10/24/2025", "2025-10-24"),
    ],
)
def test_parse_date(text: str, iso: str) -> None:
    found = parse_date(text)
    assert found is not None and found[0] == iso


def test_parse_date_rejects_impossible_dates() -> None:
    assert parse_date("February 30, 2025") is None


@pytest.mark.parametrize(
    ("line", "byline", "date"),
    [
        ("By Jane Doe", "Jane Doe", None),
        ("By Jane Doe | Oct. 24, 2025", "Jane Doe", "2025-10-24"),
        ("By Jane Doe, CNN", "Jane Doe, CNN", None),
        ("By Jane Doe and Rob Lee, October 24, 2025", "Jane Doe and Rob Lee", "2025-10-24"),
        ("Bystanders fled the scene", None, None),
    ],
)
def test_find_byline(line: str, byline: str | None, date: str | None) -> None:
    assert find_byline(line) == (byline, date)


# --- bad input ---------------------------------------------------------------------------


def test_a_page_of_nothing_but_chrome_has_no_article(no_user_rules: Path) -> None:
    text = "Advertisement\n\nSubscribe now\n\nAdvertisement\n\n© 2025 Example News\n"
    with pytest.raises(NoArticleError) as caught:
        extract(text_doc(text))
    assert str(caught.value) == (
        "No article text is left in page.txt once page chrome is removed "
        "(chrome:advertisement dropped 2, chrome:copyright dropped 1, "
        "section:newsletter dropped 1). If that text is the article, switch the rule off "
        f'with disable = ["rule name"] in a rule file in {no_user_rules}/narrator/rules.'
    )


def test_an_empty_document_has_no_article() -> None:
    with pytest.raises(NoArticleError) as caught:
        extract(text_doc(" \n\x00\n\u200b", source="-"))
    assert str(caught.value) == (
        "No article text was found in the input: it holds no paragraphs to read. "
        "Check that it is the article you meant."
    )


def test_headings_alone_are_not_an_article() -> None:
    # Only a side part is left: the body has nothing to read. (A subhead after the box
    # would start the story's next part: see the box tests in test_extract_general.)
    text = "Some headline here\n\nSummary\n\nOne point.\n\nAnother point.\n"
    with pytest.raises(NoArticleError):
        extract(text_doc(text))


def test_html_dispatches_to_the_html_extractor_or_says_it_cannot() -> None:
    story = "The harbor council met on Tuesday and agreed to raise the seawall by a meter. " * 6
    page = (
        "<html><head><title>Seawall</title></head><body><article><h1>Seawall</h1>"
        f"<p>{story}</p></article></body></html>"
    )
    document = Document(page, DocFormat.HTML, "page.html")
    try:
        import narrator.extract.html  # noqa: F401
    except ModuleNotFoundError:
        with pytest.raises(NarratorError, match="HTML extraction is not available"):
            extract(document)
    else:
        assert "raise the seawall" in body_text(extract(document))


# --- rule files --------------------------------------------------------------------------


def test_user_rule_files_add_and_disable_rules(no_user_rules: Path) -> None:
    rules_dir = no_user_rules / "narrator" / "rules"
    rules_dir.mkdir(parents=True)
    (rules_dir / "mine.toml").write_text(
        'disable = ["credits:contributor"]\n\n'
        "[[rule]]\n"
        'name = "site:mug-promo"\n'
        'scope = "line"\n'
        'why = "The shop promo my favourite site repeats."\n'
        'phrases = ["Buy the mug!"]\n',
        "utf-8",
    )
    text = (
        "Mayor opens the new library\n\n"
        "The mayor opened the new library on Saturday in front of a large crowd of residents.\n\n"
        "Buy the mug!\n\n"
        "Jo Park contributed to this report.\n"
    )
    article = extract(text_doc(text))
    assert [b.text for b in article.blocks_for()] == [
        "The mayor opened the new library on Saturday in front of a large crowd of residents.",
        "Jo Park contributed to this report.",
    ]
    assert [d.rule for d in article.dropped] == ["site:mug-promo"]


def test_an_explicit_rule_file_that_is_missing_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(NarratorError) as caught:
        load_rules([missing])
    assert str(caught.value) == (
        f"The rule file {missing} does not exist; check the path and try again."
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[[rule]\n", "it is not valid TOML"),
        (
            '[[rule]]\nname = "x"\nwhy = "y"\nphrases = ["z"]\ncolour = "red"\n',
            "rule 'x' has unknown keys colour",
        ),
        ('[[rule]]\nname = "x"\nphrases = ["z"]\n', "rule 'x' needs a 'why'"),
        ('[[rule]]\nname = "x"\nwhy = "y"\n', "rule 'x' needs phrases or patterns to match"),
        ('[[rule]]\nname = "x"\nwhy = "y"\npatterns = ["(("]\n', "rule 'x' has a bad pattern"),
        (
            '[[rule]]\nname = "x"\nwhy = "y"\nphrases = ["z"]\nscope = "page"\n',
            "rule 'x' has scope 'page'; use line, block or section-start",
        ),
    ],
)
def test_invalid_rule_files_name_the_file_and_the_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, "utf-8")
    with pytest.raises(NarratorError) as caught:
        load_rules([path])
    message = str(caught.value)
    assert message.startswith(f"The rule file {path} is invalid: {problem}")
    assert message.endswith("Fix it or remove it.")


def test_every_shipped_rule_says_why() -> None:
    rules = builtin_rules().rules
    assert len(rules) > 20
    assert all(rule.why and rule.name.count(":") == 1 for rule in rules)
    assert len({rule.name for rule in rules}) == len(rules)


# --- the shared block filter (as the HTML extractor calls it) ----------------------------


def test_filter_blocks_drops_chrome_and_labels_sections() -> None:
    p, h = BlockKind.PARAGRAPH, BlockKind.HEADING
    story = "The council approved the plan after a long debate that ran well past midnight."
    blocks = [
        Block(p, story),
        Block(p, "Advertisement"),
        Block(h, "Related stories", level=2),
        Block(p, "Council to vote on budget"),
        Block(p, "Parking fees rise again"),
        Block(p, story.replace("plan", "budget") + " It now goes to the mayor for her signature."),
        Block(h, "Key takeaways", level=2),
        Block(BlockKind.LIST_ITEM, "The plan passed."),
    ]
    kept, dropped = filter_blocks(blocks)
    assert [(b.text[:20], b.part) for b in kept] == [
        (story[:20], "body"),
        (story[:20], "body"),
        ("Key takeaways", "summary"),
        ("The plan passed.", "summary"),
    ]
    assert [d.rule for d in dropped] == ["chrome:advertisement"] + ["section:related"] * 3


def test_filter_blocks_keeps_an_extractors_own_part() -> None:
    blocks = [Block(BlockKind.PARAGRAPH, "A caption-like aside.", part="aside")]
    kept, _ = filter_blocks(blocks)
    assert kept[0].part == "aside"


def test_a_short_story_line_between_ad_labels_stays() -> None:
    p = BlockKind.PARAGRAPH
    blocks = [Block(p, "Advertisement"), Block(p, "He said no."), Block(p, "Advertisement")]
    kept, _ = filter_blocks(blocks)
    assert [b.text for b in kept] == ["He said no."]


@pytest.mark.parametrize("mark", ["1.", "-", ""])
def test_a_summary_box_ends_at_the_next_subhead(mark: str) -> None:
    # A tips article: each numbered tip ends in a one-paragraph "Summary" box. The box is a
    # side part; the next tip's subhead starts the story again (before, every later tip was
    # read as part of the box and left out of the narration).
    tips = ["Drink more water", "Sleep eight hours", "Walk after dinner"]
    parts = ["Three habits that help", ""]
    for n, tip in enumerate(tips, 1):
        head = f"{n}. {tip}" if mark == "1." else f"{mark} {tip}".strip()
        parts += [
            head,
            "",
            f"The first paragraph of tip {n} says why the habit matters to the people who try it.",
            "",
            f"The second paragraph of tip {n} says how to start, with a small step each day.",
            "",
            "Summary",
            "",
            f"Tip {n} in a sentence: do it every day.",
            "",
        ]
    article = extract_text(text_doc("\n".join(parts)))
    body = " ".join(b.text for b in article.blocks_for())
    for n in (1, 2, 3):
        assert f"The second paragraph of tip {n}" in body
        assert f"Tip {n} in a sentence" not in body
    summary = " ".join(b.text for b in article.blocks_for(frozenset({"summary"})))
    assert "Tip 3 in a sentence" in summary


def test_a_row_of_links_above_the_headline_is_not_the_headline() -> None:
    text = (
        "[Docs] [txt|pdf] [Tracker] [Email]\n\nHarbor council raises the seawall\n\n"
        + "The harbor council met on Tuesday and agreed to raise the seawall by a meter. " * 3
    )
    article = extract_text(text_doc(text))
    assert article.title == "Harbor council raises the seawall"
    assert all("[Docs]" not in b.text for b in article.blocks_for())
    assert any(d.text.startswith("[Docs]") for d in article.dropped)
