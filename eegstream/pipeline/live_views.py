"""What a caller reads of a running live pipeline: results, health, EEG, summary."""

from __future__ import annotations

import queue
import time

import numpy as np

from .live_base import PipelineBase
from .model_switch import checkpoint_wearer
from .results import Health, SessionSummary


class ViewsMixin(PipelineBase):
    """The public views of :class:`~eegstream.pipeline.LivePipeline`.

    Subscribers' queues of results, :meth:`health`, the newest EEG and the
    session :meth:`summary`; each is cheap and safe from any thread.
    """

    def subscribe(self, maxsize: int = 256) -> queue.Queue:
        """Return a new queue that receives every :class:`StepResult` from now on.

        Each subscriber has its own bounded queue; when it is full the oldest
        result is dropped, so a slow reader never blocks the pipeline.
        """
        q: queue.Queue = queue.Queue(maxsize=maxsize)
        with self._sub_lock:
            self._subscribers.append(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        """Stop feeding a queue from :meth:`subscribe`."""
        with self._sub_lock:
            if q in self._subscribers:
                self._subscribers.remove(q)

    def health(self) -> Health:
        """Return the current state and counters (cheap; from any thread)."""
        inlet = self.inlet
        if self._error is not None or self._stopped or inlet is None:
            state = "stopped" if (self._error or self._stopped) else "connecting"
        else:
            state = inlet.state
        s = inlet.summary if inlet is not None else None
        p50, p99 = self.stats.recent_latency()
        return Health(
            state=state,
            stream_name=s.name if s else "",
            source_id=s.source_id if s else "",
            nominal_rate=s.nominal_srate if s else 0.0,
            measured_rate=inlet.measured_rate
            if inlet is not None and state == "ok"
            else 0.0,
            samples_received=inlet.ring.total if inlet is not None else 0,
            samples_lost=inlet.samples_lost if inlet is not None else 0,
            gaps=inlet.gaps if inlet is not None else 0,
            latency_p50_s=p50,
            latency_p99_s=p99,
            device=self.classifier.device,
            model_name=self.checkpoint.name,
            error=self._error,
            steps=self.stats.steps,
            samples_nonfinite=self._nonfinite,
            wearer=self.wearer,
            personal=checkpoint_wearer(self.checkpoint) is not None,
            calibration=(
                self.calibration.status() if self.calibration is not None else None
            ),
        )

    @property
    def busy(self) -> bool:
        """Whether the worker is turning new samples into steps right now.

        A view on the same process can hold its redraw off meanwhile: the
        step's latency then does not include the view's time holding the GIL.
        """
        return self._taking.is_set()

    @property
    def _nonfinite(self) -> int:
        return self.chain.samples_nonfinite if self.chain is not None else 0

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Labels of the stream's channels (the rows of :meth:`eeg_snapshot`)."""
        if self.inlet is None:
            return ()
        labels = self.inlet.info.get_channel_labels() or []
        n = self.inlet.n_channels
        return tuple(
            str(labels[i]) if i < len(labels) and labels[i] else f"#{i}"
            for i in range(n)
        )

    def eeg_snapshot(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Copy the newest EEG as received: the stream's channels and rate, in µV.

        Parameters
        ----------
        seconds : float
            How much (at most ``buffer_s``).

        Returns
        -------
        times : array of float64, shape (n,)
            LSL timestamps (local clock, seconds).
        data : array of float64, shape (n_stream_channels, n)
            Microvolts (the unit scale applied once known), rows as
            :attr:`channel_names`.
        """
        if self.inlet is None:
            return np.empty(0), np.empty((0, 0))
        n = round(seconds * self.inlet.nominal_rate)
        times, data = self.inlet.ring.latest(n)
        scale = self.chain.scale if self.chain is not None else 1.0
        return times, data * scale

    def summary(self) -> SessionSummary:
        """Session figures: counts, latency percentiles, accuracy against markers."""
        end = self._stopped_mono or time.monotonic()
        h = self.health()
        stats = self.stats
        return SessionSummary(
            model=self.checkpoint.name,
            started_unix=self._started_wall or None,
            stream=h.stream_name,
            source_id=h.source_id,
            duration_s=end - self._started_mono if self._started_mono else 0.0,
            steps=stats.steps,
            warm_steps=stats.warm_steps,
            predicted_counts=dict(stats.predicted_counts),
            latency_s=stats.latency(),
            samples_received=h.samples_received,
            samples_lost=h.samples_lost,
            samples_nonfinite=h.samples_nonfinite,
            gaps=h.gaps,
            unit=self.unit,
            unit_source=self.unit_source,
            channels=self.plan,
            accuracy=stats.accuracy(self.synthetic),
            labels_not_in_model=stats.labels_not_in_model,
            error=self._error,
            device=h.device,
            wearer=self.wearer,
            switches=tuple(self.switches),
        )
