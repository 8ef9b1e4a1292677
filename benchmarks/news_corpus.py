"""Real news sentences that contain digits, from the extraction corpora's gold bodies.

The texts stay in ``../shared/corpora/extraction`` (they belong to their publishers) and are
read from there each run. Pages are split by domain into a *dev* half, which the
normalizer's rules were reviewed and fixed against, and a *held-out* half, which is only
measured: a domain goes to a half by the parity of a hash of its name, decided before any
sentence was read, so the split cannot follow what the rules handle well.

    python benchmarks/news_corpus.py [--half dev|held-out] [--limit N]   # prints sentences
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = Path("corpora") / "extraction"
HALVES = ("dev", "held-out")

_TAG_RE = re.compile(r"<(?:p|div|li|h\d|br|tr|td|blockquote)\b[^>]*>|</(?:p|div|li|h\d|tr)>", re.I)
_ANY_TAG_RE = re.compile(r"<[^>]+>")
_DIGIT_RE = re.compile(r"\d")
# English enough: most words are ASCII letters and common English words occur.
_ENGLISH_RE = re.compile(r"\b(?:the|and|of|to|in|is|that|for)\b", re.I)


def half_of(domain: str) -> str:
    """The half a domain belongs to: even hash is dev, odd is held-out."""
    domain = domain.lower().removeprefix("www.")
    return HALVES[hashlib.sha256(domain.encode()).digest()[0] % 2]


def _english(text: str) -> bool:
    words = text.split()
    return len(words) >= 20 and len(_ENGLISH_RE.findall(text)) / len(words) > 0.08


def _bodies(shared: Path) -> Iterator[tuple[str, str]]:
    """(domain, article body text) for every English page of both corpora."""
    zyte = shared / CORPUS / "zyte_aeb_rest"
    truth = json.loads((zyte / "ground-truth.json").read_text(encoding="utf-8"))
    for entry in truth.values():
        body = entry.get("articleBody") or ""
        if _english(body):
            yield urlparse(entry.get("url") or "").netloc, body
    pages = shared / CORPUS / "readability_pages"
    for folder in sorted(p for p in pages.iterdir() if p.is_dir()):
        meta_file, body_file = folder / "expected-metadata.json", folder / "expected.html"
        if not (meta_file.is_file() and body_file.is_file()):
            continue
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if not str(meta.get("lang") or "en").lower().startswith("en"):
            continue
        raw = _TAG_RE.sub("\n\n", body_file.read_text(encoding="utf-8"))
        body = html.unescape(_ANY_TAG_RE.sub("", raw))
        if _english(body):
            # The readability pages are one per site; the folder name stands for the domain.
            yield meta.get("siteName") or folder.name, body


def sentences(shared: Path = DEFAULT_SHARED, half: str = "dev") -> list[str]:
    """The distinct sentences with a digit from the pages of ``half``, in corpus order."""
    from narrator.sentences import split_sentences

    seen: set[str] = set()
    out: list[str] = []
    for domain, body in _bodies(shared):
        if half_of(domain) != half:
            continue
        for paragraph in re.split(r"\n\s*\n", body):
            for sentence in split_sentences(" ".join(paragraph.split())):
                keep = _DIGIT_RE.search(sentence) and 12 <= len(sentence) <= 400
                if keep and sentence not in seen:
                    seen.add(sentence)
                    out.append(sentence)
    return out


def main(argv: list[str] | None = None) -> int:
    """Print one half's sentences, each with what narrator says for it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--half", choices=HALVES, default="dev")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--spoken", action="store_true", help="also print the spoken form")
    args = parser.parse_args(argv)
    found = sentences(args.shared, args.half)
    if args.limit:
        found = found[: args.limit]
    if args.spoken:
        from narrator.normalize import normalize
    for sentence in found:
        print(sentence)
        if args.spoken:
            print("   ->", normalize(sentence))
    print(f"{len(found)} sentences in the {args.half} half", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
