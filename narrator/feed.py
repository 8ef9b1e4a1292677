"""A publication's articles as a narrated podcast feed that passes the directories' checks.

:func:`load_config` reads ``feed.toml`` (show metadata) and rejects anything Apple Podcasts or
the Podcast Index would refuse, before any work. :func:`build_feed` turns a SOURCE (a folder of
articles, a file listing URLs, or the publication's own RSS/Atom feed) into a SITE_DIR ready to
serve from ``base_url``::

    SITE_DIR/
      feed.xml                      RSS 2.0 with itunes, content, atom and podcast namespaces
      index.html                    the episodes, each with an <audio> player
      cover-<hash>.<ext>            the artwork (hash in the name so apps refetch a new one)
      .feed-state.json              guid -> content hash, files, duration, pubDate
      .feed-lock                    held while a build runs (two at once would clash)
      episodes/<slug>-<hash>.mp3    one per article, from narrator.pipeline.narrate()
      episodes/<slug>-<hash>.vtt    WebVTT transcript
      episodes/<slug>-<hash>.chapters.json   Podcasting 2.0 chapters

Builds are incremental and safe to interrupt. An episode's hash covers everything that shapes
its audio (the spoken script, the voice, the tags), so an unchanged article is reused without
narrating or decoding it again, and an edited one gets new file names (a new enclosure URL, so
podcast apps fetch it) under the same guid. Audio is written before the feed that points to
it, ``feed.xml`` is replaced atomically, and files are removed only after the new feed no
longer names them. Nothing time-dependent is written, so a rebuild with no changes leaves
every file byte-identical.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import email.utils
import hashlib
import html
import json
import re
import tomllib
import unicodedata
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

from .encode import atomic_write
from .errors import AudioError, InputError, NarratorError, OutputError
from .models import Article, DocFormat, Document
from .timing import chapters_json, to_webvtt

if TYPE_CHECKING:  # the pipeline (numpy, engines) is imported when a build starts
    from .pipeline import NarrateOptions

__all__ = [
    "APPLE_CATEGORIES",
    "EpisodeResult",
    "FeedConfig",
    "FeedConfigError",
    "FeedResult",
    "ProgressFn",
    "SkippedArticle",
    "WarnFn",
    "build_feed",
    "load_config",
    "podcast_guid",
]

_DATA = Path(__file__).resolve().parent / "data"

NS_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_PODCAST = "https://podcastindex.org/namespace/1.0"
_NSMAP = {"itunes": NS_ITUNES, "content": NS_CONTENT, "atom": NS_ATOM, "podcast": NS_PODCAST}

# The Podcasting 2.0 spec fixes this namespace for podcast:guid (docs/tags/guid.md).
_PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

FEED_FILE = "feed.xml"
INDEX_FILE = "index.html"
STATE_FILE = ".feed-state.json"
LOCK_FILE = ".feed-lock"
EPISODES_DIR = "episodes"

_ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})

# NarrateOptions fields that never change an episode's audio (see _content_key).
_NOT_AUDIO_OPTIONS = frozenset({"cache", "cache_dir", "fetch", "jobs"})

# Bump when the meaning of the content hash changes, so old episodes are re-rendered once.
_KEY_VERSION = 1


def _load_categories() -> dict[str, tuple[str, ...]]:
    raw = json.loads((_DATA / "apple_categories.json").read_text(encoding="utf-8"))
    return {k: tuple(v) for k, v in raw.items() if not k.startswith("_")}


APPLE_CATEGORIES: dict[str, tuple[str, ...]] = _load_categories()
"""Apple Podcasts categories -> their subcategories (``narrator/data/apple_categories.json``)."""

# ISO 639-1 codes (from Debian's iso-codes, iso_639-2.json alpha_2). RSS 2.0 and Apple take a
# two-letter language, optionally with a region: "en", "en-us", "pt-BR".
_ISO_639_1 = frozenset(
    # One string keeps 184 codes on 7 lines; as a list literal they would take 184.
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "  # noqa: SIM905
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
    "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
    "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu".split()
)
_LANGUAGE = re.compile(r"^([A-Za-z]{2})(?:-([A-Za-z]{2}|\d{3}))?$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")

# Characters XML 1.0 cannot hold (C0 controls other than tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF); lxml refuses them, and a feed that contains them is not well-formed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class FeedConfigError(NarratorError):
    """``feed.toml`` is missing, unreadable, or holds a value the directories would refuse."""


# --- configuration -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedConfig:
    """A show's metadata, as read from ``feed.toml`` and checked."""

    title: str
    """The show's name."""

    description: str
    """What the show is about (channel ``description``)."""

    author: str
    """Shown as the show's author (``itunes:author``)."""

    owner_name: str
    """The owner's name (``itunes:owner``), for directories to contact; not shown to listeners."""

    owner_email: str
    """The owner's e-mail (``itunes:owner`` and ``podcast:locked owner=``)."""

    language: str
    """ISO 639-1 code, optionally with a region: ``en``, ``en-us``."""

    category: str
    """An Apple Podcasts category, e.g. ``News``."""

    artwork: Path
    """The square JPEG or PNG cover image; copied into SITE_DIR."""

    base_url: str
    """Where SITE_DIR will be served, always ending in ``/``."""

    subcategory: str | None = None
    """A subcategory of :attr:`category`, e.g. ``Tech News``."""

    explicit: bool = False
    """Whether the show contains explicit material (``itunes:explicit``)."""

    link: str | None = None
    """The publication's website; ``None`` uses :attr:`base_url`."""

    locked: bool = True
    """``podcast:locked``: ask hosting platforms not to import the feed without the owner."""

    @property
    def feed_url(self) -> str:
        """The URL ``feed.xml`` will be served from."""
        return self.base_url + FEED_FILE

    @property
    def site_link(self) -> str:
        """The channel's ``link``."""
        return self.link or self.base_url


_REQUIRED = ("title", "description", "author", "language", "category", "artwork", "base_url")
_OPTIONAL = ("subcategory", "explicit", "link", "locked", "owner")


def load_config(path: Path) -> FeedConfig:
    """Read and check ``feed.toml``; raise :class:`FeedConfigError` naming what to fix.

    Relative ``artwork`` paths are taken from the folder ``feed.toml`` is in.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FeedConfigError(f"{path}: no such file. Write the show's feed.toml first.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedConfigError(f"Cannot read {path}: {exc}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FeedConfigError(f"{path} is not valid TOML ({exc}). Fix the syntax.") from exc

    unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise FeedConfigError(
            f"{path}: unknown key {', '.join(map(repr, unknown))}. "
            f"Known keys: {', '.join(sorted((*_REQUIRED, *_OPTIONAL)))}."
        )

    def text(key: str, value: Any, where: str = "") -> str:
        name = f"{where}{key}"
        if value is None or (isinstance(value, str) and not value.strip()):
            raise FeedConfigError(f'{path}: {name} is missing. Add {name} = "..." to it.')
        if not isinstance(value, str):
            raise FeedConfigError(f"{path}: {name} must be a string, not {value!r}.")
        return _clean_text(value).strip()

    def flag(key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise FeedConfigError(f"{path}: {key} must be true or false, not {value!r}.")
        return value

    title = text("title", data.get("title"))
    description = text("description", data.get("description"))
    author = text("author", data.get("author"))

    owner = data.get("owner")
    if not isinstance(owner, dict):
        raise FeedConfigError(
            f"{path}: the [owner] table is missing. Add [owner] with name and email: "
            f"directories send ownership checks to that address."
        )
    unknown = sorted(set(owner) - {"name", "email"})
    if unknown:
        raise FeedConfigError(
            f"{path}: unknown key {', '.join(repr('owner.' + k) for k in unknown)}. "
            f"The [owner] table holds name and email."
        )
    owner_name = text("name", owner.get("name"), "owner.")
    owner_email = text("email", owner.get("email"), "owner.")
    if not _EMAIL.match(owner_email):
        raise FeedConfigError(f"{path}: owner.email {owner_email!r} is not an e-mail address.")

    language = text("language", data.get("language"))
    match = _LANGUAGE.match(language)
    if not match or match.group(1).lower() not in _ISO_639_1:
        raise FeedConfigError(
            f"{path}: language {language!r} is not a language code. Use an ISO 639-1 code, "
            f'optionally with a region, such as "en" or "en-us".'
        )

    category = text("category", data.get("category"))
    if category not in APPLE_CATEGORIES:
        raise FeedConfigError(
            f"{path}: category {category!r} is not an Apple Podcasts category. "
            f"Use one of: {', '.join(APPLE_CATEGORIES)}."
        )
    subcategory = data.get("subcategory")
    if subcategory is not None:
        subcategory = text("subcategory", subcategory)
        if subcategory not in APPLE_CATEGORIES[category]:
            allowed = ", ".join(APPLE_CATEGORIES[category]) or "none"
            raise FeedConfigError(
                f"{path}: subcategory {subcategory!r} is not in Apple's {category!r} category. "
                f"Its subcategories are: {allowed}."
            )

    base_url = _check_url(path, "base_url", text("base_url", data.get("base_url")))
    if not base_url.endswith("/"):
        base_url += "/"
    link = data.get("link")
    if link is not None:
        link = _check_url(path, "link", text("link", link))

    artwork = Path(text("artwork", data.get("artwork"))).expanduser()
    if not artwork.is_absolute():
        artwork = path.parent / artwork
    _check_artwork(path, artwork)

    return FeedConfig(
        title=title,
        description=description,
        author=author,
        owner_name=owner_name,
        owner_email=owner_email,
        language=language,
        category=category,
        subcategory=subcategory,
        explicit=flag("explicit", False),
        artwork=artwork,
        base_url=base_url,
        link=link,
        locked=flag("locked", True),
    )


def _check_url(path: Path, key: str, value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FeedConfigError(
            f"{path}: {key} {value!r} is not an http(s) URL. Give the full address the site "
            f'will be served from, such as "https://example.com/podcast/".'
        )
    if parts.query or parts.fragment:
        raise FeedConfigError(f"{path}: {key} {value!r} must not have a query or a fragment.")
    return value


def _check_artwork(path: Path, artwork: Path) -> None:
    try:
        head = artwork.open("rb").read(8)
    except OSError as exc:
        raise FeedConfigError(
            f"{path}: artwork {artwork} cannot be read ({exc.strerror or exc}). Give the path "
            f"of a square JPEG or PNG image, relative to feed.toml."
        ) from exc
    if _image_suffix(head) is None:
        raise FeedConfigError(
            f"{path}: artwork {artwork} is not a JPEG or PNG image, which Apple Podcasts requires."
        )


def _image_suffix(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    return None


def podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 ``podcast:guid``: UUIDv5 of the feed URL minus scheme and end slashes."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(_PODCAST_GUID_NAMESPACE, bare))


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EpisodeResult:
    """What the build did with one episode."""

    guid: str
    """The item's guid."""

    title: str
    """The episode title."""

    audio: Path
    """The MP3 in SITE_DIR."""

    status: str
    """``new``, ``updated`` (re-narrated after an edit), ``unchanged`` (reused as is), or
    ``kept`` (the article failed this time; the previous episode stays in the feed)."""

    rendered: int = 0
    """Chunks the engine rendered for this episode in this build (0 when reused)."""

    cached: int = 0
    """Chunks taken from the clip cache in this build."""


@dataclass(frozen=True)
class SkippedArticle:
    """An article that could not be narrated in this build."""

    source: str
    """The file, URL or feed item, as the user would recognise it."""

    reason: str
    """The error's message."""

    kept_previous: bool = False
    """True when an earlier version of the episode stays in the feed."""


@dataclass(frozen=True)
class FeedResult:
    """The outcome of :func:`build_feed`."""

    feed: Path
    """The written ``feed.xml``."""

    episodes: tuple[EpisodeResult, ...]
    """Every episode in the feed, newest first."""

    skipped: tuple[SkippedArticle, ...] = ()
    """Articles left out (or kept at their previous version) because they failed."""

    removed: tuple[str, ...] = ()
    """Files removed from SITE_DIR because the feed no longer points to them."""

    @property
    def built(self) -> int:
        """Episodes narrated in this build (new or updated)."""
        return sum(e.status in ("new", "updated") for e in self.episodes)

    @property
    def unchanged(self) -> int:
        """Episodes reused without narrating."""
        return sum(e.status in ("unchanged", "kept") for e in self.episodes)

    @property
    def rendered(self) -> int:
        """Chunks the engine rendered across the build: 0 when nothing changed."""
        return sum(e.rendered for e in self.episodes)


ProgressFn = Callable[[int, int, str], None]
"""Called as ``progress(number, total, title)`` before each episode is narrated or reused."""

WarnFn = Callable[[str], None]
"""Called with one full-sentence message for each article that is skipped."""


# --- sources -----------------------------------------------------------------------------


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
    from .ingest import fetch_url, is_url
    from .pipeline import load_article

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
    from .pipeline import load_article

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
    from .pipeline import load_article

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


# --- episodes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Episode:
    """One episode as the feed, the index and the state file describe it."""

    guid: str
    key: str
    title: str
    description: str
    link: str | None
    pub_date: datetime
    audio: str
    transcript: str
    chapters: str | None
    audio_bytes: int
    duration_s: int

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["pub_date"] = self.pub_date.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Episode:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["pub_date"] = datetime.fromisoformat(values["pub_date"])
        return cls(**values)


def _slug(text: str, limit: int = 50) -> str:
    """An ASCII file-name slug: accents folded, everything else a hyphen."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:limit].rstrip("-")
    return slug or "episode"


def _clean_text(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _NOT_XML.sub("", text)


def _summary(article: Article, limit: int = 400) -> str:
    """The article's description, or the start of its first paragraph."""
    text = article.description
    if not text:
        text = next(
            (b.text for b in article.blocks_for() if b.kind.value == "paragraph"),
            article.title or "",
        )
    text = " ".join(_clean_text(text).split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def _content_key(article: Article, options: NarrateOptions) -> str:
    """A hash of everything that shapes the episode's files.

    The spoken script (after segmentation, normalization and the lexicons), the voice's
    identity and pauses, the options that change what is read, and the fields that end up
    in the MP3's tags. Computing it costs no synthesis, so unchanged articles are recognised
    without narrating them.
    """
    from .engines import engine_class
    from .pipeline import make_script, resolve_voice

    profile = resolve_voice(options)
    script = make_script(article, options)
    material = {
        "v": _KEY_VERSION,
        "voice": engine_class(profile.engine).identity(profile),
        "profile": profile.name,
        "pauses": dataclasses.asdict(profile.pauses),
        # Every option, so one added later (loudness was) re-renders when it changes,
        # except those that cannot change the audio: the cache, fetching, parallelism.
        "options": {
            f.name: _stable(getattr(options, f.name))
            for f in dataclasses.fields(options)
            if f.name not in _NOT_AUDIO_OPTIONS
        },
        "sentences": [
            [s.text, s.spoken, s.kind.value, s.pause_after.value] for s in script.sentences
        ],
        "tags": [
            article.title,
            article.byline,
            article.site_name,
            article.date,
            article.url or article.source,
        ],
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def _stable(value: Any) -> Any:
    """``value`` as JSON that is the same in every run (sets sorted, paths as text)."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _decoded_seconds(path: Path) -> float:
    """The MP3's length, decoded by ffmpeg (not estimated from headers)."""
    try:
        from pydub import AudioSegment

        segment = AudioSegment.from_file(str(path), format="mp3")
    except Exception as exc:  # pydub raises CouldntDecodeError or OSError when ffmpeg fails
        raise AudioError(f"Could not decode {path} to measure it: {exc}") from exc
    return float(segment.frame_count()) / float(segment.frame_rate)


# --- the build ---------------------------------------------------------------------------


def build_feed(
    source: Path | str,
    config: FeedConfig,
    out_dir: Path,
    *,
    options: NarrateOptions | None = None,
    progress: ProgressFn | None = None,
    warn: WarnFn | None = None,
) -> FeedResult:
    """Narrate every article in ``source`` into a podcast site in ``out_dir``.

    ``source`` is a folder of articles (.txt, .md, .html), a file of URLs (one per line), an
    RSS/Atom feed file, or an http(s) feed URL. Articles that fail are skipped with a
    warning (passed to ``warn`` and returned in :attr:`FeedResult.skipped`); an episode that
    was built before stays at its previous version. Raises :class:`NarratorError` when the
    source cannot be read at all or ``out_dir`` cannot be written.
    """
    from .pipeline import NarrateOptions

    options = options or NarrateOptions()
    if options.format not in (None, "mp3"):
        raise OutputError(
            f"Podcast episodes are MP3, so the output format cannot be {options.format!r}; "
            f"leave it unset."
        )
    options = dataclasses.replace(options, format="mp3")
    out_dir = Path(out_dir)
    _prepare_out_dir(out_dir)
    episodes_dir = out_dir / EPISODES_DIR
    episodes_dir.mkdir(exist_ok=True)

    with _site_lock(out_dir):
        return _build(source, config, out_dir, options, progress, warn)


def _build(
    source: Path | str,
    config: FeedConfig,
    out_dir: Path,
    options: NarrateOptions,
    progress: ProgressFn | None,
    warn: WarnFn | None,
) -> FeedResult:
    previous = _read_state(out_dir)
    entries = _entries(source, options, out_dir.resolve())

    artwork = _publish_artwork(config, out_dir)
    done: dict[str, _Episode] = {}
    results: list[EpisodeResult] = []
    skipped: list[SkippedArticle] = []

    for number, entry in enumerate(entries, 1):
        old = previous.get(entry.guid)
        try:
            episode, result = _episode(entry, old, out_dir, options, number, len(entries), progress)
        except NarratorError as exc:
            kept = old is not None and _files_intact(out_dir, old)
            skipped.append(SkippedArticle(entry.label, str(exc), kept))
            if warn is not None:
                warn(
                    f"{entry.label} failed ({exc}); its previous episode stays in the feed."
                    if kept
                    else f"Skipped {entry.label}: {exc}"
                )
            if old is None or not kept:
                continue
            episode = old
            result = EpisodeResult(old.guid, old.title, out_dir / old.audio, "kept")
        done[entry.guid] = episode
        results.append(result)
        if result.status in ("new", "updated"):
            # Saved after each narration so an interrupted build resumes from here: the
            # new files are recorded, and the old ones stay until the feed moves on.
            _write_state(out_dir, {**previous, **done}, artwork)

    ordered = sorted(done.values(), key=lambda e: (-e.pub_date.timestamp(), e.guid))
    order = {e.guid: i for i, e in enumerate(ordered)}
    results.sort(key=lambda r: order[r.guid])

    # The audio, transcripts and artwork exist by now; the feed that points to them comes
    # next, and only then are the files it no longer names removed.
    _write_if_changed(out_dir / INDEX_FILE, _index_html(config, ordered, artwork).encode())
    feed_path = out_dir / FEED_FILE
    _write_if_changed(feed_path, _feed_xml(config, ordered, artwork))
    _write_state(out_dir, {e.guid: e for e in ordered}, artwork)
    removed = _remove_unreferenced(out_dir, ordered, artwork)
    return FeedResult(feed_path, tuple(results), tuple(skipped), removed)


def _episode(
    entry: _Entry,
    old: _Episode | None,
    out_dir: Path,
    options: NarrateOptions,
    number: int,
    total: int,
    progress: ProgressFn | None,
) -> tuple[_Episode, EpisodeResult]:
    """Read one article and reuse its episode when nothing changed, else narrate it anew."""
    from .pipeline import narrate

    article = entry.load()
    article = dataclasses.replace(
        article,
        title=entry.title or article.title or _title_from(entry),
        # The guid (relative path or URL) replaces a local absolute path in the MP3's
        # source tag, so moving SOURCE does not change the audio.
        source=entry.guid,
        url=article.url or entry.link,
    )
    digest = hashlib.sha256(f"{entry.guid}\x00{_content_key(article, options)}".encode())
    key = digest.hexdigest()
    title = _clean_text(article.title or entry.guid).strip()
    if progress is not None:
        progress(number, total, title)
    pub_date = (
        entry.date
        or _parse_date(article.date)
        # Without a date, the first time the article was seen stays its date for good.
        or (old.pub_date if old is not None else None)
        or datetime.fromtimestamp(entry.mtime or _now(), UTC).replace(microsecond=0)
    )
    description = _summary(article)
    link = _http_or_none(article.url or entry.link)

    if old is not None and old.key == key and _files_intact(out_dir, old):
        episode = dataclasses.replace(
            old, title=title, description=description, link=link, pub_date=pub_date
        )
        return episode, EpisodeResult(entry.guid, title, out_dir / old.audio, "unchanged")

    # A new name for new content: podcast apps treat a known enclosure URL as already
    # downloaded, and the old file must stay until the new feed no longer points to it.
    stem = f"{_slug(title)}-{key[:10]}"
    audio = f"{EPISODES_DIR}/{stem}.mp3"
    narration = narrate(article, out_dir / audio, options=options)
    transcript = f"{EPISODES_DIR}/{stem}.vtt"
    _write_if_changed(out_dir / transcript, to_webvtt(narration.cues).encode())
    chapters: str | None = None
    if narration.chapters:
        chapters = f"{EPISODES_DIR}/{stem}.chapters.json"
        text = chapters_json(narration.chapters, title=title)
        _write_if_changed(out_dir / chapters, text.encode())
    episode = _Episode(
        guid=entry.guid,
        key=key,
        title=title,
        description=description,
        link=link,
        pub_date=pub_date,
        audio=audio,
        transcript=transcript,
        chapters=chapters,
        audio_bytes=(out_dir / audio).stat().st_size,
        duration_s=round(_decoded_seconds(out_dir / audio)),
    )
    status = "updated" if old is not None else "new"
    result = EpisodeResult(
        entry.guid, title, out_dir / audio, status, narration.rendered, narration.cached
    )
    return episode, result


def _now() -> float:
    return datetime.now(UTC).timestamp()


def _title_from(entry: _Entry) -> str:
    name = PurePosixPath(entry.guid).stem if not entry.link else entry.guid
    return name.replace("-", " ").replace("_", " ").strip() or entry.guid


def _http_or_none(url: str | None) -> str | None:
    return url if url and re.match(r"(?i)^https?://", url) else None


def _prepare_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file. Give a folder for the podcast site.")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the site folder {out_dir}: {exc.strerror}.") from exc


@contextlib.contextmanager
def _site_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on SITE_DIR for the build.

    Two builds at once would each delete the files the other's feed points to.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no flock; builds there are unlocked
        yield
        return
    with (out_dir / LOCK_FILE).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise OutputError(
                f"Another feed build is writing to {out_dir}. Wait for it to finish, then "
                f"run this one again."
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _files_intact(out_dir: Path, episode: _Episode) -> bool:
    audio = out_dir / episode.audio
    names = [episode.transcript] + ([episode.chapters] if episode.chapters else [])
    return (
        audio.is_file()
        and audio.stat().st_size == episode.audio_bytes
        and all((out_dir / n).is_file() for n in names)
    )


def _write_if_changed(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically, unless it already holds exactly ``data``.

    Leaving an identical file alone keeps its modification time, so web servers and
    podcast apps that revalidate with If-Modified-Since see nothing new.
    """
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    atomic_write(path, write)


def _publish_artwork(config: FeedConfig, out_dir: Path) -> str:
    try:
        data = config.artwork.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read the artwork {config.artwork}: {exc.strerror}.") from exc
    suffix = _image_suffix(data[:8]) or config.artwork.suffix.lower()
    name = f"cover-{hashlib.sha256(data).hexdigest()[:10]}{suffix}"
    _write_if_changed(out_dir / name, data)
    return name


def _read_state(out_dir: Path) -> dict[str, _Episode]:
    """The episodes the last build recorded, by guid."""
    try:
        raw = json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
        return {g: _Episode.from_json(e) for g, e in raw["episodes"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        # A damaged state file only costs narrating again: the clip cache makes that
        # quick, and the same content gets the same file names.
        return {}


def _write_state(out_dir: Path, episodes: dict[str, _Episode], artwork: str) -> None:
    data = {
        "version": 1,
        "artwork": artwork,
        "episodes": {g: episodes[g].to_json() for g in sorted(episodes)},
    }
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _write_if_changed(out_dir / STATE_FILE, text.encode())


def _remove_unreferenced(out_dir: Path, episodes: list[_Episode], artwork: str) -> tuple[str, ...]:
    keep = {artwork}
    for e in episodes:
        keep.update(n for n in (e.audio, e.transcript, e.chapters) if n)
    removed = []
    # episodes/ belongs to the builder: anything there the feed does not name is an old
    # version, a removed article, or a temporary file left by an interrupted build.
    candidates: Iterator[Path] = (out_dir / EPISODES_DIR).iterdir()
    covers = (
        p for p in out_dir.glob("cover-*") if re.fullmatch(r"cover-[0-9a-f]{10}\.\w+", p.name)
    )
    for path in [*candidates, *covers]:
        rel = path.relative_to(out_dir).as_posix()
        if rel in keep or not path.is_file():
            continue
        try:
            path.unlink()
        except OSError:
            continue  # left for the next build; the feed no longer points to it
        removed.append(rel)
    return tuple(sorted(removed))


# --- the feed and the index --------------------------------------------------------------


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
