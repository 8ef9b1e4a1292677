"""SOURCE read into entries: a folder of articles, a file of URLs, or an RSS/Atom feed (a
file or an http(s) URL), with the dates and titles a feed gives.

Nothing is narrated here: each entry carries a loader that ingests and extracts its
article when the build asks for it, so one bad article fails on its own.
"""

from __future__ import annotations

import codecs
import email.utils
import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

from ..errors import InputError
from ..models import Article, DocFormat, Document
from .render import NS_ATOM, NS_CONTENT

if TYPE_CHECKING:  # the pipeline (numpy, engines) is imported when a build starts
    from ..pipeline import NarrateOptions

_ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})


@dataclass(frozen=True)
class _Entry:
    """One article named by SOURCE, before it is read."""

    guid: str
    """Stable id: the URL, the feed's own guid, or the path relative to SOURCE."""

    label: str
    """How warnings name it."""

    load: Callable[[], Article]
    """Ingest + extract (may raise NarratorError)."""

    title: str | None = None
    """A title the source gives (feed items), preferred over the extracted one."""

    date: datetime | None = None
    """A date the source gives (feed items)."""

    link: str | None = None
    """The article's URL, when known."""

    mtime: float | None = None
    """The file's modification time, the last fallback for pubDate."""


def _entries(source: Path | str, options: NarrateOptions, exclude: Path | None) -> list[_Entry]:
    from ..ingest import fetch_url, is_url
    from ..pipeline import load_article

    if isinstance(source, str) and is_url(source):
        data, _, _ = fetch_url(source, options.fetch)
        return _feed_entries(data, source, options)
    path = Path(source)
    if path.is_dir():
        return _folder_entries(path, options, exclude)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(
            f"{path}: no such file or folder. Give a folder of articles, a file of URLs, "
            f"or an RSS/Atom feed file."
        ) from exc
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror or exc}).") from exc
    if data.removeprefix(codecs.BOM_UTF8).lstrip()[:1] == b"<":
        return _feed_entries(data, str(path), options)

    entries: list[_Entry] = []
    seen: set[str] = set()
    text = data.decode("utf-8-sig", errors="replace")
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not is_url(line):
            raise InputError(
                f"{path}, line {number}: {line[:80]!r} is not an http(s) URL. A URL list holds "
                f"one URL per line (blank lines and lines starting with # are ignored)."
            )
        if line in seen:
            continue
        seen.add(line)
        entries.append(
            _Entry(
                guid=line,
                label=line,
                load=partial(load_article, line, options),
                link=line,
            )
        )
    return entries


def _folder_entries(folder: Path, options: NarrateOptions, exclude: Path | None) -> list[_Entry]:
    from ..pipeline import load_article

    entries = []
    for file in sorted(folder.rglob("*")):
        rel = file.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not file.is_file():
            continue
        if file.suffix.lower() not in _ARTICLE_SUFFIXES:
            continue
        # A SITE_DIR inside SOURCE must not feed its own index.html back in as an article.
        if exclude is not None and file.resolve().is_relative_to(exclude):
            continue
        guid = rel.as_posix()
        entries.append(
            _Entry(
                guid=guid,
                label=str(file),
                load=partial(load_article, file, options),
                mtime=file.stat().st_mtime,
            )
        )
    return entries


def _feed_entries(data: bytes, label: str, options: NarrateOptions) -> list[_Entry]:
    from ..pipeline import load_article

    # Entities are not expanded and nothing is fetched: a feed file is untrusted input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        # Some real feeds start with a blank line before <?xml ...?>, which strict parsers
        # refuse (Acast's do); the whitespace carries nothing.
        root = etree.fromstring(data.removeprefix(codecs.BOM_UTF8).lstrip(), parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{label} is not a well-formed RSS or Atom feed ({exc}).") from exc

    entries: list[_Entry] = []
    if etree.QName(root).localname == "feed" and etree.QName(root).namespace == NS_ATOM:
        items = root.findall(f"{{{NS_ATOM}}}entry")
        atom = True
    elif root.tag == "rss":
        items = root.findall("channel/item")
        atom = False
    else:
        raise InputError(
            f"{label} is XML but not an RSS or Atom feed (its root is "
            f"<{etree.QName(root).localname}>)."
        )

    seen: set[str] = set()
    for number, item in enumerate(items, 1):
        if atom:
            title = _child_text(item, f"{{{NS_ATOM}}}title")
            link = _atom_link(item)
            guid = _child_text(item, f"{{{NS_ATOM}}}id") or link
            when = _parse_date(
                _child_text(item, f"{{{NS_ATOM}}}published")
                or _child_text(item, f"{{{NS_ATOM}}}updated")
            )
            content = _atom_content(item)
        else:
            title = _child_text(item, "title")
            link = _child_text(item, "link")
            guid = _child_text(item, "guid") or link
            when = _parse_date(_child_text(item, "pubDate"))
            content = _child_text(item, f"{{{NS_CONTENT}}}encoded")
        name = f"{label}, item {number}" + (f" ({title!r})" if title else "")
        if not guid or guid in seen:
            # Without a guid of its own there is nothing stable to key the episode by. The
            # failure is raised by the loader so it is warned about and lands in
            # FeedResult.skipped like any other; its placeholder guid matches no episode.
            reason = (
                "The item has neither a guid nor a link, so its episode could not be tracked."
                if not guid
                else f"The item repeats the guid {guid!r} of an earlier item; give it its own."
            )
            entries.append(_Entry(f"\x00{label}#item-{number}", name, _failing(reason)))
            continue
        seen.add(guid)
        if content and content.strip():
            document = Document(
                text=_wrap_html(title, content),
                format=DocFormat.HTML,
                source=link or name,
                url=link,
            )
            load: Callable[[], Article] = partial(load_article, document, options)
        elif link:
            load = partial(load_article, link, options)
        else:
            load = _failing("The item has no content and no link to read the article from.")
        entries.append(_Entry(guid, name, load, title=title, date=when, link=link))
    return entries


def _failing(message: str) -> Callable[[], Article]:
    def load() -> Article:
        raise InputError(message)

    return load


def _child_text(el: Any, tag: str) -> str | None:
    child = el.find(tag)
    if child is None or child.text is None:
        return None
    return str(child.text).strip() or None


def _atom_link(entry: Any) -> str | None:
    for link in entry.findall(f"{{{NS_ATOM}}}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link.get("href"))
    return None


def _atom_content(entry: Any) -> str | None:
    content = entry.find(f"{{{NS_ATOM}}}content")
    if content is None or content.get("src"):
        return None
    if content.get("type") == "xhtml":
        return "".join(etree.tostring(c, encoding="unicode") for c in content)
    if content.get("type", "text") == "text":
        return "".join(f"<p>{html.escape(p)}</p>" for p in (content.text or "").split("\n\n"))
    return str(content.text or "")


def _wrap_html(title: str | None, content: str) -> str:
    # Feed content is a fragment; a page around it with the headline lets the HTML extractor
    # find the title the same way it does on a real article page.
    head = html.escape(title or "")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{head}</title></head>"
        f"<body><article><h1>{head}</h1>\n{content}\n</article></body></html>"
    )


def _parse_date(value: str | None) -> datetime | None:
    """A timezone-aware datetime from an ISO 8601 or RFC 2822 date, else None."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
