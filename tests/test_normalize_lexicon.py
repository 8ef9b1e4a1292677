"""The pronunciation lexicon: loading, merging, case rules and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrator.errors import VoiceError
from narrator.normalize import Lexicon, normalize

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_lexicon_loads_and_fixes_seed_names() -> None:
    lexicon = Lexicon.load(REPO / "voices" / "lexicon.toml")
    assert normalize("Maduro’s Igla-S systems", lexicon=lexicon) == "Madooro’s Eegla S systems"


def test_capitalized_key_matches_only_as_written(tmp_path: Path) -> None:
    lexicon = Lexicon.load(write(tmp_path / "l.toml", '[words]\n"Nice" = "Neece"\n'))
    assert lexicon.apply("Nice is nice") == "Neece is nice"


def test_lower_case_key_matches_any_case(tmp_path: Path) -> None:
    lexicon = Lexicon.load(write(tmp_path / "l.toml", '[words]\n"kyiv" = "Keev"\n'))
    assert lexicon.apply("Kyiv, KYIV and kyiv") == "Keev, Keev and Keev"


def test_whole_words_only(tmp_path: Path) -> None:
    lexicon = Lexicon.load(write(tmp_path / "l.toml", '[words]\n"Igla" = "Eegla"\n'))
    assert lexicon.apply("Igla Iglas Igla-S") == "Eegla Iglas Igla-S"


def test_patterns_run_after_words(tmp_path: Path) -> None:
    path = write(
        tmp_path / "l.toml",
        '[words]\n"Xi" = "Shee"\n[patterns]\n\'\\bShee Jinping\\b\' = "Shee Jin-ping"\n',
    )
    assert Lexicon.load(path).apply("Xi Jinping") == "Shee Jin-ping"


def test_later_files_win(tmp_path: Path) -> None:
    first = write(tmp_path / "a.toml", '[words]\n"Lavrov" = "Lavroff"\n"Caracas" = "K"\n')
    second = write(tmp_path / "b.toml", '[words]\n"Lavrov" = "Lahvrof"\n')
    lexicon = Lexicon.load(first, second)
    assert lexicon.apply("Lavrov in Caracas") == "Lahvrof in K"


def test_default_lets_user_folders_override_bundled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "lexicon.toml", '[words]\n"Maduro" = "Mah-DOO-ro"\n')
    monkeypatch.setenv("NARRATOR_VOICES", str(tmp_path))
    lexicon = Lexicon.default()
    assert lexicon.apply("Maduro Igla-S") == "Mah-DOO-ro Eegla S"


def test_empty_changes_nothing() -> None:
    assert Lexicon.empty().apply("Igla-S") == "Igla-S"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[words\n", "is not valid TOML"),
        ('[words]\n"a" = 3\n', "must map strings to strings"),
        ("[patterns]\n'(' = \"x\"\n", "is not a valid regular expression"),
    ],
)
def test_bad_files_raise_voice_error(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(VoiceError, match=message):
        Lexicon.load(write(tmp_path / "bad.toml", content))


def test_missing_file_raises_voice_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match="could not be read"):
        Lexicon.load(tmp_path / "nope.toml")
