"""The pronunciation lexicon: words and patterns mapped to what the engine should say.

Loaded from TOML (see ``voices/lexicon.toml`` for the format and the case rules) and applied
to the text before the language rules run.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narrator.errors import VoiceError

__all__ = ["Lexicon"]

LEXICON_FILE = "lexicon.toml"


def _word_regex(words: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Longest first so "Igla-S" wins over "Igla". A key with a capital letter matches only
    # as written; an all-lower-case key matches any capitalization.
    alternatives = []
    for key, _ in sorted(words, key=lambda kv: len(kv[0]), reverse=True):
        escaped = re.escape(key)
        alternatives.append(escaped if key != key.lower() else f"(?i:{escaped})")
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w]|-\w)")


@dataclass(frozen=True)
class Lexicon:
    """Pronunciation overrides, applied before the normalization rules."""

    words: tuple[tuple[str, str], ...] = ()
    """Whole words (or hyphenated names) and what to say instead, in file order."""

    patterns: tuple[tuple[str, str], ...] = ()
    """Regular expressions and their replacements (``\\1`` back-references allowed)."""

    _word_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)
    _compiled: tuple[tuple[re.Pattern[str], str], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Compiled once here: normalize() runs per sentence and must stay cheap.
        lookup: dict[str, str] = {}
        for key, value in self.words:
            lookup[key] = value
            if key == key.lower():
                lookup.setdefault(key.lower(), value)
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_word_re", _word_regex(self.words))
        object.__setattr__(self, "_compiled", tuple((re.compile(p), r) for p, r in self.patterns))

    @classmethod
    def empty(cls) -> Lexicon:
        """A lexicon that changes nothing."""
        return cls()

    @classmethod
    def load(cls, *paths: Path) -> Lexicon:
        """Read and merge lexicon files; for a key present in several, the later file wins.

        Raises :class:`~narrator.errors.VoiceError` when a file cannot be read, is not
        TOML, or holds a pattern that is not a valid regular expression.
        """
        words: dict[str, str] = {}
        patterns: dict[str, str] = {}
        for path in paths:
            file_words, file_patterns = _read(path)
            words.update(file_words)
            patterns.update(file_patterns)
        return cls(tuple(words.items()), tuple(patterns.items()))

    @classmethod
    def default(cls, extra: Sequence[Path] = ()) -> Lexicon:
        """The lexicon from every voices folder's ``lexicon.toml``: user folders override
        the bundled one entry by entry, and ``extra`` files (``--lexicon``) override both."""
        from narrator.resources import voices_dirs

        found = [d / LEXICON_FILE for d in voices_dirs() if (d / LEXICON_FILE).is_file()]
        # voices_dirs() lists highest priority first; load() lets later files win.
        return cls.load(*reversed(found), *extra)

    def apply(self, text: str) -> str:
        """``text`` with every word entry, then every pattern entry, replaced."""
        if self._word_re is not None:
            lookup = self._lookup
            text = self._word_re.sub(
                lambda m: lookup.get(m.group(0)) or lookup.get(m.group(0).lower(), m.group(0)),
                text,
            )
        for pattern, replacement in self._compiled:
            text = pattern.sub(replacement, text)
        return text


MAX_LEXICON_BYTES = 1024 * 1024
"""A lexicon file larger than this is refused: the shipped one is 1 KB, and reading is
bounded so ``--lexicon /dev/zero`` fails at once instead of reading forever."""


def _read_bounded(path: Path) -> str:
    with path.open("rb") as fh:
        data = fh.read(MAX_LEXICON_BYTES + 1)
    if len(data) > MAX_LEXICON_BYTES:
        raise VoiceError(
            f"The pronunciation lexicon {path} is larger than {MAX_LEXICON_BYTES // 1024} KB; "
            "a lexicon is a short list of words. Give the right file."
        )
    return data.decode("utf-8")


def _nested_repeat(pattern: str) -> bool:
    """Whether ``pattern`` repeats something that itself repeats or branches, such as
    ``(a+)+`` or ``(a|aa)*``: the shapes that make a backtracking matcher take exponential
    time on a near-miss. Python's re cannot be given a time limit, so they are refused."""
    parser: Any = importlib.import_module("re._parser")
    constants: Any = importlib.import_module("re._constants")
    repeats = {constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT}

    def walk(items: Any, inside_repeat: bool) -> bool:
        for op, arg in items:
            if op in repeats:
                _low, high, body = arg
                repeats_many = high is constants.MAXREPEAT or high > 1
                if inside_repeat and repeats_many:
                    return True
                if walk(body, inside_repeat or repeats_many):
                    return True
            elif op is constants.BRANCH:
                if inside_repeat:
                    return True
                if any(walk(branch, inside_repeat) for branch in arg[1]):
                    return True
            elif op is constants.SUBPATTERN:
                if walk(arg[3], inside_repeat):
                    return True
            elif op in {constants.ASSERT, constants.ASSERT_NOT} and walk(arg[1], inside_repeat):
                return True
        return False

    return walk(parser.parse(pattern), False)


def _read(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    try:
        document = tomllib.loads(_read_bounded(path))
    except OSError as exc:
        raise VoiceError(
            f"The pronunciation lexicon {path} could not be read ({exc.strerror}). "
            "Check the path or remove the file."
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise VoiceError(
            f"The pronunciation lexicon {path} is not valid TOML ({exc}). "
            "Fix the file or remove it."
        ) from exc
    sections: list[dict[str, str]] = []
    for name in ("words", "patterns"):
        table = document.get(name, {})
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise VoiceError(
                f"The [{name}] table in the pronunciation lexicon {path} must map strings "
                'to strings, like "Igla-S" = "Eegla S". Fix the file or remove it.'
            )
        sections.append(dict(table))
    for pattern, replacement in sections[1].items():
        try:
            re.compile(pattern).sub(replacement, "")
        except (re.error, IndexError) as exc:
            raise VoiceError(
                f"The pattern {pattern!r} in the pronunciation lexicon {path} is not a valid "
                f"regular expression with its replacement ({exc}). Fix or remove that entry."
            ) from exc
        if _nested_repeat(pattern):
            raise VoiceError(
                f"The pattern {pattern!r} in the pronunciation lexicon {path} repeats a group "
                "that itself repeats or has alternatives, which can take forever to match. "
                "Rewrite it without the nested repetition (e.g. 'a+' for '(a+)+')."
            )
    return sections[0], sections[1]
