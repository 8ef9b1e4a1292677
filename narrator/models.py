"""Frozen dataclasses passed between the pipeline's stages.

ingest -> :class:`Document` -> extract -> :class:`Article` -> segment/normalize ->
:class:`Script` (of :class:`Sentence`) -> chunk -> :class:`Chunk` -> synthesize ->
:class:`Clip` -> assemble -> :class:`Narration` (with :class:`Cue` and :class:`Chapter`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = [
    "Article",
    "Block",
    "BlockKind",
    "Break",
    "Chapter",
    "Chunk",
    "Clip",
    "ClipWord",
    "Cue",
    "DocFormat",
    "Document",
    "DroppedBlock",
    "Narration",
    "PausePolicy",
    "Script",
    "Sentence",
    "VoiceProfile",
    "WordTiming",
]


class DocFormat(StrEnum):
    """The markup a document is written in."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


@dataclass(frozen=True)
class Document:
    """A source read into memory and decoded, before any extraction."""

    text: str
    """The decoded text, BOM removed."""

    format: DocFormat
    """How the text is marked up."""

    source: str
    """What the user named: a path, a URL, or ``-`` for standard input."""

    url: str | None = None
    """The final URL after redirects, when the document came from the web."""

    encoding: str = "utf-8"
    """The encoding the bytes were decoded with."""


class BlockKind(StrEnum):
    """What a block of an article is; it decides how it is read and paused."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    QUOTE = "quote"
    CAPTION = "caption"


@dataclass(frozen=True)
class Block:
    """One block of an article's body, as written (not yet normalized for speech)."""

    kind: BlockKind
    """Heading, paragraph, list item, quote or caption."""

    text: str
    """The block's text on one line, markup removed."""

    level: int = 0
    """Heading level (1 to 6) for headings; 0 otherwise."""

    part: str = "body"
    """Which part of the page the block belongs to: ``body`` (the story) or a side part
    such as ``summary`` or ``analysis`` that is read only when asked for."""


@dataclass(frozen=True)
class DroppedBlock:
    """A piece of the page the extractor chose not to read, and why."""

    text: str
    """The dropped text (shortened if long)."""

    rule: str
    """The name of the rule or score that dropped it, e.g. ``chrome:newsletter``."""

    detail: str = ""
    """Anything else that explains the decision."""


@dataclass(frozen=True)
class Article:
    """An article found in a document: metadata plus typed body blocks."""

    title: str | None
    """The headline."""

    blocks: tuple[Block, ...]
    """The body, in reading order (all parts; see :meth:`blocks_for`)."""

    byline: str | None = None
    """The author or authors, as displayed."""

    date: str | None = None
    """Publication date, ISO 8601 (``2025-10-24``) when it could be parsed."""

    site_name: str | None = None
    """The publication or site."""

    language: str | None = None
    """BCP 47 language tag, e.g. ``en``."""

    url: str | None = None
    """The canonical URL."""

    source: str = ""
    """Where the document came from (path, URL or ``-``)."""

    description: str | None = None
    """A one-line summary when the page gives one."""

    dropped: tuple[DroppedBlock, ...] = ()
    """What was left out, for ``narrator extract --explain``."""

    def blocks_for(self, parts: frozenset[str] = frozenset({"body"})) -> tuple[Block, ...]:
        """The blocks that belong to any of ``parts``, in order."""
        return tuple(b for b in self.blocks if b.part in parts)


class Break(StrEnum):
    """The kind of pause after a piece of speech; the voice profile gives its length."""

    CLAUSE = "clause"
    SENTENCE = "sentence"
    PARAGRAPH = "paragraph"
    BEFORE_HEADING = "before_heading"
    AFTER_HEADING = "after_heading"
    END = "end"


@dataclass(frozen=True)
class Sentence:
    """One sentence as written and as it will be spoken."""

    key: str
    """A stable id: the same text at the same position gets the same key across runs."""

    text: str
    """The sentence as written, for subtitles and highlighting."""

    spoken: str
    """The normalized, speakable form sent to the engine."""

    block: int
    """Index of the block the sentence came from, within the spoken blocks."""

    kind: BlockKind
    """The kind of that block."""

    pause_after: Break
    """The pause that follows the sentence."""


@dataclass(frozen=True)
class Script:
    """Everything that will be spoken, in order, with the article it came from."""

    article: Article
    """The extracted article."""

    sentences: tuple[Sentence, ...]
    """The sentences to speak, headline first when there is one."""


@dataclass(frozen=True)
class Chunk:
    """One unit of synthesis: a sentence, or a clause of a very long one."""

    index: int
    """Position in the narration, from 0."""

    sentence: int
    """Index of the sentence in :attr:`Script.sentences` this chunk belongs to."""

    text: str
    """Speakable text for the engine."""

    pause_after: Break
    """The pause that follows this chunk."""


@dataclass(frozen=True)
class ClipWord:
    """When one spoken word is heard inside a clip, as the synthesizer placed it."""

    text: str
    """The word as the engine was given it (normalized, spoken form)."""

    start: int
    """First sample of the word, counted from the clip's first sample."""

    end: int
    """Sample just past the word's end."""


@dataclass(frozen=True)
class Clip:
    """Rendered audio of one chunk: 16-bit signed little-endian mono PCM."""

    pcm: bytes
    """Raw samples."""

    sample_rate: int
    """Samples per second."""

    key: str = field(default="", compare=False)
    """The clip's content address in the cache (empty when it was not cached)."""

    words: tuple[ClipWord, ...] = ()
    """The spoken words in order, timed in this clip's samples (empty when the engine
    gives no timings)."""

    estimated: bool = False
    """True when the word times are estimated rather than the synthesizer's own durations."""

    @property
    def frames(self) -> int:
        """The number of samples."""
        return len(self.pcm) // 2

    @property
    def duration_ms(self) -> float:
        """Length in milliseconds."""
        return 1000.0 * self.frames / self.sample_rate


@dataclass(frozen=True)
class WordTiming:
    """When one written word of a sentence is heard in the finished audio."""

    text: str
    """The word as written: ``sentence_text[char_start:char_end] == text``."""

    start_ms: int
    """Start, in milliseconds from the beginning of the file."""

    end_ms: int
    """End, in milliseconds from the beginning of the file."""

    char_start: int
    """Offset of the word's first character in the sentence's written text."""

    char_end: int
    """Offset just past the word's last character in the sentence's written text."""


@dataclass(frozen=True)
class Cue:
    """When one sentence is heard in the finished audio."""

    key: str
    """The sentence's stable key."""

    text: str
    """The sentence as written."""

    start_ms: int
    """Start, in milliseconds from the beginning of the file."""

    end_ms: int
    """End, in milliseconds from the beginning of the file."""

    words: tuple[WordTiming, ...] = ()
    """The sentence's written words in order, timed (empty when the engine gives none)."""

    estimated: bool = False
    """True when the word times are estimated rather than taken from the synthesizer."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cue:
        """The cue that :func:`dataclasses.asdict` turned into ``data`` (as stored in JSON)."""
        fields = dict(data)
        fields["words"] = tuple(WordTiming(**w) for w in fields.get("words", ()))
        return cls(**fields)


@dataclass(frozen=True)
class Chapter:
    """A section of the narration that starts at a heading."""

    title: str
    """The heading (or the headline for the first chapter)."""

    start_ms: int
    """Start, in milliseconds."""

    end_ms: int
    """End, in milliseconds."""


@dataclass(frozen=True)
class PausePolicy:
    """Pause lengths in milliseconds, held by the voice profile."""

    clause_ms: int = 180
    """Between the pieces of a sentence split at a clause."""

    sentence_ms: int = 350
    """Between sentences of a paragraph."""

    paragraph_ms: int = 700
    """Between paragraphs and list items."""

    before_heading_ms: int = 1000
    """Before a heading."""

    after_heading_ms: int = 550
    """After a heading or the headline."""

    edge_ms: int = 150
    """Silence at the very start and end of the file."""

    def for_break(self, brk: Break) -> int:
        """The pause for ``brk``."""
        return {
            Break.CLAUSE: self.clause_ms,
            Break.SENTENCE: self.sentence_ms,
            Break.PARAGRAPH: self.paragraph_ms,
            Break.BEFORE_HEADING: self.before_heading_ms,
            Break.AFTER_HEADING: self.after_heading_ms,
            Break.END: self.edge_ms,
        }[brk]


@dataclass(frozen=True)
class VoiceProfile:
    """A named voice: which engine and model speak, how fast, and how it pauses."""

    name: str
    """The name users pass to ``--voice``."""

    engine: str
    """The registered engine name, e.g. ``piper``."""

    model: str
    """The engine's voice: a Piper model name or path, or a system voice id."""

    rate: float = 1.0
    """Speaking rate; 1.0 is the voice's natural speed."""

    pauses: PausePolicy = field(default_factory=PausePolicy)
    """Pause lengths."""

    description: str = ""
    """One line for ``narrator voices``."""

    path: Path | None = None
    """The TOML file the profile was read from, if any."""

    language: str = "en"
    """The language the voice reads (BCP 47 primary subtag, e.g. ``en``, ``fr``)."""


@dataclass(frozen=True)
class Narration:
    """The result of a narration."""

    output: Path | None
    """Where the audio was written."""

    format: str
    """Container/codec: ``mp3`` or ``wav``."""

    duration_ms: int
    """Length of the finished audio."""

    sample_rate: int
    """Sample rate of the finished audio."""

    script: Script
    """What was spoken."""

    cues: tuple[Cue, ...]
    """One cue per spoken sentence, in order."""

    chapters: tuple[Chapter, ...]
    """One chapter per section."""

    voice: str
    """The voice profile's name."""

    rendered: int = 0
    """How many chunks the engine rendered in this run."""

    cached: int = 0
    """How many chunks came from the cache."""
