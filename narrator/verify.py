"""What the voice actually said: a narration heard back by the offline recognizer and
compared with its script, sentence by sentence.

::

    check_audio(audio, lines)   one transcript of the whole file (narrator.asr), aligned
                                word by word to the script's spoken words, so every
                                sentence gets its own word errors; no times needed
    outliers(check)             sentences whose word error rate is far above the rest
    alternatives(spoken)        other ways to say a sentence, for ``narrate --verify``
    read_script(path)           the script from a file: ``narrator script`` output (one
                                spoken sentence a line), WebVTT/SRT subtitles or timings JSON
    narrate_verified(...)       ``narrate --verify``: narrate, hear it back, re-render the
                                outliers another way, keep what was heard better

The recognizer is an optional extra (``pip install 'narrator[verify]'``); without it these
raise :class:`~narrator.errors.MissingExtraError`.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .asr import WordErrors, align, transcribe, words_for_scoring
from .errors import InputError

if TYPE_CHECKING:
    from .models import Cue, Narration, Script
    from .pipeline import NarrateOptions

__all__ = [
    "Change",
    "Check",
    "ScriptLine",
    "SentenceCheck",
    "Verified",
    "alternatives",
    "check_audio",
    "lines_of",
    "narrate_verified",
    "outliers",
    "read_script",
]


@dataclass(frozen=True)
class ScriptLine:
    """One sentence of the script a narration was made from."""

    key: str
    """The sentence's key (or its position, from 1, when the script file has none)."""

    written: str
    """The sentence as written (the spoken form when only that is known)."""

    spoken: str
    """What the voice was asked to say (pronunciation respellings included: "Madooro")."""

    reference: str = ""
    """What a listener should hear, as words: the written sentence normalized without the
    pronunciation lexicon, whose respellings ("Madooro" for "Maduro") are sounds, not the
    words a recognizer writes. Empty when only the spoken form is known."""

    start_ms: int | None = None
    """When the sentence starts in the audio, if known (subtitles, timings, cues)."""

    end_ms: int | None = None
    """When it ends, if known."""

    @property
    def target(self) -> str:
        """The words the recognizer is scored against."""
        return self.reference or self.spoken


@dataclass(frozen=True)
class SentenceCheck:
    """How one sentence was heard."""

    line: ScriptLine
    """The sentence."""

    heard: str
    """The words the recognizer heard for it, normalized as the script is."""

    errors: WordErrors
    """Its word errors against the spoken form."""


@dataclass(frozen=True)
class Check:
    """A narration heard back."""

    sentences: tuple[SentenceCheck, ...]
    """Every sentence of the script, in order."""

    transcript: str
    """Everything the recognizer heard."""

    @property
    def errors(self) -> WordErrors:
        """The whole narration's word errors."""
        total = WordErrors(0, 0, 0, 0)
        for sentence in self.sentences:
            total = total + sentence.errors
        return total

    @property
    def wer(self) -> float:
        """The whole narration's word error rate."""
        return self.errors.wer


def check_audio(audio: Path, lines: Sequence[ScriptLine]) -> Check:
    """Hear ``audio`` (any file ffmpeg decodes) and score each of ``lines`` against it.

    The file is transcribed (in windows of whole sentences when every line has its times,
    else in one pass); the heard words are aligned to the script's words, and each
    sentence counts the edits that fall on its own words (a heard word between two
    sentences counts for the one before). Raises :class:`MissingExtraError` without the
    ``verify`` extra.
    """
    text, samples = _hear(audio, lines)
    # The recognizer writes "$4.5 million" and "October 21" where the voice said words:
    # normalize what it wrote as running text (word by word, "$4" ".5" and "21" would lose
    # their context) and score the words that come out.
    heard = words_for_scoring(text)
    reference: list[str] = []
    owner: list[int] = []
    for number, line in enumerate(lines):
        for token in words_for_scoring(line.target, normalized=True):
            reference.append(token)
            owner.append(number)
    counts = [[0, 0, 0, 0] for _ in lines]  # reference words, subs, dels, ins
    heard_by_line: list[list[str]] = [[] for _ in lines]
    for number in owner:
        counts[number][0] += 1
    current = 0
    for ref_index, heard_index in align(reference, heard):
        if ref_index is not None:
            current = owner[ref_index]
        if not lines:
            break
        if heard_index is not None:
            heard_by_line[current].append(heard[heard_index])
        if ref_index is None:
            counts[current][3] += 1
        elif heard_index is None:
            counts[current][2] += 1
        elif reference[ref_index] != heard[heard_index]:
            counts[current][1] += 1
    sentences = [
        SentenceCheck(line, " ".join(heard_by_line[n]), WordErrors(*counts[n]))
        for n, line in enumerate(lines)
    ]
    check = Check(sentences=tuple(sentences), transcript=text)
    if samples is None:
        return check
    # A sentence heard far worse than the rest is heard again from its own stretch of
    # audio: within a window Whisper now and then skips words the voice said well, and the
    # better hearing counts (it is still the voice's own audio, nothing is re-rendered).
    better = {}
    for suspect in outliers(check):
        line = suspect.line
        assert line.start_ms is not None and line.end_ms is not None
        again = _heard_span(samples, line.start_ms, line.end_ms, line)
        if again.errors.wer < suspect.errors.wer:
            better[line.key] = again
    if not better:
        return check
    return replace(check, sentences=tuple(better.get(s.line.key, s) for s in check.sentences))


_WINDOW_MS = 24_000
_MARGIN_MS = 150


def _hear(audio: Path, lines: Sequence[ScriptLine]) -> tuple[str, Any]:
    """The transcript of ``audio``. With sentence times, each window of whole sentences up
    to 24 s is heard on its own: over a long file Whisper's own 30 s windows cut words in
    two and now and then skip a stretch (a narration of the seed lost a whole sentence
    that way), which no voice fault explains."""
    timed = [(line.start_ms, line.end_ms) for line in lines]
    if not lines or any(a is None or b is None for a, b in timed):
        return transcribe(audio).text, None
    from .asr import ASR_SAMPLE_RATE, load_audio

    samples = load_audio(audio)
    windows: list[tuple[int, int]] = []
    for start, end in timed:
        assert start is not None and end is not None
        if windows and end - windows[-1][0] <= _WINDOW_MS:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    texts = []
    for start, end in windows:
        lo = max(0, (start - _MARGIN_MS) * ASR_SAMPLE_RATE // 1000)
        hi = (end + _MARGIN_MS) * ASR_SAMPLE_RATE // 1000
        texts.append(transcribe(samples[lo:hi]).text)
    return " ".join(t for t in texts if t), samples


def outliers(check: Check, *, floor: float = 0.34, factor: float = 3.0) -> list[SentenceCheck]:
    """The sentences heard far worse than the rest: a word error rate of at least ``floor``
    and at least ``factor`` times the median sentence's (the recognizer itself mishears a
    word now and then, so one slip in a short sentence is not enough)."""
    rates = [s.errors.wer for s in check.sentences if s.errors.reference_words]
    if not rates:
        return []
    median = statistics.median(rates)
    return [
        s
        for s in check.sentences
        if s.errors.reference_words
        and s.errors.errors >= 2
        and s.errors.wer >= floor
        and s.errors.wer >= factor * median
    ]


_CLAUSE_MARK = re.compile(r"\s*(?:[,;:]|\s[—–-]{1,2})\s+")
_LETTER_RUN = re.compile(r"\b(?:[A-Z] ){1,}[A-Z]\b")
_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def alternatives(spoken: str) -> list[tuple[str, str]]:
    """Other ways to say ``spoken`` when the voice garbled it, each with what changed:
    shorter phrases (clause marks become full stops, so the engine takes a breath and
    starts each again), then spelled-out forms (letters joined with hyphens so the engine
    says each letter, hyphenated compounds as separate words). Only forms that differ."""
    found: list[tuple[str, str]] = []
    phrases = _CLAUSE_MARK.sub(". ", spoken)
    if phrases != spoken:
        found.append((phrases, "said in shorter phrases"))
    spelled = _LETTER_RUN.sub(lambda m: "-".join(m.group(0).split()), spoken)
    spelled = _HYPHEN.sub(" ", spelled) if spelled == spoken else spelled
    if spelled != spoken:
        found.append((spelled, "spelled out"))
    return found


def read_script(path: Path) -> list[ScriptLine]:
    """The script of a narration from ``path``: WebVTT (``.vtt``) or SubRip (``.srt``)
    subtitles or a timings JSON file (``.json``), whose sentences are as written and are
    normalized here, or else plain text with one spoken sentence a line, as ``narrator
    script`` prints it."""
    from .normalize import Lexicon, normalize

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the script {path}: {exc}. Check the path.") from exc
    suffix = path.suffix.lower()
    written: list[tuple[str, str, int | None, int | None]] = []
    if suffix == ".json":
        try:
            data = json.loads(text)
            written = [
                (str(s["key"]), str(s["text"]), _ms(s.get("start_ms")), _ms(s.get("end_ms")))
                for s in data["sentences"]
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path} is not a narrator timings file (JSON with 'sentences'): {exc}."
            ) from exc
    elif suffix in (".vtt", ".srt"):
        from .timing import parse_webvtt

        body = text if suffix == ".vtt" else _srt_as_vtt(text)
        written = [(c.key, c.text, c.start_ms, c.end_ms) for c in parse_webvtt(body)]
    else:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [ScriptLine(str(i), line, line) for i, line in enumerate(lines, start=1)]
    if not written:
        raise InputError(f"{path} holds no sentences to check against.")
    lexicon = Lexicon.default()
    return [
        ScriptLine(key, w, normalize(w, lexicon=lexicon), normalize(w), start, end)
        for key, w, start, end in written
    ]


def _ms(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _srt_as_vtt(text: str) -> str:
    return "WEBVTT\n\n" + re.sub(r"(\d\d:\d\d:\d\d),(\d\d\d)", r"\1.\2", text)


def lines_of(script: Script, cues: Sequence[Cue] = ()) -> list[ScriptLine]:
    """The script's sentences as :class:`ScriptLine` s, timed by ``cues`` when given."""
    from .normalize import normalize

    times = {c.key: (c.start_ms, c.end_ms) for c in cues}
    return [
        ScriptLine(s.key, s.text, s.spoken, normalize(s.text), *times.get(s.key, (None, None)))
        for s in script.sentences
    ]


@dataclass(frozen=True)
class Change:
    """A sentence ``narrate --verify`` said another way."""

    key: str
    """The sentence's key."""

    written: str
    """The sentence as written."""

    before: WordErrors
    """How it was heard first."""

    after: WordErrors
    """How it was heard in the finished file."""

    how: str
    """What changed ("said in shorter phrases", "spelled out"), or "kept" when no other
    way was heard better."""


@dataclass(frozen=True)
class Verified:
    """A narration that was heard back and mended where it could be."""

    narration: Narration
    """The finished narration."""

    first: Check
    """How the first rendering was heard (sentences heard far worse than the rest are
    heard a second time, from their own stretch of audio, and the better hearing counts)."""

    final: Check
    """How the finished file is heard: the first check, with the re-rendered sentences
    heard again."""

    changes: tuple[Change, ...]
    """The outliers and what became of each."""


def _heard_in(samples: Any, cue: Cue, line: ScriptLine) -> SentenceCheck:
    """One sentence heard again from its own stretch of the file."""
    return _heard_span(samples, cue.start_ms, cue.end_ms, line)


def _heard_span(samples: Any, start_ms: int, end_ms: int, line: ScriptLine) -> SentenceCheck:
    from .asr import ASR_SAMPLE_RATE, word_errors

    margin = 120  # ms either side: the cue is tight around the voice
    lo = max(0, (start_ms - margin) * ASR_SAMPLE_RATE // 1000)
    hi = (end_ms + margin) * ASR_SAMPLE_RATE // 1000
    heard = transcribe(samples[lo:hi]).text
    return SentenceCheck(line, " ".join(words_for_scoring(heard)), word_errors(line.target, heard))


def narrate_verified(
    source: Any,
    output: Path,
    *,
    options: NarrateOptions | None = None,
    narrate_kwargs: dict[str, Any] | None = None,
    rounds: int = 2,
) -> Verified:
    """Narrate ``source`` to ``output``, hear it back, and re-render each sentence heard far
    worse than the rest (see :func:`outliers`) another way (:func:`alternatives`): each
    round renders the file again with the changed sentences only (the clip cache keeps the
    rest), hears those sentences again from their own stretch of audio, and keeps a change
    only when its sentence is heard better. Works with any engine. Raises
    :class:`MissingExtraError` without the ``verify`` extra."""
    from .asr import load_audio
    from .pipeline import NarrateOptions, narrate

    options = options or NarrateOptions()
    kwargs = dict(narrate_kwargs or {})
    kwargs.pop("options", None)
    narration = narrate(source, output, options=options, **kwargs)
    lines = lines_of(narration.script, narration.cues)
    first = check_audio(output, lines)
    best = {s.line.key: s for s in first.sentences}
    suspects = outliers(first)
    if suspects:
        # Hear each suspect again from its own stretch of audio: a whole-file transcript
        # now and then drops or garbles a stretch the voice said well, and re-rendering
        # then would change nothing.
        samples = load_audio(output)
        cues = {c.key: c for c in narration.cues}
        for suspect in suspects:
            if suspect.line.key in cues:
                again = _heard_in(samples, cues[suspect.line.key], suspect.line)
                if again.errors.wer < suspect.errors.wer:
                    best[suspect.line.key] = again
        first = replace(first, sentences=tuple(best[s.line.key] for s in first.sentences))
    bad = {s.line.key: s for s in outliers(first)}
    if not bad:
        return Verified(narration, first, first, ())
    tried = {key: alternatives(s.line.spoken) for key, s in bad.items()}
    chosen: dict[str, tuple[str, str]] = {}  # key -> (spoken, how), the best heard so far
    # Standard input can be read only once, and the article is what was read: narrate it.
    kwargs.pop("stdin", None)
    source_again = narration.script.article
    last: tuple[tuple[str, str], ...] = options.respoken
    for attempt in range(rounds):
        trial = dict(chosen)
        for key, options_left in tried.items():
            if attempt < len(options_left):
                trial[key] = options_left[attempt]
        if trial == chosen:
            break
        last = tuple((k, spoken) for k, (spoken, _how) in sorted(trial.items()))
        narration = narrate(source_again, output, options=replace(options, respoken=last), **kwargs)
        samples = load_audio(output)
        cues = {c.key: c for c in narration.cues}
        for key, (spoken, how) in trial.items():
            if chosen.get(key) == (spoken, how) or key not in cues:
                continue
            line = replace(best[key].line, spoken=spoken)
            heard = _heard_in(samples, cues[key], line)
            if heard.errors.wer < best[key].errors.wer:
                best[key], chosen[key] = heard, (spoken, how)
    final_respoken = tuple((k, spoken) for k, (spoken, _how) in sorted(chosen.items()))
    if final_respoken != last:
        # The last round tried something that was not kept: render what was (every clip
        # is in the cache by now, or the whole file is in the narration memo).
        narration = narrate(
            source_again, output, options=replace(options, respoken=final_respoken), **kwargs
        )
    changes = tuple(
        Change(
            key=key,
            written=s.line.written,
            before=s.errors,
            after=best[key].errors,
            how=chosen[key][1] if key in chosen else "kept",
        )
        for key, s in bad.items()
    )
    final = replace(first, sentences=tuple(best[s.line.key] for s in first.sentences))
    return Verified(narration, first, final, changes)
