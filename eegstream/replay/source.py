"""What a replay plays: EEG segments (trials or whole recordings) with their truth.

A :class:`ReplaySource` is a list of :class:`Segment` s sharing one channel
list and rate. Segments load their EEG lazily, so a SEED session is read one
trial at a time while it plays. Three constructors cover the uses:
:func:`~eegstream.replay.dataset_source` (a SEED-family subject and
session, :mod:`~eegstream.replay.sessions`), :func:`file_source` (any EEG file MNE
reads) and :func:`array_source` (arrays in memory, for tests and library
users); :func:`headset_source` keeps a headset's channels of any of them.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError


@dataclass(frozen=True)
class Segment:
    """One stretch of EEG played in one go.

    A segment with a ``trial`` number is a trial: the marker outlet frames it
    with ``trial_start`` and ``trial_end`` markers carrying the fields below.

    Attributes
    ----------
    n_samples : int
        Expected length in samples (for the start-up summary and progress;
        the loaded array's length is what is played).
    load : callable
        Returns the EEG, array of shape (n_channels, n_samples), µV.
    subject, session, trial : int | None
        1-based numbers; ``trial`` is ``None`` for a segment that is not a
        trial (a whole recording).
    label : str | None
        True class name.
    label_id : int | None
        Index of ``label`` in the dataset's classes.
    annotations : tuple of (float, float, str)
        ``(onset_s, duration_s, description)`` from the segment's first
        sample, sent as ``annotation`` markers.
    markers : tuple of (float, str, str | None)
        ``(onset_s, text, stream)``: recorded markers sent as they are, on the
        replay's marker outlet (``stream`` None) or on the outlet
        republishing ``stream`` (one of :attr:`ReplaySource.marker_streams`).
    title : str
        A short name for the summary and progress line.
    ratings : mapping of str to float | None
        The subject's self-assessment of the trial (rated datasets), sent
        with the trial markers as ``ratings``; None: not sent.
    """

    n_samples: int
    load: Callable[[], np.ndarray] = field(repr=False, compare=False)
    subject: int | None = None
    session: int | None = None
    trial: int | None = None
    label: str | None = None
    label_id: int | None = None
    annotations: tuple[tuple[float, float, str], ...] = ()
    markers: tuple[tuple[float, str, str | None], ...] = ()
    title: str = ""
    ratings: Mapping[str, float] | None = field(default=None, compare=False)

    @property
    def is_trial(self) -> bool:
        """Whether the segment is framed by trial markers."""
        return self.trial is not None

    def truth(self) -> dict:
        """Return the marker fields: subject, session, trial, label, label_id.

        A rated trial adds ``ratings`` (scale name -> rating).
        """
        fields: dict = {
            "subject": self.subject,
            "session": self.session,
            "trial": self.trial,
            "label": self.label,
            "label_id": self.label_id,
        }
        if self.ratings is not None:
            fields["ratings"] = {k: float(v) for k, v in self.ratings.items()}
        return fields


@dataclass(frozen=True)
class ReplaySource:
    """Segments of EEG to replay, with one channel list and rate.

    Attributes
    ----------
    sfreq : float
        Sampling rate of every segment, in Hz (the EEG outlet's nominal rate).
    ch_names : tuple of str
        Channel labels, in the order of the segments' rows.
    segments : tuple of Segment
        Played in this order.
    description : str
        What the source is, for the start-up summary and the stream's
        description, e.g. ``"seed subject 1 session 1 (/data/SEED)"``.
    synthetic : bool
        Whether the EEG is synthetic (generated, not recorded from a person);
        said in the summary and the stream's description.
    marker_streams : tuple of str
        Names of recorded marker streams the replay publishes again, each on
        its own outlet (see :attr:`Segment.markers`).
    """

    sfreq: float
    ch_names: tuple[str, ...]
    segments: tuple[Segment, ...]
    description: str = ""
    synthetic: bool = False
    marker_streams: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sfreq) and self.sfreq > 0):
            raise EEGStreamError(f"sampling rate must be > 0 Hz, got {self.sfreq}")
        if not self.ch_names:
            raise EEGStreamError("a replay source needs at least one channel")
        if not self.segments:
            raise EEGStreamError(f"nothing to replay in {self.description or 'source'}")

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.ch_names)

    @property
    def duration_s(self) -> float:
        """Length of all segments in seconds, rests not included."""
        return sum(s.n_samples for s in self.segments) / self.sfreq


def array_source(
    trials: np.ndarray | Sequence[np.ndarray],
    sfreq: float,
    ch_names: Sequence[str] | None = None,
    *,
    labels: Sequence[str | None] | None = None,
    classes: Sequence[str] | None = None,
    subject: int | None = 1,
    session: int | None = 1,
    description: str = "arrays in memory",
    synthetic: bool = False,
) -> ReplaySource:
    """Replay arrays held in memory, one trial per array.

    Parameters
    ----------
    trials : array of shape (n_channels, n_samples) | sequence of such arrays
        EEG in µV; trials are numbered 1, 2, ... in this order.
    sfreq : float
        Sampling rate in Hz.
    ch_names : sequence of str | None
        Channel labels; default ``"ch1"``, ``"ch2"``, ...
    labels : sequence of str | None
        True class name of each trial (``None`` entries for unknown).
    classes : sequence of str | None
        Class names in id order, to derive each marker's ``label_id``.
    subject, session : int | None
        Numbers carried by the trial markers.
    description : str
        What the arrays are, for the summary.
    synthetic : bool
        Whether the arrays are synthetic EEG.

    Returns
    -------
    ReplaySource
    """
    arrays = (
        [trials]
        if isinstance(trials, np.ndarray) and trials.ndim == 2
        else list(trials)
    )
    arrays = [np.asarray(a) for a in arrays]
    if not arrays:
        raise EEGStreamError("array_source needs at least one trial array")
    n_channels = arrays[0].shape[0] if arrays[0].ndim == 2 else 0
    for k, a in enumerate(arrays, 1):
        if a.ndim != 2 or a.shape[0] != n_channels or a.shape[1] == 0:
            raise EEGStreamError(
                f"trial {k}: EEG must be a non-empty array of shape (n_channels, "
                f"n_samples) with {n_channels} channels like trial 1; "
                f"got shape {a.shape}"
            )
    names = (
        tuple(ch_names)
        if ch_names is not None
        else tuple(f"ch{i + 1}" for i in range(n_channels))
    )
    if len(names) != n_channels:
        raise EEGStreamError(
            f"{len(names)} channel names given for {n_channels} channels"
        )
    if labels is not None and len(labels) != len(arrays):
        raise EEGStreamError(f"{len(labels)} labels given for {len(arrays)} trials")
    segments = []
    for k, a in enumerate(arrays):
        label = labels[k] if labels is not None else None
        label_id = None
        if label is not None and classes is not None:
            if label not in classes:
                raise EEGStreamError(
                    f"trial {k + 1}: label {label!r} is not one of the classes "
                    f"{', '.join(classes)}"
                )
            label_id = list(classes).index(label)
        segments.append(
            Segment(
                n_samples=a.shape[1],
                load=partial(np.asarray, a),
                subject=subject,
                session=session,
                trial=k + 1,
                label=label,
                label_id=label_id,
                title=f"trial {k + 1}",
            )
        )
    return ReplaySource(float(sfreq), names, tuple(segments), description, synthetic)


def file_source(
    path: str | os.PathLike,
    *,
    sfreq: float | None = None,
    stream_name: str | None = None,
) -> ReplaySource:
    """Replay the EEG channels of a file, in the file's order.

    Parameters
    ----------
    path : path-like
        Any file :func:`eegstream.files.reading.read_raw` reads (EDF, BDF, FIF,
        BrainVision, EEGLAB, Neuroscan ``.cnt``, ..., XDF).
    sfreq : float | None
        Resample to this rate in Hz (e.g. 200 for the SEED pipeline);
        ``None`` keeps the file's rate.
    stream_name : str | None
        XDF only: the EEG stream (default: the one of type ``EEG``).

    Returns
    -------
    ReplaySource
        One segment (not a trial) with the file's annotations; marked
        synthetic when a folder above the file holds the synthetic
        generator's ``SYNTHETIC_DATA.txt`` or the recorded stream says so.
        From an XDF file, the recorded markers instead, at their samples:
        those of the EEG stream's own ``<name>-markers`` (a recorded
        eegstream replay) on the replay's marker outlet, except
        ``trial_state`` and ``session_end`` (the player sends its own), and
        every other marker stream on an outlet of its own name.
    """
    from ..files.reading import load_recording
    from ..protocol import markers_name

    rec = load_recording(path, sfreq=sfreq, seed_order=False, stream_name=stream_name)
    n = rec.data.shape[1]
    if n == 0:
        raise EEGStreamError(f"{Path(path).name} holds no samples")
    duration = n / rec.sfreq
    data = rec.data
    if rec.stream is None:
        ann = rec.annotations
        annotations = tuple(
            (float(o), float(d), str(t))
            for o, d, t in zip(ann.onset, ann.duration, ann.description, strict=True)
            if 0 <= o < duration
        )
        segment = Segment(
            n_samples=n, load=lambda: data, annotations=annotations, title=rec.path.name
        )
        foreign: tuple[str, ...] = ()
    else:
        own = markers_name(rec.stream)
        foreign = tuple(s for s in rec.markers if s != own)
        markers = sorted(
            (
                (onset, text, None if stream == own else stream)
                for stream, marks in rec.markers.items()
                for onset, text in marks
                if stream != own or _replayed_again(text)
            ),
            key=lambda m: m[0],
        )
        segment = Segment(
            n_samples=n, load=lambda: data, markers=tuple(markers), title=rec.path.name
        )
    return ReplaySource(
        rec.sfreq,
        tuple(rec.ch_names),
        (segment,),
        description=str(rec.path),
        synthetic=rec.synthetic or _under_synthetic_root(rec.path),
        marker_streams=foreign,
    )


def _replayed_again(text: str) -> bool:
    """Whether a recorded replay marker is sent again (the player makes the rest)."""
    from ..protocol import parse_marker

    marker = parse_marker(text)
    return marker is None or marker["event"] not in ("trial_state", "session_end")


def headset_source(source: ReplaySource, preset: str) -> ReplaySource:
    """Replay only a headset's channels, at its usual rate, as that headset would.

    Parameters
    ----------
    source : ReplaySource
        A source carrying every channel of the preset (e.g. 62 SEED channels).
    preset : str
        A name in :data:`eegstream.headsets.PRESETS`.

    Returns
    -------
    ReplaySource
        The preset's channels, in the headset's order and under its labels,
        resampled (polyphase, anti-aliased) to the preset's rate on loading.

    Raises
    ------
    EEGStreamError
        An unknown preset, or a source lacking some of its channels.
    """
    from ..headsets import get_preset
    from ..montage import ChannelSet, map_channels

    headset = get_preset(preset)
    index, _ = map_channels(source.ch_names)
    rows = index[ChannelSet.of(headset.channels).rows].tolist()
    lacking = [c for c, r in zip(headset.channels, rows, strict=True) if r < 0]
    if lacking:
        raise EEGStreamError(
            f"{source.description or 'the source'} lacks {preset} channels "
            f"{', '.join(lacking)}; a headset replay needs all of them"
        )
    ratio = headset.sfreq / source.sfreq
    segments = tuple(
        dataclasses.replace(
            seg,
            n_samples=round(seg.n_samples * ratio),
            load=partial(pick_resampled, seg.load, rows, source.sfreq, headset.sfreq),
        )
        for seg in source.segments
    )
    return ReplaySource(
        headset.sfreq,
        headset.channels,
        segments,
        description=f"{source.description}, as an {headset.description} at "
        f"{headset.sfreq:g} Hz",
        synthetic=source.synthetic,
    )


def pick_resampled(
    load: Callable[[], np.ndarray], rows: list[int], sfreq_in: float, sfreq_out: float
) -> np.ndarray:
    """Load EEG, keep ``rows`` (in this order), resample from ``sfreq_in`` Hz."""
    from ..files.reading import _resample

    data = load()[rows]
    return data if sfreq_in == sfreq_out else _resample(data, sfreq_in, sfreq_out)


def _under_synthetic_root(path: Path) -> bool:
    """Whether a file lies in a folder written by the synthetic generator."""
    from ..datasets.synth import SYNTHETIC_MARKER

    return any(
        (folder / SYNTHETIC_MARKER).is_file() for folder in path.resolve().parents
    )
