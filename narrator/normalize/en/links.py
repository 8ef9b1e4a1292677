"""Links, e-mail addresses, handles and hashtags, read piece by piece ("example dot com")."""

from __future__ import annotations

import re

from narrator.normalize.en import data
from narrator.normalize.en.numbers import digits

__all__ = ["links", "speak_url"]

_Match = re.Match[str]

_TLDS = (
    "com|org|net|edu|gov|mil|int|io|co|ai|app|dev|info|news|tv|me|ly|biz|uk|us|eu|de|fr|it|"
    "es|nl|ru|cn|jp|in|ca|au|br|ch|se|no|ua|ve|sm"
)
_URL_RE = re.compile(
    r"(?:\b(?:https?|ftp)://|\bfile:///?|\bwww\.)[^\s<>\"]+"
    rf"|(?<![\w@.-])[A-Za-z0-9][\w-]*(?:\.[\w-]+)*\.(?:{_TLDS})\b(?:/[^\s<>\"]*)?"
)
# A bare "name.ext" outside the domain list: a file name ("setup.py") or a domain
# ("test.abc"). Both sides at least two letters, the end in lower case, so "e.g.", "a.m.",
# "U.S." and "Ph.D" stay out.
_NAME_DOT_EXT_RE = re.compile(r"(?<![\w@.-])[A-Za-z][\w-]+\.[a-z]{2,5}(?![\w@-]|\.\w)")
# Linear on purpose: a start is only allowed where a run of address characters begins,
# and the local part is possessive. Starting again after every "." of a run with no "@"
# rescanned the run each time, so 120 KB of "ab.ab.ab." took 20 minutes (issue 14).
_EMAIL_RE = re.compile(r"(?<![\w.+&-])\w[\w.+&-]*+@[\w-]+(?:\.[\w-]+)+(?:/[^\s<>\"]*)?")
_HANDLE_RE = re.compile(r"(?<![\w@&])@([A-Za-z_]\w*)")
_HASHTAG_RE = re.compile(r"(?<![\w&#])#([A-Za-z]\w*)")
_URL_PIECE_RE = re.compile(r"[A-Za-z]+|\d+|[^A-Za-z\d]")
_URL_SEPARATORS = {
    ".": "dot",
    "/": "slash",
    "-": "dash",
    "_": "underscore",
    "@": "at",
    ":": "colon",
    "?": "question mark",
    "=": "equals",
    "&": "ampersand",
    "#": "hash",
    "~": "tilde",
    "+": "plus",
    "%": "percent",
}
# Pieces said as a word rather than spelled: ".jpg" is "jay-peg" to everyone.
_URL_WORDS = {"jpg": "JPEG", "jpeg": "JPEG"}
_TRAILING = ".,;:!?)]}'\"’”"


def speak_url(url: str) -> str:
    """A link or e-mail address, piece by piece: "example.com" -> "example dot com".

    The ``http://`` scheme is left out because listeners know a link when they hear one;
    two-letter country domains and vowel-less pieces are spelled out.
    """
    url = re.sub(r"^https?://", "", url, flags=re.IGNORECASE)
    pieces = _URL_PIECE_RE.findall(url)
    last_alpha = max((i for i, p in enumerate(pieces) if p.isalpha()), default=-1)
    words = []
    for i, piece in enumerate(pieces):
        if piece.isdigit():
            words.append(digits(piece))
        elif piece.isalpha():
            low = piece.lower()
            if low in _URL_WORDS:
                words.append(_URL_WORDS[low])
            elif (
                low == "www"
                or not re.search(r"[aeiouy]", low)
                or (i == last_alpha and len(low) == 2 and i > 0 and pieces[i - 1] == ".")
            ):
                words.append(" ".join(low.upper()))
            elif piece.upper() in data.WORD_ACRONYMS:
                words.append(piece.upper())
            else:
                words.append(low)
        elif piece in _URL_SEPARATORS:
            words.append(_URL_SEPARATORS[piece])
    return " ".join(words)


def links(text: str, read: bool) -> str:
    """Read links and e-mail addresses aloud (``read``) or drop them; @handles and
    #hashtags are always read."""

    def sub(match: _Match) -> str:
        found = match.group(0)
        core = found.rstrip(_TRAILING)
        tail = found[len(core) :]
        return (speak_url(core) if read else "") + tail

    text = _EMAIL_RE.sub(sub, text)
    text = _URL_RE.sub(sub, text)
    text = _NAME_DOT_EXT_RE.sub(sub, text)
    text = _HANDLE_RE.sub(lambda m: f"at {m.group(1)}", text)
    return _HASHTAG_RE.sub(lambda m: f"hashtag {m.group(1)}", text)
