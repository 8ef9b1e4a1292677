"""A publication's articles as a narrated podcast feed that passes the directories' checks.

``narrator feed init`` writes a commented ``feed.toml`` (:func:`init_config`; the repo's
``feed.example.toml`` is the same text). :func:`load_config` reads it and rejects anything
Apple Podcasts or the Podcast Index would refuse, every problem at once, before any work;
the artwork's format and pixel size are read from its header. :func:`build_feed` turns a
SOURCE (a folder of articles, a file listing URLs, or the publication's own RSS/Atom feed)
into a SITE_DIR ready to serve from ``base_url``, holding only what is to be served::

    SITE_DIR/
      feed.xml                      RSS 2.0 with itunes, content, atom and podcast namespaces
      index.html                    the episodes, each with an <audio> player
      site.css                      the pages' style (light and dark, mobile)
      narrator-player.js, .css      the web player, in static mode on the episode pages
      cover-<hash>.<ext>            the artwork (hash in the name so apps refetch a new one)
      episodes/<slug>-<hash>.mp3    one per article, from narrator.pipeline.narrate()
      episodes/<slug>-<hash>.html   its read-along page: the player over the transcript
      episodes/<slug>-<hash>.timings.json   sentence and word timings for the player
      episodes/<slug>-<hash>.vtt    WebVTT transcript (podcast:transcript)
      episodes/<slug>-<hash>.chapters.json   Podcasting 2.0 chapters

The build's own files live beside it, in :func:`default_state_dir` (``--state-dir``)::

    .narrator-feed-state/<SITE_DIR's name>/
      feed-state.json               guid -> content hash, files, duration, pubDate, transcript
      feed.lock                     held while a build runs (two at once would clash)
      work/                         audio being rendered, moved into SITE_DIR when finished

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
the pages).
"""

from __future__ import annotations

from .build import (
    AllArticlesFailedError,
    EpisodeResult,
    FeedResult,
    ProgressFn,
    SkippedArticle,
    WarnFn,
    build_feed,
    default_state_dir,
)
from .config import (
    APPLE_CATEGORIES,
    FeedConfig,
    FeedConfigError,
    ImageInfo,
    artwork_problem,
    config_template,
    image_info,
    init_config,
    load_config,
    podcast_guid,
)

__all__ = [
    "APPLE_CATEGORIES",
    "AllArticlesFailedError",
    "EpisodeResult",
    "FeedConfig",
    "FeedConfigError",
    "FeedResult",
    "ImageInfo",
    "ProgressFn",
    "SkippedArticle",
    "WarnFn",
    "artwork_problem",
    "build_feed",
    "config_template",
    "default_state_dir",
    "image_info",
    "init_config",
    "load_config",
    "podcast_guid",
]
