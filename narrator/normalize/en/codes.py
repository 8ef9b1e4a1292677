"""Codes read digit by digit: phone numbers, card endings, IP addresses, digit chains.

Runs before every number rule, which would otherwise read "555-1234" as a range.
"""

from __future__ import annotations

import re

from narrator.normalize.en.numbers import digits

__all__ = ["codes"]

_Match = re.Match[str]

# "+1 123-123-5678", and the trunk prefix written without the plus: "1-800-555-1234".
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+(?P<cc>\d{1,3})[\s.-]?|(?<![\d.,-])(?P<trunk>1)[\s.-](?=\(?\d{3}\)?[\s.-]))?"
    r"(?:\((?P<area1>\d{3})\)[\s.-]?|(?P<area2>\d{3})[.-])(?P<ex>\d{3})[.-](?P<line>\d{4})"
    r"(?P<ext>(?:-\d+)*)(?![\w.-]\d|\w)"
)
# "card ending in 8876": the last digits of a card or account are read one by one.
_CARD_END_RE = re.compile(
    r"(?i:\b(?P<lead>(?:card|account|number)\s+(?:number\s+)?(?:ending|ends)\s+(?:in|with)\s+))"
    r"(?P<num>\d{4})(?![\w.,]\d|\w)"
)
_SSN_RE = re.compile(r"(?<![\w.-])(\d{3})-(\d{2})-(\d{4})(?![\w-])")
_IP_RE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]\d)")
_CHAIN_RE = re.compile(r"(?<![\w.-])\d+(?:-\d+){3,}(?![\w-])")


# Toll-free numbers with letters: "1-800-GO-U-HAUL". The letters are words to say.
_VANITY_RE = re.compile(
    r"(?<![\w-])(?:(?P<trunk>1)-)?(?P<area>8(?:00|88|77|66|55|44|33))-"
    r"(?P<rest>(?=[A-Z\d-]*[A-Z]{2})[A-Z\d]+(?:-[A-Z\d]+)*)(?![\w-])"
)


def _area(code: str) -> str:
    # Toll-free "800" is said "eight hundred" by everyone; other area codes digit by digit.
    return "eight hundred" if code == "800" else digits(code)


def _phone(match: _Match) -> str:
    groups = [match["ex"], match["line"]] + [g for g in match["ext"].split("-") if g]
    spoken = ", ".join([_area(match["area1"] or match["area2"])] + [digits(g) for g in groups])
    if match["cc"]:
        return f"plus {digits(match['cc'])}, {spoken}"
    return f"one, {spoken}" if match["trunk"] else spoken


def _vanity(match: _Match) -> str:
    # Lower case, so the initialism rule does not spell "HAUL" as "H A U L".
    pieces = [digits(p) if p.isdigit() else p.lower() for p in match["rest"].split("-")]
    spoken = f"{_area(match['area'])}, {' '.join(pieces)}"
    return f"one, {spoken}" if match["trunk"] else spoken


def codes(text: str, _read: bool) -> str:
    """Read phone numbers, card endings, social security numbers, IP addresses and long
    hyphenated digit chains digit by digit, in comma-separated groups."""
    text = _CARD_END_RE.sub(lambda m: m["lead"] + digits(m["num"]), text)
    text = _VANITY_RE.sub(_vanity, text)
    text = _PHONE_RE.sub(_phone, text)
    text = _SSN_RE.sub(lambda m: ", ".join(digits(g) for g in m.groups()), text)
    text = _IP_RE.sub(lambda m: " dot ".join(digits(p) for p in m.group(0).split(".")), text)
    return _CHAIN_RE.sub(lambda m: ", ".join(digits(p) for p in m.group(0).split("-")), text)
