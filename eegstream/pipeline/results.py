"""What the live pipeline hands out: one result per hop, and its health.

:class:`ReadyStep` is a step with its model input, unclassified
(:meth:`LiveChain.push_ready <eegstream.pipeline.LiveChain.push_ready>`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .._records import Record
from ..protocol import STEADY_FROM_S
from ..quality import StepQuality
from ..quality.policy import ShownReading
from .channels import ChannelPlan

HEALTH_STATES = ("connecting", "ok", "lost", "stopped")


@dataclass(frozen=True)
class StepResult:
    """One hop of the live pipeline.

    Attributes
    ----------
    timestamp : float
        LSL timestamp (local clock, seconds) of the window's last sample.
    probabilities : array of float64, shape (n_classes,)
        Class probabilities (sum 1), columns as ``classes``.
    classes : tuple of str
        Class names in the model's order.
    band_power : array of float64, shape (n_model_channels, n_bands)
        DE of this window per model channel (SEED order) and band
        (``log2(100 * power)``,
        power in µV², bands of the checkpoint, delta..gamma); NaN where the
        window held non-finite samples.
    latency_s : float
        Seconds from the arrival (``pylsl.local_clock()`` at the pull) of the
        window's last sample to these probabilities being computed (they are
        pushed right after); NaN where nothing measured arrival (a recording).
    warm : bool
        Whether the model's sequence holds ``seq_len`` real steps; before
        that the pipeline is calibrating (padding as in training).
    true_label : str | None
        The true class from a replay's marker stream when the whole window
        lies inside a labelled trial, else ``None``.
    window_start : float
        Timestamp of the window's first sample (same clock as ``timestamp``).
    since_onset_s : float | None
        Seconds from the labelled trial's start (its ``trial_start`` marker)
        to the window's last sample, with ``true_label``; else ``None``.
    quality : StepQuality | None
        The signal checks' verdict: channels marked bad (interpolated),
        artifact flags with their channels, and whether the step is reliable;
        ``None`` when the checks are off.
    shown : ShownReading | None
        What the gauge shows under the session's ``--artifacts`` policy (the
        step's reading, or the last clean one held, with the reason); set by
        the live pipeline, None from a bare chain.

    Notes
    -----
    Through the resampler, a window's first and last samples are stamped with
    the timestamps of the stream samples that completed them (their newest
    inputs).
    """

    timestamp: float
    probabilities: np.ndarray
    classes: tuple[str, ...]
    band_power: np.ndarray
    latency_s: float
    warm: bool
    true_label: str | None = None
    window_start: float = float("nan")
    since_onset_s: float | None = None
    quality: StepQuality | None = None
    shown: ShownReading | None = None

    @property
    def predicted(self) -> str:
        """The most probable class."""
        return self.classes[int(np.argmax(self.probabilities))]


@dataclass(frozen=True)
class ReadyStep:
    """A step with its model input ready, unclassified (:meth:`LiveChain.push_ready`).

    Attributes
    ----------
    result : StepResult
        Everything but the model's output: ``probabilities`` NaN.
    sequence : array of float32, shape (seq_len, n_features)
        The model's input (normalised feature sequence).
    arrival : float
        When the window's last sample arrived, on the chain's ``clock``
        (NaN without one).
    """

    result: StepResult
    sequence: np.ndarray
    arrival: float

    def finish(self, probabilities: np.ndarray, now: float = np.nan) -> StepResult:
        """Return the result with its class probabilities and latency.

        Parameters
        ----------
        probabilities : array of float64, shape (n_classes,)
            The model's output for :attr:`sequence`.
        now : float
            When they were computed, on the chain's clock: ``latency_s`` is
            ``now - arrival`` (NaN when either is unknown).
        """
        return replace(
            self.result,
            probabilities=probabilities,
            latency_s=float(now - self.arrival),
        )


@dataclass(frozen=True)
class Health(Record):
    """A snapshot of the pipeline's state and counters.

    Attributes
    ----------
    state : "connecting" | "ok" | "lost" | "stopped"
        ``"lost"``: no data for 0.5 s or the source disconnected (the
        pipeline keeps looking for it by source_id).
    stream_name, source_id : str
        The EEG stream followed.
    nominal_rate : float
        Its declared rate in Hz.
    measured_rate : float
        Samples per second received over the last 5 s.
    samples_received, samples_lost : int
        Totals since start (lost: estimated from gaps' durations).
    gaps : int
        Gaps seen (each resets the feature state).
    latency_p50_s, latency_p99_s : float
        Step latency percentiles over the last 1000 steps (NaN before any).
    device : str
        ``"cpu"`` or ``"cuda"``.
    model_name : str
        The checkpoint's name.
    error : str | None
        Why the pipeline stopped, when it stopped on an error.
    steps : int
        Results produced since start.
    samples_nonfinite : int
        Samples that held NaN or infinity in some channel.
    wearer : str | None
        Whose session it is: the personal model's wearer, else the wearer
        named for the session (``--wearer``); None when unknown.
    personal : bool
        Whether the model in use is a personal model (calibrated for ``wearer``).
    calibration : str | None
        A live calibration under way (``"recording 12/60 s"``, ``"fitting"``);
        None when none is.
    """

    state: str
    stream_name: str
    source_id: str
    nominal_rate: float
    measured_rate: float
    samples_received: int
    samples_lost: int
    gaps: int
    latency_p50_s: float
    latency_p99_s: float
    device: str
    model_name: str
    error: str | None = None
    steps: int = 0
    samples_nonfinite: int = 0
    wearer: str | None = None
    personal: bool = False
    calibration: str | None = None


@dataclass(frozen=True)
class ModelSwitch(Record):
    """The live pipeline went on with another model (the session log's ``model``).

    Attributes
    ----------
    step : int
        Index of the first step of the new model (steps counted from 0).
    model, path : str
        The new checkpoint's name and file.
    previous : str
        The name of the model it replaced.
    wearer : str | None
        The new model's wearer when it is a personal model.
    reason : str
        Why (e.g. ``"live calibration"``).
    """

    step: int
    model: str
    path: str
    previous: str
    wearer: str | None
    reason: str


@dataclass(frozen=True)
class LatencySummary(Record):
    """Step latency over a whole session, in seconds (None before any step)."""

    p50: float | None = None
    p99: float | None = None
    max: float | None = None
    mean: float | None = None

    @classmethod
    def of(cls, latencies: np.ndarray) -> LatencySummary:
        """Percentiles, maximum and mean of ``latencies`` (s, shape (n_steps,))."""
        if not latencies.size:
            return cls()
        p50, p99, top = np.percentile(latencies, [50, 99, 100])
        return cls(float(p50), float(p99), float(top), float(latencies.mean()))


@dataclass(frozen=True)
class ClipReading(Record):
    """How one labelled clip (trial) was read, step by step.

    Attributes
    ----------
    label : str
        The clip's true label.
    steps, correct : int
        Its labelled steps, and those predicted right.
    read : str
        The class predicted most often over the clip.
    settled_s : float | None
        Seconds into the clip of the first step from which every later step
        of the clip was predicted right (the reading settled on the truth);
        None when its last step was wrong.
    """

    label: str
    steps: int
    correct: int
    read: str
    settled_s: float | None


@dataclass(frozen=True)
class MarkerAccuracy(Record):
    """Predictions against a replay's trial markers.

    Attributes
    ----------
    steps, correct : int
        Steps inside a labelled trial, and those predicted right.
    accuracy : float
        ``correct / steps``.
    warm_steps : int
        Labelled steps after calibration (the model's sequence full).
    warm_accuracy : float | None
        Accuracy over those; None when there were none.
    synthetic : bool
        Whether the stream declared itself synthetic (the figure then says
        nothing about emotion recognition).
    onset_steps, steady_steps : int
        Labelled steps less than ``steady_from_s`` seconds into their trial
        (the clip's onset: the sequence still holds what came before), and
        those from then to the trial's end (steady state).
    onset_accuracy, steady_accuracy : float | None
        Accuracy over each; None when there were none.
    steady_from_s : float
        Where the steady state starts, in seconds since the trial's start.
    clips : tuple of ClipReading
        Each labelled clip in the order played (empty without trial onsets).
    """

    steps: int
    correct: int
    accuracy: float
    warm_steps: int
    warm_accuracy: float | None
    synthetic: bool
    onset_steps: int = 0
    onset_accuracy: float | None = None
    steady_steps: int = 0
    steady_accuracy: float | None = None
    steady_from_s: float = STEADY_FROM_S
    clips: tuple[ClipReading, ...] = ()


@dataclass(frozen=True)
class SessionSummary(Record):
    """Figures of a live session (the session log's ``session_end`` record).

    Attributes
    ----------
    model : str
        The checkpoint's name (the model in use at the end).
    started_unix : float | None
        Wall-clock start (Unix seconds); None when never started.
    stream, source_id : str
        The EEG stream followed.
    duration_s : float
        Seconds from start to stop (or to now, while running).
    steps, warm_steps : int
        Results produced, and those after calibration.
    predicted_counts : dict of str to int
        Steps per predicted class, in the model's class order.
    latency_s : LatencySummary
        Step latency percentiles over the whole session.
    samples_received, samples_lost, samples_nonfinite, gaps : int
        Stream totals (as in :class:`Health`).
    unit, unit_source : str | None
        The stream's unit (``"uV"`` or ``"V"``) and how it was decided.
    channels : ChannelPlan | None
        How stream channels map to the model's.
    accuracy : MarkerAccuracy | None
        Against trial markers; None without labelled steps.
    labels_not_in_model : tuple of str
        Marker labels that are none of the model's classes.
    error : str | None
        Why the pipeline stopped, when on an error.
    device : str
        ``"cpu"`` or ``"cuda"``.
    wearer : str | None
        Whose session it was (as :attr:`Health.wearer`).
    switches : tuple of ModelSwitch
        Models switched to during the session, in order (``model`` is then
        the last one's).
    """

    model: str
    started_unix: float | None
    stream: str
    source_id: str
    duration_s: float
    steps: int
    warm_steps: int
    predicted_counts: dict[str, int]
    latency_s: LatencySummary
    samples_received: int
    samples_lost: int
    samples_nonfinite: int
    gaps: int
    unit: str | None
    unit_source: str | None
    channels: ChannelPlan | None
    accuracy: MarkerAccuracy | None
    labels_not_in_model: tuple[str, ...]
    error: str | None
    device: str
    wearer: str | None = None
    switches: tuple[ModelSwitch, ...] = ()
