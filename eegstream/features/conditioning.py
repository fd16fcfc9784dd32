"""Signal conditioning: causal high-pass, low-pass and line notch before the DE.

A headset's raw stream carries DC offsets, slow drift and mains noise that
the datasets' preprocessed EEG did not (the SEED papers band-pass and notch
it): a 10 µV 50 Hz line lifts gamma DE by about 2 log2 units on the
project's synthetic EEG, since the 49.75 Hz bin lies inside 31-50 Hz
(``benchmarks/bench_conditioning.py``). The filters are second-order sections
(``scipy.signal``) run causally with carried state, so a stream in chunks
of any size gives bit-identical output to one call over the same samples.

Start-up does not ring: each channel's state starts as the steady state of
its first sample (``sosfilt_zi`` scaled by it), so a DC offset present from
the first sample, or after a reset, passes as if it had always been there.
A non-finite sample comes out as NaN and restarts its channel's state from
the next finite sample, as after a gap, so one NaN never poisons the state.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .._errors import EEGStreamError
from .config import LINE_FREQS, ConditioningSettings, FeatureConfig
from .de import as_eeg_array


@lru_cache(maxsize=32)
def _design(settings: ConditioningSettings, sfreq: float) -> np.ndarray:
    """Second-order sections (n_sections, 6): high-pass, low-pass, notches."""
    # Imported here, as in .de: scipy.signal takes seconds to load, and the
    # command line imports this package (the options table) to parse.
    from scipy import signal

    parts = []
    for edge, kind in (
        (settings.highpass_hz, "highpass"),
        (settings.lowpass_hz, "lowpass"),
    ):
        if edge is not None:
            parts.append(
                signal.butter(settings.order, edge, kind, fs=sfreq, output="sos")
            )
    for freq in settings.harmonics(sfreq):
        b, a = signal.iirnotch(freq, settings.notch_q, fs=sfreq)
        parts.append(signal.tf2sos(b, a))
    return np.concatenate(parts) if parts else np.empty((0, 6))


def conditioning_sos(cfg: FeatureConfig) -> np.ndarray:
    """Return the filter of ``cfg.conditioning`` at ``cfg.sfreq`` as sections.

    Returns
    -------
    array of float64, shape (n_sections, 6)
        ``scipy.signal`` sos rows: high-pass, then low-pass, then one notch per
        line harmonic below the Nyquist frequency; no rows when conditioning is off.
    """
    if cfg.conditioning is None:
        return np.empty((0, 6))
    return _design(cfg.conditioning, cfg.sfreq).copy()  # sosfilt needs it writable


#: Samples per filter call on long inputs, so that scipy's working copy stays
#: in cache: on the idle 2-core test machine an hour of 62 channels at 200 Hz
#: took 0.39-0.43 s CPU in blocks of 4,000 samples, 0.45 s in one call when
#: the allocator had the memory at hand and 1.2 s when it did not. The
#: output is bit-identical either way (carried state).
_BLOCK = 4000


class StreamingConditioner:
    """Filter EEG chunk by chunk, bit-identical to :func:`condition` on the whole.

    Parameters
    ----------
    cfg : FeatureConfig
        Feature settings: ``cfg.conditioning`` at ``cfg.sfreq`` Hz. With
        ``conditioning=None`` chunks pass through unchanged (as float64).
    n_channels : int
        Channels per sample (any count).
    """

    def __init__(self, cfg: FeatureConfig, n_channels: int) -> None:
        from scipy.signal import sosfilt, sosfilt_zi

        self._sosfilt = sosfilt
        self.cfg = cfg
        self.n_channels = int(n_channels)
        self.sos = conditioning_sos(cfg)
        # Steady state for a constant input of 1, per section: (n_sections, 1, 2).
        self._zi_unit = sosfilt_zi(self.sos)[:, None, :] if len(self.sos) else None
        self._zi = np.zeros((len(self.sos), self.n_channels, 2))
        self._ready = np.zeros(self.n_channels, dtype=bool)

    def reset(self) -> None:
        """Forget the state: each channel starts again from its next finite sample."""
        self._ready[:] = False

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Filter the next samples.

        Parameters
        ----------
        chunk : array of float, shape (n_channels, n_new)
            EEG in microvolts at ``cfg.sfreq``, oldest first, continuing the
            previous chunk.

        Returns
        -------
        array of float64, shape (n_channels, n_new)
            Filtered EEG in microvolts; NaN where the input was not finite.
        """
        x = np.asarray(chunk, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise EEGStreamError(
                f"chunk must have shape ({self.n_channels}, n_samples), got {x.shape}"
            )
        if self._zi_unit is None or not x.shape[1]:
            return x
        if x.shape[1] > _BLOCK:
            y = np.empty_like(x)
            for start in range(0, x.shape[1], _BLOCK):
                y[:, start : start + _BLOCK] = self._push(x[:, start : start + _BLOCK])
            return y
        return self._push(x)

    def _push(self, x: np.ndarray) -> np.ndarray:
        finite = np.isfinite(x)
        if self._ready.all() and finite.all():
            # The live case: one call for every channel.
            y, self._zi = self._sosfilt(self.sos, x, axis=-1, zi=self._zi)
            return y
        return self._push_segments(x, finite)

    def _push_segments(self, x: np.ndarray, finite: np.ndarray) -> np.ndarray:
        """Filter in runs where each channel is all finite or all not (rare path)."""
        y = np.full(x.shape, np.nan)
        changes = np.flatnonzero((finite[:, 1:] != finite[:, :-1]).any(axis=0)) + 1
        bounds = [0, *changes.tolist(), x.shape[1]]
        for start, stop in zip(bounds[:-1], bounds[1:], strict=False):
            ok = finite[:, start]
            self._ready &= ok  # a non-finite sample ends the channel's run
            new = ok & ~self._ready
            if new.any():
                self._zi[:, new] = self._zi_unit * x[new, start][None, :, None]
                self._ready |= new
            if ok.all():
                y[:, start:stop], self._zi = self._sosfilt(
                    self.sos, x[:, start:stop], axis=-1, zi=self._zi
                )
            elif ok.any():
                rows = np.flatnonzero(ok)
                y[rows, start:stop], self._zi[:, rows] = self._sosfilt(
                    self.sos, x[rows, start:stop], axis=-1, zi=self._zi[:, rows]
                )
        return y


def condition(eeg: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Filter a whole recording as ``cfg.conditioning`` says (the offline path).

    Parameters
    ----------
    eeg : array of float, shape (n_channels, n_samples)
        EEG in microvolts at ``cfg.sfreq`` Hz.
    cfg : FeatureConfig
        Feature settings; ``conditioning=None`` returns the EEG unchanged.

    Returns
    -------
    array of float64, shape (n_channels, n_samples)
        Equal, bit for bit, to :class:`StreamingConditioner` fed the same
        samples in chunks of any size.

    Examples
    --------
    >>> eeg = 30_000 + np.random.default_rng(0).normal(size=(4, 2000))
    >>> bool(abs(condition(eeg, FeatureConfig())).max() < 10)  # 30 mV DC gone
    True
    """
    eeg = as_eeg_array(eeg)
    return StreamingConditioner(cfg, eeg.shape[0]).push(eeg)


class LineEstimate(NamedTuple):
    """What :func:`estimate_line_freq` found.

    Attributes
    ----------
    freq : float | None
        50.0 or 60.0 Hz, or ``None`` when neither stands out.
    ratios : dict of float to float
        For each candidate below the Nyquist frequency, its power over the
        median power of the bins 2-8 Hz either side (1 means no line).
    """

    freq: float | None
    ratios: dict[float, float]


#: A candidate is a line when its bin holds this many times its neighbours'
#: median power (2 s of synthetic EEG at 500 Hz with a 3 µV line give about 7;
#: without a line, about 1).
LINE_RATIO = 4.0


def estimate_line_freq(eeg: np.ndarray, sfreq: float) -> LineEstimate:
    """Find the mains frequency, 50 or 60 Hz, from a few seconds of EEG.

    Compares the power at each candidate with the median power 2-8 Hz
    either side of it, summed over channels (Welch, 1 s segments, 1 Hz bins).

    Parameters
    ----------
    eeg : array of float, shape (n_channels, n_samples)
        At least one second of EEG, any unit; non-finite samples are ignored.
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    LineEstimate
        The candidate with the larger ratio when it is at least
        :data:`LINE_RATIO`, else ``None``.
    """
    from scipy.signal import welch

    x = np.asarray(eeg, dtype=np.float64)
    x = x[:, np.isfinite(x).all(axis=0)]
    nper = int(round(sfreq))
    if x.shape[1] < nper:
        return LineEstimate(None, {})
    x = x - x.mean(axis=1, keepdims=True)
    freqs, psd = welch(x, fs=sfreq, nperseg=nper, axis=-1)
    power = psd.sum(axis=0)
    ratios = {}
    for line in LINE_FREQS:
        if line + 8 >= sfreq / 2:
            continue
        offset = np.abs(freqs - line)
        around = power[(offset >= 2) & (offset <= 8)]
        peak = power[offset < 0.75].max()
        ratios[line] = float(peak / max(np.median(around), 1e-300))
    if not ratios:
        return LineEstimate(None, ratios)
    best = max(ratios, key=lambda line: ratios[line])
    return LineEstimate(best if ratios[best] >= LINE_RATIO else None, ratios)
