"""Judge each segment of a stream and keep each channel's bad/good status.

:class:`QualityMonitor` has no thread and no LSL: the live chain pushes the
stream's own samples (µV, its own rate) into it, and every ``segment``
samples it measures the segment (:func:`~eegstream.quality.metrics.segment_metrics`),
judges each channel against absolute limits and the session's own robust
history (:class:`~eegstream.quality.settings.QualitySettings`), and updates
each channel's status with hysteresis. All of it is vectorised over channels.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..montage import SEED_CHANNELS
from ..splines import interpolation_weights, leave_one_out_weights
from .metrics import (
    STEP_BOX_S,
    SegmentMetrics,
    detrend,
    neighbour_agreement,
    segment_metrics,
)
from .record import ARTIFACT_KINDS, BAD_REASONS
from .settings import QualitySettings

#: Frontal channels whose slow deflections are blinks and saccades (SEED names).
FRONTAL = ("FP1", "FPZ", "FP2", "AF3", "AF4", "AF7", "AF8")
#: Measures judged against the session's robust history (higher is worse).
_ROBUST = ("step_uv", "line_ratio", "muscle_uv", "residual_uv", "eye_uv")
_MAD_TO_SD = 1.4826
#: Measures that depend on the other channels (the spline prediction).
_FROM_NEIGHBOURS = ("residual_uv",)


@functools.lru_cache(maxsize=32)
def _prediction_weights(
    channels: tuple[str, ...], usable: tuple[bool, ...]
) -> np.ndarray:
    """Each channel's prediction from the usable others, shape (n, n), cached."""
    use = np.flatnonzero(usable)
    rest = np.flatnonzero(~np.array(usable))
    weights = np.zeros((len(channels), len(channels)))
    weights[np.ix_(use, use)] = leave_one_out_weights(tuple(channels[i] for i in use))
    if rest.size:
        seed = np.array([SEED_CHANNELS.index(c) for c in channels])
        weights[np.ix_(rest, use)] = interpolation_weights(seed[use], seed[rest])
    weights.setflags(write=False)
    return weights


def nanmedian_columns(a: np.ndarray) -> np.ndarray:
    """Median of each column ignoring NaN: :func:`numpy.nanmedian` (axis 0), exactly.

    One sort of the columns instead of numpy's masked-array path, which cost
    most of a segment's checks (issue 25).

    Parameters
    ----------
    a : array of float, shape (n_rows, n_columns)

    Returns
    -------
    array of float, shape (n_columns,)
        NaN for a column without a number.
    """
    ordered = np.sort(a, axis=0)  # NaN last
    count = (~np.isnan(a)).sum(axis=0)
    low = np.maximum(count - 1, 0) // 2
    high = count // 2
    pick = np.take_along_axis(ordered, np.stack([low, high]), axis=0)
    with np.errstate(invalid="ignore"):
        median = (pick[0] + pick[1]) / 2
    return np.where(count > 0, median, np.nan)


def _middle(values: np.ndarray) -> float:
    """Median of 1-D ``values`` without NaN: :func:`numpy.median`, exactly.

    One partition, without numpy's NaN pass (half the time: issue 25).
    """
    half = values.size // 2
    if values.size % 2:
        return float(np.partition(values, half)[half])
    part = np.partition(values, (half - 1, half))
    return float((part[half - 1] + part[half]) / 2)


def _median_and_spread(values: np.ndarray) -> tuple[float, float]:
    """Median of 1-D ``values`` (no NaN) and 1.4826 x their MAD; NaN for none."""
    if not values.size:
        return float("nan"), float("nan")
    median = _middle(values)
    if not np.isfinite(median):  # half of them infinite: no spread
        return median, float("nan")
    return median, _MAD_TO_SD * _middle(np.abs(values - median))


@dataclass(frozen=True)
class SegmentVerdict:
    """The judgement of one segment.

    Attributes
    ----------
    index : int
        The segment's number since the last reset (its samples are
        ``index * segment`` to ``(index + 1) * segment - 1``).
    metrics : SegmentMetrics
    reasons : array of int, shape (n_channels,)
        Bit ``i`` set: the segment showed ``BAD_REASONS[i]``.
    flags : array of bool, shape (len(ARTIFACT_KINDS), n_channels)
        Artifacts of each kind per channel (channels marked bad left out).
    marked : array of bool, shape (n_channels,)
        Channels marked bad after this segment.
    changed : array of bool, shape (n_channels,)
        Channels whose mark this segment set or cleared.
    """

    index: int
    metrics: SegmentMetrics
    reasons: np.ndarray
    flags: np.ndarray
    marked: np.ndarray
    changed: np.ndarray


class QualityMonitor:
    """Measure, judge and track the channels of one stream.

    Parameters
    ----------
    channels : sequence of str
        SEED names of the channels pushed, in their order.
    sfreq : float
        Their rate in Hz.
    segment : int
        Samples per judged segment (the chain uses one feature hop).
    settings : QualitySettings | None
        Limits and hysteresis (defaults when ``None``).

    Attributes
    ----------
    marked : array of bool, shape (n_channels,)
        Channels marked bad now.
    last_reasons : array of int, shape (n_channels,)
        Reason bits of each channel's latest bad segment.
    """

    def __init__(
        self,
        channels: Sequence[str],
        sfreq: float,
        segment: int,
        settings: QualitySettings | None = None,
    ) -> None:
        self.channels = tuple(channels)
        self.sfreq = float(sfreq)
        self.segment = int(segment)
        self.settings = settings if settings is not None else QualitySettings()
        n = len(self.channels)
        self._frontal = np.array([c in FRONTAL for c in self.channels])
        s = self.settings
        self._history_len = max(1, round(s.history_s * self.sfreq / self.segment))
        self._min_history = round(s.min_history_s * self.sfreq / self.segment)
        self._tail = max(1, round(STEP_BOX_S * self.sfreq))
        self._buf = np.empty((n, self.segment))
        self.marked = np.zeros(n, dtype=bool)
        self.last_reasons = np.zeros(n, dtype=np.int64)
        self._recent = np.zeros(n, dtype=np.int64)  # bit per segment, newest lowest
        self._good_run = np.zeros(n, dtype=np.int64)
        self._history = {m: np.full((self._history_len, n), np.nan) for m in _ROBUST}
        self._n_history = 0
        self._history_row = 0
        self.reset()

    def reset(self) -> None:
        """Start counting segments again (after a gap); status and history stay."""
        self._fill = 0
        self._before: np.ndarray | None = None
        self.n_segments = 0

    @property
    def to_boundary(self) -> int:
        """Samples still needed to complete the current segment."""
        return self.segment - self._fill

    def push(self, x: np.ndarray) -> SegmentVerdict | None:
        """Add samples; judge the segment they complete.

        Parameters
        ----------
        x : array of float, shape (n_channels, n)
            At most :attr:`to_boundary` samples, µV; non-finite samples make
            that channel's segment unjudged (neither bad nor good).

        Returns
        -------
        SegmentVerdict | None
            When ``x`` completes a segment.
        """
        n = x.shape[1]
        assert n <= self.to_boundary, "sanity check: a push crosses a segment"
        self._buf[:, self._fill : self._fill + n] = x
        self._fill += n
        if self._fill < self.segment:
            return None
        seg = self._buf
        known = np.asarray(np.isfinite(seg).all(axis=1))
        if not known.all():
            seg = np.where(known[:, None], seg, 0.0)
        d = detrend(seg)
        metrics = segment_metrics(seg, self.sfreq, None, self._before, d)
        self._before = seg[:, -self._tail :].copy()
        verdict = self._judge(d, metrics, known)
        self._fill = 0
        self.n_segments += 1
        return verdict

    def _agreement(
        self, d: np.ndarray, m: SegmentMetrics, usable: np.ndarray
    ) -> SegmentMetrics:
        """Neighbour agreement, every channel predicted from the usable ones.

        Channels marked bad, flat, railed or full of muscle activity would
        spoil their neighbours' predictions, so they are left out of them;
        each usable channel is predicted from the other usable ones (leave
        one out), every other channel from all usable ones. ``d``: the
        detrended segment.
        """
        if usable.sum() < 4:
            return m
        weights = _prediction_weights(self.channels, tuple(usable.tolist()))
        r, residual = neighbour_agreement(d, weights)
        return m._replace(neighbour_r=r, residual_uv=residual)

    def _exceeds(self, name: str, values: np.ndarray, limit: float) -> np.ndarray:
        """Beyond the absolute limit and unusual for this channel in this session.

        Unusual: more than ``z_limit`` robust SDs (1.4826 x MAD) above the
        median of the channel's own history (its good segments only,
        :meth:`_remember`). A channel with too little history of its own, or
        whose own median is itself beyond the limit (a fault present from the
        first second, such as mains hum on one electrode, would otherwise
        become its baseline), is held against all channels' history; not so
        for measures made from the neighbours (a faulty electrode raises its
        neighbours' residual until it is marked and left out). Before
        ``min_history_s`` nothing is unusual yet.
        """
        over = values > limit
        if self._n_history < max(self._min_history, 1):
            return np.zeros_like(over)  # still learning the session's baseline
        if not over.any():
            return over
        past = self._history[name][: self._n_history]
        # Only the channels beyond the limit can be unusual: their columns alone.
        cols = np.flatnonzero(over)
        own_past = past[:, cols]
        median = nanmedian_columns(own_past)
        spread = _MAD_TO_SD * nanmedian_columns(np.abs(own_past - median))
        own = np.isfinite(own_past).sum(axis=0) >= max(self._min_history, 1)
        if name not in _FROM_NEIGHBOURS:
            own &= median <= limit
        # The pooled history (two medians of every value, the most costly part)
        # only when a channel needs it, or when an infinite value in the
        # history could make its median infinite (then nothing is judged).
        if not own.all() or np.isinf(past).any():
            pooled, pooled_spread = _median_and_spread(past[~np.isnan(past)])
            if not np.isfinite(pooled):
                return over
            median = np.where(own, median, pooled)
            spread = np.where(own, spread, pooled_spread)
        threshold = median + self.settings.z_limit * np.maximum(spread, 1e-9)
        unusual = over.copy()
        unusual[cols] = ~(values[cols] <= threshold)
        return unusual

    def _judge(
        self, d: np.ndarray, m: SegmentMetrics, known: np.ndarray
    ) -> SegmentVerdict:
        s = self.settings
        n = known.size
        flat = m.std_uv < s.flat_uv
        peak = m.peak_uv > s.peak_uv
        railed = (np.abs(m.offset_uv) >= s.railed_uv) | (
            ~flat & (m.clipped >= s.clipped_fraction)
        )
        jumps = self._exceeds("step_uv", m.step_uv, s.step_uv) & ~flat
        line = self._exceeds("line_ratio", m.line_ratio, s.line_ratio) & ~flat
        muscle = self._exceeds("muscle_uv", m.muscle_uv, s.muscle_uv) & ~flat
        usable = known & ~self.marked & ~flat & ~railed & ~peak & ~muscle
        m = self._agreement(d, m, usable)
        noisy = self._exceeds("residual_uv", m.residual_uv, s.residual_uv) & ~flat
        # Only frontal channels show blinks: judge their columns alone.
        frontal_uv = np.where(self._frontal, m.eye_uv, -np.inf)
        frontal_eye = self._frontal & self._exceeds("eye_uv", frontal_uv, s.eye_uv)
        # A blink is a large, slow frontal deflection: no electrode fault.
        jumps, noisy, peak = (
            jumps & ~frontal_eye,
            noisy & ~frontal_eye,
            peak & ~frontal_eye,
        )
        # Many channels jumping at once: the head moved, the electrodes are fine.
        moving = (jumps | peak) & known & ~self.marked
        movement = moving.sum() >= max(1, s.movement_fraction * n)
        if movement:
            jumps, peak = np.zeros_like(jumps), np.zeros_like(peak)
        # Muscle over several sites: an artifact, not bad electrodes.
        group = muscle & known & ~self.marked
        if group.sum() >= s.muscle_min_channels:
            noisy = noisy & ~muscle
        bits = np.stack([flat, railed | peak, jumps, line, noisy]) & known
        reasons = (bits * (1 << np.arange(len(BAD_REASONS)))[:, None]).sum(axis=0)
        flags = np.zeros((len(ARTIFACT_KINDS), n), dtype=bool)
        flags[0] = (
            muscle & known & ~self.marked & (group.sum() >= s.muscle_min_channels)
        )
        flags[1] = moving if movement else (jumps & known & ~self.marked)
        flags[2] = frontal_eye & known & ~self.marked
        # Blinks are part of a person's baseline; muscle and movement are not.
        self._remember(m, (reasons == 0) & ~flags[0] & ~flags[1])
        changed = self._track(reasons, known)
        return SegmentVerdict(
            self.n_segments, m, reasons, flags, self.marked.copy(), changed
        )

    def _track(self, reasons: np.ndarray, known: np.ndarray) -> np.ndarray:
        """Hysteresis: mark after bad_after of bad_window, clear after good_after."""
        s = self.settings
        bad = reasons != 0
        window = (1 << s.bad_window) - 1
        self._recent = np.where(
            known, ((self._recent << 1) | bad) & window, self._recent
        )
        self._good_run = np.where(bad, 0, self._good_run + (known & ~bad))
        self.last_reasons = np.where(bad, reasons, self.last_reasons)
        count = np.zeros_like(self._recent)
        for bit in range(s.bad_window):  # a few bits, not channels
            count += (self._recent >> bit) & 1
        mark = ~self.marked & (count >= s.bad_after)
        clear = self.marked & (self._good_run >= s.good_after)
        self._recent = np.where(clear, 0, self._recent)
        changed = mark | clear
        self.marked = self.marked ^ changed
        return changed

    def _remember(self, m: SegmentMetrics, good: np.ndarray) -> None:
        # Only a channel's good segments while not marked: neither a lasting
        # fault nor an artifact becomes the baseline it is judged against.
        keep = good & ~self.marked
        for name in _ROBUST:
            row = np.where(keep, getattr(m, name), np.nan)
            self._history[name][self._history_row] = row
        self._history_row = (self._history_row + 1) % self._history_len
        self._n_history = min(self._n_history + 1, self._history_len)
