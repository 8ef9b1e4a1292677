"""The site's pages, written from the episodes: ``feed.xml`` (RSS 2.0 with the itunes,
content, atom and podcast namespaces, built with lxml), ``index.html`` and one read-along
page per episode.

Nothing here reads a clock or the disk, so the same episodes give the same bytes. The pages
are static and CSP-friendly: no inline script or style, only ``site.css`` and the web
player's ``narrator-player.js``/``.css``, which the build copies beside them.
"""

from __future__ import annotations

import email.utils
import html
import re
import urllib.parse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

from .config import FEED_FILE, INDEX_FILE, FeedConfig, _clean_text, podcast_guid

if TYPE_CHECKING:  # build.py imports this module to write the pages
    from .build import _Episode

__all__ = [
    "NS_ATOM",
    "NS_CONTENT",
    "NS_ITUNES",
    "NS_PODCAST",
    "PLAYER_CSS",
    "PLAYER_JS",
    "SITE_CSS",
]

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


SITE_CSS = "site.css"
PLAYER_JS = "narrator-player.js"
PLAYER_CSS = "narrator-player.css"


def _head(config: FeedConfig, title: str, root: str, artwork: str, description: str) -> list[str]:
    """The ``<head>`` both kinds of page share; ``root`` leads from the page to SITE_DIR."""
    esc = html.escape
    return [
        "<!DOCTYPE html>",
        f'<html lang="{esc(config.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>{esc(title)}</title>",
        f'<meta name="description" content="{esc(description)}">',
        f'<meta property="og:site_name" content="{esc(config.title)}">',
        f'<meta property="og:title" content="{esc(title)}">',
        f'<meta property="og:image" content="{esc(_url(config, artwork))}">',
        f'<link rel="stylesheet" href="{root}{SITE_CSS}">',
        f'<link rel="icon" href="{root}{esc(artwork)}">',
        f'<link rel="alternate" type="application/rss+xml" title="{esc(config.title)}" '
        f'href="{root}{FEED_FILE}">',
    ]


def _length(seconds: int) -> tuple[str, str]:
    """``("4:05", "4 minutes 5 seconds")``: the clock and its words for screen readers."""
    minutes, rest = divmod(seconds, 60)
    words = [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else []
    if rest or not words:
        words.append(f"{rest} second{'s' if rest != 1 else ''}")
    return f"{minutes}:{rest:02d}", " ".join(words)


def _meta_line(e: _Episode) -> str:
    day = e.pub_date.date().isoformat()
    clock, words = _length(e.duration_s)
    return (
        f'<p class="meta"><time datetime="{day}">{day}</time> · '
        f'<span aria-label="{words}">{clock}</span></p>'
    )


def _index_html(config: FeedConfig, episodes: list[_Episode], artwork: str) -> str:
    esc = html.escape
    parts = _head(config, config.title, "", artwork, config.description)
    parts += [
        "</head>",
        '<body class="index">',
        '<header class="show">',
        f'<img class="cover" src="{esc(artwork)}" alt="" width="160" height="160">',
        '<div class="show-text">',
        f"<h1>{esc(config.title)}</h1>",
        f'<p class="byline">{esc(config.author)}</p>',
        f"<p>{esc(config.description)}</p>",
        f'<p class="subscribe"><a class="button" href="{FEED_FILE}">Subscribe (RSS)</a> '
        f'<span class="hint">or add <code>{esc(config.feed_url)}</code> to your podcast '
        f"app</span></p>",
        "</div>",
        "</header>",
        "<main>",
        "<h2>Episodes</h2>",
    ]
    if not episodes:
        parts.append('<p class="empty">No episodes yet.</p>')
    else:
        parts.append('<ol class="episodes">')
    for e in episodes:
        parts += [
            '<li class="episode">',
            f'<h3><a href="{esc(e.page)}">{esc(e.title)}</a></h3>',
            _meta_line(e),
            f"<p>{esc(e.description)}</p>",
            f'<audio controls preload="none" src="{esc(e.audio)}" '
            f'aria-label="Listen: {esc(e.title)}"></audio>',
            f'<p class="links"><a href="{esc(e.page)}">Read along<span class="visually-hidden">'
            f": {esc(e.title)}</span></a>"
            + (
                f' · <a href="{esc(e.link)}">Original article<span class="visually-hidden">'
                f": {esc(e.title)}</span></a>"
                if e.link
                else ""
            )
            + "</p>",
            "</li>",
        ]
    if episodes:
        parts.append("</ol>")
    parts += ["</main>", "</body>", "</html>", ""]
    return _clean_text("\n".join(parts))


def _episode_html(config: FeedConfig, e: _Episode, artwork: str) -> str:
    """The read-along page: the static-mode player over the transcript, as written."""
    esc = html.escape
    name = e.audio.rsplit("/", 1)[-1]
    stem = name.removesuffix(".mp3")
    root = "../" * e.audio.count("/")
    parts = _head(config, f"{e.title} · {config.title}", root, artwork, e.description)
    parts += [
        f'<script src="{root}{PLAYER_JS}" defer></script>',
        "</head>",
        '<body class="episode-page">',
        '<header class="site">',
        f'<a href="{root}{INDEX_FILE}"><img src="{root}{esc(artwork)}" alt="" width="48" '
        f'height="48"><span>{esc(config.title)}</span></a>',
        "</header>",
        "<main>",
        '<div class="player">',
        # The <audio> inside is what readers get when the script does not run: the player
        # replaces it with its own controls (its shadow DOM has no slot).
        f'<narrator-player audio="{esc(name)}" timings="{esc(stem)}.timings.json" '
        f'article="#transcript" headline="{esc(e.title)}" site="{esc(config.title)}" '
        f'artwork="{root}{esc(artwork)}">',
        f'<audio controls preload="none" src="{esc(name)}" aria-label="Listen: '
        f'{esc(e.title)}"></audio>',
        "</narrator-player>",
        "</div>",
        '<article id="transcript">',
    ]
    blocks = list(e.blocks)
    if blocks and blocks[0] == ("title", (e.title,)):
        blocks.pop(0)
    # The headline is the page's <h1> either way; an intro that replaced it as the first
    # sentence ("<headline>, by ...") follows as a paragraph, so it can be highlighted too.
    parts += [f"<h1>{esc(e.title)}</h1>", _meta_line(e)]
    in_list = False
    for kind, sentences in blocks:
        text = esc(" ".join(sentences))
        if in_list and kind != "list_item":
            parts.append("</ul>")
            in_list = False
        if kind == "list_item":
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li>{text}</li>")
        elif kind == "heading":
            parts.append(f"<h2>{text}</h2>")
        elif kind == "quote":
            parts.append(f"<blockquote><p>{text}</p></blockquote>")
        elif kind in ("note", "caption"):
            parts.append(f'<p class="{kind}">{text}</p>')
        else:
            parts.append(f"<p>{text}</p>")
    if in_list:
        parts.append("</ul>")
    parts += [
        "</article>",
        '<nav class="episode-links" aria-label="This episode">',
        "<ul>",
        f'<li><a href="{esc(name)}" download>Download the MP3</a></li>',
        f'<li><a href="{esc(stem)}.vtt">Subtitles (WebVTT)</a></li>',
    ]
    if e.link:
        parts.append(f'<li><a href="{esc(e.link)}">The original article</a></li>')
    parts += [
        f'<li><a href="{root}{INDEX_FILE}">All episodes</a></li>',
        f'<li><a href="{root}{FEED_FILE}">Subscribe (RSS)</a></li>',
        "</ul>",
        "</nav>",
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return _clean_text("\n".join(parts))
