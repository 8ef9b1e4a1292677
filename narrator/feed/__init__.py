"""A publication's articles as a narrated podcast feed that passes the directories' checks.

:func:`load_config` reads ``feed.toml`` (show metadata) and rejects anything Apple Podcasts or
the Podcast Index would refuse, before any work. :func:`build_feed` turns a SOURCE (a folder of
articles, a file listing URLs, or the publication's own RSS/Atom feed) into a SITE_DIR ready to
serve from ``base_url``::

    SITE_DIR/
      feed.xml                      RSS 2.0 with itunes, content, atom and podcast namespaces
      index.html                    the episodes, each with an <audio> player
      cover-<hash>.<ext>            the artwork (hash in the name so apps refetch a new one)
      .feed-state.json              guid -> content hash, files, duration, pubDate
      .feed-lock                    held while a build runs (two at once would clash)
      episodes/<slug>-<hash>.mp3    one per article, from narrator.pipeline.narrate()
      episodes/<slug>-<hash>.vtt    WebVTT transcript
      episodes/<slug>-<hash>.chapters.json   Podcasting 2.0 chapters

Each episode says, after its headline, that the voice is synthetic, and its MP3 carries the
same note in a ``TXXX:disclosure`` tag; ``disclosure = false`` in ``feed.toml`` turns that off.

Builds are incremental and safe to interrupt. An episode's hash covers everything that shapes
its audio (the spoken script, the voice, the tags, narrator's version), so an unchanged
article is reused without narrating or decoding it again, and an edited one (or any, after
an upgrade) gets new file names (a new enclosure URL, so podcast apps fetch it) under the
same guid. Audio is written before the feed that points to it, ``feed.xml`` is replaced
atomically, and files are removed only after the new feed no longer names them. Nothing
time-dependent is written, so a rebuild with no changes leaves every file byte-identical.

The package splits by concern: :mod:`.config` (``feed.toml``), :mod:`.sources` (SOURCE into
entries), :mod:`.build` (episodes, state, lock, cleanup) and :mod:`.render` (``feed.xml`` and
``index.html``).
"""

from __future__ import annotations

from .build import EpisodeResult, FeedResult, ProgressFn, SkippedArticle, WarnFn, build_feed
from .config import APPLE_CATEGORIES, FeedConfig, FeedConfigError, load_config, podcast_guid

__all__ = [
    "APPLE_CATEGORIES",
    "EpisodeResult",
    "FeedConfig",
    "FeedConfigError",
    "FeedResult",
    "ProgressFn",
    "SkippedArticle",
    "WarnFn",
    "build_feed",
    "load_config",
    "podcast_guid",
]
