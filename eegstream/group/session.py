"""A group session: every headset in the room in one process, one chain each.

::

    per stream: InletThread ─► RingBuffer ─► worker thread: LiveChain.push_ready
        (channels, unit, checks, resampling, DE, Kalman, normaliser, sequence)
                                  │ ready steps (queue)
                                  ▼
    batcher thread: a tick gathers the steps ready within ``tick_wait_s`` of
      its first one (or until every running stream gave one) ─► BatchClassifier:
      one stacked call per model ─► per wearer: its outlets, its log records;
      the group outlet: the tick's probabilities aligned on LSL time

Each stream has its own inlet, chain and worker, so a stream lost (its inlet
looks for it again by source_id, its worker waits) or refused (channels,
rate: the error is kept on its :class:`Member`) never stops the others, and a
slow stream never holds a tick past the wait. Signal code is
:class:`~eegstream.pipeline.LiveChain`'s, unchanged: a wearer's step equals
what ``eegstream run`` on that stream alone gives, up to the batched model
call's rounding (:mod:`eegstream.group.batch`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pylsl
import torch

from .. import _realtime
from .._errors import EEGStreamError
from ..acquisition import InletThread, StreamSummary, list_streams, resolve_stream
from ..files.labrecorder import Recorder, RecordingReport
from ..labelmap import LabelMap
from ..model import Checkpoint, StreamingClassifier
from ..model.predict import as_checkpoint
from ..pipeline import (
    LiveChain,
    ModelSwitch,
    ReadyStep,
    SessionLog,
    SessionStats,
    StepResult,
)
from ..pipeline.live_base import model_label_map
from ..pipeline.live_calibration import Calibrate, LiveCalibration
from ..pipeline.markers import MarkerListener, find_trial
from ..pipeline.model_switch import ModelSwitcher, checkpoint_wearer
from ..pipeline.outlets import ResultOutlets
from ..pipeline.units import unit_from_description
from ..protocol import markers_name
from .batch import BatchClassifier
from .markers import RoomMarkers
from .outlet import GroupOutlet
from .roster import Roster
from .shard import shard_of

logger = logging.getLogger(__name__)

#: How often ``--all-streams`` looks for new streams, in seconds.
DISCOVER_EVERY_S = 1.0


@dataclass(frozen=True)
class StreamQuery:
    """Which stream to follow: every given field must match."""

    name: str | None = None
    source_id: str | None = None
    stream_type: str | None = None

    def describe(self) -> str:
        """E.g. ``"--source-id cap-1"``."""
        parts = [("--stream", self.name), ("--source-id", self.source_id)]
        return " ".join(f"{flag} {value}" for flag, value in parts if value) or "EEG"


@dataclass
class Member:
    """One headset of the session and its wearer.

    Attributes
    ----------
    wearer : str
        The wearer's name (roster), else the stream's name.
    summary : StreamSummary
        The stream.
    chain : LiveChain | None
        Its chain (None when it was refused).
    key : str
        Its model's :func:`~eegstream.group.batch.weights_key`.
    error : str | None
        Why the stream was refused or stopped; the others run on.
    stats : SessionStats | None
        Its steps and latencies.
    last : StepResult | None
        Its newest step.
    due : float
        When its next step's last sample should arrive (``pylsl.local_clock``
        seconds; NaN before its first step): a tick waits for it only when
        it is due within the wait.
    """

    wearer: str
    summary: StreamSummary
    chain: LiveChain | None = None
    key: str = ""
    error: str | None = None
    stats: SessionStats | None = None
    last: StepResult | None = None
    due: float = float("nan")
    arrived: float = float("nan")
    inlet: InletThread | None = None
    markers: tuple[MarkerListener, ...] = ()
    synthetic: bool = False
    outlets: ResultOutlets | None = None
    thread: threading.Thread | None = field(default=None, repr=False)
    #: Its live calibration (:meth:`GroupSession.start_calibration`), if any.
    calibration: LiveCalibration | None = None
    switching_to: str = ""  # the key of the model a switch brings
    #: Its model switches, oldest first.
    switches: list[ModelSwitch] = field(default_factory=list)
    switcher: ModelSwitcher = field(default_factory=ModelSwitcher, repr=False)

    @property
    def state(self) -> str:
        """``"refused"``, ``"stopped"``, or the inlet's ``connecting|ok|lost``."""
        if self.chain is None:
            return "refused"
        if self.error is not None or self.inlet is None:
            return "stopped"
        return self.inlet.state


class GroupSession:
    """Classify several LSL EEG streams in one process, batching the model calls.

    Parameters
    ----------
    checkpoint : Checkpoint | str | path-like
        The session's model (wearers without their own in ``roster``).
    streams : sequence of StreamQuery
        The streams to follow, each resolved at :meth:`start`.
    all_streams : str | None
        Also follow every stream of this LSL type, those appearing later too.
    roster : Roster | None
        Wearers' names and models by source_id or stream name.
    shard : tuple of (int, int) | None
        ``(K, N)``: follow only the streams of shard K
        (:func:`~eegstream.group.shard.shard_of`).
    device : "auto" | "cpu" | "cuda"
        Where the models run.
    tick_wait_s : float
        How long a tick waits, from its first ready step, for the other
        streams' steps (seconds). Steps already queued join it anyway.
    align_s : float | None
        The most LSL time between the steps of one sample of the group
        outlet (:class:`~eegstream.group.GroupOutlet`), in seconds; None: the
        model's hop.
    outlets : bool
        Publish each wearer's outlets (``<wearer>-probabilities`` etc.)
        and the group outlet.
    group_name : str
        Name and source_id of the group outlet.
    log_path : path-like | None
        A JSON Lines session log: one ``step`` record per wearer step, with
        ``wearer``.
    resolve_timeout : float
        Seconds to wait for each of ``streams`` at :meth:`start`.
    unit, line_freq, assume_seed_order, checks, asr
        As for :class:`~eegstream.pipeline.LiveChain`, for every stream.
    lost_after_s, buffer_s : float
        As for :class:`~eegstream.pipeline.LivePipeline`.
    markers : sequence of str | None
        Marker streams that hold every wearer's truth (a stimulus program's);
        None: each stream's replay's, the room's one marker stream when its
        description names one (:mod:`eegstream.group.markers`).
    label_map : LabelMap | path-like | None
        Rules (TOML, :mod:`eegstream.labelmap`) turning foreign markers into
        true labels, as for :class:`~eegstream.pipeline.LivePipeline`.
    """

    def __init__(
        self,
        checkpoint: Checkpoint | str | os.PathLike,
        *,
        streams: Sequence[StreamQuery] = (),
        all_streams: str | None = None,
        roster: Roster | None = None,
        shard: tuple[int, int] | None = None,
        device: str = "auto",
        tick_wait_s: float = 0.005,
        align_s: float | None = None,
        outlets: bool = True,
        group_name: str = "eegstream-group",
        log_path: str | os.PathLike | None = None,
        resolve_timeout: float = 5.0,
        unit: str = "auto",
        line_freq: float | str | None = None,
        assume_seed_order: bool = False,
        checks: bool = True,
        asr: bool | None = None,
        lost_after_s: float = 0.5,
        buffer_s: float = 30.0,
        markers: Sequence[str] | None = None,
        label_map: LabelMap | str | os.PathLike | None = None,
    ) -> None:
        if not streams and all_streams is None:
            raise EEGStreamError(
                "a group session needs streams or all_streams (--stream/--source-id "
                "more than once, or --all-streams TYPE)"
            )
        duplicate = _first_duplicate(streams)
        if duplicate is not None:
            raise EEGStreamError(
                f"stream {duplicate.describe()} is given twice; give each stream once"
            )
        if tick_wait_s < 0:
            raise EEGStreamError(f"tick wait must be >= 0 s, got {tick_wait_s:g} s")
        self.checkpoint = as_checkpoint(checkpoint)
        self.classes = tuple(self.checkpoint.classes)
        self.queries = tuple(streams)
        self.all_streams = all_streams
        self.roster = roster or Roster()
        self.shard = shard
        self.tick_wait_s = float(tick_wait_s)
        self.align_s = align_s
        self.use_outlets = bool(outlets)
        self.group_name = group_name
        self.log_path = Path(log_path) if log_path is not None else None
        self.resolve_timeout = float(resolve_timeout)
        self.chain_options: dict[str, Any] = {
            "unit": unit,
            "line_freq": line_freq,
            "assume_seed_order": assume_seed_order,
            "checks": checks,
            "asr": asr,
        }
        self.lost_after_s, self.buffer_s = float(lost_after_s), float(buffer_s)
        self.markers = RoomMarkers(markers, model_label_map(label_map, self.classes))
        self.batch = BatchClassifier(device)
        self.members: list[Member] = []
        self.group_outlet: GroupOutlet | None = None
        self.log: SessionLog | None = None
        self.recorder: Recorder | None = None
        #: What the XDF recording holds, once stop() closed it (None without one).
        self.recording: RecordingReport | None = None
        #: Ticks classified, and the steps they held (for the summary).
        self.ticks = 0
        self.steps = 0
        self._models: dict[str, Checkpoint] = {}
        self._resolver: pylsl.ContinuousResolver | None = None
        self._lock = threading.Lock()  # members list, log
        # Each step with the key of the model its chain made it for.
        self._ready: queue.Queue[_Ready] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> GroupSession:
        """Resolve the streams, build every chain, start the threads; return ``self``.

        Raises
        ------
        EEGStreamError
            A stream of ``streams`` did not appear, or two of them are one
            stream; the log path cannot be written. Nothing is left running.
            A stream whose chain is refused (channels, rate) is kept as a
            refused :class:`Member`, with its reason, unless all are.
        """
        try:
            if self.batch.device_option != "cuda":
                # One intra-op thread: steady latency beside other processes (see
                # LivePipeline); a batch of 16 still fits one core's budget.
                torch.set_num_threads(1)
            self.batch.add(self.checkpoint)
            infos = [self._resolve(q) for q in self.queries]
            uids = [i.uid() for i in infos]
            for k, uid in enumerate(uids):
                if uid in uids[:k]:
                    raise EEGStreamError(
                        f"{self.queries[k].describe()} and "
                        f"{self.queries[uids.index(uid)].describe()} are the same "
                        "stream; give each stream once"
                    )
            if self.log_path is not None:
                self.log = SessionLog(self.log_path)
            # Libraries and models loaded: freeze them now, before any stream
            # runs (the full collection of the freeze stalls every thread), and
            # no generation-2 pauses from here on.
            _realtime.live_started(self)
            # Before the streams: the first ones' steps are classified while the
            # others are still being opened.
            self._spawn(self._batch_loop, "eegstream-group-batch")
            # One look for the replays' marker streams: a headset without one
            # then costs no wait (MarkerListener waits for its stream at start).
            self.markers.look(timeout=1.0)
            for info in infos:
                self._add(info)
            if self.all_streams is not None:
                # Those there now; later ones are found as they appear.
                for info in self._discover(min(self.resolve_timeout, 1.0)):
                    self._add(info)
            if self.members and all(m.chain is None for m in self.members):
                raise EEGStreamError(
                    "no stream could be followed: "
                    + "; ".join(f"{m.summary.name}: {m.error}" for m in self.members)
                )
            self._open_group_outlet()
            # The chains and inlets built since live mode began: out of every
            # full collection from here on (_realtime.freeze_new).
            _realtime.freeze_new()
        except BaseException:
            self.stop()
            raise
        if self.all_streams is not None:
            self._spawn(self._discover_loop, "eegstream-group-discover")
        return self

    def stop(self) -> None:
        """Stop every thread, close inlets, then outlets, then the log. Idempotent."""
        for member in self.members:  # their recordings close; no switch now
            if member.calibration is not None:
                member.calibration.cancel()
        self._stop.set()
        for member in self.members:
            if member.inlet is not None:
                member.inlet.ring.notify()
        for thread in self._threads:
            thread.join(5.0)
        self._threads = []
        self._resolver = None  # stops listening
        _realtime.live_stopped(self)
        if self.recorder is not None:  # LabRecorder's inlets close first
            self.recording = self.recorder.stop()
            self.recorder = None
            self._log("recording", None, state="stopped", **self.recording.to_dict())
        self.markers.stop()
        for member in self.members:  # inlets close before outlets
            if member.inlet is not None:
                member.inlet.stop()
        for member in self.members:
            if member.outlets is not None:
                member.outlets.close()
                member.outlets = None
        if self.group_outlet is not None:
            self.group_outlet.close()
            self.group_outlet = None
        if self.log is not None:
            for member in self.members:
                self._log("wearer_end", member, **self._member_summary(member))
            self.log.close()
            self.log = None

    def start_recording(self, path: str | os.PathLike) -> Recorder:
        """Record every stream of the session into one new XDF file (LabRecorder).

        The file holds every followed headset's EEG and its replay marker
        stream (``<source_id>-markers``, when visible), each wearer's outlets
        and the group outlet. Streams that appear after this call
        (``all_streams``) are not in it. :meth:`stop` closes the file first
        and keeps its report in :attr:`recording`.

        Raises
        ------
        EEGStreamError
            Already recording; the path cannot be written; LabRecorder could
            not start. The session runs on.
        """
        if self.recorder is not None:
            raise EEGStreamError(
                f"start_recording: already recording to {self.recorder.path}"
            )
        running = [m for m in list(self.members) if m.chain is not None]
        streams = [m.summary for m in running]
        followed = {name for m in running for name in _marker_names(m)}
        streams += [
            s
            for s in list_streams(timeout=1.0)
            if s.source_id in followed or s.name in followed
        ]
        outlets = [
            o
            for m in running
            if m.outlets is not None
            for o in (m.outlets.probabilities, m.outlets.band_power, m.outlets.quality)
        ]
        if self.group_outlet is not None:
            outlets.append(self.group_outlet.outlet)
        streams += [StreamSummary.from_info(o.get_info()) for o in outlets if o]
        self.recorder = Recorder(path, streams).start()
        self._log(
            "recording",
            None,
            state="started",
            path=str(self.recorder.path),
            streams=[{"name": s.name, "source_id": s.source_id} for s in streams],
        )
        return self.recorder

    def start_calibration(
        self, seconds: float, plans: dict[str, tuple[Calibrate, Path]]
    ) -> dict[str, LiveCalibration]:
        """Calibrate wearers on their next ``seconds`` of EEG, then switch each.

        Per wearer, as :meth:`LivePipeline.start_calibration
        <eegstream.pipeline.LivePipeline.start_calibration>`: LabRecorder
        records its EEG and the marker streams it follows into its own XDF,
        ``calibrate(path)`` fits a personal model on a background thread and
        :meth:`switch_model` makes the wearer go on with it; the others are
        not held up. A wearer's failure is logged and it goes on with its model.

        Parameters
        ----------
        seconds : float
            Seconds of each wearer's EEG to record (its stream's samples).
        plans : dict of str to (Calibrate, Path)
            Wearer name to its calibration function and XDF path; running
            wearers not named are not calibrated.

        Returns
        -------
        dict of str to LiveCalibration
            The calibrations started, by wearer.

        Raises
        ------
        EEGStreamError
            A wearer not in the session or not running, or calibrating
            already; LabRecorder could not start. Those started go on.
        """
        members = {m.wearer: m for m in list(self.members)}
        for wearer in plans:
            member = members.get(wearer)
            if member is None or member.chain is None or member.inlet is None:
                raise EEGStreamError(
                    f"start_calibration: no running wearer {wearer!r} "
                    f"(running: {', '.join(sorted(members))})"
                )
            if member.calibration is not None and member.calibration.active:
                raise EEGStreamError(
                    f"start_calibration: wearer {wearer} is calibrating already"
                )
        visible = list_streams(timeout=1.0)
        started = {}
        for wearer, (calibrate, path) in plans.items():
            member = members[wearer]
            inlet = member.inlet
            assert inlet is not None  # sanity check: running, checked above
            followed = set(_marker_names(member))
            streams = [member.summary] + [
                s for s in visible if s.source_id in followed or s.name in followed
            ]

            def log(record_type: str, member: Member = member, **fields) -> None:
                self._log(record_type, member, **fields)

            def samples(inlet: InletThread = inlet) -> int:
                return inlet.ring.total

            def switch(ckpt: Path, why: str, wearer: str = wearer) -> ModelSwitch:
                return self.switch_model(wearer, ckpt, why)

            calibration = LiveCalibration(
                Recorder(path, streams),
                seconds,
                calibrate,
                samples=samples,
                rate=member.summary.nominal_srate,
                switch=switch,
                log=log,
            )
            member.calibration = calibration.start()
            started[wearer] = calibration
        return started

    def switch_model(
        self,
        wearer: str,
        checkpoint: Checkpoint | str | os.PathLike,
        reason: str = "",
        timeout: float = 30.0,
    ) -> ModelSwitch:
        """Make one wearer go on with another model, without a gap in its steps.

        As :meth:`LivePipeline.switch_model
        <eegstream.pipeline.LivePipeline.switch_model>`: the model is loaded
        (into the batch, shared with any wearer of the same weights), the
        wearer's worker switches its chain between two blocks, and every step
        from then on is classified with it. Logged as a ``model`` record.

        Raises
        ------
        EEGStreamError
            No such running wearer; the model's classes or features differ
            (the wearer goes on with its model).
        """
        member = next((m for m in list(self.members) if m.wearer == wearer), None)
        if member is None or member.chain is None:
            raise EEGStreamError(f"switch_model: no running wearer {wearer!r}")
        new = as_checkpoint(checkpoint)
        classifier = StreamingClassifier(new, device="cpu")
        member.chain.check_classifier(classifier)
        key = self.batch.add(new)
        classifier.predictor = self.batch.predictor(key)  # the batch's, shared
        member.switching_to = key
        return member.switcher.request(
            classifier,
            reason,
            timeout,
            ended=lambda: self._stop.is_set() or member.error is not None,
        )

    def _switched(self, member: Member, reason: str) -> ModelSwitch:
        """On the wearer's worker, once its chain runs the new model: record it."""
        chain, stats = member.chain, member.stats
        assert chain is not None and stats is not None  # sanity check: running
        previous = member.switches[-1].model if member.switches else ""
        member.key = member.switching_to
        switch = ModelSwitch(
            step=stats.steps,
            model=chain.checkpoint.name,
            path=str(chain.checkpoint.path),
            previous=previous or self._base_name(member),
            wearer=checkpoint_wearer(chain.checkpoint),
            reason=reason,
        )
        member.switches.append(switch)
        self._log("model", member, **switch.to_dict())
        logger.info("%s: switched to model %s", member.wearer, switch.model)
        return switch

    def _base_name(self, member: Member) -> str:
        entry = self.roster.find(member.summary.name, member.summary.source_id)
        return self._model(entry.model if entry else None).name

    def __enter__(self) -> GroupSession:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- streams ----------------------------------------------------------------------
    def _resolve(self, query: StreamQuery) -> pylsl.StreamInfo:
        info = resolve_stream(
            query.name, query.stream_type, query.source_id, timeout=self.resolve_timeout
        )
        if self.shard is not None and not self._in_shard(info):
            k, n = self.shard
            raise EEGStreamError(
                f"{query.describe()} belongs to shard "
                f"{shard_of(_shard_key(info), n)}/{n}, not to --shard {k}/{n}"
            )
        return info

    def _in_shard(self, info: pylsl.StreamInfo) -> bool:
        if self.shard is None:
            return True
        k, n = self.shard
        return shard_of(_shard_key(info), n) == k

    def _discover(self, timeout: float) -> list[pylsl.StreamInfo]:
        """Streams of type ``all_streams`` in this shard not followed yet.

        A resolver keeps listening in the background from the first call on
        (a one-off resolve with no minimum returns before the answers
        arrive); the first call waits ``timeout`` seconds for them.
        """
        if self._resolver is None:
            self._resolver = pylsl.ContinuousResolver(pred=f"type='{self.all_streams}'")
            self._stop.wait(timeout)
        found = self._resolver.results()
        with self._lock:
            known = {_shard_key_of(m.summary) for m in self.members}
        new, seen = [], set()
        for info in found:
            key = _shard_key(info)
            if key not in known and key not in seen and self._in_shard(info):
                seen.add(key)
                new.append(info)
        return sorted(new, key=lambda i: (i.name(), i.source_id()))

    def _discover_loop(self) -> None:
        while not self._stop.wait(DISCOVER_EVERY_S):
            for info in self._discover(0.0):
                if self._stop.is_set():
                    return
                self._add(info)
                _realtime.freeze_new()

    def _add(self, info: pylsl.StreamInfo) -> Member:
        """Open a stream and build its chain; a refusal is kept on the member."""
        summary = StreamSummary.from_info(info)
        entry = self.roster.find(summary.name, summary.source_id)
        member = Member(entry.name if entry else summary.name, summary)
        try:
            checkpoint = self._model(entry.model if entry else None)
            member.key = self.batch.add(checkpoint)
            # Marker streams first where known: no marker missed.
            member.markers = self.markers.before_inlet(summary)
            member.inlet = inlet = InletThread(
                info, buffer_s=self.buffer_s, lost_after_s=self.lost_after_s
            ).start()
            full = inlet.info
            member.markers = self.markers.after_inlet(summary, full, member.markers)
            member.synthetic = full.desc().child_value("synthetic") == "true"
            options = dict(self.chain_options)
            member.chain = chain = LiveChain.from_labels(
                checkpoint,
                full.get_channel_labels(),
                summary.nominal_srate,
                n_channels=full.channel_count(),
                declared_unit=unit_from_description(full.get_channel_units()),
                device="cpu",  # its own model is not called: the batch classifies
                clock=pylsl.local_clock,
                stream_name=f"stream {summary.name!r} (wearer {member.wearer})",
                suggest_from=summary.name,
                **options,
            )
            # One model per weights in the process: the chain's own call
            # (LiveChain.push, never made here) would use the shared one too.
            chain.classifier.predictor = self.batch.predictor(member.key)
        except EEGStreamError as err:
            member.error = str(err)
            member.chain = None
            if member.inlet is not None:
                member.inlet.stop()
            self.markers.discard(member.markers)
            logger.warning("%s: refused: %s", summary.name, err)
            self._log("refused", member, message=member.error)
            with self._lock:
                self.members.append(member)
            return member
        member.stats = SessionStats(chain.classes)
        if self.use_outlets:
            member.outlets = ResultOutlets.of_chain(
                chain,
                member.wearer,
                summary.source_id or summary.name,
                wearer=member.wearer,
                synthetic=member.synthetic,
                markers=_truth_name(member),
            )
        for message in chain.warnings:
            logger.warning("%s: %s", member.wearer, message)
        self._log("wearer_start", member, **_header(member))
        reader = inlet.ring.reader(from_start=True)
        with self._lock:
            self.members.append(member)
        member.thread = self._spawn(
            lambda: self._member_loop(member, reader), f"eegstream-{member.wearer}"
        )
        return member

    def _model(self, path: Path | None) -> Checkpoint:
        """Return the session's checkpoint, or a wearer's own (loaded once per file)."""
        if path is None:
            return self.checkpoint
        key = str(path.resolve())
        if key not in self._models:
            checkpoint = as_checkpoint(path)
            if tuple(checkpoint.classes) != self.classes:
                raise EEGStreamError(
                    f"model {checkpoint.name!r} has classes "
                    f"{', '.join(checkpoint.classes)}, the session's "
                    f"{', '.join(self.classes)}; a wearer's model needs the same "
                    "classes in the same order"
                )
            self._models[key] = checkpoint
        return self._models[key]

    def _open_group_outlet(self) -> None:
        if not self.use_outlets:
            return
        names = [m.wearer for m in self.members if m.chain is not None]
        names += [e.name for e in self.roster.entries if e.name not in names]
        if names:
            cfg = self.checkpoint.feature_config
            self.group_outlet = GroupOutlet(
                self.group_name,
                names,
                self.classes,
                span_s=self.align_s if self.align_s is not None else cfg.hop_s,
            )

    def _spawn(self, target, name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()
        return thread

    # -- threads ----------------------------------------------------------------------
    def _member_loop(self, member: Member, reader) -> None:
        """One stream: blocks to ready steps, until stopped or its stream fails."""
        chain, inlet = member.chain, member.inlet
        assert chain is not None and inlet is not None  # sanity check: _add built them
        try:
            while not self._stop.is_set():
                if inlet.error is not None:
                    raise EEGStreamError(f"acquisition stopped: {inlet.error}")
                member.switcher.apply(chain, lambda why: self._switched(member, why))
                if not reader.wait(0.05):
                    continue
                for gap, piece in reader.read().split():
                    if gap is not None:
                        chain.reset()
                        self._log("gap", member, time=gap.time, reason=gap.reason)
                    if piece.n_samples:
                        for ready in chain.push_ready(
                            piece.data, piece.timestamps, piece.arrival
                        ):
                            self._ready.put((member, member.key, ready))
        except Exception as err:  # kept on the member; the others run on
            member.error = str(err) if isinstance(err, EEGStreamError) else repr(err)
            logger.error("%s stopped: %s", member.wearer, member.error)
            self._log("error", member, message=member.error)

    def _batch_loop(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._ready.get(timeout=0.05)
            except queue.Empty:
                continue
            tick = [first]
            deadline = time.monotonic() + self.tick_wait_s
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._awaited(tick, remaining):
                    break
                try:
                    tick.append(self._ready.get(timeout=remaining))
                except queue.Empty:
                    break
            # Steps that became ready meanwhile (while the last tick was being
            # classified) join this one, whatever the wait.
            while True:
                try:
                    tick.append(self._ready.get_nowait())
                except queue.Empty:
                    break
            try:
                self._classify(tick)
            except Exception as err:  # never a traceback from the thread
                logger.error("group batch failed: %r", err)
                self._log("error", None, message=repr(err))
            _realtime.after_step()  # collect now, between ticks, not inside the next

    def _awaited(self, tick: list[_Ready], remaining: float) -> bool:
        """Whether a running stream without a step in the tick is due within the wait.

        A stream whose next step is due later (streams out of phase) is not
        waited for: its wearers' ticks would only grow later.
        """
        horizon = pylsl.local_clock() + remaining
        taken = {id(m) for m, _, _ in tick}
        return any(
            m.state == "ok" and id(m) not in taken and not m.due > horizon
            for m in list(self.members)
        )

    def _classify(self, tick: list[_Ready]) -> None:
        probs = self.batch.classify(
            [k for _, k, _ in tick], [r.sequence for _, _, r in tick]
        )
        now = pylsl.local_clock()
        self.ticks += 1
        self.steps += len(tick)
        aligned = []
        for (member, _, ready), p in zip(tick, probs, strict=True):
            assert member.chain is not None  # sanity check: it made the step
            # Next due one step interval on: as measured (a replay faster than
            # real time), else the hop.
            interval = ready.arrival - member.arrived
            if not 0 < interval < 2 * member.chain.cfg.hop_s:
                interval = member.chain.cfg.hop_s
            member.arrived, member.due = ready.arrival, ready.arrival + interval
            result = ready.finish(p, now)
            self._emit(member, result)
            aligned.append((member.wearer, result.timestamp, result.probabilities))
        if self.group_outlet is not None:
            self.group_outlet.push(aligned)
        for name, listener in self.markers.shared().items():
            for ts, marker in listener.drain():
                self._log("marker", None, stream=name, time=ts, marker=marker)

    def _emit(self, member: Member, result: StepResult) -> None:
        chain, stats = member.chain, member.stats
        assert chain is not None and stats is not None  # sanity check: running
        if member.markers:
            result = self._label(member.markers, chain, result)
            shared = self.markers.shared().values()
            for listener in member.markers:
                if listener not in shared:  # its own: logged with its wearer
                    for ts, marker in listener.drain():
                        self._log("marker", member, time=ts, marker=marker)
        member.last = result
        stats.count(result)
        if member.outlets is not None:
            band = result.band_power[chain.plan.present]
            with np.errstate(invalid="ignore", all="ignore"):
                means = np.nanmean(np.where(np.isfinite(band), band, np.nan), axis=0)
            member.outlets.push(result.probabilities, means, result.timestamp)
        self._log(
            "step",
            member,
            time=result.timestamp,
            step=stats.steps - 1,
            probabilities=dict(
                zip(chain.classes, result.probabilities.tolist(), strict=True)
            ),
            predicted=result.predicted,
            warm=result.warm,
            latency_s=result.latency_s,
            true_label=result.true_label,
            since_onset_s=result.since_onset_s,
            quality=None if result.quality is None else result.quality.to_dict(),
        )

    @staticmethod
    def _label(
        markers: Sequence[MarkerListener], chain: LiveChain, result: StepResult
    ) -> StepResult:
        """Attach the true label of the trial holding the step's window."""
        found = find_trial(
            markers, result.window_start, result.timestamp, 0.5 / chain.cfg.sfreq
        )
        if found is None:
            return result
        label, onset = found
        return dataclasses.replace(
            result, true_label=label, since_onset_s=result.timestamp - onset
        )

    # -- views ------------------------------------------------------------------------
    def status_lines(self) -> list[str]:
        """One line per wearer: top class, confidence, state, latency, steps."""
        lines = []
        for m in list(self.members):
            if m.chain is None or m.stats is None:
                lines.append(f"{m.wearer}: refused: {m.error}")
                continue
            top = "-"
            if m.last is not None:
                top = f"{m.last.predicted} {m.last.probabilities.max():.2f}"
            p50, p99 = m.stats.recent_latency()
            accuracy = m.stats.accuracy(m.synthetic)
            lines.append(
                f"{m.wearer}: {top} | {m.state} | latency p50 {p50 * 1e3:.1f} ms "
                f"p99 {p99 * 1e3:.1f} ms | {m.stats.steps} steps"
                + (
                    f" | accuracy {100 * accuracy.accuracy:.0f} % of "
                    f"{accuracy.steps} labelled"
                    + (" (SYNTHETIC)" if m.synthetic else "")
                    if accuracy is not None
                    else ""
                )
                + (
                    f" | calibration {m.calibration.status()}"
                    if m.calibration is not None and m.calibration.status()
                    else ""
                )
                + (f" | {m.error}" if m.error else "")
            )
        return lines

    def _member_summary(self, member: Member) -> dict:
        if member.stats is None:
            return {"error": member.error}
        inlet = member.inlet
        accuracy = member.stats.accuracy(member.synthetic)
        return {
            "steps": member.stats.steps,
            "accuracy": None if accuracy is None else accuracy.to_dict(),
            "latency_s": member.stats.latency().to_dict(),
            "samples_received": inlet.ring.total if inlet is not None else 0,
            "samples_lost": inlet.samples_lost if inlet is not None else 0,
            "gaps": inlet.gaps if inlet is not None else 0,
            "error": member.error,
        }

    def _log(self, record_type: str, member: Member | None, **fields) -> None:
        if self.log is None:
            return
        if member is not None:
            fields = {"wearer": member.wearer, **fields}
        with self._lock:
            if self.log is not None:
                self.log.write(record_type, **fields)


#: A ready step, its member and the key of the model it is for.
_Ready = tuple[Member, str, ReadyStep]


def _shard_key(info: pylsl.StreamInfo) -> str:
    return info.source_id() or info.name()


def _shard_key_of(summary: StreamSummary) -> str:
    return summary.source_id or summary.name


def _marker_names(member: Member) -> list[str]:
    """Names (or source_ids) of the marker streams a wearer follows."""
    return [m.name or m.source_id or "" for m in member.markers]


def _truth_name(member: Member) -> str | None:
    """Return the name of the marker stream with the wearer's truth."""
    for listener in member.markers:
        return listener.name or markers_name(member.summary.name)
    return None


def _first_duplicate(streams: Sequence[StreamQuery]) -> StreamQuery | None:
    seen: set[StreamQuery] = set()
    for query in streams:
        if query in seen:
            return query
        seen.add(query)
    return None


def _header(member: Member) -> dict:
    chain, s = member.chain, member.summary
    assert chain is not None  # sanity check: built
    return {
        "model": chain.checkpoint.name,
        "stream": {
            "name": s.name,
            "source_id": s.source_id,
            "channel_count": s.channel_count,
            "nominal_rate": s.nominal_srate,
        },
        "channels": chain.plan.to_dict(),
        "warnings": list(chain.warnings),
    }
