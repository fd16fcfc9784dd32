"""Signal-quality measures of one segment, per channel: pure functions, no state.

Every function takes a segment of the stream's own channels at the stream's
own rate, in µV, shape (n_channels, n_samples), and returns one value per
channel; all are vectorised over channels. :func:`segment_metrics` computes
them all after removing each channel's offset and linear trend (so a DC
offset of tens of millivolts, normal for DC-coupled amplifiers, is no fault).

References
----------
Kothe C., Miyakoshi M., Delorme A. (2019). clean_rawdata (EEGLAB plug-in):
flatline, channel-correlation and line-noise criteria.
Perrin F., Pernier J., Bertrand O., Echallier J.F. (1989). Spherical splines
for scalp potential and current density mapping. EEG Clin Neurophysiol 72(2).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

#: Mains frequencies whose power the line-noise ratio takes (the larger), Hz.
LINE_FREQS_CHECKED = (50.0, 60.0)
#: Band of the EEG the line-noise and muscle measures are set against, Hz.
EEG_BAND = (2.0, 30.0)
#: Muscle (EMG) band, Hz; its top is cut below the Nyquist frequency.
MUSCLE_BAND = (30.0, 75.0)
#: Length of the box means whose differences measure steps, s.
STEP_BOX_S = 0.05
#: Length of the box means that keep blinks and saccades (< 5 Hz), s.
EYE_BOX_S = 0.2


class SegmentMetrics(NamedTuple):
    """The measures of one segment, each an array of shape (n_channels,).

    Attributes
    ----------
    std_uv : array of float
        Standard deviation after the offset and trend are removed (µV).
    offset_uv : array of float
        Median of the raw segment (µV): a railed amplifier sits at its rail.
    clipped : array of float
        Fraction of samples equal to the segment's own maximum or minimum
        (a clipped waveform sits at a constant extreme).
    peak_uv : array of float
        Largest absolute value after the offset and trend are removed (µV).
    step_uv : array of float
        Largest difference between the means of two adjacent 50 ms boxes
        (µV): a step or a pop, blind to muscle activity above 20 Hz.
    line_ratio : array of float
        log10 of the power at the mains frequency (50 or 60 Hz, +-1 Hz, the
        larger) over the mean power per Hz in 2-30 Hz.
    muscle_uv : array of float
        Root-mean-square amplitude in 30-75 Hz (below Nyquist; mains bins
        +-2 Hz left out), in µV.
    eye_uv : array of float
        Peak-to-peak of 200 ms box means (µV): blinks and saccades.
    neighbour_r : array of float
        Correlation with the leave-one-out spherical-spline prediction from
        the other channels; NaN without a prediction or for a flat channel.
    residual_uv : array of float
        Standard deviation of the channel minus that prediction (µV): what
        the channel carries that its neighbours do not; NaN without one.
    """

    std_uv: np.ndarray
    offset_uv: np.ndarray
    clipped: np.ndarray
    peak_uv: np.ndarray
    step_uv: np.ndarray
    line_ratio: np.ndarray
    muscle_uv: np.ndarray
    eye_uv: np.ndarray
    neighbour_r: np.ndarray
    residual_uv: np.ndarray


def detrend(x: np.ndarray) -> np.ndarray:
    """Remove each channel's least-squares line (offset and drift).

    Parameters
    ----------
    x : array of float, shape (n_channels, n_samples)

    Returns
    -------
    array of float64, shape (n_channels, n_samples)
    """
    n = x.shape[1]
    t = np.arange(n) - (n - 1) / 2.0
    mean = x.mean(axis=1, keepdims=True)
    slope = (x @ t)[:, None] / max(float(t @ t), 1.0)
    return x - mean - slope * t


def clipped_fraction(x: np.ndarray) -> np.ndarray:
    """Fraction of each channel's samples at its own maximum or minimum.

    A constant channel counts 1.0 (every sample at its extreme); the flat
    check tells it apart from a clipped one.
    """
    top = x.max(axis=1, keepdims=True)
    bottom = x.min(axis=1, keepdims=True)
    return ((x == top) | (x == bottom)).mean(axis=1)


def box_means(x: np.ndarray, length: int) -> np.ndarray:
    """Means of every run of ``length`` samples, shape (n_channels, n - length + 1)."""
    c = np.empty((x.shape[0], x.shape[1] + 1))
    c[:, 0] = 0.0
    np.cumsum(x, axis=1, out=c[:, 1:])
    return (c[:, length:] - c[:, :-length]) / length


def step_size(x: np.ndarray, sfreq: float) -> np.ndarray:
    """Largest jump between the means of two adjacent 50 ms boxes, in µV.

    A step of height h gives h; a 50 ms box averages out activity above
    20 Hz (its first zero), so muscle bursts barely count.
    """
    length = max(1, round(STEP_BOX_S * sfreq))
    if x.shape[1] < 2 * length:
        return np.zeros(x.shape[0])
    means = box_means(x, length)
    return np.abs(means[:, length:] - means[:, :-length]).max(axis=1)


def eye_amplitude(x: np.ndarray, sfreq: float) -> np.ndarray:
    """Peak-to-peak of 200 ms box means, in µV (slow frontal deflections)."""
    length = max(1, round(EYE_BOX_S * sfreq))
    if x.shape[1] <= length:
        return np.zeros(x.shape[0])
    means = box_means(x, length)
    return means.max(axis=1) - means.min(axis=1)


@functools.lru_cache(maxsize=8)
def _spectral_plan(
    n: int, sfreq: float
) -> tuple[np.ndarray, float, np.ndarray, tuple[np.ndarray, ...], np.ndarray, float]:
    """Return the window, scale and bins of :func:`spectral_measures` for ``n``."""
    window = np.hanning(n)
    scale = 2.0 / (sfreq * (window**2).sum())
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    df = freqs[1] - freqs[0]
    eeg = (freqs >= EEG_BAND[0]) & (freqs <= EEG_BAND[1])
    nyquist = sfreq / 2
    lines = []
    near_line = np.zeros(freqs.shape, dtype=bool)
    for f in LINE_FREQS_CHECKED:
        if f + 1 >= nyquist:
            continue
        lines.append(np.flatnonzero(np.abs(freqs - f) <= 1.0))
        near_line |= np.abs(freqs - f) <= 2.0
    top = min(MUSCLE_BAND[1], nyquist - 2.0)
    band = (freqs >= MUSCLE_BAND[0]) & (freqs <= top) & ~near_line
    width = top - MUSCLE_BAND[0] + df
    window.setflags(write=False)
    return window, scale, np.flatnonzero(eeg), tuple(lines), np.flatnonzero(band), width


def spectral_measures(x: np.ndarray, sfreq: float) -> tuple[np.ndarray, np.ndarray]:
    """Line-noise ratio (log10) and muscle-band RMS (µV) of detrended ``x``.

    Hann-windowed periodogram scaled to a one-sided power density (µV²/Hz).
    """
    window, scale, eeg, lines, band, width = _spectral_plan(x.shape[1], sfreq)
    spec = np.fft.rfft(x * window, axis=1)
    psd = (np.abs(spec) ** 2) * scale
    ref = psd[:, eeg].mean(axis=1) + 1e-12
    line = np.full(x.shape[0], -np.inf)
    for at in lines:
        line = np.maximum(line, np.log10(psd[:, at].max(axis=1) / ref + 1e-12))
    if not np.isfinite(line).any():
        line = np.zeros(x.shape[0])
    # Power density over the kept bins, times the whole band's width.
    muscle = np.sqrt(psd[:, band].mean(axis=1) * width)
    return line, muscle


def neighbour_agreement(
    x: np.ndarray, loo: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Correlation with, and residual (µV) from, each channel's prediction.

    Parameters
    ----------
    x : array of float, shape (n_channels, n_samples)
        Detrended EEG.
    loo : array of float, shape (n_channels, n_channels) | None
        Leave-one-out prediction weights
        (:func:`eegstream.splines.leave_one_out_weights`);
        ``None`` gives NaN.

    Returns
    -------
    r, residual_uv : array of float, shape (n_channels,)
    """
    if loo is None:
        nan = np.full(x.shape[0], np.nan)
        return nan, nan.copy()
    pred = loo @ x
    xc = x - x.mean(axis=1, keepdims=True)
    pc = pred - pred.mean(axis=1, keepdims=True)
    den = np.sqrt((xc * xc).sum(axis=1) * (pc * pc).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc * pc).sum(axis=1) / den
    return np.where(den > 0, r, np.nan), (x - pred).std(axis=1)


def segment_metrics(
    x: np.ndarray,
    sfreq: float,
    loo: np.ndarray | None = None,
    before: np.ndarray | None = None,
    detrended: np.ndarray | None = None,
) -> SegmentMetrics:
    """Measure one segment of every channel.

    Parameters
    ----------
    x : array of float, shape (n_channels, n_samples)
        The stream's channels in µV at its own rate ``sfreq`` (Hz), finite.
    sfreq : float
        Rate in Hz.
    loo : array of float, shape (n_channels, n_channels) | None
        Leave-one-out spherical-spline weights for ``neighbour_r``.
    before : array of float, shape (n_channels, n_before) | None
        The samples just before the segment (at least 50 ms): a step between
        two segments is then seen too.
    detrended : array of float, shape (n_channels, n_samples) | None
        ``detrend(x)`` when the caller has it already (it needs it again).

    Returns
    -------
    SegmentMetrics
    """
    x = np.asarray(x, dtype=np.float64)
    d = detrend(x) if detrended is None else detrended
    line, muscle = spectral_measures(d, sfreq)
    r, residual = neighbour_agreement(d, loo)
    joined = x if before is None else np.concatenate([before, x], axis=1)
    return SegmentMetrics(
        std_uv=d.std(axis=1),
        offset_uv=np.median(x, axis=1),
        clipped=clipped_fraction(x),
        peak_uv=np.abs(d).max(axis=1),
        step_uv=step_size(joined, sfreq),
        line_ratio=line,
        muscle_uv=muscle,
        eye_uv=eye_amplitude(d, sfreq),
        neighbour_r=r,
        residual_uv=residual,
    )
