"""The extraction corpora as one list of pages: source HTML, gold body, gold title, half.

Three folders of ``../shared`` (see their READMEs): ``corpora/extraction/readability_pages``
(gold body = Readability.js's ``expected.html``, gold title from ``expected-metadata.json``),
``corpora/extraction/zyte_aeb_rest`` and ``peer-suites/article_zyte_aeb`` (human-checked gold
bodies, no title). Only English pages are kept: the metrics and narrator's rules are English.

Each page belongs to a *site* (the registrable name of its domain, or the Readability test's
folder name without its number), and each site to one half, ``tune`` or ``test``, by a hash of
its name. ``benchmarks/data/extraction-split.json`` writes the split down; it was made before
any failure was looked at, and only the tune half may be used to tune rules or train models.

*Dumps* are the pages as a reader's copy-paste: ``benchmarks/dump_pages.mjs`` renders each
page in Debian's chromium (network blocked, JavaScript on) and saves ``document.body.innerText``
in ``$NARRATOR_DUMPS`` (default ``~/.cache/narrator-bench/dumps``), outside the repository.
:func:`ensure_dumps` makes whichever are missing, in one browser process, one page at a time
(``$DUMP_WORKERS`` pages at once if set: faster, but on a busy machine pages rendered together
can starve each other and come out half made), and makes a dump again, alone, when it came
out with under a third of the words of the page's own text (see :func:`ensure_dumps`).

Run ``python benchmarks/extraction_pages.py --write-split`` to rewrite the split file (it
must not change unless the corpora do) and ``--dumps`` to make the dumps.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "DEFAULT_SHARED",
    "SPLIT_FILE",
    "Page",
    "dump_dir",
    "ensure_dumps",
    "load_pages",
    "read_dump",
]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
SPLIT_FILE = ROOT / "benchmarks" / "data" / "extraction-split.json"
DUMP_SCRIPT = ROOT / "benchmarks" / "dump_pages.mjs"
SUITES = (
    "corpora/extraction/readability_pages",
    "corpora/extraction/zyte_aeb_rest",
    "peer-suites/article_zyte_aeb",
)
_TOKEN = re.compile(r"\w+")
_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "that",
        "for",
        "it",
        "on",
        "was",
        "with",
        "as",
        "are",
        "be",
        "by",
        "this",
        "at",
        "from",
        "have",
        "has",
        "not",
        "but",
        "or",
        "an",
        "they",
        "his",
        "her",
        "their",
        "were",
        "which",
        "been",
        "will",
        "said",
        "he",
        "she",
        "we",
        "you",
        "its",
    ]
)
# Second-level labels that are not the site's name ("bbc.co.uk", "abc.net.au").
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"})
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "pre",
        "blockquote",
        "table",
        "tr",
        "td",
        "th",
        "dd",
        "dt",
        "dl",
        "section",
        "article",
        "figure",
        "figcaption",
        "header",
        "footer",
        "aside",
        "br",
        "hr",
    ]
)


@dataclass(frozen=True)
class Page:
    """One page of the corpora."""

    suite: str
    """Which folder of ``../shared`` it is in."""

    id: str
    """Its id within the suite (folder name or SHA-256)."""

    site: str
    """The site it belongs to; the split is by site."""

    html_path: Path
    """The saved page."""

    url: str
    """Where it was fetched from (a made-up address for Readability's test pages)."""

    gold: str
    """The gold article body, paragraphs separated by blank lines."""

    title: str | None
    """The gold title, where the suite has one."""

    half: str
    """``tune`` or ``test``."""

    @property
    def byline(self) -> str | None:
        """The gold byline, where the suite has one (the Readability pages' metadata)."""
        meta = self.html_path.parent / "expected-metadata.json"
        if "readability" not in self.suite or not meta.is_file():
            return None
        found = json.loads(meta.read_text(encoding="utf-8")).get("byline")
        return found if isinstance(found, str) and found.strip() else None

    @property
    def key(self) -> str:
        """Unique across suites: ``suite-name:id``."""
        return f"{self.suite.rsplit('/', 1)[-1]}:{self.id}"


def site_of(domain: str) -> str:
    """The registrable name of ``domain``: ``www.bbc.co.uk`` -> ``bbc``."""
    labels = domain.lower().split(":")[0].strip(".").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]
    return labels[-2] if len(labels) >= 2 else labels[0]


def half_of(site: str) -> str:
    """The half a site belongs to, from a hash of its name (stable across runs and machines)."""
    return "tune" if hashlib.sha256(site.encode()).digest()[0] < 128 else "test"


def is_english(text: str) -> bool:
    """Whether ``text`` reads as English: common English words make a fifth of its tokens."""
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    return bool(tokens) and sum(t in _ENGLISH for t in tokens) >= 0.2 * len(tokens)


def html_text(html: str) -> str:
    """Visible text of an HTML fragment, one block per paragraph (for Readability's gold)."""
    import lxml.html  # type: ignore[import-untyped]

    root = lxml.html.fromstring(html)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            el.tail = "\n\n" + (el.tail or "")
            el.text = "\n\n" + (el.text or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n\n".join(line for line in lines if line)


def _readability(shared: Path, suite: str) -> list[tuple[str, str, Path, str, str, str | None]]:
    rows = []
    for folder in sorted((shared / suite).iterdir()):
        if not (folder / "source.html").is_file():
            continue
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        gold = html_text((folder / "expected.html").read_text(encoding="utf-8"))
        lang = (meta.get("lang") or "").lower()
        if (lang and not lang.startswith("en")) or not is_english(gold):
            continue
        site = re.sub(r"-\d+$", "", folder.name)
        url = f"http://{site}.example/{folder.name}/"
        rows.append((folder.name, site, folder / "source.html", url, gold, meta.get("title")))
    return rows


def _zyte(shared: Path, suite: str) -> list[tuple[str, str, Path, str, str, str | None]]:
    base = shared / suite
    gold = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    rows = []
    for line in (base / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        body = gold[row["id"]]["articleBody"]
        if not is_english(body):
            continue
        path = base / row.get("html_file", f"html/{row['id']}.html")
        rows.append((row["id"], site_of(row["domain"]), path, row["url"], body, None))
    return rows


@cache
def load_pages(shared: Path = DEFAULT_SHARED) -> tuple[Page, ...]:
    """Every English page of the three suites, with its half from the split file."""
    split = json.loads(SPLIT_FILE.read_text(encoding="utf-8")) if SPLIT_FILE.is_file() else {}
    halves = {site: half for half, sites in split.get("sites", {}).items() for site in sites}
    pages = []
    for suite in SUITES:
        reader = _readability if "readability" in suite else _zyte
        for page_id, site, path, url, gold, title in reader(shared, suite):
            half = halves.get(site) or half_of(site)
            pages.append(Page(suite, page_id, site, path, url, gold, title, half))
    return tuple(pages)


def write_split(shared: Path) -> dict[str, object]:
    """Write the split file from the corpora and return what it holds."""
    pages = load_pages.__wrapped__(shared)  # not the cached copy: the file is being rewritten
    sites: dict[str, set[str]] = {"tune": set(), "test": set()}
    ids: dict[str, list[str]] = {"tune": [], "test": []}
    for page in pages:
        half = half_of(page.site)
        sites[half].add(page.site)
        ids[half].append(page.key)
    data: dict[str, object] = {
        "about": (
            "Sites of the extraction corpora split by sha256(site)[0] < 128 -> tune, else "
            "test. Made before any failure was looked at; tune rules and train models on "
            "the tune half only. See benchmarks/extraction_pages.py."
        ),
        "sites": {half: sorted(names) for half, names in sites.items()},
        "pages": {half: sorted(keys) for half, keys in ids.items()},
    }
    SPLIT_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return data


def dump_dir() -> Path:
    """Where dumps are cached: ``$NARRATOR_DUMPS`` or ``~/.cache/narrator-bench/dumps``."""
    configured = os.environ.get("NARRATOR_DUMPS")
    return Path(configured) if configured else Path.home() / ".cache" / "narrator-bench" / "dumps"


@cache
def _script_bytes() -> bytes:
    return DUMP_SCRIPT.read_bytes()


def _dump_path(page: Page) -> Path:
    # Keyed by the page's bytes and the dump script's, so a changed page or a changed way of
    # dumping is dumped again.
    digest = hashlib.sha256(page.html_path.read_bytes() + _script_bytes()).hexdigest()[:16]
    return dump_dir() / page.suite.rsplit("/", 1)[-1] / f"{page.id}-{digest}.txt"


def read_dump(page: Page) -> str | None:
    """The page's dump, or None when it has not been made (or chromium could not make it)."""
    path = _dump_path(page)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def ensure_dumps(pages: tuple[Page, ...] | list[Page]) -> int:
    """Make the missing dumps of ``pages`` in one chromium process; return how many were made.

    A page's scripts run with the network blocked, and a few of them rewrite the page a
    moment after it loads (a CBS page keeps its menu alone): when the dump was taken races
    with them. A dump with under a third of the words of the page's own text is therefore
    made again, alone, up to :data:`_RETRIES` times, and the longest one is kept: the page
    as a reader saw it before the broken scripts took it apart.

    Needs ``scripts/install-browser`` (Debian chromium, playwright-core).
    """
    missing = [p for p in pages if not _dump_path(p).is_file()]
    if not missing:
        return 0
    _run_dumps(missing)
    for page in missing:
        _redo_if_short(page)
    return sum(1 for p in missing if _dump_path(p).is_file())


_RETRIES = 2
_SHORT_SHARE = 1 / 3


def _run_dumps(pages: list[Page], suffix: str = "") -> None:
    """Render ``pages`` with the dump script (each dump to its path plus ``suffix``)."""
    jobs = [
        {"html": str(p.html_path), "url": p.url, "out": str(_dump_path(p)) + suffix} for p in pages
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(jobs, handle)
    try:
        # One page at a time unless told otherwise: two pages rendering at once on a busy
        # machine starve each other, and come out half made.
        env = {**os.environ, "DUMP_WORKERS": os.environ.get("DUMP_WORKERS", "1")}
        subprocess.run(["node", str(DUMP_SCRIPT), handle.name], check=True, timeout=3600, env=env)
    finally:
        os.unlink(handle.name)


def _page_words(page: Page) -> int:
    """Words of the page's own text: its body without scripts, styles and templates."""
    import lxml.html

    tree = lxml.html.fromstring(page.html_path.read_bytes())
    for bad in tree.xpath("//script|//style|//template|//noscript"):
        bad.drop_tree()
    body = tree.find("body")
    return len(_TOKEN.findall((body if body is not None else tree).text_content()))


def _redo_if_short(page: Page) -> None:
    path = _dump_path(page)
    if not path.is_file():
        return

    def words(p: Path) -> int:
        return len(_TOKEN.findall(p.read_text(encoding="utf-8", errors="replace")))

    enough = _page_words(page) * _SHORT_SHARE
    have = words(path)
    again = Path(str(path) + ".again")
    for _ in range(_RETRIES):
        if have >= enough:
            return
        _run_dumps([page], ".again")
        if again.is_file():
            if (more := words(again)) > have:
                again.replace(path)
                have = more
            else:
                again.unlink()


def main(argv: list[str] | None = None) -> int:
    """Write the split file and/or make the dumps."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder")
    parser.add_argument("--write-split", action="store_true", help="rewrite the split file")
    parser.add_argument("--dumps", action="store_true", help="make the missing dumps")
    args = parser.parse_args(argv)
    if args.write_split:
        data = write_split(args.shared)
        pages = data["pages"]
        assert isinstance(pages, dict)
        print(f"split: {len(pages['tune'])} tune pages, {len(pages['test'])} test pages")
    if args.dumps:
        made = ensure_dumps(load_pages(args.shared))
        print(f"{made} dumps made in {dump_dir()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
