"""The site's pages, written from the episodes: ``feed.xml`` (RSS 2.0 with the itunes,
content, atom and podcast namespaces, built with lxml) and ``index.html``.

Nothing here reads a clock or the disk, so the same episodes give the same bytes.
"""

from __future__ import annotations

import email.utils
import html
import re
import urllib.parse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

from .config import FEED_FILE, FeedConfig, _clean_text, podcast_guid

if TYPE_CHECKING:  # build.py imports this module to write the pages
    from .build import _Episode

__all__ = ["NS_ATOM", "NS_CONTENT", "NS_ITUNES", "NS_PODCAST"]

NS_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_PODCAST = "https://podcastindex.org/namespace/1.0"
_NSMAP = {"itunes": NS_ITUNES, "content": NS_CONTENT, "atom": NS_ATOM, "podcast": NS_PODCAST}


def _url(config: FeedConfig, name: str) -> str:
    return config.base_url + urllib.parse.quote(name)


def _feed_xml(config: FeedConfig, episodes: list[_Episode], artwork: str) -> bytes:
    def sub(parent: Any, tag: str, text: str | None = None, /, **attrs: str) -> Any:
        el = etree.SubElement(parent, tag, {k: _clean_text(v) for k, v in attrs.items()})
        if text is not None:
            el.text = _clean_text(text)
        return el

    it = f"{{{NS_ITUNES}}}"
    pc = f"{{{NS_PODCAST}}}"
    rss = etree.Element("rss", nsmap=_NSMAP, version="2.0")
    ch = sub(rss, "channel")
    sub(ch, "title", config.title)
    sub(ch, "link", config.site_link)
    sub(ch, "description", config.description)
    sub(ch, "language", config.language)
    sub(ch, "generator", "narrator")
    if episodes:
        # The newest episode's date, not the build time: a rebuild changes nothing.
        sub(ch, "pubDate", _rfc2822(episodes[0].pub_date))
    sub(ch, f"{{{NS_ATOM}}}link", href=config.feed_url, rel="self", type="application/rss+xml")
    image = sub(ch, "image")
    sub(image, "url", _url(config, artwork))
    sub(image, "title", config.title)
    sub(image, "link", config.site_link)
    sub(ch, f"{it}image", href=_url(config, artwork))
    category = sub(ch, f"{it}category", text=config.category)
    if config.subcategory:
        sub(category, f"{it}category", text=config.subcategory)
    sub(ch, f"{it}explicit", "true" if config.explicit else "false")
    sub(ch, f"{it}author", config.author)
    owner = sub(ch, f"{it}owner")
    sub(owner, f"{it}name", config.owner_name)
    sub(owner, f"{it}email", config.owner_email)
    sub(ch, f"{it}type", "episodic")
    sub(ch, f"{pc}guid", podcast_guid(config.feed_url))
    sub(ch, f"{pc}locked", "yes" if config.locked else "no", owner=config.owner_email)
    sub(ch, f"{pc}medium", "podcast")

    for e in episodes:
        item = sub(ch, "item")
        sub(item, "title", e.title)
        sub(item, "description", e.description)
        notes = f"<p>{html.escape(e.description)}</p>"
        if e.link:
            notes += f'<p><a href="{html.escape(e.link)}">Read the article</a></p>'
        sub(item, f"{{{NS_CONTENT}}}encoded", notes)
        if e.link:
            sub(item, "link", e.link)
        permalink = bool(re.match(r"(?i)^https?://", e.guid))
        sub(item, "guid", e.guid, isPermaLink="true" if permalink else "false")
        sub(item, "pubDate", _rfc2822(e.pub_date))
        sub(
            item,
            "enclosure",
            url=_url(config, e.audio),
            length=str(e.audio_bytes),
            type="audio/mpeg",
        )
        sub(item, f"{it}title", e.title)
        sub(item, f"{it}duration", str(e.duration_s))
        sub(item, f"{it}episodeType", "full")
        sub(item, f"{pc}transcript", url=_url(config, e.transcript), type="text/vtt")
        if e.chapters:
            sub(
                item,
                f"{pc}chapters",
                url=_url(config, e.chapters),
                type="application/json+chapters",
            )
    data: bytes = etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def _rfc2822(when: datetime) -> str:
    return email.utils.format_datetime(when.astimezone(UTC), usegmt=True)


def _index_html(config: FeedConfig, episodes: list[_Episode], artwork: str) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(config.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(config.title)}</title>",
        f'<link rel="alternate" type="application/rss+xml" title="{esc(config.title)}" '
        f'href="{FEED_FILE}">',
        "</head>",
        "<body>",
        "<header>",
        f'<img src="{esc(artwork)}" alt="" width="200" height="200">',
        f"<h1>{esc(config.title)}</h1>",
        f"<p>{esc(config.description)}</p>",
        f'<p><a href="{FEED_FILE}">Subscribe (RSS)</a></p>',
        "</header>",
        "<main>",
    ]
    for e in episodes:
        day = e.pub_date.date().isoformat()
        parts += [
            "<article>",
            f"<h2>{esc(e.title)}</h2>",
            f'<p><time datetime="{day}">{day}</time> · {e.duration_s // 60}:'
            f"{e.duration_s % 60:02d}</p>",
            f"<p>{esc(e.description)}</p>",
            f'<audio controls preload="none" src="{esc(e.audio)}"></audio>',
            f'<p><a href="{esc(e.transcript)}">Transcript</a>'
            + (f' · <a href="{esc(e.link)}">Article</a>' if e.link else "")
            + "</p>",
            "</article>",
        ]
    parts += ["</main>", "</body>", "</html>", ""]
    return _clean_text("\n".join(parts))
