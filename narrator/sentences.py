"""Sentence and clause splitting for narration, built on nltk's Punkt and fully offline.

``nltk.sent_tokenize`` loads Punkt parameters that are downloaded at run time, so it fails on a
machine without network. We build a :class:`~nltk.tokenize.punkt.PunktSentenceTokenizer` from
parameters we ship ourselves (``narrator/data/punkt_en.json``: abbreviation types, frequent
sentence starters and the orthographic context of common function words) and wrap it in rules
for the cases Punkt gets wrong. Each rule cites the English "Golden Rule" (pySBD / Pragmatic
Segmenter numbering) or clean-test case it fixes; ``benchmarks/segmentation.py`` measures them.

How a block of text is split:

1. Hard line breaks end a sentence (pySBD does the same), except an errant newline after a
   space and before a lower-case word ("a cold \\nnight").
2. Each line is *masked*: periods, ``?`` and ``!`` that can never end a sentence (after Mr.,
   before a number after No., inside quotes and brackets, in spaced ellipses, in list markers)
   are replaced by a private-use character. The mask keeps every offset, so the sentences we
   return are slices of the original text.
3. Some boundaries are *forced* before Punkt runs: list items, footnote numbers glued to a
   period, missing spaces between sentences ("world.Today"), full-width stops.
4. Punkt splits each forced segment of the masked line.
5. Pieces are *merged* where Punkt split before a lower-case word, a lone letter label or bare
   punctuation, and *split* after "a.m."/"p.m." when a new sentence clearly follows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["clean_text", "split_clauses", "split_sentences"]

_DATA_FILE = Path(__file__).resolve().parent / "data" / "punkt_en.json"

# Stands in for a ".", "?", "!" or "…" that must not end a sentence. One character for one, so the
# masked line has the same offsets as the original.
_MASK = "\ue000"
_TERMINALS = ".?!…"

# ---------------------------------------------------------------------------------------------
# Punkt, built once from the shipped parameters
# ---------------------------------------------------------------------------------------------

# Acronyms written with a period after each letter (U.S., J.C., I.V., P.O., L.F.) are
# abbreviations whether or not they are in the list (golden rules 13-17, clean tests "J.C.
# Penney", "the i.v. in his vein", "P.O. box"). Punkt keys abbreviations by the token without its
# final period, so "u.s" or "j.c".
_ACRONYM_TYPE = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")


class _AbbreviationTypes(set[str]):
    """Punkt's ``abbrev_types`` set, which also contains every dotted acronym."""

    def __contains__(self, item: object) -> bool:
        if super().__contains__(item):
            return True
        return isinstance(item, str) and _ACRONYM_TYPE.match(item) is not None


def _load_parameters(acronyms: bool) -> Any:
    """Punkt parameters from ``narrator/data/punkt_en.json``.

    ``acronyms`` adds the dotted-acronym rule; the benchmark's plain-Punkt baseline leaves it
    out so that it measures exactly the shipped data.
    """
    from nltk.tokenize.punkt import _ORTHO_BEG_UC, _ORTHO_MID_LC, PunktParameters

    data = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
    params = PunktParameters()
    abbreviations = set(data["abbreviations"])
    params.abbrev_types = _AbbreviationTypes(abbreviations) if acronyms else abbreviations
    params.sent_starters = set(data["sentence_starters"])
    params.collocations = {tuple(pair) for pair in data["collocations"]}
    for word in data["lowercase_words"]:
        # Seen lower case inside sentences and capitalised only at their start: Punkt's
        # orthographic heuristic then ends a sentence at an abbreviation before it.
        params.add_ortho_context(word, _ORTHO_MID_LC | _ORTHO_BEG_UC)
    return params


@lru_cache(maxsize=2)
def _punkt(acronyms: bool = True) -> Any:
    """The Punkt tokenizer, built once per process (importing nltk takes about a second)."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    # A PunktParameters object passed as ``train_text`` is used as is; nothing is trained.
    return PunktSentenceTokenizer(_load_parameters(acronyms))


# ---------------------------------------------------------------------------------------------
# Word lists for our rules
# ---------------------------------------------------------------------------------------------

# Titles written before a name: the period never ends a sentence when a capitalised word follows
# ("Mr. Smith", "Sen. Barack Obama"; golden rule 18, clean tests "former Sen. Barack Obama").
_TITLES = (
    "Mr|Mrs|Ms|Messrs|Mmes|Dr|Drs|Prof|Profs|Rev|Fr|Hon|Pres|Supt|Gov|Govs|Sen|Sens|Rep|Reps"
    "|Gen|Lt|Col|Maj|Capt|Cpt|Cmdr|Cdr|Adm|Sgt|Cpl|Pvt|Brig|Insp|Det|Atty|Mt|Ft"
)
_TITLE_PERIOD = re.compile(rf"\b(?:{_TITLES}|{_TITLES.upper()})\.(?=\s+[\"'“‘(]?[A-Z])")
# "Foreign Min. Wang Yi": "Min." before a name is Minister (issue 15); after a number it is
# minutes and may end the sentence.
_MINISTER_PERIOD = re.compile(r"(?<![\d\s]\s)(?<!\d)\bMin\.(?=\s+[A-Z])")
# Spaced initials ("U. A. E.", "J. R. R. Tolkien"): the periods inside the run never end a
# sentence; the last one may, and the usual rules decide it.
_SPACED_INITIALS = re.compile(r"\b[A-Z]\.(?=\s[A-Z]\.)")

# Abbreviations that only abbreviate before a number: "No. 5", "p. 55", "Fig. 3", "Rs. 3520"
# (golden rule 5, clean "He is no. 5", no-clean "Rs. 16720/-", "SEC. 1262"). Elsewhere "no." is
# the word "no" ending a sentence, so these are not in Punkt's abbreviation list.
_NUMBER_ABBREVIATION = re.compile(
    r"(?:\bn°|\bnº|\b(?:no|nos|nr|p|pp|vol|vols|ch|chap|sec|secs|fig|figs|eq|eqs|para|art|arts|op|ref|refs"
    r"|rs|ca|approx))\.(?=\s?[(#$]?\d)",
    re.IGNORECASE,
)

# After "a.m."/"p.m." a capitalised word starts a new sentence ("He left at 6 P.M. Travelers
# who...", clean tests; golden rule 18) unless it is a day, month or time zone ("at 10 a.m.
# Tuesday", "at 9 p.m. ET").
_TIME_ABBREVIATION = re.compile(r"\b[AaPp]\.[Mm]\.\s+(?=([A-Z][\w'’]*))")
_AFTER_TIME_SAME_SENTENCE = re.compile(
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tues?|Wed|Thu|Thurs?|Fri|Sat"
    r"|Sun|January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|[ECMP][SD]?T|GMT|UTC|BST|CES?T"
    r"|Eastern|Central|Mountain|Pacific|Atlantic"
)
# "At 5 a.m." alone is no sentence: a short lead-in phrase before the time keeps the time in the
# sentence that follows (golden rule 18: "At 5 a.m. Mr. Smith went to the bank.").
_LEAD_IN = re.compile(
    r"^\W*(?:at|by|until|till|before|after|from|around|about|since|shortly|just|on|every)\b"
    r"(?:\s+\S+){0,3}\s*$",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------------
# Masks: positions whose "." "?" "!" cannot end a sentence
# ---------------------------------------------------------------------------------------------

# Spaced ellipses, ". . ." and ". . . ." (golden rules 43-48).
_SPACED_ELLIPSIS = re.compile(r"\.(?:[ \u00a0]\.){2,}")

# An unspaced ellipsis before a capital ends the sentence ("who talks slowly... And this is",
# clean test 39; pySBD issue 83 "du reste ... Logiquement"); Punkt only ends one before a word
# it knows as a sentence starter.
_ELLIPSIS_END = re.compile(r"(?:\.{3,}|…)[\"'”’)\]]*\s+(?=[\"'“‘(]?[A-Z])")

# Words that start with an apostrophe, which is then no opening quote ("in the 'nineties",
# "rock 'n' roll", "'til then").
_ELISIONS = r"(?:n|em|til|cause|tis|twas|bout|round|s)\b|\w+ties\b"

# A quotation: straight double quotes pair up in order; curly quotes pair open with close;
# straight single quotes count only when they open before a letter after a space and close
# after a non-space before a non-letter, so apostrophes ("isn't", "Jr.'s") are left alone.
_QUOTATIONS = (
    re.compile(r'(?:^|(?<=[\s(\[{—–-]))"[^"\n]+"'),
    re.compile(r"“[^“”\n]+”"),
    re.compile(r"‘[^‘\n]*?’(?![\w])"),
    re.compile(r"(?:^|(?<=[\s(\[{—–-]))'(?=[^\W\d_])(?!" + _ELISIONS + r")[^\n]*?(?<=\S)'(?![\w])"),
)
_BRACKETS = (re.compile(r"\([^()\n]*\)"), re.compile(r"\[[^\[\]\n]*\]"))
# The punctuation that may end a quotation or parenthesis and also its sentence: 'him, "This
# is great." She held' (golden rule 26) against 'him, "This is great." she said' (rule 25).
_CLOSING_RUN = re.compile(r"[.?!…]+(?=[\"'”’)\]]*$)")

# ---------------------------------------------------------------------------------------------
# Forced boundaries
# ---------------------------------------------------------------------------------------------

# List item markers: "1.) ", "1) ", "1. ", "a. ", "a) ", "(iv) ", "• 9. ", "⁃9. " (golden rules
# 31-39, clean tests for lettered and roman lists).
_LIST_MARKER = re.compile(
    r"(?:^|(?<=\s))(?:[•⁃▪◦*]\s?)?(?P<open>\()?(?P<value>\d{1,3}|[ivx]{1,4}|[IVX]{1,4}|[A-Za-z])"
    r"(?P<mark>\.\)|\.|\))\s+(?=(?P<next>\S))"
)
_ROMAN = {
    r: n
    for n, r in enumerate(
        ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"], start=1
    )
}
# Exclamation marks that are part of a name (issue 37: "at Yahoo! Research extended").
_NAME_BANG = re.compile(r"\b(?:Yahoo|Jeopardy|Joomla|Kahoot|Yum)!")

# A footnote or citation glued to the period that ends a sentence: "martyr.[1] The",
# "consultation.11 12 Take", "(type 2).10 This" (clean tests 110-115).
_FOOTNOTE = re.compile(
    r"(?:(?<=[^\W\d_]{2})|(?<=[)\]]))\.(?:(?:\[\d{1,3}(?:[–-]\d{1,3})?\])+|\d{1,3}(?:\s\d{1,3})*)"
    r"\s+(?=[\"“‘(]?[A-Z])"
)
# Speech broken off with a dash ends the sentence at its closing quote: 'to--" At this moment'
# (clean tests 92 and 116, Alice).
_DASH_QUOTE_END = re.compile(r"(?<=[-—–])[\"”’']\s+(?=[A-Z])")
# No space after the period (Pragmatic Segmenter rule 52: "Hello world.Today is Tuesday.Mr.
# Smith ... bought 1,000.That is a lot.").
_NO_SPACE = re.compile(r"(?:(?<=[a-z]{2})|(?<=\d,\d{3}))\.(?=[A-Z][a-z])")
# An unspaced ellipsis glued to the next sentence ("He waited....The door opened."): the
# ellipsis ends the first, it does not open the second (issue 15).
_GLUED_ELLIPSIS = re.compile(r"(?<=\w)(?:\.{3,}|…)(?=[\"“‘(]?[A-Z][a-z])")
_URL_LIKE = re.compile(r"@|://|www\.|\.(?:com|org|net|edu|gov|io)\b", re.IGNORECASE)
# Full-width and CJK stops are never abbreviations (clean test "Test strange period．Does...").
_WIDE_STOP = re.compile(r"[．。！？](?=[\"'”’)\]]*\s*\S)")
_WIDE_STOP_END = re.compile(r"[\"'”’)\]]*")

_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029]")
# A newline after a space and before a lower-case word or "(" is an errant line break inside a
# sentence (Pragmatic Segmenter rule 41: "It was a cold \nnight in the city.").
_ERRANT_NEWLINE = re.compile(r"(?<=[ \t])\r?\n(?=[a-z(])")


@dataclass
class _Piece:
    """A candidate sentence: a slice of the line, and whether it starts at a forced boundary."""

    start: int
    end: int
    hard: bool


def split_sentences(text: str) -> list[str]:
    """Split one paragraph or block of text into its sentences.

    Returns the sentences in order, each stripped of surrounding whitespace, none empty; every
    sentence is a slice of ``text`` (line breaks aside), so joining them with spaces loses no
    words. Line breaks end sentences, except an errant one after a space and before a
    lower-case word. Runs no I/O and needs no download.
    """
    text = _ERRANT_NEWLINE.sub("", text)
    sentences: list[str] = []
    for line in _LINE_BREAK.split(text):
        if line.strip():
            sentences.extend(_split_line(line))
    return sentences


def _split_line(line: str) -> list[str]:
    markers = _list_markers(line)
    masked = _mask(line, markers)
    breaks = sorted(_forced_breaks(line, masked, markers) - {0})
    tokenizer = _punkt()
    pieces: list[_Piece] = []
    for seg_start, seg_end in zip([0, *breaks], [*breaks, len(line)], strict=True):
        first = True
        for start, end in tokenizer.span_tokenize(masked[seg_start:seg_end]):
            pieces.append(_Piece(seg_start + start, seg_start + end, first and seg_start > 0))
            first = False
    pieces = _merge(line, pieces)
    pieces = _split_after_times(line, pieces)
    pieces = _split_after_postpositive(line, pieces)
    pieces = _merge_after_units(line, pieces)
    out = [line[p.start : p.end].strip() for p in pieces]
    return [s for s in out if s]


def _mask(line: str, markers: list[re.Match[str]]) -> str:
    chars = list(line)

    def hide(index: int) -> None:
        if chars[index] in _TERMINALS:
            chars[index] = _MASK

    for match in _TITLE_PERIOD.finditer(line):
        hide(match.end() - 1)
    for match in _MINISTER_PERIOD.finditer(line):
        hide(match.end() - 1)
    for match in _SPACED_INITIALS.finditer(line):
        hide(match.end() - 1)
    for match in _NUMBER_ABBREVIATION.finditer(line):
        hide(match.end() - 1)
    for match in _SPACED_ELLIPSIS.finditer(line):
        for index in range(match.start(), match.end()):
            hide(index)
    # Punctuation inside quotes and brackets does not end the surrounding sentence (clean tests
    # 2, 91-93, 107: Alice's speeches; golden rule 44 "Bohr [...] used"; "[?][footnoteRef:6]").
    # Only a run right before the closing mark may, and Punkt decides that one.
    for pattern in (*_QUOTATIONS, *_BRACKETS):
        for match in pattern.finditer(line):
            inner = match.group()[1:-1]
            closing = _CLOSING_RUN.search(inner)
            keep_from = closing.start() if closing else len(inner)
            if pattern is _BRACKETS[1]:
                keep_from = len(inner)  # "[...]" is an omission, never an ending
            for offset in range(keep_from):
                hide(match.start() + 1 + offset)
    for marker in markers:
        # "1. The first item": the marker's period is not a sentence end.
        hide(marker.start("mark"))
    for match in _FOOTNOTE.finditer(line):
        hide(match.start())  # "martyr.[1] The": the sentence ends after the note
    for match in _NAME_BANG.finditer(line):
        hide(match.end() - 1)
    # "…" is an ellipsis Punkt does not know; as "." it becomes a candidate boundary that the
    # lower-case merge takes back when a lower-case word follows.
    return "".join(chars).replace("…", ".")


def _list_markers(line: str) -> list[re.Match[str]]:
    """The list item markers in ``line``, in order.

    A marker counts when it is the first thing on the line, or when it belongs to a run of
    markers of one kind numbered one after another (1, 2, 3; a, b, c; i, ii, iii). "1. " must
    come before a capital and "a. " must be lower case, so that "for 1. above" and initials
    such as "John A. Smith. She was Jane B. Smith" are not lists.
    """
    found: list[tuple[re.Match[str], set[tuple[str, int]]]] = []
    for match in _LIST_MARKER.finditer(line):
        raw, mark = match.group("value"), match.group("mark")
        if match.group("open") and mark != ")":
            continue
        kind = ("(" if match.group("open") else "") + mark
        readings: set[tuple[str, int]] = set()
        if raw.isdigit():
            if mark != "." or match.group("next")[0].isupper():
                readings.add(("digit" + kind, int(raw)))
        else:
            if len(raw) == 1 and (mark != "." or raw.islower()):
                readings.add(("alpha" + kind, ord(raw.lower()) - ord("a") + 1))
            if raw.lower() in _ROMAN and (mark != "." or raw.islower()):
                readings.add(("roman" + kind, _ROMAN[raw.lower()]))
        if readings:
            found.append((match, readings))
    chosen: set[int] = set()
    for index, (match, readings) in enumerate(found):
        if not line[: match.start()].strip():
            chosen.add(index)
        if index + 1 < len(found):
            after, next_readings = found[index + 1]
            has_words = bool(line[match.end() : after.start()].split())
            if has_words and any((k, v + 1) in next_readings for k, v in readings):
                chosen.update((index, index + 1))
    return [found[i][0] for i in sorted(chosen)]


def _forced_breaks(line: str, masked: str, markers: list[re.Match[str]]) -> set[int]:
    """Offsets where a sentence must start, whatever Punkt says."""
    breaks = {marker.start() for marker in markers}
    for match in _DASH_QUOTE_END.finditer(line):
        breaks.add(match.end())
    for match in _FOOTNOTE.finditer(line):
        breaks.add(match.end())
    for match in _NO_SPACE.finditer(masked):
        token_start = line.rfind(" ", 0, match.start()) + 1
        token_end = line.find(" ", match.end())
        token = line[token_start : token_end if token_end >= 0 else len(line)]
        if not _URL_LIKE.search(token):
            breaks.add(match.end())
    for match in _GLUED_ELLIPSIS.finditer(line):
        breaks.add(match.end())
    for match in _WIDE_STOP.finditer(line):
        end = _WIDE_STOP_END.match(line, match.end())
        assert end is not None  # the pattern matches the empty string
        stop = end.end()
        while stop < len(line) and line[stop].isspace():
            stop += 1
        breaks.add(stop)
    for match in _ELLIPSIS_END.finditer(line):
        if masked[match.start()] != _MASK:
            breaks.add(match.end())
    for match in _SPACED_ELLIPSIS.finditer(line):
        after = line[match.end() :]
        if not re.match(r"\s+[\"'“‘(]?[A-Z]", after) or match.group().count(".") < 4:
            continue  # three spaced dots are an omission inside a sentence (golden rule 47)
        if match.start() > 0 and not line[match.start() - 1].isspace():
            # "compounds. . . . The practice": the period ends the sentence and the ellipsis
            # opens the next one (golden rule 48).
            breaks.add(match.start() + 2)
        else:
            # "with a period . . . . Next sentence." (golden rule 45).
            breaks.add(match.end() + len(after) - len(after.lstrip()))
    return {b for b in breaks if b < len(line)}


_CAMEL = re.compile(r"[a-z]+[A-Z]")


def _first_word_is_lower(text: str) -> bool:
    """Whether the first word of ``text`` starts lower case ("iPhone" and "eBay" do not)."""
    match = re.search(r"[^\W_]+", text)
    if match is None:
        return False
    word = match.group()
    return word[0].islower() and not _CAMEL.match(word)


def _merge(line: str, pieces: list[_Piece]) -> list[_Piece]:
    merged: list[_Piece] = []
    for piece in pieces:
        text = line[piece.start : piece.end]
        if merged and not piece.hard:
            prev = merged[-1]
            prev_text = line[prev.start : prev.end].strip()
            # Punkt ends every sentence at a period after an ordinary word, even when the next
            # word is lower case: "This is great." she said (golden rules 21, 25, 41;
            # clean "Leave me alone! he yelled.", "Charles (Ind.) said he.").
            # A piece of bare punctuation belongs to the sentence before ("Fig. ??", "! ! !").
            # A lone capital letter is a label, not a sentence ("Q. What is his name?").
            if (
                _first_word_is_lower(text)
                or not re.search(r"[^\W_]", text)
                or re.fullmatch(r"[A-Z]\.", prev_text)
            ):
                prev.end = piece.end
                continue
        merged.append(piece)
    # Bare punctuation at the very start goes with what follows.
    if len(merged) > 1 and not re.search(r"[^\W_]", line[merged[0].start : merged[0].end]):
        merged[1].start = merged[0].start
        del merged[0]
    return merged


def _split_after_times(line: str, pieces: list[_Piece]) -> list[_Piece]:
    out: list[_Piece] = []
    for piece in pieces:
        start = piece.start
        hard = piece.hard
        for match in _TIME_ABBREVIATION.finditer(line, piece.start, piece.end):
            if _AFTER_TIME_SAME_SENTENCE.fullmatch(match.group(1)):
                continue
            if _LEAD_IN.match(line[start : match.start()]):
                continue
            out.append(_Piece(start, match.end(), hard))
            start, hard = match.end(), True
        out.append(_Piece(start, piece.end, hard))
    return out


# Abbreviations that close a noun phrase (eras, degrees, units after a number) end the
# sentence when a new clause follows: a capitalised word and then a lower-case word that is
# not a function word ("Rome fell in 476 A.D. Odoacer took power.", "He got his Ph.D. Maria
# was proud.", "The board is 6 ft. Sam cut it."; issue 15). "Add 4 oz. Parmesan and stir"
# continues ("and"), and so does a short lead-in ("In 476 A.D. Odoacer ...").
_POSTPOSITIVE = re.compile(
    r"(?:\b(?:A\.D|B\.C(?:\.E)?|C\.E|Ph\.D|M\.D|M\.A|B\.A|M\.B\.A|B\.Sc|M\.Sc|D\.D\.S)"
    r"|(?<=\d)\s?(?:ft|lbs?|oz|yds?|mi|in|mins?|hrs?|secs?|sq|kg|km|cm|mm|pts?|gal|qts?))"
    r"\.\s+(?=[\"'“‘(]?([A-Z][\w'’-]*)\s+([a-z][\w'’-]*))"
)
_CONTINUING = re.compile(
    r"and|or|of|nor|but|in|on|at|to|for|with|from|by|as|than|into|onto|per|plus|minus|de|van"
    r"|von|da|del|la|le"
)
_ERA_LEAD_IN = re.compile(
    r"^\W*(?:in|by|until|till|before|after|from|around|about|since|during|circa|c\.|ca\.)\b"
    r"(?:\s+\S+){0,2}\s*$",
    re.IGNORECASE,
)


_UNIT_END = re.compile(
    r"(?:\d\s?(?:ft|lbs?|oz|yds?|mi|mins?|hrs?|secs?|kg|pts?|gal|qts?|tsp|tbsp)|\b[Nn]o)\.$"
)
_CONTINUED_START = re.compile(r"[\"'“‘(]?[A-Z][\w'’-]*\s+([a-z][\w'’-]*)")


def _merge_after_units(line: str, pieces: list[_Piece]) -> list[_Piece]:
    """Take back a break Punkt made after a unit inside a sentence: "Add 4 oz. Parmesan and
    stir." (the capitalised word is followed by a function word, so the clause goes on)."""
    merged: list[_Piece] = []
    for piece in pieces:
        if merged:
            prev = merged[-1]
            ends_unit = _UNIT_END.search(line[prev.start : prev.end].rstrip())
            start = _CONTINUED_START.match(line[piece.start : piece.end].lstrip())
            if ends_unit and start and _CONTINUING.fullmatch(start.group(1)):
                prev.end = piece.end
                continue
        merged.append(piece)
    return merged


def _split_after_postpositive(line: str, pieces: list[_Piece]) -> list[_Piece]:
    out: list[_Piece] = []
    for piece in pieces:
        start, hard = piece.start, piece.hard
        for match in _POSTPOSITIVE.finditer(line, piece.start, piece.end):
            if match.end() >= piece.end or _CONTINUING.fullmatch(match.group(2)):
                continue
            if _AFTER_TIME_SAME_SENTENCE.fullmatch(match.group(1)):
                continue
            if _ERA_LEAD_IN.match(line[start : match.start()]):
                continue
            out.append(_Piece(start, match.end(), hard))
            start, hard = match.end(), True
        out.append(_Piece(start, piece.end, hard))
    return out


# ---------------------------------------------------------------------------------------------
# Clauses
# ---------------------------------------------------------------------------------------------

# Break points, strongest first. Each pattern matches the whitespace at the break (or, for an
# unspaced dash, the empty string after it), so a piece never ends inside a word.
_CLAUSE_BREAKS = (
    # After ";" ":" and dashes that set off a clause.
    re.compile(r"(?<=[;:])\s+|(?<=\s[—–])\s+|(?<=\s--)\s+|(?<=[^\W\d_]—)(?=[^\W\d_])|(?<=—)\s+"),
    # After a comma (not inside a number: "1,000" has no space).
    re.compile(r"(?<=,)\s+"),
    # Before a conjunction or relative word that opens a clause.
    re.compile(
        r"\s+(?=(?:and|but|or|nor|yet|so|because|although|though|while|whereas|which|who"
        r"|where|when|unless|until|after|before|since|if)\s)"
    ),
    # Any space.
    re.compile(r"\s+"),
)
_ANY_SPACE = len(_CLAUSE_BREAKS) - 1
# A comma that separates items of a list ("drones, helicopters and low-flying aircraft") rather
# than clauses: a few words, then "and"/"or".
_LIST_COMMA = re.compile(r"\s+(?:[^\s,;:]+\s+){0,2}(?:and|or)\s")


def split_clauses(sentence: str, max_chars: int) -> list[str]:
    """Split a long sentence into pieces of at most ``max_chars`` characters.

    Breaks at the strongest clause boundary that fits: after ``;``, ``:`` or a dash, then after
    a comma, then before a conjunction or relative word ("and", "but", "because", "which"...),
    then at any space; commas inside a list and breaks inside quotation marks or brackets count
    as weaker. Never breaks inside a word, so a piece is longer than ``max_chars`` only when a
    run of characters without a break is. Pieces are stripped and in order, and no character
    other than whitespace at a break is lost. A sentence that fits comes back as
    ``[sentence]``.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}.")
    if len(sentence) <= max_chars:
        return [sentence]
    rest = sentence.strip()
    # Very short pieces sound choppy: a break must leave at least this much before it.
    min_piece = max(1, max_chars // 4)
    pieces: list[str] = []
    while len(rest) > max_chars:
        cut = _best_break(rest, max_chars, min_piece) or _best_break(rest, max_chars, 1)
        if cut is None:
            cut = _break_after_limit(rest, max_chars)
        if cut is None:
            break
        pieces.append(rest[: cut[0]].rstrip())
        rest = rest[cut[1] :].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _best_break(text: str, max_chars: int, min_piece: int) -> tuple[int, int] | None:
    """The (end of piece, start of rest) of the best break in ``text``, or None if none."""
    best: tuple[int, int, int] | None = None  # (tier, -start, end): smallest wins
    for tier, pattern in enumerate(_CLAUSE_BREAKS):
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if not (min_piece <= start <= max_chars and end < len(text)):
                continue
            weaker = tier
            if tier == 1 and _LIST_COMMA.match(text, start):
                weaker = 2
            if tier < _ANY_SPACE and _inside_quote_or_bracket(text, start):
                weaker = min(weaker + 2, _ANY_SPACE)
            candidate = (weaker, -start, end)
            if best is None or candidate < best:
                best = candidate
    if best is None:
        return None
    return -best[1], best[2]


def _break_after_limit(text: str, max_chars: int) -> tuple[int, int] | None:
    """The first space after ``max_chars``: the run of characters before it has no break."""
    for match in _CLAUSE_BREAKS[_ANY_SPACE].finditer(text):
        if match.start() > 0 and match.end() < len(text):
            return match.start(), match.end()
    return None


def _inside_quote_or_bracket(text: str, index: int) -> bool:
    """Whether ``index`` falls inside an open quotation or bracket in ``text``."""
    before = text[:index]
    return (
        before.count("“") > before.count("”")
        or before.count('"') % 2 == 1
        or before.count("(") > before.count(")")
        or before.count("[") > before.count("]")
    )


# ---------------------------------------------------------------------------------------------
# Cleaning text dumps
# ---------------------------------------------------------------------------------------------

_HTML_TAG = re.compile(r"</?\w+(?:\s+[\w:-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^'\">\s]+))?)*\s*/?>")
_ESCAPED_HTML_TAG = re.compile(r"&lt;/?[^&]*?&gt;")
_INLINE_FORMATTING = re.compile(r"\{b\^(?:&gt;|>)\d*(?:&lt;|<)b\^\}")
_TABLE_OF_CONTENTS = re.compile(r"\.{4,}\s*\d+-*\d*")
_DOT_RUN = re.compile(r"\.{5,}")
_SLASH_RUN = re.compile(r"/{3,}")


def clean_text(text: str) -> str:
    """Clean a raw text dump before splitting it into sentences.

    Joins lines broken inside a sentence (a newline after a space and before a lower-case word,
    and words broken letter by letter over lines), turns other line breaks into sentence
    breaks (one ``\\n`` each), turns escaped ``\\n``/``\\r`` into real ones, drops HTML tags
    (also escaped ones), table-of-contents leaders ("About Me........5") and runs of five or
    more dots or three or more slashes, turns ``` `` ``` and ``''`` into ``"``, and adds the
    missing space in "world.Today". The result is what :func:`split_sentences` expects from a
    dump; clean article text does not need it.
    """
    if not text:
        return text
    text = text.replace("\r\n", "\n")
    # A newline after a space and before a lower-case word or "(" is inside a sentence
    # (Pragmatic Segmenter rules 40-41; clean "initiating \na shot").
    text = re.sub(r"(?<=\s)\n(?=[a-z(])", "", text)
    # Letters one or two per line spell one word ("W\nA\nRN\nI\nNG" -> "WARNING").
    text = re.sub(r"\n(?=[a-zA-Z]{1,2}\n)", "", text)
    # A period alone on the next line belongs to the sentence it ends ("pricing\n.").
    text = re.sub(r"\n(?=\.(?:\s|$))", "", text)
    text = re.sub(r"\\ ?n", "\n", text)
    text = re.sub(r"\\ ?r", "\n", text)
    text = _HTML_TAG.sub("", text)
    text = _ESCAPED_HTML_TAG.sub("", text)
    text = _INLINE_FORMATTING.sub("", text)
    text = text.replace("``", '"').replace("''", '"').replace("`", "'")
    text = _TABLE_OF_CONTENTS.sub("\n", text)
    text = _DOT_RUN.sub(" ", text)
    text = _SLASH_RUN.sub("", text)
    text = _add_missing_spaces(text)
    text = re.sub(r"[ \t]*[\r\n][\s]*", "\n", text)
    return text.strip()


def _add_missing_spaces(text: str) -> str:
    """'Hello world.Today is' -> 'Hello world. Today is', except in URLs and e-mail addresses."""

    def fix(match: re.Match[str]) -> str:
        token = match.group()
        if _URL_LIKE.search(token):
            return token
        return re.sub(r"(?:(?<=[a-z]{2})|(?<=\d))\.(?=[A-Z][a-z])", ". ", token)

    return re.sub(r"\S+", fix, text)
