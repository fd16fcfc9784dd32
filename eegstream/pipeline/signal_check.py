"""A pre-session signal check: the live chain's own checks, summed up per channel.

``eegstream check`` runs the live pipeline (:class:`LivePipeline`, or
:class:`FilePipeline` over a recording) without outlets and collects every
segment verdict its :class:`~eegstream.pipeline.LiveChain` judges
(:attr:`LiveChain.verdict_listeners
<eegstream.pipeline.LiveChain.verdict_listeners>`): the very checks, settings
and hysteresis a session would run. :class:`SignalCheck` turns them into a
verdict per channel and a per-minute table; a check passes when every channel
the model needs is usable: present and not marked bad, or interpolated, as
long as no more are missing or bad than the checkpoint allows
(``max_missing_channels``).
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import EEGStreamError
from .._records import Record
from ..acquisition import StreamSummary
from ..model import Checkpoint
from ..quality import ARTIFACT_KINDS, BAD_REASONS, SegmentVerdict
from .chain import LiveChain
from .file_pipeline import FilePipeline
from .live import LivePipeline

if TYPE_CHECKING:
    from ..files.reading import Recording

#: What each channel verdict calls for, said to the experimenter.
FIXES = {
    "flat": "check the electrode's contact / gel, and that it is plugged in",
    "railed": "the amplifier input is saturated: re-seat the electrode, check "
    "the reference and ground",
    "jumps": "the contact pops: re-seat the electrode, add gel, relieve its cable",
    "line noise": "mains hum: lower the impedance (gel), keep the cables away "
    "from power leads",
    "noisy": "it disagrees with its neighbours: check its contact and impedance",
    "muscle": "muscle activity: ask the participant to relax jaw, face and neck",
}
#: A problem seen in at least this fraction of a channel's judged segments
#: (and in two at least) names its verdict even when the channel is not
#: marked bad. On the four clean PhysioNet recordings in tests/data the most
#: often bad channel is bad in 5-7 % of its segments; a popping C3 (400 µV
#: steps every 7 s, never marked: one bad segment in 7) in 13 %.
FREQUENT = 0.10

_REASON_NAMES = tuple(r.replace("_", " ") for r in BAD_REASONS)
#: The verdict of a channel marked bad for several reasons at once: the most
#: specific first (a railed channel is also flat, sitting at its rail).
_PRIORITY = ("railed", "flat", "jumps", "line noise", "noisy")


@dataclass(frozen=True)
class ChannelVerdict(Record):
    """What the check says about one channel.

    Attributes
    ----------
    name : str
        SEED (10-20) name.
    verdict : str
        ``"ok"``, one of ``flat``, ``railed``, ``jumps``, ``line noise``,
        ``noisy``, ``muscle``, or ``"missing"`` (the stream lacks it).
    usable : bool
        Not marked bad at the end of the check (a missing channel: False).
    needed : bool
        One of the model's channels (else interpolation support only).
    bad_fraction : float
        Fraction of its judged segments that were bad (any reason).
    std_uv, line_ratio, muscle_uv, neighbour_r : float
        Medians over its judged segments: SD after offset and trend (µV),
        log10 of mains over EEG power density, RMS in 30-75 Hz (µV),
        correlation with its neighbours' spline prediction (NaN without one).
    """

    name: str
    verdict: str
    usable: bool
    needed: bool
    bad_fraction: float = float("nan")
    std_uv: float = float("nan")
    line_ratio: float = float("nan")
    muscle_uv: float = float("nan")
    neighbour_r: float = float("nan")

    @property
    def fix(self) -> str | None:
        """What to do about it; None for ``ok`` and ``missing``."""
        return FIXES.get(self.verdict)


@dataclass(frozen=True)
class MinuteRow(Record):
    """One minute of the check.

    Attributes
    ----------
    minute : int
        From 0, counted in judged segments.
    segments : int
        Segments judged in it.
    bad : tuple of str
        Channels marked bad at any time in it.
    artifacts : dict of str to float
        Per :data:`~eegstream.quality.ARTIFACT_KINDS`: percent of its
        segments flagged with that kind.
    """

    minute: int
    segments: int
    bad: tuple[str, ...]
    artifacts: dict[str, float]


@dataclass(frozen=True)
class CheckResult(Record):
    """The check's outcome.

    Attributes
    ----------
    channels : tuple of ChannelVerdict
        The taken channels in the chain's order, then the missing ones.
    minutes : tuple of MinuteRow
    seconds : float
        Signal judged, in seconds.
    out : int
        Model channels missing or marked bad at the end.
    allowed : int
        The checkpoint's ``max_missing_channels``.
    ignored : tuple of str
        Stream channels the model does not use (not checked).
    source : str
        What was checked, e.g. ``"stream 'Cap'"``.
    """

    channels: tuple[ChannelVerdict, ...]
    minutes: tuple[MinuteRow, ...]
    seconds: float
    out: int
    allowed: int
    ignored: tuple[str, ...] = ()
    source: str = ""

    @property
    def passed(self) -> bool:
        """Every channel the model needs is usable or interpolatable."""
        return self.out <= self.allowed

    def problems(self) -> list[str]:
        """Return what to fix, a line each: ``O1 flat: check the electrode's ...``.

        Channels with a problem that the model needs or that are marked bad;
        the missing channels in one line when the check fails.
        """
        lines = [
            f"{c.name} {c.verdict}: {c.fix}" + ("" if c.usable else " (marked bad)")
            for c in self.channels
            if c.verdict not in ("ok", "missing") and (c.needed or not c.usable)
        ]
        missing = [c.name for c in self.channels if c.verdict == "missing"]
        if missing and not self.passed:
            lines.append(
                f"{', '.join(missing)} missing: the stream lacks them; add those "
                "electrodes, or train a model on the stream's channels "
                "(eegstream train --channels-from)"
            )
        return lines


def _rank(reason: str) -> int:
    return _PRIORITY.index(reason) if reason in _PRIORITY else len(_PRIORITY)


class SignalCheck:
    """Collect a chain's segment verdicts; judge each channel at the end.

    Parameters
    ----------
    chain : LiveChain
        With its signal checks on; the check listens to it from now on.
    """

    def __init__(self, chain: LiveChain) -> None:
        if chain.monitor is None:
            raise EEGStreamError("the signal check needs the chain's checks on")
        self.chain = chain
        self.names = chain.plan.taken_names
        self.segment_s = chain.monitor.segment / chain.sfreq
        self.flat_uv = chain.monitor.settings.flat_uv
        self._reasons: list[np.ndarray] = []
        self._flags: list[np.ndarray] = []
        self._marked: list[np.ndarray] = []
        self._measures: list[np.ndarray] = []
        chain.verdict_listeners.append(self.add)

    def add(self, verdict: SegmentVerdict) -> None:
        """Keep one verdict (the chain calls it)."""
        m = verdict.metrics
        self._reasons.append(verdict.reasons)
        self._flags.append(verdict.flags)
        self._marked.append(verdict.marked)
        self._measures.append(
            np.stack([m.std_uv, m.line_ratio, m.muscle_uv, m.neighbour_r])
        )

    @property
    def seconds(self) -> float:
        """Signal judged so far, in seconds."""
        return len(self._reasons) * self.segment_s

    def result(self) -> CheckResult:
        """Judge each channel from every verdict collected.

        Raises
        ------
        EEGStreamError
            Not one segment was judged.
        """
        if not self._reasons:
            raise EEGStreamError(
                f"{self.chain.stream_name} gave no signal to check: it needs at "
                f"least {self.segment_s + 1:g} s"
            )
        reasons = np.stack(self._reasons)  # (segments, channels)
        flags = np.stack(self._flags)  # (segments, kinds, channels)
        marked = np.stack(self._marked)
        measures = np.stack(self._measures)  # (segments, 4, channels)
        # A channel's segments with non-finite samples are unjudged: zero
        # measures; a flat channel's r is NaN, so medians ignore NaN.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            medians = np.nanmedian(measures, axis=0)
        # A flat channel has no spectrum to speak of (its ratio reads -12).
        flat = medians[0] < self.flat_uv
        medians[1:, flat] = np.nan
        bits = (reasons[:, None, :] >> np.arange(len(BAD_REASONS))[None, :, None]) & 1
        counts = np.concatenate([bits.sum(axis=0), flags[:, :1].sum(axis=0)])
        kinds = (*_REASON_NAMES, "muscle")
        last_bad = np.where(reasons != 0, reasons, 0)
        plan = self.chain.plan
        needed = set(plan.channels)
        n_seg = reasons.shape[0]
        channels = []
        for i, name in enumerate(self.names):
            final = marked[-1, i]
            if final:
                latest = int(last_bad[np.flatnonzero(last_bad[:, i])[-1], i])
                shown = {r for b, r in enumerate(_REASON_NAMES) if latest >> b & 1}
                verdict = min(shown, key=_rank)
            elif counts[:, i].max() >= max(2, FREQUENT * n_seg):
                verdict = kinds[int(np.argmax(counts[:, i]))]
            else:
                verdict = "ok"
            channels.append(
                ChannelVerdict(
                    name,
                    verdict,
                    usable=not final,
                    needed=name in needed,
                    bad_fraction=float((reasons[:, i] != 0).mean()),
                    std_uv=float(medians[0, i]),
                    line_ratio=float(medians[1, i]),
                    muscle_uv=float(medians[2, i]),
                    neighbour_r=float(medians[3, i]),
                )
            )
        channels += [ChannelVerdict(n, "missing", False, True) for n in plan.missing]
        model_rows = np.array([name in needed for name in self.names])
        out = len(plan.missing) + int((marked[-1] & model_rows).sum())
        return CheckResult(
            tuple(channels),
            self._minutes(flags, marked),
            self.seconds,
            out,
            self.chain.checkpoint.meta.max_missing_channels,
            tuple(plan.ignored),
            self.chain.stream_name,
        )

    def _minutes(self, flags: np.ndarray, marked: np.ndarray) -> tuple[MinuteRow, ...]:
        per_minute = max(1, round(60.0 / self.segment_s))
        rows = []
        for start in range(0, flags.shape[0], per_minute):
            f = np.asarray(flags[start : start + per_minute].any(axis=2))
            m = marked[start : start + per_minute].any(axis=0)
            rows.append(
                MinuteRow(
                    start // per_minute,
                    f.shape[0],
                    tuple(self.names[i] for i in np.flatnonzero(m)),
                    {
                        k: float(100 * f[:, j].mean())
                        for j, k in enumerate(ARTIFACT_KINDS)
                    },
                )
            )
        return tuple(rows)


class _StreamCheck(LivePipeline):
    """The live pipeline, with a :class:`SignalCheck` on its chain."""

    check: SignalCheck | None = None

    def _open_outputs(self, summary: StreamSummary, chain: LiveChain) -> None:
        self.check = SignalCheck(chain)  # before the first sample is taken
        super()._open_outputs(summary, chain)


class _FileCheck(FilePipeline):
    """The file pipeline, with a :class:`SignalCheck` on its chain."""

    check: SignalCheck | None = None

    def _open_outputs(self, summary: StreamSummary, chain: LiveChain) -> None:
        self.check = SignalCheck(chain)
        super()._open_outputs(summary, chain)


def check_stream(
    checkpoint: Checkpoint | str | os.PathLike,
    seconds: float,
    *,
    progress: bool = False,
    **options: Any,
) -> CheckResult:
    """Check ``seconds`` of an LSL stream's signal (seconds of its samples).

    Parameters
    ----------
    checkpoint : Checkpoint | str | path-like
        The model whose channels and settings the check uses.
    seconds : float
        Signal to judge, in seconds of the stream's samples (a replay at 20 x
        gives them 20 x sooner); the check gives up waiting after
        ``seconds + resolve_timeout`` of wall time and judges what came.
    progress : bool
        A progress bar on stderr (when it is a terminal).
    **options
        For :class:`LivePipeline`: ``stream``, ``stream_type``,
        ``source_id``, ``resolve_timeout``, ``unit``, ``device``,
        ``line_freq``, ``assume_seed_order``. Outlets and log are off.

    Raises
    ------
    EEGStreamError
        As :meth:`LivePipeline.start`; the stream failed; no signal came.
    """
    from tqdm import tqdm

    pipe = _StreamCheck(checkpoint, outlets=False, **options)
    pipe.start()
    assert pipe.check is not None, "sanity check: the chain is built by start()"
    deadline = time.monotonic() + seconds + pipe.resolve_timeout
    try:
        with tqdm(
            total=seconds,
            unit="s",
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s",
            desc="checking",
            disable=None if progress else True,
            leave=False,
        ) as bar:
            while pipe.check.seconds < seconds and time.monotonic() < deadline:
                if pipe.health().error:
                    break
                time.sleep(0.05)
                bar.update(min(pipe.check.seconds, seconds) - bar.n)
    finally:
        pipe.stop()
    error = pipe.health().error
    if error:
        raise EEGStreamError(f"the stream failed during the check: {error}")
    return pipe.check.result()


def check_recording(
    checkpoint: Checkpoint | str | os.PathLike,
    recording: Recording,
    *,
    progress: bool = False,
    **options: Any,
) -> CheckResult:
    """Check a whole recording, as fast as the CPU allows.

    Parameters
    ----------
    checkpoint : Checkpoint | str | path-like
        The model.
    recording : Recording
        In µV at its own rate and channel names
        (``load_recording(path, sfreq=None, seed_order=False)``).
    progress : bool
        A progress bar on stderr (when it is a terminal).
    **options
        For :class:`FilePipeline`: ``device``, ``line_freq``,
        ``assume_seed_order``.
    """
    pipe = _FileCheck(checkpoint, recording, **options)
    pipe.run(progress=progress)
    assert pipe.check is not None, "sanity check: run() builds the chain"
    return pipe.check.result()
