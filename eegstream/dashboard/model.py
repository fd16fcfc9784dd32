"""The dashboard's data, kept Qt-free: what a timer drains from a LivePipeline.

The widgets only draw what this model holds, and the model only reads what the
pipeline publishes (its subscriber queue, ``health()`` and ``eeg_snapshot()``),
so the dashboard never computes a feature or a prediction of its own.
"""

from __future__ import annotations

import queue
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .._errors import EEGStreamError
from ..features.config import BAND_NAMES
from ..montage import N_CHANNELS, SEED_CHANNELS

if TYPE_CHECKING:
    from ..pipeline import ChannelPlan, Health, LivePipeline, StepResult

#: Channels drawn as traces by default: frontal, temporal, central, occipital pairs.
DEFAULT_TRACES: tuple[str, ...] = ("FP1", "FP2", "F7", "F8", "T7", "T8", "O1", "O2")


def default_traces(channels: Sequence[str]) -> tuple[str, ...]:
    """Trace channels for a model: the default ones it has, else its first eight."""
    chosen = tuple(ch for ch in DEFAULT_TRACES if ch in channels)
    return chosen if len(chosen) >= 4 else tuple(channels[:8])


@dataclass(frozen=True)
class Segment:
    """A run of equal labels in the history, ``start`` to ``end`` in LSL seconds."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class Changes:
    """What one :meth:`DashboardModel.update` changed, so views redraw only that."""

    steps: int = 0
    eeg: bool = False
    health: bool = False
    channels: bool = False  # channels marked bad or cleared (rare)

    def __bool__(self) -> bool:
        return bool(self.steps or self.eeg or self.health or self.channels)


def finite_mean(values: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    """Mean over ``axis`` of the finite values; NaN (no warning) where none are."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.mean(values, axis=axis, where=np.isfinite(values), keepdims=keepdims)


class _Rows:
    """A fixed-capacity table of the newest rows, oldest first (preallocated)."""

    def __init__(self, capacity: int, width: int) -> None:
        self._data = np.full((capacity, width), np.nan)
        self.n = 0

    def append(self, row: ArrayLike) -> None:
        if self.n == len(self._data):
            # Shift by a quarter at once so a full table costs one copy per
            # capacity/4 rows, not one per row.
            keep = len(self._data) - len(self._data) // 4
            self._data[:keep] = self._data[-keep:]
            self.n = keep
        self._data[self.n] = row
        self.n += 1

    @property
    def array(self) -> np.ndarray:
        return self._data[: self.n]


class DashboardModel:
    """Plain state of the dashboard, updated from a pipeline by :meth:`update`.

    Parameters
    ----------
    classes : sequence of str
        The model's class names in id order.
    history_s : float
        How much probability and band-power history to keep, in seconds.
    eeg_s : float
        Length of the EEG traces, in seconds.
    trace_channels : sequence of str
        SEED channel names drawn as traces, top to bottom.
    seq_len : int | None
        Steps the classifier needs before it is warm (calibration progress);
        ``None`` when unknown.
    band_names : sequence of str
        The checkpoint's bands, low first (``FeatureConfig.band_names``).

    Attributes
    ----------
    latest : StepResult | None
        The newest step drained from the pipeline.
    health : Health | None
        The newest health snapshot.
    eeg_times : array of float, shape (n_samples,)
        LSL timestamps of the EEG traces, in seconds.
    eeg : array of float, shape (n_traces, n_samples)
        EEG traces in µV; NaN rows for channels the stream lacks.
    topo : array of float, shape (n_model_channels, n_bands) | None
        DE per model channel and band of the newest step (the scalp map).
    bad : dict of str to str
        Channels the signal checks mark bad in the newest step (SEED name ->
        reasons, e.g. ``"flat"``); they are interpolated.
    signal : str
        The newest step's signal in one line for the status bar: ``2 bad: O1
        flat, T7 noisy``, ``ok``, ``checks off``; ``""`` before the first step.
    """

    def __init__(
        self,
        classes: Sequence[str],
        *,
        history_s: float = 180.0,
        eeg_s: float = 5.0,
        trace_channels: Sequence[str] = DEFAULT_TRACES,
        seq_len: int | None = None,
        band_names: Sequence[str] = BAND_NAMES,
    ) -> None:
        if not classes:
            raise EEGStreamError(
                "the dashboard needs the model's class names, got none"
            )
        unknown = [ch for ch in trace_channels if ch.upper() not in SEED_CHANNELS]
        if unknown:
            raise EEGStreamError(
                f"trace channels {unknown} are not SEED channels; use names such as "
                f"{', '.join(DEFAULT_TRACES)}"
            )
        self.classes = tuple(classes)
        self.history_s = float(history_s)
        self.eeg_s = float(eeg_s)
        self.trace_channels = tuple(ch.upper() for ch in trace_channels)
        self.trace_index = np.array(
            [SEED_CHANNELS.index(ch) for ch in self.trace_channels]
        )
        self.seq_len = seq_len
        self.band_names = tuple(band_names)
        # Room for the history at hops down to 0.25 s.
        capacity = int(4 * self.history_s) + 16
        self._times = _Rows(capacity, 1)
        self._probs = _Rows(capacity, len(self.classes))
        self._bands = _Rows(capacity, len(self.band_names))
        self._true: list[str | None] = []
        self._top: list[int] = []
        self.latest: StepResult | None = None
        self.health: Health | None = None
        self.topo: np.ndarray | None = None
        self.bad: dict[str, str] = {}
        self.signal = ""
        self.eeg_times = np.zeros(0)
        self.eeg = np.zeros((len(self.trace_channels), 0))
        self.steps_total = 0
        self.cold_steps = 0
        self.errors: list[str] = []
        self._rows_key: tuple | None = None
        self._rows = np.zeros(0, dtype=int)
        self._pipeline: Any = None
        self._queue: queue.Queue | None = None

    # -- feeding ---------------------------------------------------------
    def attach(self, pipeline: LivePipeline) -> DashboardModel:
        """Subscribe to ``pipeline``; :meth:`update` then reads from it."""
        self._pipeline = pipeline
        self._queue = pipeline.subscribe()
        return self

    def update(self, max_steps: int = 1000) -> Changes:
        """Drain the pipeline's queue and read its health and EEG; never blocks.

        While the stream is lost the EEG traces are not refreshed, so the
        plots stay frozen on the last data until it returns.

        Parameters
        ----------
        max_steps : int
            Most steps taken in one call (the rest wait for the next).

        Returns
        -------
        Changes
            What changed.
        """
        if self._pipeline is None or self._queue is None:
            raise EEGStreamError(
                "DashboardModel.update() needs a pipeline: call attach() first"
            )
        steps: list[StepResult] = []
        while len(steps) < max_steps:
            try:
                steps.append(self._queue.get_nowait())
            except queue.Empty:
                break
        bad = self.bad
        n = self.ingest(steps)
        health = self._pipeline.health()
        health_changed = health != self.health
        self.set_health(health)
        eeg = False
        if not self.frozen:
            times, data = self._pipeline.eeg_snapshot(self.eeg_s)
            if len(times) and (
                not len(self.eeg_times) or times[-1] != self.eeg_times[-1]
            ):
                self.set_eeg(times, data, self._pipeline.plan)
                eeg = True
        return Changes(
            steps=n, eeg=eeg, health=health_changed, channels=self.bad != bad
        )

    def ingest(self, steps: Iterable[StepResult]) -> int:
        """Add pipeline steps (oldest first) to the history; return how many."""
        n = 0
        for step in steps:
            probs = np.asarray(step.probabilities, dtype=float)
            if probs.shape != (len(self.classes),):
                raise EEGStreamError(
                    f"step has {probs.shape} probabilities for the model's "
                    f"{len(self.classes)} classes {self.classes}"
                )
            band_power = np.asarray(step.band_power, dtype=float)
            self._times.append([step.timestamp])
            self._probs.append(probs)
            self._bands.append(
                finite_mean(band_power, axis=0) if band_power.size else np.nan
            )
            self._true.append(step.true_label)
            self._top.append(int(np.argmax(probs)))
            del self._true[: len(self._true) - self._times.n]
            del self._top[: len(self._top) - self._times.n]
            self.topo = band_power
            self.cold_steps = 0 if step.warm else self.cold_steps + 1
            self.latest = step
            self.steps_total += 1
            n += 1
        if n:
            self._read_quality(self.latest)
        return n

    def _read_quality(self, step: StepResult | None) -> None:
        """Keep the newest step's bad channels and its signal line."""
        q = None if step is None else step.quality
        bad = {} if q is None else {b.name: "/".join(b.reasons) for b in q.bad}
        if bad != self.bad:
            self.bad = bad
        self.signal = "checks off" if q is None else q.summary()

    def set_health(self, health: Health) -> None:
        """Keep the newest health; remember each new pipeline error once."""
        self.health = health
        if health.error and (not self.errors or self.errors[-1] != health.error):
            self.errors.append(health.error)

    def set_eeg(
        self, times: np.ndarray, data: np.ndarray, plan: ChannelPlan | None = None
    ) -> None:
        """Keep the traces' channels of an EEG snapshot.

        Parameters
        ----------
        times : array of float, shape (n_samples,)
            LSL timestamps in seconds.
        data : array of float, shape (n_stream_channels, n_samples)
            EEG in µV as the stream has it.
        plan : ChannelPlan | None
            The pipeline's channel plan (which stream row is which SEED
            channel); ``None``: the rows are the SEED channels in order.
        """
        data = np.asarray(data, dtype=float)
        rows = self._trace_rows(plan, len(data))
        out = np.full((len(rows), data.shape[1]), np.nan)
        present = rows >= 0
        out[present] = data[rows[present]]
        self.eeg_times = np.asarray(times, dtype=float)
        self.eeg = out

    def _trace_rows(self, plan: ChannelPlan | None, n_rows: int) -> np.ndarray:
        """Row of each trace channel in the stream (-1: the stream lacks it); cached."""
        cached = self._rows_key
        if cached is None or cached[0] is not plan or cached[1] != n_rows:
            seed_rows = np.full(N_CHANNELS, -1)
            if plan is None:
                n = min(n_rows, N_CHANNELS)
                seed_rows[:n] = np.arange(n)
            else:  # the model's channels the stream carries (a subset: its own)
                model_rows = np.array([SEED_CHANNELS.index(c) for c in plan.channels])
                seed_rows[model_rows[plan.present]] = plan.source[: plan.present.size]
            self._rows = seed_rows[self.trace_index]
            self._rows_key = (plan, n_rows)
        return self._rows

    # -- reading ---------------------------------------------------------
    @property
    def frozen(self) -> bool:
        """Whether the stream is lost (plots hold their last data)."""
        return self.health is not None and self.health.state == "lost"

    @property
    def now(self) -> float | None:
        """LSL time of the newest step, the right edge of the history plots."""
        return float(self._times.array[-1, 0]) if self._times.n else None

    @property
    def probabilities(self) -> np.ndarray | None:
        """The newest class probabilities (n_classes,); None before the first step."""
        return (
            None
            if self.latest is None
            else np.asarray(self.latest.probabilities, float)
        )

    @property
    def top_class(self) -> str | None:
        """Name of the most probable class of the newest step."""
        probs = self.probabilities
        return None if probs is None else self.classes[int(np.argmax(probs))]

    def history(self) -> tuple[np.ndarray, np.ndarray]:
        """Probability history within ``history_s`` of the newest step.

        Returns
        -------
        times : array of float, shape (n_steps,)
            Seconds relative to the newest step (<= 0).
        probabilities : array of float, shape (n_steps, n_classes)
        """
        keep = self._recent()
        return self._relative_times(keep), self._probs.array[keep]

    def band_history(self) -> tuple[np.ndarray, np.ndarray]:
        """Channel-mean DE per band within ``history_s``: times (n,), (n, n_bands)."""
        keep = self._recent()
        return self._relative_times(keep), self._bands.array[keep]

    def true_segments(self) -> list[Segment]:
        """Return runs of the replay's true label (unlabelled steps left out)."""
        return self._segments(self._true)

    def predicted_segments(self) -> list[Segment]:
        """Return runs of the predicted top class, relative times."""
        return self._segments([self.classes[i] for i in self._top])

    @property
    def calibration(self) -> str:
        """Human-readable state: a live calibration under way, else the warm-up."""
        if self.health is not None and self.health.calibration is not None:
            return f"calibrating for the wearer: {self.health.calibration}"
        if self.latest is None:
            return "waiting for data"
        if self.latest.warm:
            return "calibrated"
        total = f"/{self.seq_len}" if self.seq_len else ""
        return f"warming up {self.cold_steps}{total} steps"

    def _recent(self) -> slice:
        now = self.now
        if now is None:
            return slice(0, 0)
        times = self._times.array[:, 0]
        return slice(int(np.searchsorted(times, now - self.history_s)), None)

    def _relative_times(self, keep: slice) -> np.ndarray:
        """Step times in ``keep``, in seconds relative to the newest (float64)."""
        return self._times.array[keep, 0] - (self.now or 0.0)

    def _segments(self, labels: Sequence[str | None]) -> list[Segment]:
        keep = self._recent()
        times = self._relative_times(keep)
        labels = list(labels)[keep]
        if not len(times):
            return []
        # A step covers the hop that ended at its timestamp.
        hop = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
        out: list[Segment] = []
        start = 0
        for i in range(1, len(times) + 1):
            if i == len(times) or labels[i] != labels[start]:
                label = labels[start]
                if label is not None:
                    out.append(Segment(times[start] - hop, times[i - 1], label))
                start = i
        return out
