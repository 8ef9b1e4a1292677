"""Where narrator finds its data: voice profiles, Piper models and the lexicon.

Searched in order, first match wins:

1. each folder in ``NARRATOR_VOICES`` (``os.pathsep``-separated);
2. the user's folder, ``$XDG_DATA_HOME/narrator/voices`` (``~/.local/share/narrator/voices``);
3. the ``voices/`` folder that ships with narrator (the repo's top-level ``voices/``, or its
   copy inside an installed wheel).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["bundled_dir", "user_voices_dir", "voices_dirs"]

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The shipped top-level folder ``name`` (``voices`` or ``samples``)."""
    in_checkout = _PACKAGE.parent / name
    if in_checkout.is_dir():
        return in_checkout
    return _PACKAGE / "_data" / name


def user_voices_dir() -> Path:
    """The per-user voices folder (it may not exist)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "narrator" / "voices"


def voices_dirs() -> list[Path]:
    """Every voices folder that exists, highest priority first."""
    found: list[Path] = []
    for entry in os.environ.get("NARRATOR_VOICES", "").split(os.pathsep):
        if entry:
            found.append(Path(entry).expanduser())
    found += [user_voices_dir(), bundled_dir("voices")]
    return [d for d in found if d.is_dir()]
