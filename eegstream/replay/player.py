"""The replay player: a source pushed to LSL like an amplifier, on a drift-free clock.

Sample ``i`` of the stream (counted from the start, rests included) is due at
``t0 + i / (sfreq * speed)`` on :func:`pylsl.local_clock`. A chunk is pushed
when its last sample is due and every sample is stamped with its own due
time, so the timestamps are "now", evenly spaced at the played pace, and the
schedule never drifts however long it runs: a late chunk is sent at once and
the next one is due at its own absolute time. A pause shifts ``t0`` by its
length (the stream is silent meanwhile and the timestamps jump by the pause).
"""

from __future__ import annotations

import itertools
import math
import threading
import uuid
from collections import deque
from collections.abc import Iterator

import numpy as np
import pylsl

from .._errors import EEGStreamError
from ..protocol import TRIAL_STATE_EVERY_S
from ._chunks import Chunker, Prefetch
from ._lsl import check_name_free
from .outlets import ReplayOutlets
from .progress import Progress, describe
from .schedule import _Mark, pieces
from .source import ReplaySource, Segment

#: Stream name used when none is given.
DEFAULT_NAME = "eegstream-replay"
# Seconds the outlets stay open after the last sample: destroying an outlet drops
# what its inlets have not fetched yet.
_LINGER_S = 0.5
# With wait_for_consumer: how long the first sample also waits for a marker inlet.
_MARKER_CONSUMER_S = 1.0


class Player:
    """Stream a :class:`ReplaySource` to LSL from a background thread.

    Opens an EEG outlet (float32 µV, the source's rate and channels, standard
    channel description) and a marker outlet ``<name>-markers`` (JSON
    strings, see :mod:`eegstream.protocol`), then pushes chunks of
    ``chunk_size`` samples on an absolute schedule (see the module notes).
    After the last sample both outlets stay open for half a second, so that
    inlets receive the tail, and are then closed.

    Between two trials a rest of ``rest_s`` seconds keeps the EEG stream
    going as an amplifier would (a silent stream looks like a lost headset):
    it plays the preceding trial's EEG backwards from its last sample,
    reflecting at its ends if the rest is longer. That is real EEG, continuous
    at the boundary, but it belongs to no trial; the markers frame it with
    ``trial_end``, ``rest_start`` and the next ``trial_start``, so the rest
    carries no label.

    While a trial is open (after a ``trial_start`` on the marker outlet, until
    its ``trial_end``, ``rest_start`` or ``session_end``), a ``trial_state``
    marker repeats it every :data:`~eegstream.protocol.TRIAL_STATE_EVERY_S`
    seconds of stream, so that a consumer connecting mid-trial learns the
    label. A source's recorded marker streams (``source.marker_streams``, from
    an XDF file) get one more outlet each, under their own name and type
    ``Markers``, source_id ``<source_id>-<name>``.

    Parameters
    ----------
    source : ReplaySource
        What to play.
    name : str
        EEG stream name; the markers stream is ``<name>-markers``.
    source_id : str | None
        EEG stream source_id (markers: ``<source_id>-markers``); default
        ``<name>-<random hex>``, unique per run.
    chunk_size : int
        Samples per pushed chunk (10 at 200 Hz is every 50 ms).
    speed : float
        Pace relative to real time (2 plays twice as fast); timestamps follow
        the pace while the nominal rate stays the data's rate.
    loop : bool | int
        ``False`` plays once, ``True`` forever, an int that many passes.
    rest_s : float
        Seconds of rest between consecutive trials (also between passes).
    resolve_timeout : float
        Seconds :meth:`start` looks for a visible stream of the same name
        (refused); ``0`` skips the check.
    wait_for_consumer : bool
        Hold the first sample until an inlet is connected to the EEG outlet
        (LSL gives a new inlet only the samples pushed after it connects), so
        that a reader sees the replay from its first sample; then up to 1 s
        more until an inlet is connected to the marker outlet too (a recorder
        opens its inlets together). Connect a marker inlet before the EEG
        inlet to get every marker for sure.
    hold : bool
        Also hold the first sample until :meth:`release`: for several readers
        that must all be connected first (a live pipeline and a recorder; the
        first of them to connect would release ``wait_for_consumer``).
    room : tuple of (str, str) | None
        ``(name, source_id)`` of the room this headset plays in: its markers
        are the room's one marker stream (``<name>-markers``, source_id
        ``<source_id>-markers``), which the EEG stream's description names;
        None: its own (:class:`~eegstream.replay.room.RoomReplay`).
    markers : bool
        Open the marker outlet; False for all but one headset of a room
        (that one sends the room's markers).

    Examples
    --------
    >>> source = array_source(np.zeros((2, 400)), sfreq=200.0)  # doctest: +SKIP
    >>> with Player(source, name="demo") as player:             # doctest: +SKIP
    ...     player.wait()
    True
    """

    def __init__(
        self,
        source: ReplaySource,
        *,
        name: str = DEFAULT_NAME,
        source_id: str | None = None,
        chunk_size: int = 10,
        speed: float = 1.0,
        loop: bool | int = False,
        rest_s: float = 0.0,
        resolve_timeout: float = 1.0,
        wait_for_consumer: bool = False,
        hold: bool = False,
        room: tuple[str, str] | None = None,
        markers: bool = True,
    ) -> None:
        if not isinstance(source, ReplaySource):
            raise EEGStreamError(
                f"source must be a ReplaySource (array_source, file_source or "
                f"dataset_source), got {type(source).__name__}"
            )
        if not isinstance(name, str) or not name.strip() or "'" in name:
            raise EEGStreamError(
                f"stream name must be a non-empty string without single quotes, "
                f"got {name!r}"
            )
        if source_id is not None and (not isinstance(source_id, str) or not source_id):
            raise EEGStreamError(
                f"source_id must be a non-empty string, got {source_id!r}"
            )
        if (
            isinstance(chunk_size, bool)
            or not isinstance(chunk_size, int)
            or chunk_size < 1
        ):
            raise EEGStreamError(
                f"chunk size must be an integer >= 1 sample, got {chunk_size!r}"
            )
        if not (isinstance(speed, int | float) and math.isfinite(speed) and speed > 0):
            raise EEGStreamError(f"speed must be a finite number > 0, got {speed!r}")
        if isinstance(loop, bool):
            n_passes = None if loop else 1
        elif isinstance(loop, int) and loop >= 1:
            n_passes = loop
        else:
            raise EEGStreamError(
                "loop must be True (forever), False (once) or a number of passes "
                f">= 1, got {loop!r}"
            )
        if not (
            isinstance(rest_s, int | float) and math.isfinite(rest_s) and rest_s >= 0
        ):
            raise EEGStreamError(
                f"rest must be a number of seconds >= 0, got {rest_s!r}"
            )
        self.source = source
        self.name = name
        self.source_id = source_id or f"{name}-{uuid.uuid4().hex[:12]}"
        self.chunk_size = chunk_size
        self.speed = float(speed)
        self.n_passes = n_passes
        self.rest_s = float(rest_s)
        self.resolve_timeout = float(resolve_timeout)
        self.wait_for_consumer = bool(wait_for_consumer)
        self.hold = bool(hold)
        #: ``(name, source_id)`` its marker stream derives from (a room's, or its own).
        self.marker_stem = room or (self.name, self.source_id)
        self.markers = bool(markers)
        self._n_rest = round(self.rest_s * source.sfreq)
        self._state_every = max(1, round(TRIAL_STATE_EVERY_S * source.sfreq))
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._reset_variables()

    # -- lifecycle -------------------------------------------------------------
    def _reset_variables(self) -> None:
        """Define "off": no outlets, no thread state, nothing sent."""
        self._outlets: ReplayOutlets | None = None
        self._stopping = False
        self._paused = False
        self._held = self.hold
        self._t0 = 0.0
        self._samples_sent = 0
        self._boundaries: deque[tuple[int, int, Segment, bool]] = deque()
        self._current: tuple[int, Segment | None, bool] = (1, None, False)
        self.error: BaseException | None = None

    def start(self) -> Player:
        """Check the name, open both outlets and start streaming in a thread.

        Returns
        -------
        Player
            ``self``.

        Raises
        ------
        EEGStreamError
            If the name is taken by a visible stream or the first segment
            cannot be read; no outlet is left open.
        """
        if self.running:
            raise EEGStreamError("Player.start: already streaming; call stop() first")
        self._reset_variables()
        check_name_free(
            self.name, self.source_id, self.resolve_timeout, self.source.marker_streams
        )
        first = self._prepare(self.source.segments[0])
        self._outlets = ReplayOutlets(
            self.source,
            self.name,
            self.source_id,
            self.chunk_size,
            self._state_every,
            marker_stem=self.marker_stem,
            send_markers=self.markers,
        )
        try:
            self._thread = threading.Thread(
                target=self._run, args=(first,), name=f"replay {self.name}", daemon=True
            )
            self._thread.start()
        except BaseException:
            self._close_outlets()
            raise
        return self

    def stop(self) -> None:
        """Stop streaming, close both outlets and join the thread (idempotent)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        if not self.running:  # e.g. interrupted inside start(), before the thread
            self._close_outlets()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the replay to end (all passes played, or stopped).

        Parameters
        ----------
        timeout : float | None
            Seconds to wait at most; ``None`` waits until the end.

        Returns
        -------
        bool
            ``True`` if it has ended, ``False`` on timeout.

        Raises
        ------
        Exception
            The error that ended the streaming thread, if any.
        """
        if self._thread is None:
            raise EEGStreamError(
                "Player.wait: the player was never started; call start() first"
            )
        self._thread.join(timeout)
        if self._thread.is_alive():
            return False
        if self.error is not None:
            raise self.error
        return True

    def pause(self) -> None:
        """Stop pushing samples until :meth:`resume`; the schedule then shifts.

        Once this returns, no further sample is pushed before :meth:`resume`.
        """
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        """Continue after :meth:`pause` from the next sample, stamped "now"."""
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def release(self) -> None:
        """Let the first sample go (with ``hold=True``); a no-op otherwise."""
        with self._cond:
            self._held = False
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        """Whether the player is paused."""
        return self._paused

    @property
    def running(self) -> bool:
        """Whether the streaming thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Player:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- reporting -------------------------------------------------------------
    @property
    def total_samples(self) -> int | None:
        """Samples of the whole replay, rests included; ``None`` when endless."""
        if self.n_passes is None:
            return None
        n_segments = len(self.source.segments) * self.n_passes
        per_pass = sum(s.n_samples for s in self.source.segments)
        return per_pass * self.n_passes + self._n_rest * (n_segments - 1)

    def progress(self) -> Progress:
        """Return a snapshot of where the replay stands (from any thread)."""
        pass_index, segment, in_rest = self._current
        return Progress(
            samples_sent=self._samples_sent,
            total_samples=self.total_samples,
            sfreq=self.source.sfreq,
            speed=self.speed,
            pass_index=pass_index,
            n_passes=self.n_passes,
            segment=segment,
            in_rest=in_rest,
            paused=self._paused,
            running=self.running,
        )

    def describe(self) -> str:
        """Say what is streamed: names, rate, channels, segments, durations."""
        return describe(
            self.source,
            name=self.name,
            source_id=self.source_id,
            chunk_size=self.chunk_size,
            marker_stem=self.marker_stem,
            send_markers=self.markers,
            speed=self.speed,
            rest_s=self.rest_s,
            n_rest=self._n_rest,
            n_passes=self.n_passes,
            total_samples=self.total_samples,
        )

    # -- streaming thread ------------------------------------------------------
    def _run(self, first: np.ndarray) -> None:
        try:
            self._stream(first)
        except BaseException as err:  # noqa: BLE001 - handed to wait()
            self.error = err
        finally:
            self._close_outlets()

    def _close_outlets(self) -> None:
        # Dropping the last reference destroys an outlet and withdraws its stream.
        self._outlets = None

    def _open_outlets(self) -> ReplayOutlets:
        """Return the outlets (open from :meth:`start` to the end)."""
        if self._outlets is None:
            raise RuntimeError("the replay's outlets are closed")
        return self._outlets

    def _stream(self, first: np.ndarray) -> None:
        rate = self.source.sfreq * self.speed
        chunker = Chunker(self.chunk_size)
        outlets = self._open_outlets()
        eeg_outlet, marker_outlet = outlets.eeg, outlets.markers
        with self._cond:
            while self._held or (
                self.wait_for_consumer and not eeg_outlet.have_consumers()
            ):
                if self._stopping:
                    return
                self._cond.wait(0.01)
            # A recorder opens its inlets together: give the marker inlet a
            # moment too, so that the first trial_start is not lost.
            deadline = pylsl.local_clock() + _MARKER_CONSUMER_S
            while (
                self.wait_for_consumer
                and marker_outlet is not None
                and not marker_outlet.have_consumers()
                and pylsl.local_clock() < deadline
                and not self._stopping
            ):
                self._cond.wait(0.01)
            self._t0 = pylsl.local_clock()
        for piece in pieces(self._plan(first), self._n_rest, self.source.sfreq):
            self._boundaries.append(
                (chunker.fed, piece.pass_index, piece.segment, piece.rest)
            )
            for chunk in chunker.feed(piece.data, piece.markers):
                if not self._send(*chunk, rate):
                    return
        for chunk in chunker.flush():
            if not self._send(*chunk, rate):
                return
        with self._cond:
            self._cond.wait_for(lambda: self._stopping, _LINGER_S)

    def _plan(
        self, first: np.ndarray
    ) -> Iterator[tuple[int, Segment, np.ndarray, bool]]:
        """Yield ``(pass, segment, data, last_in_pass)``, loading the next meanwhile."""
        segments = self.source.segments
        passes = (
            itertools.count(1) if self.n_passes is None else range(1, self.n_passes + 1)
        )
        order = ((p, k) for p in passes for k in range(len(segments)))
        pass_index, k = next(order)
        data = first
        for next_pass, next_k in order:
            fetch = None if next_k == k else Prefetch(self._prepare, segments[next_k])
            yield pass_index, segments[k], data, k == len(segments) - 1
            if fetch is not None:
                data = fetch.result()
            pass_index, k = next_pass, next_k
        yield pass_index, segments[k], data, True

    def _prepare(self, seg: Segment) -> np.ndarray:
        """Load a segment as float32 (n_samples, n_channels), the layout LSL pushes."""
        data = np.asarray(seg.load())
        n_channels = self.source.n_channels
        if data.ndim != 2 or data.shape[0] != n_channels or data.shape[1] == 0:
            raise EEGStreamError(
                f"{seg.title or 'segment'}: EEG must have shape ({n_channels}, "
                f"n_samples > 0); got {data.shape}"
            )
        return np.ascontiguousarray(data.T, dtype=np.float32)

    def _send(
        self,
        start: int,
        samples: np.ndarray,
        markers: list[_Mark],
        rate: float,
    ) -> bool:
        """Push one chunk (and its markers) when its last sample is due."""
        n = len(samples)
        # The push happens under the lock, so once pause() or stop() has
        # returned no further sample goes out.
        with self._cond:
            if not self._wait_until_due(start + n - 1, rate):
                return False
            self._open_outlets().push(start, samples, markers, self._t0, rate)
            self._samples_sent = start + n
        while self._boundaries and self._boundaries[0][0] < start + n:
            _, pass_index, seg, in_rest = self._boundaries.popleft()
            self._current = (pass_index, seg, in_rest)
        return True

    def _wait_until_due(self, index: int, rate: float) -> bool:
        """Sleep until sample ``index`` is due; ``False`` if stopped meanwhile.

        Called with ``self._cond`` held; waiting releases it.
        """
        while True:
            if self._stopping:
                return False
            if self._paused:
                paused_at = pylsl.local_clock()
                while self._paused and not self._stopping:
                    self._cond.wait()
                self._t0 += pylsl.local_clock() - paused_at
                continue
            remaining = self._t0 + index / rate - pylsl.local_clock()
            if remaining <= 0:
                return True
            self._cond.wait(remaining)
