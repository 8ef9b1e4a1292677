"""A reference loudness meter (ITU-R BS.1770-4), for checking finished audio.

narrator masters each clip as it streams (see :mod:`narrator.audio`); this module measures
the result independently of that code: integrated loudness by pyloudnorm, true peak from
the signal oversampled 4x by ``scipy.signal.resample_poly``. The tests and
``benchmarks/quality.py`` use it on decoded output, next to ffmpeg's own meter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import AudioError

__all__ = ["Loudness", "measure"]

_GATE_S = 0.400


@dataclass(frozen=True)
class Loudness:
    """How loud a piece of audio is, as a broadcast meter reports it."""

    integrated_lufs: float
    """Gated integrated loudness (BS.1770-4), LUFS; ``-inf`` when silent or under 0.4 s."""

    true_peak_dbtp: float
    """Highest level of the 4x-oversampled signal, dBTP; ``-inf`` when silent."""

    sample_peak_dbfs: float
    """Highest absolute sample, dBFS; ``-inf`` when silent."""


def _db(linear: float) -> float:
    return 20.0 * math.log10(linear) if linear > 0 else -math.inf


def measure(samples: np.ndarray, rate: int) -> Loudness:
    """Measure float mono samples in [-1, 1]: integrated loudness, true peak, sample peak."""
    try:
        import pyloudnorm
    except ImportError as exc:
        raise AudioError(
            "Measuring loudness needs pyloudnorm: pip install 'narrator[dev]'."
        ) from exc
    from scipy.signal import resample_poly

    if samples.ndim != 1 or not np.issubdtype(samples.dtype, np.floating):
        raise AudioError(
            f"Loudness works on 1-D floating-point mono samples in [-1, 1]; got "
            f"{samples.dtype} with shape {samples.shape}. Convert int16 with `x / 32768`."
        )
    if len(samples) == 0:
        return Loudness(-math.inf, -math.inf, -math.inf)
    if len(samples) < _GATE_S * rate:
        lufs = -math.inf  # BS.1770 needs one whole 400 ms gating block
    else:
        lufs = float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))
    sample_peak = float(np.max(np.abs(samples)))
    true_peak = max(sample_peak, float(np.max(np.abs(resample_poly(samples, 4, 1)))))
    return Loudness(lufs, _db(true_peak), _db(sample_peak))
