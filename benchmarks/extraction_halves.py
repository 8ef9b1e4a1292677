"""The per-half, per-input-kind table of ``benchmarks/extraction.py`` (see its docstring)."""

from __future__ import annotations

import html as html_module
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import trafilatura
from extraction import score  # type: ignore[import-not-found]
from extraction_pages import Page, ensure_dumps, load_pages, read_dump

from narrator.errors import NarratorError
from narrator.extract.html import extract_html
from narrator.extract.text import extract_text
from narrator.models import DocFormat, Document

__all__ = ["Result", "fold_title", "print_halves", "run_extractor", "summarize"]

KINDS = ("html", "dump")
EXTRACTORS = ("narrator", "trafilatura", "traf-precision", "whole-page")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@dataclass(frozen=True)
class Result:
    """One extractor's answer for one page."""

    title: str | None
    body: str
    failed: bool
    byline: str | None = None


def fold_title(title: str | None) -> str:
    """A title compared case, whitespace, quote and dash folded."""
    if not title:
        return ""
    text = unicodedata.normalize("NFKC", html_module.unescape(title)).translate(_QUOTES)
    return " ".join(text.casefold().split())


# What separates a headline from the site's name in a <title> or og:title.
_SITE_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014\u00b7:\u00bb/]\s+")
_SITE_WORDS = 6


def headline_match(gold: str | None, ours: str | None) -> bool:
    """Whether ``ours`` is the gold title, or the gold title without a site's name before or
    after a separator ("Tarot's history - Atlas Obscura" for "Tarot's history").

    Readability's gold titles come from ``og:title`` or ``<title>`` when a page has them, and
    those often carry the site's name; narrator drops it on purpose (a listener has no use for
    "pipe Harper's Magazine"), so the strict column understates the headline being right. The
    rule is the metric's own, not narrator's: the cut part is at most six words, and the rest
    must equal ours exactly.
    """
    want, got = fold_title(gold), fold_title(ours)
    if not want or not got:
        return False
    if want == got:
        return True
    for cut in _SITE_SEPARATOR.finditer(want):
        head, tail = want[: cut.start()], want[cut.end() :]
        if got == head and len(tail.split()) <= _SITE_WORDS:
            return True
        if got == tail and len(head.split()) <= _SITE_WORDS:
            return True
    return False


_NAME = re.compile(r"[^\W\d_]+")
_NOT_NAME = frozenset({"by", "and"})


def _names(byline: str | None) -> set[str]:
    return {w for w in _NAME.findall(fold_title(byline)) if w not in _NOT_NAME}


def byline_match(gold: str | None, ours: str | None) -> bool:
    """Whether ``ours`` names the gold byline's author: the words of one (folded, without
    "by" and "and") are all among the other's ("Dan Goodin" for "By Dan Goodin"; "Daniel
    Kahn Gillmor" for "Daniel Kahn Gillmor, Senior Staff Technologist")."""
    want, got = _names(gold), _names(ours)
    return bool(want) and bool(got) and (want <= got or got <= want)


# What a spoken byline should not hold: a digit, a handle, trafilatura's ";" join, a date
# word ("May" and "June" left out: they are names too) or a role.
_STRAY = re.compile(
    r"\d|@|;|\b(?:january|february|march|april|july|august|september|october|november"
    r"|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|updated|published"
    r"|staff writer|reporter|correspondent|contributor)\b",
    re.IGNORECASE,
)


def clean_byline_shape(byline: str) -> bool:
    """Whether ``byline`` reads as names only: none of :data:`_STRAY`, not set in capitals."""
    return not _STRAY.search(byline) and not (byline.isupper() and len(byline) > 5)


def answerable(page: Page, dump: str) -> bool:
    """Whether the gold title, or its headline part, is a line of ``dump`` at all (a dump has
    no ``<title>``: a gold title taken from ``og:title`` is often on no line of the page)."""
    return any(headline_match(page.title, line) for line in dump.splitlines() if line.strip())


def seen_headline(page: Page, dump: str, ours: str | None) -> bool:
    """Whether ``ours`` is the headline a reader of ``dump`` sees: the gold one, or, where the
    gold title is on no line of the dump (it came from the ``<head>``), the page's own
    ``<h1>`` as a line of the dump."""
    if headline_match(page.title, ours):
        return True
    if answerable(page, dump):
        return False
    import lxml.html  # type: ignore[import-untyped]

    lines = [line for line in dump.splitlines() if line.strip()]
    tree = lxml.html.fromstring(page.html_path.read_bytes())
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if headline_match(text, ours) and any(headline_match(text, line) for line in lines):
            return True
    return False


def _narrator(page: Page, kind: str, text: str) -> Result:
    try:
        if kind == "html":
            document = Document(text=text, format=DocFormat.HTML, source="page.html", url=page.url)
            article = extract_html(document)
        else:
            document = Document(text=text, format=DocFormat.TEXT, source="page.txt")
            article = extract_text(document)
    except NarratorError:
        return Result(None, "", True)
    body = "\n\n".join(block.text for block in article.blocks_for())
    return Result(article.title, body, not body.strip(), article.byline)


def _as_html(dump: str) -> str:
    lines = (html_module.escape(line.strip()) for line in dump.splitlines() if line.strip())
    return "<html><body>" + "".join(f"<p>{line}</p>" for line in lines) + "</body></html>"


def _trafilatura(page: Page, kind: str, text: str, *, precision: bool) -> Result:
    source = text if kind == "html" else _as_html(text)
    try:
        result = trafilatura.bare_extraction(
            source, url=page.url, favor_precision=precision, with_metadata=True
        )
    except Exception:  # a baseline's crash counts as its failure, not the benchmark's
        return Result(None, "", True)
    body = getattr(result, "text", None) or ""
    title = getattr(result, "title", None) if kind == "html" else None
    author = getattr(result, "author", None) if kind == "html" else None
    return Result(title, body, not body.strip(), author)


_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _whole_page(page: Page, kind: str, text: str) -> Result:
    if kind == "dump":
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return Result(lines[0] if lines else None, "\n\n".join(lines), not lines)
    found = _TITLE_TAG.search(text)
    body = trafilatura.html2txt(text) or ""
    return Result(found.group(1).strip() if found else None, body, not body.strip())


def run_extractor(name: str, page: Page, kind: str, text: str) -> Result:
    """Run the extractor ``name`` on one page's ``text`` (HTML or dump)."""
    if name == "narrator":
        return _narrator(page, kind, text)
    if name == "trafilatura":
        return _trafilatura(page, kind, text, precision=False)
    if name == "traf-precision":
        return _trafilatura(page, kind, text, precision=True)
    return _whole_page(page, kind, text)


@dataclass(frozen=True)
class Summary:
    """One row of the table."""

    pages: int
    titled: int
    title_hits: int
    headline_hits: int
    """Titles right by :func:`headline_match` (the gold title, or it without the site's name)."""
    answerable: int
    """Titled pages whose gold headline is on a line of the input at all (every HTML page)."""
    answerable_hits: int
    seen_hits: int
    """Titles that are the headline a reader sees (:func:`seen_headline`; on HTML, headline)."""
    bylined: int
    """Pages with a gold byline (the Readability pages that name an author)."""
    byline_hits: int
    """Of those, bylines that name the author (:func:`byline_match`)."""
    bylines_found: int
    """Pages (with a gold byline or not) where a byline was found."""
    bylines_clean: int
    """Of those, bylines that read as names only (:func:`clean_byline_shape`)."""
    precision: float
    recall: float
    f1: float
    failures: int
    seconds: float
    worst: tuple[tuple[str, float, float], ...]
    title_misses: tuple[tuple[str, str, str], ...]


def summarize(
    pages: Sequence[Page], results: Sequence[Result], seconds: float, kind: str = "html"
) -> Summary:
    """Title accuracy, shingle P/R/F1 and failures of ``results`` on ``pages``."""
    gold = {p.key: p.gold for p in pages}
    outputs = {p.key: r.body for p, r in zip(pages, results, strict=True)}
    s = score(gold, outputs)
    titled = [(p, r) for p, r in zip(pages, results, strict=True) if p.title]
    hits = [fold_title(p.title) == fold_title(r.title) for p, r in titled]
    headlines = [headline_match(p.title, r.title) for p, r in titled]
    on_page = [kind == "html" or answerable(p, read_dump(p) or "") for p, _ in titled]
    seen = [
        hit if kind == "html" else seen_headline(p, read_dump(p) or "", r.title)
        for (p, r), hit in zip(titled, headlines, strict=True)
    ]
    worst = sorted(s.pages, key=lambda ps: min(ps.precision, ps.recall))[:12]
    return Summary(
        pages=len(pages),
        titled=len(titled),
        title_hits=sum(hits),
        headline_hits=sum(headlines),
        answerable=sum(on_page),
        answerable_hits=sum(h and a for h, a in zip(headlines, on_page, strict=True)),
        seen_hits=sum(seen),
        bylined=sum(1 for p in pages if _names(p.byline)),
        byline_hits=sum(
            byline_match(p.byline, r.byline) for p, r in zip(pages, results, strict=True)
        ),
        bylines_found=sum(1 for r in results if r.byline),
        bylines_clean=sum(1 for r in results if r.byline and clean_byline_shape(r.byline)),
        precision=s.precision,
        recall=s.recall,
        f1=s.f1,
        failures=sum(r.failed for r in results),
        seconds=seconds,
        worst=tuple((ps.page, ps.precision, ps.recall) for ps in worst),
        title_misses=tuple(
            (p.key, p.title or "", r.title or "")
            for (p, r), hit in zip(titled, headlines, strict=True)
            if not hit
        ),
    )


def evaluate(pages: Sequence[Page], kind: str, name: str) -> tuple[list[Page], list[Result], float]:
    """Run one extractor on one kind of input of ``pages`` (pages without a dump are skipped)."""
    used: list[Page] = []
    results: list[Result] = []
    elapsed = 0.0
    for page in pages:
        text = page.html_path.read_text(encoding="utf-8") if kind == "html" else read_dump(page)
        if text is None:
            continue
        started = time.perf_counter()
        results.append(run_extractor(name, page, kind, text))
        elapsed += time.perf_counter() - started
        used.append(page)
    return used, results, elapsed


def _speed(pages: Sequence[Page]) -> list[str]:
    largest = max(pages, key=lambda p: p.html_path.stat().st_size)
    html = largest.html_path.read_text(encoding="utf-8")
    lines = []
    for kind, text in (("html", html), ("dump", read_dump(largest))):
        if text is None:
            continue
        timings = {
            name: min(_timed(partial(run_extractor, name, largest, kind, text)) for _ in range(3))
            for name in ("narrator", "trafilatura")
        }
        ours, theirs = timings["narrator"], timings["trafilatura"]
        lines.append(
            f"speed {kind}: {len(text.encode()) / 1e6:.2f} MB ({largest.key[:40]}): narrator "
            f"{ours * 1000:.0f} ms, trafilatura {theirs * 1000:.0f} ms "
            f"(ratio {ours / max(theirs, 1e-9):.2f})"
        )
    lines.append(_model_speed(pages))
    return lines


def _model_speed(pages: Sequence[Page]) -> str:
    """What the learned models add to a dump's reading: the line model and the headline scorer
    (:func:`read_page_dump`) against the rest of ``extract_text``, on the median and the
    longest dump. The models load once per process; their load time is printed too."""
    from narrator.extract import _lines, dump

    started = time.perf_counter()
    _lines.load_model.cache_clear()
    dump._title_model.cache_clear()
    _lines.load_model()
    dump._title_model()
    load = time.perf_counter() - started
    dumps = sorted(
        (text for p in pages if (text := read_dump(p))), key=lambda t: len(t.splitlines())
    )
    parts = [f"speed dump reader (line model, headline scorer): models load {load * 1000:.1f} ms"]
    for name, text in (("median", dumps[len(dumps) // 2]), ("longest", dumps[-1])):
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        scoring = min(_timed(partial(_lines.score_lines, lines)) for _ in range(5))
        model = min(_timed(partial(dump.read_page_dump, text)) for _ in range(5))
        document = Document(text=text, format=DocFormat.TEXT, source="page.txt")
        whole = min(_timed(partial(extract_text, document)) for _ in range(5))
        parts.append(
            f"{name} dump ({len(text.splitlines())} lines): line model {scoring * 1000:.0f} ms, "
            f"the reader with it {model * 1000:.0f} ms, of {whole * 1000:.0f} ms for extract_text"
        )
    return "; ".join(parts)


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def print_halves(shared: Path, halves: Sequence[str], *, verbose: bool = False) -> None:
    """Print the table for ``halves`` of the corpora in ``shared``."""
    pages = load_pages(shared)
    made = ensure_dumps(pages)
    if made:
        print(f"made {made} missing dumps", file=sys.stderr)
    print()
    print(f"{len(pages)} pages; dumps in place: {sum(read_dump(p) is not None for p in pages)}")
    header = (
        f"{'half':<5} {'kind':<5} {'extractor':<15} {'pages':>5} {'title':>11} "
        f"{'headline':>11} {'on-page':>11} {'seen':>11} {'byline':>11} {'clean':>7} "
        f"{'P':>6} {'R':>6} {'F1':>6} {'fail':>4} {'s':>6}"
    )
    print(header)
    for half in halves:
        chosen = [p for p in pages if p.half == half]
        for kind in KINDS:
            for name in EXTRACTORS:
                used, results, seconds = evaluate(chosen, kind, name)
                row = summarize(used, results, seconds, kind)
                share = row.title_hits / row.titled if row.titled else 0.0
                title = f"{share:5.1%} {row.title_hits:>2}/{row.titled:<2}"
                head = row.headline_hits / row.titled if row.titled else 0.0
                headline = f"{head:5.1%} {row.headline_hits:>2}/{row.titled:<2}"
                on = row.answerable_hits / row.answerable if row.answerable else 0.0
                on_page = f"{on:5.1%} {row.answerable_hits:>2}/{row.answerable:<2}"
                sight = row.seen_hits / row.titled if row.titled else 0.0
                seen = f"{sight:5.1%} {row.seen_hits:>2}/{row.titled:<2}"
                by = row.byline_hits / row.bylined if row.bylined else 0.0
                byline = f"{by:5.1%} {row.byline_hits:>2}/{row.bylined:<2}"
                clean = f"{row.bylines_clean:>3}/{row.bylines_found:<3}"
                print(
                    f"{half:<5} {kind:<5} {name:<15} {row.pages:>5} {title:>11} {headline:>11} "
                    f"{on_page:>11} {seen:>11} {byline:>11} {clean:>7} "
                    f"{row.precision:6.3f} {row.recall:6.3f} {row.f1:6.3f} "
                    f"{row.failures:>4} {row.seconds:6.1f}"
                )
                if verbose and name == "narrator" and half == "tune":
                    for key, p, r in row.worst:
                        print(f"      worst P {p:.3f} R {r:.3f}  {key}")
                    for key, want, got in row.title_misses:
                        print(f"      title {key}: want {want!r} got {got!r}")
    print("\n".join(_speed(pages)))
