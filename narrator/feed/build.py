"""The build: each entry narrated (or reused) into an episode, the state folder that remembers
them (state file, lock, work files: kept out of SITE_DIR, which is published as it is), the
artwork and the site's pages, and removing the files the new feed no longer names.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..encode import atomic_write
from ..errors import AudioError, InputError, NarratorError, OutputError, VerifyError
from ..models import Article, Narration
from ..segment import EXTRA_BLOCK, TITLE_BLOCK
from ..timing import chapters_json, timings_json, to_webvtt
from .config import (
    EPISODES_DIR,
    FEED_FILE,
    INDEX_FILE,
    LEGACY_LOCK_FILE,
    LEGACY_STATE_FILE,
    LOCK_FILE,
    STATE_DIR_NAME,
    STATE_FILE,
    WORK_DIR,
    FeedConfig,
    _clean_text,
    _image_suffix,
)
from .render import PLAYER_CSS, PLAYER_JS, SITE_CSS, _episode_html, _feed_xml, _index_html
from .sources import _entries, _Entry, _parse_date

if TYPE_CHECKING:  # the pipeline (numpy, engines) is imported when a build starts
    from ..models import Script
    from ..pipeline import NarrateOptions

__all__ = [
    "AllArticlesFailedError",
    "EpisodeResult",
    "FeedResult",
    "ProgressFn",
    "SkippedArticle",
    "WarnFn",
    "build_feed",
    "default_state_dir",
]

# NarrateOptions fields that never change an episode's audio (see _content_key).
_NOT_AUDIO_OPTIONS = frozenset({"cache", "cache_dir", "fetch", "jobs"})

# Bump when the meaning of the content hash changes, so old episodes are re-rendered once.
# (2: the hash took in narrator's version.)
_KEY_VERSION = 2


# --- results -----------------------------------------------------------------------------


class AllArticlesFailedError(InputError):
    """Every article SOURCE names failed, so the build published nothing."""

    def __init__(self, message: str, skipped: tuple[SkippedArticle, ...]) -> None:
        super().__init__(message)
        self.skipped = skipped
        """Each article and why it failed (each was also passed to ``warn``)."""


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
    wer: float | None = None
    blocks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The transcript for the read-along page: (kind, sentences as written) per block. Empty
    in a state written before pages existed, which makes the episode be made again."""

    @property
    def timings(self) -> str:
        """The timings JSON the read-along page's player reads."""
        return self.audio.removesuffix(".mp3") + ".timings.json"

    @property
    def page(self) -> str:
        """The episode's read-along page."""
        return self.audio.removesuffix(".mp3") + ".html"

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["pub_date"] = self.pub_date.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Episode:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["pub_date"] = datetime.fromisoformat(values["pub_date"])
        values["blocks"] = tuple(
            (str(kind), tuple(map(str, sentences))) for kind, sentences in values.get("blocks", ())
        )
        return cls(**values)


def _transcript_blocks(script: Script) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The spoken sentences as written, grouped by the block they came from.

    The headline is ``title`` and the disclosure or closing line ``note``; the rest keep
    their block kind. These are exactly the cues' texts, so the player finds every one.
    """
    blocks: list[tuple[str, list[str]]] = []
    last: int | None = None
    for sentence in script.sentences:
        if sentence.block != last or sentence.block == EXTRA_BLOCK:
            if sentence.block == TITLE_BLOCK:
                kind = "title"
            elif sentence.block == EXTRA_BLOCK:
                kind = "note"
            else:
                kind = sentence.kind.value
            blocks.append((kind, []))
            last = sentence.block
        blocks[-1][1].append(sentence.text)
    return tuple((kind, tuple(texts)) for kind, texts in blocks)


def _slug(text: str, limit: int = 50) -> str:
    """An ASCII file-name slug: accents folded, everything else a hyphen."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:limit].rstrip("-")
    return slug or "episode"


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
    identity and pauses, the options that change what is read, the fields that end up in
    the MP3's tags, and narrator's version. Computing it costs no synthesis, so unchanged
    articles are recognised without narrating them.
    """
    from .. import __version__ as narrator_version
    from ..engines import engine_class
    from ..pipeline import make_script, resolve_voice

    profile = resolve_voice(options)
    script = make_script(article, options)
    material = {
        "v": _KEY_VERSION,
        # An upgrade can change how the same script sounds (engine handling, mastering,
        # encoding), so a new narrator re-renders every episode once.
        "narrator": narrator_version,
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
    state_dir: Path | None = None,
) -> FeedResult:
    """Narrate every article in ``source`` into a podcast site in ``out_dir``.

    ``source`` is a folder of articles (.txt, .md, .html), a file of URLs (one per line), an
    RSS/Atom feed file, or an http(s) feed URL. Articles that fail are skipped with a
    warning (passed to ``warn`` and returned in :attr:`FeedResult.skipped`); an episode that
    was built before stays at its previous version. When every article fails,
    :class:`AllArticlesFailedError` is raised and the site is left as it was. Raises
    :class:`NarratorError` when the source cannot be read at all or ``out_dir`` cannot be
    written.

    ``out_dir`` receives only what a web server should serve. The build's own files (the
    state, the lock, audio being rendered) go to ``state_dir``, by default
    :func:`default_state_dir`; a state file left inside ``out_dir`` by an older narrator is
    moved there.
    """
    from ..pipeline import DISCLOSURE, NarrateOptions

    options = options or NarrateOptions()
    if options.format not in (None, "mp3"):
        raise OutputError(
            f"Podcast episodes are MP3, so the output format cannot be {options.format!r}; "
            f"leave it unset."
        )
    options = dataclasses.replace(options, format="mp3")
    # The podcast profile: the synthetic voice is disclosed unless feed.toml says
    # disclosure = false. Options the caller set win (a disclosure of their own wording,
    # or "" for none), so only the defaults are filled in.
    if config.disclosure and options.disclosure is None:
        options = dataclasses.replace(options, disclosure=DISCLOSURE)
    if config.intro and not options.intro:
        options = dataclasses.replace(options, intro=True)
    out_dir = Path(out_dir)
    fresh = not out_dir.exists()
    _prepare_out_dir(out_dir)
    state = Path(state_dir) if state_dir is not None else default_state_dir(out_dir)
    _prepare_state_dir(state, out_dir)
    episodes_dir = out_dir / EPISODES_DIR
    episodes_dir.mkdir(exist_ok=True)

    with _site_lock(state, out_dir):
        _migrate_state(out_dir, state)
        _clear_work(state)
        try:
            return _build(source, config, out_dir, state, options, progress, warn)
        except AllArticlesFailedError:
            if fresh:  # "left as it was": not even the empty folders this build made
                for folder in (episodes_dir, out_dir):
                    with contextlib.suppress(OSError):
                        folder.rmdir()
            raise


def default_state_dir(out_dir: Path) -> Path:
    """Where a site's build state lives unless told: ``.narrator-feed-state/<name>`` beside
    SITE_DIR (``site/`` -> ``.narrator-feed-state/site/``).

    Beside, not inside: everything in SITE_DIR gets published. Not in the cache: clearing the
    cache must not make a show forget its episodes' dates. On the same file system as
    SITE_DIR, as a rule, so finished audio moves into place without a copy.
    """
    resolved = Path(out_dir).resolve()
    if resolved.parent == resolved:
        raise OutputError(
            f"{out_dir} is the file system's root, so there is no folder beside it for the "
            f"build's state. Give one with --state-dir."
        )
    return resolved.parent / STATE_DIR_NAME / resolved.name


def _build(
    source: Path | str,
    config: FeedConfig,
    out_dir: Path,
    state_dir: Path,
    options: NarrateOptions,
    progress: ProgressFn | None,
    warn: WarnFn | None,
) -> FeedResult:
    previous = _read_state(state_dir)
    entries = _entries(source, options, out_dir.resolve())

    artwork, artwork_data = _artwork(config)
    done: dict[str, _Episode] = {}
    results: list[EpisodeResult] = []
    skipped: list[SkippedArticle] = []

    for number, entry in enumerate(entries, 1):
        old = previous.get(entry.guid)
        try:
            episode, result = _episode(
                entry,
                old,
                out_dir,
                state_dir,
                options,
                number,
                len(entries),
                progress,
                config.max_wer,
            )
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
            _write_state(state_dir, {**previous, **done}, artwork)

    if entries and len(skipped) == len(entries):
        # Publishing the same (or an empty) feed would look like success (on Python 3.13
        # without audioop, every episode once failed exactly so); the warnings have named
        # each failure, this says the build as a whole did nothing.
        raise AllArticlesFailedError(
            f"Every article failed ({len(skipped)} of {len(entries)}) in {source}, so nothing "
            f"was published and {out_dir} was left as it was; the first failure: "
            f"{skipped[0].reason.rstrip('.')}. Fix what the warnings name, then build again.",
            tuple(skipped),
        )

    ordered = sorted(done.values(), key=lambda e: (-e.pub_date.timestamp(), e.guid))
    order = {e.guid: i for i, e in enumerate(ordered)}
    results.sort(key=lambda r: order[r.guid])

    # The audio, transcripts, artwork and the player exist by now; the pages and the feed
    # that point to them come next, and only then are the files it no longer names removed.
    _write_if_changed(out_dir / artwork, artwork_data)
    for name, data in _site_assets().items():
        _write_if_changed(out_dir / name, data)
    for e in ordered:
        _write_if_changed(out_dir / e.page, _episode_html(config, e, artwork).encode())
    _write_if_changed(out_dir / INDEX_FILE, _index_html(config, ordered, artwork).encode())
    feed_path = out_dir / FEED_FILE
    _write_if_changed(feed_path, _feed_xml(config, ordered, artwork))
    _write_state(state_dir, {e.guid: e for e in ordered}, artwork)
    removed = _remove_unreferenced(out_dir, ordered, artwork)
    return FeedResult(feed_path, tuple(results), tuple(skipped), removed)


def _episode(
    entry: _Entry,
    old: _Episode | None,
    out_dir: Path,
    state_dir: Path,
    options: NarrateOptions,
    number: int,
    total: int,
    progress: ProgressFn | None,
    max_wer: float | None = None,
) -> tuple[_Episode, EpisodeResult]:
    """Read one article and reuse its episode when nothing changed, else narrate it anew."""
    from ..pipeline import narrate

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
    # Rendered in the work folder, not SITE_DIR: a web server must never see it half-written
    # (nor one heard above max_wer, which is removed there).
    work = state_dir / WORK_DIR / f"{stem}.mp3"
    narration = narrate(article, work, options=options)
    wer = _heard_wer(narration, work, max_wer)
    _move_into(work, out_dir / audio)
    timings = timings_json(narration.cues, duration_ms=narration.duration_ms)
    _write_if_changed(out_dir / f"{EPISODES_DIR}/{stem}.timings.json", timings.encode())
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
        wer=wer,
        blocks=_transcript_blocks(narration.script),
    )
    status = "updated" if old is not None else "new"
    result = EpisodeResult(
        entry.guid, title, out_dir / audio, status, narration.rendered, narration.cached
    )
    return episode, result


def _heard_wer(narration: Narration, audio: Path, max_wer: float | None) -> float | None:
    """The episode's word error rate heard back when feed.toml sets max_wer; refuses
    (VerifyError, so the build skips it) an episode heard worse than that."""
    if max_wer is None:
        return None
    from ..verify import check_audio, lines_of

    wer = check_audio(audio, lines_of(narration.script)).wer
    if wer > max_wer:
        audio.unlink(missing_ok=True)
        raise VerifyError(
            f"the narration was heard with a word error rate of {wer:.1%}, above max_wer "
            f"{max_wer:.1%} in feed.toml; check it with 'narrator check'."
        )
    return round(wer, 4)


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


def _prepare_state_dir(state_dir: Path, out_dir: Path) -> None:
    if state_dir.resolve().is_relative_to(out_dir.resolve()):
        raise OutputError(
            f"The state folder {state_dir} is inside the site folder {out_dir}, which is "
            f"published as it is. Give a --state-dir outside it."
        )
    try:
        (state_dir / WORK_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Cannot create the build's state folder {state_dir}: {exc.strerror}. Give a "
            f"writable folder outside the site with --state-dir."
        ) from exc


def _migrate_state(out_dir: Path, state_dir: Path) -> None:
    """Move the state file an older narrator kept in SITE_DIR into the state folder, and
    remove its lock file, so the published folder holds only what is served."""
    legacy = out_dir / LEGACY_STATE_FILE
    if legacy.is_file():
        if not (state_dir / STATE_FILE).exists():
            _write_if_changed(state_dir / STATE_FILE, legacy.read_bytes())
        legacy.unlink()
    with contextlib.suppress(FileNotFoundError):
        (out_dir / LEGACY_LOCK_FILE).unlink()


def _clear_work(state_dir: Path) -> None:
    """Remove what a killed build left in the work folder (the lock is held: none is live)."""
    for path in (state_dir / WORK_DIR).iterdir():
        with contextlib.suppress(OSError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def _move_into(work: Path, dest: Path) -> None:
    """Move a finished file from the work folder into SITE_DIR, atomically."""
    try:
        os.replace(work, dest)
    except OSError:
        # Another file system (a --state-dir elsewhere): copy beside dest, then rename.
        atomic_write(dest, lambda tmp: shutil.copyfile(work, tmp))
        work.unlink()


@contextlib.contextmanager
def _site_lock(state_dir: Path, out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the site's state for the build.

    Two builds at once would each delete the files the other's feed points to.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no flock; builds there are unlocked
        yield
        return
    with (state_dir / LOCK_FILE).open("a") as handle:
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
    names = [episode.transcript, episode.timings]
    names += [episode.chapters] if episode.chapters else []
    return (
        bool(episode.blocks)
        and audio.is_file()
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


# The web player ships with the service; its static mode needs no service, so the site
# carries a copy. Read from the package folder: importing narrator.server needs its extra.
_PLAYER_DIR = Path(__file__).resolve().parent.parent / "server" / "static"
_SITE_CSS = Path(__file__).resolve().parent / SITE_CSS


def _site_assets() -> dict[str, bytes]:
    """The site's static files by name: its stylesheet and the web player."""
    try:
        return {
            SITE_CSS: _SITE_CSS.read_bytes(),
            PLAYER_JS: (_PLAYER_DIR / PLAYER_JS).read_bytes(),
            PLAYER_CSS: (_PLAYER_DIR / PLAYER_CSS).read_bytes(),
        }
    except OSError as exc:  # a broken installation, not the user's input
        raise OutputError(
            f"narrator's site files are missing ({exc.filename}). Reinstall narrator."
        ) from exc


def _artwork(config: FeedConfig) -> tuple[str, bytes]:
    """The artwork's name in SITE_DIR (its hash in it, so apps refetch a new one) and bytes."""
    try:
        data = config.artwork.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read the artwork {config.artwork}: {exc.strerror}.") from exc
    suffix = _image_suffix(data[:8]) or config.artwork.suffix.lower()
    return f"cover-{hashlib.sha256(data).hexdigest()[:10]}{suffix}", data


def _read_state(state_dir: Path) -> dict[str, _Episode]:
    """The episodes the last build recorded, by guid."""
    try:
        raw = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
        return {g: _Episode.from_json(e) for g, e in raw["episodes"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        # A damaged state file only costs narrating again: the clip cache makes that
        # quick, and the same content gets the same file names.
        return {}


def _write_state(state_dir: Path, episodes: dict[str, _Episode], artwork: str) -> None:
    data = {
        "version": 1,
        "artwork": artwork,
        "episodes": {g: episodes[g].to_json() for g in sorted(episodes)},
    }
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _write_if_changed(state_dir / STATE_FILE, text.encode())


def _remove_unreferenced(out_dir: Path, episodes: list[_Episode], artwork: str) -> tuple[str, ...]:
    keep = {artwork}
    for e in episodes:
        keep.update(n for n in (e.audio, e.transcript, e.chapters, e.timings, e.page) if n)
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
