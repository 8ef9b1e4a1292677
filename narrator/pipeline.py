"""narrate(): the one entry the CLI, the podcast-feed builder and the web service call."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .audio import Assembler, AssemblyPolicy
from .cache import ClipCache
from .encode import AudioWriter, Tags, atomic_write, check_writable, format_for_path, write_tags
from .engines import engine_class
from .errors import NoArticleError, VoiceError
from .extract import extract, load_rules
from .ingest import FetchPolicy, read_source
from .models import Article, DocFormat, Document, Narration, Script, VoiceProfile
from .normalize import Lexicon, normalize
from .segment import build_script, chunk_script
from .synth import ProgressFn, RenderStats, render
from .voices import DEFAULT_VOICE, get_profile

__all__ = [
    "NarrateOptions",
    "lexicon_for",
    "load_article",
    "make_script",
    "narrate",
    "resolve_voice",
]


@dataclass(frozen=True)
class NarrateOptions:
    """Everything that shapes a narration, with the defaults a user expects."""

    voice: str = DEFAULT_VOICE
    """Voice profile name (see ``narrator voices``)."""

    rate: float | None = None
    """Speaking rate; ``None`` keeps the profile's."""

    format: str | None = None
    """Output format (``mp3`` or ``wav``); ``None`` uses the output's extension."""

    parts: frozenset[str] = frozenset({"body"})
    """Which parts of the page to read besides the headline (``body``, ``summary``, ...)."""

    include_title: bool = True
    """Read the headline first."""

    lexicons: tuple[Path, ...] = ()
    """Extra pronunciation lexicon files, applied over the shipped one."""

    rules: tuple[Path, ...] = ()
    """Extra page-chrome rule files (TOML) for text and Markdown pages."""

    input_format: DocFormat | None = None
    """Force the input's markup instead of detecting it."""

    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    """Limits for fetching URLs."""

    loudness: float = -16.0
    """Target integrated loudness in LUFS: -16 podcast, -19 mono speech, -23 broadcast."""

    cache: bool = True
    """Reuse clips rendered before (and keep new ones)."""

    cache_dir: Path | None = None
    """Where the clip cache lives; ``None`` means the default (see ``narrator cache info``)."""


Source = str | Path | Document | Article


def load_article(
    source: Source, options: NarrateOptions | None = None, *, stdin: BinaryIO | None = None
) -> Article:
    """Ingest and extract: a path, URL, ``-``, Document or Article -> Article."""
    options = options or NarrateOptions()
    if isinstance(source, Article):
        return source
    document = (
        source
        if isinstance(source, Document)
        else read_source(source, stdin=stdin, policy=options.fetch, format=options.input_format)
    )
    return extract(document, load_rules(options.rules))


def lexicon_for(extra: tuple[Path, ...] = ()) -> Lexicon:
    """The shipped and user lexicons, with ``extra`` files applied over them."""
    return Lexicon.default(extra)


def make_script(article: Article, options: NarrateOptions | None = None) -> Script:
    """Segment and normalize an article into the sentences that will be spoken."""
    options = options or NarrateOptions()
    lexicon = lexicon_for(options.lexicons)
    script = build_script(
        article,
        speak=lambda text: normalize(text, lexicon=lexicon),
        parts=options.parts,
        include_title=options.include_title,
    )
    if not script.sentences:
        raise NoArticleError(
            f"{article.source or 'The input'} has no text left to read after extraction. "
            f"Check it with 'narrator extract --explain'."
        )
    return script


def resolve_voice(options: NarrateOptions) -> VoiceProfile:
    """The voice profile with the rate override applied."""
    profile = get_profile(options.voice)
    engine_class(profile.engine)  # fail fast on an unknown engine, before any work
    if options.rate is not None:
        if not 0.25 <= options.rate <= 4.0:
            raise VoiceError(f"Rate {options.rate} is out of range; use 0.5 to 2.0 or so.")
        profile = dataclasses.replace(profile, rate=profile.rate * options.rate)
    return profile


def narrate(
    source: Source,
    output: str | Path,
    *,
    options: NarrateOptions | None = None,
    progress: ProgressFn | None = None,
    stdin: BinaryIO | None = None,
    on_audio: Callable[[bytes], None] | None = None,
) -> Narration:
    """Narrate ``source`` into the audio file ``output``.

    Every stage runs in order: ingest, extract, segment and normalize, synthesize,
    master and assemble, encode and tag. Audio streams: each sentence is encoded as soon as
    it is rendered, and ``on_audio`` (if given) receives the encoded bytes at once, for
    progressive playback. The file appears at ``output`` only when everything succeeded.
    """
    options = options or NarrateOptions()
    out = Path(output)
    fmt = format_for_path(out, options.format)
    check_writable(out)
    profile = resolve_voice(options)
    article = load_article(source, options, stdin=stdin)
    script = make_script(article, options)
    chunks = chunk_script(script, engine_class(profile.engine).max_chunk_chars)
    stats = RenderStats()
    cache = ClipCache(options.cache_dir) if options.cache else None
    assembler = Assembler(script, profile.pauses, AssemblyPolicy(target_lufs=options.loudness))

    def write(tmp: Path) -> None:
        writer: AudioWriter | None = None
        try:
            for chunk, clip in render(chunks, profile, cache=cache, progress=progress, stats=stats):
                block = assembler.add(chunk, clip)
                if writer is None:
                    writer = AudioWriter(tmp, fmt, assembler.rate, on_audio)
                writer.write(block)
            tail = assembler.finish()
            assert writer is not None  # finish() raised if nothing was rendered
            writer.write(tail)
            writer.close()
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
        write_tags(tmp, fmt, _tags(article, profile))

    atomic_write(out, write)
    timeline = assembler.timeline
    return Narration(
        output=out,
        format=fmt,
        duration_ms=timeline.duration_ms,
        sample_rate=timeline.sample_rate,
        script=script,
        cues=timeline.cues,
        chapters=timeline.chapters,
        voice=profile.name,
        rendered=stats.rendered,
        cached=stats.cached,
    )


def _tags(article: Article, profile: VoiceProfile) -> Tags:
    return Tags(
        title=article.title,
        artist=article.byline,
        album=article.site_name,
        date=article.date,
        source=article.url or article.source or None,
        comment=f"Narrated by narrator with the {profile.name} voice ({profile.engine}).",
    )
