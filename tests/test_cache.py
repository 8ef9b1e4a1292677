"""The clip cache: unchanged text is never rendered twice, edits re-render only what changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from narrator.cache import ClipCache
from narrator.models import Article, Block, BlockKind, Clip, Cue, VoiceProfile
from narrator.segment import build_script, chunk_script
from narrator.synth import RenderStats, render

from .fakes import ToneEngine

PROFILE = VoiceProfile("tone", "tone", "x")


def _render(article: Article, cache: ClipCache) -> RenderStats:
    from narrator.engines import register_engine

    register_engine("tone", ToneEngine)
    script = build_script(article, speak=str)
    stats = RenderStats()
    list(render(chunk_script(script, 200), PROFILE, cache=cache, stats=stats))
    return stats


def _article(second: str) -> Article:
    return Article(
        title="Title",
        blocks=(Block(BlockKind.PARAGRAPH, f"First sentence here. {second} Third one."),),
    )


def test_second_run_renders_nothing_and_an_edit_renders_one(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    assert _render(_article("Second sentence."), cache).rendered == 4
    again = _render(_article("Second sentence."), cache)
    assert (again.rendered, again.cached) == (0, 4)
    edited = _render(_article("A changed second sentence."), cache)
    assert (edited.rendered, edited.cached) == (1, 3)


def test_round_trip_and_damaged_entry(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    clip = Clip(pcm=bytes(range(200)), sample_rate=22050)
    key = ClipCache.key("engine|v1", "hello")
    cache.put(key, clip)
    assert cache.get(key) == clip
    assert ClipCache.key("engine|v2", "hello") != key
    (tmp_path / "clips" / key[:2] / key).write_bytes(b"junk")
    assert cache.get(key) is None


def test_lru_eviction_keeps_recently_used(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path, max_bytes=2500)
    keys = [ClipCache.key("e", str(i)) for i in range(4)]
    for i, key in enumerate(keys):
        cache.put(key, Clip(pcm=bytes(1000), sample_rate=8000))
        past = time.time() - 100 + i
        os.utime(cache.path / key[:2] / key, (past, past))
    assert cache.get(keys[0]) is not None  # touched: now the most recent
    assert cache.evict() == 2
    assert cache.get(keys[0]) is not None and cache.get(keys[3]) is not None
    assert cache.get(keys[1]) is None and cache.get(keys[2]) is None
    assert cache.info().entries == 2


def test_clear(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    cache.put(ClipCache.key("e", "a"), Clip(pcm=bytes(10), sample_rate=8000))
    assert cache.clear() == 1
    assert cache.info().entries == 0


@pytest.fixture
def tone_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A voice profile "tone" for the deterministic engine, found through NARRATOR_VOICES."""
    from narrator.engines import register_engine

    register_engine("tone", ToneEngine)
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "tone.toml").write_text('name = "tone"\nengine = "tone"\nmodel = "x"\n')
    monkeypatch.setenv("NARRATOR_VOICES", str(voices))
    return "tone"


def test_identical_narration_is_a_copy_and_an_edit_reuses_clips(
    tmp_path: Path, tone_voice: str
) -> None:
    """Real pipeline (tone engine): the memo returns the same bytes; an edit renders one."""
    from narrator.pipeline import NarrateOptions, narrate

    article = tmp_path / "a.md"
    article.write_text("# Title\n\nFirst sentence here. Second sentence. Third one.")
    options = NarrateOptions(voice=tone_voice, cache_dir=tmp_path / "cache")

    first = narrate(article, tmp_path / "1.mp3", options=options)
    calls = len(ToneEngine.calls)
    second = narrate(article, tmp_path / "2.mp3", options=options)
    assert (first.rendered, second.rendered, second.cached) == (4, 0, 4)
    assert len(ToneEngine.calls) == calls  # the engine was not asked for anything
    assert (tmp_path / "1.mp3").read_bytes() == (tmp_path / "2.mp3").read_bytes()
    assert second.cues == first.cues and second.chapters == first.chapters

    article.write_text("# Title\n\nFirst sentence here. A changed second. Third one.")
    edited = narrate(article, tmp_path / "3.mp3", options=options)
    assert (edited.rendered, edited.cached) == (1, 3)


def test_mastered_clips_from_the_cache_give_the_same_bytes(tmp_path: Path, tone_voice: str) -> None:
    """With the finished-narration memo gone, clips and mastered clips come from the cache
    and the file is rebuilt byte for byte (the feed's no-change rebuilds rely on it)."""
    import shutil

    from narrator.pipeline import NarrateOptions, narrate

    article = tmp_path / "a.md"
    article.write_text("# Title\n\nFirst sentence here. Second sentence. Third one.")
    options = NarrateOptions(voice=tone_voice, cache_dir=tmp_path / "cache")
    narrate(article, tmp_path / "1.mp3", options=options)
    shutil.rmtree(tmp_path / "cache" / "narrations")
    again = narrate(article, tmp_path / "2.mp3", options=options)
    assert again.rendered == 0
    assert (tmp_path / "1.mp3").read_bytes() == (tmp_path / "2.mp3").read_bytes()


def test_a_memoized_script_equals_the_one_made_fresh(tmp_path: Path, seed_path: Path) -> None:
    """The second narration takes extraction, segmentation and normalization from the
    cache; what it returns must be exactly what they would have made."""
    from narrator.pipeline import NarrateOptions, _script, load_article, make_script

    options = NarrateOptions(
        cache_dir=tmp_path / "cache", intro=True, parts=frozenset({"body", "summary"})
    )
    cache = ClipCache(options.cache_dir)
    first = _script(seed_path, options, None, cache)
    second = _script(seed_path, options, None, cache)
    fresh = make_script(load_article(seed_path, options), options)
    assert first == fresh
    assert second == fresh
    assert len(list((tmp_path / "cache" / "scripts").rglob("*.json"))) == 1


def test_an_error_from_on_audio_reaches_the_caller_unchanged(tmp_path: Path) -> None:
    """A caller's own error (the service's time limit) must not be reported as an
    encoding failure, which the service would answer with a 500."""
    import numpy as np

    from narrator.encode import AudioWriter
    from narrator.errors import NarratorError

    class Stop(NarratorError):
        pass

    def on_audio(data: bytes) -> None:
        raise Stop("the caller's time limit")

    writer = AudioWriter(tmp_path / "x.mp3", "mp3", 22050, on_audio)
    with pytest.raises(Stop):
        for _ in range(10):
            writer.write(np.zeros(22050, dtype=np.int16))
    writer.abort()


def test_on_cue_reports_each_sentence_as_it_is_placed_and_again_from_the_memo(
    tmp_path: Path, tone_voice: str
) -> None:
    """Cues reach ``on_cue`` in order while the narration runs, timed as in the finished
    file, once per sentence even when a long sentence is rendered in several chunks."""
    from narrator.pipeline import NarrateOptions, narrate

    long = " ".join(["word"] * 30) + ", and then " + " ".join(["more"] * 30) + "."
    article = tmp_path / "a.md"
    article.write_text(f"# Title\n\nFirst sentence here. {long} Third one.")
    options = NarrateOptions(voice=tone_voice, cache_dir=tmp_path / "cache")
    seen: list[tuple[Cue, int]] = []
    audio: list[int] = []

    def on_cue(cue: Cue) -> None:
        seen.append((cue, len(audio)))

    first = narrate(
        article,
        tmp_path / "1.mp3",
        options=options,
        on_cue=on_cue,
        on_audio=lambda b: audio.append(len(b)),
    )
    assert first.rendered > len(first.cues)  # the long sentence took several chunks
    assert [c for c, _ in seen] == list(first.cues)
    assert seen[0][1] >= 1 and seen[0][1] < len(audio)  # the first cue came mid-stream
    seen.clear()
    second = narrate(article, tmp_path / "2.mp3", options=options, on_cue=on_cue)
    assert second.rendered == 0 and [c for c, _ in seen] == list(first.cues)
