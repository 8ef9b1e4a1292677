"""Evaluation gate on the corpora's *test* half: pages of sites no rule or model was tuned on.

``benchmarks/extraction_pages.py`` splits the three extraction corpora of ``../shared`` by
site (``benchmarks/data/extraction-split.json``); the line model is trained on the tune half
only. Here narrator reads every test-half page twice, as HTML and as a page dump (chromium's
``document.body.innerText``, made by ``benchmarks/dump_pages.mjs`` when missing), and its
scores must stay at or above the floors pinned from a measured run (a little under it).
The figures themselves, with trafilatura and the whole-page baseline beside them, are
printed by ``benchmarks/extraction.py``.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

# Measured on the test half (2026-12-01): HTML F1 0.960, title 26/38 (0.684; Readability's
# gold titles keep site suffixes that narrator drops), 0 failures.
# Dumps (2026-12-02, after the redirect fix to the dumps, the headline scorer, the guard
# change and the line model's new features): P 0.905, R 0.875, F1 0.890, title 16/38 exact,
# headline 22/38, and 22 of the 28 pages whose gold headline is a line of the dump at all;
# 1 failure, a page whose dump is empty (its text needs the network). Floors sit just under.
# Dumps (2026-12-02, after the dump maker undid page-wide anti-flicker hiding, which had left
# one page's dump empty): P 0.916, R 0.885, F1 0.900, headline 23/38, on-page 23/29, no
# failure. The line model retrained on the tune half's dumps made the same way (five of them
# changed; the CV picked switch cost 0.5 over 1.0, F1 0.9264 against 0.9261): P 0.904,
# R 0.890, F1 0.897, on-page headline 22/29. The floors leave room for one page dumped badly
# on a loaded machine (about 0.01 of P and R).
# HTML titles, after the title choice by agreeing sources (issue 11): 27/38 exact, 33/38
# (0.868) by headline_match, the gold title or it without the site's name; F1 0.961.
HTML_F1_FLOOR = 0.955
HTML_TITLE_FLOOR = 0.84
HTML_FAILURES_MAX = 0
DUMP_PRECISION_FLOOR = 0.892
DUMP_RECALL_FLOOR = 0.878
DUMP_F1_FLOOR = 0.885
DUMP_FAILURES_MAX = 1
DUMP_TITLE_FLOOR = 0.39
DUMP_ON_PAGE_HEADLINE_FLOOR = 0.72
# Bylines that name the gold author (Readability's 28 test pages with one): HTML 23/28 and
# dumps 7/28 measured, dumps 8/28 (2026-12-03) once a follow button counts as a byline's
# mark; a page below either.
HTML_BYLINE_FLOOR = 0.78
DUMP_BYLINE_FLOOR = 0.25
# Bylines said as names only (2026-12-03): HTML 82/83 (trafilatura's author field 64/83),
# dumps 32/32; a byline or two below.
BYLINE_CLEAN_FLOOR = 0.95


def _load(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # the benchmark modules import each other
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def halves(shared_dir: Path) -> Any:
    for suite in ("corpora/extraction/readability_pages", "peer-suites/article_zyte_aeb"):
        if not (shared_dir / suite).is_dir():
            pytest.fail(f"{shared_dir / suite} is missing: the gate needs the corpora")
    _load("extraction")
    pages_module = _load("extraction_pages")
    return _load("extraction_halves"), pages_module


def _summary(halves: Any, shared_dir: Path, kind: str) -> Any:
    bench, pages_module = halves
    pages = [p for p in pages_module.load_pages(shared_dir) if p.half == "test"]
    assert len(pages) >= 90, "the test half is smaller than when the floors were pinned"
    if kind == "dump":
        if shutil.which("node") is None:
            pytest.fail("node is missing: run scripts/install-browser to make the page dumps")
        pages_module.ensure_dumps(pages)
        assert all(pages_module.read_dump(p) is not None for p in pages), "dumps are missing"
    used, results, seconds = bench.evaluate(pages, kind, "narrator")
    return bench.summarize(used, results, seconds, kind)


@pytest.fixture(scope="module")
def html(halves: Any, shared_dir: Path) -> Any:
    return _summary(halves, shared_dir, "html")


@pytest.fixture(scope="module")
def dump(halves: Any, shared_dir: Path) -> Any:
    return _summary(halves, shared_dir, "dump")


def test_html_f1_floor(html: Any) -> None:
    assert html.f1 >= HTML_F1_FLOOR


def test_html_no_page_fails(html: Any) -> None:
    assert html.failures <= HTML_FAILURES_MAX


def test_html_title_floor(html: Any) -> None:
    # By headline: narrator drops the site's name on purpose, which the exact column counts
    # as a miss when Readability's gold kept it.
    assert html.headline_hits / html.titled >= HTML_TITLE_FLOOR


def test_html_byline_floor(html: Any) -> None:
    assert html.bylined >= 20
    assert html.byline_hits / html.bylined >= HTML_BYLINE_FLOOR


def test_dump_byline_floor(dump: Any) -> None:
    assert dump.bylined >= 20
    assert dump.byline_hits / dump.bylined >= DUMP_BYLINE_FLOOR


@pytest.mark.parametrize("kind", ["html", "dump"])
def test_bylines_are_said_as_names(kind: str, request: pytest.FixtureRequest) -> None:
    row = request.getfixturevalue(kind)
    assert row.bylines_found >= 30
    assert row.bylines_clean / row.bylines_found >= BYLINE_CLEAN_FLOOR


def test_dump_precision_floor(dump: Any) -> None:
    assert dump.precision >= DUMP_PRECISION_FLOOR


def test_dump_recall_floor(dump: Any) -> None:
    assert dump.recall >= DUMP_RECALL_FLOOR


def test_dump_f1_floor(dump: Any) -> None:
    assert dump.f1 >= DUMP_F1_FLOOR


def test_dump_failures_are_only_pages_with_no_text(dump: Any) -> None:
    assert dump.failures <= DUMP_FAILURES_MAX


def test_dump_title_floor(dump: Any) -> None:
    assert dump.title_hits / dump.titled >= DUMP_TITLE_FLOOR


def test_dump_headline_floor_where_the_page_shows_it(dump: Any) -> None:
    # A dump has no <head>: only pages whose gold headline is one of its lines can be right.
    assert dump.answerable_hits / dump.answerable >= DUMP_ON_PAGE_HEADLINE_FLOOR


def test_dumps_read_no_worse_than_the_whole_page(halves: Any, shared_dir: Path, dump: Any) -> None:
    bench, pages_module = halves
    pages = [p for p in pages_module.load_pages(shared_dir) if p.half == "test"]
    used, results, seconds = bench.evaluate(pages, "dump", "whole-page")
    whole = bench.summarize(used, results, seconds)
    assert dump.precision > whole.precision + 0.1
