"""The page-dump line model's features and its shipped weights, on lines of our own."""

from __future__ import annotations

from bisect import bisect_right

import pytest

from narrator.extract._lines import FEATURES, label_lines, line_features, load_model
from tests.test_extract_general import PROSE


def _column(rows: list[list[float]], name: str) -> list[float]:
    at = FEATURES.index(name)
    return [row[at] for row in rows]


def test_a_hard_wrapped_paragraph_is_prose_on_every_line() -> None:
    # A plain-text page wraps a paragraph at 70 columns: no line ends a sentence but the last.
    words = PROSE[0].split()
    wrapped = [" ".join(words[i : i + 6]) for i in range(0, len(words), 6)]
    lines = ["Menu", *wrapped, "Footer"]
    rows = line_features(lines)
    paragraph = _column(rows, "paragraph_words")[1 : 1 + len(wrapped)]
    assert len(set(paragraph)) == 1  # one paragraph, all its lines
    assert _column(rows, "paragraph_ends")[1] == 1.0
    assert all(v > 0 for v in _column(rows, "continues")[1 : 1 + len(wrapped)])
    assert _column(rows, "continues")[0] == 0.0


def test_code_lines_look_like_code_and_prose_does_not() -> None:
    lines = [PROSE[0], "function greet(name) {", '  return "hi " + name;', "}", PROSE[1]]
    rows = line_features(lines)
    code = _column(rows, "code_share")
    ends = _column(rows, "code_end")
    assert min(code[1:4]) > max(code[0], code[4])
    assert ends[1:4] == [1.0, 1.0, 1.0]
    assert ends[0] == ends[4] == 0.0


def test_a_language_menu_is_non_latin_and_a_list_shares_its_lead() -> None:
    lines = ["Deutschland (Deutsch)", "Ελλάδα (Ελληνικά)", "日本 (日本語)"]
    lines += ["- one", "- two", "three"]
    rows = line_features(lines)
    non_latin = _column(rows, "non_latin")
    assert non_latin[0] == 0.0 and non_latin[1] > 0.9 and non_latin[2] > 0.9
    assert _column(rows, "same_lead")[3:] == [1.0, 1.0, 0.0]
    assert _column(rows, "bullet")[3:] == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("name", ["bullet", "code_end", "rank", "bare_number", "legal", "handle"])
def test_every_yes_no_feature_has_a_say_in_the_shipped_model(name: str) -> None:
    # Bin edges at a quantile that *is* 0 put 0 and 1 in one bin: the feature had no weight.
    model = load_model()
    at = FEATURES.index(name)
    no, yes = (bisect_right(model.edges[at], value) for value in (0.0, 1.0))
    assert no != yes
    assert model.weights[at][no] != model.weights[at][yes]


def test_story_lines_outscore_a_menu_around_them() -> None:
    menu = ["Home", "World", "Business", "Sport", "Culture", "Weather", "Opinion", "Video"]
    footer = ["About us", "Contact", "Privacy policy", "Terms of use", "Careers"]
    lines = [*menu, *PROSE, *PROSE[::-1], *footer]
    scores = label_lines(lines)
    story = scores[len(menu) : len(menu) + 2 * len(PROSE)]
    chrome = scores[: len(menu)] + scores[-len(footer) :]
    assert min(story) >= 0.5 > max(chrome)


def _tricky_lines() -> list[str]:
    """Lines from a pool of characters where the fast paths could part from the patterns:
    closers, code marks, case-folding letters (ſ, K, İ, ı), non-Latin scripts, digits of
    other scripts, separators, symbols."""
    import random

    pool = list("aZ .!?…:\"'”’)]([{};,=<>_\\$#&|*+`©@/•·»›-") + list("ſKİıΩж日٣½²ß")
    words = ["reserved", "RESERVED", "Photo", "getty", "www.", ".com", "://", "(c) 2024"]
    rng = random.Random(11)
    lines = ["all rights reſerved", "ALL RIGHTS RESERVED 2024", "Photo: ſhutterſtock"]
    for _ in range(3000):
        parts = [rng.choice(words) if rng.random() < 0.2 else rng.choice(pool) for _ in range(12)]
        line = " ".join("".join(parts).split())
        if line:
            lines.append(line)
    return lines


def test_the_fast_paths_agree_with_the_patterns_they_stand_for() -> None:
    import re

    from narrator.extract import _lines as m

    # What the fast paths stand for: the patterns the features were first computed with.
    word = re.compile(r"\w+")
    sentence_end = re.compile(r"[.!?…:][\"'”’)\]]*$")
    code_end = re.compile(r"[;{}(),\[\]]\s*$|^\s*[})\]]")

    lines = _tricky_lines()
    counts = m._counts(lines)
    lowers = [line.lower() for line in lines]
    folds = m._hinted(lines, m._FOLD_HINT)
    hinted = {
        m._LEGAL: m._hinted(lowers, m._LEGAL_HINT) | folds,
        m._HANDLE: m._hinted(lines, m._HANDLE_HINT),
        m._CREDIT: m._hinted(lowers, m._CREDIT_HINT) | folds,
    }
    for at, line in enumerate(lines):
        assert bool(sentence_end.search(line)) == m._ends_sentence(line), line
        assert bool(code_end.search(line)) == m._code_end(line), line
        for pattern, lines_hinted in hinted.items():
            if pattern.search(line):
                assert at in lines_hinted, (pattern.pattern, line)
        assert counts.words[at] == len(word.findall(line)), line
        assert counts.letters[at] == sum(map(len, m._ALPHA_WORD.findall(line))), line
        for got, pattern in (
            (counts.digits, m._DIGIT),
            (counts.symbols, m._SYMBOL),
            (counts.code, m._CODE_CHAR),
            (counts.non_latin, m._NON_LATIN),
            (counts.separators, m._SEPARATORS),
        ):
            assert got[at] == len(pattern.findall(line)), (pattern.pattern, line)
        assert counts.chars[at] == len(line)
