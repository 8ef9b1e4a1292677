"""The English rules, in the order they run: each turns one kind of written token into words.

Order matters and is the main design decision here: the most specific, digit-bearing shapes
go first (markup, links, phone numbers, addresses, dates, times, money, measures) because
they would otherwise be broken up by the generic number rule; words-only rules (titles,
initialisms, symbols) go last. Every rule returns words, so a later rule cannot re-read an
earlier rule's digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from narrator.normalize.en import data
from narrator.normalize.en.addresses import addresses, house_number
from narrator.normalize.en.codes import codes
from narrator.normalize.en.links import links
from narrator.normalize.en.news import dotted_units, news
from narrator.normalize.en.numbers import (
    cardinal,
    decade,
    decimal,
    digits,
    fraction,
    number,
    ordinal,
    year,
)

__all__ = ["RULES", "Rule"]

Rule = Callable[[str, bool], str]
"""A rule takes the text and whether URLs are read (``True``) or dropped."""

_Match = re.Match[str]

# A written number: "4,500", "4.5", ".5", "13000".
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?!\d)|\.\d+(?!\d)"
_AMPM = r"(?P<ampm>[aApP])(?:\.\s?[mM]\b\.?|[mM]\b\.?)"
_TZ_NAMES = "|".join(sorted(data.TIME_ZONES, key=len, reverse=True))
_TZ = (
    rf"(?:\s?(?P<tz>(?:{_TZ_NAMES})\b|(?i:e\.s\.t|e\.d\.t|p\.s\.t|p\.d\.t|est|edt|pst|pdt)\b)\.?)?"
)
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)


def _ends_text(text: str, end: int) -> bool:
    """Whether only closing quotes or brackets follow ``end``: a trailing period there is
    also the sentence's full stop and must be kept."""
    return not text[end:].strip(" \"'”’)]")


def quantity(text: str) -> str:
    """A number used as an amount: plain long integers are cardinals here, not codes."""
    text = text.strip()
    if "/" in text:
        whole, _, frac = text.rpartition(" ")
        top, _, bottom = frac.partition("/")
        spoken = _fraction_words(int(top), int(bottom), mixed=bool(whole))
        return f"{cardinal(int(whole))} and {spoken}" if whole else spoken
    whole, dot, frac = text.partition(".")
    if dot:
        return decimal(whole, frac)
    plain = whole.replace(",", "")
    if len(plain) > 1 and plain.startswith("0"):
        return digits(plain)
    return cardinal(int(plain)) if len(plain) <= 36 else digits(plain)


def _is_one(text: str) -> bool:
    return text.strip() == "1"


def _fraction_words(top: int, bottom: int, *, mixed: bool) -> str:
    if mixed and top == 1 and bottom > 1:
        return "a " + ({2: "half", 4: "quarter"}.get(bottom) or ordinal(bottom))
    return fraction(top, bottom)


# --- markup -------------------------------------------------------------------------------

# A stray tag left in the text ("<noise/>", "<pitch=-.3>", "</singing>") is markup, not
# words: read aloud it would be "less than noise slash greater than". "a<b and c>d" is
# not a tag: a tag's attributes need "=".
_MARKUP_RE = re.compile(
    r"</?[A-Za-z][\w-]*(?:=[^\s<>]*|(?:\s+[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s<>]*))*)\s*/?>"
)


def _markup(text: str, _read: bool) -> str:
    return _MARKUP_RE.sub(" ", text) if "<" in text else text


# --- specials and number-introducing abbreviations ---------------------------------------

_SPECIALS = {
    "24/7": "twenty-four seven",
    "9/11": "nine eleven",
    "50/50": "fifty-fifty",
    "401(k)": "four oh one K",
}
_SPECIAL_RE = re.compile(
    r"(?<![\w/])(?:" + "|".join(re.escape(k) for k in _SPECIALS) + r")(?![\w/])"
)
_NUMBER_SIGN_RE = re.compile(r"(?<![\w&])(?:(?P<no>No|no|NO)\.|#|№)\s?(?=\d)")
_NOS_RE = re.compile(r"\bNos\.\s?(?=\d)")
_PAGE_RE = re.compile(r"(?<![\w.])(?P<p>pp?)\.\s?(?=\d)")
_VERSION_RE = re.compile(r"(?<![\w.])(?:[vV](?=\d))?(\d+(?:\.\d+){2,})(?![\w.]\d)")


def _specials(text: str, _read: bool) -> str:
    text = _SPECIAL_RE.sub(lambda m: _SPECIALS[m.group(0)], text)
    text = _NOS_RE.sub("numbers ", text)
    text = _NUMBER_SIGN_RE.sub("number ", text)
    return _PAGE_RE.sub(lambda m: "pages " if m["p"] == "pp" else "page ", text)


# --- dates ---------------------------------------------------------------------------------


def _month_name(token: str) -> str:
    return data.MONTHS[token.lower().rstrip(".")]


def _two_digit_year(text: str) -> str:
    value = int(text)
    return f"oh {cardinal(value)}" if text.startswith("0") else cardinal(value)


def _date_words(month: int, day: int, yr: str | None, *, day_first: bool) -> str:
    name = data.MONTH_NAMES[month - 1]
    head = f"the {ordinal(day)} of {name}" if day_first else f"{name} {ordinal(day)}"
    if yr is None:
        return head
    spoken = year(int(yr)) if len(yr) == 4 else _two_digit_year(yr)
    return f"{head} {spoken}" if day_first else f"{head}, {spoken}"


_ISO_RE = re.compile(r"(?<![\w.,/-])(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?![\w/-]|\.\d)")
_NUMERIC_DATE_RE = re.compile(
    r"(?<![\w.,/-])(\d{1,2})(?:(/)(\d{1,2})/(\d{4}|\d{2})|([.-])(\d{1,2})\5(\d{4}))"
    r"(?![\w/-]|\.\d)"
)
_MD_RE = re.compile(
    rf"(?<![\w.])(?P<mtok>{_MONTH}(?P<dot>\.)?)(?:\s+|-)(?P<day>\d{{1,2}})"
    r"(?P<suf>st|nd|rd|th)?(?![\d:]|\.\d|,\d{3})"
    r"(?:(?P<comma>,)?(?:\s+|-)(?P<yr>\d{4})(?![\w.,]\d|\w))?",
    re.IGNORECASE,
)
_DM_RE = re.compile(
    r"(?<![\w.,])(?P<the>(?i:the)\s+)?(?P<day>\d{1,2})(?P<suf>st|nd|rd|th)?(?:\s+|-)"
    rf"(?P<of>of\s+)?(?P<mtok>{_MONTH}(?P<dot>\.)?)(?!\w)"
    r"(?:(?P<comma>,)?\s*(?P<yr>\d{4})(?![\w.,]\d|\w))?",
    re.IGNORECASE,
)
_MY_RE = re.compile(rf"(?<![\w.])(?P<mtok>{_MONTH})\.?\s+(?P<yr>\d{{4}})(?![\w.,]\d|\w)", re.I)
_MONTH_ABBR_RE = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.(?=\s|$|,)")
_DECADE_RANGE_RE = re.compile(r"(?<=\ds)\s?[-–]\s?(?=['’]?\d{2,4}s\b)")
_DECADE_RE = re.compile(r"(?<![\w'’.,])(?P<q>['’])?(?P<n>\d{1,3}0)(?:['’]?s|(?<=\d{3}0) s)\b")
_QUARTER_RE = re.compile(r"\b([1-4])Q(\d{2}|\d{4})\b")


def _ambiguous_month(match: _Match) -> bool:
    """Lower-case "may" and "mar" are usually verbs: trust them only with a year or an
    ordinal suffix ("3 may be" stays as written)."""
    token = match["mon"]
    return (
        token.lower() in ("may", "mar")
        and token[0].islower()
        and not match["yr"]
        and not match["suf"]
    )


def _iso(match: _Match) -> str:
    yr, _, month, day = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return match.group(0)
    return _date_words(int(month), int(day), yr, day_first=False)


def _numeric_date(match: _Match) -> str:
    a = match.group(1)
    b = match.group(3) or match.group(6)
    yr = match.group(4) or match.group(7)
    first, second = int(a), int(b)
    if 1 <= first <= 12 and 1 <= second <= 31:
        return _date_words(first, second, yr, day_first=False)
    if 1 <= second <= 12 and 1 <= first <= 31:
        return _date_words(second, first, yr, day_first=True)
    return match.group(0)


def _md(match: _Match, text: str) -> str:
    day = int(match["day"])
    if not 1 <= day <= 31 or _ambiguous_month(match):
        return match.group(0)
    spoken = f"{_month_name(match['mon'])} {ordinal(day)}"
    if match["yr"]:
        spoken += ("," if match["comma"] else "") + " " + year(int(match["yr"]))
    return spoken


def _dm(match: _Match, text: str) -> str:
    day = int(match["day"])
    if not 1 <= day <= 31 or _ambiguous_month(match):
        return match.group(0)
    the = match["the"] or "the "
    spoken = f"{the}{ordinal(day)} of {_month_name(match['mon'])}"
    if match["yr"]:
        spoken += ("," if match["comma"] else "") + " " + year(int(match["yr"]))
    elif match["dot"] and _ends_text(text, match.end()):
        spoken += "."
    return spoken


def _decade(match: _Match) -> str:
    value = int(match["n"])
    if value >= 1000:
        return decade(value)
    if value >= 100:
        return "hundreds" if value == 100 else f"{cardinal(value // 100)} hundreds"
    return decade(value) if value >= 10 else match.group(0)


# A number beside an era marker is a year, and years under 1000 are read in pairs as
# people say them: "340 A.D." -> "three forty A D", "44 BC" -> "forty-four B C".
_ERA = r"(?P<era>A\.?D\.?|B\.?C\.?(?:E\.?)?|C\.?E\.?)"
_ERA_AFTER_RE = re.compile(rf"\b(?P<yr>\d{{1,4}})\s?{_ERA}(?![\w.])")
_ERA_BEFORE_RE = re.compile(r"\b(?P<era>A\.?D\.?)\s(?P<yr>\d{1,4})\b")


def _era_year(n: int) -> str:
    if 100 <= n < 1000:
        high, low = divmod(n, 100)
        if low == 0:
            return f"{cardinal(high)} hundred"
        return f"{cardinal(high)} {'oh ' + cardinal(low) if low < 10 else cardinal(low)}"
    return year(n)


def _era(match: _Match, text: str) -> str:
    letters = " ".join(match["era"].replace(".", "").upper())
    dot = "." if match["era"].endswith(".") and _ends_text(text, match.end()) else ""
    return f"{_era_year(int(match['yr']))} {letters}{dot}"


def _dates(text: str, _read: bool) -> str:
    text = _ERA_AFTER_RE.sub(lambda m: _era(m, text), text)
    text = _ERA_BEFORE_RE.sub(
        lambda m: f"{' '.join(m['era'].replace('.', '').upper())} {_era_year(int(m['yr']))}", text
    )
    text = _QUARTER_RE.sub(
        lambda m: (
            f"the {ordinal(int(m.group(1)))} quarter of "
            + (year(int(m.group(2))) if len(m.group(2)) == 4 else cardinal(int(m.group(2))))
        ),
        text,
    )
    text = _ISO_RE.sub(_iso, text)
    text = _NUMERIC_DATE_RE.sub(_numeric_date, text)
    text = _MD_RE.sub(lambda m: _md(m, text), text)
    text = _DM_RE.sub(lambda m: _dm(m, text), text)
    text = _MY_RE.sub(lambda m: f"{_month_name(m['mon'])} {year(int(m['yr']))}", text)
    text = _MONTH_ABBR_RE.sub(
        lambda m: data.MONTHS[m.group(1).lower()] + ("." if _ends_text(text, m.end()) else ""),
        text,
    )
    text = _DECADE_RANGE_RE.sub(" to ", text)
    return _DECADE_RE.sub(_decade, text)


# --- times ---------------------------------------------------------------------------------

_UTC_OFFSET_RE = re.compile(r"\b(UTC|GMT)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?(?![\d:])")
_HMS_RE = re.compile(rf"(?<![\d:.])(\d{{1,2}}):(\d{{2}}):(\d{{2}})(?![\d:])(?:\s?{_AMPM})?{_TZ}")
_HM_RE = re.compile(rf"(?<![\d:.,])(\d{{1,2}}):(\d{{2}})(?![\d:])(?:\s?{_AMPM})?{_TZ}")
_H_DOT_RE = re.compile(rf"(?<![\d:.,])(\d{{1,2}})\.(\d{{2}})\s?{_AMPM}{_TZ}")
_H_RE = re.compile(rf"(?<![\w:.])(\d{{1,2}})\s?{_AMPM}{_TZ}")
_RATIO_RE = re.compile(r"(?<![\w:.,])(\d+):(\d+)(?![\d:]|\.\d)")
_TIME_RANGE_RE = re.compile(r"\b(AM|PM)\s?[-–]\s?(?=\w)")


def _minutes(m: int) -> str:
    return f"oh {cardinal(m)}" if m < 10 else cardinal(m)


def _zone(match: _Match) -> str:
    tz = match["tz"]
    if not tz:
        return ""
    key = tz.replace(".", "").upper()
    return " " + data.TIME_ZONES.get(key, " ".join(key))


def _ampm(match: _Match) -> str:
    # "AM"/"PM" and not "a m": espeak-ng reads a lone "a" as the article, but reads "AM"
    # after a number as the two letters.
    return " AM" if match["ampm"].lower() == "a" else " PM"


def _clock(match: _Match) -> str:
    h, m = int(match.group(1)), int(match.group(2))
    if h > 24 or m > 59:
        return match.group(0)
    if match["ampm"]:
        spoken = cardinal(h) if m == 0 else f"{cardinal(h)} {_minutes(m)}"
        return spoken + _ampm(match) + _zone(match)
    if m == 0:
        spoken = f"{cardinal(h)} o'clock" if 1 <= h <= 12 else f"{cardinal(h)} hundred"
    else:
        spoken = f"{cardinal(h)} {_minutes(m)}"
    return spoken + _zone(match)


def _duration(match: _Match) -> str:
    h, m, s = (int(g) for g in match.groups()[:3])
    if m > 59 or s > 59:
        return match.group(0)

    def unit(n: int, word: str) -> str:
        return f"{cardinal(n)} {word}" + ("" if n == 1 else "s")

    spoken = f"{unit(h, 'hour')} {unit(m, 'minute')} and {unit(s, 'second')}"
    return spoken + (_ampm(match) if match["ampm"] else "") + _zone(match)


def _utc_offset(match: _Match) -> str:
    zone, sign, hours, minutes = match.groups()
    spoken = f"{' '.join(zone)} {'plus' if sign == '+' else 'minus'} {cardinal(int(hours))}"
    return spoken + (f" {_minutes(int(minutes))}" if minutes and int(minutes) else "")


def _times(text: str, _read: bool) -> str:
    text = _UTC_OFFSET_RE.sub(_utc_offset, text)
    text = _HMS_RE.sub(_duration, text)
    text = _HM_RE.sub(_clock, text)
    text = _H_DOT_RE.sub(_clock, text)
    text = _H_RE.sub(
        lambda m: (
            cardinal(int(m.group(1))) + _ampm(m) + _zone(m) if int(m.group(1)) <= 24 else m.group(0)
        ),
        text,
    )
    text = _RATIO_RE.sub(lambda m: f"{number(m.group(1))} to {number(m.group(2))}", text)
    return _TIME_RANGE_RE.sub(lambda m: f"{m.group(1)} to ", text)


# --- money ---------------------------------------------------------------------------------

_CUR_SYMBOLS = "|".join(re.escape(k) for k in sorted(data.CURRENCY_SYMBOLS, key=len, reverse=True))
_CUR_CODES = "|".join(data.CURRENCY_CODES)
_SCALE = (
    r"(?:\s?(?P<scale>thousand|million|billion|trillion)\b"
    r"|\s?(?P<sabbr>bn|mn|mln|tn|[kKmMbBT])(?![\w-]))"
)
_SCALE2 = _SCALE.replace("?P<scale>", "?P<scale2>").replace("?P<sabbr>", "?P<sabbr2>")
_MONEY_RE = re.compile(
    rf"(?<![\w$])(?P<neg>-)?(?P<cur>{_CUR_SYMBOLS})\s?(?P<num>{_NUM})"
    rf"(?:\s?[-–]\s?(?:(?P=cur))?(?P<num2>{_NUM}))?{_SCALE2}?{_SCALE}?"
    r"(?:/(?P<per>[A-Za-z]+)\b)?"
)
_MONEY_CODE_RE = re.compile(
    rf"\b(?P<cur>{_CUR_CODES})\s?(?P<num>{_NUM})(?P<num2>)?{_SCALE2}?{_SCALE}?(?P<per>)?"
)
_MONEY_CODE_AFTER_RE = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUM})(?P<num2>)?{_SCALE2}?{_SCALE}?\s?(?P<cur>{_CUR_CODES})\b(?P<per>)?"
)
_PENCE_RE = re.compile(r"(?<![\w.,])(\d+)(p|¢)(?!\w)")
_MONEY_RANGE_WORDS = "|".join(
    sorted(
        {c.many for c in data.CURRENCY_SYMBOLS.values()}
        | {c.one for c in data.CURRENCY_SYMBOLS.values()}
        | {"cents", "cent", "pence", "penny"},
        key=len,
        reverse=True,
    )
)
_MONEY_RANGE_RE = re.compile(rf"\b({_MONEY_RANGE_WORDS})\s?[-–]\s?(?=\w)")


def _amount(cur: data.Currency, num: str, scale: str | None) -> str:
    if scale:
        return f"{quantity(num)} {scale} {cur.many}"
    whole, dot, frac = num.partition(".")
    whole = whole.replace(",", "") or "0"
    if dot and cur.cent_one and cur.cent_many and (len(frac) <= 2 or not frac[2:].strip("0")):
        cents = int((frac + "0")[:2])
        units = int(whole)
        parts = []
        if units or not cents:
            parts.append(f"{cardinal(units)} {cur.one if units == 1 else cur.many}")
        if cents:
            parts.append(f"{cardinal(cents)} {cur.cent_one if cents == 1 else cur.cent_many}")
        return " and ".join(parts)
    if dot:
        return f"{decimal(whole if whole != '0' or num[0] == '0' else '', frac)} {cur.many}"
    return f"{quantity(whole)} {cur.one if whole == '1' else cur.many}"


# An amount between a determiner and a noun is an adjective, and a newsreader says "the
# four point five billion dollar deal", not "dollars deal". The next word is taken for a
# noun unless it is a function word or looks like a past participle ("the $5 million
# raised by donors" keeps "dollars").
_DETERMINER_BEFORE_RE = re.compile(
    r"\b(?:[Tt]he|[Aa]n?|[Tt]his|[Tt]hat|[Ii]ts|[Tt]heir|[Hh]is|[Hh]er|[Oo]ur|[Ee]ach)\s$"
)
_WORD_AFTER_RE = re.compile(r"\s([a-z][a-z-]*)\b")
_FUNCTION_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads best as words
        "a an the this that these those it he she they we you i me him them us who which what "
        "is was were are be been being has had have will would could should can may might must "
        "do does did and or but nor than then as so if in on at for from to of by with into "
        "over under per about after before since until while each more less plus minus "
        "a-year annually apiece a-month now here there not"
    ).split()
)


def _attributive(match: _Match) -> bool:
    if not _DETERMINER_BEFORE_RE.search(match.string[max(0, match.start() - 8) : match.start()]):
        return False
    word = _WORD_AFTER_RE.match(match.string, match.end())
    if word is None:
        return False
    noun = word.group(1)
    return noun not in _FUNCTION_WORDS and not noun.endswith("ed")


def _money(match: _Match, table: dict[str, data.Currency]) -> str:
    spoken = _money_words(match, table)
    cur = table[match["cur"]]
    if (
        not match["per"]
        and " and " not in spoken
        and spoken.endswith(" " + cur.many)
        and _attributive(match)
    ):
        spoken = spoken[: -len(cur.many)] + cur.one
    return spoken


def _money_words(match: _Match, table: dict[str, data.Currency]) -> str:
    cur = table[match["cur"]]
    scale = match["scale"] or data.SCALE_SUFFIXES.get(match["sabbr"] or "")
    scale2 = match["scale2"] or data.SCALE_SUFFIXES.get(match["sabbr2"] or "")
    neg = "minus " if match.groupdict().get("neg") else ""
    if match["num2"]:
        low = quantity(match["num"]) + (f" {scale2}" if scale2 else "")
        if scale2 or not scale:
            low = _amount(cur, match["num"], scale2)
        spoken = f"{low} to {_amount(cur, match['num2'], scale)}"
    else:
        spoken = _amount(cur, match["num"], scale or scale2)
    per = match["per"]
    if per:
        unit = data.PER_UNITS.get(per) or data.PER_UNITS.get(per.lower())
        if unit is None:
            return match.group(0)
        spoken += f" per {unit}"
    return neg + spoken


def _money_rules(text: str, _read: bool) -> str:
    text = _MONEY_RE.sub(lambda m: _money(m, data.CURRENCY_SYMBOLS), text)
    text = _MONEY_CODE_RE.sub(lambda m: _money(m, data.CURRENCY_CODES), text)
    text = _MONEY_CODE_AFTER_RE.sub(lambda m: _money(m, data.CURRENCY_CODES), text)
    text = _PENCE_RE.sub(
        lambda m: (
            f"{cardinal(int(m.group(1)))} "
            + (
                ("penny" if m.group(1) == "1" else "pence")
                if m.group(2) == "p"
                else ("cent" if m.group(1) == "1" else "cents")
            )
        ),
        text,
    )
    return _MONEY_RANGE_RE.sub(lambda m: f"{m.group(1)} to ", text)


# --- measures, multipliers, fractions ----------------------------------------------------

_UNIT_ALT = "|".join(re.escape(k) for k in sorted(data.UNITS, key=len, reverse=True))
_PER_ALT = "|".join(sorted(data.PER_UNITS, key=len, reverse=True))
_QTY = rf"(?:\d+\s\d+/\d+|{_NUM})"
_MEASURE_RE = re.compile(
    rf"(?<![\w.,/])(?P<neg>(?<![^\s(\[])-)?(?P<num>{_QTY})(?:\s?(?:[-–]|to)\s?(?P<num2>{_QTY}))?"
    r"(?:\s(?P<scale>thousand|million|billion|trillion)\b)?"
    rf"(?P<hy>\s?-\s?|\s?)(?P<unit>{_UNIT_ALT})(?:/(?P<per>{_PER_ALT}))?(?![\w²³])"
)
_PER_MEASURE_RE = re.compile(rf"(?<![\w.,/])(?P<num>{_NUM})/(?P<per>{_PER_ALT})(?!\w)")
# 5'11" and 12": feet and inches. A straight double quote after a number is an inch mark only
# when the text's double quotes do not pair up; otherwise it closes a quotation ("it was 7").
_FEET_INCHES_RE = re.compile(r"(?<![\w.'’])(\d{1,2})['’′]\s?(\d{1,2}(?:\.\d+)?)(?:\"|″|”|'')")
_INCHES_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?:″|(?P<quote>\"))(?![\w\"])")
_ARTICLE_BEFORE_RE = re.compile(r"\b[Aa]n?\s$")
_FEET_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)′")
_DIMENSION_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?[x×]\s?(?=\d)")
_ASTERISK_TIMES_RE = re.compile(r"(?<=\d)\s?\*\s?(?=\d)")
_TIMES_RE = re.compile(rf"(?<![\w.,])({_NUM})[x×](?!\w)")
_FRACTION_RE = re.compile(
    r"(?<![\w/.,])(?:(?P<whole>\d+)\s+)?(?P<top>\d+)\s?/\s?(?P<bottom>\d+)"
    r"(?P<suf>st|nd|rd|th|ST|ND|RD|TH)?(?![\w/]|[.,]\d)"
)


def _measure(match: _Match) -> str:
    one, many = data.UNITS[match["unit"]]
    num, num2, scale = match["num"], match["num2"], match["scale"]
    adjective = "-" in match["hy"]
    plural = not (adjective or (_is_one(num2 or num) and not scale))
    spoken = quantity(num)
    if num2:
        spoken += " to " + quantity(num2)
    if scale:
        spoken += " " + scale
    spoken += ("-" if adjective else " ") + (many if plural else one)
    if match["per"]:
        spoken += " per " + data.PER_UNITS[match["per"]]
    return ("minus " if match["neg"] else "") + spoken


# After a multiplier, a comparative makes it a ratio: "2.5x faster" is "two point five
# times faster".
_COMPARATIVE_RE = re.compile(
    r"\s+(?:faster|slower|more|less|fewer|higher|lower|larger|bigger|smaller|greater|as|the|over)\b"
)


def _times_word(match: _Match) -> str:
    num = match.group(1)
    if "." in num and not _COMPARATIVE_RE.match(match.string, match.end()):
        # A decimal multiplier on its own is a setting, said with the letter: "1.5x"
        # playback, "4.4x" zoom (NeMo's reading too).
        return f"{quantity(num)} x"
    return f"{quantity(num)} times"


def _fraction(match: _Match) -> str:
    top, bottom = int(match["top"]), int(match["bottom"])
    whole = match["whole"]
    if len(match["bottom"]) > 5 and not whole:
        # "25/235212" is a code, not a fraction: the slash and number rules read it.
        return match.group(0)
    if (not whole and top == bottom) or (bottom == 100 and top > 1 and not whole):
        # Ratings and scores: "100/100" is "a hundred out of a hundred", not hundredths.
        return f"{cardinal(top)} out of {cardinal(bottom)}"
    spoken = _fraction_words(top, bottom, mixed=bool(whole))
    return f"{cardinal(int(whole))} and {spoken}" if whole else spoken


def _length(num: str, one: str, many: str) -> str:
    return f"{quantity(num)} {one if _is_one(num) else many}"


def _open_quotes(text: str) -> set[int]:
    """Positions of straight double quotes that are inch marks: right after a number while
    no quotation is open. '"It was 7" he said' closes a quotation; '12" pizza' does not."""
    marks: set[int] = set()
    open_quote = False
    for i, ch in enumerate(text):
        if ch != '"':
            continue
        if not open_quote and i and text[i - 1].isdigit():
            marks.add(i)
        else:
            open_quote = not open_quote
    return marks


def _feet_and_inches(text: str) -> str:
    text = _FEET_INCHES_RE.sub(
        lambda m: _length(m.group(1), "foot", "feet") + " " + _length(m.group(2), "inch", "inches"),
        text,
    )
    text = _FEET_RE.sub(lambda m: _length(m.group(1), "foot", "feet"), text)
    marks = _open_quotes(text) if '"' in text else set()

    def inches(match: _Match) -> str:
        if match["quote"] and match.start("quote") not in marks:
            return match.group(0)
        if _ARTICLE_BEFORE_RE.search(text, 0, match.start()):
            return quantity(match.group(1)) + "-inch"  # "a 12-inch pizza"
        return _length(match.group(1), "inch", "inches")

    return _INCHES_RE.sub(inches, text)


def _measures(text: str, _read: bool) -> str:
    text = _feet_and_inches(text)
    text = _DIMENSION_RE.sub(lambda m: f"{quantity(m.group(1))} by ", text)
    text = _MEASURE_RE.sub(_measure, text)
    text = _PER_MEASURE_RE.sub(
        lambda m: f"{quantity(m['num'])} per {data.PER_UNITS[m['per']]}", text
    )
    text = _ASTERISK_TIMES_RE.sub(" times ", text)
    text = _TIMES_RE.sub(_times_word, text)
    return _FRACTION_RE.sub(_fraction, text)


# --- ordinals, ranges, signs, plain numbers ----------------------------------------------

_ORDINAL_RE = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_YEAR_RANGE_RE = re.compile(r"(?<![\w.,/-])(\d{4})\s?[-–]\s?(\d{4}|\d{2})(?![\w/-]|[.,:]\d)")
_SIMPLE = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?"
_RANGE_RE = re.compile(
    rf"(?<![\w.,/:-])({_SIMPLE})(\s?[-–]\s?|–)({_SIMPLE})(?![\w/:-]|[.,]\d)(?P<eq>\s?=)?"
)
_SIGN_RE = re.compile(r"(?<![\w.,)\]])([-+±])(?=\.?\d)")
_ALNUM_RE = re.compile(r"\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z\d]+\b")
_ALNUM_PIECE_RE = re.compile(r"[A-Za-z]+|\d+")
_NUMBER_RE = re.compile(
    r"(?<!\d)(?<!\d,)(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(\d+))?|(?<![\d.])\.(\d+)"
)


def _ordinal_suffix(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _ordinal(match: _Match) -> str:
    value = int(match.group(1).replace(",", ""))
    suffix = match.group(2)
    if suffix.lower() == _ordinal_suffix(value):
        return ordinal(value)
    return f"{cardinal(value)} {suffix}"


def _is_year(n: int) -> bool:
    return 1000 <= n <= 2099


def _year_range(match: _Match) -> str:
    a, b = match.group(1), match.group(2)
    first = int(a)
    if not _is_year(first):
        return match.group(0)
    second = int(b) if len(b) == 4 else first // 100 * 100 + int(b)
    if second <= first:
        return match.group(0)
    end = year(second) if len(b) == 4 else _two_digit_year(b)
    return f"{year(first)} to {end}"


def _range(match: _Match) -> str:
    a, sep, b = match.group(1), match.group(2), match.group(3)
    if match["eq"]:
        return f"{quantity(a)} minus {quantity(b)} equals"
    if sep == " - " and not _spaced_range(a, b):
        return match.group(0)  # "170 - 45190": a dash between two numbers, not a range.
    return f"{quantity(a)} to {quantity(b)}"


def _spaced_range(a: str, b: str) -> bool:
    """Whether "a - b" with spaces is a range ("rows 4 - 9", "10 - 12"): the second number is
    larger, but not by orders of magnitude as in "170 - 45190"."""
    try:
        low, high = float(a.replace(",", "")), float(b.replace(",", ""))
    except ValueError:
        return False
    return low < high <= low * 10 + 10


def _alnum(match: _Match) -> str:
    pieces = _ALNUM_PIECE_RE.findall(match.group(0))
    return " ".join(_alnum_piece(p) if p.isdigit() else p for p in pieces)


def _alnum_piece(piece: str) -> str:
    if len(piece) > 1 and piece[0] == "0":
        return digits(piece)
    if len(piece) == 3 and int(piece) % 100:
        return house_number(piece)  # "A321" is "A three twenty-one", as model numbers are said
    if len(piece) <= 3:
        return cardinal(int(piece))
    if len(piece) == 4 and int(piece) % 100 == 0:
        return year(int(piece))  # "T2000" is "T two thousand", "A1800" "A eighteen hundred"
    return digits(piece)


def _plain_number(match: _Match) -> str:
    whole, frac, bare_frac = match.group(1), match.group(2), match.group(3)
    if bare_frac is not None:
        return decimal("", bare_frac)
    if frac is not None:
        return decimal(whole, frac)
    if len(whole) == 4 and "," not in whole and whole[0] != "0":
        value = int(whole)
        if _is_year(value) or value % 100 == 0:
            return year(value)
    return number(whole)


# A plain integer of five digits or more before a lower-case word is a count, as news copy
# writes one without separators ("27500 spectators"); alone ("13000") or beside a name
# ("Star Wars 75188 Bombardiere") it is a code, read digit by digit.
_BARE_COUNT_RE = re.compile(r"(?:(?<=^)|(?<=[\s(\[\"“]))(?P<n>[1-9]\d{4,8})(?=\s+[a-z])")
_COUNT_LEAD_RE = re.compile(
    r"(?:^|[\s(\[\"“])(?:(?P<cap>[A-Z][\w’'-]*)|[a-z\d][\w’'-]*[,;:]?|[,;:(\[\"“—–])\s*$"
)
_COUNT_CAPITALS = frozenset(
    [
        "About",
        "Some",
        "Nearly",
        "Almost",
        "Over",
        "Around",
        "Roughly",
        "Only",
        "Just",
        "More",
        "Another",
        "All",
        "Exactly",
    ]
)


def _bare_count(match: _Match) -> str:
    before = match.string[max(0, match.start() - 40) : match.start()]
    lead = _COUNT_LEAD_RE.search(before)
    if before.strip() and (lead is None or (lead["cap"] and lead["cap"] not in _COUNT_CAPITALS)):
        return match.group(0)
    return cardinal(int(match["n"]))


def _numbers(text: str, _read: bool) -> str:
    text = _BARE_COUNT_RE.sub(_bare_count, text)
    text = _VERSION_RE.sub(
        lambda m: " point ".join(cardinal(int(p)) for p in m.group(1).split(".")), text
    )
    text = _ORDINAL_RE.sub(_ordinal, text)
    text = _YEAR_RANGE_RE.sub(_year_range, text)
    text = _RANGE_RE.sub(_range, text)
    text = _SIGN_RE.sub(
        lambda m: {"-": "minus ", "+": "plus ", "±": "plus or minus "}[m.group(1)], text
    )
    text = _ALNUM_RE.sub(_alnum, text)
    return _NUMBER_RE.sub(_plain_number, text)


# --- words: titles, abbreviations, Roman numerals, initialisms ---------------------------

_TITLE_RE = re.compile(r"(?<![\w.])(?P<t>" + "|".join(data.TITLES) + r")\.(?P<sp>\s+)(?=[A-Z])")
_STREET_RE = re.compile(r"\b(?P<w>[A-Z][a-z]+)(?P<sp>\s+)(?P<t>St|Dr)\.(?!\w)")
_SAINT_RE = re.compile(r"(?<![\w.])St\.(?=\s+[A-Z])")
_ABBR_RE = re.compile(
    r"(?<![\w.])(?:"
    + "|".join(re.escape(k) for k in sorted(data.ABBREVIATIONS, key=len, reverse=True))
    + r")(?!\w)"
)
_ROMAN = r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_ROMAN_KEYWORD_RE = re.compile(
    r"\b(?P<kw>" + "|".join(data.ROMAN_KEYWORDS) + rf")(?P<sp>\s+)(?P<rn>{_ROMAN})\b(?!['’-])",
    re.IGNORECASE,
)
_REGNAL_RE = re.compile(r"\b(?P<name>[A-Z][a-z]+)\s+(?P<rn>[IVX]{2,}|V)\b(?![\w'’-])")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_INITIALS_RE = re.compile(r"(?<![\w.])((?:[A-Z]\.\s?){2,})(?=\s*[A-Z][a-z])")
_DOTTED_RE = re.compile(r"(?<![\w.])((?:[A-Za-z]\.){2,})(?!\w)")
_CAPS_RE = re.compile(r"\b([A-Z]{2,})(s|'s|’s)?\b")
_ROMAN_FULL_RE = re.compile(rf"{_ROMAN}")


def _roman_value(text: str) -> int:
    text = text.upper()
    if not text or not _ROMAN_FULL_RE.fullmatch(text):
        return 0
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[text[i + 1]] if i + 1 < len(text) else 0
        total += -value if value < nxt else value
    return total


def _spell(word: str) -> str:
    return " ".join(word.upper())


def _titles(text: str) -> str:
    def street(match: _Match) -> str:
        rest = text[match.end() :].lstrip()
        if match["t"] == "Dr" and rest[:1].isupper():
            return match.group(0)  # "Elm Dr. Smith": not a street name.
        word = "Street" if match["t"] == "St" else "Drive"
        # "Elm St. It was": the abbreviation's period also ends the sentence.
        end = "." if _ends_text(text, match.end()) or rest[:1].isupper() else ""
        return match["w"] + match["sp"] + word + end

    text = _STREET_RE.sub(street, text)
    text = _SAINT_RE.sub("Saint", text)
    text = _TITLE_RE.sub(lambda m: data.TITLES[m["t"]] + m["sp"], text)
    return _ABBR_RE.sub(
        lambda m: data.ABBREVIATIONS[m.group(0)] + ("." if _ends_text(text, m.end()) else ""),
        text,
    )


def _romans(text: str) -> str:
    def keyword(match: _Match) -> str:
        value = _roman_value(match["rn"])
        if not value or not match["rn"].isupper():
            return match.group(0)
        # "PART XL": the keyword is a word even in capitals, never an initialism to spell.
        kw = match["kw"].capitalize() if match["kw"].isupper() else match["kw"]
        return kw + match["sp"] + cardinal(value)

    def regnal(match: _Match) -> str:
        value = _roman_value(match["rn"])
        if not value:
            return match.group(0)
        return f"{match['name']} the {ordinal(value)}"

    text = _ROMAN_KEYWORD_RE.sub(keyword, text)
    return _REGNAL_RE.sub(regnal, text)


def _shouting(text: str) -> bool:
    """A headline set in capitals: spelling every capitalized word would be nonsense."""
    letters = [ch for ch in text if ch.isalpha()]
    upper = sum(ch.isupper() for ch in letters)
    return len(letters) >= 12 and upper / len(letters) > 0.6


def _initialisms(text: str) -> str:
    text = _INITIALS_RE.sub(
        lambda m: _spell(m.group(1).replace(".", "").replace(" ", "")) + " ", text
    )
    text = _DOTTED_RE.sub(
        lambda m: _spell(m.group(1).replace(".", "")) + ("." if _ends_text(text, m.end()) else ""),
        text,
    )
    if _shouting(text):
        return text

    def caps(match: _Match) -> str:
        word, plural = match.group(1), match.group(2)
        if (
            word in data.WORD_ACRONYMS
            or word in data.LETTER_WORDS
            or word in data.ENGINE_SPELLED
            or word in ("AM", "PM")
        ):
            return match.group(0)
        vowels = any(ch in "AEIOUY" for ch in word)
        if len(word) <= 4 or word in data.SPELLED_ACRONYMS or not vowels:
            return _spell(word) + ("'s" if plural else "")
        return match.group(0)

    return _CAPS_RE.sub(caps, text)


def _words(text: str, _read: bool) -> str:
    return _initialisms(_romans(_titles(text)))


# --- symbols and the last safety net -----------------------------------------------------

_AND_OR_RE = re.compile(r"\band/or\b", re.IGNORECASE)
_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in data.SYMBOLS))
_DIGITS_RE = re.compile(r"\d+")


def _symbols(text: str, _read: bool) -> str:
    text = _AND_OR_RE.sub("and or", text)
    text = _SYMBOL_RE.sub(lambda m: data.SYMBOLS[m.group(0)], text)
    # Nothing may reach the engine as digits: whatever the rules above did not claim is
    # read digit by digit.
    return _DIGITS_RE.sub(lambda m: f" {digits(m.group(0))} ", text)


RULES: tuple[Rule, ...] = (
    _markup,
    dotted_units,
    links,
    codes,
    news,
    _specials,
    addresses,
    _dates,
    _times,
    _money_rules,
    _measures,
    _numbers,
    _words,
    _symbols,
)
"""The rules in the order they run."""
