"""English normalization: the rules and their order in :mod:`.rules` (links, codes and
addresses in their own modules), the words in :mod:`.data`."""

from __future__ import annotations

from narrator.normalize.en.rules import RULES

__all__ = ["normalize_en"]


def normalize_en(text: str, *, read_urls: bool = True) -> str:
    """Run every English rule over ``text`` (already cleaned and lexicon-applied)."""
    for rule in RULES:
        text = rule(text, read_urls)
    return text
