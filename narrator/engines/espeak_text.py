"""Respellings for engines whose front end is espeak-ng (Piper phonemizes with it; pyttsx3
speaks with it on Linux). The normalizer's output stays engine-neutral; what one front
end misreads is corrected here, where that front end is used."""

from __future__ import annotations

import re

__all__ = ["FRONT_END_VERSION", "respell"]

FRONT_END_VERSION = 1
"""Bump when :func:`respell` changes, so cached clips made with the old rules are not reused."""

# espeak-ng reads a lone "A" inside a spelled run as the article (a schwa): "the U S A
# said" comes out "the U S uh said", "forty A D" as "forty uh D" (espeak-ng -x, and Piper's
# phonemizer: "ɐ"). "Eigh" is read as the letter's name everywhere ("eɪ"). An "A" is a
# spelled letter when it follows another single capital ("U S A", "F A A"), or stands
# mid-sentence before one ("forty A D"); a sentence-initial "A" before letters ("A U S
# soldier") is the article and stays.
_SPELLED_A = re.compile(r"(?<=\b[A-Z] )A\b|(?<=[a-z0-9,;:] )A(?= [A-Z]\b)")


def respell(text: str) -> str:
    """``text`` as espeak-ng must see it to say what the normalizer meant."""
    return _SPELLED_A.sub("Eigh", text)
