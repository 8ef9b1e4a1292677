"""The podcast feed: real articles narrated by the real default voice into a site whose feed
passes what Apple Podcasts and the Podcast Index check, rebuilt incrementally and atomically.

One module-scoped build (3 short articles in ``tests/data/feed/articles``) backs the read-only
checks; tests that edit, remove or break articles work on their own copy of the site and source.
"""

from __future__ import annotations

import dataclasses
import email.utils
import io
import json
import re
import shutil
import struct
import subprocess
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from narrator.errors import InputError, NarratorError, OutputError
from narrator.feed import (
    APPLE_CATEGORIES,
    AllArticlesFailedError,
    FeedConfig,
    FeedConfigError,
    FeedResult,
    build_feed,
    default_state_dir,
    load_config,
    podcast_guid,
)
from narrator.pipeline import DISCLOSURE, NarrateOptions
from narrator.timing import parse_webvtt

DATA = Path(__file__).resolve().parent / "data" / "feed"
ARTICLES = DATA / "articles"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
    "podcast": "https://podcastindex.org/namespace/1.0",
}
BASE = "https://example.com/podcast/"
PODCAST = "{" + NS["podcast"] + "}"

FEED_TOML = """\
title = "Riverside Audio & Friends"
description = "The Riverside Gazette's articles, read aloud."
author = "Riverside Gazette"
language = "en-us"
category = "News"
subcategory = "Daily News"
explicit = false
artwork = "cover.png"
base_url = "https://example.com/podcast"
link = "https://gazette.example.com/"

[owner]
name = "Ed Itor"
email = "editor@example.com"
"""


def _png(width: int = 1400, height: int = 1400) -> bytes:
    """A real, square, single-colour PNG (Apple asks for 1400 to 3000 pixels)."""
    row = b"\x00" + b"\x20\x60\xa0" * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def _parse(data: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _ffmpeg_seconds(path: Path) -> float:
    """The length ffmpeg decodes (the LAME tag's delay and padding trimmed), in seconds.

    Not ffprobe's container duration: that counts every MPEG frame, encoder delay and end
    padding included, so it runs up to ~80 ms long and can round to the next second."""
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "22050", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return len(pcm) / 2 / 22050


def _id3_disclosure(path: Path) -> list[str]:
    """The MP3's ``TXXX:disclosure`` text, read back with mutagen ([] without the frame)."""
    from mutagen.id3 import ID3

    return [str(text) for frame in ID3(path).getall("TXXX:disclosure") for text in frame.text]


def _cue_texts(site_dir: Path, item: Any) -> list[str]:
    """The spoken sentences of an item's WebVTT transcript, in order."""
    url = item.find("podcast:transcript", NS).get("url")
    text = (site_dir / url.removeprefix(BASE)).read_text(encoding="utf-8")
    return [cue.text for cue in parse_webvtt(text)]


def _items(root: Any) -> dict[str, Any]:
    return {item.findtext("guid"): item for item in root.iterfind("channel/item")}


@dataclass
class Site:
    """A built site and everything needed to build it again."""

    src: Path
    out: Path
    config: FeedConfig
    options: NarrateOptions
    result: FeedResult
    seconds: float

    def build(self, **kwargs: Any) -> FeedResult:
        return build_feed(self.src, self.config, self.out, options=self.options, **kwargs)

    def feed(self) -> Any:
        return _parse((self.out / "feed.xml").read_bytes())

    def copy(self, dest: Path) -> Site:
        """An independent copy of the source, site and state (the clip cache is shared)."""
        shutil.copytree(self.src, dest / "src")
        shutil.copytree(self.out, dest / "site")
        shutil.copytree(default_state_dir(self.out), default_state_dir(dest / "site"))
        return Site(dest / "src", dest / "site", self.config, self.options, self.result, 0.0)


def _write_config(folder: Path, text: str = FEED_TOML) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cover.png").write_bytes(_png())
    path = folder / "feed.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("feed")
    src = root / "src"
    shutil.copytree(ARTICLES, src)
    config = load_config(_write_config(root / "show"))
    options = NarrateOptions(cache_dir=root / "cache")
    progress: list[tuple[int, int, str]] = []
    start = time.perf_counter()
    result = build_feed(
        src, config, root / "site", options=options, progress=lambda *a: progress.append(a)
    )
    seconds = time.perf_counter() - start
    # Progress names each article in SOURCE order, before it is narrated.
    assert progress == [
        (1, 3, "The Library Opens Late on Thursdays"),
        (2, 3, "The Old Bridge Gets New Lights & a New Name"),
        (3, 3, "Tide Pools Return to Harbour Point"),
    ]
    print(f"\nfeed: first build of {len(result.episodes)} episodes took {seconds:.1f} s")
    return Site(src, root / "site", config, options, result, seconds)


# --- the first build ---------------------------------------------------------------------


@pytest.mark.slow
def test_every_article_becomes_an_episode(site: Site) -> None:
    assert site.result.skipped == ()
    assert [e.status for e in site.result.episodes] == ["new"] * 3
    assert site.result.built == 3
    assert all(e.rendered > 0 for e in site.result.episodes)
    names = sorted(p.name for p in (site.out / "episodes").iterdir())
    assert len(names) == 15  # mp3, vtt, chapters, timings and read-along page for each
    for name in names:
        # Only ASCII slugs (plus a content hash) in file names, so URLs need no escaping.
        assert re.fullmatch(
            r"[a-z0-9-]+-[0-9a-f]{10}\.(mp3|vtt|chapters\.json|timings\.json|html)", name
        ), name


@pytest.mark.slow
def test_channel_has_what_apple_and_the_podcast_index_require(site: Site) -> None:
    ch = site.feed().find("channel")
    assert site.feed().get("version") == "2.0"
    assert ch.findtext("title") == "Riverside Audio & Friends"
    assert ch.findtext("link") == "https://gazette.example.com/"
    assert ch.findtext("description") == "The Riverside Gazette's articles, read aloud."
    assert ch.findtext("language") == "en-us"
    artwork = ch.find("itunes:image", NS).get("href")
    assert re.fullmatch(re.escape(BASE) + r"cover-[0-9a-f]{10}\.png", artwork)
    assert (site.out / artwork.removeprefix(BASE)).read_bytes() == _png()
    category = ch.find("itunes:category", NS)
    assert category.get("text") == "News"
    assert category.find("itunes:category", NS).get("text") == "Daily News"
    assert ch.findtext("itunes:explicit", namespaces=NS) == "false"
    assert ch.findtext("itunes:author", namespaces=NS) == "Riverside Gazette"
    assert ch.findtext("itunes:owner/itunes:name", namespaces=NS) == "Ed Itor"
    assert ch.findtext("itunes:owner/itunes:email", namespaces=NS) == "editor@example.com"
    assert ch.findtext("itunes:type", namespaces=NS) == "episodic"
    self_link = ch.find("atom:link", NS)
    assert (self_link.get("rel"), self_link.get("href")) == ("self", BASE + "feed.xml")
    assert self_link.get("type") == "application/rss+xml"
    assert ch.findtext("podcast:guid", namespaces=NS) == podcast_guid(BASE + "feed.xml")
    locked = ch.find("podcast:locked", NS)
    assert (locked.text, locked.get("owner")) == ("yes", "editor@example.com")
    assert ch.find("lastBuildDate") is None  # a build time would break byte-identical rebuilds


def test_podcast_guid_matches_the_spec_test_vector() -> None:
    expected = "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("https://podnews.net/rss") == expected
    assert podcast_guid("http://podnews.net/rss/") == expected
    assert uuid.UUID(podcast_guid(BASE + "feed.xml")).version == 5


@pytest.mark.slow
def test_items_are_complete_and_newest_first(site: Site) -> None:
    items = list(site.feed().iterfind("channel/item"))
    assert len(items) == 3
    dates = [email.utils.parsedate_to_datetime(i.findtext("pubDate")) for i in items]
    assert dates == sorted(dates, reverse=True)
    by_guid = _items(site.feed())
    assert set(by_guid) == {"tide-pools.md", "library-hours.txt", "night-bridge.html"}
    for guid, item in by_guid.items():
        assert item.findtext("title")
        assert item.findtext("description")
        assert item.find("guid").get("isPermaLink") == "false", guid  # a path, not a URL
        # RFC 2822, in GMT as every reference feed writes it.
        assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", item.findtext("pubDate"))
        assert len(item.findall("enclosure")) == 1
        assert item.find("enclosure").get("type") == "audio/mpeg"
        assert re.fullmatch(r"\d+", item.findtext("itunes:duration", namespaces=NS))
        transcript = item.find("podcast:transcript", NS)
        assert transcript.get("type") == "text/vtt"
        assert item.find("podcast:chapters", NS).get("type") == "application/json+chapters"
    # Dates come from the articles: front matter and the HTML page's published time (the
    # extractor keeps the day only).
    assert by_guid["tide-pools.md"].findtext("pubDate") == "Wed, 01 Oct 2025 00:00:00 GMT"
    assert by_guid["night-bridge.html"].findtext("pubDate") == "Sat, 20 Sep 2025 00:00:00 GMT"
    # The .txt has no date: its file time is used, then kept in the state file.
    assert by_guid["library-hours.txt"].findtext("link") is None
    assert by_guid["night-bridge.html"].findtext("link") == (
        "https://gazette.example.com/2025/09/old-bridge-lights"
    )
    assert by_guid["night-bridge.html"].findtext("title") == (
        "The Old Bridge Gets New Lights & a New Name"
    )


@pytest.mark.slow
def test_enclosure_length_and_duration_match_the_files(site: Site) -> None:
    for item in site.feed().iterfind("channel/item"):
        enclosure = item.find("enclosure")
        url = enclosure.get("url")
        assert url.startswith(BASE + "episodes/")
        path = site.out / url.removeprefix(BASE)
        assert int(enclosure.get("length")) == path.stat().st_size > 0
        duration = int(item.findtext("itunes:duration", namespaces=NS))
        probed = _ffmpeg_seconds(path)
        assert duration == round(probed), (path.name, duration, probed)
        assert duration >= 3  # a few spoken sentences, not an empty file


@pytest.mark.slow
def test_transcripts_and_chapters_have_the_reference_shape(site: Site, shared_dir: Path) -> None:
    examples = shared_dir / "peer-suites" / "podcast_namespace" / "docs" / "examples"
    reference = json.loads((examples / "chapters" / "example.json").read_text())
    for item in site.feed().iterfind("channel/item"):
        vtt = site.out / item.find("podcast:transcript", NS).get("url").removeprefix(BASE)
        text = vtt.read_text(encoding="utf-8")
        assert text.startswith("WEBVTT\n\n")
        timings = re.findall(r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$", text, re.M)
        assert len(timings) >= 2 and all(a < b for a, b in timings)
        assert item.findtext("title").replace("&", "&amp;") in text  # the headline is read first
        chapters_url = item.find("podcast:chapters", NS).get("url")
        chapters = json.loads((site.out / chapters_url.removeprefix(BASE)).read_text())
        assert chapters["version"] == reference["version"]
        assert chapters["chapters"][0]["startTime"] == 0
        for chapter in chapters["chapters"]:
            assert set(chapter) >= {"startTime", "title"}
            assert set(chapter) <= set().union(*map(set, reference["chapters"])) | {"endTime"}
    tide = _items(site.feed())["tide-pools.md"].find("podcast:chapters", NS).get("url")
    titles = [
        c["title"] for c in json.loads((site.out / tide.removeprefix(BASE)).read_text())["chapters"]
    ]
    assert titles == ["Tide Pools Return to Harbour Point", "What changed"]


@pytest.mark.slow
def test_podcast_tags_follow_the_namespace_example(site: Site, shared_dir: Path) -> None:
    example = _parse(
        (shared_dir / "peer-suites" / "podcast_namespace" / "example.xml").read_bytes()
    )
    ours = [el for el in site.feed().iter() if el.tag.startswith("{" + NS["podcast"] + "}")]
    assert {etree.QName(el).localname for el in ours} == {
        "guid",
        "locked",
        "medium",
        "transcript",
        "chapters",
    }
    for el in ours:
        theirs = example.findall(f".//{el.tag}")
        assert theirs, el.tag
        # The same attribute names, and the same kind of element (text or empty).
        assert set(el.keys()) <= set().union(*(set(t.keys()) for t in theirs)), el.tag
        assert (el.text is None) == all(t.text is None for t in theirs), el.tag
        # At the same level: channel tags on the channel, item tags on items.
        assert {el.getparent().tag} == {t.getparent().tag for t in theirs}, el.tag
    locked = example.find(".//podcast:locked", NS)
    ours_locked = site.feed().find(".//podcast:locked", NS)
    assert ours_locked.text in ("yes", "no") and locked.text in ("yes", "no")
    assert "@" in ours_locked.get("owner") and "@" in locked.get("owner")
    medium = example.findtext(".//podcast:medium", namespaces=NS)
    assert site.feed().findtext(".//podcast:medium", namespaces=NS) == medium == "podcast"
    # transcript.md allows these types; example.xml uses text/plain and text/vtt.
    for transcript in site.feed().iterfind(".//podcast:transcript", NS):
        assert transcript.get("type") in {
            "text/plain",
            "text/html",
            "text/vtt",
            "application/json",
            "application/x-subrip",
        }
    # example.xml writes type="application/json"; chapters.md recommends (and we write)
    # "application/json+chapters".
    assert {c.get("type") for c in example.iterfind(".//podcast:chapters", NS)} == {
        "application/json"
    }


@pytest.mark.slow
def test_podcast_tags_validate_against_the_2021_schema(site: Site, shared_dir: Path) -> None:
    schema_dir = shared_dir / "peer-suites" / "podcast_namespace" / "docs" / "schema"
    schema = etree.XMLSchema(etree.parse(str(schema_dir / "podcast-wrapper.xsd")))
    declared = {
        el.get("name")
        for el in etree.parse(str(schema_dir / "podcast.xsd")).getroot()
        if el.tag == "{http://www.w3.org/2001/XMLSchema}element"
    }
    wrapper = etree.Element(PODCAST + "test-wrapper", nsmap={None: NS["podcast"]})
    copied = set()
    for el in site.feed().iter(PODCAST + "*"):
        if etree.QName(el).localname in declared:
            copied.add(etree.QName(el).localname)
            wrapper.append(_parse(etree.tostring(el)))
    assert copied == {"locked", "transcript", "chapters"}  # guid and medium postdate the XSD
    document = _parse(etree.tostring(wrapper))
    assert schema.validate(document), schema.error_log


@pytest.mark.slow
def test_feedparser_reads_the_feed(site: Site) -> None:
    import feedparser

    data = (site.out / "feed.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Riverside Audio & Friends"
    assert parsed.feed.language == "en-us"
    assert parsed.feed.image.href.startswith(BASE + "cover-")
    assert parsed.feed.tags[0].term == "News"
    assert parsed.feed.podcast_guid == podcast_guid(BASE + "feed.xml")
    assert len(parsed.entries) == 3
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        assert enclosure.type == "audio/mpeg"
        path = site.out / enclosure.href.removeprefix(BASE)
        assert int(enclosure.length) == path.stat().st_size
        assert entry.id in {"tide-pools.md", "library-hours.txt", "night-bridge.html"}
        assert entry.published_parsed is not None
        assert int(entry.itunes_duration) >= 3


@pytest.mark.slow
def test_podcastparser_reads_the_feed(site: Site) -> None:
    import podcastparser

    data = (site.out / "feed.xml").read_bytes()
    parsed = podcastparser.parse(BASE + "feed.xml", io.BytesIO(data))
    assert parsed["title"] == "Riverside Audio & Friends"
    assert parsed["cover_url"].startswith(BASE + "cover-")
    assert parsed["type"] == "episodic"
    assert len(parsed["episodes"]) == 3
    for episode in parsed["episodes"]:
        (enclosure,) = episode["enclosures"]
        assert enclosure["mime_type"] == "audio/mpeg"
        path = site.out / enclosure["url"].removeprefix(BASE)
        assert enclosure["file_size"] == path.stat().st_size
        assert episode["total_time"] == _ffmpeg_round(path)
        assert episode["guid"] in {"tide-pools.md", "library-hours.txt", "night-bridge.html"}
        assert episode["published"] > 0
    # podcastparser 0.6.11 maps only the old github.com URL to the podcast namespace, so
    # it does not see podcast:transcript under the official https://podcastindex.org URI.


def _ffmpeg_round(path: Path) -> int:
    return round(_ffmpeg_seconds(path))


@pytest.mark.slow
def test_index_page_lists_every_episode_escaped(site: Site) -> None:
    page = (site.out / "index.html").read_text(encoding="utf-8")
    assert "Riverside Audio &amp; Friends" in page
    assert "The Old Bridge Gets New Lights &amp; a New Name" in page
    assert "& a New" not in page
    audio = re.findall(r'<audio controls preload="none" src="([^"]+)" aria-label=', page)
    assert len(audio) == 3
    assert all((site.out / src).is_file() for src in audio)
    assert 'href="feed.xml"' in page


# --- the synthetic-voice disclosure -----------------------------------------------------


@pytest.mark.slow
def test_episodes_disclose_the_synthetic_voice_by_default(site: Site) -> None:
    assert site.options.disclosure is None  # the feed builder turns it on, not the caller
    for guid, item in _items(site.feed()).items():
        audio = site.out / item.find("enclosure").get("url").removeprefix(BASE)
        assert _id3_disclosure(audio) == [DISCLOSURE], guid
        cues = _cue_texts(site.out, item)
        # Spoken right after the headline, before the article.
        assert cues[0] == item.findtext("title"), guid
        assert cues[1] == DISCLOSURE, guid
        assert cues.count(DISCLOSURE) == 1, guid


@pytest.mark.slow
def test_disclosure_false_in_feed_toml_leaves_it_out(site: Site, tmp_path: Path) -> None:
    copy = site.copy(tmp_path)
    text = FEED_TOML.replace("[owner]", "disclosure = false\n\n[owner]")
    config = load_config(_write_config(tmp_path / "show", text))
    assert config.disclosure is False
    before = _items(copy.feed())
    result = build_feed(copy.src, config, copy.out, options=copy.options)
    # The disclosure is part of the audio, so every episode is narrated again, same guids.
    assert [e.status for e in result.episodes] == ["updated"] * 3
    after = _items(copy.feed())
    assert set(after) == set(before)
    for guid, item in after.items():
        url = item.find("enclosure").get("url")
        assert url != before[guid].find("enclosure").get("url"), guid
        assert _id3_disclosure(copy.out / url.removeprefix(BASE)) == [], guid
        cues = _cue_texts(copy.out, item)
        assert DISCLOSURE not in cues, guid
        assert cues[0] == item.findtext("title"), guid


@pytest.mark.slow
def test_a_disclosure_the_caller_chose_is_kept(site: Site, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(ARTICLES / "tide-pools.md", src)
    own = "A computer reads this article."
    options = dataclasses.replace(site.options, disclosure=own)
    build_feed(src, site.config, tmp_path / "site", options=options)
    item = _parse((tmp_path / "site" / "feed.xml").read_bytes()).find("channel/item")
    audio = tmp_path / "site" / item.find("enclosure").get("url").removeprefix(BASE)
    assert _id3_disclosure(audio) == [own]
    assert _cue_texts(tmp_path / "site", item)[1] == own


@pytest.mark.slow
def test_intro_true_in_feed_toml_opens_with_the_byline(site: Site, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(ARTICLES / "tide-pools.md", src)
    text = FEED_TOML.replace("[owner]", "intro = true\n\n[owner]")
    config = load_config(_write_config(tmp_path / "show", text))
    assert config.intro is True
    build_feed(src, config, tmp_path / "site", options=site.options)
    item = _parse((tmp_path / "site" / "feed.xml").read_bytes()).find("channel/item")
    cues = _cue_texts(tmp_path / "site", item)
    assert cues[0].startswith("Tide Pools Return to Harbour Point, by Mara Lind, ")
    assert cues[1] == DISCLOSURE  # the disclosure still follows the opening


# --- rebuilding --------------------------------------------------------------------------


@pytest.mark.slow
def test_rebuild_without_changes_renders_nothing_and_changes_no_byte(
    site: Site, tmp_path: Path
) -> None:
    copy = site.copy(tmp_path)
    before = _snapshot(copy.out)
    start = time.perf_counter()
    again = copy.build()
    print(f"\nfeed: rebuild with no changes took {time.perf_counter() - start:.2f} s")
    assert [e.status for e in again.episodes] == ["unchanged"] * 3
    assert again.rendered == 0 and all(e.rendered == 0 for e in again.episodes)
    assert again.built == 0 and again.removed == () and again.skipped == ()
    assert _snapshot(copy.out) == before


@pytest.mark.slow
def test_an_edit_rerenders_one_episode_under_a_new_url_with_the_same_guid(
    site: Site, tmp_path: Path
) -> None:
    copy = site.copy(tmp_path)
    before = _items(copy.feed())
    old_url = before["tide-pools.md"].find("enclosure").get("url")
    article = copy.src / "tide-pools.md"
    article.write_text(
        article.read_text().replace("the most in a decade", "the most in eleven years")
    )
    result = copy.build()
    statuses = {e.guid: e.status for e in result.episodes}
    assert statuses == {
        "tide-pools.md": "updated",
        "library-hours.txt": "unchanged",
        "night-bridge.html": "unchanged",
    }
    after = _items(copy.feed())
    assert set(after) == set(before)  # same guids
    new_url = after["tide-pools.md"].find("enclosure").get("url")
    assert new_url != old_url
    assert (copy.out / new_url.removeprefix(BASE)).is_file()
    assert not (copy.out / old_url.removeprefix(BASE)).exists()  # removed after the feed moved
    # The old mp3, vtt, chapters, timings and read-along page.
    assert len(result.removed) == 5
    assert not any((copy.out / name).exists() for name in result.removed)
    # Only clips of changed sentences were rendered; the rest came from the cache.
    (updated,) = [e for e in result.episodes if e.status == "updated"]
    assert updated.rendered == 1 and updated.cached >= 3
    assert after["tide-pools.md"].findtext("pubDate") == before["tide-pools.md"].findtext("pubDate")
    for guid in ("library-hours.txt", "night-bridge.html"):
        assert etree.tostring(after[guid]) == etree.tostring(before[guid])
    vtt = after["tide-pools.md"].find("podcast:transcript", NS).get("url").removeprefix(BASE)
    assert "eleven years" in (copy.out / vtt).read_text()


@pytest.mark.slow
def test_a_new_voice_setting_renarrates_every_episode_under_the_same_guids(
    site: Site, tmp_path: Path
) -> None:
    copy = site.copy(tmp_path)
    before = _items(copy.feed())
    faster = dataclasses.replace(site.options, rate=1.25)
    result = build_feed(copy.src, copy.config, copy.out, options=faster)
    assert [e.status for e in result.episodes] == ["updated"] * 3
    after = _items(copy.feed())
    assert set(after) == set(before)
    for guid, item in after.items():
        assert item.find("enclosure").get("url") != before[guid].find("enclosure").get("url")
        assert int(item.findtext("itunes:duration", namespaces=NS)) <= int(
            before[guid].findtext("itunes:duration", namespaces=NS)
        )
    assert len(list((copy.out / "episodes").iterdir())) == 15  # the old versions are gone


@pytest.mark.slow
def test_a_new_narrator_version_rerenders_every_episode_under_the_same_guids(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrator
    import narrator.pipeline

    copy = site.copy(tmp_path)
    before = _items(copy.feed())
    # An upgrade: the package's version, and the pipeline's copy of it, both move on.
    monkeypatch.setattr(narrator, "__version__", "99.0.0")
    monkeypatch.setattr(narrator.pipeline, "__version__", "99.0.0")
    result = copy.build()
    assert [e.status for e in result.episodes] == ["updated"] * 3
    after = _items(copy.feed())
    assert set(after) == set(before)  # same guids
    for guid, item in after.items():
        old_url = before[guid].find("enclosure").get("url")
        new_url = item.find("enclosure").get("url")
        assert new_url != old_url, guid
        assert (copy.out / new_url.removeprefix(BASE)).is_file()
        assert not (copy.out / old_url.removeprefix(BASE)).exists()
        assert item.findtext("pubDate") == before[guid].findtext("pubDate")
    assert len(list((copy.out / "episodes").iterdir())) == 15  # the old versions are gone
    # Once re-rendered, the same version rebuilds nothing.
    again = copy.build()
    assert [e.status for e in again.episodes] == ["unchanged"] * 3


@pytest.mark.slow
def test_a_removed_article_leaves_the_feed_and_its_files_go(site: Site, tmp_path: Path) -> None:
    copy = site.copy(tmp_path)
    gone = _items(copy.feed())["library-hours.txt"]
    urls = [gone.find("enclosure").get("url")] + [
        gone.find(f"podcast:{tag}", NS).get("url") for tag in ("transcript", "chapters")
    ]
    stem = urls[0].removesuffix(".mp3")
    urls += [f"{stem}.timings.json", f"{stem}.html"]  # the read-along page and its timings
    (copy.src / "library-hours.txt").unlink()
    result = copy.build()
    assert set(_items(copy.feed())) == {"tide-pools.md", "night-bridge.html"}
    assert result.rendered == 0
    assert sorted(result.removed) == sorted(u.removeprefix(BASE) for u in urls)
    for url in urls:
        assert not (copy.out / url.removeprefix(BASE)).exists()
    assert "library-hours" not in (copy.out / "index.html").read_text()
    state = json.loads((default_state_dir(copy.out) / "feed-state.json").read_text())
    assert set(state["episodes"]) == {"tide-pools.md", "night-bridge.html"}


@pytest.mark.slow
def test_a_bad_article_is_skipped_with_a_warning_and_the_rest_builds(
    site: Site, tmp_path: Path
) -> None:
    copy = site.copy(tmp_path)
    (copy.src / "empty.md").write_text("   \n\n")
    (copy.src / "photo.html").write_bytes(_png(4, 4))
    warnings: list[str] = []
    result = copy.build(warn=warnings.append)
    assert len(warnings) == 2
    assert any("empty.md" in w and "empty" in w for w in warnings)
    assert any("photo.html" in w and "PNG" in w for w in warnings)
    assert {Path(s.source).name for s in result.skipped} == {"empty.md", "photo.html"}
    assert not any(s.kept_previous for s in result.skipped)
    assert len(result.episodes) == 3 and result.rendered == 0
    assert len(_items(copy.feed())) == 3


@pytest.mark.slow
def test_an_article_that_breaks_later_keeps_its_previous_episode(
    site: Site, tmp_path: Path
) -> None:
    copy = site.copy(tmp_path)
    before = (copy.out / "feed.xml").read_bytes()
    (copy.src / "library-hours.txt").write_bytes(b"")
    warnings: list[str] = []
    result = copy.build(warn=warnings.append)
    (warning,) = warnings
    assert "library-hours.txt" in warning and "previous episode stays" in warning
    assert result.skipped[0].kept_previous
    assert {e.status for e in result.episodes} == {"unchanged", "kept"}
    assert (copy.out / "feed.xml").read_bytes() == before


@pytest.mark.slow
def test_an_interrupted_build_leaves_the_old_feed_whole(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrator.pipeline

    copy = site.copy(tmp_path)
    before = (copy.out / "feed.xml").read_bytes()
    for name in ("tide-pools.md", "library-hours.txt"):
        path = copy.src / name
        path.write_text(path.read_text().replace("the", "this", 1))
    real = narrator.pipeline.narrate
    calls: list[Path] = []

    def narrate_then_die(source: Any, output: Path, **kwargs: Any) -> Any:
        calls.append(Path(output))
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second edited episode renders
        return real(source, output, **kwargs)

    monkeypatch.setattr(narrator.pipeline, "narrate", narrate_then_die)
    with pytest.raises(KeyboardInterrupt):
        copy.build()
    monkeypatch.setattr(narrator.pipeline, "narrate", real)
    assert (copy.out / "feed.xml").read_bytes() == before
    root = _parse(before)
    for item in root.iterfind("channel/item"):
        enclosure = item.find("enclosure")
        path = copy.out / enclosure.get("url").removeprefix(BASE)
        assert path.stat().st_size == int(enclosure.get("length"))
        for tag in ("transcript", "chapters"):
            url = item.find(f"podcast:{tag}", NS).get("url")
            assert (copy.out / url.removeprefix(BASE)).is_file()
    # A build killed outright (SIGKILL) can leave a temporary file; the next one removes it.
    stray = copy.out / "episodes" / ".tide-pools.mp3.x1y2.part"
    stray.write_bytes(b"partial")
    # The next build picks up where the interrupted one stopped.
    result = copy.build()
    assert "episodes/.tide-pools.mp3.x1y2.part" in result.removed
    assert sorted(e.status for e in result.episodes) == ["unchanged", "unchanged", "updated"]
    # The episode finished before the interrupt is reused, not narrated again.
    assert calls[0].name in {e.audio.name for e in result.episodes}
    referenced = {
        el.get("url").removeprefix(BASE)
        for el in copy.feed().iter("enclosure", PODCAST + "transcript")
    }
    on_disk = {p.relative_to(copy.out).as_posix() for p in (copy.out / "episodes").iterdir()}
    assert {r for r in referenced if r.startswith("episodes/")} <= on_disk
    assert len(on_disk) == 15  # nothing stale or partial is left behind


# --- other sources -----------------------------------------------------------------------


@pytest.mark.slow
def test_an_rss_feed_source_narrates_full_content_or_skips(site: Site, tmp_path: Path) -> None:
    warnings: list[str] = []
    result = build_feed(
        DATA / "publication.rss",
        site.config,
        tmp_path / "site",
        options=site.options,
        warn=warnings.append,
    )
    (episode,) = result.episodes
    assert episode.guid == "https://gazette.example.com/ferry"
    (warning,) = warnings
    assert "item 2 ('A teaser with nothing to read')" in warning
    assert warning.endswith(
        "The item has neither a guid nor a link, so its episode could not be tracked."
    )
    item = _parse((tmp_path / "site" / "feed.xml").read_bytes()).find("channel/item")
    assert item.findtext("title") == "Ferry Timetable Changes"
    assert item.find("guid").get("isPermaLink") == "true"
    assert item.findtext("pubDate") == "Mon, 06 Oct 2025 05:00:00 GMT"
    assert item.findtext("link") == "https://gazette.example.com/ferry"
    vtt = item.find("podcast:transcript", NS).get("url").removeprefix(BASE)
    assert "Gull Island" in (tmp_path / "site" / vtt).read_text()  # read from content:encoded


@pytest.mark.slow
def test_an_atom_feed_source_is_read_too(site: Site, tmp_path: Path) -> None:
    result = build_feed(DATA / "publication.atom", site.config, tmp_path, options=site.options)
    (episode,) = result.episodes
    assert episode.guid == "tag:gazette.example.com,2025:market-square"
    item = _parse((tmp_path / "feed.xml").read_bytes()).find("channel/item")
    assert item.find("guid").get("isPermaLink") == "false"  # a tag: URI is not a web page
    assert item.findtext("pubDate") == "Tue, 07 Oct 2025 08:00:00 GMT"
    assert item.findtext("title") == "Market Square Reopens"


@pytest.mark.slow
def test_a_url_list_checks_every_line_before_any_work(site: Site, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("# our picks\nhttps://gazette.example.com/a\n\nnot a url\n")
    with pytest.raises(InputError, match=r"line 4: 'not a url' is not an http\(s\) URL"):
        build_feed(urls, site.config, tmp_path / "site", options=site.options)
    assert not (tmp_path / "site" / "feed.xml").exists()


@pytest.mark.slow
def test_a_url_that_cannot_be_fetched_is_skipped(site: Site, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1/article\n")  # refused: loopback, without the network
    warnings: list[str] = []
    with pytest.raises(AllArticlesFailedError, match=r"^Every article failed \(1 of 1\)"):
        build_feed(urls, site.config, tmp_path / "site", options=site.options, warn=warnings.append)
    (warning,) = warnings
    assert warning.startswith("Skipped http://127.0.0.1/article:")
    assert not (tmp_path / "site" / "feed.xml").exists()  # nothing built: nothing published


@pytest.mark.slow
def test_two_builds_cannot_write_one_site_at_once(site: Site, tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "site"
    state = default_state_dir(out)
    state.mkdir(parents=True)
    with (state / "feed.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(OutputError, match=r"Another feed build is writing to"):
            build_feed(ARTICLES, site.config, out, options=site.options)
    assert not (out / "feed.xml").exists()


@pytest.mark.slow
def test_a_missing_source_is_a_clear_error(site: Site, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file or folder"):
        build_feed(tmp_path / "nowhere", site.config, tmp_path / "site", options=site.options)


# --- configuration -----------------------------------------------------------------------


def _replace(key: str, line: str | None) -> Callable[[str], str]:
    def edit(text: str) -> str:
        pattern = re.compile(rf"^{re.escape(key)} = .*$", re.M)
        assert pattern.search(text), key
        return pattern.sub(line or "", text)

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_replace("title", None), r"title is missing"),
        (_replace("title", 'title = "  "'), r"title is missing"),
        (_replace("category", 'category = "Podcasting"'), r"'Podcasting' is not an Apple"),
        (
            _replace("category", 'category = "news"'),
            r"'news' is not an Apple Podcasts category: write 'News'",
        ),
        (
            _replace("subcategory", 'subcategory = "Improv"'),
            r"subcategory 'Improv' is not in Apple's 'News' category",
        ),
        (_replace("language", 'language = "english"'), r"language 'english' is not a language"),
        (_replace("language", 'language = "xx-us"'), r"language 'xx-us' is not a language"),
        (_replace("base_url", 'base_url = "ftp://example.com/"'), r"is not an http\(s\) URL"),
        (_replace("base_url", 'base_url = "example.com/podcast"'), r"is not an http\(s\) URL"),
        (_replace("explicit", 'explicit = "no"'), r"explicit must be true or false"),
        (
            lambda t: t.replace("[owner]", 'disclosure = "yes"\n\n[owner]'),
            r"disclosure must be true or false, not 'yes'",
        ),
        (
            lambda t: t.replace("[owner]", "intro = 1\n\n[owner]"),
            r"intro must be true or false, not 1",
        ),
        (_replace("artwork", 'artwork = "missing.jpg"'), r"artwork .*missing\.jpg cannot be read"),
        (_replace("artwork", 'artwork = "feed.toml"'), r"is not a JPEG or PNG image"),
        (lambda t: t.replace('email = "editor@example.com"', 'email = "editor"'), r"e-mail"),
        (lambda t: t.split("[owner]")[0], r"the \[owner\] table is missing"),
        (lambda t: 'titel = "typo"\n' + t, r"unknown key 'titel'"),
        (lambda t: t + 'phone = "555"\n', r"unknown key 'owner.phone'"),
        (lambda t: "title = 'again'\n" + t, r"is not valid TOML"),
    ],
)
def test_a_bad_config_is_a_clear_error(
    tmp_path: Path, edit: Callable[[str], str], message: str
) -> None:
    path = _write_config(tmp_path, edit(FEED_TOML))
    with pytest.raises(FeedConfigError, match=message) as caught:
        load_config(path)
    assert isinstance(caught.value, NarratorError)
    assert str(caught.value).startswith(str(path))


def test_a_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FeedConfigError, match=r"no such file"):
        load_config(tmp_path / "feed.toml")


def test_a_good_config_is_read_and_normalised(tmp_path: Path) -> None:
    config = load_config(_write_config(tmp_path))
    assert config.base_url == BASE  # a trailing slash is added
    assert config.feed_url == BASE + "feed.xml"
    assert config.artwork == tmp_path / "cover.png"  # relative to feed.toml
    assert (config.category, config.subcategory, config.explicit) == ("News", "Daily News", False)
    # The podcast profile discloses the synthetic voice unless feed.toml turns it off.
    assert (config.disclosure, config.intro) == (True, False)


def test_characters_xml_cannot_hold_are_dropped(tmp_path: Path) -> None:
    text = FEED_TOML.replace(
        'description = "The Riverside Gazette\'s articles, read aloud."',
        'description = "Bells \\u0007ring\\u001b and \\uFFFEwhistles"',
    )
    assert "\\u0007" in text
    config = load_config(_write_config(tmp_path / "show", text))
    empty = tmp_path / "articles"
    empty.mkdir()
    result = build_feed(empty, config, tmp_path / "site")  # no articles: nothing to narrate
    assert result.episodes == ()
    channel = _parse((tmp_path / "site" / "feed.xml").read_bytes()).find("channel")
    assert channel.findtext("description") == "Bells ring and whistles"


def test_apple_category_list_is_complete() -> None:
    assert len(APPLE_CATEGORIES) == 19
    assert sum(map(len, APPLE_CATEGORIES.values())) == 91
    assert "Tech News" in APPLE_CATEGORIES["News"]
    assert APPLE_CATEGORIES["Technology"] == ()
