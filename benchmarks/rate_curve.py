"""Measure each engine's speed-up against its own speed control (the ``rate_curve`` the
engines keep; see narrator/engines/stretch.py).

Speech time excludes pauses (engines.timings.active_spans). The paragraphs are narrator's
own calibration text, not the seed or the test text. Run: .venv/bin/python
benchmarks/rate_curve.py [voice ...]
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from narrator.engines import engine_class
from narrator.engines.timings import active_spans
from narrator.models import Clip
from narrator.synth import load_engine
from narrator.voices import get_profile

CALIBRATION = (
    "The harbour reopened on Monday after three weeks of repairs, and the first ferry left "
    "at seven in the morning with more than two hundred passengers on board.",
    "Engineers replaced the old pilings, which had rotted through, with concrete ones.",
    "Nobody expected the work to finish early; the council had planned for a month.",
    "Local shops said business was already returning to normal by the afternoon.",
)
RATES = (0.5, 0.75, 1.25, 1.5, 2.0, 3.0)


def speech_seconds(clip: Clip) -> float:
    """Seconds of sound in ``clip``, pauses left out."""
    audio = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32) / 32768.0
    return sum(b - a for a, b in active_spans(audio, clip.sample_rate)) / clip.sample_rate


def curve(voice: str) -> list[tuple[float, float]]:
    """(asked, measured) for each rate, with the stretch turned off."""
    profile = get_profile(voice)
    cls = engine_class(profile.engine)
    saved = cls.rate_curve
    cls.rate_curve = ()
    try:

        def total(rate: float) -> float:
            engine = load_engine(dataclasses.replace(profile, rate=rate))
            # No correction: measure the engine's own control only.
            engine.at_rate = lambda clip: clip  # type: ignore[method-assign]
            return sum(speech_seconds(engine.synthesize(t)) for t in CALIBRATION)

        base = total(1.0)
        return [(rate, round(base / total(rate), 3)) for rate in RATES]
    finally:
        cls.rate_curve = saved


def main() -> None:
    for voice in sys.argv[1:] or ["heart", "joe", "espeak"]:
        print(voice, tuple(curve(voice)))


if __name__ == "__main__":
    main()
