"""Word timings from real voices: monotonic, covering every spoken word, slicing the written
text exactly; kept by the cache; readable captions that parse back; the hibari engine."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from narrator.engines import engine_class
from narrator.engines.timings import phoneme_words, place_words, spoken_words
from narrator.errors import VoiceError
from narrator.models import Cue, Narration, VoiceProfile
from narrator.pipeline import NarrateOptions, narrate, write_sidecars
from narrator.synth import load_engine
from narrator.timing import (
    CAPTION_LINE_CHARS,
    CAPTION_LINES,
    CAPTION_MAX_MS,
    captions,
    parse_webvtt,
    to_srt,
    to_webvtt,
)
from narrator.voices import get_profile
from narrator.words import time_words, written_words

ARTICLE = """# The harbour deal

On Oct. 3, 2024, Mr. Smith said the $4.5 billion deal would close — eventually.

The U.S. agreed; 12% of the 1,200 voters did not, and the port's "new" cranes, which \
cost more than anyone in the city council had been told when the plan was first put to \
a vote in the spring, arrived late.
"""


def _check_words(cue: Cue) -> None:
    """Every invariant a timed sentence must keep."""
    assert cue.words, cue.text
    for word in cue.words:
        assert cue.text[word.char_start : word.char_end] == word.text
        assert cue.start_ms <= word.start_ms <= word.end_ms <= cue.end_ms, (cue, word)
    for a, b in itertools.pairwise(cue.words):
        assert a.end_ms <= b.start_ms, (a, b)
        assert a.char_end <= b.char_start


@pytest.fixture(scope="module", params=["heart", "joe", "espeak"])
def narrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Narration, Path]:
    folder = tmp_path_factory.mktemp(f"words-{request.param}")
    source = folder / "a.md"
    source.write_text(ARTICLE, encoding="utf-8")
    options = NarrateOptions(voice=request.param, cache_dir=folder / "cache")
    return request.param, narrate(source, folder / "a.wav", options=options), source


def test_words_are_monotonic_and_slice_the_written_text(
    narrated: tuple[str, Narration, Path],
) -> None:
    voice, narration, _ = narrated
    for cue in narration.cues:
        _check_words(cue)
        # Synthesizer durations for the neural voices; an estimate only for espeak.
        assert cue.estimated is (voice == "espeak")


def test_every_spoken_word_is_inside_a_written_word(
    narrated: tuple[str, Narration, Path],
) -> None:
    _, narration, _ = narrated
    sentence = next(c for c in narration.cues if "$4.5" in c.text)
    spans = {w.text: (w.start_ms, w.end_ms) for w in sentence.words}
    # "$4.5" is said "four point five", and the written words around it keep their own.
    assert {"$4.5", "billion", "deal", "Oct", "2024", "Mr", "Smith"} <= set(spans)
    assert spans["$4.5"][1] <= spans["billion"][0]
    # The spoken words all land inside the sentence's written words.
    first, last = sentence.words[0], sentence.words[-1]
    assert first.start_ms - sentence.start_ms < 400
    assert sentence.end_ms - last.end_ms < 400


def test_a_warm_run_has_the_same_words(
    narrated: tuple[str, Narration, Path], tmp_path: Path
) -> None:
    voice, narration, source = narrated
    cache = source.parent / "cache"
    # An unchanged article comes from the narration memo; an edited one re-uses clips.
    again = narrate(
        source, tmp_path / "b.wav", options=NarrateOptions(voice=voice, cache_dir=cache)
    )
    assert again.rendered == 0
    assert again.cues == narration.cues
    edited = tmp_path / "edited.md"
    edited.write_text(ARTICLE + "\nOne more line.\n", encoding="utf-8")
    warm = narrate(edited, tmp_path / "c.wav", options=NarrateOptions(voice=voice, cache_dir=cache))
    assert warm.cached >= len(narration.cues)
    assert [c.words for c in warm.cues[: len(narration.cues)]] == [c.words for c in narration.cues]


def test_sidecars_parse_back_and_keep_the_caption_limits(
    narrated: tuple[str, Narration, Path], tmp_path: Path
) -> None:
    _, narration, _ = narrated
    vtt, srt, timings = tmp_path / "a.vtt", tmp_path / "a.srt", tmp_path / "a.json"
    write_sidecars(narration, subtitles=vtt, timings=timings)
    write_sidecars(narration, subtitles=srt)
    cues = parse_webvtt(vtt.read_text(encoding="utf-8"))
    assert len(cues) > len(narration.cues)  # the long sentence was split
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= CAPTION_LINES
        assert all(len(line) <= CAPTION_LINE_CHARS for line in lines)
        assert 0 < cue.end_ms - cue.start_ms <= CAPTION_MAX_MS
    for a, b in itertools.pairwise(cues):
        assert a.end_ms <= b.start_ms
    blocks = srt.read_text(encoding="utf-8").strip().split("\n\n")
    assert [b.split("\n")[2:] for b in blocks] == [c.text.split("\n") for c in cues]
    doc = json.loads(timings.read_text(encoding="utf-8"))
    assert doc["version"] == 1 and doc["complete"] is True
    assert [s["text"] for s in doc["sentences"]] == [c.text for c in narration.cues]
    for sentence, cue in zip(doc["sentences"], narration.cues, strict=True):
        assert [w["text"] for w in sentence["words"]] == [w.text for w in cue.words]
        for w in sentence["words"]:
            assert sentence["text"][w["char_start"] : w["char_end"]] == w["text"]


# --- pure parts -------------------------------------------------------------------------


def test_written_words_strip_punctuation_but_keep_signs() -> None:
    text = '"On Oct. 3, the $4.5 billion — 12% — deal (final)."'
    assert [w for w, _, _ in written_words(text)] == [
        "On",
        "Oct",
        "3",
        "the",
        "$4.5",
        "billion",
        "12%",
        "deal",
        "final",
    ]
    assert all(text[a:b] == w for w, a, b in written_words(text))


def test_time_words_maps_groups_between_anchors() -> None:
    text = "The $4.5 billion deal."
    spoken = [
        ("The", 0, 100),
        ("four", 100, 200),
        ("point", 200, 300),
        ("five", 300, 400),
        ("billion", 400, 500),
        ("dollar", 500, 600),
        ("deal", 600, 700),
    ]
    timed = {w.text: (w.start_ms, w.end_ms) for w in time_words(text, spoken)}
    assert timed == {"The": (0, 100), "$4.5": (100, 400), "billion": (400, 600), "deal": (600, 700)}


def test_place_words_aligns_espeak_joined_words() -> None:
    # espeak reads "in the" as one word: the two share its time; the rest pair up.
    words = spoken_words("deal in the U S A.")
    spans = [(0, 100), (120, 200), (220, 260), (280, 320), (340, 380)]
    groups = ["dˈiːl", "ɪnðə", "jˈuː", "ˈɛs", "ˈeɪ"]
    placed = place_words(words, spans, groups)
    assert [w.text for w in placed] == ["deal", "in", "the", "U", "S", "A"]
    assert (placed[0].start, placed[0].end) == (0, 100)
    assert placed[1].start == 120 and placed[2].end == 200
    assert [(w.start, w.end) for w in placed[3:]] == [(220, 260), (280, 320), (340, 380)]


def test_phoneme_words_leave_punctuation_and_pads_out_of_words() -> None:
    # "^hˈaɪ, ðˈɛə!$": a pad, a word, a comma (the pause after it), a space, a word, "!".
    phonemes = ["^", "h", "ˈa", "ɪ", ",", " ", "ð", "ˈɛ", "ə", "!", "$"]
    starts = [0.0, 10.0, 20.0, 30.4, 40.0, 60.0, 70.0, 80.0, 90.0, 99.6, 120.0]
    ends = [*starts[1:], 130.0]
    spans, groups = phoneme_words(phonemes, starts, ends, frozenset("^$,!"))
    assert spans == [(10, 40), (70, 100)]  # rounded to whole samples
    assert groups == ["hˈaɪ", "ðˈɛə"]
    assert phoneme_words([" ", ","], [0.0, 5.0], [5.0, 9.0], frozenset(",")) == ([], [])


def test_captions_split_long_sentences_at_words() -> None:
    text = " ".join(f"word{i}" for i in range(40)) + "."
    found = written_words(text)
    from narrator.models import WordTiming

    words = tuple(WordTiming(w, 300 * i, 300 * i + 250, a, b) for i, (w, a, b) in enumerate(found))
    cue = Cue("k", text, 0, words[-1].end_ms, words)
    pieces = captions([cue])
    assert len(pieces) >= 4
    assert [p.key for p in pieces[:2]] == ["k", "k-2"]
    assert " ".join(" ".join(p.lines) for p in pieces) == text
    for piece in pieces:
        assert len(piece.lines) <= 2 and all(len(line) <= 42 for line in piece.lines)
        assert piece.end_ms - piece.start_ms <= 7000
    vtt = to_webvtt([cue], readable=True)
    assert "<00:00:00.300>word1" in vtt
    assert [c.text.replace("\n", " ") for c in parse_webvtt(vtt)] == [
        " ".join(p.lines) for p in pieces
    ]
    assert to_srt([cue], readable=True).count("-->") == len(pieces)


# --- the hibari engine ------------------------------------------------------------------


def test_hibari_is_deterministic_and_never_downloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path / "hibari-home"))
    engine = load_engine(get_profile("heart"))
    first = engine.synthesize("The harbour reopened on Monday.")
    again = engine.synthesize("The harbour reopened on Monday.")
    assert first.pcm == again.pcm and len(first.pcm) > 24000
    assert [w.text for w in first.words] == ["The", "harbour", "reopened", "on", "Monday"]
    # Another hibari voice is only ever read from a file the user put in place.
    profile = VoiceProfile(name="emma", engine="hibari", model="emma")
    with pytest.raises(VoiceError) as caught:
        load_engine(profile)
    message = str(caught.value)
    assert "never downloads" in message and "hibari/emma.onnx" in message
    assert "\n" not in message
    assert not (tmp_path / "hibari-home").exists()
    with pytest.raises(VoiceError):
        engine_class("hibari").identity(profile)


def test_hibari_reads_a_voice_the_user_put_in_a_voices_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hibari.voices import voice_path

    folder = tmp_path / "voices" / "hibari"
    folder.mkdir(parents=True)
    (folder / "mine.onnx").write_bytes(
        Path(voice_path("heart", download_missing=False)).read_bytes()
    )
    monkeypatch.setenv("NARRATOR_VOICES", str(tmp_path / "voices"))
    ids = [v.id for v in engine_class("hibari").available_voices()]
    assert ids == ["heart", "mine"]
    engine = load_engine(VoiceProfile(name="mine", engine="hibari", model="mine"))
    assert engine.synthesize("Hello there.").words
