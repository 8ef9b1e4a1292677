"""``feed.toml``: the show's metadata, read and checked before any work.

:func:`load_config` rejects anything Apple Podcasts or the Podcast Index would refuse and
names what to fix. The site's file names and :func:`_clean_text`, which every written field
goes through, live here too: the rest of the package builds on the config.
"""

from __future__ import annotations

import json
import re
import struct
import tomllib
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NarratorError

__all__ = [
    "APPLE_CATEGORIES",
    "ARTWORK_MAX_PX",
    "ARTWORK_MIN_PX",
    "EPISODES_DIR",
    "FEED_FILE",
    "INDEX_FILE",
    "LEGACY_LOCK_FILE",
    "LEGACY_STATE_FILE",
    "LOCK_FILE",
    "STATE_DIR_NAME",
    "STATE_FILE",
    "WORK_DIR",
    "FeedConfig",
    "FeedConfigError",
    "ImageInfo",
    "artwork_problem",
    "config_template",
    "image_info",
    "init_config",
    "load_config",
    "podcast_guid",
]

# narrator/data, beside this package.
_DATA = Path(__file__).resolve().parent.parent / "data"

# The Podcasting 2.0 spec fixes this namespace for podcast:guid (docs/tags/guid.md).
_PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

FEED_FILE = "feed.xml"
INDEX_FILE = "index.html"
EPISODES_DIR = "episodes"

# The build's own files live in a state folder outside SITE_DIR (see build.default_state_dir).
STATE_DIR_NAME = ".narrator-feed-state"
STATE_FILE = "feed-state.json"
LOCK_FILE = "feed.lock"
WORK_DIR = "work"
# Where earlier builds kept them: inside SITE_DIR, published with it. Moved out on the next build.
LEGACY_STATE_FILE = ".feed-state.json"
LEGACY_LOCK_FILE = ".feed-lock"


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

# Apple Podcasts' artwork rules (podcasters.apple.com, "Artwork requirements").
ARTWORK_MIN_PX = 1400
ARTWORK_MAX_PX = 3000


_TEMPLATE = Path(__file__).resolve().parent / "feed.example.toml"


def config_template() -> str:
    """The commented ``feed.toml`` that ``narrator feed init`` writes (the repo's
    ``feed.example.toml`` is the same text)."""
    return _TEMPLATE.read_text(encoding="utf-8")


def init_config(path: Path, *, force: bool = False) -> Path:
    """Write the commented ``feed.toml`` template to ``path`` and return it.

    Refuses to replace an existing file unless ``force``: it may be a show's only copy of
    its settings.
    """
    from ..encode import atomic_write

    path = Path(path)
    if path.is_dir():
        path = path / "feed.toml"
    if path.exists() and not force:
        raise FeedConfigError(
            f"{path} already exists. Edit it, give another path, or pass --force to replace it."
        )
    text = config_template()
    try:
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise FeedConfigError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return path


def load_config(path: Path) -> FeedConfig:
    """Read and check ``feed.toml``; raise :class:`FeedConfigError` naming what to fix.

    Every missing or invalid field is reported in the one error, each with what to do, so a
    new show is fixed in one pass rather than one field per run. Relative ``artwork`` paths
    are taken from the folder ``feed.toml`` is in.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FeedConfigError(
            f"{path}: no such file. Write the show's feed.toml first: 'narrator feed init "
            f"{path}' writes one to fill in."
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedConfigError(f"{path}: cannot read it ({exc}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FeedConfigError(f"{path} is not valid TOML ({exc}). Fix the syntax.") from exc

    problems: list[str] = []

    unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        problems.append(
            f"unknown key {', '.join(map(repr, unknown))} (known keys: "
            f"{', '.join(sorted((*_REQUIRED, *_OPTIONAL)))})"
        )

    def text(key: str, value: Any, where: str = "") -> str | None:
        name = f"{where}{key}"
        setting = f'{key} = "..."' + (f" under [{where.rstrip('.')}]" if where else "")
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{name} is missing: set {setting}")
            return None
        if not isinstance(value, str):
            problems.append(f"{name} must be a string in quotes, not {value!r}: set {setting}")
            return None
        return _clean_text(value).strip()

    def flag(key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            problems.append(f"{key} must be true or false, not {value!r}")
            return default
        return value

    title = text("title", data.get("title"))
    description = text("description", data.get("description"))
    author = text("author", data.get("author"))

    owner_name = owner_email = None
    owner = data.get("owner")
    if not isinstance(owner, dict):
        problems.append(
            "the [owner] table is missing: add [owner] with name and email (directories send "
            "ownership checks to that address)"
        )
    else:
        unknown = sorted(set(owner) - {"name", "email"})
        if unknown:
            problems.append(
                f"unknown key {', '.join(repr('owner.' + k) for k in unknown)} (the [owner] "
                f"table holds name and email)"
            )
        owner_name = text("name", owner.get("name"), "owner.")
        owner_email = text("email", owner.get("email"), "owner.")
        if owner_email is not None and not _EMAIL.match(owner_email):
            problems.append(
                f"owner.email {owner_email!r} is not an e-mail address: give one that receives mail"
            )
            owner_email = None

    language = text("language", data.get("language"))
    if language is not None:
        match = _LANGUAGE.match(language)
        if not match or match.group(1).lower() not in _ISO_639_1:
            problems.append(
                f"language {language!r} is not a language code: use an ISO 639-1 code, "
                f'optionally with a region, such as "en" or "en-us"'
            )
            language = None

    category = text("category", data.get("category"))
    if category is not None and category not in APPLE_CATEGORIES:
        # Apple matches the spelling exactly; "news" for "News" is the usual slip.
        near = [c for c in APPLE_CATEGORIES if c.casefold() == category.casefold()]
        problems.append(
            f"category {category!r} is not an Apple Podcasts category: "
            + (f"write {near[0]!r}" if near else f"use one of {', '.join(APPLE_CATEGORIES)}")
        )
        category = None
    subcategory = data.get("subcategory")
    if subcategory is not None:
        subcategory = text("subcategory", subcategory)
        if (
            subcategory is not None
            and category is not None
            and subcategory not in APPLE_CATEGORIES[category]
        ):
            allowed = ", ".join(APPLE_CATEGORIES[category]) or "none"
            problems.append(
                f"subcategory {subcategory!r} is not in Apple's {category!r} category: "
                f"its subcategories are {allowed}"
            )
            subcategory = None

    base_url = text("base_url", data.get("base_url"))
    if base_url is not None:
        base_url = _check_url(problems, "base_url", base_url)
    if base_url is not None and not base_url.endswith("/"):
        base_url += "/"
    link = data.get("link")
    if link is not None:
        link = text("link", link)
        if link is not None:
            link = _check_url(problems, "link", link)

    artwork_name = text("artwork", data.get("artwork"))
    artwork: Path | None = None
    if artwork_name is not None:
        artwork = Path(artwork_name).expanduser()
        if not artwork.is_absolute():
            artwork = path.parent / artwork
        problem = artwork_problem(artwork)
        if problem:
            problems.append(problem)

    max_wer = data.get("max_wer")
    if max_wer is not None and (
        isinstance(max_wer, bool) or not isinstance(max_wer, int | float) or not 0 <= max_wer <= 1
    ):
        problems.append(
            f"max_wer must be a word error rate from 0 to 1 (0.05 for 5 %), not {max_wer!r}"
        )
        max_wer = None

    explicit = flag("explicit", False)
    locked = flag("locked", True)
    disclosure = flag("disclosure", True)
    intro = flag("intro", False)

    if problems:
        raise FeedConfigError(_problems_message(path, problems))
    # Every None above added a problem, so none is left once there are no problems.
    assert title and description and author and owner_name and owner_email
    assert language and category and base_url and artwork
    return FeedConfig(
        title=title,
        description=description,
        author=author,
        owner_name=owner_name,
        owner_email=owner_email,
        language=language,
        category=category,
        subcategory=subcategory,
        explicit=explicit,
        artwork=artwork,
        base_url=base_url,
        link=link,
        locked=locked,
        disclosure=disclosure,
        intro=intro,
        max_wer=None if max_wer is None else float(max_wer),
    )


def _problems_message(path: Path, problems: list[str]) -> str:
    # One line even for many problems: the CLI's errors are one line, and numbering keeps
    # nine missing fields readable.
    if len(problems) == 1:
        return f"{path}: {problems[0]}."
    listed = "; ".join(f"({n}) {p}" for n, p in enumerate(problems, 1))
    return f"{path} has {len(problems)} problems; fix them all, then build again: {listed}."


def _check_url(problems: list[str], key: str, value: str) -> str | None:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        problems.append(
            f"{key} {value!r} is not an http(s) URL: give the full address the site will be "
            f'served from, such as "https://example.com/podcast/"'
        )
        return None
    if parts.query or parts.fragment:
        problems.append(f"{key} {value!r} must not have a query or a fragment: remove them")
        return None
    return value


# --- artwork -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageInfo:
    """What an image file's header says about it."""

    format: str
    """``JPEG``, ``PNG``, ``GIF``, ``WebP``, ``BMP`` or ``TIFF``."""

    width: int | None = None
    """Width in pixels (``None`` when the header does not say, or is cut short)."""

    height: int | None = None
    """Height in pixels."""

    cmyk: bool = False
    """A JPEG with four colour components (CMYK or YCCK), which Apple refuses."""


# Magic numbers of the formats people most often try instead of JPEG and PNG.
_OTHER_FORMATS = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def image_info(data: bytes) -> ImageInfo | None:
    """The format and pixel size read from an image's header; ``None`` if not an image.

    Reads the PNG ``IHDR`` chunk or walks the JPEG markers to the frame header (SOFn), so
    no imaging library is needed.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return ImageInfo("PNG", width, height)
        return ImageInfo("PNG")
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg_info(data)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return ImageInfo("WebP")
    for magic, name in _OTHER_FORMATS:
        if data.startswith(magic):
            if name == "GIF" and len(data) >= 10:
                width, height = struct.unpack("<HH", data[6:10])
                return ImageInfo(name, width, height)
            return ImageInfo(name)
    return None


# SOF0-SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


def _jpeg_info(data: bytes) -> ImageInfo:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF:
            if at + 10 > len(data):
                break
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return ImageInfo("JPEG", width, height, cmyk=data[at + 9] == 4)
        if marker == 0xDA or length < 2:  # image data starts: no frame header came first
            break
        at += 2 + length
    return ImageInfo("JPEG")


def artwork_problem(artwork: Path) -> str | None:
    """What keeps ``artwork`` from Apple Podcasts (square JPEG or PNG, RGB, 1400 to 3000 px),
    as a clause with the measured size and what to do; ``None`` when it is fine."""
    try:
        with artwork.open("rb") as handle:
            # The frame header comes before the pixels; only metadata (EXIF, ICC) can push
            # it further in, and never by a megabyte in a real cover.
            data = handle.read(1 << 20)
    except OSError as exc:
        return (
            f"artwork {artwork} cannot be read ({exc.strerror or exc}): give the path of a "
            f"square JPEG or PNG image, relative to feed.toml"
        )
    info = image_info(data)
    needs = (
        f"Apple Podcasts needs a square JPEG or PNG from {ARTWORK_MIN_PX}x{ARTWORK_MIN_PX} to "
        f"{ARTWORK_MAX_PX}x{ARTWORK_MAX_PX} pixels"
    )
    if info is None:
        return f"artwork {artwork} is not a JPEG or PNG image: {needs}"
    size = f"{info.width}x{info.height} pixels" if info.width and info.height else None
    if info.format not in ("JPEG", "PNG"):
        measured = f" ({size})" if size else ""
        return f"artwork {artwork} is a {info.format} image{measured}: {needs}; save it as PNG"
    if size is None:
        return f"artwork {artwork}: its {info.format} header is damaged or cut short: {needs}"
    assert info.width is not None and info.height is not None  # size says so
    if info.width != info.height:
        return f"artwork {artwork} is {size}, not square: {needs}; crop it to a square"
    if not ARTWORK_MIN_PX <= info.width <= ARTWORK_MAX_PX:
        return (
            f"artwork {artwork} is {size}: {needs}; export it at {ARTWORK_MAX_PX}x"
            f"{ARTWORK_MAX_PX} (or at least {ARTWORK_MIN_PX}x{ARTWORK_MIN_PX})"
        )
    if info.cmyk:
        return f"artwork {artwork} is a CMYK JPEG ({size}): Apple Podcasts needs RGB; save as RGB"
    return None


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
