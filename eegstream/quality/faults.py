"""Faults of real sessions, added to a recording: for benchmarks, tests and demos.

Each function returns a copy of ``data`` (shape (n_channels, n_samples), µV at
``sfreq`` Hz) with one kind of fault added to the rows given; the originals
are never changed. They reproduce the faults of issue 22's measurements.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Full scale of the OpenBCI Cyton at gain 24 (µV): where a railed channel sits.
CYTON_FULL_SCALE_UV = 187_500.0


def flat(data: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """Unplugged electrode: the rows read 0 µV."""
    out = np.array(data, dtype=np.float64)
    out[list(rows)] = 0.0
    return out


def railed(
    data: np.ndarray, rows: Sequence[int], level_uv: float = CYTON_FULL_SCALE_UV
) -> np.ndarray:
    """Saturated amplifier input: the rows sit at ``level_uv`` (its rail)."""
    out = np.array(data, dtype=np.float64)
    out[list(rows)] = level_uv
    return out


def popping(
    data: np.ndarray,
    rows: Sequence[int],
    sfreq: float,
    *,
    every_s: float = 7.0,
    step_uv: float = 400.0,
    noise_uv: float = 30.0,
    seed: int = 0,
) -> np.ndarray:
    """Popping electrode: the level jumps by ``step_uv`` every ``every_s`` s.

    The jumps alternate up and down (the contact breaks and remakes), and
    ``noise_uv`` (RMS) of white noise rides on the rows.
    """
    out = np.array(data, dtype=np.float64)
    n = out.shape[1]
    level = (np.arange(n) // round(every_s * sfreq)) % 2 * step_uv
    rng = np.random.default_rng(seed)
    rows = list(rows)
    out[rows] += level + noise_uv * rng.standard_normal((len(rows), n))
    return out


def muscle_bursts(
    data: np.ndarray,
    rows: Sequence[int],
    sfreq: float,
    *,
    amplitude_uv: float = 40.0,
    band_hz: tuple[float, float] = (25.0, 75.0),
    every_s: float = 30.0,
    duration_s: float = 10.0,
    start_s: float = 10.0,
    seed: int = 0,
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Jaw clench or smile: broadband noise bursts on the rows.

    Bursts of ``duration_s`` start at ``start_s`` and every ``every_s``
    seconds after; the noise is white, band-limited to ``band_hz`` (cut
    below the Nyquist frequency) and scaled to ``amplitude_uv`` RMS.

    Returns
    -------
    data : array of float, shape (n_channels, n_samples)
    bursts : list of (start, end)
        Each burst's span in seconds from the first sample.
    """
    out = np.array(data, dtype=np.float64)
    n = out.shape[1]
    rows = list(rows)
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal((len(rows), n)), axis=1)
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    spec[:, (freqs < band_hz[0]) | (freqs > band_hz[1])] = 0.0
    noise = np.fft.irfft(spec, n, axis=1)
    noise *= amplitude_uv / noise.std(axis=1, keepdims=True)
    bursts = []
    on = np.zeros(n, dtype=bool)
    t = start_s
    while t < n / sfreq:
        bursts.append((t, min(t + duration_s, n / sfreq)))
        on[round(t * sfreq) : round((t + duration_s) * sfreq)] = True
        t += every_s
    out[rows] += noise * on
    return out, bursts
