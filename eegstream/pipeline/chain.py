"""The live signal chain, synchronous: a stream's samples in, stamped results out.

::

    samples of the stream's own channels, in its unit, with timestamps
      ─► unit decision (first second) ─► select channels (ChannelPlan) ─► µV
      ─► NaN/inf counted, passed on as NaN ─► StepPath: signal checks,
      causal resampling, interpolation, StreamingClassifier
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
  (:attr:`LiveChain.samples_nonfinite`) and passed on as NaN, which never
  poisons the state (:mod:`~eegstream.pipeline.step_path`).
- **Unit**: nothing is processed before the first second has arrived; then
  the unit is decided (the option, else the stream's description, else the
  amplitude: volts are scaled to µV with a warning).
- **Missing channels**: interpolated when the checkpoint allows that many,
  else refused when the chain is built.
- **Line frequency**, **ASR**: :mod:`~eegstream.pipeline.chain_options`;
  **bad channels**, **artifacts**: :mod:`~eegstream.pipeline.chain_checks`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._errors import EEGStreamError
from ..features import ASRSettings
from ..model import Checkpoint, StreamingClassifier
from ..model.predict import as_checkpoint
from ..quality import QualityMonitor, QualitySettings, SegmentVerdict
from .chain_options import (
    built_notes,
    check_classifier_of,
    check_line_freq,
    check_rate,
    check_takeover,
    line_freq_found,
)
from .channels import ChannelPlan, plan_channels, recording_rows
from .resample import StreamingResampler
from .results import ReadyStep, StepResult
from .step_path import StepPath, checked_block
from .units import UNIT_SCALES, FirstSecond, check_unit_option, decide_unit

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
        check_line_freq(line_freq)
        self.checkpoint = as_checkpoint(checkpoint)
        self.classes = self.checkpoint.classes
        if classifier is None:
            classifier = StreamingClassifier(self.checkpoint, device=device)
        check_classifier_of(classifier, self.checkpoint)
        self.cfg = classifier.cfg  # served features (official-feature models)
        check_rate(sfreq, self.cfg.bands, stream_name)
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
        # ASR on or off against the checkpoint's settings.
        trained_asr = self.checkpoint.feature_config.asr
        wanted_asr = self.cfg.with_asr(asr).asr
        if wanted_asr != trained_asr:
            self.classifier.features.set_asr(wanted_asr)
            self.cfg = self.classifier.features.cfg
        self.plan = plan
        self.stream_name = stream_name
        self.sfreq = float(sfreq)
        self.resampler = StreamingResampler(self.sfreq, self.cfg.sfreq, plan.n_present)
        self.verdict_listeners: list[Callable[[SegmentVerdict], None]] = []
        if checks is not False and not isinstance(checks, QualitySettings):
            checks = self.checkpoint.meta.quality_settings
        self._path = StepPath(
            plan,
            self.sfreq,
            self.resampler,
            self.cfg,
            self.classes,
            checks=None if checks is False else checks,
            max_missing=self.checkpoint.meta.max_missing_channels,
            listeners=self.verdict_listeners,
            clock=clock,
        )
        self.unit_option, self.declared_unit = unit, declared_unit
        self.unit: str | None = None
        self.unit_source: str | None = None
        self.scale = 1.0
        self.samples_nonfinite = 0
        self.warnings = built_notes(classifier, trained_asr, wanted_asr)
        self._first_second = FirstSecond(self.sfreq)  # held until the unit is known
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
        labels, _ = recording_rows(recording)
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
        self._first_second.gap()
        self._path.reset()
        self.classifier.reset()

    def reset_wearer(self) -> None:
        """Also forget the wearer: normaliser statistics and signal-check history.

        A new person has new electrodes: no channel stays marked, and their
        own baseline is learnt again.
        """
        self.reset()
        self.classifier.reset_wearer()
        if self._path.checks is not None:
            self._path.checks.forget_wearer()

    @property
    def monitor(self) -> QualityMonitor | None:
        """The signal checks (None when off); ``.marked``: the channels marked bad."""
        checks = self._path.checks
        return None if checks is None else checks.monitor

    @property
    def active_plan(self) -> ChannelPlan:
        """``plan`` with the channels marked bad (:meth:`ChannelPlan.with_bad`)."""
        return self._path.active_plan

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
        check_takeover(self.classifier, classifier, self.classes)

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
        n_channels = self.plan.n_stream_channels
        data, stamps = checked_block(data, timestamps, arrival, n_channels)
        if self.unit is not None:
            return self._process(data, stamps)
        held = self._first_second.hold(data, stamps)
        if held:
            self._decide_first_second(held)
        results = []
        for block, block_stamps, gap in held:
            if gap:
                self.reset()
            results += self._process(block, block_stamps)
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
        self._path.defer = True
        try:
            results = self.push(data, timestamps, arrival)
        finally:
            self._path.defer = False
            ready, self._path.ready = self._path.ready, []
        return [
            ReadyStep(result, sequence, arrived)
            for result, (sequence, arrived) in zip(results, ready, strict=True)
        ]

    def _decide_first_second(
        self, held: Sequence[tuple[np.ndarray, np.ndarray, bool]]
    ) -> None:
        """Decide the unit and, with ``line_freq="auto"``, the line frequency."""
        first = np.concatenate([self.plan.select(d) for d, *_ in held], 1)
        self.unit, self.unit_source, warnings = decide_unit(
            self.unit_option, self.declared_unit, first
        )
        self.scale = UNIT_SCALES[self.unit]
        self.warnings += warnings
        if self.line_freq_option == "auto":
            freq, message = line_freq_found(
                first,
                self.sfreq,
                self.checkpoint.feature_config.conditioning,
                self.stream_name,
            )
            self._use_line_freq(freq, "estimated")
            self.warnings.append(message)

    def _use_line_freq(self, line_freq: float | None, source: str) -> None:
        """Notch ``line_freq`` (``None``: the checkpoint's); restarts the features."""
        self.classifier.features.set_line_freq(line_freq)
        self.cfg = self.classifier.features.cfg
        cond = self.cfg.conditioning
        self.line_freq = None if cond is None else cond.line_freq
        self.line_freq_source = "checkpoint" if line_freq is None else source

    def _process(self, data: np.ndarray, stamps: np.ndarray) -> list[StepResult]:
        x = self.plan.select(data)
        if self.scale != 1.0:
            x = x * self.scale
        bad = ~np.isfinite(x)
        if bad.any():
            self.samples_nonfinite += int(bad.any(axis=0).sum())
            x = np.where(bad, np.nan, x)
        results = self._path.push(x, stamps, self.classifier)
        if self._path.notes:  # what ASR said (its lead-in, fit, outcome)
            self.warnings += self._path.notes
            self._path.notes.clear()
        return results
