"""The spoken byline: the authors' names as a newsreader says them.

A byline comes from a page's template or from trafilatura's author field, and both glue
other things to the names: the date after them ("Joshua Sokol May" from "Joshua Sokol May
20, 2019"; "Jeff Foust Monday; November"), a handle, an e-mail address or a phone number
("Megan Rowe meganr@spokesman.com(509) 459-5382"), a role ("Yasemin Saplakoglu - Staff
Writer", "Meg JamesStaff Writer"), a comment count glued to the name ("Lucas Nolan22"), the
site's own name ("Troy Smith; Troy L Smith; Cleveland com"). Spoken after "by" in the intro
and written to the MP3's artist tag, each of those is a stumble. :func:`clean_byline`
keeps the names, joined as they are said ("A and B", "A, B and C").

The rules are about the shape of a byline, not about any site: a month word is cut only
where the page itself shows a date after the name, since "May" and "June" are names too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from narrator.extract._lines import FUNCTION_WORDS

__all__ = ["clean_byline", "date_after"]

_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())  # noqa: SIM905
# Cut only where a date follows on the page: each is a name or a part of one somewhere
# ("Theresa May", "Lena Sun").
_DATE_NAMES = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat
    sun""".split()  # noqa: SIM905
)
# Words a template puts between a name and its date ("on Monday", "Last Updated").
_FILLER = frozenset("on at updated published posted last modified the".split())  # noqa: SIM905
_ROLES = frozenset(
    """writer reporter contributor correspondent editor columnist contributing senior staff
    associate special""".split()  # noqa: SIM905
)
# A role proper, not "Staff" alone ("Jerusalem Post Staff" is how that desk signs).
_ROLE_HEADS = _ROLES - {"staff", "senior", "associate", "special", "contributing"}
_CREDENTIALS = frozenset(
    """ma ms msc mba md phd dphil mph rn np pa do dvm jd llm cpa cfa rd mfa jr sr ii iii iv
    facp""".split()  # noqa: SIM905
)
_ORGANISATION_WORDS = frozenset(
    """press news business staff media magazine agency wire service network desk bureau
    times post journal reuters""".split()  # noqa: SIM905
)
_ACRONYM = re.compile(r"^[A-Z]{2,5}$")
# Where the names end: an e-mail address, a handle, a link or a phone number.
_CONTACT = re.compile(
    r"[^\s@]+@[^\s@]+\.\w+|@\w+|https?://\S+|www\.\S+"
    r"|\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}"
)
_GLUED_ROLE = re.compile(
    r"(?<=[a-z])(?=(?:Staff|Senior|Contributing|Writer|Reporter|Contributor|Correspondent"
    r"|Editor|Columnist)\b)"
)
_GLUED_DIGITS = re.compile(r"(?<=[^\W\d_]{2})\d+\b")
_SEPARATOR = re.compile(r"\s+[-–—|]\s+|,\s+")
_WORD = re.compile(r"[^\W_]+")
# What a template writes before the names ("Analysis by", "Words by").
_LEAD = re.compile(r"^(?:\S+\s+){0,2}?by\s+(?=\S)", re.IGNORECASE)
# Two or more words in capitals: a name set in capitals ("MARY CLARE JALONICK").
_UPPER_RUN = re.compile(r"\b[A-Z][A-Z'’.-]+(?:\s+(?:[A-Z][A-Z'’.-]*|and))*\s+[A-Z][A-Z'’.-]+\b")
# Longer than a long list of authors: a paragraph a template put in the author field.
_MOST_CHARS = 600


def _fold(word: str) -> str:
    return word.casefold().strip(".,;:").split("-")[0]


def _is_role(part: str, after_a_name: bool = False) -> bool:
    """A part that is a role and no name ("Staff Writer"; after a name, also "CNN
    Editor-at-large" and "AP National Political Writer")."""
    words = part.split()
    most = 6 if after_a_name else 2
    return 0 < len(words) <= most and _fold(words[-1]) in _ROLE_HEADS


def _dateless(name: str, shows_date: Callable[[str, str], bool]) -> str:
    """``name`` without the date words a template left after it."""
    tokens = name.split()
    while tokens:
        last = _fold(tokens[-1])
        dated = last in _DATE_NAMES and len(tokens) > 1 and shows_date(" ".join(tokens[:-1]), last)
        if not (dated or last.isdigit() or last in _WEEKDAYS or last in _FILLER):
            break
        tokens.pop()
    return " ".join(tokens)


def _roleless(name: str) -> str:
    """``name`` without a role after it ("- Staff Writer", ", IGN Staff", "Contributing
    Correspondent")."""
    pieces = _SEPARATOR.split(name)
    while len(pieces) > 1 and _fold(pieces[-1].split()[-1] if pieces[-1].split() else "") in _ROLES:
        pieces.pop()
    name = ", ".join(pieces)
    tokens = name.split()
    end = len(tokens)
    while end > 2 and tokens[end - 1][:1].isupper() and _fold(tokens[end - 1]) in _ROLES:
        end -= 1
    if end < len(tokens) and any(_fold(t) in _ROLE_HEADS for t in tokens[end:]):
        tokens = tokens[:end]
    return " ".join(tokens)


def _is_date_words(text: str) -> bool:
    words = [_fold(w) for w in text.split()]
    return all(w.isdigit() or w in _WEEKDAYS or w in _DATE_NAMES or w in _FILLER for w in words)


def _speakable_case(name: str) -> str:
    """A name set in capitals as a name ("GILLIAN MOHNEY" -> "Gillian Mohney"); a lone
    acronym ("CNN") stays as it is."""

    def fixed(run: re.Match[str]) -> str:
        text = run.group(0)
        if not any(len(w) > 3 for w in _WORD.findall(text)):
            return text  # acronyms ("CNN", "AP")
        return re.sub(r"[^\W\d_]{2,}", _capitalized, text)

    return _UPPER_RUN.sub(fixed, name)


def _capitalized(match: re.Match[str]) -> str:
    word = match.group(0)
    return word if word == "and" else word.capitalize()


def _joined(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def date_after(text: Callable[[], str]) -> Callable[[str, str], bool]:
    """A ``shows_date`` for :func:`clean_byline`: whether ``text()`` (read once, when first
    needed) has the name, then the month word and a day number ("Joshua Sokol May 20")."""
    folded: list[str] = []

    def shows(name: str, month: str) -> bool:
        if not folded:
            folded.append(" ".join(text().split()).casefold())
        pattern = re.escape(name.casefold()) + r"[\W_]{0,8}" + re.escape(month) + r"\.?,?\s+\d"
        return re.search(pattern, folded[0]) is not None

    return shows


def clean_byline(
    byline: str | None,
    shows_date: Callable[[str, str], bool] = lambda _name, _month: False,
    site_names: Iterable[str] = (),
) -> str | None:
    """The names of ``byline`` as they are said, or None when no name is left.

    ``byline`` may hold several authors separated by ";" (trafilatura's join).
    ``shows_date(name, month)`` says whether the page shows ``month`` and a day number
    right after ``name``: only then is a trailing month word cut. A part that names the
    site (``site_names``: squashed names such as "clevelandcom") is dropped when a person
    is named too, and so is a name contained in another ("Troy Smith" in "Troy L Smith").
    """
    if not byline or len(byline) > _MOST_CHARS:
        return None
    sites = {"".join(_WORD.findall(s.casefold())) for s in site_names} - {""}
    names: list[str] = []
    for k, part in enumerate(byline.split(";")):
        part = _CONTACT.split(part, maxsplit=1)[0]
        part = _GLUED_DIGITS.sub("", _GLUED_ROLE.sub(" ", part))
        part = _sentence_cut(_LEAD.sub("", " ".join(part.split()).strip(" ,;:-–—|")))
        part = _dateless(part, shows_date)
        # A later part ending in a role is the role of the name before it.
        if _is_role(part, after_a_name=k > 0):
            continue
        part = _roleless(part).strip(" ,;:-–—|")
        if not part or not _WORD.search(part) or _is_date_words(part):
            continue
        names.append(_speakable_case(part))
    people = [n for n in names if "".join(_WORD.findall(n.casefold())) not in sites]
    names = people or names
    words = [set(_WORD.findall(n.casefold())) for n in names]
    entries: list[str] = []
    for i, name in enumerate(names):
        if any(
            j != i and words[i] <= words[j] and (words[i] < words[j] or j < i)
            for j in range(len(names))
        ):
            continue  # "Troy Smith" beside "Troy L Smith"
        if entries and _is_attachment(name):
            entries[-1] += ", " + name  # "Brenda Goodman, MA", "Jill Disis, CNN Business"
        else:
            entries.append(name)
    return _joined(entries) or None


def _sentence_cut(name: str) -> str:
    """A name, not the sentence a template made of it ("Phil Helsel is a reporter")."""
    tokens = name.split()
    for k in range(2, len(tokens)):
        if tokens[k] in FUNCTION_WORDS and tokens[k] != "and":
            return " ".join(tokens[:k])
    return name


def _is_attachment(part: str) -> bool:
    """A credential or an organisation, said after a name rather than as another author:
    "MA", "PhD", "CNN Business", "Associated Press"."""
    words = part.split()
    if all(w.strip(".,").casefold() in _CREDENTIALS for w in words):
        return True
    return len(words) <= 3 and any(
        _ACRONYM.match(w) or w.casefold() in _ORGANISATION_WORDS for w in words
    )
