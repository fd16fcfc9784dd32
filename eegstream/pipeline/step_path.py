"""The chain's path from a stream's channels in µV to stamped steps.

::

    the stream's taken channels, µV, non-finite values as NaN, with stamps
      ─► signal checks per hop-long segment (ChainChecks, when on)
      ─► causal resampling to the checkpoint's rate (timestamps carried)
      ─► interpolate missing and bad channels
      ─► StreamingClassifier (DE, Kalman, normaliser, sequence, model)
      ─► one StepResult per hop, stamped, with its StepQuality

:class:`StepPath` is :class:`~eegstream.pipeline.LiveChain`'s, after the
chain has decided the unit and selected and scaled the channels. A NaN
sample (a non-finite one, or a restart) gives a window NaN DE for the
affected channels; the Kalman filter skips non-finite observations, the
normaliser does not count them and the sequence carries 0 (the mean) for
them, so the state is never poisoned and the next clean window is exact
again. Through the resampler a NaN affects at most one filter length (about
0.1 s) of output; the conditioning filter passes it as NaN and restarts that
channel's state from its next finite sample, as after a gap.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._errors import EEGStreamError
from ..features.config import FeatureConfig
from ..model import StreamingClassifier
from ..quality import QualitySettings, SegmentVerdict
from .chain_checks import ChainChecks
from .channels import ChannelPlan
from .resample import StreamingResampler
from .results import StepResult


class StepPath:
    """Resample, interpolate and classify a stream's channels: a result per hop.

    Parameters
    ----------
    plan : ChannelPlan
        How the stream's channels become the checkpoint's.
    sfreq : float
        The stream's rate in Hz.
    resampler : StreamingResampler
        From ``sfreq`` to the checkpoint's rate, for the present channels.
    cfg : FeatureConfig
        The features served (the model's rate, window, hop and bands).
    classes : tuple of str
        The class names stamped on the results.
    checks : QualitySettings | None
        The signal checks' settings; None: no checks.
    max_missing : int
        Model channels the checkpoint allows interpolating.
    listeners : list of callable
        Called with every :class:`~eegstream.quality.SegmentVerdict` as it is
        judged (the chain's ``verdict_listeners``).
    clock : callable | None
        The clock of the arrival times (seconds); gives ``latency_s``.

    Attributes
    ----------
    checks : ChainChecks | None
    defer : bool
        Leave the model call out: each result's probabilities are NaN and
        its sequence and arrival go to :attr:`ready`.
    ready : list of (array, float)
        With ``defer``: the model input (seq_len, n_features) and the
        arrival of the window's last sample of each step, oldest first.
    notes : list of str
        What ASR said since the caller last emptied it.
    """

    def __init__(
        self,
        plan: ChannelPlan,
        sfreq: float,
        resampler: StreamingResampler,
        cfg: FeatureConfig,
        classes: tuple[str, ...],
        *,
        checks: QualitySettings | None,
        max_missing: int,
        listeners: list[Callable[[SegmentVerdict], None]],
        clock: Callable[[], float] | None,
    ) -> None:
        self.plan = plan
        self.classes = classes
        self.clock = clock
        self.resampler = resampler
        self.checks = None
        if checks is not None:
            self.checks = ChainChecks(
                plan,
                sfreq,
                cfg,
                checks,
                max_missing=max_missing,
                last_input=self.resampler.last_input,
                listeners=listeners,
            )
        self._window = cfg.window
        self._n_bands = len(cfg.bands)
        self.defer = False
        self.ready: list[tuple[np.ndarray, float]] = []
        self.notes: list[str] = []
        self.reset()

    @property
    def active_plan(self) -> ChannelPlan:
        """``plan`` with the channels marked bad."""
        return self.plan if self.checks is None else self.checks.active_plan

    def reset(self) -> None:
        """Start a new segment: resampler, checks' segment and stamps start again."""
        self.resampler.reset()
        if self.checks is not None:
            self.checks.reset()
        # Model rows to restart (one NaN sample) at the next output, on a change.
        self._restart_rows = np.empty(0, dtype=int)
        # Stamps (timestamp, arrival) of the segment's newest outputs, oldest first.
        self._stamps = np.empty((2, 0))

    def push(
        self, x: np.ndarray, stamps: np.ndarray, classifier: StreamingClassifier
    ) -> list[StepResult]:
        """Add samples of the taken channels; return a result per completed hop.

        Parameters
        ----------
        x : array of float64, shape (n_taken, n)
            µV, non-finite values as NaN.
        stamps : array of float64, shape (2, n)
            Timestamps and arrival times (:func:`checked_block`).
        classifier : StreamingClassifier
            The model running now.
        """
        if self.checks is None:
            return [result for result, _ in self._feed(x, stamps, classifier)]
        return self.checks.run(
            x,
            stamps,
            lambda piece, piece_stamps: self._feed(piece, piece_stamps, classifier),
            lambda rows: self._restart(rows, classifier),
        )

    def _restart(self, rows: np.ndarray, classifier: StreamingClassifier) -> None:
        """Restart model rows: one NaN sample at the next output, their Kalman."""
        self._restart_rows = np.union1d(self._restart_rows, rows).astype(int)
        n_bands = self._n_bands
        features = (rows[:, None] * n_bands + np.arange(n_bands)).ravel()
        classifier.features.kalman.restart(features)

    def _feed(
        self, x: np.ndarray, stamps: np.ndarray, classifier: StreamingClassifier
    ) -> list[tuple[StepResult, int]]:
        """Resample, expand and classify samples: a result per completed hop.

        Each result comes with its window's end (output index since the last
        reset); its ``quality`` is left for the checks to attach.
        """
        y, out_stamps = self.resampler.push_stamped(x, stamps)
        if not y.shape[1]:
            return []
        self._stamps = np.concatenate([self._stamps, out_stamps], axis=1)
        y = self.active_plan.expand(y)
        if self._restart_rows.size:
            y = y.copy()  # rare; never write into the caller's samples
            y[self._restart_rows, 0] = np.nan
            self._restart_rows = np.empty(0, dtype=int)
        if self.defer:
            nan = np.full(len(self.classes), np.nan)
            steps = [(step, nan) for step in classifier.features.push(y)]
        else:
            steps = classifier.push(y)
        asr = classifier.features.asr
        if asr is not None and asr.messages:
            self.notes += asr.messages
            asr.messages.clear()
        if not steps:
            return []
        now = self.clock() if self.clock is not None else np.nan
        # Output index of self._stamps[:, 0] (outputs counted since the last reset).
        base = self.resampler.n_out - self._stamps.shape[1]
        window = self._window
        results = []
        for step, probs in steps:
            last = self._stamps[:, step.end - 1 - base]
            if self.defer:
                self.ready.append((step.sequence, float(last[1])))
            results.append(
                (
                    StepResult(
                        timestamp=float(last[0]),
                        probabilities=probs,
                        classes=self.classes,
                        band_power=step.de,
                        latency_s=float(now - last[1]),
                        warm=bool(step.warm),
                        window_start=float(self._stamps[0, step.end - window - base]),
                    ),
                    step.end,
                )
            )
        self._stamps = self._stamps[:, -window:]
        return results


def checked_block(
    data: np.ndarray,
    timestamps: np.ndarray,
    arrival: np.ndarray | None,
    n_channels: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Check a block of a stream's samples; stack its stamps.

    Parameters
    ----------
    data : array of float, shape (n_channels, n)
        Samples of the stream's own channels.
    timestamps, arrival : array of float, shape (n,)
        Each sample's timestamp and arrival time (``arrival`` None: NaN).
    n_channels : int
        The stream's channels.

    Returns
    -------
    data : array of float64, shape (n_channels, n)
    stamps : array of float64, shape (2, n)
        Timestamps and arrival times.
    """
    data = np.asarray(data, dtype=np.float64)
    if data.ndim != 2 or data.shape[0] != n_channels:
        raise EEGStreamError(
            f"data must have shape ({n_channels}, n_samples) "
            f"(the stream's channels), got {data.shape}"
        )
    n = data.shape[1]
    stamps = np.full((2, n), np.nan)
    for row, values, name in ((0, timestamps, "timestamps"), (1, arrival, "arrival")):
        if values is None:
            continue
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (n,):
            raise EEGStreamError(
                f"{name} must have one value per sample, shape ({n},), got "
                f"{values.shape}"
            )
        stamps[row] = values
    return data, stamps
