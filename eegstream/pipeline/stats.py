"""Counters of one live session: steps, latency, predictions, accuracy against markers.

Gaps, samples received and samples lost are the acquisition's counts
(:class:`~eegstream.acquisition.InletThread`); non-finite samples the chain's
(:attr:`~eegstream.pipeline.LiveChain.samples_nonfinite`).
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Sequence

import numpy as np

from ..protocol import STEADY_FROM_S, settle_time
from .results import ClipReading, LatencySummary, MarkerAccuracy, StepResult

_LATENCY_WINDOW = 1000


class SessionStats:
    """Count the results of a session as they are emitted.

    Parameters
    ----------
    classes : sequence of str
        The model's class names.
    latency_window : int
        Steps over which :meth:`recent_latency` computes its percentiles.

    Notes
    -----
    :meth:`count` runs on the pipeline's worker thread; the readers may run
    on any thread and see a consistent enough snapshot (counts only grow).
    """

    def __init__(
        self, classes: Sequence[str], latency_window: int = _LATENCY_WINDOW
    ) -> None:
        self.classes = tuple(classes)
        self.steps = 0
        self.warm_steps = 0
        self.predicted_counts = dict.fromkeys(self.classes, 0)
        self._recent: deque[float] = deque(maxlen=latency_window)
        self._latencies = array("d")  # every step's, compactly (hours of steps)
        self._labelled = self._correct = 0
        self._labelled_warm = self._correct_warm = 0
        # [labelled, correct] at a clip's onset and in its steady state.
        self._onset = [0, 0]
        self._steady = [0, 0]
        self._unknown_labels: set[str] = set()
        self._clips: list[_ClipTally] = []

    def count(self, result: StepResult) -> None:
        """Add one emitted result (with its latency and true label, if any)."""
        self.steps += 1
        self.warm_steps += result.warm
        self._recent.append(result.latency_s)
        self._latencies.append(result.latency_s)
        predicted = result.predicted
        self.predicted_counts[predicted] += 1
        truth = result.true_label
        if truth is None:
            return
        if truth not in self.classes:
            self._unknown_labels.add(truth)
            return
        hit = predicted == truth
        self._labelled += 1
        self._correct += hit
        if result.warm:
            self._labelled_warm += 1
            self._correct_warm += hit
        since = result.since_onset_s
        if since is not None:
            part = self._steady if since >= STEADY_FROM_S else self._onset
            part[0] += 1
            part[1] += hit
            clip = self._clips[-1] if self._clips else None
            if clip is None or clip.label != truth or since < clip.since_s:
                clip = _ClipTally(truth, self.classes)
                self._clips.append(clip)
            clip.count(predicted, since)

    def recent_latency(self) -> tuple[float, float]:
        """Latency p50 and p99 (s) over the newest steps; NaN before any."""
        if not self._recent:
            return float("nan"), float("nan")
        lat = np.array(self._recent)
        return float(np.percentile(lat, 50)), float(np.percentile(lat, 99))

    def latency(self) -> LatencySummary:
        """Latency over every step: p50, p99, max and mean (s; None before any)."""
        return LatencySummary.of(np.frombuffer(self._latencies, dtype=np.float64))

    def accuracy(self, synthetic: bool) -> MarkerAccuracy | None:
        """Accuracy of the steps labelled by markers (None without any).

        ``synthetic`` says whether the EEG was synthetic (copied into the result).
        """
        if not self._labelled:
            return None
        return MarkerAccuracy(
            steps=self._labelled,
            correct=self._correct,
            accuracy=self._correct / self._labelled,
            warm_steps=self._labelled_warm,
            warm_accuracy=_fraction(self._correct_warm, self._labelled_warm),
            synthetic=synthetic,
            onset_steps=self._onset[0],
            onset_accuracy=_fraction(self._onset[1], self._onset[0]),
            steady_steps=self._steady[0],
            steady_accuracy=_fraction(self._steady[1], self._steady[0]),
            clips=tuple(clip.reading() for clip in self._clips),
        )

    @property
    def labels_not_in_model(self) -> tuple[str, ...]:
        """Marker labels seen that are not classes of the model, sorted."""
        return tuple(sorted(self._unknown_labels))


def _fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class _ClipTally:
    """The steps of one labelled clip so far, for :class:`ClipReading`."""

    def __init__(self, label: str, classes: tuple[str, ...]) -> None:
        self.label = label
        self.since_s = -np.inf  # the newest step's seconds since the clip's onset
        self.counts = dict.fromkeys(classes, 0)
        self._hits = array("b")
        self._times = array("d")

    def count(self, predicted: str, since_s: float) -> None:
        self.since_s = since_s
        self.counts[predicted] += 1
        self._hits.append(predicted == self.label)
        self._times.append(since_s)

    def reading(self) -> ClipReading:
        hits = np.frombuffer(self._hits, dtype=np.int8).astype(bool)
        times = np.frombuffer(self._times, dtype=np.float64)
        read = max(self.counts, key=self.counts.__getitem__)
        return ClipReading(
            self.label, len(hits), int(hits.sum()), read, settle_time(hits, times)
        )
