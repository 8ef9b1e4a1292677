"""Score narrator's extractors: the Zyte 60-page gate, then every corpus by half and input kind.

The metric is the one the suite's README defines (upstream ``evaluate.py`` reimplemented):
tokens are ``\\w+``, each document is a multiset of word 4-grams, precision and recall are
computed per document and averaged with equal weight, F1 comes from the two means, and
"exact" is the share of documents whose token list equals the gold one. The stored outputs
of trafilatura, readability.js and html-text are scored by the same code in the same run.

What we score is the spoken body: the article's body blocks joined with blank lines. The
headline is not included, because the gold bodies do not include it either.

The second table covers all three corpora of ``benchmarks/extraction_pages.py`` (223 English
pages), split by site into the tune and the test half, each page read twice: as its HTML and
as its *dump* (what a reader's copy-paste of the whole page gives; made with chromium when
missing). Each row is scored against the same gold in the same run:

* ``narrator``: ``extract_html`` on the HTML, ``extract_text`` on the dump;
* ``trafilatura`` and ``traf-precision``: trafilatura's default and ``favor_precision``
  modes on the HTML; on a dump, on the dump's lines wrapped as ``<p>`` elements;
* ``whole-page``: the naive baseline, everything (trafilatura's ``html2txt`` of the HTML;
  the dump itself) with the ``<title>`` or the first line as its title.

``title`` is the share of pages with a gold title (the Readability pages) whose extracted
title equals it, case, whitespace and quotes folded. ``headline`` also counts a title that is
the gold one without the site's name ("X - Breitbart" for "X"; Readability's gold titles come
from ``og:title``, which often carries it, and narrator drops it on purpose); ``on-page`` is
the headline share over the pages whose gold headline is a line of the input at all (on a
dump, half the gold titles are on no line: they come from the ``<head>``, which a copy-paste
does not have; on HTML it equals ``headline``). ``seen`` is the share of all titled pages
whose title is the headline a reader of the input sees: the gold one, or, on a dump whose
gold title is on no line, the page's own ``<h1>`` where it is a line of the dump (on HTML it
equals ``headline``). ``byline`` is the share of pages with a gold byline (Readability's)
whose byline names its author: the words of one, folded, are all among the other's.
``clean`` counts, of all pages where a byline was found, those whose byline reads as names
only (no digit, handle, ";", date word, role, or capitals throughout): what "by ..." says.
``fail`` counts pages where the
extractor raised or returned nothing. The speed lines time one extraction of the largest
page (about 1 MB).

Run::

    .venv/bin/python benchmarks/extraction.py [--shared PATH] [--verbose] [--zyte-only]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from narrator.errors import NarratorError
from narrator.extract.html import extract_html
from narrator.models import DocFormat, Document

__all__ = [
    "SUITE",
    "PageScore",
    "Score",
    "extract_all",
    "load_gold",
    "load_reference",
    "main",
    "score",
]

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SUITE = "peer-suites/article_zyte_aeb"
REFERENCES = ("trafilatura", "readability_js", "html-text")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class PageScore:
    """One page's score."""

    page: str
    """The page id (SHA-256 of its URL upstream)."""

    precision: float
    """Shared 4-grams over our 4-grams."""

    recall: float
    """Shared 4-grams over the gold 4-grams."""

    exact: bool
    """Whether our token list equals the gold one."""

    ends: bool
    """Whether the first and the last gold paragraphs both appear in our output."""


@dataclass(frozen=True)
class Score:
    """The suite's score for one extractor."""

    precision: float
    """Mean per-page precision."""

    recall: float
    """Mean per-page recall."""

    exact: float
    """Share of pages extracted token for token."""

    ends: float
    """Share of pages whose first and last gold paragraphs we kept."""

    pages: tuple[PageScore, ...]
    """Per-page scores."""

    @property
    def f1(self) -> float:
        """Harmonic mean of the mean precision and the mean recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _shingles(tokens: list[str]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def _contains(haystack: list[str], needle: list[str]) -> bool:
    """Whether ``needle`` occurs as a run of tokens in ``haystack``."""
    if not needle:
        return True
    return f" {' '.join(needle)} " in f" {' '.join(haystack)} "


def _page_score(page: str, gold: str, ours: str) -> PageScore:
    gold_tokens, our_tokens = _TOKEN.findall(gold), _TOKEN.findall(ours)
    gold_grams, our_grams = _shingles(gold_tokens), _shingles(our_tokens)
    tp = sum((gold_grams & our_grams).values())
    fp = sum((our_grams - gold_grams).values())
    fn = sum((gold_grams - our_grams).values())
    paragraphs = [p for p in (_TOKEN.findall(p) for p in gold.split("\n")) if p]
    ends = bool(paragraphs) and all(
        _contains(our_tokens, p) for p in (paragraphs[0], paragraphs[-1])
    )
    return PageScore(
        page=page,
        # An empty output and an empty gold agree perfectly; an empty output alone scores 0.
        precision=tp / (tp + fp) if tp + fp else float(not gold_grams),
        recall=tp / (tp + fn) if tp + fn else 1.0,
        exact=gold_tokens == our_tokens,
        ends=ends,
    )


def score(gold: Mapping[str, str], outputs: Mapping[str, str]) -> Score:
    """Score ``outputs`` (page id -> text) against ``gold`` (page id -> gold body)."""
    pages = tuple(_page_score(page, body, outputs.get(page, "")) for page, body in gold.items())
    n = len(pages) or 1
    return Score(
        precision=sum(p.precision for p in pages) / n,
        recall=sum(p.recall for p in pages) / n,
        exact=sum(p.exact for p in pages) / n,
        ends=sum(p.ends for p in pages) / n,
        pages=pages,
    )


def load_gold(suite: Path) -> dict[str, str]:
    """Page id -> gold article body."""
    data = json.loads((suite / "ground-truth.json").read_text(encoding="utf-8"))
    return {page: entry["articleBody"] for page, entry in data.items()}


def load_reference(suite: Path, name: str) -> dict[str, str]:
    """Page id -> stored output of the reference extractor ``name``."""
    data = json.loads((suite / "reference_outputs" / f"{name}.json").read_text(encoding="utf-8"))
    return {page: entry.get("articleBody") or "" for page, entry in data["output"].items()}


def _urls(suite: Path) -> dict[str, str]:
    rows = (json.loads(line) for line in (suite / "manifest.jsonl").read_text().splitlines())
    return {row["id"]: row["url"] for row in rows}


def spoken_body(html: str, url: str | None = None) -> str:
    """What narrator would read of ``html``'s body: blocks joined by blank lines."""
    document = Document(text=html, format=DocFormat.HTML, source=url or "page.html", url=url)
    try:
        article = extract_html(document)
    except NarratorError:
        return ""
    return "\n\n".join(block.text for block in article.blocks_for())


def extract_all(suite: Path, pages: list[str]) -> dict[str, str]:
    """Run our extractor on each page of the suite."""
    urls = _urls(suite)
    return {
        page: spoken_body(
            (suite / "html" / f"{page}.html").read_text(encoding="utf-8"), urls.get(page)
        )
        for page in pages
    }


def _row(name: str, s: Score) -> str:
    return f"{name:<16} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.exact:6.3f} {s.ends:6.3f}"


def _worst(
    s: Score, gold: Mapping[str, str], ours: Mapping[str, str], domains: Mapping[str, str]
) -> list[str]:
    key: Callable[[PageScore], float] = lambda p: min(p.precision, p.recall)  # noqa: E731
    lines = ["", "worst pages (ours):", f"{'P':>6} {'R':>6}  ends  page      domain"]
    for p in sorted(s.pages, key=key)[:15]:
        lines.append(
            f"{p.precision:6.3f} {p.recall:6.3f}  {'yes ' if p.ends else 'no  '}  "
            f"{p.page[:8]}  {domains.get(p.page, '')}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the score table; the exit status is 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder")
    parser.add_argument("--verbose", action="store_true", help="list the worst pages")
    parser.add_argument("--zyte-only", action="store_true", help="only the Zyte-60 table")
    parser.add_argument(
        "--half", choices=("tune", "test", "both"), default="both", help="halves to score"
    )
    args = parser.parse_args(argv)
    suite = args.shared / SUITE
    if not suite.is_dir():
        print(f"error: {suite} does not exist; pass --shared", file=sys.stderr)
        return 2
    gold = load_gold(suite)
    started = time.perf_counter()
    ours = extract_all(suite, sorted(gold))
    elapsed = time.perf_counter() - started
    print(f"{len(gold)} pages from {suite}; narrator took {elapsed:.1f} s")
    print(f"{'extractor':<16} {'P':>6} {'R':>6} {'F1':>6} {'exact':>6} {'ends':>6}")
    ours_score = score(gold, ours)
    print(_row("narrator", ours_score))
    for name in REFERENCES:
        print(_row(name, score(gold, load_reference(suite, name))))
    if args.verbose:
        rows = (json.loads(line) for line in (suite / "manifest.jsonl").read_text().splitlines())
        domains = {row["id"]: row["domain"] for row in rows}
        print("\n".join(_worst(ours_score, gold, ours, domains)))
    if not args.zyte_only:
        from extraction_halves import print_halves  # type: ignore[import-not-found]

        halves = ("tune", "test") if args.half == "both" else (args.half,)
        print_halves(args.shared, halves, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
