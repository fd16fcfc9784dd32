"""The live pipeline, headless: LSL EEG in; probabilities, band power and a log out.

::

    resolve ─► InletThread ─► RingBuffer ─► worker thread: LiveChain (unit, channels,
      NaN, causal resampling, interpolation, StreamingClassifier)
      ─► LSL outlets, subscribers' queues, session log, SessionStats

:class:`LivePipeline` is the threaded shell around
:class:`~eegstream.pipeline.LiveChain`, which holds every signal stage and states
what happens on signal faults (gap, NaN or infinity, unit, missing channels).
The shell adds the stream's faults:

- **Gap** (source lost and back, restarted with the same source_id, a jump in
  timestamps, a reader overrun): :meth:`LiveChain.reset
  <eegstream.pipeline.LiveChain.reset>`, and the gap is logged.
- **Stream lost**: health ``"lost"`` within about 0.5 s; the acquisition thread
  looks the stream up again by source_id and resumes when it returns.
- **Stream back with other channels**, or any error on the worker thread: the
  pipeline stops; the error is in :meth:`~LivePipeline.health`, never a traceback.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pylsl
import torch

from .. import _realtime
from .._checks import check_number
from .._errors import EEGStreamError
from ..acquisition import Block, InletThread, StreamSummary, resolve_stream
from ..features import RunningNormaliser
from ..features.config import FeatureConfig
from ..features.normalise import NormaliserState
from ..labelmap import LabelMap
from ..model import Checkpoint, StreamingClassifier
from ..model.predict import as_checkpoint
from ..quality import DEFAULT_POLICY, ArtifactPolicy, check_policy
from ..recorder import Recorder, RecordingReport, with_derived
from .chain import LiveChain
from .channels import ChannelPlan
from .held_outlet import HeldOutlet
from .live_calibration import Calibrate, LiveCalibration
from .markers import MarkerListener
from .model_switch import ModelSwitcher, checkpoint_wearer
from .outlets import ResultOutlets, quality_row
from .resample import StreamingResampler
from .results import (
    Health,
    ModelSwitch,
    SessionSummary,
    StepResult,
)
from .session_header import session_header
from .session_log import SessionLog
from .stats import SessionStats
from .units import check_unit_option, unit_from_description

logger = logging.getLogger(__name__)

_HEALTH_EVERY_S = 10.0


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
    markers : sequence of str | None
        Names of the marker streams to follow (a stimulus program's); None:
        the replay's ``<source_id>-markers`` when there is one.
    label_map : LabelMap | path-like | None
        Rules (TOML, :mod:`eegstream.labelmap`) turning foreign markers into
        true labels; its literal classes must be the model's.
    line_freq : None | 50 | 60 | "auto"
        Mains frequency to notch: the checkpoint's, 50 or 60 Hz instead, or
        estimated from the first second (logged as a warning); see
        :class:`~eegstream.pipeline.LiveChain`.
    wearer : str | None
        Whose session it is (``--wearer``): shown and logged; a personal
        model names its own wearer.
    wearer_state : NormaliserState | None
        The wearer's normaliser statistics from an earlier session (what
        :meth:`wearer_state` returned then): the running normaliser starts
        from them. State of another number of features is left out with a
        warning.
    artifacts : "flag" | "hold" | "off"
        The ``--artifacts`` policy (:class:`~eegstream.quality.ArtifactPolicy`):
        what each step's ``shown`` holds, what the held outlet
        (``<name>-probabilities-held``, :mod:`.held_outlet`) publishes and the
        log's ``shown``; ``off`` runs the chain without signal checks.
    asr : bool | None
        Artifact subspace reconstruction (``--asr``/``--no-asr``): ``None``
        as the checkpoint was trained; see :class:`~eegstream.pipeline.LiveChain`.

    Notes
    -----
    :meth:`start` connects and checks the stream against the checkpoint
    synchronously, so every incompatibility is an
    :class:`~eegstream.EEGStreamError` there; processing then runs on a
    worker thread. An error on that thread stops the pipeline and appears in
    :meth:`health` (``state == "stopped"``, ``error``), never as a traceback.
    On the CPU, :meth:`start` sets torch to one intra-op thread (process-wide)
    for steady latency. The classifier (and with it the wearer's normaliser
    statistics) lives as long as the pipeline, across :meth:`start` calls.
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
        markers: Sequence[str] | None = None,
        label_map: LabelMap | str | os.PathLike | None = None,
        line_freq: float | str | None = None,
        wearer: str | None = None,
        wearer_state: NormaliserState | None = None,
        artifacts: str = DEFAULT_POLICY,
        asr: bool | None = None,
    ) -> None:
        check_unit_option(unit)
        self.artifacts = check_policy(artifacts)
        self.asr_option = asr
        #: The classifier running now; a model switch replaces it. It lives as
        #: long as the pipeline, across start() calls.
        self.classifier = StreamingClassifier(as_checkpoint(checkpoint), device=device)
        self.wearer_name = wearer
        #: Warnings about the wearer's saved state (shown with the chain's).
        self.wearer_notes: list[str] = []
        if wearer_state is not None:
            try:
                self.normaliser.load_state(
                    wearer_state, key=self.checkpoint.meta.statistics_key
                )
            except EEGStreamError as err:
                self.wearer_notes.append(
                    f"wearer {wearer!r}: {err}; starting from the model's statistics"
                )
        #: Models switched to, in order (switch_model); kept across start() calls.
        self.switches: list[ModelSwitch] = []
        self.classes = tuple(self.checkpoint.classes)
        self.query = {
            "name": stream,
            "stream_type": stream_type,
            "source_id": source_id,
        }
        self.assume_seed_order = bool(assume_seed_order)
        self.unit_option = unit
        self.line_freq_option = line_freq
        self.log_path = Path(log_path) if log_path is not None else None
        self.use_outlets = bool(outlets)
        self.resolve_timeout = float(resolve_timeout)
        self.buffer_s = float(buffer_s)
        self.lost_after_s = float(lost_after_s)
        self.marker_streams = tuple(markers) if markers is not None else None
        self.label_map = _label_map(label_map, self.classes)
        self._subscribers: list[queue.Queue] = []
        self._sub_lock = threading.Lock()
        self._reset_variables()

    def _reset_variables(self) -> None:
        """Define "off": nothing connected, no counts."""
        self.inlet: InletThread | None = None
        self.markers: list[MarkerListener] = []
        self.outlets: ResultOutlets | None = None
        self.held_outlet: HeldOutlet | None = None
        self.policy = ArtifactPolicy(self.artifacts)
        self.log: SessionLog | None = None
        self.recorder: Recorder | None = None
        #: What the XDF recording holds, once stop() closed it (None without one).
        self.recording: RecordingReport | None = None
        #: The live calibration, once start_calibration() made it.
        self.calibration: LiveCalibration | None = None
        self._switcher = ModelSwitcher()
        self._summary: StreamSummary | None = None
        # The signal chain, made by start().
        self.chain: LiveChain | None = None
        self.stats = SessionStats(self.classes)
        self.synthetic = False
        self._declared_unit: str | None = None
        self._logged_warnings = 0  # the chain's warnings already logged
        self._worker: threading.Thread | None = None
        # Set while the worker turns a block into steps (see busy).
        self._taking = threading.Event()
        self._stop = threading.Event()
        self._error: str | None = None
        self._stopped = False
        self._last_state = "connecting"
        self._last_health_log = 0.0
        self._started_wall = 0.0
        self._started_mono = 0.0
        self._stopped_mono: float | None = None

    @property
    def checkpoint(self) -> Checkpoint:
        """The model running now."""
        return self.classifier.checkpoint

    @property
    def cfg(self) -> FeatureConfig:
        """The feature settings served: the chain's once started, else the model's.

        The chain's have the line frequency and ASR decided.
        """
        return self.chain.cfg if self.chain is not None else self.classifier.cfg

    @property
    def plan(self) -> ChannelPlan | None:
        """How the stream's channels become the model's (None before start())."""
        return self.chain.plan if self.chain is not None else None

    @property
    def resampler(self) -> StreamingResampler | None:
        """The chain's resampler (None before start())."""
        return self.chain.resampler if self.chain is not None else None

    @property
    def unit(self) -> str | None:
        """The stream's unit once decided (after its first second), else None."""
        return self.chain.unit if self.chain is not None else None

    @property
    def unit_source(self) -> str | None:
        """Why: ``option``, ``description``, ``amplitude`` or ``default``; or None."""
        return None if self.chain is None else self.chain.unit_source

    @property
    def wearer(self) -> str | None:
        """Whose session it is: the personal model's wearer, else ``wearer=``."""
        return checkpoint_wearer(self.checkpoint) or self.wearer_name

    @property
    def warnings(self) -> list[str]:
        """What the user should know about the stream (also logged)."""
        return list(self.chain.warnings) if self.chain is not None else []

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
        try:
            self._connect()
        except BaseException:
            self._teardown()
            raise
        _realtime.live_started(self)  # start-up is over: freeze, no gen-2 pauses
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
        self.classifier.warm_up()
        self._summary = summary = StreamSummary.from_info(info)
        # The marker inlet first: with a replay that waits for its first consumer,
        # no marker is then missed.
        if self.marker_streams is not None:
            for name in self.marker_streams:
                self.markers.append(
                    MarkerListener(name=name, label_map=self.label_map).start()
                )
        elif summary.source_id:
            self.markers.append(
                MarkerListener(summary.source_id, label_map=self.label_map).start()
            )
        self.inlet = inlet = InletThread(
            info, buffer_s=self.buffer_s, lost_after_s=self.lost_after_s
        )
        inlet.start()
        full = inlet.info
        self._declared_unit = unit_from_description(full.get_channel_units())
        self.chain = chain = LiveChain.from_labels(
            self.checkpoint,
            full.get_channel_labels(),
            summary.nominal_srate,
            n_channels=full.channel_count(),
            assume_seed_order=self.assume_seed_order,
            unit=self.unit_option,
            declared_unit=self._declared_unit,
            classifier=self.classifier,
            clock=pylsl.local_clock,
            stream_name=f"stream {summary.name!r}",
            line_freq=self.line_freq_option,
            suggest_from=summary.name,
            checks=self.artifacts != "off",
            asr=self.asr_option,
        )
        chain.warnings += self.wearer_notes
        self.synthetic = full.desc().child_value("synthetic") == "true"
        self._reader = inlet.ring.reader(from_start=True)
        self._open_outputs(summary, chain)
        self._open_held_outlet(summary)

    def _open_held_outlet(self, summary: StreamSummary) -> None:
        # Apart from _open_outputs: only a policy that can hold needs it.
        if self.use_outlets and self.artifacts != "off":
            self.held_outlet = HeldOutlet(
                summary.name, summary.source_id, self.classes, self.artifacts
            )

    def _open_outputs(self, summary: StreamSummary, chain: LiveChain) -> None:
        if self.use_outlets:
            self.outlets = ResultOutlets(
                summary.name,
                summary.source_id,
                self.classes,
                self.cfg.band_names,
                self.checkpoint.name,
                channels=chain.plan.channels,
                wearer=self.wearer_name,
                synthetic=self.synthetic,
            )
        if self.log_path is not None:
            self.log = SessionLog(self.log_path)
        self._started_wall = time.time()
        self._started_mono = time.monotonic()
        self._logged_warnings = len(chain.warnings)
        for message in chain.warnings:
            logger.warning(message)
        self._log("session_start", **self._session_header(summary, chain))

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
        _realtime.live_stopped(self)
        self._stopped_mono = time.monotonic()
        try:
            if self.calibration is not None:
                self.calibration.cancel()  # its recording closed; no switch now
            self._stop_recording()  # every result is pushed; the outlets still open
        finally:
            self._teardown()

    def start_recording(
        self, path: str | os.PathLike, *, markers: Sequence[str] | None = None
    ) -> Recorder:
        """Record the session into a new XDF file with LabRecorder.

        The file holds the EEG stream, its replay marker stream and the marker
        streams named in ``markers`` (default: those it follows, ``markers=``
        of the constructor), and this pipeline's probability and
        band-power outlets, with LabRecorder's clock offsets. Returns once
        LabRecorder collects from all of them (start a replay held until then
        to keep its first sample). :meth:`stop` closes the file first, logs a
        ``recording`` record and keeps the report in :attr:`recording`.

        Raises
        ------
        EEGStreamError
            The pipeline is not running or already records; the path cannot
            be written; LabRecorder could not start. The pipeline runs on.
        """
        self._check_running("start_recording")
        if self.recorder is not None:
            raise EEGStreamError(
                f"start_recording: already recording to {self.recorder.path}"
            )
        recorder = self._session_recorder(path, markers).start()
        self.recorder = recorder
        self._log(
            "recording",
            state="started",
            path=str(recorder.path),
            streams=[
                {"name": s.name, "type": s.type, "source_id": s.source_id}
                for s in recorder.streams
            ],
        )
        return recorder

    def _check_running(self, method: str) -> None:
        if self._summary is None or self._stopped or self._worker is None:
            raise EEGStreamError(f"{method}: start() the pipeline first")

    def _session_recorder(
        self, path: str | os.PathLike, markers: Sequence[str] | None
    ) -> Recorder:
        """Make a recorder (not started) of the EEG, its marker streams, the outlets."""
        assert self._summary is not None  # sanity check: _check_running passed
        if markers is None:
            markers = self.marker_streams or ()
        return Recorder(path, with_derived(self._summary, markers))

    def start_calibration(
        self,
        seconds: float,
        calibrate: Calibrate,
        path: str | os.PathLike,
        *,
        markers: Sequence[str] | None = None,
    ) -> LiveCalibration:
        """Calibrate for the wearer on the next ``seconds`` of the stream, then switch.

        Records the EEG, its marker streams (``markers``, default: those it
        follows) and the outlets into a new XDF at ``path``; once ``seconds``
        of samples are in and the labelled segment under way (if any) has
        ended, at most ``seconds`` later, closes it and runs
        ``calibrate(path)`` on a background thread, then :meth:`switch_model`
        to the personal model.
        The stream runs on throughout; :meth:`health` says ``calibration``
        (``"recording 12/60 s"``, ``"fitting"``) until then. A failure is
        logged (``calibration`` record, one warning line) and the session
        goes on with its model. :meth:`stop` ends a calibration still
        recording (no switch).

        Parameters
        ----------
        seconds : float
            Seconds of EEG to calibrate on, counted in the stream's samples.
        calibrate : callable
            ``calibrate(xdf_path) -> PersonalModel``
            (:class:`~eegstream.pipeline.live_calibration.PersonalModel`).
        path : path-like
            The new ``.xdf`` file.
        markers : sequence of str | None
            Marker streams to record; None: those the pipeline follows.

        Returns
        -------
        LiveCalibration
            Started: LabRecorder collects from every stream.

        Raises
        ------
        EEGStreamError
            The pipeline is not running or already calibrates, ``seconds`` is
            not positive, the path cannot be written, LabRecorder could not
            start. The pipeline runs on.
        """
        self._check_running("start_calibration")
        check_number(seconds, "seconds", unit="s", min=0, min_inclusive=False)
        if self.calibration is not None and self.calibration.active:
            raise EEGStreamError(
                "start_calibration: a calibration is already under way "
                f"({self.calibration.status()})"
            )
        inlet, summary = self.inlet, self._summary
        assert inlet is not None and summary is not None  # sanity check: running
        calibration = LiveCalibration(
            self._session_recorder(path, markers),
            seconds,
            calibrate,
            samples=lambda: inlet.ring.total,
            rate=summary.nominal_srate,
            switch=lambda checkpoint, reason: self.switch_model(
                checkpoint, reason=reason
            ),
            log=self._log,
            newest=lambda: float(inlet.ring.latest(1)[0][-1]),
            labelled=lambda t0, t1: self._trial(t0, t1) is not None,
        )
        calibration.start()
        self.calibration = calibration
        return calibration

    def switch_model(
        self,
        checkpoint: Checkpoint | str | os.PathLike,
        *,
        reason: str = "",
        timeout: float = 30.0,
    ) -> ModelSwitch:
        """Go on with another model without dropping the stream or a step.

        The new model is loaded and warmed up on the calling thread; the
        worker switches to it between two blocks of samples: the signal state
        and the wearer's statistics carry over
        (:meth:`LiveChain.switch_classifier
        <eegstream.pipeline.LiveChain.switch_classifier>`), outlets and
        subscribers go on unchanged. Logged as a ``model`` record.

        Parameters
        ----------
        checkpoint : Checkpoint | str | path-like
            A model with the running one's classes (in order: the
            probabilities outlet keeps its channels) and feature settings, e.g.
            a personal model calibrated from it.
        reason : str
            Why, for the log (e.g. ``"live calibration"``).
        timeout : float
            Seconds to wait for the worker to switch.

        Returns
        -------
        ModelSwitch
            Which step is the new model's first.

        Raises
        ------
        EEGStreamError
            The pipeline is not running, the classes or features differ (one
            line; the pipeline runs on with its model).
        """
        self._check_running("switch_model")
        chain = self.chain
        assert chain is not None  # sanity check: running
        classifier = StreamingClassifier(checkpoint, device=self.classifier.device)
        chain.check_classifier(classifier)
        classifier.warm_up()  # torch's first call, not on a live step
        return self._switcher.request(
            classifier,
            reason,
            timeout,
            ended=lambda: self._stop.is_set() or self._error is not None,
        )

    def _switched(self, reason: str) -> ModelSwitch:
        """On the worker, once the chain runs the new model: record the switch."""
        chain = self.chain
        assert chain is not None  # sanity check: the worker runs the chain
        previous = self.checkpoint.name
        self.classifier = chain.classifier
        switch = ModelSwitch(
            step=self.stats.steps,
            model=self.checkpoint.name,
            path=str(self.checkpoint.path),
            previous=previous,
            wearer=checkpoint_wearer(self.checkpoint),
            reason=reason,
        )
        self.switches.append(switch)
        self._log("model", **switch.to_dict())
        logger.info(
            "switched to model %s%s at step %d",
            switch.model,
            f" (personal, wearer {switch.wearer})" if switch.wearer else "",
            switch.step,
        )
        return switch

    @property
    def normaliser(self) -> RunningNormaliser:
        """The running normaliser in use: the wearer's statistics so far."""
        normaliser = self.classifier.features.normaliser
        assert normaliser is not None  # sanity check: every checkpoint has one
        return normaliser

    def wearer_state(self) -> NormaliserState:
        """Return the wearer's normaliser statistics, to start a later session from.

        A ``NormaliserState`` (:meth:`RunningNormaliser.state
        <eegstream.features.RunningNormaliser.state>`); read it after
        :meth:`stop`, when no step changes it.
        """
        return dataclasses.replace(
            self.normaliser.state(), key=self.checkpoint.meta.statistics_key
        )

    def _stop_recording(self) -> None:
        if self.recorder is None:
            return
        self.recording = self.recorder.stop()
        self._log("recording", state="stopped", **self.recording.to_dict())
        if self.recording.problem:
            logger.warning(
                "recording %s: %s", self.recording.path, self.recording.problem
            )

    def _teardown(self) -> None:
        # Inlets close before outlets (ours), and the log closes last.
        for listener in self.markers:
            listener.stop()
        if self.inlet is not None:
            self.inlet.stop()
        if self.outlets is not None:
            self.outlets.close()
            self.outlets = None
        if self.held_outlet is not None:
            self.held_outlet.close()
            self.held_outlet = None
        if self.log is not None:
            self._log("health", **self.health().to_dict())
            self._log("session_end", summary=self.summary().to_dict())
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

    # -- the worker --------------------------------------------------------------------
    def _run(self) -> None:
        inlet, chain = self.inlet, self.chain
        assert inlet is not None and chain is not None  # sanity check: start() set them
        try:
            while not self._stop.is_set():
                self._watch_health(inlet)
                self._switcher.apply(chain, self._switched)
                if not self._reader.wait(0.05):
                    continue
                self._taking.set()
                try:
                    self._take(chain, self._reader.read())
                finally:
                    self._taking.clear()
        except Exception as err:  # reported through health(), never a traceback
            self._error = (
                str(err)
                if isinstance(err, EEGStreamError)
                else (f"{type(err).__name__}: {err}")
            )
            logger.error("live pipeline stopped: %s", self._error)
            logger.debug("live pipeline stopped", exc_info=True)
            self._log("error", message=self._error)

    def _watch_health(self, inlet: InletThread) -> None:
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
        for listener in self.markers:
            for ts, marker in listener.drain():
                self._log("marker", time=ts, marker=marker)

    def _take(self, chain: LiveChain, block: Block) -> None:
        for gap, piece in block.split():
            if gap is not None:
                chain.reset()
                self._log(
                    "gap",
                    **{k: v for k, v in gap.to_dict().items() if k != "index"},
                    reset=True,
                )
            if not piece.n_samples:
                continue
            decided = chain.unit is not None
            results = chain.push(piece.data, piece.timestamps, piece.arrival)
            if not decided and chain.unit is not None:
                self._log(
                    "unit", unit=chain.unit, source=chain.unit_source, scale=chain.scale
                )
            if len(chain.warnings) > self._logged_warnings:
                self._log_warnings(chain)
            for result in results:
                self._emit(chain, result)

    def _log_warnings(self, chain: LiveChain) -> None:
        """Log and show what the chain has said since the last call (unit, ASR)."""
        for message in chain.warnings[self._logged_warnings :]:
            logger.warning(message)
            self._log("warning", message=message)
        self._logged_warnings = len(chain.warnings)

    def _emit(self, chain: LiveChain, result: StepResult) -> None:
        if self.markers:
            found = self._trial(result.window_start, result.timestamp)
            if found is not None:
                label, onset = found
                result = dataclasses.replace(
                    result, true_label=label, since_onset_s=result.timestamp - onset
                )
        shown = self.policy.apply(result)
        result = dataclasses.replace(result, shown=shown)
        band = result.band_power
        if self.held_outlet is not None:
            self.held_outlet.push(shown.probabilities, result.timestamp)
        if self.outlets is not None:
            with np.errstate(invalid="ignore"):
                means = _nanmean_rows(band[chain.plan.present])
            self.outlets.push(result.probabilities, means, result.timestamp)
            self.outlets.push_quality(
                quality_row(result.quality, chain.plan), result.timestamp
            )
        self.stats.count(result)
        with self._sub_lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            _put_dropping_oldest(q, result)
        self._log(
            "step",
            time=result.timestamp,
            step=self.stats.steps - 1,
            probabilities=dict(
                zip(self.classes, result.probabilities.tolist(), strict=True)
            ),
            predicted=result.predicted,
            warm=result.warm,
            latency_s=result.latency_s,
            band_power=band,
            true_label=result.true_label,
            since_onset_s=result.since_onset_s,
            quality=None if result.quality is None else result.quality.to_dict(),
            shown=shown.to_dict(),
        )
        _realtime.after_step()  # collect now, between steps, not inside the next

    # -- helpers -----------------------------------------------------------------------
    def _trial(self, start: float, end: float) -> tuple[str, float] | None:
        """Return (label, onset) of the first listener with a trial holding it."""
        tolerance = 0.5 / self.cfg.sfreq
        for listener in self.markers:
            listener.poll()  # what arrived since its thread last ran
            found = listener.trial(start, end, tolerance=tolerance)
            if found is not None:
                return found
        return None

    def _log(self, record_type: str, **fields) -> None:
        if self.log is not None:
            self.log.write(record_type, **fields)

    def _session_header(self, summary: StreamSummary, chain: LiveChain) -> dict:
        return session_header(
            chain,
            summary,
            wearer=self.wearer,
            wearer_notes=self.wearer_notes,
            synthetic=self.synthetic,
            unit_option=self.unit_option,
            declared_unit=self._declared_unit,
            line_freq_option=self.line_freq_option,
            artifacts=self.artifacts,
        )


def _label_map(
    label_map: LabelMap | str | os.PathLike | None, classes: tuple[str, ...]
) -> LabelMap | None:
    """Load a label map and check its literal classes against the model's."""
    if label_map is None or isinstance(label_map, LabelMap):
        lmap = label_map
    else:
        lmap = LabelMap.load(label_map)
    unknown = [c for c in (lmap.classes if lmap else ()) if c not in classes]
    if lmap is not None and unknown:
        raise EEGStreamError(
            f"{lmap.source}: class {unknown[0]!r} is not a class of the model "
            f"({', '.join(classes)}); name one of them in the rule"
        )
    return lmap


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
