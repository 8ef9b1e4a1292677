"""Issue 15: the shapes of real news copy, as exact input -> spoken tables, one behaviour
per test. Each row was decided while reviewing the dev half of the news corpus
(``benchmarks/news_corpus.py``) or comes from the issue's own list."""

from __future__ import annotations

import pytest

from narrator.normalize import normalize


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (
            "There were 27500 spectators.",
            "There were twenty-seven thousand five hundred spectators.",
        ),
        ("About 27500 people came.", "About twenty-seven thousand five hundred people came."),
        (
            "In 2019, 27500 people came.",
            "In twenty nineteen, twenty-seven thousand five hundred people came.",
        ),
        ("a crowd of 104000 fans", "a crowd of one hundred four thousand fans"),
    ],
)
def test_bare_counts_of_five_digits_or_more_are_cardinals(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("13000", "one three zero zero zero"),
        ("Star Wars 75188 Bombardiere", "Star Wars seven five one eight eight Bombardiere"),
        ("Content-Length: 82352 }", "Content-Length: eight two three five two"),
    ],
)
def test_long_numbers_alone_or_after_a_name_stay_codes(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Sit in rows 4 - 9 tonight.", "Sit in rows four to nine tonight."),
        ("pages 10 - 12", "pages ten to twelve"),
        ("170 - 45190", "one hundred seventy - four five one nine zero"),
    ],
)
def test_spaced_ranges(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


def test_clock_time_ranges() -> None:
    assert (
        normalize("Open 9:30-11:00 on weekdays.")
        == "Open nine thirty to eleven o'clock on weekdays."
    )


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (
            "It went 61%-39% in the vote.",
            "It went sixty-one percent to thirty-nine percent in the vote.",
        ),
        ("between 2.5% – 3%", "between two point five percent to three percent"),
    ],
)
def test_percent_ranges(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Call 867-5309 now.", "Call eight six seven, five three zero nine now."),
        (
            "Call 020 7946 0958 today.",
            "Call zero two zero, seven nine four six, zero nine five eight today.",
        ),
        ("They make 911 calls.", "They make nine one one calls."),
    ],
)
def test_phone_numbers_by_locale_shape(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


def test_a_round_three_and_four_digit_pair_is_a_range_not_a_phone() -> None:
    assert normalize("for 200-5000 people") == "for two hundred to five thousand people"


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("The lap took 4.2s.", "The lap took four point two seconds."),
        ("He ran 9.58s in Berlin.", "He ran nine point five eight seconds in Berlin."),
    ],
)
def test_a_decimal_glued_to_s_is_seconds(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Growth was 2.1pc last year.", "Growth was two point one percent last year."),
        ("up 5pc", "up five percent"),
    ],
)
def test_pc_is_percent(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("It has 7.5K followers.", "It has seven point five thousand followers."),
        ("The clip got 3M views.", "The clip got three million views."),
        ("a 1.2tn economy", "a one point two trillion economy"),
        ("some 2.5bn users", "some two point five billion users"),
        ("50K subscribers", "fifty thousand subscribers"),
    ],
)
def test_magnitudes_glued_to_numbers(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("3M said it would appeal.", "three M said it would appeal."),
        ("streaming in 4K output", "streaming in four K output"),
        ("a 40m swim", "a forty meters swim"),
    ],
)
def test_letters_after_integers_that_are_not_magnitudes(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("The film runs 1h 40m.", "The film runs one hour forty minutes."),
        ("a 2hr 5min wait", "a two hours five minutes wait"),
        ("in 3m 20s", "in three minutes twenty seconds"),
        ("after 1h", "after one hour"),
    ],
)
def test_durations(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Add 2 tsp of salt.", "Add two teaspoons of salt."),
        ("1 tbsp butter", "one tablespoon butter"),
        ("1/2 tsp ground ginger", "one half teaspoon ground ginger"),
        ("He scored 40 pts.", "He scored forty points."),
        ("It has 414 lb-ft of torque.", "It has four hundred fourteen pound feet of torque."),
        ("402 hp", "four hundred two horsepower"),
        ("an ideal 60fps", "an ideal sixty frames per second"),
        ("540 Nm of torque", "five hundred forty newton meters of torque"),
        ("It holds 21.7 cu.ft. in back.", "It holds twenty-one point seven cubic feet in back."),
    ],
)
def test_unit_abbreviations(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("See Fig. 2 and Table 3.", "See Figure two and Table three."),
        ("(see Figs. 3 and 4)", "(see Figures three and four)"),
        ("under Sec. 230", "under Section two hundred thirty"),
        ("in Eq. 5", "in Equation five"),
        ("Vol. 2, Ch. 7", "Volume two, Chapter seven"),
    ],
)
def test_figure_table_and_section_references(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        (
            "Results for Q1 2026 were strong.",
            "Results for the first quarter of twenty twenty-six were strong.",
        ),
        ("the Q4 2019 figures", "the fourth quarter of twenty nineteen figures"),
        ("Profit rose in Q3, he said.", "Profit rose in the third quarter, he said."),
        ("sales in H1 2020", "sales in the first half of twenty twenty"),
        ("in FY2019", "in fiscal twenty nineteen"),
    ],
)
def test_quarters_and_halves(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Sen. Ted Cruz (R-Texas) spoke.", "Senator Ted Cruz (Republican of Texas) spoke."),
        (
            "Rep. Nancy Pelosi (D-Calif.) spoke.",
            "Representative Nancy Pelosi (Democrat of California) spoke.",
        ),
        ("Sen. Bernie Sanders (I-VT)", "Senator Bernie Sanders (independent of Vermont)"),
        ("Rep. Pelosi, D-Calif., said", "Representative Pelosi, Democrat of California, said"),
        ("Sen. Chuck Schumer (D-N.Y.)", "Senator Chuck Schumer (Democrat of New York)"),
    ],
)
def test_party_state_tags(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("It happened on 3/22.", "It happened on March twenty-second."),
        ("open until 12/31", "open until December thirty-first"),
        ("on Tuesday, 4/7 at noon", "on Tuesday, April seventh at noon"),
    ],
)
def test_slash_dates_after_a_date_word(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Cut it by 1/3.", "Cut it by one third."),
        ("from 1/4 cup", "from one quarter cup"),
    ],
)
def test_slashes_without_a_date_word_stay_fractions(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Flight BA 2490 was late.", "Flight B A twenty-four ninety was late."),
        ("flight UA123", "flight U A one twenty-three"),
        ("Take Route 101 north.", "Take Route one oh one north."),
        ("on I-95", "on I ninety-five"),
        ("Route 66", "Route sixty-six"),
    ],
)
def test_flight_and_route_codes(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("The Lakers won 102-99.", "The Lakers won one hundred two to ninety-nine."),
        ("The bill passed 52-48.", "The bill passed fifty-two to forty-eight."),
        ("a 5-4 decision", "a five to four decision"),
    ],
)
def test_scores_and_votes(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("of the 2022/23 season", "of the twenty twenty-two to twenty-three season"),
        ("an unstable 1080p picture", "an unstable ten eighty p picture"),
        ("known as 802.11ax, it", "known as eight oh two dot eleven A X, it"),
    ],
)
def test_seasons_resolutions_and_standards(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("owes Taylor $7.9 million dollars", "owes Taylor seven point nine million dollars"),
        ("a $5 dollars fee", "a five dollar fee"),
    ],
)
def test_a_currency_word_after_the_symbol_is_not_said_twice(written: str, spoken: str) -> None:
    assert normalize(written) == spoken
