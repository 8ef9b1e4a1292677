"""narrate(): the one entry the CLI, the podcast-feed builder and the web service call."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__
from .audio import Assembler, AssemblyPolicy
from .cache import ClipCache
from .encode import (
    MP3_LOUDNESS_LOSS,
    AudioWriter,
    Tags,
    atomic_write,
    check_writable,
    finish_file,
    format_for_path,
)
from .engines import engine_class
from .errors import NoArticleError, OutputError, VoiceError
from .extract import extract, load_rules
from .ingest import FetchPolicy, read_source
from .language import LANGUAGE_NAMES, resolve_language
from .models import (
    Article,
    Block,
    BlockKind,
    Break,
    Chapter,
    Chunk,
    Clip,
    Cue,
    DocFormat,
    Document,
    DroppedBlock,
    Narration,
    Script,
    Sentence,
    VoiceProfile,
)
from .normalize import Lexicon, normalize
from .segment import build_script, chunk_script
from .synth import Executor, ProgressFn, RenderStats, prefetch, process_pool, render
from .voices import DEFAULT_VOICE, get_profile

__all__ = [
    "DISCLOSURE",
    "NarrateOptions",
    "check_language",
    "check_sidecars",
    "intro_text",
    "lexicon_for",
    "load_article",
    "make_script",
    "narrate",
    "resolve_voice",
    "write_sidecars",
]


DISCLOSURE = "This recording was made with a synthetic voice."
"""The default disclosure, worded like the notes news sites put above their audio."""


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

    intro: bool = False
    """Open with "<headline>, by <byline>, from <site>, <date>" instead of the bare headline."""

    outro: str | None = None
    """A closing line, spoken last."""

    disclosure: str | None = None
    """A note that the voice is synthetic, spoken after the opening and stored in the tags
    (see :data:`DISCLOSURE`; the podcast feed turns it on by default)."""

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

    jobs: int | None = None
    """Synthesis worker processes for one article; ``None`` or 1 renders in this process
    (where the engine's own threads already use every core)."""

    cache: bool = True
    """Reuse clips rendered before (and keep new ones)."""

    cache_dir: Path | None = None
    """Where the clip cache lives; ``None`` means the default (see ``narrator cache info``)."""

    respoken: tuple[tuple[str, str], ...] = ()
    """(sentence key, spoken text) pairs said instead of the normalizer's text: how
    ``narrate --verify`` re-renders a sentence the voice garbled (see :mod:`narrator.verify`)."""


Source = str | Path | Document | Article


def _document(
    source: str | Path | Document, options: NarrateOptions, stdin: BinaryIO | None
) -> Document:
    """The source read and decoded (a Document passes through)."""
    if isinstance(source, Document):
        return source
    return read_source(source, stdin=stdin, policy=options.fetch, format=options.input_format)


def load_article(
    source: Source, options: NarrateOptions | None = None, *, stdin: BinaryIO | None = None
) -> Article:
    """Ingest and extract: a path, URL, ``-``, Document or Article -> Article."""
    options = options or NarrateOptions()
    if isinstance(source, Article):
        return source
    document = _document(source, options, stdin)
    return extract(document, load_rules(options.rules))


def lexicon_for(extra: tuple[Path, ...] = ()) -> Lexicon:
    """The shipped and user lexicons, with ``extra`` files applied over them."""
    return Lexicon.default(extra)


def make_script(
    article: Article, options: NarrateOptions | None = None, *, lexicon: Lexicon | None = None
) -> Script:
    """Segment and normalize an article into the sentences that will be spoken."""
    options = options or NarrateOptions()
    lexicon = lexicon or lexicon_for(options.lexicons)
    language = resolve_language(
        article.language, " ".join(b.text for b in article.blocks_for(options.parts))
    )
    article = dataclasses.replace(article, language=language)
    # The normalizer's rules are English (number words, dates, units): another language
    # is read as written, by a voice that knows it (see check_language).
    english = language == "en"
    script = build_script(
        article,
        speak=(lambda text: normalize(text, lexicon=lexicon)) if english else _as_written,
        parts=options.parts,
        include_title=options.include_title,
        intro=intro_text(article) if options.intro else None,
        outro=options.outro,
        disclosure=options.disclosure,
    )
    if not script.sentences:
        raise NoArticleError(
            f"{article.source or 'The input'} has no text left to read after extraction. "
            f"Check it with 'narrator extract --explain'."
        )
    return script


def _as_written(text: str) -> str:
    return " ".join(text.split())


def check_language(article: Article, profile: VoiceProfile) -> None:
    """Fail, saying how to add a voice, when the article is not in the voice's language."""
    language = article.language or "en"
    if language == profile.language:
        return
    name = LANGUAGE_NAMES.get(language, language)
    voice_language = LANGUAGE_NAMES.get(profile.language, profile.language)
    raise VoiceError(
        f"The article is in {name} ({language}), but the voice {profile.name!r} reads "
        f"{voice_language}. Add a {name} voice: put a Piper model (.onnx and .onnx.json, "
        f"e.g. {language}_...-medium) in ~/.local/share/narrator/voices, or a profile with "
        f'language = "{language}" naming it, and pass --voice with its name.'
    )


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
    executor: Executor | None = None,
    on_cue: Callable[[Cue], None] | None = None,
) -> Narration:
    """Narrate ``source`` into the audio file ``output``.

    Every stage runs in order: ingest, extract, segment and normalize, synthesize,
    master and assemble, encode and tag. Audio streams: each sentence is encoded as soon as
    it is rendered, and ``on_audio`` (if given) receives the encoded bytes at once, for
    progressive playback; ``on_cue`` (if given) receives each sentence's :class:`Cue`,
    timed in the finished file, as soon as the sentence's last chunk is in the stream, so a
    player can highlight what has been rendered before the whole narration is done.
    Synthesis runs on ``executor`` when given (a process pool, a Dask client), else on a
    pool of ``options.jobs`` processes, else here. The file appears at ``output`` only
    when everything succeeded.
    """
    options = options or NarrateOptions()
    out = Path(output)
    fmt = format_for_path(out, options.format)
    check_writable(out)
    profile = resolve_voice(options)
    cache = ClipCache(options.cache_dir) if options.cache else None
    script = _respeak(_script(source, options, stdin, cache), options.respoken)
    article = script.article
    check_language(article, profile)
    chunks = chunk_script(script, engine_class(profile.engine).max_chunk_chars)
    stats = RenderStats()
    # MP3 at 64 kbit/s low-passes away about 0.4 LU of K-weighted energy (measured on
    # decoded files), so aim that much higher for MP3 to land on the target after decoding.
    target = options.loudness + (MP3_LOUDNESS_LOSS if fmt == "mp3" else 0.0)
    assembler = Assembler(script, profile.pauses, AssemblyPolicy(target_lufs=target), cache=cache)

    tags = _tags(article, profile, options)
    memo_key = _narration_key(script, chunks, profile, target, fmt, tags)
    if cache is not None:
        hit = cache.get_narration(memo_key, fmt)
        if hit is not None:
            return _from_memo(hit, out, fmt, script, profile, len(chunks), on_audio, on_cue)

    owned = None
    if executor is None and (options.jobs or 1) > 1:
        executor = owned = process_pool(options.jobs)

    last_chunk = {c.sentence: c.index for c in chunks}  # chunks come in order

    def write(tmp: Path) -> None:
        writer: AudioWriter | None = None
        rendered: Iterator[tuple[Chunk, Clip]] = render(
            chunks, profile, cache=cache, progress=progress, stats=stats, executor=executor
        )
        if executor is None and engine_class(profile.engine).thread_safe:
            rendered = prefetch(rendered)
        try:
            for chunk, clip in rendered:
                block = assembler.add(chunk, clip)
                if writer is None:
                    writer = AudioWriter(tmp, fmt, assembler.rate, on_audio)
                writer.write(block)
                if on_cue is not None and last_chunk[chunk.sentence] == chunk.index:
                    cue = assembler.cue(chunk.sentence)
                    if cue is not None:
                        on_cue(cue)
            tail = assembler.finish()
            assert writer is not None  # finish() raised if nothing was rendered
            writer.write(tail)
            writer.close()
        except BaseException:
            if writer is not None:
                writer.abort()
            # Stop the synthesis thread now, not whenever the generator is collected: a
            # thread still inside onnxruntime when the interpreter exits aborts the process
            # ("terminate called"), after the error was printed and with exit status 134.
            if isinstance(rendered, Generator):
                rendered.close()
            raise
        finish_file(tmp, fmt, tags, assembler.timeline.chapters)
        if cache is not None:
            # Memoized from the finished temporary file, not from ``out``: reading back a
            # device or FIFO output (-o /dev/null) would store an empty "narration".
            timeline = assembler.timeline
            meta = {
                "duration_ms": timeline.duration_ms,
                "sample_rate": timeline.sample_rate,
                "cues": [dataclasses.asdict(c) for c in timeline.cues],
                "chapters": [dataclasses.asdict(c) for c in timeline.chapters],
            }
            cache.put_narration(memo_key, fmt, tmp, meta)

    try:
        atomic_write(out, write)
    finally:
        if owned is not None:
            owned.shutdown(cancel_futures=True)
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


def _script(
    source: Source, options: NarrateOptions, stdin: BinaryIO | None, cache: ClipCache | None
) -> Script:
    """Extract, segment and normalize, or take the script made before from the same text
    with the same rules, lexicon and options: a re-narration then never even imports the
    sentence splitter (importing nltk alone takes 0.7 s)."""
    if cache is None or isinstance(source, Article):
        return make_script(load_article(source, options, stdin=stdin), options)
    document = _document(source, options, stdin)
    rules = load_rules(options.rules)
    lexicon = lexicon_for(options.lexicons)
    material = {
        "narrator": __version__,
        "document": dataclasses.asdict(document),
        # The rule files' bytes, not repr(rules): rules hold frozensets, whose order (and
        # so whose repr) changes from process to process with string hash randomization.
        "rules": [_file_digest(source) for source in rules.sources],
        "lexicon": repr(lexicon),
        "options": [
            sorted(options.parts),
            options.include_title,
            options.intro,
            options.outro,
            options.disclosure,
        ],
    }
    key = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
    saved = cache.get_text("scripts", key)
    if saved is not None:
        try:
            return _script_from_json(saved)
        except (KeyError, TypeError, ValueError, AttributeError):
            # Intact bytes that no longer make a Script (written by another version):
            # made again below instead of failing every run until the cache is cleared.
            cache.discard_text("scripts", key)
    script = make_script(extract(document, rules), options, lexicon=lexicon)
    cache.put_text("scripts", key, json.dumps(dataclasses.asdict(script)))
    return script


def _respeak(script: Script, respoken: tuple[tuple[str, str], ...]) -> Script:
    if not respoken:
        return script
    say = dict(respoken)
    sentences = tuple(
        dataclasses.replace(s, spoken=say[s.key]) if s.key in say else s for s in script.sentences
    )
    return dataclasses.replace(script, sentences=sentences)


def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return f"unreadable:{path}"


def _script_from_json(text: str) -> Script:
    data = json.loads(text)
    article = dict(data["article"])
    article["blocks"] = tuple(
        Block(**{**b, "kind": BlockKind(b["kind"])}) for b in article["blocks"]
    )
    article["dropped"] = tuple(DroppedBlock(**d) for d in article["dropped"])
    sentences = tuple(
        Sentence(**{**s, "kind": BlockKind(s["kind"]), "pause_after": Break(s["pause_after"])})
        for s in data["sentences"]
    )
    return Script(article=Article(**article), sentences=sentences)


def _narration_key(
    script: Script,
    chunks: tuple[Chunk, ...],
    profile: VoiceProfile,
    target_lufs: float,
    fmt: str,
    tags: Tags,
) -> str:
    """Everything that shapes the finished file, hashed: same key, same bytes."""
    material = {
        "narrator": __version__,
        "engine": engine_class(profile.engine).identity(profile),
        "pauses": dataclasses.asdict(profile.pauses),
        "mastering": dataclasses.asdict(AssemblyPolicy(target_lufs=target_lufs)),
        "format": fmt,
        "tags": dataclasses.asdict(tags),
        "title": script.article.title,
        "sentences": [(s.key, s.text, s.kind.value, s.block) for s in script.sentences],
        "chunks": [(c.sentence, c.text, c.pause_after.value) for c in chunks],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _from_memo(
    hit: tuple[Path, dict[str, Any]],
    out: Path,
    fmt: str,
    script: Script,
    profile: VoiceProfile,
    chunks: int,
    on_audio: Callable[[bytes], None] | None,
    on_cue: Callable[[Cue], None] | None,
) -> Narration:
    """An identical narration was made before: copy its file instead of making it again."""
    audio, meta = hit
    atomic_write(out, lambda tmp: shutil.copyfile(audio, tmp))
    cues = tuple(Cue.from_dict(c) for c in meta["cues"])
    if on_audio is not None:
        on_audio(audio.read_bytes())
    if on_cue is not None:
        for cue in cues:
            on_cue(cue)
    return Narration(
        output=out,
        format=fmt,
        duration_ms=int(meta["duration_ms"]),
        sample_rate=int(meta["sample_rate"]),
        script=script,
        cues=cues,
        chapters=tuple(Chapter(**c) for c in meta["chapters"]),
        voice=profile.name,
        rendered=0,
        cached=chunks,
    )


def check_sidecars(
    *,
    subtitles: Path | None = None,
    chapters: Path | None = None,
    timings: Path | None = None,
) -> None:
    """Refuse bad sidecar paths before any work, so a narration is never rendered (and its
    audio written) only for its subtitles to be refused at the end."""
    if subtitles is not None:
        if subtitles.suffix.lower() not in {".vtt", ".srt"}:
            raise OutputError(f"Subtitles go in a .vtt or .srt file, not {subtitles.name}.")
        check_writable(subtitles)
    for path in (chapters, timings):
        if path is not None:
            check_writable(path)


def write_sidecars(
    narration: Narration,
    *,
    subtitles: Path | None = None,
    chapters: Path | None = None,
    timings: Path | None = None,
) -> None:
    """Write a narration's timings: ``subtitles`` as WebVTT (``.vtt``, with word
    timestamps) or SubRip (``.srt``) in readable captions (at most two lines of 42
    characters and 7 seconds each, the written text), ``chapters`` as Podcasting 2.0 JSON,
    and ``timings`` as narrator's timings JSON (whole sentences and their words)."""
    from .timing import chapters_json, timings_json, to_srt, to_webvtt

    check_sidecars(subtitles=subtitles, chapters=chapters, timings=timings)
    if subtitles is not None:
        suffix = subtitles.suffix.lower()
        if suffix == ".srt":
            text = to_srt(narration.cues, readable=True)
        else:
            text = to_webvtt(narration.cues, readable=True)
        atomic_write(subtitles, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    if chapters is not None:
        body = chapters_json(narration.chapters, title=narration.script.article.title)
        atomic_write(chapters, lambda tmp: tmp.write_text(body, encoding="utf-8"))
    if timings is not None:
        doc = timings_json(narration.cues, duration_ms=narration.duration_ms)
        atomic_write(timings, lambda tmp: tmp.write_text(doc, encoding="utf-8"))


def _tags(article: Article, profile: VoiceProfile, options: NarrateOptions) -> Tags:
    return Tags(
        title=article.title,
        artist=article.byline,
        album=article.site_name,
        date=article.date,
        source=article.url or article.source or None,
        comment=f"Narrated by narrator with the {profile.name} voice ({profile.engine}).",
        disclosure=options.disclosure,
    )


def intro_text(article: Article) -> str | None:
    """ "<headline>, by <byline>, from <site>, <date>." from whatever metadata there is."""
    if not article.title:
        return None
    parts = [article.title.strip().rstrip(".")]
    if article.byline:
        parts.append(f"by {article.byline.strip()}")
    if article.site_name:
        parts.append(f"from {article.site_name.strip()}")
    if article.date:
        parts.append(article.date)
    return ", ".join(parts) + "."
