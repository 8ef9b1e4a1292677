"""Article -> sentences -> chunks: what will be said, in order, with the pause after each.

Pure: no I/O. Sentence splitting itself lives in :mod:`narrator.sentences`; normalization
is passed in as a function so this module stays independent of the language.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .errors import InputError
from .models import Article, Block, BlockKind, Break, Chunk, Script, Sentence
from .sentences import split_clauses, split_sentences

__all__ = ["EXTRA_BLOCK", "TITLE_BLOCK", "build_script", "chunk_script", "sentence_key"]

TITLE_BLOCK = -1
"""``Sentence.block`` of the headline (or intro), which is not one of the article's blocks."""

EXTRA_BLOCK = -2
"""``Sentence.block`` of the disclosure and the closing line."""


def sentence_key(text: str, seen: Counter[str]) -> str:
    """A key that depends only on the sentence's text and how often it was seen before.

    Editing one sentence changes only that sentence's key, so caches and highlights keyed
    on it stay valid for the rest of the article.
    """
    base = hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]
    seen[base] += 1
    return f"s{base}" if seen[base] == 1 else f"s{base}-{seen[base]}"


@dataclass(frozen=True)
class _Unit:
    text: str
    block: int
    kind: BlockKind


def _units(
    article: Article,
    blocks: tuple[Block, ...],
    include_title: bool,
    intro: str | None,
    disclosure: str | None,
    outro: str | None,
) -> list[list[_Unit]]:
    """Sentences grouped by block: the opening (intro or headline), the disclosure, the
    body, the closing line."""
    groups: list[list[_Unit]] = []
    opening = intro or (article.title if include_title else None)
    if opening and opening.strip():
        groups.append([_Unit(opening.strip(), TITLE_BLOCK, BlockKind.HEADING)])
    if disclosure and disclosure.strip():
        groups.append([_Unit(disclosure.strip(), EXTRA_BLOCK, BlockKind.PARAGRAPH)])
    for index, block in enumerate(blocks):
        if block.kind is BlockKind.HEADING:
            pieces = [block.text.strip()]
        else:
            pieces = split_sentences(block.text)
        units = [_Unit(p, index, block.kind) for p in pieces if p.strip()]
        if units:
            groups.append(units)
    if outro and outro.strip():
        groups.append([_Unit(outro.strip(), EXTRA_BLOCK, BlockKind.PARAGRAPH)])
    return groups


def _break_after(group: list[_Unit], nxt: list[_Unit] | None) -> Break:
    if nxt is None:
        return Break.END
    if group[-1].kind is BlockKind.HEADING:
        return Break.AFTER_HEADING
    if nxt[0].kind is BlockKind.HEADING:
        return Break.BEFORE_HEADING
    return Break.PARAGRAPH


def build_script(
    article: Article,
    *,
    speak: Callable[[str], str],
    parts: frozenset[str] = frozenset({"body"}),
    include_title: bool = True,
    intro: str | None = None,
    outro: str | None = None,
    disclosure: str | None = None,
) -> Script:
    """The sentences to speak: the headline (or ``intro``), the ``disclosure``, the blocks of
    ``parts``, then ``outro``; each normalized by ``speak``.

    Sentences whose spoken form is empty (a lone symbol, an emoji) are left out.
    """
    blocks = article.blocks_for(parts)
    groups = _units(article, blocks, include_title, intro, disclosure, outro)
    sentences: list[Sentence] = []
    seen: Counter[str] = Counter()
    for g, group in enumerate(groups):
        nxt = groups[g + 1] if g + 1 < len(groups) else None
        for i, unit in enumerate(group):
            spoken = " ".join(speak(unit.text).split())
            if not any(ch.isalnum() for ch in spoken):
                continue
            brk = Break.SENTENCE if i + 1 < len(group) else _break_after(group, nxt)
            sentences.append(
                Sentence(
                    key=sentence_key(unit.text, seen),
                    text=unit.text,
                    spoken=spoken,
                    block=unit.block,
                    kind=unit.kind,
                    pause_after=brk,
                )
            )
    if sentences and sentences[-1].pause_after is not Break.END:
        last = sentences[-1]
        sentences[-1] = Sentence(last.key, last.text, last.spoken, last.block, last.kind, Break.END)
    return Script(article=article, sentences=tuple(sentences))


def chunk_script(script: Script, max_chars: int) -> tuple[Chunk, ...]:
    """One chunk per sentence, and a very long sentence split at clauses.

    Chunks never span two sentences: each sentence's audio must be separately timed (for
    subtitles and highlighting) and separately cached (so editing one sentence re-renders
    only that sentence).
    """
    chunks: list[Chunk] = []
    for s_index, sentence in enumerate(script.sentences):
        spoken = _break_long_tokens(sentence.spoken)
        pieces = split_clauses(spoken, max_chars) or [spoken]
        for p_index, piece in enumerate(pieces):
            last = p_index == len(pieces) - 1
            chunks.append(
                Chunk(
                    index=len(chunks),
                    sentence=s_index,
                    text=piece,
                    pause_after=sentence.pause_after if last else Break.CLAUSE,
                )
            )
    return tuple(chunks)


MAX_TOKEN_CHARS = 64
"""The longest run of characters without a space handed to an engine. English words stay
far below it (the longest in common dictionaries has 45 letters); a longer run is a URL
fragment, a hash or a pasted blob. Left whole, a 100 KB run segfaults espeak and makes
Piper's model allocate memory in proportion to its square; cut at this length every
chunk stays within the engine's ``max_chunk_chars``."""

MAX_RUN_CHARS = 2000
"""A run without a space longer than this is refused rather than read: cut into pieces,
a 100 KB blob would still be three hours of spelled-out gibberish (measured with espeak:
5.5 minutes of work and a 96 MB MP3)."""

_LONG_TOKEN = re.compile(rf"\S{{{MAX_TOKEN_CHARS + 1},}}")


def _break_long_tokens(text: str) -> str:
    """``text`` with every run longer than :data:`MAX_TOKEN_CHARS` cut by spaces; a run
    longer than :data:`MAX_RUN_CHARS` is an :class:`InputError`."""
    for match in _LONG_TOKEN.finditer(text):
        if len(match.group(0)) > MAX_RUN_CHARS:
            raise InputError(
                f"The text holds a run of {len(match.group(0))} characters without a space "
                f"(starting {match.group(0)[:20]!r}), which is not speakable text. Remove it, "
                f"or break it up, and narrate again."
            )

    def cut(match: re.Match[str]) -> str:
        run = match.group(0)
        return " ".join(run[i : i + MAX_TOKEN_CHARS] for i in range(0, len(run), MAX_TOKEN_CHARS))

    return _LONG_TOKEN.sub(cut, text)
