"""The live chain, headless: LSL EEG in; probabilities, band power and a log out.

::

    InletThread ─► RingBuffer ─► worker thread: select channels ─► µV ─► NaN check
      ─► causal resampling to 200 Hz ─► interpolate missing ─► StreamingClassifier
      ─► LSL outlets, subscribers' queues, session log

What happens on faults (each is tested):

- **Gap** (source lost and back, restarted with the same source_id, or a jump
  in timestamps): the resampler and the feature chain are reset
  (:meth:`~eegstream.model.StreamingClassifier.reset`: DE buffer, Kalman
  filter and model sequence start again, so the next result needs a full
  window and the model calibrates again; the wearer's normaliser statistics
  are kept). Samples are never joined across a gap. The gap is logged.
- **NaN or infinity** in some samples: they are counted and passed on as
  NaN. A window holding one gets NaN DE for the affected channels; the Kalman
  filter skips non-finite observations, the normaliser does not count them and
  the sequence carries 0 (the mean) for them, so the state is never poisoned
  and the next clean window is exact again. Through the resampler a NaN
  affects at most one filter length (about 0.1 s) of output.
- **Stream lost**: health ``"lost"`` within about 0.5 s; the acquisition thread
  looks the stream up again by source_id and resumes when it returns.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from array import array
from collections import deque
from pathlib import Path

import numpy as np
import pylsl
import torch

from .. import __version__
from .._errors import EEGStreamError
from ..acquisition import Block, Gap, InletThread, StreamSummary, resolve_stream
from ..features.config import FeatureConfig
from ..model import Checkpoint, StreamingClassifier
from ..model.predict import as_checkpoint
from .channels import ChannelPlan, plan_channels
from .markers import MarkerListener
from .outlets import ResultOutlets
from .resample import StreamingResampler
from .results import Health, StepResult
from .session_log import SessionLog
from .units import UNIT_CHOICES, UNIT_SCALES, decide_unit, unit_from_description

logger = logging.getLogger(__name__)

_HEALTH_EVERY_S = 10.0
_LATENCY_WINDOW = 1000


class LivePipeline:
    """Classify an LSL EEG stream continuously.

    Parameters
    ----------
    checkpoint : Checkpoint | str | path-like
        The model (a loaded checkpoint, a file or a name in ``models/``).
    stream, stream_type, source_id : str | None
        Which LSL stream to follow (all given fields must match; with none,
        the one stream of type ``EEG``).
    assume_seed_order : bool
        Take an unlabelled 62-channel stream as SEED order (with a warning).
    unit : "auto" | "uV" | "V"
        The stream's unit; ``"auto"`` reads the channel description, else
        decides from the amplitude of the first second (volts with a warning).
    log_path : path-like | None
        Where to write the JSON Lines session log (a new file); ``None``: none.
    device : "auto" | "cpu" | "cuda"
        Where the model runs.
    outlets : bool
        Publish the probability and band-power LSL streams.
    resolve_timeout : float
        Seconds to wait for the stream at :meth:`start`.
    buffer_s : float
        Seconds of EEG kept for :meth:`eeg_snapshot`.
    lost_after_s : float
        Silence in seconds after which the stream counts as lost.

    Notes
    -----
    :meth:`start` connects and checks the stream against the checkpoint
    synchronously, so every incompatibility is an
    :class:`~eegstream.EEGStreamError` there; processing then runs on a
    worker thread. An error on that thread stops the pipeline and appears in
    :meth:`health` (``state == "stopped"``, ``error``), never as a traceback.
    On the CPU, :meth:`start` sets torch to one intra-op thread (process-wide)
    for steady latency.
    """

    def __init__(
        self,
        checkpoint: Checkpoint | str | os.PathLike,
        *,
        stream: str | None = None,
        stream_type: str | None = None,
        source_id: str | None = None,
        assume_seed_order: bool = False,
        unit: str = "auto",
        log_path: str | os.PathLike | None = None,
        device: str = "auto",
        outlets: bool = True,
        resolve_timeout: float = 5.0,
        buffer_s: float = 30.0,
        lost_after_s: float = 0.5,
    ) -> None:
        if unit not in UNIT_CHOICES:
            raise EEGStreamError(f"unit must be one of {UNIT_CHOICES}, got {unit!r}")
        self.checkpoint = as_checkpoint(checkpoint)
        self.classifier = StreamingClassifier(self.checkpoint, device=device)
        self.cfg: FeatureConfig = self.checkpoint.feature_config
        self.classes = tuple(self.checkpoint.classes)
        self.query = {
            "name": stream,
            "stream_type": stream_type,
            "source_id": source_id,
        }
        self.assume_seed_order = bool(assume_seed_order)
        self.unit_option = unit
        self.log_path = Path(log_path) if log_path is not None else None
        self.use_outlets = bool(outlets)
        self.resolve_timeout = float(resolve_timeout)
        self.buffer_s = float(buffer_s)
        self.lost_after_s = float(lost_after_s)
        self._subscribers: list[queue.Queue] = []
        self._sub_lock = threading.Lock()
        self._reset_variables()

    def _reset_variables(self) -> None:
        """Define "off": nothing connected, no counts."""
        self.inlet: InletThread | None = None
        self.markers: MarkerListener | None = None
        self.outlets: ResultOutlets | None = None
        self.log: SessionLog | None = None
        self.plan: ChannelPlan | None = None
        self.resampler: StreamingResampler | None = None
        self.unit: str | None = None
        self.unit_source: str | None = None
        self.warnings: list[str] = []
        self.synthetic = False
        self._scale = 1.0
        self._pending: list[Block] = []
        # Timestamps of the newest inputs of this segment (window + margin), to
        # find when a window began; _recent_times[-1] is input n_in - 1.
        self._recent_times = np.empty(0)
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._error: str | None = None
        self._stopped = False
        self._latencies: deque[float] = deque(maxlen=_LATENCY_WINDOW)
        self._all_latencies = array("d")  # every step's, compactly (hours of steps)
        self._steps = 0
        self._warm_steps = 0
        self._nonfinite = 0
        self._labelled = 0
        self._correct = 0
        self._labelled_warm = 0
        self._correct_warm = 0
        self._unknown_labels: set[str] = set()
        self._predicted_counts = dict.fromkeys(self.classes, 0)
        self._last_state = "connecting"
        self._last_health_log = 0.0
        self._started_wall = 0.0
        self._started_mono = 0.0
        self._stopped_mono: float | None = None

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> LivePipeline:
        """Find the stream, check it against the checkpoint, start processing.

        Returns
        -------
        LivePipeline
            ``self``.

        Raises
        ------
        EEGStreamError
            No or several matching streams, a string or irregular stream,
            unmatched or too many missing channels, a rate too low for the
            bands, an unusable log path. Nothing is left running.
        """
        if self._worker is not None and not self._stopped:
            raise EEGStreamError(
                "LivePipeline.start: already running; call stop() first"
            )
        self._reset_variables()
        self.classifier.reset()  # a restarted pipeline starts a new segment
        try:
            self._connect()
        except BaseException:
            self._teardown()
            raise
        self._worker = threading.Thread(
            target=self._run, name="eegstream-pipeline", daemon=True
        )
        self._worker.start()
        return self

    def _connect(self) -> None:
        info = resolve_stream(**self.query, timeout=self.resolve_timeout)
        if self.classifier.device == "cpu":
            # One intra-op thread: a batch of one gains nothing from two, and a second
            # thread stalls behind other processes. Measured on the 2-core machine
            # under load: inference p99 545 ms with 2 threads, 7 ms with 1.
            torch.set_num_threads(1)
        # The first inference initialises torch (hundreds of ms): not on a live step.
        predictor = self.classifier.predictor
        predictor.predict_proba(np.zeros((predictor.seq_len, predictor.n_features)))
        summary = StreamSummary.from_info(info)
        # The marker inlet first: with a replay that waits for its first consumer,
        # no marker is then missed.
        if summary.source_id:
            self.markers = MarkerListener(summary.source_id).start()
        self.inlet = InletThread(
            info, buffer_s=self.buffer_s, lost_after_s=self.lost_after_s
        )
        self._check_rate(summary)
        self.inlet.start()
        full = self.inlet.info
        name = f"stream {summary.name!r}"
        self.plan, warnings = plan_channels(
            full.get_channel_labels(),
            full.channel_count(),
            checkpoint_channels=self.checkpoint.channels,
            max_missing=int(self.checkpoint.meta.get("max_missing_channels", 0)),
            assume_seed_order=self.assume_seed_order,
            stream_name=name,
            suggest=summary.name,
        )
        self.warnings += warnings
        self._declared_unit = unit_from_description(full.get_channel_units())
        self.resampler = StreamingResampler(
            summary.nominal_srate, self.cfg.sfreq, self.plan.n_present
        )
        self.synthetic = _desc_value(full, "synthetic") == "true"
        if self.checkpoint.meta.get("normaliser", {}).get("mode") == "subject":
            self.warnings.append(
                "the checkpoint was trained with per-subject z-scoring, which needs "
                "the whole session; live it runs the causal running normaliser "
                "instead"
            )
        if self.use_outlets:
            self.outlets = ResultOutlets(
                summary.name,
                summary.source_id,
                self.classes,
                self.cfg.band_names,
                self.checkpoint.name,
            )
        if self.log_path is not None:
            self.log = SessionLog(self.log_path)
        self._reader = self.inlet.ring.reader(from_start=True)
        self._started_wall = time.time()
        self._started_mono = time.monotonic()
        for message in self.warnings:
            logger.warning(message)
        self._log("session_start", **self._session_header(summary))

    def _check_rate(self, summary: StreamSummary) -> None:
        top = max(hi for _, hi in self.cfg.bands)
        if summary.nominal_srate < 2 * top:
            raise EEGStreamError(
                f"stream {summary.name!r} is sampled at {summary.nominal_srate:g} Hz, "
                f"too slow for the model's bands up to {top:g} Hz; it needs >= "
                f"{2 * top:g} Hz"
            )

    def stop(self) -> None:
        """Stop processing, close streams, write the summary and close the log.

        Idempotent; safe to call from a signal handler's aftermath (Ctrl-C).
        """
        if self._stopped:
            return
        self._stop.set()
        if self.inlet is not None:
            self.inlet.ring.notify()
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(5.0)
        self._stopped_mono = time.monotonic()
        self._teardown()

    def _teardown(self) -> None:
        # Inlets close before outlets (ours), and the log closes last.
        if self.markers is not None:
            self.markers.stop()
        if self.inlet is not None:
            self.inlet.stop()
        if self.outlets is not None:
            self.outlets.close()
            self.outlets = None
        if self.log is not None:
            self._log("health", **self.health().to_dict())
            self._log("session_end", summary=self.summary())
            self.log.close()
        self._stopped = True

    def __enter__(self) -> LivePipeline:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- public views ------------------------------------------------------------------
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
        lat = np.array(list(self._latencies)) if self._latencies else None
        if self._error is not None or self._stopped or inlet is None:
            state = "stopped" if (self._error or self._stopped) else "connecting"
        else:
            state = inlet.state
        s = inlet.summary if inlet is not None else None
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
            latency_p50_s=float(np.percentile(lat, 50))
            if lat is not None
            else float("nan"),
            latency_p99_s=float(np.percentile(lat, 99))
            if lat is not None
            else float("nan"),
            device=self.classifier.device,
            model_name=self.checkpoint.name,
            error=self._error,
            steps=self._steps,
            samples_nonfinite=self._nonfinite,
        )

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
        return times, data * self._scale

    def summary(self) -> dict:
        """Session figures: counts, latency percentiles, accuracy against markers."""
        lat = np.frombuffer(self._all_latencies, dtype=np.float64).copy()
        end = self._stopped_mono or time.monotonic()
        h = self.health()

        def pct(q):
            return float(np.percentile(lat, q)) if lat.size else None

        accuracy = None
        if self._labelled:
            accuracy = {
                "steps": self._labelled,
                "correct": self._correct,
                "accuracy": self._correct / self._labelled,
                "warm_steps": self._labelled_warm,
                "warm_accuracy": (
                    self._correct_warm / self._labelled_warm
                    if self._labelled_warm
                    else None
                ),
                "synthetic": self.synthetic,
            }
        return {
            "model": self.checkpoint.name,
            "started_unix": self._started_wall or None,
            "stream": h.stream_name,
            "source_id": h.source_id,
            "duration_s": end - self._started_mono if self._started_mono else 0.0,
            "steps": self._steps,
            "warm_steps": self._warm_steps,
            "predicted_counts": dict(self._predicted_counts),
            "latency_s": {
                "p50": pct(50),
                "p99": pct(99),
                "max": pct(100),
                "mean": float(lat.mean()) if lat.size else None,
            },
            "samples_received": h.samples_received,
            "samples_lost": h.samples_lost,
            "samples_nonfinite": self._nonfinite,
            "gaps": h.gaps,
            "unit": self.unit,
            "unit_source": self.unit_source,
            "channels": self.plan.to_dict() if self.plan is not None else None,
            "accuracy": accuracy,
            "labels_not_in_model": sorted(self._unknown_labels),
            "error": self._error,
            "device": h.device,
        }

    # -- the worker --------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._watch_health()
                if not self._reader.wait(0.05):
                    continue
                self._take(self._reader.read())
        except Exception as err:  # reported through health(), never a traceback
            self._error = (
                str(err)
                if isinstance(err, EEGStreamError)
                else (f"{type(err).__name__}: {err}")
            )
            logger.error("live pipeline stopped: %s", self._error)
            logger.debug("live pipeline stopped", exc_info=True)
            self._log("error", message=self._error)

    def _watch_health(self) -> None:
        inlet = self.inlet
        if inlet.error is not None:
            err = inlet.error
            raise (
                err
                if isinstance(err, EEGStreamError)
                else EEGStreamError(f"acquisition stopped: {type(err).__name__}: {err}")
            )
        now = time.monotonic()
        if (
            inlet.state != self._last_state
            or now - self._last_health_log > _HEALTH_EVERY_S
        ):
            self._last_state = inlet.state
            self._last_health_log = now
            self._log("health", **self.health().to_dict())
        if self.markers is not None:
            for ts, marker in self.markers.drain():
                self._log("marker", time=ts, marker=marker)

    def _take(self, block: Block) -> None:
        if self.unit is None:
            self._pending.append(block)
            if sum(b.n_samples for b in self._pending) < self.inlet.nominal_rate:
                return
            first = np.concatenate(
                [self.plan.select(b.data) for b in self._pending], axis=1
            )
            self.unit, self.unit_source, warnings = decide_unit(
                self.unit_option, self._declared_unit, first
            )
            self._scale = UNIT_SCALES[self.unit]
            self._log(
                "unit", unit=self.unit, source=self.unit_source, scale=self._scale
            )
            for message in warnings:
                logger.warning(message)
                self.warnings.append(message)
                self._log("warning", message=message)
            pending, self._pending = self._pending, []
            for b in pending:
                self._take(b)
            return
        for gap, piece in block.split():
            if gap is not None:
                self._on_gap(gap)
            if piece.n_samples:
                self._process(piece)

    def _on_gap(self, gap: Gap) -> None:
        self.classifier.reset()
        self.resampler.reset()
        self._recent_times = np.empty(0)
        self._log(
            "gap",
            **{k: v for k, v in gap.to_dict().items() if k != "index"},
            reset=True,
        )

    def _process(self, piece: Block) -> None:
        x = self.plan.select(piece.data)
        if self._scale != 1.0:
            x = x * self._scale
        bad = ~np.isfinite(x)
        if bad.any():
            self._nonfinite += int(bad.any(axis=0).sum())
            x = np.where(bad, np.nan, x)
        y = self.resampler.push(x)
        if not y.shape[1]:
            return
        eeg = self.plan.expand(y)
        r = self.resampler
        keep = (
            round(self.cfg.window_s * r.sfreq_in) + r.taps_per_phase + piece.n_samples
        )
        self._recent_times = np.concatenate([self._recent_times, piece.timestamps])[
            -keep:
        ]
        first_input = r.n_in - piece.n_samples
        for step, probs in self.classifier.push(eeg):
            i = r.last_input(step.end - 1) - first_input
            # Sanity check: a step completes with the chunk that holds its last sample.
            assert 0 <= i < piece.n_samples, (i, piece.n_samples)
            back = r.n_in - r.last_input(step.end - self.cfg.window)
            began = float(self._recent_times[-min(back, self._recent_times.size)])
            self._emit(
                step, probs, began, float(piece.timestamps[i]), float(piece.arrival[i])
            )

    def _emit(
        self, step, probs: np.ndarray, began: float, timestamp: float, arrival: float
    ) -> None:
        band = step.de
        if self.outlets is not None:
            with np.errstate(invalid="ignore"):
                means = _nanmean_rows(band[self.plan.present])
            self.outlets.push(probs, means, timestamp)
        latency = pylsl.local_clock() - arrival
        truth = None
        if self.markers is not None:
            truth = self.markers.label(began, timestamp, tolerance=0.5 / self.cfg.sfreq)
        result = StepResult(
            timestamp=timestamp,
            probabilities=probs,
            classes=self.classes,
            band_power=band,
            latency_s=latency,
            warm=bool(step.warm),
            true_label=truth,
        )
        self._count(result)
        with self._sub_lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            _put_dropping_oldest(q, result)
        self._log(
            "step",
            time=timestamp,
            step=self._steps - 1,
            probabilities=dict(zip(self.classes, probs.tolist(), strict=True)),
            predicted=result.predicted,
            warm=result.warm,
            latency_s=latency,
            band_power=band,
            true_label=truth,
        )

    def _count(self, result: StepResult) -> None:
        self._steps += 1
        self._warm_steps += result.warm
        self._latencies.append(result.latency_s)
        self._all_latencies.append(result.latency_s)
        predicted = result.predicted
        self._predicted_counts[predicted] += 1
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

    # -- helpers -----------------------------------------------------------------------
    def _log(self, record_type: str, **fields) -> None:
        if self.log is not None:
            self.log.write(record_type, **fields)

    def _session_header(self, summary: StreamSummary) -> dict:
        r = self.resampler
        return {
            "eegstream_version": __version__,
            "model": {
                "name": self.checkpoint.name,
                "path": str(self.checkpoint.path),
                "classes": list(self.classes),
                "dataset": self.checkpoint.meta.get("dataset"),
                "protocol": self.checkpoint.meta.get("protocol"),
            },
            "stream": {
                "name": summary.name,
                "type": summary.type,
                "source_id": summary.source_id,
                "hostname": summary.hostname,
                "channel_count": summary.channel_count,
                "nominal_rate": summary.nominal_srate,
                "channel_format": summary.channel_format,
                "synthetic": self.synthetic,
            },
            "channels": self.plan.to_dict(),
            "unit": {"option": self.unit_option, "declared": self._declared_unit},
            "resampling": {
                "from_hz": r.sfreq_in,
                "to_hz": r.sfreq_out,
                "up": r.up,
                "down": r.down,
                "delay_s": r.delay_s,
            },
            "feature_config": self.cfg.to_dict(),
            "device": self.classifier.device,
            "warnings": list(self.warnings),
        }


def _nanmean_rows(band: np.ndarray) -> np.ndarray:
    """Mean over channels (rows) ignoring NaN; NaN where a band has no finite value."""
    finite = np.isfinite(band)
    count = finite.sum(axis=0)
    total = np.where(finite, band, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _put_dropping_oldest(q: queue.Queue, item) -> None:
    while True:
        try:
            q.put_nowait(item)
            return
        except queue.Full:
            try:
                q.get_nowait()
            except queue.Empty:
                pass


def _desc_value(info: pylsl.StreamInfo, key: str) -> str:
    return info.desc().child_value(key)
