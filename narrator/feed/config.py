"""``feed.toml``: the show's metadata, read and checked before any work.

:func:`load_config` rejects anything Apple Podcasts or the Podcast Index would refuse and
names what to fix. The site's file names and :func:`_clean_text`, which every written field
goes through, live here too: the rest of the package builds on the config.
"""

from __future__ import annotations

import json
import re
import tomllib
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NarratorError

__all__ = [
    "APPLE_CATEGORIES",
    "EPISODES_DIR",
    "FEED_FILE",
    "INDEX_FILE",
    "LOCK_FILE",
    "STATE_FILE",
    "FeedConfig",
    "FeedConfigError",
    "load_config",
    "podcast_guid",
]

# narrator/data, beside this package.
_DATA = Path(__file__).resolve().parent.parent / "data"

# The Podcasting 2.0 spec fixes this namespace for podcast:guid (docs/tags/guid.md).
_PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

FEED_FILE = "feed.xml"
INDEX_FILE = "index.html"
STATE_FILE = ".feed-state.json"
LOCK_FILE = ".feed-lock"
EPISODES_DIR = "episodes"


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

    disclosure: bool = True
    """Say after the opening that the voice is synthetic, and store it in the MP3's tags
    (``TXXX:disclosure``); on by default, as listeners should not have to guess."""

    intro: bool = False
    """Open each episode with "<headline>, by <byline>, from <site>, <date>" instead of the
    bare headline."""

    max_wer: float | None = None
    """When set, each new episode is heard back by the offline recognizer (the ``verify``
    extra), its word error rate is kept in the state file, and an episode heard worse than
    this (0.05 for 5 %) is not published: its previous version, if any, stays."""

    @property
    def feed_url(self) -> str:
        """The URL ``feed.xml`` will be served from."""
        return self.base_url + FEED_FILE

    @property
    def site_link(self) -> str:
        """The channel's ``link``."""
        return self.link or self.base_url


_REQUIRED = ("title", "description", "author", "language", "category", "artwork", "base_url")
_OPTIONAL = (
    "subcategory",
    "explicit",
    "link",
    "locked",
    "owner",
    "disclosure",
    "intro",
    "max_wer",
)


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

    max_wer = data.get("max_wer")
    if max_wer is not None and (
        isinstance(max_wer, bool) or not isinstance(max_wer, int | float) or not 0 <= max_wer <= 1
    ):
        raise FeedConfigError(
            f"{path}: max_wer must be a word error rate from 0 to 1 (0.05 for 5 %), "
            f"not {max_wer!r}."
        )

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
        disclosure=flag("disclosure", True),
        intro=flag("intro", False),
        max_wer=None if max_wer is None else float(max_wer),
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


def _clean_text(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _NOT_XML.sub("", text)
