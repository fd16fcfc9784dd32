"""Differential entropy (DE) of EEG in frequency bands, SEED convention.

For each window: multiply by a (symmetric) Hann window, FFT, take the mean of
``|X|^2`` over the band's bins, and return ``log2(100 * power)`` [1]_ [2]_. This
is the formula of the lab's own extractors (BCMI ``DE_PSD.py``; MAET
``extract_EEG_features.py``), not the Gaussian ``0.5 * log(2 pi e sigma^2)``;
the two agree up to constants under a Gaussian assumption.

Every function here works on all windows, channels and bands at once. The
streaming extractor (:mod:`eegstream.features.streaming`) calls
:func:`de_of_windows` on the same samples and so gives bit-identical rows.

References
----------
.. [1] Duan R.-N., Zhu J.-Y., Lu B.-L. (2013). Differential entropy feature for
   EEG-based emotion classification. 6th Int. IEEE/EMBS Conf. Neural Eng.
.. [2] Zheng W.-L., Lu B.-L. (2015). Investigating critical frequency bands and
   channels for EEG-based emotion recognition with deep neural networks.
   IEEE Trans. Auton. Ment. Dev. 7(3).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .._errors import EEGStreamError
from .config import FeatureConfig

# Windows per FFT call. Small blocks keep the tapered windows and their spectra
# in cache: on a 2-core EPYC, one hour at a 4 s hop took 0.11 s in blocks of 4
# windows and 0.19 s in blocks of 64.
_BLOCK = 4


class _Plan(NamedTuple):
    """Precomputed pieces of one feature setting (see :func:`_plan`)."""

    taper: np.ndarray  # (n_taper,) Hann taper, cut to the samples the FFT reads
    first: int  # first FFT bin any band uses
    last: int  # one past the last FFT bin any band uses
    edges: np.ndarray  # reduceat indices into bins[first:last]
    pick: np.ndarray  # which reduceat outputs are the bands, in band order
    counts: np.ndarray  # bins per band


@lru_cache(maxsize=32)
def _plan(
    window: int, n_fft: int, sfreq: float, bands: tuple, compat: str | None
) -> _Plan:
    """Taper, bin ranges and reduceat indices for one setting."""
    # Imported here: scipy.signal takes seconds to load, and the command line
    # reads feature settings (this package) on every start.
    from scipy.signal.windows import hann

    taper = hann(window, sym=True)[: min(window, n_fft)]
    n_bins = n_fft // 2 + 1
    lows = np.array([lo for lo, _ in bands]) * n_fft / sfreq
    highs = np.array([hi for _, hi in bands]) * n_fft / sfreq
    if compat == "seed-vii":
        # MAET: energy[:, floor(lo/fs*n) - 1 : floor(hi/fs*n)] over the first n/2 bins.
        starts = np.floor(lows).astype(int) - 1
        stops = np.minimum(np.floor(highs).astype(int), n_fft // 2)
    else:
        # Bins whose frequency f satisfies low <= f < high.
        starts = np.ceil(lows - 1e-9).astype(int)
        stops = np.ceil(highs - 1e-9).astype(int)
    starts = np.maximum(starts, 0)
    stops = np.minimum(stops, n_bins)
    counts = stops - starts
    if np.any(counts < 1):
        bad = [b for b, c in zip(bands, counts, strict=True) if c < 1][0]
        raise EEGStreamError(
            f"band {bad} Hz holds no FFT bin at {sfreq:g} Hz with a {n_fft}-point FFT; "
            "widen the band or lengthen the window"
        )
    first, last = int(starts.min()), int(stops.max())
    # reduceat sums a[edges[i]:edges[i+1]] (the last index runs to the end); the
    # bands are the even-numbered segments. Bands are ordered by their end so
    # that the only edge equal to the length (not allowed) is the final one.
    order = np.argsort(stops, kind="stable")
    edges = np.column_stack([starts[order], stops[order]]).ravel() - first
    if edges[-1] == last - first:
        edges = edges[:-1]
    if np.any(edges >= last - first):
        raise EEGStreamError(
            f"bands {bands} Hz: only one band may end at the top FFT bin; "
            "shorten the others"
        )
    pick = 2 * np.argsort(order)
    return _Plan(taper, first, last, edges, pick, counts.astype(float))


def de_of_windows(windows: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """DE of each window, channel and band.

    Parameters
    ----------
    windows : array of float, shape (..., window)
        EEG windows in microvolts, ``cfg.window`` samples each, any leading
        axes (typically windows x channels).
    cfg : FeatureConfig
        Feature settings (sampling rate, bands, FFT length, compat mode).

    Returns
    -------
    array of float64, shape (..., n_bands)
        ``log2(100 * mean |X|^2)`` per band; ``-inf`` for a flat zero signal,
        NaN where the window holds a non-finite sample.
    """
    plan = _plan(cfg.window, cfg.fft_length, cfg.sfreq, cfg.bands, cfg.compat)
    # Only the samples the FFT reads are tapered (the seed-vii FFT truncates).
    with np.errstate(invalid="ignore", over="ignore"):
        tapered = windows[..., : plan.taper.size] * plan.taper
        spectrum = np.fft.rfft(tapered, n=cfg.fft_length, axis=-1)
        used = spectrum[..., plan.first : plan.last]
        power = np.square(used.real)
        power += np.square(used.imag)
    band_power = np.add.reduceat(power, plan.edges, axis=-1)[..., plan.pick]
    band_power *= 100.0 / plan.counts
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log2(band_power, out=band_power)


def n_windows(n_samples: int, cfg: FeatureConfig) -> int:
    """Count the whole windows in ``n_samples`` samples at ``cfg.hop`` spacing."""
    if n_samples < cfg.window:
        return 0
    return (n_samples - cfg.window) // cfg.hop + 1


def compute_de(eeg: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """DE features of a whole recording, window by window.

    Window ``i`` covers samples ``[i * hop, i * hop + window)``; a trailing
    part shorter than a window is ignored.

    Parameters
    ----------
    eeg : array of float, shape (n_channels, n_samples)
        EEG in microvolts at ``cfg.sfreq`` Hz (SEED channel order for the
        project's models).
    cfg : FeatureConfig
        Feature settings.

    Returns
    -------
    array of float64, shape (n_windows, n_channels, n_bands)
        DE per window, channel and band (bands low to high).

    Raises
    ------
    EEGStreamError
        If ``eeg`` is not 2-D or holds fewer samples than one window.

    Examples
    --------
    >>> cfg = FeatureConfig(hop_s=4.0)
    >>> compute_de(np.random.default_rng(0).normal(size=(62, 200 * 60)), cfg).shape
    (15, 62, 5)
    """
    eeg = as_eeg_array(eeg)
    count = n_windows(eeg.shape[1], cfg)
    if count == 0:
        raise EEGStreamError(
            f"{eeg.shape[1]} samples ({eeg.shape[1] / cfg.sfreq:g} s) is shorter than "
            f"one {cfg.window_s:g} s window ({cfg.window} samples at {cfg.sfreq:g} Hz)"
        )
    views = np.lib.stride_tricks.sliding_window_view(eeg, cfg.window, axis=1)
    return _de_in_blocks(views[:, :: cfg.hop][:, :count].transpose(1, 0, 2), cfg)


def as_eeg_array(eeg: np.ndarray) -> np.ndarray:
    """Return ``eeg`` as a float64 (channels, samples) array, or a one-line error."""
    try:
        eeg = np.asarray(eeg, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise EEGStreamError(f"EEG must be a numeric array, got {err}") from None
    if eeg.ndim != 2:
        raise EEGStreamError(
            f"EEG must be a 2-D array (channels, samples), got shape {eeg.shape}"
        )
    return eeg


def _de_in_blocks(windows: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """:func:`de_of_windows` over many windows, a few at a time (bounded memory).

    Parameters
    ----------
    windows : array of float, shape (n_windows, n_channels, window)
        Usually a strided view into the EEG (no copy).
    cfg : FeatureConfig
        Feature settings.

    Returns
    -------
    array of float64, shape (n_windows, n_channels, n_bands)
    """
    out = np.empty((windows.shape[0], windows.shape[1], len(cfg.bands)))
    for start in range(0, windows.shape[0], _BLOCK):
        block = slice(start, start + _BLOCK)
        out[block] = de_of_windows(windows[block], cfg)
    return out


def window_end_times(n_windows: int, cfg: FeatureConfig) -> np.ndarray:
    """End time of each window in seconds from the first sample.

    Returns
    -------
    array of float, shape (n_windows,)
        ``(i * hop + window) / sfreq``.
    """
    return (np.arange(n_windows) * cfg.hop + cfg.window) / cfg.sfreq
