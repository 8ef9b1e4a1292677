"""narrator: turn written articles into natural, listenable audio.

The library is the product; the CLI, the podcast-feed builder and the web service are thin
callers of :func:`narrate` and the stage functions below. The pipeline (and with it numpy,
the extractors and the engines) is imported on first use, so ``narrator --help`` is fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import NarratorError
from .models import Article, Block, BlockKind, Cue, Document, Narration, Script, Sentence

if TYPE_CHECKING:
    from .pipeline import NarrateOptions, load_article, make_script, narrate

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Block",
    "BlockKind",
    "Cue",
    "Document",
    "NarrateOptions",
    "Narration",
    "NarratorError",
    "Script",
    "Sentence",
    "load_article",
    "make_script",
    "narrate",
]

_LAZY = {"NarrateOptions", "load_article", "make_script", "narrate"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'narrator' has no attribute {name!r}")
