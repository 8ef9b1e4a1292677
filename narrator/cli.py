"""The ``narrator`` command: each command parses options, calls the library, prints.

Library errors become ``Error: <message>`` and exit status 1 here, in one place.
"""

from __future__ import annotations

import functools
import json
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .encode import check_writable
from .errors import NarratorError
from .models import DocFormat

F = TypeVar("F", bound=Callable[..., Any])

PARTS_HELP = "Also read this part of the page (summary, analysis, credits); repeatable."


def _errors_to_click(func: F) -> F:
    """Turn a NarratorError into click's one-line 'Error: ...' and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NarratorError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


class _Progress:
    """Sentences done / total with an estimate, on stderr; silent when quiet."""

    def __init__(self, quiet: bool, label: str) -> None:
        self.quiet = quiet
        self.label = label
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if done < total and now - self.last < (0.2 if self.tty else 2.0):
            return
        self.last = now
        elapsed = now - self.start
        left = elapsed / done * (total - done) if done else 0.0
        line = f"{self.label}: {done}/{total} sentences, about {left:.0f} s left"
        if self.tty:
            click.echo(f"\r{line}\033[K", nl=False, err=True)
            if done == total:
                click.echo("", err=True)
        else:
            click.echo(line, err=True)


def _input_format(value: str | None) -> DocFormat | None:
    return DocFormat(value) if value else None


def _default_output(article: str, fmt: str | None) -> Path:
    from .ingest import is_url

    if article == "-" or is_url(article):
        raise click.UsageError("Give an output file with -o when reading a URL or standard input.")
    return Path(Path(article).stem + "." + (fmt or "mp3"))


def _read_arg(text: str | None) -> str:
    if text is None or text == "-":
        return sys.stdin.read()
    return text


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="narrator")
def cli() -> None:
    """Turn written articles into natural, listenable audio."""


input_format_option = click.option(
    "--input-format",
    type=click.Choice([f.value for f in DocFormat]),
    help="Treat the input as this markup instead of detecting it.",
)
allow_private_option = click.option(
    "--allow-private-urls",
    is_flag=True,
    help="Allow URLs on loopback or private networks (local testing only).",
)
include_option = click.option("--include", "parts", multiple=True, metavar="PART", help=PARTS_HELP)
intro_option = click.option(
    "--intro", is_flag=True, help="Open with headline, byline, site and date."
)
outro_option = click.option("--outro", metavar="TEXT", help="A closing line to speak last.")
disclosure_option = click.option(
    "--disclosure", is_flag=True, help="Say (and tag) that the voice is synthetic."
)
lexicon_option = click.option(
    "--lexicon",
    "lexicons",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Extra pronunciation lexicon (TOML); repeatable.",
)
rules_option = click.option(
    "--rules",
    "rules",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Extra page-chrome rule file (TOML) for text and Markdown pages; repeatable.",
)


def _options(**kwargs: Any) -> Any:
    from .ingest import FetchPolicy
    from .pipeline import NarrateOptions

    parts = frozenset({"body", *kwargs.pop("parts", ())})
    allow_private = kwargs.pop("allow_private_urls", False)
    fmt = kwargs.pop("input_format", None)
    lexicons = tuple(Path(p) for p in kwargs.pop("lexicons", ()))
    rules = tuple(Path(p) for p in kwargs.pop("rules", ()))
    return NarrateOptions(
        parts=parts,
        rules=rules,
        input_format=_input_format(fmt),
        fetch=FetchPolicy(allow_private=allow_private),
        lexicons=lexicons,
        **kwargs,
    )


@cli.command()
@click.argument("articles", nargs=-1, required=True, metavar="ARTICLE...")
@click.option("-o", "--output", type=click.Path(), help="Audio file to write (one article).")
@click.option(
    "-d",
    "--out-dir",
    type=click.Path(file_okay=False),
    help="Folder to write one audio file per article into (several articles).",
)
@click.option("--voice", default=None, help="Voice profile (see 'narrator voices').")
@click.option("--rate", type=float, default=None, help="Speaking rate, e.g. 0.8 to 1.5.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mp3", "wav", "opus", "m4a", "m4b"]),
    help="Output format (default: by extension, else mp3).",
)
@click.option(
    "--loudness",
    type=click.FloatRange(-40, -10),
    default=-16.0,
    show_default=True,
    help="Target loudness in LUFS (-16 podcast, -19 mono speech, -23 broadcast).",
)
@click.option("--subtitles", type=click.Path(dir_okay=False), help="Write timings (.vtt/.srt).")
@click.option("--chapters", type=click.Path(dir_okay=False), help="Write chapters (JSON).")
@click.option(
    "--timings",
    type=click.Path(dir_okay=False),
    help="Write sentence and word timings (narrator's timings JSON).",
)
@intro_option
@outro_option
@disclosure_option
@include_option
@click.option("--no-title", is_flag=True, help="Do not read the headline first.")
@lexicon_option
@rules_option
@input_format_option
@allow_private_option
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 256),
    help="Worker processes: articles at once with -d, else synthesis workers for one article.",
)
@click.option(
    "--dask", "dask_address", metavar="ADDRESS", help="Run on a Dask cluster (tcp://host:8786)."
)
@click.option("--no-cache", is_flag=True, help="Render every sentence again; keep nothing.")
@click.option(
    "--cache-dir", type=click.Path(file_okay=False), help="Where rendered clips are kept."
)
@click.option(
    "--verify",
    is_flag=True,
    help="Hear the result back and re-render sentences the voice garbled (verify extra).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@_errors_to_click
def narrate(
    articles: tuple[str, ...],
    output: str | None,
    out_dir: str | None,
    voice: str | None,
    rate: float | None,
    fmt: str | None,
    loudness: float,
    subtitles: str | None,
    chapters: str | None,
    timings: str | None,
    intro: bool,
    outro: str | None,
    disclosure: bool,
    parts: tuple[str, ...],
    no_title: bool,
    lexicons: tuple[str, ...],
    rules: tuple[str, ...],
    input_format: str | None,
    allow_private_urls: bool,
    jobs: int | None,
    dask_address: str | None,
    no_cache: bool,
    cache_dir: str | None,
    verify: bool,
    quiet: bool,
) -> None:
    """Narrate each ARTICLE (a .txt/.md/.html file, an http(s) URL, or - for stdin) to audio."""
    from .pipeline import DISCLOSURE
    from .voices import DEFAULT_VOICE

    batch = out_dir is not None or len(articles) > 1
    if batch and output:
        raise click.UsageError("Use -o for one article, or -d OUTDIR for several, not both.")
    if batch and (subtitles or chapters or timings):
        raise click.UsageError(
            "--subtitles, --chapters and --timings name one file: use them with -o."
        )
    if batch and verify:
        raise click.UsageError("--verify checks one narration: use it with one article and -o.")
    options = _options(
        voice=voice or DEFAULT_VOICE,
        rate=rate,
        format=fmt,
        loudness=loudness,
        intro=intro,
        outro=outro,
        disclosure=DISCLOSURE if disclosure else None,
        parts=parts,
        include_title=not no_title,
        lexicons=lexicons,
        rules=rules,
        input_format=input_format,
        allow_private_urls=allow_private_urls,
        cache=not no_cache,
        cache_dir=Path(cache_dir) if cache_dir else None,
        jobs=None if batch else jobs,
    )
    from .batch import connect_dask

    executor = connect_dask(dask_address) if dask_address else None
    try:
        if batch:
            _narrate_batch(articles, Path(out_dir or "."), options, executor, jobs, quiet)
        else:
            sidecars = (
                Path(subtitles) if subtitles else None,
                Path(chapters) if chapters else None,
                Path(timings) if timings else None,
            )
            _narrate_one(articles[0], output, options, executor, quiet, sidecars, verify)
    finally:
        if executor is not None:
            executor.close()


def _summary(out: Path, result: Any, seconds: float) -> str:
    secs = result.duration_ms / 1000
    return (
        f"Wrote {out} ({int(secs // 60)}:{secs % 60:04.1f}, {len(result.cues)} sentences, "
        f"voice {result.voice}, {result.rendered} rendered, {result.cached} from cache) "
        f"in {seconds:.1f} s."
    )


def _narrate_one(
    article: str,
    output: str | None,
    options: Any,
    executor: Any,
    quiet: bool,
    sidecars: tuple[Path | None, Path | None, Path | None],
    verify: bool = False,
) -> None:
    from .encode import format_for_path
    from .pipeline import check_sidecars, write_sidecars
    from .pipeline import narrate as run

    out = Path(output) if output else _default_output(article, options.format)
    # Every output path and format is checked before any work.
    format_for_path(out, options.format)
    check_writable(out)
    check_sidecars(subtitles=sidecars[0], chapters=sidecars[1])
    started = time.monotonic()
    progress = _Progress(quiet, "Narrating")
    if verify:
        from .verify import narrate_verified

        checked = narrate_verified(
            article, out, options=options, narrate_kwargs={"executor": executor}
        )
        result = checked.narration
    else:
        result = run(article, out, options=options, progress=progress, executor=executor)
    write_sidecars(result, subtitles=sidecars[0], chapters=sidecars[1], timings=sidecars[2])
    if not quiet:
        click.echo(_summary(out, result, time.monotonic() - started), err=True)
    if verify and not quiet:
        for change in checked.changes:
            before, after = change.before.wer, change.after.wer
            what = "kept as it was" if change.how == "kept" else change.how
            click.echo(
                f"Heard {before:.0%} wrong, now {after:.0%} ({what}): {change.written}", err=True
            )
        click.echo(
            f"Heard back: word error rate {checked.final.wer:.1%} "
            f"(first rendering {checked.first.wer:.1%}, {len(checked.changes)} sentences "
            f"re-rendered).",
            err=True,
        )


def _narrate_batch(
    articles: tuple[str, ...],
    out_dir: Path,
    options: Any,
    executor: Any,
    jobs: int | None,
    quiet: bool,
) -> None:
    from .batch import BatchResult, narrate_many

    if "-" in articles:
        raise click.UsageError("Standard input (-) can only be narrated on its own, with -o.")
    started = time.monotonic()

    def report(result: BatchResult) -> None:
        if result.error is not None:
            click.echo(f"Error: {result.source}: {result.error}", err=True)
        elif not quiet and result.narration is not None:
            click.echo(
                _summary(result.output, result.narration, time.monotonic() - started), err=True
            )

    results = narrate_many(
        articles, out_dir, options=options, executor=executor, jobs=jobs, on_result=report
    )
    failed = [r for r in results if r.error is not None]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(results)} articles failed; the others were written."
        )


@cli.command()
@click.argument("article")
@intro_option
@outro_option
@disclosure_option
@include_option
@click.option("--no-title", is_flag=True, help="Leave out the headline.")
@click.option("--written", is_flag=True, help="Print sentences as written, not as spoken.")
@lexicon_option
@rules_option
@input_format_option
@allow_private_option
@_errors_to_click
def script(
    article: str,
    intro: bool,
    outro: str | None,
    disclosure: bool,
    parts: tuple[str, ...],
    no_title: bool,
    written: bool,
    lexicons: tuple[str, ...],
    rules: tuple[str, ...],
    input_format: str | None,
    allow_private_urls: bool,
) -> None:
    """Print exactly what will be spoken for ARTICLE, one sentence per line."""
    from .pipeline import DISCLOSURE, load_article, make_script

    options = _options(
        intro=intro,
        outro=outro,
        disclosure=DISCLOSURE if disclosure else None,
        parts=parts,
        include_title=not no_title,
        lexicons=lexicons,
        rules=rules,
        input_format=input_format,
        allow_private_urls=allow_private_urls,
    )
    result = make_script(load_article(article, options), options)
    for sentence in result.sentences:
        click.echo(sentence.text if written else sentence.spoken)


@cli.command()
@click.argument("audio", type=click.Path(dir_okay=False))
@click.option(
    "--script",
    "script_file",
    type=click.Path(dir_okay=False),
    help="What was meant: 'narrator script' output, subtitles (.vtt/.srt) or timings (.json).",
)
@click.option("--article", metavar="SOURCE", help="The article that was narrated (file or URL).")
@include_option
@click.option("--no-title", is_flag=True, help="The narration left out the headline.")
@lexicon_option
@input_format_option
@allow_private_option
@click.option("--max-wer", type=click.FloatRange(0, 1), help="Fail above this error rate.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_errors_to_click
def check(
    audio: str,
    script_file: str | None,
    article: str | None,
    parts: tuple[str, ...],
    no_title: bool,
    lexicons: tuple[str, ...],
    input_format: str | None,
    allow_private_urls: bool,
    max_wer: float | None,
    as_json: bool,
) -> None:
    """Hear AUDIO back with offline speech recognition and print the word error rate of
    each sentence and of the whole narration."""
    from .errors import VerifyError
    from .verify import check_audio, lines_of, read_script

    if (script_file is None) == (article is None):
        raise click.UsageError(
            "Say what AUDIO should say: give --script FILE or --article SOURCE (one of them)."
        )
    if script_file is not None:
        lines = read_script(Path(script_file))
    else:
        from .pipeline import load_article, make_script

        options = _options(
            parts=parts,
            include_title=not no_title,
            lexicons=lexicons,
            input_format=input_format,
            allow_private_urls=allow_private_urls,
        )
        assert article is not None
        lines = lines_of(make_script(load_article(article, options), options))
    result = check_audio(Path(audio), lines)
    total = result.errors
    if as_json:
        body = {
            "wer": total.wer,
            "reference_words": total.reference_words,
            "errors": total.errors,
            "sentences": [
                {
                    "key": s.line.key,
                    "text": s.line.written,
                    "spoken": s.line.spoken,
                    "heard": s.heard,
                    "wer": s.errors.wer,
                    "substitutions": s.errors.substitutions,
                    "deletions": s.errors.deletions,
                    "insertions": s.errors.insertions,
                }
                for s in result.sentences
            ],
        }
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        for s in result.sentences:
            click.echo(f"{s.errors.wer:6.1%}  {s.line.written}")
            if s.errors.errors:
                click.echo(f"        heard: {s.heard}")
        click.echo(
            f"Word error rate {total.wer:.1%}: {total.errors} errors in "
            f"{total.reference_words} words, {len(result.sentences)} sentences."
        )
    if max_wer is not None and total.wer > max_wer:
        raise VerifyError(
            f"{audio} was heard with a word error rate of {total.wer:.1%}, above "
            f"--max-wer {max_wer:.1%}; listen to the sentences listed above."
        )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@click.option(
    "--explain", is_flag=True, help="Also list every dropped block and the rule that dropped it."
)
@click.argument("article")
@rules_option
@input_format_option
@allow_private_option
@_errors_to_click
def extract(
    article: str,
    as_json: bool,
    explain: bool,
    rules: tuple[str, ...],
    input_format: str | None,
    allow_private_urls: bool,
) -> None:
    """Print the article found in ARTICLE: metadata and typed blocks, before normalization."""
    from .pipeline import load_article

    found = load_article(
        article,
        _options(rules=rules, input_format=input_format, allow_private_urls=allow_private_urls),
    )
    if as_json:
        data = asdict(found)
        if not explain:
            data.pop("dropped", None)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for label, value in (
        ("title", found.title),
        ("byline", found.byline),
        ("date", found.date),
        ("site", found.site_name),
        ("language", found.language),
        ("url", found.url),
    ):
        if value:
            click.echo(f"{label}: {value}")
    click.echo("")
    for block in found.blocks:
        part = "" if block.part == "body" else f" ({block.part})"
        level = f"{block.level}" if block.level else ""
        click.echo(f"[{block.kind.value}{level}{part}] {block.text}")
    if explain:
        click.echo("")
        click.echo(f"dropped ({len(found.dropped)}):")
        for dropped in found.dropped:
            detail = f" ({dropped.detail})" if dropped.detail else ""
            click.echo(f"  - {dropped.rule}{detail}: {dropped.text}")


@cli.command()
@click.argument("text", required=False)
@lexicon_option
@_errors_to_click
def normalize(text: str | None, lexicons: tuple[str, ...]) -> None:
    """Print each line of TEXT (or stdin, with -) as it will be spoken."""
    from .pipeline import lexicon_for

    lexicon = lexicon_for(tuple(Path(p) for p in lexicons))
    from .normalize import normalize as speak

    for line in _read_arg(text).splitlines():
        click.echo(speak(line, lexicon=lexicon))


@cli.command()
@click.argument("text", required=False)
@_errors_to_click
def segment(text: str | None) -> None:
    """Print TEXT (or stdin, with -) as sentences, one per line, before normalization."""
    from .sentences import split_sentences

    for paragraph in _read_arg(text).split("\n\n"):
        for sentence in split_sentences(paragraph):
            click.echo(sentence)


@cli.command()
@_errors_to_click
def voices() -> None:
    """List the voice profiles and every voice each engine offers."""
    from .engines import engine_class, engine_names
    from .voices import DEFAULT_VOICE, load_profiles

    profiles = load_profiles()
    click.echo("Voice profiles (use with --voice):")
    width = max((len(n) for n in profiles), default=4)
    for name, profile in sorted(profiles.items()):
        default = " (default)" if name == DEFAULT_VOICE else ""
        click.echo(f"  {name:<{width}}  {profile.engine:<8} {profile.description}{default}")
    for engine in engine_names():
        try:
            found = engine_class(engine).available_voices()
        except NarratorError as exc:
            click.echo(f"\n{engine}: unavailable ({exc})")
            continue
        click.echo(
            f"\n{engine} voices ({len(found)}; use with --voice, or as 'model' in a profile):"
        )
        for voice in found:
            click.echo(f"  {voice.id:<28} {voice.description}")


@cli.group()
def cache() -> None:
    """Inspect or empty the cache of rendered clips."""


@cache.command("info")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="The cache folder.")
@_errors_to_click
def cache_info(cache_dir: str | None) -> None:
    """Print where the cache is, how many clips it holds and its size."""
    from .cache import ClipCache

    info = ClipCache(Path(cache_dir) if cache_dir else None).info()
    click.echo(f"path: {info.path}")
    click.echo(f"files: {info.entries} (sentence clips and finished narrations)")
    click.echo(f"size: {info.bytes / 1e6:.1f} MB of {info.max_bytes / 1e6:.0f} MB")


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="The cache folder.")
@_errors_to_click
def cache_clear(cache_dir: str | None) -> None:
    """Remove every cached clip."""
    from .cache import ClipCache

    removed = ClipCache(Path(cache_dir) if cache_dir else None).clear()
    click.echo(f"Removed {removed} files.")


@cli.group()
def feed() -> None:
    """Build a podcast feed of narrated articles."""


@feed.command("init")
@click.argument("path", default="feed.toml", type=click.Path())
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@_errors_to_click
def feed_init(path: str, force: bool) -> None:
    """Write a commented feed.toml to fill in (PATH, default ./feed.toml)."""
    from .feed import init_config

    written = init_config(Path(path), force=force)
    click.echo(
        f"Wrote {written}. Fill in the fields marked REQUIRED, then run: narrator feed build "
        f"ARTICLES --config {written} --out site/",
        err=True,
    )


@feed.command("build")
@click.argument("source")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The show's feed.toml ('narrator feed init' writes one).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Site folder: everything in it is meant to be published.",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the build keeps its state, lock and work files "
    "(default: .narrator-feed-state/NAME beside the site folder).",
)
@click.option("--voice", default=None, help="Voice profile (see 'narrator voices').")
@click.option(
    "--cache-dir", type=click.Path(file_okay=False), help="Where rendered clips are kept."
)
@allow_private_option
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@_errors_to_click
def feed_build(
    source: str,
    config_path: str,
    out_dir: str,
    state_dir: str | None,
    voice: str | None,
    cache_dir: str | None,
    allow_private_urls: bool,
    quiet: bool,
) -> None:
    """Narrate SOURCE (a folder of articles, a file of URLs, or an RSS/Atom feed) into a
    podcast site: feed.xml, one MP3, transcript, chapters and read-along page per episode,
    and index.html. Exits with status 1 when every article failed."""
    from .feed import build_feed, load_config
    from .voices import DEFAULT_VOICE

    config = load_config(Path(config_path))
    options = _options(
        voice=voice or DEFAULT_VOICE,
        cache_dir=Path(cache_dir) if cache_dir else None,
        allow_private_urls=allow_private_urls,
    )
    result = build_feed(
        Path(source) if not source.startswith(("http://", "https://")) else source,
        config,
        Path(out_dir),
        options=options,
        progress=None if quiet else lambda n, t, title: click.echo(f"[{n}/{t}] {title}", err=True),
        warn=lambda message: click.echo(f"Warning: {message}", err=True),
        state_dir=Path(state_dir) if state_dir else None,
    )
    click.echo(
        f"{result.feed}: {len(result.episodes)} episodes, {result.built} narrated, "
        f"{len(result.skipped)} skipped",
        err=True,
    )


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default: config or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: config, else 8000).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A server.toml (see server.example.toml).",
)
@click.option(
    "--allow-origin",
    "allow_origins",
    multiple=True,
    metavar="URL",
    help="Let pages from this origin (https://news.example) use the service; repeatable. "
    "Added to cors_origins in the config.",
)
@_errors_to_click
def serve(
    host: str | None, port: int | None, config_path: Path | None, allow_origins: tuple[str, ...]
) -> None:
    """Serve the narration API, the web player and its demo page (needs the server extra)."""
    from .server import run

    run(host, port, config_path, allow_origins)


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM becomes an exception, like Ctrl-C's KeyboardInterrupt, so every cleanup on
    # the way out runs: no hidden .part file is left beside the output.
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    # A shell starts background jobs with SIGINT ignored; Ctrl-C or kill -INT must still
    # stop narrator cleanly rather than be dropped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cli(prog_name="narrator")
