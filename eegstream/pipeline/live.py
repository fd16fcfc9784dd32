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

import logging
import threading
import time

import pylsl
import torch

from .. import _realtime
from .._errors import EEGStreamError
from ..acquisition import Block, InletThread, StreamSummary, resolve_stream
from .chain import LiveChain
from .live_outputs import OutputsMixin
from .live_recording import RecordingMixin
from .live_views import ViewsMixin
from .markers import MarkerListener
from .units import unit_from_description

logger = logging.getLogger(__name__)

_HEALTH_EVERY_S = 10.0


class LivePipeline(ViewsMixin, OutputsMixin, RecordingMixin):
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
