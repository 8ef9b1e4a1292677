"""The publisher's first hour: ``narrator feed init``, every config problem reported at once,
artwork checked against Apple's rules, a site folder that holds only what is served, the
read-along pages, and a build that fails loudly when every article failed.

Real images (made with Pillow), the real default voice, the real CLI (click's runner), and
a real HTTP server on loopback for ``--allow-private-urls``.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from lxml import etree
from PIL import Image

from narrator.cli import cli
from narrator.feed import (
    AllArticlesFailedError,
    FeedConfigError,
    artwork_problem,
    build_feed,
    config_template,
    default_state_dir,
    image_info,
    init_config,
    load_config,
)
from narrator.models import Cue
from narrator.pipeline import DISCLOSURE

REPO = Path(__file__).resolve().parents[1]
ARTICLES = Path(__file__).resolve().parent / "data" / "feed" / "articles"
TIDE = ARTICLES / "tide-pools.md"  # the shortest article: a headline and three sentences

# What `feed init`'s template needs and nothing more: its REQUIRED fields.
REQUIRED = {
    "title": "The Harbour Hour",
    "description": "The Gazette's harbour stories, read aloud.",
    "author": "Riverside Gazette",
    "language": "en",
    "category": "News",
    "artwork": "cover.jpg",
    "base_url": "https://example.com/harbour/",
    "name": "Ed Itor",
    "email": "editor@example.com",
}

# Everything a web server should serve from the site folder, by pattern.
SERVED = re.compile(
    r"(feed\.xml|index\.html|site\.css|narrator-player\.(js|css)|cover-[0-9a-f]{10}\.(jpg|png)"
    r"|episodes/[a-z0-9-]+-[0-9a-f]{10}\.(mp3|vtt|chapters\.json|timings\.json|html))"
)


def _image(path: Path, size: tuple[int, int], fmt: str, mode: str = "RGB", **kw: Any) -> Path:
    """A real image file written by Pillow."""
    colour: Any = (30, 90, 160) if mode == "RGB" else (10, 60, 0, 20) if mode == "CMYK" else 90
    image = Image.new(mode, size, colour)
    if fmt == "GIF":
        image = image.convert("P")
    image.save(path, fmt, **kw)
    return path


def _fill(template: str, values: dict[str, str] = REQUIRED) -> str:
    """The template with each REQUIRED `key = ""` given a value (nothing else touched)."""
    for key, value in values.items():
        template, count = re.subn(rf'^{key} = ""$', f'{key} = "{value}"', template, flags=re.M)
        assert count == 1, key
    return template


def _show(folder: Path, artwork: str = "cover.jpg") -> Path:
    """A feed.toml from the template with the required fields, and its 1400 px artwork."""
    folder.mkdir(parents=True, exist_ok=True)
    _image(folder / "cover.jpg", (1400, 1400), "JPEG", quality=85)
    path = folder / "feed.toml"
    path.write_text(_fill(config_template(), {**REQUIRED, "artwork": artwork}), encoding="utf-8")
    return path


def _published(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def _feed_build(*args: str) -> Result:
    return CliRunner().invoke(cli, ["feed", "build", *args, "-q"], catch_exceptions=False)


# --- feed init ---------------------------------------------------------------------------


def test_the_shipped_example_is_what_feed_init_writes(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["feed", "init", str(tmp_path / "feed.toml")])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "feed.toml").read_text(encoding="utf-8")
    assert written == (REPO / "feed.example.toml").read_text(encoding="utf-8")
    assert written == config_template()
    assert "Fill in the fields marked REQUIRED" in result.stderr


def test_feed_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "feed.toml"
    path.write_text('title = "Mine"\n')
    result = CliRunner().invoke(cli, ["feed", "init", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path} already exists. Edit it, give another path, or pass --force to "
        f"replace it.\n"
    )
    assert path.read_text() == 'title = "Mine"\n'
    forced = CliRunner().invoke(cli, ["feed", "init", str(path), "--force"])
    assert forced.exit_code == 0
    assert path.read_text() == config_template()


def test_feed_init_into_a_folder_writes_feed_toml_there(tmp_path: Path) -> None:
    assert init_config(tmp_path) == tmp_path / "feed.toml"
    assert (tmp_path / "feed.toml").read_text() == config_template()


def test_feed_init_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["feed", "init", str(tmp_path / "no" / "feed.toml")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot write ")
    assert "does not exist. Create it first." in result.output
    assert "Traceback" not in result.output


def test_the_unfilled_template_names_every_required_field_in_one_error(tmp_path: Path) -> None:
    init_config(tmp_path / "feed.toml")
    with pytest.raises(FeedConfigError) as caught:
        load_config(tmp_path / "feed.toml")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'feed.toml'} has 9 problems; fix them all")
    for key in ("title", "description", "author", "language", "category", "artwork"):
        assert f'{key} is missing: set {key} = "..."' in message, key
    assert 'base_url is missing: set base_url = "..."' in message
    assert 'owner.name is missing: set name = "..." under [owner]' in message
    assert 'owner.email is missing: set email = "..." under [owner]' in message
    assert "\n" not in message  # one line, as every CLI error is
    assert re.findall(r"\((\d)\)", message) == [str(n) for n in range(1, 10)]


def test_invalid_values_are_reported_together_with_what_to_do(tmp_path: Path) -> None:
    text = _fill(
        config_template(),
        {
            **REQUIRED,
            "language": "english",
            "category": "Podcasting",
            "base_url": "example.com",
            "email": "editor",
        },
    ).replace("explicit = false", 'explicit = "no"')
    folder = tmp_path / "show"
    _show(folder)
    (folder / "feed.toml").write_text("titel = 'typo'\n" + text)
    with pytest.raises(FeedConfigError) as caught:
        load_config(folder / "feed.toml")
    message = str(caught.value)
    assert "has 6 problems" in message
    for fragment in (
        "unknown key 'titel'",
        "owner.email 'editor' is not an e-mail address",
        "language 'english' is not a language code: use an ISO 639-1 code",
        "category 'Podcasting' is not an Apple Podcasts category: use one of Arts, Business",
        "base_url 'example.com' is not an http(s) URL: give the full address",
        "explicit must be true or false, not 'no'",
    ):
        assert fragment in message, fragment


# --- artwork -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "fmt", "mode", "expected"),
    [
        (
            (600, 600),
            "PNG",
            "RGB",
            r"is 600x600 pixels: Apple Podcasts needs a square JPEG or PNG"
            r" from 1400x1400 to 3000x3000 pixels; export it at 3000x3000",
        ),
        ((1600, 1400), "JPEG", "RGB", r"is 1600x1400 pixels, not square: .*; crop it to a square"),
        ((1400, 1400), "GIF", "RGB", r"is a GIF image \(1400x1400 pixels\): .*; save it as PNG"),
        ((3001, 3001), "PNG", "L", r"is 3001x3001 pixels: Apple Podcasts needs"),
        ((1400, 1400), "JPEG", "CMYK", r"is a CMYK JPEG \(1400x1400 pixels\): .* needs RGB"),
        ((1400, 1400), "WEBP", "RGB", r"is a WebP image: .*; save it as PNG"),
        ((1400, 1400), "BMP", "RGB", r"is a BMP image: .*; save it as PNG"),
    ],
)
def test_artwork_apple_would_refuse_is_refused_with_its_measured_size(
    tmp_path: Path, size: tuple[int, int], fmt: str, mode: str, expected: str
) -> None:
    image = _image(tmp_path / f"cover.{fmt.lower()}", size, fmt, mode)
    config = _show(tmp_path / "show", artwork=str(image))
    with pytest.raises(FeedConfigError, match=f"^{re.escape(str(config))}: artwork .*{expected}"):
        load_config(config)


@pytest.mark.parametrize(
    ("size", "fmt", "kw"),
    [
        ((1400, 1400), "JPEG", {"quality": 80}),
        ((1400, 1400), "JPEG", {"progressive": True}),  # SOF2, not SOF0
        ((3000, 3000), "PNG", {}),
        ((2048, 2048), "JPEG", {"exif": b"Exif\x00\x00" + b"\x00" * 30000}),  # SOF far in
    ],
)
def test_artwork_apple_accepts_is_accepted(
    tmp_path: Path, size: tuple[int, int], fmt: str, kw: dict[str, Any]
) -> None:
    image = _image(tmp_path / "art.img", size, fmt, **kw)
    info = image_info(image.read_bytes())
    assert info is not None and (info.format, info.width, info.height) == (fmt, *size)
    assert artwork_problem(image) is None
    config = load_config(_show(tmp_path / "show", artwork=str(image)))
    assert config.artwork == image


def test_a_png_saved_with_a_jpg_name_is_published_as_png(tmp_path: Path) -> None:
    misnamed = _image(tmp_path / "cover.jpg", (1400, 1400), "PNG")
    config = load_config(_show(tmp_path / "show", artwork=str(misnamed)))
    empty = tmp_path / "articles"
    empty.mkdir()
    build_feed(empty, config, tmp_path / "site")
    (cover,) = (tmp_path / "site").glob("cover-*")
    assert cover.suffix == ".png"


def test_a_cut_short_image_is_refused_not_crashed_on(tmp_path: Path) -> None:
    whole = _image(tmp_path / "whole.jpg", (1400, 1400), "JPEG").read_bytes()
    for name, data in [("cut.jpg", whole[:40]), ("cut.png", b"\x89PNG\r\n\x1a\n\x00\x00")]:
        (tmp_path / name).write_bytes(data)
        problem = artwork_problem(tmp_path / name)
        assert problem is not None and "header is damaged or cut short" in problem, name
    (tmp_path / "text.png").write_text("not an image")
    assert "is not a JPEG or PNG image" in (artwork_problem(tmp_path / "text.png") or "")


# --- a first feed, in one run ------------------------------------------------------------


@pytest.mark.slow
def test_a_feed_builds_from_feed_inits_output_with_only_the_required_fields(
    tmp_path: Path,
) -> None:
    init = CliRunner().invoke(cli, ["feed", "init", str(tmp_path / "feed.toml")])
    assert init.exit_code == 0
    config = tmp_path / "feed.toml"
    config.write_text(_fill(config.read_text(encoding="utf-8")), encoding="utf-8")
    _image(tmp_path / "cover.jpg", (1400, 1400), "JPEG")
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(TIDE, articles)
    out = tmp_path / "site"

    result = _feed_build(str(articles), "--config", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.endswith(f"{out / 'feed.xml'}: 1 episodes, 1 narrated, 0 skipped\n")

    # Only what a web server should serve is in the site folder.
    published = _published(out)
    assert all(SERVED.fullmatch(name) for name in published), published
    assert not [n for n in published if "/." in f"/{n}"]  # no dotfiles, no .part files
    state = default_state_dir(out)
    assert state == tmp_path / ".narrator-feed-state" / "site"
    assert sorted(p.name for p in state.iterdir()) == ["feed-state.json", "feed.lock", "work"]
    assert list((state / "work").iterdir()) == []

    channel = etree.parse(str(out / "feed.xml")).getroot().find("channel")
    assert channel.findtext("title") == "The Harbour Hour"
    item = channel.find("item")
    audio = item.find("enclosure").get("url").removeprefix(REQUIRED["base_url"])
    stem = audio.removesuffix(".mp3")
    # The read-along page and its timings sit beside the MP3; the .vtt stays for apps.
    assert f"{stem}.html" in published and f"{stem}.timings.json" in published
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{stem}.html">Read along' in index
    assert ".vtt" not in index


# --- a site folder that holds only what is served ------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One site of one short episode, for the read-only checks of the pages."""
    root = tmp_path_factory.mktemp("feed-site")
    (root / "articles").mkdir()
    shutil.copy(TIDE, root / "articles")
    build_feed(root / "articles", load_config(_show(root / "show")), root / "site")
    return root / "site"


@pytest.mark.slow
def test_the_episode_page_carries_the_static_player_over_the_transcript(built: Path) -> None:
    (page,) = (built / "episodes").glob("*.html")
    stem = page.name.removesuffix(".html")
    html = page.read_text(encoding="utf-8")
    assert (
        f'<narrator-player audio="{stem}.mp3" timings="{stem}.timings.json" '
        f'article="#transcript"' in html
    )
    assert '<script src="../narrator-player.js" defer></script>' in html
    # CSP-friendly: no inline script or style, and every file it names is in the site.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html
    for ref in re.findall(r'(?:src|href)="([^":]+)"', html):
        assert (page.parent / ref).resolve().is_file(), ref
    assert (built / "narrator-player.js").read_bytes() == (
        REPO / "narrator" / "server" / "static" / "narrator-player.js"
    ).read_bytes()

    # Every sentence the player will highlight is in the transcript, as written.
    timings = json.loads((page.parent / f"{stem}.timings.json").read_text(encoding="utf-8"))
    assert timings["version"] == 1 and timings["complete"] is True
    cues = [Cue.from_dict({**s, "words": ()}) for s in timings["sentences"]]
    article = re.search(r'<article id="transcript">(.*)</article>', html, re.S)
    assert article is not None
    text = re.sub(r"<[^>]+>", " ", article.group(1))
    flat = " ".join(text.replace("&amp;", "&").split())
    for cue in cues:
        assert " ".join(cue.text.split()) in flat, cue.text
    assert [c.text for c in cues[:2]] == ["Tide Pools Return to Harbour Point", DISCLOSURE]
    assert "<h1>Tide Pools Return to Harbour Point</h1>" in html
    assert "<h2>What changed</h2>" in html
    assert f'<p class="note">{DISCLOSURE}</p>' in html
    # The timings match the audio they describe.
    assert timings["duration_ms"] >= cues[-1].end_ms > cues[0].start_ms >= 0


@pytest.mark.slow
def test_the_pages_parse_as_html5_without_a_single_error(built: Path) -> None:
    import html5lib

    pages = [built / "index.html", *(built / "episodes").glob("*.html")]
    assert len(pages) == 2
    for page in pages:
        parser = html5lib.HTMLParser(strict=True)
        parser.parse(page.read_bytes())  # raises on the first parse error
        assert parser.errors == [], page.name


@pytest.mark.slow
def test_the_pages_are_styled_for_dark_mode_and_phones(built: Path) -> None:
    css = (built / "site.css").read_text(encoding="utf-8")
    assert "@media (prefers-color-scheme: dark)" in css
    assert "@media (max-width:" in css
    for page in [built / "index.html", *(built / "episodes").glob("*.html")]:
        html = page.read_text(encoding="utf-8")
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert '<meta name="color-scheme" content="light dark">' in html
        assert 'site.css">' in html


@pytest.mark.slow
def test_a_state_file_an_older_build_left_in_the_site_is_moved_out(
    built: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    shutil.copytree(built, out)
    # The layout an older build left: state and lock inside the published folder, no
    # read-along pages or timings, and a state that knows nothing of transcripts.
    state = json.loads((default_state_dir(built) / "feed-state.json").read_text())
    for episode in state["episodes"].values():
        del episode["blocks"]
    (out / ".feed-state.json").write_text(json.dumps(state))
    (out / ".feed-lock").write_text("")
    for page in [*(out / "episodes").glob("*.html"), *(out / "episodes").glob("*.timings.json")]:
        page.unlink()
    feed_before = (out / "feed.xml").read_bytes()
    audio_before = {p.name: p.read_bytes() for p in (out / "episodes").glob("*.mp3")}

    src = tmp_path / "articles"
    src.mkdir()
    shutil.copy(TIDE, src)
    result = build_feed(src, load_config(_show(tmp_path / "show")), out)
    assert result.rendered == 0  # the pages come from the clip cache, not the voice
    assert not (out / ".feed-state.json").exists() and not (out / ".feed-lock").exists()
    assert _published(out) == _published(built)
    assert all(SERVED.fullmatch(n) for n in _published(out)), _published(out)
    moved = json.loads((default_state_dir(out) / "feed-state.json").read_text())
    assert moved["episodes"].keys() == state["episodes"].keys()
    # Same guid, same files, same bytes: podcast apps see nothing new.
    assert (out / "feed.xml").read_bytes() == feed_before
    assert {p.name: p.read_bytes() for p in (out / "episodes").glob("*.mp3")} == audio_before


def test_a_state_dir_inside_the_site_is_refused(tmp_path: Path) -> None:
    config = _show(tmp_path / "show")
    (tmp_path / "articles").mkdir()
    out = tmp_path / "site"
    result = _feed_build(
        str(tmp_path / "articles"),
        "--config",
        str(config),
        "--out",
        str(out),
        "--state-dir",
        str(out / ".state"),
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: The state folder {out / '.state'} is inside the site folder {out}, which is "
        f"published as it is. Give a --state-dir outside it.\n"
    )


def test_a_state_dir_can_be_given(tmp_path: Path) -> None:
    config = _show(tmp_path / "show")
    (tmp_path / "articles").mkdir()
    result = _feed_build(
        str(tmp_path / "articles"),
        "--config",
        str(config),
        "--out",
        str(tmp_path / "site"),
        "--state-dir",
        str(tmp_path / "state"),
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "state" / "feed-state.json").is_file()
    assert not (tmp_path / ".narrator-feed-state").exists()


# --- failures ----------------------------------------------------------------------------


def test_when_every_article_fails_the_build_exits_non_zero(tmp_path: Path) -> None:
    config = _show(tmp_path / "show")
    src = tmp_path / "articles"
    src.mkdir()
    (src / "empty.md").write_text("   \n\n")
    _image(src / "photo.html", (4, 4), "PNG")
    out = tmp_path / "site"
    result = _feed_build(str(src), "--config", str(config), "--out", str(out))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("Warning: Skipped ") and "empty.md" in lines[0]
    assert lines[1].startswith("Warning: Skipped ") and "photo.html" in lines[1]
    first = lines[0].split(": ", 2)[2].rstrip(".")  # the first warning's reason
    assert lines[2] == (
        f"Error: Every article failed (2 of 2) in {src}, so nothing was published and {out} "
        f"was left as it was; the first failure: {first}. Fix what the warnings name, then "
        f"build again."
    )
    assert "Traceback" not in result.output
    assert not out.exists()  # no empty feed that looks like a success, not even a folder


def test_every_article_failed_is_a_narrator_error_with_each_failure(tmp_path: Path) -> None:
    config = load_config(_show(tmp_path / "show"))
    src = tmp_path / "articles"
    src.mkdir()
    (src / "empty.txt").write_text("")
    with pytest.raises(
        AllArticlesFailedError, match=r"^Every article failed \(1 of 1\) in "
    ) as caught:
        build_feed(src, config, tmp_path / "site")
    (skipped,) = caught.value.skipped
    assert skipped.source.endswith("empty.txt")


class _Article(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = TIDE.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/markdown; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_article() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Article)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tide-pools.md"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_allow_private_urls_lets_a_build_fetch_from_loopback(
    tmp_path: Path, loopback_article: str
) -> None:
    config = _show(tmp_path / "show")
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{loopback_article}\n")
    out = tmp_path / "site"
    refused = _feed_build(str(urls), "--config", str(config), "--out", str(out))
    assert refused.exit_code == 1
    warning, error = refused.stderr.splitlines()
    assert warning.startswith(f"Warning: Skipped {loopback_article}: Refusing to fetch")
    assert error.startswith("Error: Every article failed (1 of 1) in ")

    allowed = _feed_build(
        str(urls), "--config", str(config), "--out", str(out), "--allow-private-urls"
    )
    assert allowed.exit_code == 0, allowed.output
    assert "1 episodes, 1 narrated, 0 skipped" in allowed.stderr
    item = etree.parse(str(out / "feed.xml")).getroot().find("channel/item")
    assert item.findtext("guid") == loopback_article


@pytest.mark.slow
def test_one_failed_article_warns_and_the_build_succeeds(tmp_path: Path) -> None:
    config = _show(tmp_path / "show")
    src = tmp_path / "articles"
    src.mkdir()
    shutil.copy(TIDE, src)
    (src / "empty.md").write_text("\n")
    result = _feed_build(str(src), "--config", str(config), "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert "empty.md" in warning
    assert "1 episodes, 1 narrated, 1 skipped" in result.stderr


def test_feed_commands_have_help_and_appear_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in ("init", "build"):
        result = CliRunner().invoke(cli, ["feed", command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
        assert f"narrator feed {command}" in readme, command
    build_help = CliRunner().invoke(cli, ["feed", "build", "--help"]).output
    for option in ("--allow-private-urls", "--state-dir"):
        assert option in build_help and option in readme, option


@pytest.mark.slow
def test_a_state_dir_on_another_file_system_still_moves_audio_into_place(
    tmp_path: Path,
) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on another file system than the temporary folder")
    state = Path(tempfile.mkdtemp(dir=shm, prefix="narrator-feed-state-"))
    try:
        config = load_config(_show(tmp_path / "show"))
        src = tmp_path / "articles"
        src.mkdir()
        shutil.copy(TIDE, src)
        out = tmp_path / "site"
        result = build_feed(src, config, out, state_dir=state)
        (episode,) = result.episodes
        assert episode.audio.stat().st_size > 0 and episode.audio.parent == out / "episodes"
        assert os.stat(episode.audio).st_dev != state.stat().st_dev
        assert list((state / "work").iterdir()) == []  # copied over, then removed
        assert all(SERVED.fullmatch(n) for n in _published(out)), _published(out)
    finally:
        shutil.rmtree(state, ignore_errors=True)
