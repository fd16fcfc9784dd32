"""The signal checks inside the live chain: bad channels marked, artifacts flagged.

:class:`ChainChecks` is what :class:`~eegstream.pipeline.LiveChain` runs
between its channel selection and its resampler when its checks are on
(:mod:`eegstream.quality`):

- **Bad channels**: every hop-long segment of the stream's own channels is
  measured after its offset and trend are removed (flat, railed, jumps, line
  noise, muscle, disagreement with the neighbours' spline prediction) and
  judged against absolute limits and the session's robust history. A
  channel bad in ``bad_after`` of its last ``bad_window`` segments is marked
  and from the next segment on interpolated from the good channels, like a
  missing one (:meth:`ChannelPlan.with_bad
  <eegstream.pipeline.ChannelPlan.with_bad>`); it is cleared after
  ``good_after`` good segments. When a channel's mark changes, its
  conditioning filter, DE window and Kalman filter start again (one NaN
  sample is passed for it, as for a non-finite sample, and its Kalman
  features restart), so neither what it showed while bad nor the switch
  reaches the model; its features read as the population mean (0) until its
  next full window. The channels the stream lacks restart with it (their
  interpolation weights change). More channels missing or bad than the
  checkpoint allows: the step is marked unreliable (and the channels
  interpolated all the same). Status and history survive gaps.
- **Artifacts**: muscle, movement and eye activity in any segment of a
  step's window is flagged on the step with the channels that showed it
  (:class:`~eegstream.quality.StepQuality`); the step is still computed.
  Segment boundaries are counted in stream samples since the last reset, so
  every verdict and flag is the same however the samples are chunked.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable

import numpy as np

from ..features.config import FeatureConfig
from ..quality import (
    ARTIFACT_KINDS,
    BAD_REASONS,
    ArtifactFlag,
    BadChannel,
    QualityMonitor,
    QualitySettings,
    SegmentVerdict,
    StepQuality,
)
from ..quality.steps import (
    MIN_GOOD_CHANNELS,
    covered_flags,
    covered_segments,
    segment_samples,
)
from .channels import ChannelPlan
from .results import StepResult

#: What the chain's feature path returns for samples: each result with its
#: window's end (output index since the last reset).
Feed = Callable[[np.ndarray, np.ndarray], list[tuple[StepResult, int]]]


class ChainChecks:
    """Judge a stream's segments, mark bad channels and record each step's quality.

    Parameters
    ----------
    plan : ChannelPlan
        How the stream's channels become the checkpoint's.
    sfreq : float
        The stream's rate in Hz (segments are judged at it).
    cfg : FeatureConfig
        The features served: a segment is one hop, a step's window ``window``.
    settings : QualitySettings
        Limits and history of the checks.
    max_missing : int
        Model channels the checkpoint allows interpolating; a step with more
        missing or bad is unreliable.
    last_input : callable
        ``last_input(output_index) -> input_index``: the resampler's newest
        input of an output sample (both counted since the last reset).
    listeners : list of callable
        Called with every :class:`~eegstream.quality.SegmentVerdict` as it is
        judged, oldest first (the chain's ``verdict_listeners``).

    Attributes
    ----------
    monitor : QualityMonitor
        The checks; ``monitor.marked`` are the taken channels marked bad now.
    active_plan : ChannelPlan
        ``plan`` with the channels marked bad.
    """

    def __init__(
        self,
        plan: ChannelPlan,
        sfreq: float,
        cfg: FeatureConfig,
        settings: QualitySettings,
        *,
        max_missing: int,
        last_input: Callable[[int], int | np.ndarray],
        listeners: list[Callable[[SegmentVerdict], None]],
    ) -> None:
        self.plan = plan
        self.sfreq = sfreq
        self.max_missing = max_missing
        self.listeners = listeners
        self._last_input = last_input
        self._segment = segment_samples(cfg.hop, cfg.sfreq, sfreq)
        # A step's window in stream samples.
        self._span = cfg.window / cfg.sfreq * sfreq
        self.monitor = QualityMonitor(plan.taken_names, sfreq, self._segment, settings)
        self.active_plan = plan
        self._verdicts: deque[SegmentVerdict] = deque(
            maxlen=int(np.ceil(cfg.window / cfg.hop)) + 2
        )

    def reset(self) -> None:
        """Start a new segment (after a gap); marks and history stay."""
        self.monitor.reset()
        self._verdicts.clear()

    def forget_wearer(self) -> None:
        """Forget the marks and the history: a new person, new electrodes."""
        self.monitor = QualityMonitor(
            self.plan.taken_names, self.sfreq, self._segment, self.monitor.settings
        )
        self.active_plan = self.plan

    def run(
        self,
        x: np.ndarray,
        stamps: np.ndarray,
        feed: Feed,
        restart: Callable[[np.ndarray], None],
    ) -> list[StepResult]:
        """Feed samples on in pieces ending at segment boundaries, judging each.

        Parameters
        ----------
        x : array of float64, shape (n_taken, n)
            The stream's taken channels, µV, non-finite values as NaN.
        stamps : array of float64, shape (2, n)
            Timestamps and arrival times.
        feed : callable
            The chain's feature path, fed each piece before it is judged.
        restart : callable
            ``restart(model_rows)``: the channels whose mark changed (and the
            missing ones) start again from the next sample.

        Returns
        -------
        list of StepResult
            Each with its :class:`~eegstream.quality.StepQuality`.
        """
        # Pieces end at segment boundaries, so that a status change applies
        # from the same sample however the stream is chunked.
        results: list[StepResult] = []
        start, n = 0, x.shape[1]
        while start < n:
            stop = start + min(n - start, self.monitor.to_boundary)
            piece = x[:, start:stop]
            steps = feed(piece, stamps[:, start:stop])
            verdict = self.monitor.push(piece)
            if verdict is not None:
                self._verdicts.append(verdict)
                for listener in self.listeners:
                    listener(verdict)
            if steps:  # most pieces complete no step
                results += [
                    dataclasses.replace(result, quality=self._step_quality(end))
                    for result, end in steps
                ]
            if verdict is not None and verdict.changed.any():
                rows = self._apply_marks(verdict)
                if rows is not None:
                    restart(rows)
            start = stop
        return results

    def _step_quality(self, end: int) -> StepQuality:
        """Return the checks' record of the step whose window ends at output ``end``.

        Flags: every judged segment that overlaps the window (in stream
        samples) and was complete when the window's last input arrived. Bad
        channels: those the window's newest samples were interpolated for.
        :meth:`run` calls it after judging the segment that the step's piece
        completed.
        """
        newest_input = int(self._last_input(end - 1))
        first, last_done = covered_segments(
            newest_input, self._span, self.monitor.segment
        )
        names = self.plan.taken_names
        flags = []
        seen = covered_flags(self._verdicts, first, last_done)
        if seen is not None:
            for kind, row in zip(ARTIFACT_KINDS, seen, strict=True):
                if row.any():
                    flags.append(
                        ArtifactFlag(kind, tuple(names[i] for i in np.flatnonzero(row)))
                    )
        reasons = self.monitor.last_reasons
        bad = tuple(
            BadChannel(
                names[i],
                tuple(r for b, r in enumerate(BAD_REASONS) if reasons[i] >> b & 1),
            )
            for i in self.active_plan.bad
        )
        n_out = len(self.plan.missing) + self.active_plan.bad_model_index.size
        allowed = self.max_missing
        note = None
        if n_out > allowed:
            note = (
                f"{n_out} of the model's channels missing or bad, the checkpoint "
                f"allows interpolating {allowed}"
            )
        return StepQuality(bad, tuple(flags), note is None, note)

    def _apply_marks(self, verdict: SegmentVerdict) -> np.ndarray | None:
        """Interpolate the channels marked bad; return the model rows to restart.

        None when too few good channels would be left to interpolate from:
        the plan is kept.
        """
        bad = tuple(int(i) for i in np.flatnonzero(verdict.marked))
        if self.plan.n_present - len(bad) < MIN_GOOD_CHANNELS:
            return None
        self.active_plan = self.plan.with_bad(bad)
        changed = np.flatnonzero(verdict.changed)
        rows = self.plan.present[changed[changed < self.plan.present.size]]
        # The missing channels' weights changed too: a railed channel may
        # have been part of their interpolation.
        return np.union1d(rows, self.plan.missing_index).astype(int)
