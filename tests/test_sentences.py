"""Sentence splitting, clause splitting and dump cleaning (narrator/sentences.py).

Exact-split tables, one behaviour per test, then properties of split_clauses over real
sentences, then the evaluation gate on the English Golden Rules.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from narrator.sentences import clean_text, split_clauses, split_sentences

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "segmentation.py"

# What narrator reached when pinned (pySBD 0.3.4 itself: 47/48 and 116/116). Raise these when
# the splitter improves; lower them only with a reason in the commit.
GOLDEN_FLOOR = 48
CLEAN_FLOOR = 111


def check(table: list[tuple[str, list[str]]]) -> None:
    for text, expected in table:
        assert split_sentences(text) == expected, text


# --- must not split --------------------------------------------------------------------------


def test_titles_before_names_do_not_end_sentences() -> None:
    check(
        [
            ("Mr. Smith met Dr. Jones.", ["Mr. Smith met Dr. Jones."]),
            (
                "Gov. Gavin Newsom, Sen. Alex Padilla and Gen. Mark Milley met Lt. Jane Doe.",
                ["Gov. Gavin Newsom, Sen. Alex Padilla and Gen. Mark Milley met Lt. Jane Doe."],
            ),
            (
                "She lives on St. Charles Ave. in New Orleans.",
                ["She lives on St. Charles Ave. in New Orleans."],
            ),
        ]
    )


def test_months_before_dates_do_not_end_sentences() -> None:
    check(
        [
            (
                "The ambassador spoke after their Oct. 21 meeting, adding that Moscow agreed.",
                ["The ambassador spoke after their Oct. 21 meeting, adding that Moscow agreed."],
            ),
            (
                "Jan. 6 was a turning point. Dec. 31 was not.",
                ["Jan. 6 was a turning point.", "Dec. 31 was not."],
            ),
        ]
    )


def test_us_inside_a_sentence_does_not_end_it() -> None:
    check(
        [
            (
                "Zakharova said U.S. military actions “raise questions,” urging restraint.",
                ["Zakharova said U.S. military actions “raise questions,” urging restraint."],
            ),
            (
                "I work for the U.S. Government in Virginia.",
                ["I work for the U.S. Government in Virginia."],
            ),
            ("I have lived in the U.S. for 20 years.", ["I have lived in the U.S. for 20 years."]),
        ]
    )


def test_time_abbreviations_inside_a_sentence() -> None:
    check(
        [
            (
                "The meeting starts at 10 a.m. Tuesday and ends at 3 p.m. on Wednesday.",
                ["The meeting starts at 10 a.m. Tuesday and ends at 3 p.m. on Wednesday."],
            ),
            (
                "Officials said the attack began at 3 a.m. local time.",
                ["Officials said the attack began at 3 a.m. local time."],
            ),
        ]
    )


def test_number_abbreviations_before_numbers() -> None:
    check(
        [
            ("He was No. 1 in the draft.", ["He was No. 1 in the draft."]),
            ("Please turn to p. 55.", ["Please turn to p. 55."]),
            ("See Fig. 3 for the data.", ["See Fig. 3 for the data."]),
        ]
    )


def test_company_abbreviations_inside_a_sentence() -> None:
    check(
        [
            (
                "They closed the deal with Pitt, Briggs & Co. at noon.",
                ["They closed the deal with Pitt, Briggs & Co. at noon."],
            ),
            (
                "He works for ABC Ltd. and sometimes for Apple Inc. now.",
                ["He works for ABC Ltd. and sometimes for Apple Inc. now."],
            ),
            ("That is JFK Jr.'s book.", ["That is JFK Jr.'s book."]),
        ]
    )


def test_latin_abbreviations_inside_a_sentence() -> None:
    check(
        [
            (
                "It was Harvard vs. Yale, e.g. the big game, i.e. a rivalry.",
                ["It was Harvard vs. Yale, e.g. the big game, i.e. a rivalry."],
            ),
            (
                "We bought apples, pears, etc. and went home.",
                ["We bought apples, pears, etc. and went home."],
            ),
        ]
    )


def test_initials_do_not_end_sentences() -> None:
    check(
        [
            ("J. R. R. Tolkien wrote it.", ["J. R. R. Tolkien wrote it."]),
            ("I am in the U.S. Army now.", ["I am in the U.S. Army now."]),
            ("My name is Jonas E. Smith.", ["My name is Jonas E. Smith."]),
        ]
    )


def test_decimals_and_clock_times_do_not_end_sentences() -> None:
    check(
        [
            (
                "Shares rose to $4.5 billion at 10:30 on Monday.",
                ["Shares rose to $4.5 billion at 10:30 on Monday."],
            ),
            ("She has $100.00 in her bag.", ["She has $100.00 in her bag."]),
        ]
    )


def test_ellipsis_inside_a_sentence() -> None:
    check(
        [
            ("He paused... and then went on.", ["He paused... and then went on."]),
            (
                "I wasn’t really ... well, what I mean...see . . . what I'm saying.",
                ["I wasn’t really ... well, what I mean...see . . . what I'm saying."],
            ),
        ]
    )


def test_exclamation_in_a_name() -> None:
    check(
        [
            (
                "She works at Yahoo! in the accounting department.",
                ["She works at Yahoo! in the accounting department."],
            )
        ]
    )


def test_quote_inside_a_sentence() -> None:
    check(
        [
            (
                'She turned to him, "This is great." she said.',
                ['She turned to him, "This is great." she said.'],
            ),
            ("“We will fight. We will win,” he said.", ["“We will fight. We will win,” he said."]),
        ]
    )


# --- must split ------------------------------------------------------------------------------


def test_period_question_and_exclamation_end_sentences() -> None:
    check(
        [
            ("Hello World. My name is Jonas.", ["Hello World.", "My name is Jonas."]),
            ("Are you sure? Yes! Absolutely.", ["Are you sure?", "Yes!", "Absolutely."]),
            ("Hello?! Is that you?", ["Hello?!", "Is that you?"]),
        ]
    )


def test_quote_that_ends_a_sentence() -> None:
    check(
        [
            ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
            (
                "He asked, “Why now?” She didn’t answer.",
                ["He asked, “Why now?”", "She didn’t answer."],
            ),
            (
                "Trump said the U.S. “will not back down.” Maduro disagreed.",
                ["Trump said the U.S. “will not back down.”", "Maduro disagreed."],
            ),
        ]
    )


def test_acronym_that_ends_a_sentence() -> None:
    check(
        [
            (
                "The plan was made in the U.S. The next day it was dropped.",
                ["The plan was made in the U.S.", "The next day it was dropped."],
            ),
            ("I live in the E.U. How about you?", ["I live in the E.U.", "How about you?"]),
            (
                "The firm is based in N.Y. It employs 300 people.",
                ["The firm is based in N.Y.", "It employs 300 people."],
            ),
        ]
    )


def test_abbreviation_that_ends_a_sentence() -> None:
    check(
        [
            (
                "We bought apples, pears, etc. Then we went home.",
                ["We bought apples, pears, etc.", "Then we went home."],
            ),
            (
                "They closed the deal with Pitt, Briggs & Co. It closed yesterday.",
                ["They closed the deal with Pitt, Briggs & Co.", "It closed yesterday."],
            ),
            ("He said no. Then he left.", ["He said no.", "Then he left."]),
        ]
    )


def test_time_abbreviation_that_ends_a_sentence() -> None:
    check(
        [
            (
                "The vote is at 10 a.m. The results follow at noon.",
                ["The vote is at 10 a.m.", "The results follow at noon."],
            ),
            (
                "At 5 a.m. Mr. Smith went to the bank. He left at 6 P.M. Mr. Smith then went home.",
                [
                    "At 5 a.m. Mr. Smith went to the bank.",
                    "He left at 6 P.M.",
                    "Mr. Smith then went home.",
                ],
            ),
        ]
    )


def test_ellipsis_that_ends_a_sentence() -> None:
    check(
        [
            (
                "I never meant that.... She left the store.",
                ["I never meant that....", "She left the store."],
            ),
            (
                "This is e.g. Mr. Smith, who talks slowly... And this is another sentence.",
                ["This is e.g. Mr. Smith, who talks slowly...", "And this is another sentence."],
            ),
        ]
    )


def test_numbered_and_lettered_lists() -> None:
    check(
        [
            ("1. The first item 2. The second item", ["1. The first item", "2. The second item"]),
            (
                "1) The first item. 2) The second item.",
                ["1) The first item.", "2) The second item."],
            ),
            ("a. The first item b. The second item", ["a. The first item", "b. The second item"]),
            (
                "• 9. The first item • 10. The second item",
                ["• 9. The first item", "• 10. The second item"],
            ),
            ("1. This is a list item.", ["1. This is a list item."]),
            (
                "As payment for 1. above and for 2. above, no fee is paid.",
                ["As payment for 1. above and for 2. above, no fee is paid."],
            ),
        ]
    )


def test_footnote_after_the_period_stays_with_its_sentence() -> None:
    check([("He was a saint.[1] The emperor ruled.", ["He was a saint.[1]", "The emperor ruled."])])


def test_line_breaks_end_sentences_except_errant_ones() -> None:
    check(
        [
            ("features\ncontact manager\n", ["features", "contact manager"]),
            ("It was a cold \nnight in the city.", ["It was a cold night in the city."]),
        ]
    )


def test_empty_and_blank_text() -> None:
    check([("", []), ("   \n  ", [])])


# --- properties ------------------------------------------------------------------------------


def seed_blocks(seed_path: Path) -> list[str]:
    return [line for line in seed_path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_sentences_lose_no_words(seed_path: Path) -> None:
    for block in seed_blocks(seed_path):
        sentences = split_sentences(block)
        assert all(s and s == s.strip() for s in sentences)
        assert " ".join(sentences).split() == block.split()


def test_seed_article_abbreviations_do_not_split(seed_path: Path) -> None:
    sentences = [s for block in seed_blocks(seed_path) for s in split_sentences(block)]
    assert not any(s.endswith(("Oct.", "U.S.")) for s in sentences)
    assert any("after their Oct. 21 meeting" in s for s in sentences)
    assert any("said U.S. military actions" in s for s in sentences)


# --- split_clauses ---------------------------------------------------------------------------

LONG_SENTENCES = [
    "Venezuela’s ambassador in Moscow said Russian Foreign Minister Sergey Lavrov “reiterated his "
    "solidarity with the government and people of Venezuela in the face of growing external "
    "threats,” after their Oct. 21 meeting, adding that Moscow supports Venezuela’s defense of "
    "national sovereignty.",
    "Washington has 4,500 Marines and sailors in the Caribbean and has struck alleged drug boats; "
    "Trump says land operations are under review.",
    "Tensions between the United States, Venezuela and Russia are rising as Venezuela claims vast "
    "air defense capabilities, while Russia strengthens its support for Caracas and U.S. military "
    "operations increase in the region, potentially affecting regional security and diplomacy.",
    "The practice — which critics call reckless — has continued for years, but officials say it "
    "is legal because the boats were in international waters: nobody has challenged it in court.",
    "Alice was beginning to get very tired of sitting by her sister on the bank, and of having "
    "nothing to do: once or twice she had peeped into the book her sister was reading, but it had "
    "no pictures or conversations in it.",
]


def breaks_only_between_words(sentence: str, pieces: list[str]) -> bool:
    """Every piece boundary falls on whitespace or right after a dash in ``sentence``."""
    position = 0
    for piece in pieces[:-1]:
        position = sentence.index(piece, position) + len(piece)
        before, after = sentence[position - 1], sentence[position]
        if not (after.isspace() or before in "—–-"):
            return False
    return True


@pytest.mark.parametrize("max_chars", [40, 60, 80, 120])
@pytest.mark.parametrize("sentence", LONG_SENTENCES)
def test_clauses_respect_max_chars_and_keep_every_word(sentence: str, max_chars: int) -> None:
    pieces = split_clauses(sentence, max_chars)
    assert all(len(p) <= max_chars for p in pieces)
    assert all(p and p == p.strip() for p in pieces)
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", sentence)
    assert breaks_only_between_words(sentence, pieces)


def test_clauses_of_a_short_sentence() -> None:
    assert split_clauses("It rained.", 80) == ["It rained."]


def test_clauses_prefer_a_semicolon() -> None:
    first, second = split_clauses(LONG_SENTENCES[1], 100)
    assert first.endswith("has struck alleged drug boats;")
    assert second == "Trump says land operations are under review."


def test_clauses_prefer_colons_and_commas_to_plain_spaces() -> None:
    pieces = split_clauses(LONG_SENTENCES[4], 110)
    assert [p.split()[-1] for p in pieces] == ["do:", "reading,", "it."]


def test_clauses_do_not_break_inside_a_quotation_when_they_can_avoid_it() -> None:
    sentence = (
        "He said Venezuelans are “clear, united and aware” and have the means to “defeat this "
        "open conspiracy,” though experts have questioned his claimed reserve force numbers."
    )
    assert [p.split()[-1] for p in split_clauses(sentence, 90)] == [
        "aware”",
        "conspiracy,”",
        "numbers.",
    ]


def test_clauses_keep_an_unbreakable_run_whole() -> None:
    url = "https://example.com/" + "a" * 80
    assert split_clauses(f"See {url} for details", 40) == ["See", url, "for details"]


def test_clauses_reject_a_zero_limit() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        split_clauses("Anything at all.", 0)


# --- clean_text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("It was a cold \nnight in the city.", "It was a cold night in the city."),
        ("Remove long strings of dots........please.", "Remove long strings of dots please."),
        ("<p>This is a test. Another test.</p>", "This is a test. Another test."),
        ("Hello world.Today is Tuesday.", "Hello world. Today is Tuesday."),
        ("See www.testurl.Awesome.com now", "See www.testurl.Awesome.com now"),
        ("\nW\nA\nRN\nI\nNG\n", "WARNING"),
        ("About Me.........5\nChapter 2 ....... 6", "About Me\nChapter 2"),
        ("``Quoted'' text", '"Quoted" text'),
        ("", ""),
    ],
)
def test_clean_text(raw: str, cleaned: str) -> None:
    assert clean_text(raw) == cleaned


# --- evaluation gate -------------------------------------------------------------------------


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("narrator_benchmark_segmentation", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("stem", "clean", "floor"),
    [("golden_rules_en", False, GOLDEN_FLOOR), ("clean_en", True, CLEAN_FLOOR)],
)
def test_golden_rules_gate(shared_dir: Path, stem: str, clean: bool, floor: int) -> None:
    bench = _load_benchmark()
    path = bench.suite_dir(shared_dir) / f"{stem}.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    result = bench.score(bench.load_cases(path), split_sentences, clean)
    failing = [f.case.rule for f in result.failures]
    assert result.passed >= floor, f"{result.passed}/{result.total}; failing: {failing}"


# --- issue 15 -------------------------------------------------------------------------------


def test_an_era_that_ends_a_sentence_before_a_capital() -> None:
    assert split_sentences("Rome fell in 476 A.D. Odoacer took power.") == [
        "Rome fell in 476 A.D.",
        "Odoacer took power.",
    ]


def test_an_era_after_a_lead_in_stays_in_its_sentence() -> None:
    assert split_sentences("In 476 A.D. Odoacer took power.") == ["In 476 A.D. Odoacer took power."]


def test_a_degree_that_ends_a_sentence_before_a_capital() -> None:
    assert split_sentences("He got his Ph.D. Maria was proud.") == [
        "He got his Ph.D.",
        "Maria was proud.",
    ]


def test_a_unit_that_ends_a_sentence_before_a_capital() -> None:
    assert split_sentences("The board is 6 ft. Sam cut it.") == [
        "The board is 6 ft.",
        "Sam cut it.",
    ]


def test_am_after_a_full_clause_ends_it_even_before_a_title() -> None:
    # The issue calls this break false; it is not: "We met at 9 a.m." has its subject and
    # verb, and "Mr. Jones was late." is a sentence of its own. Golden rule 18 draws the same
    # line ("He left the bank at 6 P.M. Mr. Smith then went to the store." is two). Only a
    # lead-in with no clause of its own ("At 9 a.m. Mr. Jones ...") keeps the time.
    assert split_sentences("We met at 9 a.m. Mr. Jones was late.") == [
        "We met at 9 a.m.",
        "Mr. Jones was late.",
    ]
    assert split_sentences("At 9 a.m. Mr. Jones was late.") == ["At 9 a.m. Mr. Jones was late."]


def test_units_inside_a_sentence_before_a_capital_do_not_end_it() -> None:
    assert split_sentences("Add 4 oz. Parmesan and stir.") == ["Add 4 oz. Parmesan and stir."]
    assert split_sentences("Mix 2 lb. Flour and water.") == ["Mix 2 lb. Flour and water."]


def test_min_before_a_name_is_minister() -> None:
    assert split_sentences("Foreign Min. Wang Yi said so.") == ["Foreign Min. Wang Yi said so."]


def test_no_before_a_number_inside_a_sentence() -> None:
    assert split_sentences("He was the no. 1 seed. She was No. 2 in Europe.") == [
        "He was the no. 1 seed.",
        "She was No. 2 in Europe.",
    ]


def test_spaced_initials_are_not_split() -> None:
    assert split_sentences("He flew to the U. A. E. last week.") == [
        "He flew to the U. A. E. last week."
    ]
    assert split_sentences("He flew to the U. A. E. Then he rested.") == [
        "He flew to the U. A. E.",
        "Then he rested.",
    ]


def test_an_ellipsis_ends_its_sentence_and_does_not_open_the_next() -> None:
    assert split_sentences("He waited....The door opened.") == ["He waited....", "The door opened."]
    assert split_sentences("He paused… Then he left.") == ["He paused…", "Then he left."]
