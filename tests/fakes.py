"""A deterministic engine for unit tests of assembly logic only (never for the feature itself)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from narrator.engines import Engine
from narrator.models import Clip


class ToneEngine(Engine):
    """Speaks each chunk as a tone: 60 ms per word, with silence around it like a real voice.

    The tone's loudness depends on the text, so level matching has something to do.
    """

    name: ClassVar[str] = "tone"
    max_chunk_chars: ClassVar[int] = 80
    rate = 16000
    calls: ClassVar[list[str]] = []

    @property
    def sample_rate(self) -> int:
        return self.rate

    def synthesize(self, text: str) -> Clip:
        ToneEngine.calls.append(text)
        words = max(1, len(text.split()))
        n = int(self.rate * 0.06 * words)
        t = np.arange(n) / self.rate
        amplitude = 0.05 + 0.5 * ((len(text) * 37) % 10) / 10
        tone = amplitude * np.sin(2 * np.pi * 220 * t)
        ramp = np.sin(np.linspace(0, np.pi / 2, self.rate // 100)) ** 2  # like a voice's onset
        tone[: len(ramp)] *= ramp
        tone[-len(ramp) :] *= ramp[::-1]
        pad = np.zeros(int(self.rate * 0.12))
        audio = np.concatenate([pad, tone, pad])
        return Clip(pcm=(audio * 32767).astype("<i2").tobytes(), sample_rate=self.rate)
