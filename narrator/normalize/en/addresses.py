"""Street addresses: house numbers, compass points, street types and US state codes.

"708 N 1st St, San Jose, CA 95051" -> "seven zero eight North first Street, San Jose,
California nine five zero five one". Runs before the date and number rules, which would
read the house number as a quantity ("seven hundred eight") and leave "N" and "St" to the
initialism rule.
"""

from __future__ import annotations

import re

from narrator.normalize.en import data
from narrator.normalize.en.numbers import cardinal, digits, ordinal, year

__all__ = ["addresses", "house_number"]

_Match = re.Match[str]

_TYPES = "|".join(sorted(data.STREET_TYPES, key=len, reverse=True))
_DIRS = "|".join(sorted(data.DIRECTIONS, key=len, reverse=True))
# A house number, an optional compass point, one to three capitalized (or ordinal) name
# words, then a street type: the capitals keep "1990 for the Ata ST" out.
_ADDRESS_RE = re.compile(
    r"(?<![\w.,/$-])(?P<num>\d{1,5})(?P<sp>\s+)"
    rf"(?:(?P<dir>{_DIRS})\.?\s+)?"
    r"(?P<name>(?:(?:[A-Z][A-Za-z'’-]*|\d{1,3}(?:st|nd|rd|th))\s+){1,3})"
    rf"(?P<type>(?i:{_TYPES}))(?P<dot>\.)?(?![\w'’-])"
)
_ORDINAL_NAME_RE = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b")
_STATES = "|".join(data.US_STATES)
# ", CA 95051", ", NY" at the end, ", FL, 95051": a state code after a capitalized city.
# The city word is bounded: unbounded, it rescanned to the end of the line from every
# capital, so 8,000 "Dr.Mr." took 7.8 s (a job-deadline attack); no city name is longer.
_STATE_RE = re.compile(
    rf"(?P<city>\b[A-Z][a-z][\w'’.-]{{0,40}},\s)(?P<st>{_STATES})\b(?P<zip>,?\s\d{{5}}(?:-\d{{4}})?\b)?(?![\w'’-])"
)


def house_number(text: str) -> str:
    """A house number as addresses are read: "123" -> "one twenty-three", "708" -> "seven
    zero eight", "2788" -> "twenty-seven eighty-eight"; five digits go one by one."""
    value = int(text)
    if (len(text) > 1 and text.startswith("0")) or len(text) >= 5:
        return digits(text)
    if len(text) == 4:
        return year(value)
    head, rest = divmod(value, 100)
    if not head or not rest:
        return cardinal(value)
    return f"{cardinal(head)} {digits(text[1:]) if rest < 10 else cardinal(rest)}"


def _address(match: _Match, text: str) -> str:
    kind = match["type"]
    rest = text[match.end() :].lstrip()
    if kind.lower() == "dr" and rest[:1].isupper():
        return match.group(0)  # "12 Oak Dr. Smith": a title, not a street.
    street = data.STREET_TYPES[kind.lower()]
    if kind.lower() == street.lower():
        street = kind  # a full word stays as the writer spelled it
    name = _ORDINAL_NAME_RE.sub(lambda m: ordinal(int(m.group(1))), match["name"])
    spoken = house_number(match["num"]) + match["sp"]
    if match["dir"]:
        spoken += data.DIRECTIONS[match["dir"]] + " "
    spoken += name + street
    if match["dot"] and (not rest.strip(" \"'”’)]") or rest[:1].isupper()):
        spoken += "."  # "1428 Elm St. It was": the abbreviation's period ends the sentence
    return spoken


def _state(match: _Match) -> str:
    code = match["st"]
    if code in data.AMBIGUOUS_STATES and not match["zip"]:
        return match.group(0)
    return match["city"] + data.US_STATES[code] + (match["zip"] or "")


def addresses(text: str, _read: bool) -> str:
    """Read street addresses and the state codes that follow a city."""
    text = _ADDRESS_RE.sub(lambda m: _address(m, text), text)
    return _STATE_RE.sub(_state, text)
