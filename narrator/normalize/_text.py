"""Language-independent clean-up before and after the language rules."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["prepare", "tidy"]

# Symbols the language rules read aloud; every other Unicode symbol (emoji, dingbats,
# trademark signs) is dropped because engines either skip it or spell its name.
_KEEP_SYMBOLS = frozenset("°©§¶×±≈≤≥→$€£¥₩₹₽₴₺₪₦฿₿¢%&+=<>@#*/\\|^_`~•·†‡")
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "So", "Sk", "Me"})
_VULGAR = {
    "½": "1/2",
    "⅓": "1/3",
    "⅔": "2/3",
    "¼": "1/4",
    "¾": "3/4",
    "⅕": "1/5",
    "⅖": "2/5",
    "⅗": "3/5",
    "⅘": "4/5",
    "⅙": "1/6",
    "⅚": "5/6",
    "⅛": "1/8",
    "⅜": "3/8",
    "⅝": "5/8",
    "⅞": "7/8",
}
_VULGAR_RE = re.compile(r"(\d?)([" + "".join(_VULGAR) + "])")
_SPACES_RE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"(?<=\w) +(?=[,.;:!?](?:\s|$))")
_TRANSLATE = {
    "\u2212": "-",  # minus sign
    "\u2044": "/",  # fraction slash
    "\u2010": "-",
    "\u2011": "-",
}


def _vulgar(match: re.Match[str]) -> str:
    lead, frac = match.group(1), _VULGAR[match.group(2)]
    return f"{lead} {frac}" if lead else f" {frac}"


def _keep(ch: str) -> bool:
    if ch in "\t\n\r":
        return True
    if ch in _KEEP_SYMBOLS:
        return True
    return unicodedata.category(ch) not in _DROP_CATEGORIES


def prepare(text: str) -> str:
    """NFC-compose, drop control characters, emoji and other unreadable symbols, unify
    spaces and TeX-style quotes, and spell vulgar fractions as ``1/2``."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(_TRANSLATE.get(ch, ch) for ch in text if _keep(ch))
    text = text.replace("``", '"').replace("''", '"')
    text = _VULGAR_RE.sub(_vulgar, text)
    return _SPACES_RE.sub(" ", text).strip()


def tidy(text: str) -> str:
    """Collapse runs of spaces and drop spaces the rules left before punctuation."""
    text = _SPACES_RE.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCT_RE.sub("", text)
