"""Sentence timings -> WebVTT and SRT captions, and Podcasting 2.0 JSON chapters (pure).

The shapes follow the Podcast Namespace examples (``docs/examples/transcripts/example.vtt``,
``example.srt`` and ``docs/examples/chapters/example.json``): one caption per sentence,
``HH:MM:SS.mmm`` (WebVTT) or ``HH:MM:SS,mmm`` (SRT) timings, and chapters with
``startTime`` in seconds. The web player reads the same WebVTT back with
:func:`parse_webvtt`, so the cue identifier is the sentence key it highlights by.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import AudioError
from .models import Chapter, Cue, WordTiming

__all__ = [
    "CAPTION_LINES",
    "CAPTION_LINE_CHARS",
    "CAPTION_MAX_MS",
    "TIMINGS_VERSION",
    "Caption",
    "captions",
    "chapters_json",
    "parse_webvtt",
    "timings_json",
    "to_srt",
    "to_webvtt",
]

CHAPTERS_VERSION = "1.2.0"
"""The JSON chapters format version the Podcast Namespace examples use."""

TIMINGS_VERSION = 1
"""The version of narrator's timings JSON (:func:`timings_json`)."""

CAPTION_LINE_CHARS = 42
"""Longest caption line: the common broadcast and streaming guideline."""

CAPTION_LINES = 2
"""Most lines in one caption."""

CAPTION_MAX_MS = 7000
"""Longest a caption stays on screen."""

_ARROW = "-->"
_TIMESTAMP = re.compile(r"^(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{3})$")
_TAG = re.compile(r"<[^>]*>")


def _clock(ms: int, fraction_sep: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{fraction_sep}{millis:03d}"


def _one_line(text: str) -> str:
    # A blank line ends a cue in both formats, so a caption is kept on one line.
    return " ".join(text.split())


def _checked(cues: Sequence[Cue]) -> list[Cue]:
    """The cues that have text, after checking they are timed in order."""
    kept = [c for c in cues if _one_line(c.text)]
    previous_start = -1
    for cue in kept:
        if cue.start_ms < 0 or cue.end_ms <= cue.start_ms:
            raise AudioError(
                f"Cue {cue.key!r} runs from {cue.start_ms} ms to {cue.end_ms} ms; a cue must "
                f"end after it starts. This is a bug in timing the audio: please report it."
            )
        if cue.start_ms < previous_start:
            raise AudioError(
                f"Cue {cue.key!r} starts at {cue.start_ms} ms, before the cue ahead of it "
                f"({previous_start} ms); cues must be in time order. Please report this bug."
            )
        previous_start = cue.start_ms
    return kept


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Caption:
    """One readable caption: a piece of a sentence, on at most two short lines."""

    key: str
    """The sentence's key, with ``-2``, ``-3``... for its later pieces."""

    lines: tuple[str, ...]
    """The text as written, wrapped at word boundaries."""

    start_ms: int
    """When the caption appears."""

    end_ms: int
    """When it goes."""

    words: tuple[WordTiming, ...]
    """The words in it, timed."""

    timed: tuple[str, ...]
    """The lines escaped for WebVTT, each word after the first preceded by its start time."""


def _wrap(text: str, width: int = CAPTION_LINE_CHARS) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces (a longer word
    is cut, as a caption line may never be longer)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if not word:
            continue
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _words_of(cue: Cue) -> list[WordTiming]:
    """The cue's timed words, or (when the voice gave none) its written words spread over
    the cue by length, so that a long sentence can still be split."""
    if cue.words:
        return list(cue.words)
    from .words import written_words

    found = written_words(cue.text)
    if not found:
        return []
    total = sum(len(w) + 1 for w, _, _ in found)
    span = cue.end_ms - cue.start_ms
    out, cursor = [], 0
    for word, a, b in found:
        start = cue.start_ms + span * cursor // total
        cursor += len(word) + 1
        end = max(start + 1, cue.start_ms + span * cursor // total)
        out.append(WordTiming(word, start, min(end, cue.end_ms), a, b))
    return out


def _token_start(text: str, position: int) -> int:
    """Where the whitespace-separated token holding ``position`` starts: a caption breaks
    there, so an opening quote stays with the word it opens."""
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    return position


def captions(cues: Sequence[Cue]) -> list[Caption]:
    """Readable captions: each sentence split at word boundaries into pieces of at most
    :data:`CAPTION_LINES` lines of :data:`CAPTION_LINE_CHARS` characters shown for at most
    :data:`CAPTION_MAX_MS` (a single word said for longer than that is shown for its own
    length, cut to the limit). Text is the sentence as written, punctuation included."""
    out: list[Caption] = []
    for cue in _checked(cues):
        text = cue.text
        words = _words_of(cue)
        if not words:
            lines = _wrap(_one_line(text))[:CAPTION_LINES]
            end = min(cue.end_ms, cue.start_ms + CAPTION_MAX_MS)
            escaped = tuple(_vtt_escape(line) for line in lines)
            out.append(Caption(cue.key, tuple(lines), cue.start_ms, end, (), escaped))
            continue
        groups: list[list[WordTiming]] = []
        for i, word in enumerate(words):
            if groups:
                group = groups[-1]
                # Up to the next word, as the piece will be shown (with its punctuation).
                begin = 0 if len(groups) == 1 else _token_start(text, group[0].char_start)
                stop = (
                    _token_start(text, words[i + 1].char_start) if i + 1 < len(words) else len(text)
                )
                piece = text[begin:stop]
                fits = len(_wrap(_one_line(piece))) <= CAPTION_LINES
                start = cue.start_ms if len(groups) == 1 else group[0].start_ms
                if fits and word.end_ms - start <= CAPTION_MAX_MS:
                    group.append(word)
                    continue
            groups.append([word])
        for k, group in enumerate(groups):
            first = 0 if k == 0 else _token_start(text, group[0].char_start)
            last = (
                len(text)
                if k == len(groups) - 1
                else _token_start(text, groups[k + 1][0].char_start)
            )
            start = cue.start_ms if k == 0 else group[0].start_ms
            end = cue.end_ms if k == len(groups) - 1 else groups[k + 1][0].start_ms
            end = max(start + 1, min(end, start + CAPTION_MAX_MS))
            lines = _wrap(_one_line(text[first:last]))[:CAPTION_LINES]
            key = cue.key if k == 0 else f"{cue.key}-{k + 1}"
            timed = _timed_lines(text[:last], first, lines, group, start, end)
            out.append(Caption(key, tuple(lines), start, end, tuple(group), timed))
    return out


def _timed_lines(
    text: str, first: int, lines: list[str], words: Sequence[WordTiming], start_ms: int, end_ms: int
) -> tuple[str, ...]:
    """``lines`` (``text[first:]`` wrapped) escaped for WebVTT, with a ``<HH:MM:SS.mmm>``
    timestamp before each word after the caption's first, the karaoke-style form that
    Apple Podcasts shows. A timestamp must fall inside its cue, so edge ones are left out."""
    tokens = [(m.start() + first, m.end() + first) for m in _TOKEN.finditer(text[first:])]
    if sum(len(line.split(" ")) for line in lines) > len(tokens):
        return tuple(_vtt_escape(line) for line in lines)  # a cut word: no timestamps
    onsets = {w.char_start: w.start_ms for w in words}
    rendered: list[str] = []
    k = 0
    for line in lines:
        out = []
        for token in line.split(" "):
            a, b = tokens[k]
            onset = next((onsets[c] for c in range(a, b) if c in onsets), None)
            k += 1
            if k > 1 and onset is not None and start_ms < onset < end_ms:
                out.append(f"<{_clock(onset, '.')}>{_vtt_escape(token)}")
            else:
                out.append(_vtt_escape(token))
        rendered.append(" ".join(out))
    return tuple(rendered)


_TOKEN = re.compile(r"\S+")


def to_webvtt(cues: Sequence[Cue], *, readable: bool = False) -> str:
    """WebVTT captions: one cue per sentence, identified by the sentence key.

    With ``readable``, long sentences are split into :func:`captions` instead (ids
    ``key``, ``key-2``...), and each word after a caption's first carries its start time
    as an inline timestamp. Cues without text are left out; the rest must start in order
    and end after they start (an :class:`AudioError` says which one does not).
    """
    parts = ["WEBVTT", ""]
    if readable:
        for caption in captions(cues):
            parts.append(_one_line(caption.key).replace(_ARROW, "->"))
            parts.append(f"{_clock(caption.start_ms, '.')} {_ARROW} {_clock(caption.end_ms, '.')}")
            parts.extend(caption.timed)
            parts.append("")
        return "\n".join(parts)
    for cue in _checked(cues):
        key = _one_line(cue.key).replace(_ARROW, "->")  # an id line may not hold "-->"
        if key:
            parts.append(key)
        parts.append(f"{_clock(cue.start_ms, '.')} {_ARROW} {_clock(cue.end_ms, '.')}")
        parts.append(_vtt_escape(_one_line(cue.text)))
        parts.append("")
    return "\n".join(parts)


def to_srt(cues: Sequence[Cue], *, readable: bool = False) -> str:
    """SubRip captions: numbered from 1, one per sentence, ``HH:MM:SS,mmm`` timings
    (with ``readable``, one per :func:`captions` piece)."""
    parts: list[str] = []
    if readable:
        for number, caption in enumerate(captions(cues), start=1):
            parts.append(str(number))
            parts.append(f"{_clock(caption.start_ms, ',')} {_ARROW} {_clock(caption.end_ms, ',')}")
            parts.extend(caption.lines)
            parts.append("")
        return "\n".join(parts)
    for number, cue in enumerate(_checked(cues), start=1):
        parts.append(str(number))
        parts.append(f"{_clock(cue.start_ms, ',')} {_ARROW} {_clock(cue.end_ms, ',')}")
        parts.append(_one_line(cue.text))
        parts.append("")
    return "\n".join(parts)


def _seconds(ms: int) -> float:
    return ms / 1000.0


def chapters_json(chapters: Sequence[Chapter], *, title: str | None = None) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0): ``startTime``/``endTime`` in seconds.

    ``title`` is the episode title; chapters are written in time order.
    """
    doc: dict[str, Any] = {"version": CHAPTERS_VERSION}
    if title:
        doc["title"] = title
    entries: list[dict[str, Any]] = []
    for chapter in sorted(chapters, key=lambda c: c.start_ms):
        entry: dict[str, Any] = {"startTime": _seconds(chapter.start_ms)}
        if chapter.end_ms > chapter.start_ms:
            entry["endTime"] = _seconds(chapter.end_ms)
        entry["title"] = chapter.title
        entries.append(entry)
    doc["chapters"] = entries
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _parse_clock(text: str) -> int:
    match = _TIMESTAMP.match(text.strip())
    if not match:
        raise AudioError(f"{text!r} is not a WebVTT timestamp such as 00:01:02.345.")
    hours, minutes, seconds, millis = match.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def parse_webvtt(text: str) -> list[Cue]:
    """Read WebVTT cues back: identifier (or the cue's position, from 1), times and plain text.

    Markup such as ``<v Sarah>`` is dropped and character references are decoded, so the
    text is what a listener reads. NOTE, STYLE and REGION blocks are skipped.
    """
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].startswith("WEBVTT"):
        raise AudioError("This is not a WebVTT file: it must begin with 'WEBVTT'.")
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines[1:]:
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)

    cues: list[Cue] = []
    for block in blocks:
        timing = next((i for i, line in enumerate(block) if _ARROW in line), None)
        if timing is None or timing > 1:
            continue  # the header's trailing lines, NOTE, STYLE or REGION
        start_text, _, rest = block[timing].partition(_ARROW)
        end_text = rest.split()[0] if rest.split() else ""  # cue settings may follow
        body = "\n".join(_TAG.sub("", line) for line in block[timing + 1 :])
        key = block[0].strip() if timing == 1 else str(len(cues) + 1)
        cues.append(
            Cue(
                key=key,
                text=html.unescape(body).strip(),
                start_ms=_parse_clock(start_text),
                end_ms=_parse_clock(end_text),
            )
        )
    return cues


def timings_json(cues: Sequence[Cue], *, duration_ms: int | None, complete: bool = True) -> str:
    """narrator's timings JSON: every sentence, and its words where the voice gives them.

    The one format the web player reads, whether the service grows it while rendering
    (``complete`` false, ``duration_ms`` still unknown) or ``narrator narrate --timings``
    wrote it beside a pre-rendered file::

        {"version": 1, "duration_ms": 161200, "complete": true, "estimated": false,
         "sentences": [{"key": "...", "text": "...", "start_ms": 150, "end_ms": 4210,
                        "estimated": false,
                        "words": [{"text": "...", "start_ms": 150, "end_ms": 420,
                                   "char_start": 0, "char_end": 5}, ...]}, ...]}

    Word offsets index the sentence's ``text``; times are milliseconds from the start of
    the file. ``estimated`` says the word times were estimated, not taken from the voice.
    """
    sentences: list[dict[str, Any]] = []
    for cue in _checked(cues):
        sentences.append(
            {
                "key": cue.key,
                "text": cue.text,
                "start_ms": cue.start_ms,
                "end_ms": cue.end_ms,
                "estimated": cue.estimated,
                "words": [
                    {
                        "text": w.text,
                        "start_ms": w.start_ms,
                        "end_ms": w.end_ms,
                        "char_start": w.char_start,
                        "char_end": w.char_end,
                    }
                    for w in cue.words
                ],
            }
        )
    doc = {
        "version": TIMINGS_VERSION,
        "duration_ms": duration_ms,
        "complete": complete,
        "estimated": any(c.estimated for c in cues if c.words),
        "sentences": sentences,
    }
    return json.dumps(doc, ensure_ascii=False) + "\n"
