"""Assembly: trimming, level matching, fades, pauses by structure, cue and chapter times.

Uses the deterministic ToneEngine: the feature under test is the joining, not the voice.
"""

from __future__ import annotations

import numpy as np
import pytest

from narrator.audio import (
    AssemblyPolicy,
    _true_peak_envelope,
    assemble,
    clip_loudness,
    prepare_clip,
)
from narrator.models import Article, Block, BlockKind, Break, Clip, PausePolicy, VoiceProfile
from narrator.segment import build_script, chunk_script
from narrator.synth import render

from .fakes import ToneEngine

ARTICLE = Article(
    title="Headline here",
    blocks=(
        Block(BlockKind.PARAGRAPH, "First sentence of the story. Second sentence follows it."),
        Block(BlockKind.PARAGRAPH, "A new paragraph starts."),
        Block(BlockKind.HEADING, "A section", level=2),
        Block(BlockKind.PARAGRAPH, "Text in the section. And more text."),
    ),
)
PAUSES = PausePolicy(
    clause_ms=100,
    sentence_ms=300,
    paragraph_ms=600,
    before_heading_ms=900,
    after_heading_ms=500,
    edge_ms=150,
)


def _assembled():
    script = build_script(ARTICLE, speak=str)
    profile = VoiceProfile("tone", "tone", "x")
    engine = ToneEngine(profile)
    chunks = chunk_script(script, engine.max_chunk_chars)
    rendered = render(chunks, profile, engine=engine)
    return script, assemble(rendered, script, PAUSES, engine.sample_rate)


def _silences_ms(samples: np.ndarray, rate: int) -> list[int]:
    """Lengths of the runs of exact silence between sounds."""
    quiet = samples == 0
    runs, count = [], 0
    for q in quiet:
        if q:
            count += 1
        elif count:
            runs.append(count)
            count = 0
    return [round(1000 * r / rate) for r in runs[1:]]  # first run is the leading edge


def test_pauses_follow_structure() -> None:
    script, out = _assembled()
    assert [s.pause_after for s in script.sentences] == [
        Break.AFTER_HEADING,
        Break.SENTENCE,
        Break.PARAGRAPH,
        Break.BEFORE_HEADING,
        Break.AFTER_HEADING,
        Break.SENTENCE,
        Break.END,
    ]
    # Each gap = the pause + the trimmed clip edges around it (80 ms trail + 40 ms lead).
    gaps = [c.start_ms - p.end_ms for p, c in zip(out.cues, out.cues[1:], strict=False)]
    assert gaps == pytest.approx([500, 300, 600, 900, 500, 300], abs=2)


def test_cues_cover_every_sentence_in_order() -> None:
    script, out = _assembled()
    assert [c.key for c in out.cues] == [s.key for s in script.sentences]
    assert [c.text for c in out.cues] == [s.text for s in script.sentences]
    assert all(a.end_ms <= b.start_ms for a, b in zip(out.cues, out.cues[1:], strict=False))
    assert out.cues[-1].end_ms + PAUSES.edge_ms == pytest.approx(out.duration_ms, abs=2)


def test_chapters_start_at_headline_and_headings() -> None:
    _, out = _assembled()
    assert [c.title for c in out.chapters] == ["Headline here", "A section"]
    assert out.chapters[0].start_ms == 0
    assert out.chapters[0].end_ms == out.chapters[1].start_ms
    assert out.chapters[1].start_ms == out.cues[4].start_ms
    assert out.chapters[-1].end_ms == out.duration_ms


def test_no_click_at_any_join() -> None:
    _, out = _assembled()
    jumps = np.abs(np.diff(out.samples.astype(np.int32)))
    # A 220 Hz tone at -1 dBFS moves at most ~1,400 per sample at 16 kHz; a click would be
    # a jump to the tone's full amplitude (~29,000) in one sample.
    assert jumps.max() < 2000


def test_clip_with_sound_to_its_edges_is_faded() -> None:
    rate = 16000
    t = np.arange(rate // 4) / rate
    abrupt = 0.5 * np.sign(np.sin(2 * np.pi * 100 * t + 0.3))  # loud right up to both edges
    clip = Clip((abrupt * 32767).astype("<i2").tobytes(), rate)
    out = prepare_clip(clip, rate, AssemblyPolicy())
    assert abs(out[0]) < 1e-3 and abs(out[-1]) < 1e-3
    # Over the 4 ms fade (64 samples) the step from silence is spread out, not one jump.
    assert np.abs(np.diff(out[:64])).max() < 0.1 * np.abs(out).max()


def test_levels_are_matched_across_clips() -> None:
    rate = 16000
    t = np.arange(rate) / rate
    quiet = Clip((0.05 * np.sin(2 * np.pi * 200 * t) * 32767).astype("<i2").tobytes(), rate)
    loud = Clip((0.6 * np.sin(2 * np.pi * 200 * t) * 32767).astype("<i2").tobytes(), rate)
    policy = AssemblyPolicy(target_lufs=-19)
    a, b = prepare_clip(quiet, rate, policy), prepare_clip(loud, rate, policy)
    assert [clip_loudness(x, rate) for x in (a, b)] == pytest.approx([-19, -19], abs=0.3)


def test_true_peak_is_limited_when_loudness_needs_it() -> None:
    """A spiky clip raised to -16 LUFS would peak far above full scale without the limiter."""
    rate = 16000
    rng = np.random.default_rng(7)
    spiky = 0.02 * rng.standard_normal(rate)
    spiky[::1600] = 0.9  # a click every 100 ms, far above the rest
    clip = Clip((spiky * 32767).astype("<i2").tobytes(), rate)
    out = prepare_clip(clip, rate, AssemblyPolicy(target_lufs=-16, true_peak_dbtp=-1.5))
    assert 20 * np.log10(_true_peak_envelope(out).max()) <= -1.5 + 0.05
    assert clip_loudness(out, rate) == pytest.approx(-16, abs=0.5)


def test_trim_keeps_consistent_edges() -> None:
    rate = 16000
    tone = 0.3 * np.sin(2 * np.pi * 200 * np.arange(rate // 2) / rate)
    clip = np.concatenate([np.zeros(rate), tone, np.zeros(rate // 3)])
    out = prepare_clip(Clip((clip * 32767).astype("<i2").tobytes(), rate), rate, AssemblyPolicy())
    assert len(out) == pytest.approx(rate // 2 + rate * (40 + 80) // 1000, abs=rate // 100)


def test_silent_clip_is_dropped_not_crashing() -> None:
    assert len(prepare_clip(Clip(bytes(3200), 16000), 16000, AssemblyPolicy())) == 0


def test_clips_at_another_rate_are_resampled() -> None:
    tone = (0.3 * np.sin(2 * np.pi * 200 * np.arange(8000) / 8000) * 32767).astype("<i2")
    out = prepare_clip(Clip(tone.tobytes(), 8000), 16000, AssemblyPolicy())
    assert len(out) == pytest.approx(16000, abs=16)  # one second, now at 16 kHz
