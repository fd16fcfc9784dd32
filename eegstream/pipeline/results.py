"""What the live pipeline hands out: one result per hop, and its health."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

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
        window's last sample to these probabilities being pushed.
    warm : bool
        Whether the model's sequence holds ``seq_len`` real steps; before
        that the pipeline is calibrating (padding as in training).
    true_label : str | None
        The true class from a replay's marker stream when the whole window
        lies inside a labelled trial, else ``None``.
    """

    timestamp: float
    probabilities: np.ndarray
    classes: tuple[str, ...]
    band_power: np.ndarray
    latency_s: float
    warm: bool
    true_label: str | None = None

    @property
    def predicted(self) -> str:
        """The most probable class."""
        return self.classes[int(np.argmax(self.probabilities))]


@dataclass(frozen=True)
class Health:
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

    def to_dict(self) -> dict:
        """JSON-able fields."""
        return asdict(self)
