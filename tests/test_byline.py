"""The spoken byline: names as a newsreader says them, whichever path found them."""

from __future__ import annotations

import pytest

from narrator.extract._byline import clean_byline, date_after
from narrator.extract.html import extract_html
from narrator.extract.text import extract_text
from narrator.models import DocFormat, Document
from narrator.pipeline import intro_text

_PAGE_TEXT = (
    "Joshua Sokol May 20, 2019 Laura June Topolsky July 10, 2015 Carrie Arnold November 18, "
    "2019 Last Updated January 7, 2025 GILLIAN MOHNEY\n   March 11, 2015 3:46 PM"
)


@pytest.mark.parametrize(
    ("found", "said"),
    [
        # A date the template glued on: cut where the page shows a day after the month.
        ("Joshua Sokol May", "Joshua Sokol"),
        ("Laura June Topolsky July", "Laura June Topolsky"),
        ("Carrie Arnold November", "Carrie Arnold"),
        ("Jeff Foust Monday; November", "Jeff Foust"),
        ("Louis Jacobson on Monday", "Louis Jacobson"),
        ("Sherif Saed, Wednesday", "Sherif Saed"),
        ("Last Updated January 7", None),
        # Contacts, handles, counts and roles.
        ("Megan Rowe meganr@spokesman.com(509) 459-5382", "Megan Rowe"),
        ("Alissa Wilkinson@alissamarie alissa@vox.com", "Alissa Wilkinson"),
        ("Lucas Nolan22", "Lucas Nolan"),
        ("Meg JamesStaff Writer", "Meg James"),
        ("Yasemin Saplakoglu - Staff Writer", "Yasemin Saplakoglu"),
        ("Joshua Sokol Contributing Correspondent", "Joshua Sokol"),
        ("Eric Song, IGN Staff", "Eric Song"),
        ("STEVE PEOPLES; AP National Political Writer", "Steve Peoples"),
        ("Analysis by Chris Cillizza; CNN Editor-at-large", "Chris Cillizza"),
        ("Phil Helsel is a reporter", "Phil Helsel"),
        ("Staff Writer", None),
        # Several authors, said as a list; a credential or a newsroom stays with its name.
        ("Mike Wuerthele; Malcolm Owen Monday; November", "Mike Wuerthele and Malcolm Owen"),
        (
            "LISA MASCARO; MARY CLARE JALONICK; ERIC TUCKER",
            "Lisa Mascaro, Mary Clare Jalonick and Eric Tucker",
        ),
        ("Brenda Goodman; MA", "Brenda Goodman, MA"),
        ("Jill Disis; CNN Business", "Jill Disis, CNN Business"),
        ("Troy Smith; Troy L Smith; Cleveland com", "Troy L Smith"),
        # Names that look like dates or roles stay whole.
        ("Theresa May", "Theresa May"),
        ("Lena H. Sun", "Lena H. Sun"),
        ("Jerusalem Post Staff", "Jerusalem Post Staff"),
        ("Sandee LaMotte, CNN", "Sandee LaMotte, CNN"),
        ("Conor O'Brien", "Conor O'Brien"),
        ("AP", "AP"),
        ("Tom Gillespie News reporter", "Tom Gillespie News reporter"),
    ],
)
def test_clean_byline(found: str, said: str | None) -> None:
    shows = date_after(lambda: _PAGE_TEXT)
    assert clean_byline(found, shows, ["cleveland.com", "cleveland"]) == said


def test_a_month_after_a_name_stays_without_a_date_on_the_page() -> None:
    assert clean_byline("Joshua Sokol May") == "Joshua Sokol May"
    assert clean_byline("Jane Doe April", date_after(lambda: "Jane Doe April was here")) == (
        "Jane Doe April"
    )


def test_a_huge_or_hostile_author_field_is_no_byline() -> None:
    assert clean_byline("a@" * 20_000) is None
    assert clean_byline("x" * 601) is None


_BODY = "".join(
    f"<p>The council met on Tuesday to discuss the plan for river park number {i}, and "
    "residents spoke for an hour about the trees, the paths and the cost of it all.</p>"
    for i in range(8)
)


def _html(credit: str) -> str:
    return (
        "<html><head><title>River park plan approved</title></head><body><article>"
        f"<h1>River park plan approved</h1><div class='credit'>{credit}</div>{_BODY}"
        "</article></body></html>"
    )


def test_an_html_bylines_date_and_capitals_are_not_spoken() -> None:
    # trafilatura's author field reads "JOSHUA SOKOL May" here.
    page = _html(
        "<cite class='byline vcard'><span>By </span><span class='fn'>JOSHUA SOKOL</span> "
        "<abbr>May 20, 2019 3:46 PM</abbr></cite>"
    )
    document = Document(
        text=page, format=DocFormat.HTML, source="x.html", url="https://n.example/a"
    )
    article = extract_html(document)
    assert article.byline == "Joshua Sokol"
    assert "by Joshua Sokol," in (intro_text(article) or "")


def test_an_html_author_named_may_keeps_her_name() -> None:
    page = _html("<span class='byline'>By <a rel='author'>Theresa May</a></span>")
    document = Document(
        text=page, format=DocFormat.HTML, source="x.html", url="https://n.example/a"
    )
    assert extract_html(document).byline == "Theresa May"


def test_a_text_bylines_contact_details_are_not_spoken() -> None:
    story = " ".join(["The council met on Tuesday to discuss the plan for the river park."] * 4)
    text = (
        "River park plan approved\n\nBy Megan Rowe meganr@spokesman.com (509) 459-5382\n\n"
        f"{story}\n\n{story}\n"
    )
    article = extract_text(Document(text=text, format=DocFormat.TEXT, source="x.txt"))
    assert article.byline == "Megan Rowe"
