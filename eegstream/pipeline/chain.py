"""The live signal chain, synchronous: a stream's samples in, stamped results out.

::

    samples of the stream's own channels, in its unit, with timestamps
      ─► unit decision (first second) ─► select channels (ChannelPlan) ─► µV
      ─► NaN/inf counted, passed on as NaN ─► signal checks per hop-long
      segment, at the stream's rate (QualityMonitor: bad channels, artifacts)
      ─► causal resampling to the checkpoint's rate (timestamps carried)
      ─► interpolate missing and bad channels
      ─► StreamingClassifier (DE, Kalman, normaliser, sequence, model)
      ─► one StepResult per hop, with its StepQuality

:class:`LiveChain` has no thread and no LSL: :class:`~eegstream.pipeline.LivePipeline`
feeds it from its inlet thread, :func:`run_recording` from a
:class:`~eegstream.files.reading.Recording`, ``evaluate --streaming`` from a
dataset's trials, tests from arrays. What happens on faults:

- **Gap** (:meth:`LiveChain.reset`): the resampler and the feature chain start
  again (:meth:`~eegstream.model.StreamingClassifier.reset`: DE buffer, Kalman
  filter and model sequence, so the next result needs a full window and the
  model calibrates again; the wearer's normaliser statistics are kept).
  Samples are never joined across a gap.
- **NaN or infinity** in some samples: they are counted
  (:attr:`LiveChain.samples_nonfinite`) and passed on as NaN. A window
  holding one gets NaN DE for the affected channels; the Kalman filter skips
  non-finite observations, the normaliser does not count them and the
  sequence carries 0 (the mean) for them, so the state is never poisoned and
  the next clean window is exact again. Through the resampler a NaN affects
  at most one filter length (about 0.1 s) of output; the conditioning filter
  passes it as NaN and restarts that channel's state from its next finite
  sample, as after a gap.
- **Unit**: nothing is processed before the first second has arrived; then
  the unit is decided (the option, else the stream's description, else the
  amplitude: volts are scaled to µV with a warning).
- **Line frequency**: the checkpoint's conditioning notches its mains
  frequency; ``line_freq`` 50 or 60 overrides it (a headset in another
  country), ``"auto"`` estimates it from the first second, at the stream's
  own rate, and says what it found in :attr:`LiveChain.warnings`.
- **Missing channels**: interpolated when the checkpoint allows that many,
  else refused when the chain is built.
- **Bad channels** (:mod:`eegstream.quality`): every hop-long segment of the
  stream's own channels is measured after its offset and trend are removed
  (flat, railed, jumps, line noise, muscle, disagreement with the
  neighbours' spline prediction) and judged against absolute limits and the
  session's robust history. A channel bad in ``bad_after`` of its last
  ``bad_window`` segments is marked and from the next segment on
  interpolated from the good channels, like a missing one
  (:meth:`ChannelPlan.with_bad`); it is cleared after ``good_after`` good
  segments. When a channel's mark changes, its conditioning filter, DE window
  and Kalman filter start again (one NaN sample is passed for it, as for a
  non-finite sample, and its Kalman features restart), so neither what it
  showed while bad nor the switch reaches the model; its features read as
  the population mean (0) until its next full window. The channels the
  stream lacks restart with it (their interpolation weights change). More
  channels missing or bad than the checkpoint allows: the step is marked
  unreliable (and the channels interpolated all the same). Status and
  history survive gaps.
- **Artifacts**: muscle, movement and eye activity in any segment of a
  step's window is flagged on the step with the channels that showed it
  (:class:`~eegstream.quality.StepQuality`); the step is still computed.
  Segment boundaries are counted in stream samples since the last reset, so
  every verdict and flag is the same however the samples are chunked.
"""

from __future__ import annotations

import dataclasses
import os
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._errors import EEGStreamError
from ..features import LINE_FREQS, ASRSettings, estimate_line_freq
from ..model import Checkpoint, StreamingClassifier
from ..model.predict import as_checkpoint
from ..quality import (
    ARTIFACT_KINDS,
    BAD_REASONS,
    ArtifactFlag,
    BadChannel,
    QualityMonitor,
    QualitySettings,
    SegmentVerdict,
    StepQuality,
)
from ..quality.steps import (
    MIN_GOOD_CHANNELS,
    covered_flags,
    covered_segments,
    segment_samples,
)
from .channels import ChannelPlan, plan_channels
from .resample import StreamingResampler
from .results import StepResult
from .units import UNIT_SCALES, check_unit_option, decide_unit

if TYPE_CHECKING:
    from ..files.reading import Recording


class LiveChain:
    """Every signal stage of the live path, in order, driven by :meth:`push`.

    Parameters
    ----------
    checkpoint : Checkpoint | str | path-like
        The model (a loaded checkpoint, a file or a name in ``models/``).
    plan : ChannelPlan
        How the stream's channels become the checkpoint's
        (:func:`~eegstream.pipeline.plan_channels`; :meth:`from_labels` makes it).
    sfreq : float
        The stream's nominal rate in Hz; resampled causally to the checkpoint's.
    unit : "auto" | "uV" | "V"
        The stream's unit; ``"auto"`` takes ``declared_unit``, else decides
        from the amplitude of the first second (volts with a warning).
    declared_unit : str | None
        The unit the stream's description declares
        (:func:`~eegstream.pipeline.units.unit_from_description`).
    device : "auto" | "cpu" | "cuda"
        Where the model runs (when no ``classifier`` is given).
    classifier : StreamingClassifier | None
        A classifier of ``checkpoint`` to use (its wearer statistics carry
        over; its feature state is reset); ``None`` makes one.
    clock : callable | None
        The clock of the ``arrival`` times given to :meth:`push` (seconds; for
        LSL ``pylsl.local_clock``): a result's ``latency_s`` is ``clock()`` when
        it is computed minus the arrival of its last sample.
    stream_name : str
        For messages, e.g. ``"stream 'Cap'"``.
    line_freq : None | 50 | 60 | "auto"
        Mains frequency to notch: ``None`` the checkpoint's, 50 or 60 Hz
        instead of it, ``"auto"`` estimated from the first second (the
        checkpoint's when no line stands out).
    checks : bool | QualitySettings
        The signal checks: ``True`` with the checkpoint's settings
        (:attr:`CheckpointMeta.quality_settings
        <eegstream.model.meta.CheckpointMeta.quality_settings>`), a
        :class:`~eegstream.quality.QualitySettings` with those, ``False``
        off (no bad channels, no flags, ``quality`` None on every result).
    asr : None | bool | ASRSettings
        Artifact subspace reconstruction between the conditioning and the DE
        (:mod:`eegstream.features.asr_stage`): ``None`` as the checkpoint
        was trained, ``True`` on (the checkpoint's settings, else the
        defaults), ``False`` off, or these settings. Its lead-in, fit and
        outcome are told in :attr:`warnings`.

    Raises
    ------
    EEGStreamError
        An unknown ``unit`` or ``line_freq``, a line frequency for a
        checkpoint without conditioning, a rate below twice the model's top band or
        without a small rational ratio to the checkpoint's rate.

    Attributes
    ----------
    classes : tuple of str
        Class names, the columns of the probabilities.
    plan : ChannelPlan
    resampler : StreamingResampler
    classifier : StreamingClassifier
    unit, unit_source : str | None
        The unit decided (``"uV"``, ``"mV"``, ``"V"``) and why (``"option"``,
        ``"description"``, ``"amplitude"``, ``"default"``); ``None`` during the
        first second.
    scale : float
        Factor to µV (1.0 until the unit is decided).
    cfg : FeatureConfig
        The feature settings in use: the checkpoint's, with the line
        frequency decided.
    line_freq, line_freq_source : float | None, str | None
        The mains frequency notched (``None`` without conditioning) and why
        (``"checkpoint"``, ``"option"``, ``"estimated"``); with ``"auto"``,
        ``None`` during the first second.
    samples_nonfinite : int
        Samples pushed that held NaN or infinity in some used channel.
    monitor : QualityMonitor | None
        The signal checks (None when off); ``monitor.marked`` are the taken
        channels marked bad now.
    active_plan : ChannelPlan
        ``plan`` with the channels marked bad (:meth:`ChannelPlan.with_bad`).
    warnings : list of str
        What the user should know (channel matching, normaliser, unit); the
        chain does not log them, its caller shows them.
    verdict_listeners : list of callable
        Called with every :class:`~eegstream.quality.SegmentVerdict` as it is
        judged, oldest first, on the thread that pushes (``eegstream check``
        collects them); empty by default.
    """

    def __init__(
        self,
        checkpoint: Checkpoint | str | os.PathLike,
        plan: ChannelPlan,
        sfreq: float,
        *,
        unit: str = "auto",
        declared_unit: str | None = None,
        device: str = "auto",
        classifier: StreamingClassifier | None = None,
        clock: Callable[[], float] | None = None,
        stream_name: str = "the stream",
        line_freq: float | str | None = None,
        checks: bool | QualitySettings = True,
        asr: bool | ASRSettings | None = None,
    ) -> None:
        check_unit_option(unit)
        _check_line_freq(line_freq)
        self.checkpoint = as_checkpoint(checkpoint)
        self.classes = self.checkpoint.classes
        if classifier is None:
            classifier = StreamingClassifier(self.checkpoint, device=device)
        elif classifier.checkpoint is not self.checkpoint:
            raise EEGStreamError(
                f"classifier runs model {classifier.checkpoint.name!r}, not the "
                f"chain's {self.checkpoint.name!r}; pass a StreamingClassifier of the "
                "same Checkpoint object"
            )
        self.cfg = classifier.cfg  # served features (official-feature models)
        _check_rate(sfreq, self.cfg.bands, stream_name)
        self.classifier = classifier
        self.line_freq_option = line_freq
        self.line_freq: float | None = None
        self.line_freq_source: str | None = None
        if line_freq == "auto":  # decided with the unit, after the first second
            self.classifier.features.set_line_freq(None)
        else:
            self._use_line_freq(
                None if line_freq is None else float(line_freq), "option"
            )
        asr_note = self._use_asr(asr)
        self.plan = plan
        self.stream_name = stream_name
        self.sfreq = float(sfreq)
        self.resampler = StreamingResampler(self.sfreq, self.cfg.sfreq, plan.n_present)
        self.monitor = self._make_monitor(checks)
        self.active_plan = plan
        # Model rows to restart (one NaN sample) at the next output, on a change.
        self._restart_rows = np.empty(0, dtype=int)
        self._verdicts: deque[SegmentVerdict] = deque(
            maxlen=int(np.ceil(self.cfg.window / self.cfg.hop)) + 2
        )
        self.verdict_listeners: list[Callable[[SegmentVerdict], None]] = []
        self.unit_option, self.declared_unit = unit, declared_unit
        self.clock = clock
        self.unit: str | None = None
        self.unit_source: str | None = None
        self.scale = 1.0
        self.samples_nonfinite = 0
        self.warnings: list[str] = [classifier.note] if classifier.note else []
        if asr_note is not None:
            self.warnings.append(asr_note)
        if self.checkpoint.meta.normaliser.mode == "subject":
            self.warnings.append(
                "the checkpoint was trained with per-subject z-scoring, which needs "
                "the whole session; live it runs the causal running normaliser "
                "instead"
            )
        # Blocks of the first second, held until the unit is decided:
        # (data, stamps, gap before it).
        self._pending: list[tuple[np.ndarray, np.ndarray, bool]] = []
        self._gap_next = False
        # push_ready: steps are returned unclassified, with their sequences.
        self._defer = False
        self._ready: list[tuple[np.ndarray, float]] = []
        self.reset()

    @classmethod
    def from_labels(
        cls,
        checkpoint: Checkpoint | str | os.PathLike,
        labels: Sequence[str | None] | None,
        sfreq: float,
        *,
        n_channels: int | None = None,
        assume_seed_order: bool = False,
        stream_name: str = "the stream",
        suggest_from: str | None = None,
        **kwargs,
    ) -> LiveChain:
        """Build the chain for a stream with these channel labels.

        Parameters
        ----------
        checkpoint : Checkpoint | str | path-like
            The model.
        labels : sequence of str | None
            The stream's channel labels (any 10-20 naming), or ``None``.
        sfreq : float
            The stream's nominal rate in Hz.
        n_channels : int | None
            Channels in the stream (default ``len(labels)``).
        assume_seed_order : bool
            Take an unlabelled stream of 62 channels, or of the model's, as SEED
            order (with a warning).
        stream_name : str
            For messages.
        suggest_from : str | None
            The stream's name: a refusal for missing channels then suggests
            ``eegstream train --channels-from`` it (a subset model).
        **kwargs
            ``unit``, ``declared_unit``, ``device``, ``classifier``, ``clock``,
            ``line_freq``: as for :class:`LiveChain`.

        Raises
        ------
        EEGStreamError
            Unmatched or more missing channels than the checkpoint allows
            (:func:`~eegstream.pipeline.plan_channels`), or as :class:`LiveChain`.
        """
        checkpoint = as_checkpoint(checkpoint)
        plan, warnings = plan_channels(
            labels,
            len(labels or []) if n_channels is None else n_channels,
            checkpoint_channels=checkpoint.channels,
            max_missing=checkpoint.meta.max_missing_channels,
            assume_seed_order=assume_seed_order,
            stream_name=stream_name,
            suggest_from=suggest_from,
        )
        chain = cls(checkpoint, plan, sfreq, stream_name=stream_name, **kwargs)
        chain.warnings[:0] = warnings
        return chain

    @classmethod
    def from_recording(
        cls, checkpoint: Checkpoint | str | os.PathLike, recording: Recording, **kwargs
    ) -> LiveChain:
        """Build the chain for a :class:`~eegstream.files.reading.Recording` (µV).

        Channels are matched by name, at the recording's own rate; rows of SEED
        channels the file lacked (NaN in a SEED-order recording) count as
        missing and are interpolated as the checkpoint allows.
        ``**kwargs``: ``device``, ``classifier``, ``line_freq`` (as for
        :class:`LiveChain`).
        """
        labels, _ = _recording_rows(recording)
        name = f"recording {recording.path.name or '(in memory)'!r}"
        return cls.from_labels(
            checkpoint, labels, recording.sfreq, unit="uV", stream_name=name, **kwargs
        )

    # -- state -------------------------------------------------------------------------
    def reset(self) -> None:
        """Start a new segment (after a gap): nothing is joined across it.

        Resets the resampler and the feature chain; the wearer's normaliser
        statistics and the unit stay.
        """
        if self._pending:
            self._gap_next = True  # replayed in order once the unit is known
        self.resampler.reset()
        self.classifier.reset()
        if self.monitor is not None:
            self.monitor.reset()
        self._verdicts.clear()
        self._restart_rows = np.empty(0, dtype=int)
        # Stamps (timestamp, arrival) of the segment's newest outputs, oldest first.
        self._stamps = np.empty((2, 0))

    def reset_wearer(self) -> None:
        """Also forget the wearer: normaliser statistics and signal-check history.

        A new person has new electrodes: no channel stays marked, and their
        own baseline is learnt again.
        """
        self.reset()
        self.classifier.reset_wearer()
        if self.monitor is not None:
            self.monitor = self._make_monitor(self.monitor.settings)
            self.active_plan = self.plan

    def switch_classifier(self, classifier: StreamingClassifier) -> None:
        """Go on with another model, between two :meth:`push` calls, without a gap.

        The new classifier takes over the signal state and the wearer's
        statistics (:meth:`StreamingClassifier.continue_from
        <eegstream.model.StreamingClassifier.continue_from>`), so the next hop
        gives a step as the old model would have; resampler, unit, channel
        plan and line frequency stay.

        Parameters
        ----------
        classifier : StreamingClassifier
            Of a checkpoint with the same classes in the same order and the
            same feature settings and channels (e.g. a personal model
            calibrated from the running one).

        Raises
        ------
        EEGStreamError
            The classes or the features differ (:meth:`check_classifier`);
            the chain runs on unchanged.
        """
        self.check_classifier(classifier)
        classifier.continue_from(self.classifier)
        self.checkpoint, self.classifier = classifier.checkpoint, classifier

    def check_classifier(self, classifier: StreamingClassifier) -> None:
        """Check that ``classifier`` could take over (:meth:`switch_classifier`).

        Raises
        ------
        EEGStreamError
            One line: its classes (names and order) or feature settings or
            channels differ from the running model's.
        """
        new = tuple(classifier.classes)
        if new != tuple(self.classes):
            raise EEGStreamError(
                f"model {classifier.checkpoint.name!r} has classes {', '.join(new)}, "
                f"the running model {', '.join(self.classes)}; a model can only be "
                "switched live for one with the same classes in the same order"
            )
        classifier.check_continues(self.classifier)

    # -- data --------------------------------------------------------------------------
    def push(
        self,
        data: np.ndarray,
        timestamps: np.ndarray,
        arrival: np.ndarray | None = None,
    ) -> list[StepResult]:
        """Add samples and return a result for each hop they complete.

        Parameters
        ----------
        data : array of float, shape (n_stream_channels, n)
            Samples of the stream's own channels, in its unit, oldest first,
            continuing the previous block (call :meth:`reset` after a gap).
        timestamps : array of float, shape (n,)
            Each sample's timestamp in seconds (any clock: LSL time, seconds
            into a recording).
        arrival : array of float, shape (n,) | None
            When each sample was received, on ``clock``; gives ``latency_s``.

        Returns
        -------
        list of StepResult
            Oldest first, stamped with the timestamps of the window's first and
            last samples; empty when no hop completed (and during the first
            second, whose results come with the block that completes it).
        """
        data = np.asarray(data, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] != self.plan.n_stream_channels:
            raise EEGStreamError(
                f"data must have shape ({self.plan.n_stream_channels}, n_samples) "
                f"(the stream's channels), got {data.shape}"
            )
        stamps = _stamp_rows(data.shape[1], timestamps, arrival)
        if self.unit is not None:
            return self._process(data, stamps)
        self._pending.append((data, stamps, self._gap_next))
        self._gap_next = False
        if sum(d.shape[1] for d, _, _ in self._pending) < self.sfreq:
            return []
        self._decide_first_second()
        pending, self._pending = self._pending, []
        results = []
        for held, held_stamps, gap in pending:
            if gap:
                self.reset()
            results += self._process(held, held_stamps)
        return results

    def push_array(
        self, data: np.ndarray, timestamps: np.ndarray, *, chunk: int = 10
    ) -> list[StepResult]:
        """Push a whole array in blocks of ``chunk`` samples, as an amplifier would.

        Offline users of the chain (:func:`run_recording`, ``evaluate
        --streaming``) call this, so the chain sees what it sees live.

        Parameters
        ----------
        data : array of float, shape (n_stream_channels, n)
            As for :meth:`push`.
        timestamps : array of float, shape (n,)
            Each sample's timestamp (seconds, or a sample index).
        chunk : int
            Samples per block (the results do not depend on it).

        Returns
        -------
        list of StepResult
            Oldest first; ``latency_s`` NaN (no arrival times).
        """
        if chunk < 1:
            raise EEGStreamError(f"chunk must be at least 1 sample, got {chunk}")
        results: list[StepResult] = []
        for i in range(0, data.shape[1], chunk):
            results += self.push(data[:, i : i + chunk], timestamps[i : i + chunk])
        return results

    def push_ready(
        self,
        data: np.ndarray,
        timestamps: np.ndarray,
        arrival: np.ndarray | None = None,
    ) -> list[ReadyStep]:
        """Like :meth:`push`, but leave the model call to the caller.

        Every stage up to the model's input runs as in :meth:`push`; the
        caller classifies the sequences (many chains' in one stacked call,
        :mod:`eegstream.group`) and completes each result with
        :meth:`ReadyStep.finish`. Takes :meth:`push`'s parameters.

        Returns
        -------
        list of ReadyStep
            Oldest first; each result's probabilities are NaN until finished.
        """
        self._defer = True
        try:
            results = self.push(data, timestamps, arrival)
        finally:
            self._defer = False
            ready, self._ready = self._ready, []
        return [
            ReadyStep(result, sequence, arrived)
            for result, (sequence, arrived) in zip(results, ready, strict=True)
        ]

    def _decide_first_second(self) -> None:
        """Decide the unit and, with ``line_freq="auto"``, the line frequency."""
        first = np.concatenate([self.plan.select(d) for d, _, _ in self._pending], 1)
        self.unit, self.unit_source, warnings = decide_unit(
            self.unit_option, self.declared_unit, first
        )
        self.scale = UNIT_SCALES[self.unit]
        self.warnings += warnings
        if self.line_freq_option == "auto":
            self._estimate_line_freq(first)

    def _use_line_freq(self, line_freq: float | None, source: str) -> None:
        """Notch ``line_freq`` (``None``: the checkpoint's); restarts the features."""
        self.classifier.features.set_line_freq(line_freq)
        self.cfg = self.classifier.features.cfg
        cond = self.cfg.conditioning
        self.line_freq = None if cond is None else cond.line_freq
        self.line_freq_source = "checkpoint" if line_freq is None else source

    def _use_asr(self, asr: bool | ASRSettings | None) -> str | None:
        """Turn ASR on or off against the checkpoint's settings; say why if so."""
        trained = self.checkpoint.feature_config.asr
        wanted = self.cfg.with_asr(asr).asr
        if wanted == trained:
            return None
        self.classifier.features.set_asr(wanted)
        self.cfg = self.classifier.features.cfg
        if trained is None:
            return "ASR is on (--asr) but the model was trained without it"
        if wanted is None:
            return "ASR is off (--no-asr) but the model was trained with it"
        return "ASR runs with other settings than the model was trained with"

    def _estimate_line_freq(self, first: np.ndarray) -> None:
        """Notch the line frequency the first second shows; say what was found."""
        found = estimate_line_freq(first, self.sfreq)
        ratios = ", ".join(f"{r:.1f}x at {f:g} Hz" for f, r in found.ratios.items())
        what = "no line noise" if found.freq is None else f"{found.freq:g} Hz noise"
        message = (
            f"line frequency (auto): {what} in the first second of "
            f"{self.stream_name} (power over its neighbours: {ratios or 'n/a'})"
        )
        trained = self.checkpoint.feature_config.conditioning
        if trained is None:
            message += "; the model has no conditioning, nothing is notched"
            found = found._replace(freq=None)
        elif found.freq is None:
            message += f"; notching the model's {trained.line_freq:g} Hz"
        elif found.freq == trained.line_freq:
            message += f"; notching {found.freq:g} Hz, as the model was trained"
        else:
            message += (
                f"; notching {found.freq:g} Hz instead of the model's "
                f"{trained.line_freq:g} Hz"
            )
        self._use_line_freq(found.freq, "estimated")
        self.warnings.append(message)

    def _make_monitor(self, checks: bool | QualitySettings) -> QualityMonitor | None:
        if checks is False:
            return None
        settings = (
            checks
            if isinstance(checks, QualitySettings)
            else self.checkpoint.meta.quality_settings
        )
        segment = segment_samples(self.cfg.hop, self.cfg.sfreq, self.sfreq)
        return QualityMonitor(self.plan.taken_names, self.sfreq, segment, settings)

    def _process(self, data: np.ndarray, stamps: np.ndarray) -> list[StepResult]:
        x = self.plan.select(data)
        if self.scale != 1.0:
            x = x * self.scale
        bad = ~np.isfinite(x)
        if bad.any():
            self.samples_nonfinite += int(bad.any(axis=0).sum())
            x = np.where(bad, np.nan, x)
        if self.monitor is None:
            return [result for result, _ in self._feed(x, stamps)]
        # Pieces end at segment boundaries, so that a status change applies
        # from the same sample however the stream is chunked.
        results: list[StepResult] = []
        start, n = 0, x.shape[1]
        while start < n:
            stop = start + min(n - start, self.monitor.to_boundary)
            piece = x[:, start:stop]
            steps = self._feed(piece, stamps[:, start:stop])
            verdict = self.monitor.push(piece)
            if verdict is not None:
                self._verdicts.append(verdict)
                for listener in self.verdict_listeners:
                    listener(verdict)
            results += [
                dataclasses.replace(result, quality=self._step_quality(end))
                for result, end in steps
            ]
            if verdict is not None and verdict.changed.any():
                self._apply_marks(verdict)
            start = stop
        return results

    def _feed(self, x: np.ndarray, stamps: np.ndarray) -> list[tuple[StepResult, int]]:
        """Resample, expand and classify samples: a result per completed hop.

        Each result comes with its window's end (output index since the last
        reset); its ``quality`` is left for :meth:`_process` to attach.
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
        if self._defer:
            nan = np.full(len(self.classes), np.nan)
            steps = [(step, nan) for step in self.classifier.features.push(y)]
        else:
            steps = self.classifier.push(y)
        asr = self.classifier.features.asr
        if asr is not None and asr.messages:
            self.warnings += asr.messages
            asr.messages.clear()
        if not steps:
            return []
        now = self.clock() if self.clock is not None else np.nan
        # Output index of self._stamps[:, 0] (outputs counted since the last reset).
        base = self.resampler.n_out - self._stamps.shape[1]
        window = self.cfg.window
        results = []
        for step, probs in steps:
            last = self._stamps[:, step.end - 1 - base]
            if self._defer:
                self._ready.append((step.sequence, float(last[1])))
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

    def _step_quality(self, end: int) -> StepQuality | None:
        """Return the checks' record of the step whose window ends at output ``end``.

        Flags: every judged segment that overlaps the window (in stream
        samples) and was complete when the window's last input arrived. Bad
        channels: those the window's newest samples were interpolated for.
        :meth:`_process` calls it after judging the segment that the step's
        piece completed.
        """
        if self.monitor is None:
            return None
        newest_input = int(self.resampler.last_input(end - 1))
        span = self.cfg.window / self.cfg.sfreq * self.sfreq
        first, last_done = covered_segments(newest_input, span, self.monitor.segment)
        names = self.plan.taken_names
        flags = []
        seen = covered_flags(self._verdicts, first, last_done)
        if seen is not None:
            for kind, row in zip(ARTIFACT_KINDS, seen, strict=True):
                if row.any():
                    flags.append(
                        ArtifactFlag(kind, tuple(names[i] for i in np.flatnonzero(row)))
                    )
        reasons = self.monitor.last_reasons
        bad = tuple(
            BadChannel(
                names[i],
                tuple(r for b, r in enumerate(BAD_REASONS) if reasons[i] >> b & 1),
            )
            for i in self.active_plan.bad
        )
        n_out = len(self.plan.missing) + self.active_plan.bad_model_index.size
        allowed = self.checkpoint.meta.max_missing_channels
        note = None
        if n_out > allowed:
            note = (
                f"{n_out} of the model's channels missing or bad, the checkpoint "
                f"allows interpolating {allowed}"
            )
        return StepQuality(bad, tuple(flags), note is None, note)

    def _apply_marks(self, verdict: SegmentVerdict) -> None:
        """Interpolate the channels marked bad; restart those whose mark changed."""
        bad = tuple(int(i) for i in np.flatnonzero(verdict.marked))
        if self.plan.n_present - len(bad) < MIN_GOOD_CHANNELS:
            return  # too few good channels to interpolate from: keep the plan
        self.active_plan = self.plan.with_bad(bad)
        changed = np.flatnonzero(verdict.changed)
        rows = self.plan.present[changed[changed < self.plan.present.size]]
        # The missing channels' weights changed too: a railed channel may
        # have been part of their interpolation.
        rows = np.union1d(rows, self.plan.missing_index).astype(int)
        self._restart_rows = np.union1d(self._restart_rows, rows).astype(int)
        n_bands = len(self.cfg.bands)
        features = (rows[:, None] * n_bands + np.arange(n_bands)).ravel()
        self.classifier.features.kalman.restart(features)


@dataclasses.dataclass(frozen=True)
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
        return dataclasses.replace(
            self.result,
            probabilities=probabilities,
            latency_s=float(now - self.arrival),
        )


def run_recording(
    chain: LiveChain, recording: Recording, *, chunk: int = 10, start: float = 0.0
) -> list[StepResult]:
    """Stream a recording through a chain, ``chunk`` samples at a time.

    Parameters
    ----------
    chain : LiveChain
        Made for this recording's channels and rate
        (:meth:`LiveChain.from_recording`); its state carries on (call
        :meth:`LiveChain.reset` first for a new segment).
    recording : Recording
        EEG in µV at any rate, any channel naming.
    chunk : int
        Samples per block, like an amplifier's (the results do not depend on it).
    start : float
        Timestamp of the first sample, in seconds.

    Returns
    -------
    list of StepResult
        Stamped in seconds (``start`` + sample index / rate); ``latency_s`` NaN.

    Examples
    --------
    A file at its own rate and channel names, through the live chain::

        recording = load_recording("S001R02.edf", sfreq=None, seed_order=False)
        chain = LiveChain.from_recording("demo-seed-iv", recording)
        results = run_recording(chain, recording)
        probabilities = np.stack([r.probabilities for r in results])
    """
    if abs(recording.sfreq - chain.sfreq) > 1e-9 * chain.sfreq:
        raise EEGStreamError(
            f"the chain expects {chain.sfreq:g} Hz, the recording is at "
            f"{recording.sfreq:g} Hz; build it with LiveChain.from_recording"
        )
    _, data = _recording_rows(recording)
    times = start + np.arange(data.shape[1]) / recording.sfreq
    return chain.push_array(data, times, chunk=chunk)


def _recording_rows(recording: Recording) -> tuple[list[str], np.ndarray]:
    """Return the recording as a stream would send it: labels and own-channel rows.

    A SEED-order recording holds NaN rows for the channels the file lacked;
    they are left out, so the chain counts them missing (interpolated).
    """
    keep = [
        i for i, name in enumerate(recording.ch_names) if name not in recording.missing
    ]
    if len(keep) == len(recording.ch_names):
        return list(recording.ch_names), recording.data
    return [recording.ch_names[i] for i in keep], recording.data[keep]


def _stamp_rows(
    n: int, timestamps: np.ndarray, arrival: np.ndarray | None
) -> np.ndarray:
    """Stack timestamps and arrival times (NaN when not given) into (2, n)."""
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
    return stamps


def _check_line_freq(line_freq: float | str | None) -> None:
    if line_freq is None or line_freq == "auto":
        return
    if isinstance(line_freq, str) or float(line_freq) not in LINE_FREQS:
        raise EEGStreamError(
            f"line frequency must be 50 or 60 Hz or 'auto', got {line_freq!r}"
        )


def _check_rate(
    sfreq: float, bands: Sequence[tuple[float, float]], stream_name: str
) -> None:
    top = max(hi for _, hi in bands)
    if sfreq < 2 * top:
        raise EEGStreamError(
            f"{stream_name} is sampled at {sfreq:g} Hz, too slow for the model's "
            f"bands up to {top:g} Hz; it needs >= {2 * top:g} Hz"
        )
