"""Spelling numbers out in English: cardinals, ordinals, years, digits, decimals, fractions.

Our own speller rather than ``num2words``/``inflect``: the rules we need are short, we want
one house style everywhere (hyphenated tens, no "and" inside numbers, American billions), and
it keeps a dependency out of the pure normalizer. Every function takes digit strings or ints
and never raises on them; numbers too large for the scale table are read digit by digit.
"""

from __future__ import annotations

__all__ = [
    "cardinal",
    "decade",
    "decimal",
    "digits",
    "fraction",
    "number",
    "ordinal",
    "plural_ordinal",
    "year",
]

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = (
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
    "sextillion",
    "septillion",
    "octillion",
    "nonillion",
    "decillion",
)
# Irregular ordinal endings; the rest add "th" ("-y" becomes "-ieth").
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append(f"{_ONES[hundreds]} hundred")
    if rest:
        if rest < 20:
            words.append(_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    return " ".join(words)


def cardinal(n: int | str) -> str:
    """``n`` as a cardinal: 123 -> "one hundred twenty-three", -2 -> "minus two".

    Numbers past the decillions are read digit by digit, which is what a listener can follow.
    """
    value = int(n)
    if value < 0:
        return "minus " + cardinal(-value)
    if value < 20:
        return _ONES[value]
    groups: list[int] = []
    while value:
        value, group = divmod(value, 1000)
        groups.append(group)
    if len(groups) > len(_SCALES):
        return digits(str(int(n)))
    words = [
        (_below_thousand(group) + (f" {_SCALES[i]}" if _SCALES[i] else ""))
        for i, group in reversed(list(enumerate(groups)))
        if group
    ]
    return " ".join(words)


def _ordinal_word(word: str) -> str:
    if word in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[word]
    if word.endswith("y"):
        return word[:-1] + "ieth"
    return word + "th"


def ordinal(n: int | str) -> str:
    """``n`` as an ordinal: 21 -> "twenty-first", 1000 -> "one thousandth"."""
    words = cardinal(n)
    head, sep, last = words.rpartition(" ")
    pre, hyphen, unit = last.rpartition("-")
    return head + sep + pre + hyphen + _ordinal_word(unit)


def plural_ordinal(n: int | str) -> str:
    """The plural ordinal used as a fraction's denominator: 3 -> "thirds", 2 -> "halves"."""
    value = int(n)
    if value == 2:
        return "halves"
    if value == 4:
        return "quarters"
    return ordinal(value) + "s"


def digits(text: str, zero: str = "zero") -> str:
    """Each digit of ``text`` on its own: "004" -> "zero zero four"; non-digits are skipped."""
    return " ".join(zero if ch == "0" else _ONES[int(ch)] for ch in text if ch.isdigit())


def number(text: str) -> str:
    """A written integer: grouped with commas ("13,000") or plain; a leading zero means a code.

    Plain integers of five or more digits are read digit by digit: news style writes
    quantities that large with separators, so "13000" is an identifier (NeMo agrees).
    """
    plain = text.replace(",", "")
    if not plain.isdigit():
        return digits(plain)
    if len(plain) > 1 and plain.startswith("0"):
        return digits(plain)
    if "," not in text and len(plain) >= 5:
        return digits(plain)
    return cardinal(int(plain))


def decimal(whole: str, frac: str) -> str:
    """A decimal number: ("4", "5") -> "four point five", ("", "1") -> "point one"."""
    head = cardinal(int(whole.replace(",", ""))) + " " if whole.replace(",", "") else ""
    return f"{head}point {digits(frac)}" if frac else head.strip()


def year(n: int) -> str:
    """``n`` read as a year: 1905 -> "nineteen oh five", 2000 -> "two thousand",
    2026 -> "twenty twenty-six", 2100 -> "twenty-one hundred", 2007 -> "two thousand seven"."""
    if n < 1000 or n > 9999:
        return cardinal(n)
    high, low = divmod(n, 100)
    if n % 1000 == 0:
        return cardinal(n)
    if high % 10 == 0 and low < 10:
        # 2001-2009: "two thousand seven" is how these years are said.
        return cardinal(n)
    if low == 0:
        return f"{cardinal(high)} hundred"
    if low < 10:
        return f"{cardinal(high)} oh {_ONES[low]}"
    return f"{cardinal(high)} {cardinal(low)}"


def _pluralize(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def decade(n: int) -> str:
    """A decade from its first year: 1990 -> "nineteen nineties", 90 -> "nineties",
    2000 -> "two thousands", 1900 -> "nineteen hundreds"."""
    spoken = year(n) if n >= 1000 else cardinal(n)
    head, sep, last = spoken.rpartition(" ")
    return head + sep + _pluralize(last)


def fraction(numerator: int, denominator: int) -> str:
    """A proper or improper fraction: 2/3 -> "two thirds", 1/2 -> "one half",
    1/2007 -> "one two thousand seventh"; a denominator of 0 or 1 is read "over"."""
    top = cardinal(numerator)
    if denominator in (0, 1):
        return f"{top} over {cardinal(denominator)}"
    if numerator == 1:
        bottom = {2: "half", 4: "quarter"}.get(denominator) or ordinal(denominator)
    else:
        bottom = plural_ordinal(denominator)
    return f"{top} {bottom}"
