"""The outlets of a running replay: EEG chunks, markers, the open trial repeated.

:class:`ReplayOutlets` pushes what :class:`~eegstream.replay.Player` paces:
each chunk of EEG stamped on the schedule, the markers due in it (the
replay's own, and recorded ones on the outlets republishing their streams),
and, while a trial is open, a ``trial_state`` marker every
:data:`~eegstream.protocol.TRIAL_STATE_EVERY_S` seconds of stream, so that a
consumer connecting mid-trial learns the label.
"""

from __future__ import annotations

import numpy as np
import pylsl

from ..protocol import format_marker, markers_name, parse_marker
from ._lsl import eeg_info, marker_info, open_outlets, republished_info
from .schedule import _Mark
from .source import ReplaySource


class ReplayOutlets:
    """The EEG, marker and republished marker outlets of one replay run.

    Opening them publishes the streams; dropping the last reference to
    the object destroys the outlets and withdraws the streams.

    Parameters
    ----------
    source : ReplaySource
        What is played (channels, rate, description, recorded marker streams).
    name, source_id : str
        The EEG stream's.
    chunk_size : int
        Samples per pushed chunk.
    state_every : int
        Samples of stream between two ``trial_state`` markers.
    marker_stem : tuple of (str, str)
        ``(name, source_id)`` the marker stream is named after
        (``<name>-markers``): the EEG stream's own, or its room's.
    send_markers : bool
        Open the marker outlet; False for a room's headsets but one (that
        one sends the room's markers; here they go nowhere).

    Attributes
    ----------
    eeg : pylsl.StreamOutlet
        The EEG outlet (float32 µV).
    markers : pylsl.StreamOutlet | None
        The replay's marker outlet (None when another headset sends them).
    """

    def __init__(
        self,
        source: ReplaySource,
        name: str,
        source_id: str,
        chunk_size: int,
        state_every: int,
        marker_stem: tuple[str, str] | None = None,
        send_markers: bool = True,
    ) -> None:
        stem = marker_stem or (name, source_id)
        eeg, markers = open_outlets(
            eeg_info(
                name,
                source_id,
                source.ch_names,
                source.sfreq,
                chunk_size=chunk_size,
                description=source.description,
                synthetic=source.synthetic,
                markers=markers_name(stem[0]),
            ),
            marker_info(*stem) if send_markers else None,
            chunk_size,
        )
        try:
            republished = {
                stream: pylsl.StreamOutlet(republished_info(stream, source_id))
                for stream in source.marker_streams
            }
        except BaseException:
            del eeg, markers  # destroying the outlets withdraws the streams
            raise
        self.eeg, self.markers, self._republished = eeg, markers, republished
        self._state_every = state_every
        # The open trial: (its first sample's index, its trial_start fields).
        self._open_trial: tuple[int, dict] | None = None
        self._next_state = 0

    def push(
        self,
        start: int,
        samples: np.ndarray,
        markers: list[_Mark],
        t0: float,
        rate: float,
    ) -> None:
        """Push a chunk and its markers, sample ``i`` stamped ``t0 + i / rate``.

        Parameters
        ----------
        start : int
            Index of the chunk's first sample in the stream (rests included).
        samples : array of float32, shape (n, n_channels)
            The chunk.
        markers : list of (int, str, str | None)
            ``(sample index, text, stream)`` of the markers in it.
        t0 : float
            When sample 0 was due, on :func:`pylsl.local_clock`.
        rate : float
            Samples per second of the played pace.
        """
        for index, text, stream in markers:
            outlet = self.markers if stream is None else self._republished[stream]
            if outlet is not None:
                outlet.push_sample([text], t0 + index / rate)
            if stream is None:
                self._follow_trial(index, text)
        n = len(samples)
        stamps = t0 + (start + np.arange(n)) / rate
        self.eeg.push_chunk(samples, stamps.tolist())
        last = start + n - 1
        if self._open_trial is not None and last >= self._next_state:
            first, fields = self._open_trial
            state = format_marker(
                **{**fields, "event": "trial_state"},
                elapsed_s=round((last - first) / rate, 6),
            )
            if self.markers is not None:
                self.markers.push_sample([state], t0 + last / rate)
            self._next_state = last + self._state_every

    def _follow_trial(self, index: int, text: str) -> None:
        """Open or close the trial that ``trial_state`` repeats."""
        marker = parse_marker(text)
        event = marker["event"] if marker is not None else None
        if marker is not None and event == "trial_start":
            self._open_trial = (index, marker)
            self._next_state = index + self._state_every
        elif event in ("trial_end", "rest_start", "session_end"):
            self._open_trial = None
