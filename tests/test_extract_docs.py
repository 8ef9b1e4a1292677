"""Docs pages read with every heading and section and no permalink marks.

Sphinx and MkDocs pages are built here, by the real generators, from sources of our own;
mdBook (not on PyPI) and DocBook pages are hand-written in those generators' output shape.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from narrator.extract import extract
from narrator.ingest import read_source
from narrator.models import BlockKind

PAGES = Path(__file__).parent / "pages" / "docs"

_SECTIONS = {
    "Requirements": "You need a kettle, a grinder and about ten minutes of patience.",
    "Downloading the package": "Fetch the package from the shop and unpack it",
    "Configuration paragraph": "Open the settings file and set the grind size.",
    "Troubleshooting": "If the widget does not start, check that the kettle",
}
_INTRO = "Widgets are small tools that make brewing coffee easier."


def _prose(section: str) -> str:
    return (
        f"{_SECTIONS[section]} This sentence is here so the section reads as prose and "
        "not as a label."
    )


def _headings(source: Path) -> tuple[str | None, list[str], str]:
    article = extract(read_source(str(source)))
    headings = [b.text for b in article.blocks if b.kind is BlockKind.HEADING]
    body = " ".join(b.text for b in article.blocks)
    return article.title, headings, body


def _check(source: Path, expected: list[str]) -> None:
    title, headings, body = _headings(source)
    assert title == "Installing widgets"
    assert headings == expected
    assert "¶" not in body and "paragraph¶" not in body
    assert body.startswith(_INTRO)
    for section in expected:
        if section in _SECTIONS:
            assert _SECTIONS[section] in body


@pytest.mark.slow
def test_a_sphinx_page_keeps_every_heading_and_no_pilcrow(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('project = "Widgets"\nhtml_theme = "alabaster"\n')
    rst = ["Installing widgets", "==================", "", f"{_INTRO} It is a guide.", ""]
    for section in _SECTIONS:
        rst += [section, "-" * len(section), "", _prose(section), ""]
    (src / "index.rst").write_text("\n".join(rst))
    out = tmp_path / "html"
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)],
        check=True,
        timeout=300,
    )
    # "Configuration paragraph": a real heading ending in the word the ¶ is read as.
    _check(out / "index.html", list(_SECTIONS))


@pytest.mark.slow
def test_an_mkdocs_page_keeps_every_heading_and_no_permalink(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Widgets\nnav:\n  - Home: index.md\n"
        "markdown_extensions:\n  - toc:\n      permalink: true\n"
    )
    md = ["# Installing widgets", "", f"{_INTRO} It is a guide.", ""]
    for section in _SECTIONS:
        md += [f"## {section}", "", _prose(section), ""]
    (tmp_path / "docs" / "index.md").write_text("\n".join(md))
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"], cwd=tmp_path, check=True, timeout=300
    )
    _check(tmp_path / "site" / "index.html", list(_SECTIONS))


def test_an_mdbook_page_takes_its_headline_not_the_hidden_shortcuts_popup() -> None:
    title, headings, body = _headings(PAGES / "mdbook.html")
    assert title == "Installing widgets"
    assert headings == [
        "Requirements",
        "Downloading the package",
        "Configuration",
        "Grind sizes",
        "Troubleshooting",
    ]
    assert "Keyboard shortcuts" not in body and "The Widget Book" not in body
    assert "Fine grinds suit espresso machines" in body


def test_a_docbook_page_keeps_headings_nested_in_title_pages() -> None:
    title, headings, body = _headings(PAGES / "docbook.html")
    assert title == "Chapter 2. Installing widgets"
    assert headings == ["Requirements", "Downloading the package", "Mirrors", "Troubleshooting"]
    assert "Three mirrors carry the package" in body
    assert "the kettle is plugged in" in body
