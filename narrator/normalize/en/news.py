"""News shapes the generic number rules misread: each was found in real news sentences
(the dev half of ``benchmarks/news_corpus.py``) or in issue 15's list.

Runs after :mod:`.codes` and before the date, money, measure and number rules, because each
shape here would otherwise be split by one of them: "1h 40m" by the measure rule ("forty
meters"), "867-5309" by the range rule, "4.2s" by the decimal rule ("four.two s"), "Q1
2026" by the year rule, "on 3/22" by the fraction rule, "Flight BA 2490" by the cardinal
rule. Every rule returns words, so no later rule re-reads its digits.
"""

from __future__ import annotations

import re

from narrator.normalize.en import data
from narrator.normalize.en.numbers import cardinal, decimal, digits, fraction, ordinal, year

__all__ = ["dotted_units", "news"]

_Match = re.Match[str]

# A number as written in running text: "4", "4.5", "4,500".
_N = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?"


def _amount(text: str) -> str:
    whole, dot, frac = text.replace(",", "").partition(".")
    return decimal(whole, frac) if dot else cardinal(int(whole))


def _pairs(text: str) -> str:
    """A code number as people say it: "2490" -> "twenty-four ninety", "101" -> "one oh
    one", "66" -> "sixty-six", "2005" -> "twenty oh five"."""
    if len(text) <= 2 or text.startswith("0"):
        return cardinal(int(text)) if len(text) <= 2 and not text.startswith("0") else digits(text)
    head, rest = divmod(int(text), 100)
    if rest == 0:
        return f"{cardinal(head)} hundred"
    low = f"oh {cardinal(rest)}" if rest < 10 else cardinal(rest)
    return f"{cardinal(head)} {low}"


# --- party and state: "(R-Texas)", "(D-Calif.)", "(I-VT)" --------------------------------

_PARTIES = {"R": "Republican", "D": "Democrat", "I": "independent"}
# The AP's state abbreviations, which news copy uses in these tags.
_AP_STATES = {
    "Ala.": "Alabama",
    "Ariz.": "Arizona",
    "Ark.": "Arkansas",
    "Calif.": "California",
    "Cal.": "California",
    "Colo.": "Colorado",
    "Conn.": "Connecticut",
    "Del.": "Delaware",
    "Fla.": "Florida",
    "Ga.": "Georgia",
    "Ill.": "Illinois",
    "Ind.": "Indiana",
    "Kan.": "Kansas",
    "Kans.": "Kansas",
    "Ky.": "Kentucky",
    "La.": "Louisiana",
    "Md.": "Maryland",
    "Mass.": "Massachusetts",
    "Mich.": "Michigan",
    "Minn.": "Minnesota",
    "Miss.": "Mississippi",
    "Mo.": "Missouri",
    "Mont.": "Montana",
    "Neb.": "Nebraska",
    "Nebr.": "Nebraska",
    "Nev.": "Nevada",
    "N.H.": "New Hampshire",
    "N.J.": "New Jersey",
    "N.M.": "New Mexico",
    "N.Y.": "New York",
    "N.C.": "North Carolina",
    "N.D.": "North Dakota",
    "Okla.": "Oklahoma",
    "Ore.": "Oregon",
    "Pa.": "Pennsylvania",
    "Penn.": "Pennsylvania",
    "R.I.": "Rhode Island",
    "S.C.": "South Carolina",
    "S.D.": "South Dakota",
    "Tenn.": "Tennessee",
    "Tex.": "Texas",
    "Vt.": "Vermont",
    "Va.": "Virginia",
    "Wash.": "Washington",
    "W.Va.": "West Virginia",
    "W. Va.": "West Virginia",
    "Wis.": "Wisconsin",
    "Wisc.": "Wisconsin",
    "Wyo.": "Wyoming",
}
_STATE_NAMES = sorted(set(data.US_STATES.values()), key=len, reverse=True)
_STATE_ALT = "|".join(
    [re.escape(k) for k in sorted(_AP_STATES, key=len, reverse=True)]
    + [re.escape(n) for n in _STATE_NAMES]
    + sorted(data.US_STATES)
)
# "(R-Texas)" and, in AP style, ", R-Texas," after the name.
_PARTY_RE = re.compile(
    rf"(?P<open>\(|,\s)(?P<party>[RDI])[-–](?P<state>{_STATE_ALT})(?P<close>[),]|(?=[,)]))"
)


def _party(match: _Match) -> str:
    state = match["state"]
    name = _AP_STATES.get(state) or data.US_STATES.get(state) or state
    if match["open"] == "(" and match["close"] not in (")", ","):
        return match.group(0)
    return f"{match['open']}{_PARTIES[match['party']]} of {name}{match['close']}"


# --- references: "Fig. 2", "Figs. 3 and 4", "Sec. 230", "Eq. 5", "Vol. 2, Ch. 7" -------

_REFERENCES = {
    "fig": ("Figure", "Figures"),
    "tab": ("Table", "Tables"),
    "tbl": ("Table", "Tables"),
    "sec": ("Section", "Sections"),
    "sect": ("Section", "Sections"),
    "eq": ("Equation", "Equations"),
    "eqn": ("Equation", "Equations"),
    "vol": ("Volume", "Volumes"),
    "ch": ("Chapter", "Chapters"),
    "chap": ("Chapter", "Chapters"),
    "art": ("Article", "Articles"),
    "para": ("Paragraph", "Paragraphs"),
    "app": ("Appendix", "Appendices"),
    "ex": ("Exhibit", "Exhibits"),
}
_REFERENCE_RE = re.compile(
    r"(?<![\w.])(?P<abbr>(?i:fig|tab|tbl|sect?|eqn?|vol|chap|ch|art|para|app|ex))"
    r"(?P<plural>s)?\.\s?(?=\(?\d|[IVX]+\b)"
)


def _reference(match: _Match) -> str:
    one, many = _REFERENCES[match["abbr"].lower()]
    word = many if match["plural"] else one
    if match["abbr"].islower():
        word = word.lower()
    return word + " "


# --- flights and routes: "Flight BA 2490", "Route 66", "I-95" -----------------------------

_FLIGHT_RE = re.compile(
    r"\b(?P<word>[Ff]light)\s+(?P<code>[A-Z]{2}|[A-Z]\d|\d[A-Z])\s?(?P<num>\d{1,4})\b(?![.,]\d)"
)
_ROUTE_RE = re.compile(
    r"\b(?P<word>Route|Highway|Interstate|Hwy\.?|Bus)\s+(?P<num>\d{1,3})\b"
    r"(?![.,:]\d|-\d)"
)
_INTERSTATE_RE = re.compile(r"\b(?P<kind>I|US|SR)-(?P<num>\d{1,3})\b(?![.,]\d)")


def _flight(match: _Match) -> str:
    code = " ".join(match["code"].upper())
    code = " ".join(digits(c) if c.isdigit() else c for c in code.split())
    return f"{match['word']} {code} {_pairs(match['num'])}"


def _route(match: _Match) -> str:
    word = "Highway" if match["word"].startswith("Hwy") else match["word"]
    return f"{word} {_pairs(match['num'])}"


# --- quarters and halves: "Q1 2026", "Q3", "H1 2020", "FY2019" --------------------------

_PERIOD_YEAR_RE = re.compile(
    r"(?P<the>\b[Tt]he\s+)?\b(?P<kind>[QH])(?P<n>[1-4])(?:\s+|-|/)?(?:FY\s?)?(?P<yr>(?:19|20)\d{2}|'\d{2})\b"
)
_QUARTER_RE = re.compile(
    r"(?P<prep>\b(?:in|for|during|of|since|by|from|through|until)\s+)?\bQ(?P<n>[1-4])\b(?![-:)]|\.\d)"
)
_FISCAL_RE = re.compile(r"\bFY\s?(?P<yr>(?:19|20)\d{2}|\d{2})\b")


def _period_year(match: _Match) -> str:
    n = int(match["n"])
    if match["kind"] == "H" and n > 2:
        return match.group(0)
    yr = match["yr"]
    spoken_year = year(int(yr)) if len(yr) == 4 else _short_year(yr[1:])
    part = "quarter" if match["kind"] == "Q" else "half"
    the = match["the"] or "the "
    return f"{the}{ordinal(n)} {part} of {spoken_year}"


def _short_year(two: str) -> str:
    return f"oh {cardinal(int(two))}" if two.startswith("0") else cardinal(int(two))


def _quarter(match: _Match) -> str:
    # "in Q3" is "in the third quarter"; a bare "Q3" may be a label ("Q1: ..."), read as
    # written by the alphanumeric rule.
    if not match["prep"]:
        return match.group(0)
    return f"{match['prep']}the {ordinal(int(match['n']))} quarter"


def _fiscal(match: _Match) -> str:
    yr = match["yr"]
    return "fiscal " + (year(int(yr)) if len(yr) == 4 else _short_year(yr))


# --- dates with slashes where the words around say date: "on 3/22" ----------------------

# Not "by" or "from": "cut by 1/3", "from 1/4 to 1/2 cup" are fractions.
_DATE_WORDS = r"on|since|until|till|through|thru|before|after|dated|starting|ending"
_SLASH_DATE_RE = re.compile(
    rf"(?P<lead>\b(?i:{_DATE_WORDS})\s+(?:(?i:mon|tues?|wed|thu|thurs|fri|sat|sun)\w*,?\s+)?)"
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\w/]|[.,]\d)"
)


def _md(month: str, day: str) -> str | None:
    m, d = int(month), int(day)
    if 1 <= m <= 12 and 1 <= d <= 31:
        return f"{data.MONTH_NAMES[m - 1]} {ordinal(d)}"
    return None


def _slash_date(match: _Match) -> str:
    spoken = _md(match["m"], match["d"])
    return match["lead"] + spoken if spoken else match.group(0)


# --- durations: "1h 40m", "2hr 5min", "3m 20s" --------------------------------------------

_DURATION_RE = re.compile(
    r"(?<![\w.])(?:(?P<h>\d{1,3})\s?(?:h|hr|hrs)\b(?:\s?(?P<hm>\d{1,2})\s?(?:m|min|mins)\b)?"
    r"|(?P<m>\d{1,3})\s?(?:m|min|mins)\s?(?P<ms>\d{1,2})\s?(?:s|sec|secs)\b)"
    r"(?![\w.,]\d)"
)


def _unit(n: int, word: str) -> str:
    return f"{cardinal(n)} {word}" + ("" if n == 1 else "s")


def _duration(match: _Match) -> str:
    if match["h"]:
        spoken = _unit(int(match["h"]), "hour")
        if match["hm"]:
            spoken += " " + _unit(int(match["hm"]), "minute")
        return spoken
    return _unit(int(match["m"]), "minute") + " " + _unit(int(match["ms"]), "second")


# --- numbers glued to a suffix: "4.2s", "2.1pc", "7.5K", "3M views", "1.2tn" -------------

_MAGNITUDES = {"K": "thousand", "k": "thousand", "M": "million", "m": "million", "mn": "million"}
_MAGNITUDES |= {"bn": "billion", "B": "billion", "tn": "trillion", "T": "trillion"}
_SUFFIX_WORDS = {
    "pc": ("percent", "percent"),
    "fps": ("frame per second", "frames per second"),
    "hp": ("horsepower", "horsepower"),
    "bhp": ("brake horsepower", "brake horsepower"),
    "tsp": ("teaspoon", "teaspoons"),
    "tbsp": ("tablespoon", "tablespoons"),
    "Tbsp": ("tablespoon", "tablespoons"),
    "pts": ("point", "points"),
    "pt": ("point", "points"),
    "yds": ("yard", "yards"),
    "mins": ("minute", "minutes"),
    "secs": ("second", "seconds"),
    "lb-ft": ("pound foot", "pound feet"),
    "cu ft": ("cubic foot", "cubic feet"),
    "Nm": ("newton meter", "newton meters"),
    "bps": ("basis point", "basis points"),
    "rpm": ("revolution per minute", "revolutions per minute"),
    "mpg": ("mile per gallon", "miles per gallon"),
}
_SUFFIX_ALT = "|".join(re.escape(k) for k in sorted(_SUFFIX_WORDS, key=len, reverse=True))
_SUFFIX_RE = re.compile(
    rf"(?<![\w.,$€£¥/])(?P<num>(?:\d+\s)?\d+/\d+|{_N})\s?(?P<suf>{_SUFFIX_ALT})"
    r"(?=$|[^\w-]|-(?![a-z]))"
)
# A decimal glued to "s" is seconds ("4.2s", "9.58s"); an integer is a plural ("the 1990s",
# "in his 20s"), which the decade rule reads.
_SECONDS_RE = re.compile(r"(?<![\w.,$])(?P<num>\d+\.\d+)s\b")
# "7.5K", "3M views", "1.2tn": a magnitude. An integer before a lone "K" is a resolution
# ("4K", "8K"), and "3M" alone is the company: an integer needs a plural noun after it.
_MAGNITUDE_RE = re.compile(
    r"(?<![\w.,$€£¥])(?P<num>\d+(?:\.\d+)?)(?P<mag>bn|mn|tn|[KkMBT])\b(?!['’-])"
)
# After an integer with a magnitude, a plural noun says it is an amount ("3M views", "10K
# followers"); a verb says it is a name ("3M said").
_PLURAL_AFTER_RE = re.compile(r"\s+(?!(?:says|has|is|was|does|plans|makes)\b)[a-z]+s\b")
_RESOLUTION_RE = re.compile(r"(?<![\w.,])(?P<n>480|720|1080|1440|2160)(?P<p>[pi])\b")


def _suffix(match: _Match) -> str:
    one, many = _SUFFIX_WORDS[match["suf"]]
    num = match["num"]
    if "/" in num:
        whole, _, frac = num.rpartition(" ")
        top, _, bottom = frac.partition("/")
        if not 0 < int(top) < int(bottom):
            return match.group(0)
        spoken = fraction(int(top), int(bottom))
        if whole:
            return f"{cardinal(int(whole))} and {spoken} {many}"
        return f"{spoken} {one}"  # "1/2 tsp": one half teaspoon
    return f"{_amount(num)} {one if num == '1' else many}"


def _magnitude(match: _Match) -> str:
    num, mag = match["num"], match["mag"]
    if "." not in num:
        if mag in ("m", "B", "T"):
            return match.group(0)  # "40m" is metres, "2B" a pencil, "3T" a size
        if mag in ("K", "k") and num in ("2", "4", "5", "8", "16"):
            return match.group(0)  # "4K streaming" is a resolution, "5K" a race
        if not _PLURAL_AFTER_RE.match(match.string, match.end()):
            return match.group(0)
    return f"{_amount(num)} {_MAGNITUDES[mag]}"


def _resolution(match: _Match) -> str:
    n = match["n"]
    head, rest = divmod(int(n), 100)
    spoken = cardinal(int(n)) if rest == 0 and head < 10 else f"{cardinal(head)} {cardinal(rest)}"
    return f"{spoken} {match['p']}"


# --- ranges, phone numbers and a few codes -------------------------------------------------

# "9:30-11:00": a range of clock times; the time rule reads each side.
_CLOCK_RANGE_RE = re.compile(r"(?<=\d:\d\d)\s?[-–]\s?(?=\d{1,2}:\d\d(?!\d))")
_PERCENT_RANGE_RE = re.compile(rf"(?<![\w.,])(?P<a>{_N})\s?%\s?[-–]\s?(?P<b>{_N})\s?%")
# A seven-digit North American number: "867-5309", "555-0100". Three then four digits with a
# hyphen is almost never a range in news copy ("200-5000" would be written "200 to 5,000").
_LOCAL_PHONE_RE = re.compile(r"(?<![\w.,$/-])(?P<ex>[2-9]\d{2})-(?P<line>\d{4})(?![\w-]|[.,]\d)")
# "020 7946 0958", "0161 496 0000": a UK number starts with the trunk zero.
_UK_PHONE_RE = re.compile(r"(?<![\w.,])(?P<a>0\d{2,4}) (?P<b>\d{3,4}) (?P<c>\d{3,4})(?![\w.,]?\d)")
_WIFI_RE = re.compile(r"\b802\.11(?P<v>[a-z]{1,2})?\b")
_EMERGENCY_RE = re.compile(
    r"(?<![\w.,$/-])(?P<n>911|999|112)"
    r"(?=\s+(?:call|dispatch|operator|center|centre|line|system)s?\b)"
)
_SEASON_RE = re.compile(r"(?<![\w.,/-])(?P<a>(?:19|20)\d{2})/(?P<b>\d{2})(?![\w/]|[.,]\d)")
_REDUNDANT_DOLLARS_RE = re.compile(
    r"(?P<money>[$€£]\s?\d[\d,.]*\s?(?:thousand|million|billion|trillion|bn|mn|tn|[kKmMbB])?)"
    r"\s+(?:dollars?|euros?|pounds?)\b"
)


def _local_phone(match: _Match) -> str:
    ex, line = match["ex"], match["line"]
    if int(ex) % 10 == 0 and int(line) % 100 == 0:
        return match.group(0)  # "200-5000": round numbers make a range
    return f"{digits(ex)}, {digits(line)}"


def _season(match: _Match) -> str:
    a, b = match["a"], match["b"]
    if (int(a) + 1) % 100 != int(b):
        return match.group(0)
    return f"{year(int(a))} to {_short_year(b)}"


def _wifi(match: _Match) -> str:
    version = match["v"]
    return "eight oh two dot eleven" + (f" {' '.join(version.upper())}" if version else "")


# Dotted unit abbreviations look like host names ("cu.ft"), so they are read before links.
_DOTTED_UNIT_RE = re.compile(
    rf"(?<![\w.,])(?P<num>{_N})\s?(?P<unit>(?i:cu|sq)\.\s?(?i:ft|in|yd|m)\.?)(?!\w)"
)
_DOTTED_UNITS = {"cu": "cubic", "sq": "square"}
_DOTTED_BASES = {"ft": ("foot", "feet"), "in": ("inch", "inches"), "yd": ("yard", "yards")}
_DOTTED_BASES["m"] = ("meter", "meters")


def dotted_units(text: str, _read: bool) -> str:
    """Read "21.7 cu.ft." and "1,200 sq. ft." before the link rule takes them for hosts."""
    if "." not in text:
        return text

    def unit(match: _Match) -> str:
        kind, _, base = match["unit"].lower().rstrip(".").partition(".")
        one, many = _DOTTED_BASES[base.strip()]
        num = match["num"]
        spoken = f"{_amount(num)} {_DOTTED_UNITS[kind]} {one if num == '1' else many}"
        end = match.end()
        return spoken + ("." if match["unit"].endswith(".") and not text[end:].strip() else "")

    return _DOTTED_UNIT_RE.sub(unit, text)


def news(text: str, _read: bool) -> str:
    """Read the news shapes above: party-state tags, references ("Fig. 2"), flight and
    route numbers, quarters,
    slash dates after a date word, durations, glued suffixes and magnitudes, percent
    ranges, local and UK phone numbers, Wi-Fi standards, emergency numbers, seasons."""
    if "-" in text or "–" in text:
        text = _PARTY_RE.sub(_party, text)
    if "$" in text or "€" in text or "£" in text:
        # "$7.9 million dollars": the symbol already says the currency.
        text = _REDUNDANT_DOLLARS_RE.sub(lambda m: m["money"], text)
    if not any(ch.isdigit() for ch in text):
        return text
    text = _REFERENCE_RE.sub(_reference, text)
    text = _WIFI_RE.sub(_wifi, text)
    text = _FLIGHT_RE.sub(_flight, text)
    text = _ROUTE_RE.sub(_route, text)
    text = _INTERSTATE_RE.sub(lambda m: f"{' '.join(m['kind'])} {_pairs(m['num'])}", text)
    text = _PERIOD_YEAR_RE.sub(_period_year, text)
    text = _QUARTER_RE.sub(_quarter, text)
    text = _FISCAL_RE.sub(_fiscal, text)
    text = _SEASON_RE.sub(_season, text)
    text = _SLASH_DATE_RE.sub(_slash_date, text)
    text = _EMERGENCY_RE.sub(lambda m: digits(m["n"]), text)
    text = _UK_PHONE_RE.sub(lambda m: ", ".join(digits(g) for g in m.groups()), text)
    text = _LOCAL_PHONE_RE.sub(_local_phone, text)
    text = _CLOCK_RANGE_RE.sub(" to ", text)
    text = _PERCENT_RANGE_RE.sub(
        lambda m: f"{_amount(m['a'])} percent to {_amount(m['b'])} percent", text
    )
    text = _DURATION_RE.sub(_duration, text)
    text = _RESOLUTION_RE.sub(_resolution, text)
    text = _SECONDS_RE.sub(lambda m: f"{_amount(m['num'])} seconds", text)
    text = _SUFFIX_RE.sub(_suffix, text)
    return _MAGNITUDE_RE.sub(_magnitude, text)
