"""The replay's schedule: what is played in which order, with no clock and no LSL.

A replay plays its source's segments one after another, pass after pass,
with ``n_rest`` samples of rest between two segments (:func:`rest_samples`:
the previous segment played backwards), each segment framed by its markers
(:func:`segment_markers`). :func:`pieces` turns loaded segments into that
sequence of :class:`Piece`; :class:`~eegstream.replay.Player` paces it and
pushes it to LSL, and ``evaluate --streaming session``
(:func:`eegstream.evaluation.evaluate_session`) streams it through the live
chain at full speed, so both play the very same samples.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..protocol import format_marker
from .source import Segment

#: A marker to send: (sample index in its piece, text, stream); stream None =
#: the replay's own marker outlet, else the name of a republished marker stream.
_Mark = tuple[int, str, str | None]


@dataclass(frozen=True)
class Piece:
    """One stretch of a replay: a segment, or the rest after one.

    Attributes
    ----------
    segment : Segment
        The segment played, or the one the rest follows.
    pass_index : int
        1-based pass over the source (of the segment that comes next, for a
        rest).
    data : array, shape (n_samples, n_channels)
        The samples, samples first (LSL's layout).
    markers : list of (int, str, str | None)
        Markers sent with it, by sample index in the piece, in order.
    rest : bool
        Whether the piece is a rest.
    """

    segment: Segment
    pass_index: int
    data: np.ndarray
    markers: list[_Mark]
    rest: bool


def pieces(
    loaded: Iterable[tuple[int, Segment, np.ndarray, bool]],
    n_rest: int,
    sfreq: float,
) -> Iterator[Piece]:
    """Yield the pieces of a replay: each segment, with a rest between two.

    Parameters
    ----------
    loaded : iterable of (pass_index, Segment, data, last_in_pass)
        The segments in play order with their samples, ``data`` of shape
        (n_samples, n_channels); ``last_in_pass`` marks the end of a pass (a
        ``session_end`` marker).
    n_rest : int
        Samples of rest between two segments (0: none).
    sfreq : float
        The source's rate in Hz (marker onsets are in seconds).
    """
    previous: tuple[Segment, np.ndarray] | None = None
    for pass_index, seg, data, last_in_pass in loaded:
        if previous is not None and n_rest:
            prev_seg, prev_data = previous
            marker = format_marker(
                event="rest_start",
                subject=prev_seg.subject,
                session=prev_seg.session,
                trial=prev_seg.trial,
                duration_s=n_rest / sfreq,
            )
            rest = rest_samples(prev_data, n_rest)
            yield Piece(prev_seg, pass_index, rest, [(0, marker, None)], rest=True)
        markers = segment_markers(seg, len(data), pass_index, last_in_pass, sfreq)
        yield Piece(seg, pass_index, data, markers, rest=False)
        previous = (seg, data)


def segment_markers(
    seg: Segment, n: int, pass_index: int, last_in_pass: bool, sfreq: float
) -> list[_Mark]:
    """Return the markers of one segment of ``n`` samples, in sample order.

    ``trial_start`` at its first sample and ``trial_end`` at its last (for a
    trial), its annotations and recorded markers at their onsets, and
    ``session_end`` after its last sample when it ends a pass.
    """
    markers: list[_Mark] = []
    if seg.is_trial:
        markers.append((0, format_marker(event="trial_start", **seg.truth()), None))
    for onset, duration, description in seg.annotations:
        index = min(round(onset * sfreq), n - 1)
        text = format_marker(
            event="annotation", description=description, duration_s=duration
        )
        markers.append((index, text, None))
    for onset, text, stream in seg.markers:
        markers.append((min(round(onset * sfreq), n - 1), text, stream))
    if seg.is_trial:
        markers.append((n - 1, format_marker(event="trial_end", **seg.truth()), None))
    if last_in_pass:
        fields = {"subject": seg.subject, "session": seg.session, "pass": pass_index}
        markers.append((n - 1, format_marker(event="session_end", **fields), None))
    markers.sort(key=lambda m: m[0])  # stable: trial_end stays before session_end
    return markers


def rest_samples(data: np.ndarray, n: int) -> np.ndarray:
    """Return the EEG a replay plays during a rest after ``data``.

    Parameters
    ----------
    data : array, shape (n_samples, ...)
        The preceding trial, samples first.
    n : int
        Samples of rest.

    Returns
    -------
    array, shape (n, ...)
        ``data`` read backwards from its last sample, reflecting at its ends:
        continuous at the boundary, and real EEG of no trial.
    """
    length = len(data)
    phase = np.arange(n) % (2 * length)
    index = np.where(phase < length, length - 1 - phase, phase - length)
    return data[index]
