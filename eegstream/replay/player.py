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
import textwrap
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pylsl

from .._errors import EEGStreamError
from ..protocol import TRIAL_STATE_EVERY_S, format_marker, markers_name, parse_marker
from ._lsl import (
    check_name_free,
    eeg_info,
    marker_info,
    open_outlets,
    republished_info,
)
from .schedule import _Mark, pieces
from .source import ReplaySource, Segment

#: Stream name used when none is given.
DEFAULT_NAME = "eegstream-replay"
# Seconds the outlets stay open after the last sample: destroying an outlet drops
# what its inlets have not fetched yet.
_LINGER_S = 0.5
# With wait_for_consumer: how long the first sample also waits for a marker inlet.
_MARKER_CONSUMER_S = 1.0


@dataclass(frozen=True)
class Progress:
    """Where a :class:`Player` stands, from :meth:`Player.progress`.

    Attributes
    ----------
    samples_sent : int
        Samples pushed so far, rests included.
    total_samples : int | None
        Samples of the whole replay (all passes); ``None`` when looping forever.
    sfreq : float
        The source's rate in Hz.
    speed : float
        Pace relative to real time.
    pass_index : int
        Current pass over the source, from 1.
    n_passes : int | None
        Passes planned; ``None`` for forever.
    segment : Segment | None
        The segment being played (during a rest: the one before it).
    in_rest : bool
        Whether a rest between trials is being played.
    paused, running : bool
        Player state.
    """

    samples_sent: int
    total_samples: int | None
    sfreq: float
    speed: float
    pass_index: int
    n_passes: int | None
    segment: Segment | None
    in_rest: bool
    paused: bool
    running: bool

    @property
    def seconds_sent(self) -> float:
        """Seconds of data pushed (at speed 1, seconds of wall time)."""
        return self.samples_sent / self.sfreq

    def line(self) -> str:
        """Summarise in one line, for a progress display."""
        if self.segment is None:
            where = "starting"
        elif self.in_rest:
            where = f"rest after {self.segment.title}"
        else:
            where = self.segment.title
            if self.segment.label is not None:
                where += f" ({self.segment.label})"
        total = (
            _clock(self.total_samples / self.sfreq)
            if self.total_samples is not None
            else "∞"
        )
        passes = f"pass {self.pass_index}/{self.n_passes or '∞'}"
        state = " PAUSED" if self.paused else ("" if self.running else " stopped")
        return (
            f"{where} · {_clock(self.seconds_sent)} of {total} · {passes} · "
            f"{self.samples_sent} samples · x{self.speed:g}{state}"
        )


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
        self._eeg_outlet: pylsl.StreamOutlet | None = None
        self._marker_outlet: pylsl.StreamOutlet | None = None
        self._republished: dict[str, pylsl.StreamOutlet] = {}
        # The open trial: (its first sample's index, its trial_start fields).
        self._open_trial: tuple[int, dict] | None = None
        self._next_state = 0
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
        self._eeg_outlet, self._marker_outlet = open_outlets(
            eeg_info(
                self.name,
                self.source_id,
                self.source.ch_names,
                self.source.sfreq,
                chunk_size=self.chunk_size,
                description=self.source.description,
                synthetic=self.source.synthetic,
                markers=markers_name(self.marker_stem[0]),
            ),
            marker_info(*self.marker_stem) if self.markers else None,
            self.chunk_size,
        )
        try:
            self._republished = {
                stream: pylsl.StreamOutlet(republished_info(stream, self.source_id))
                for stream in self.source.marker_streams
            }
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
        src = self.source
        lines = [
            f"EEG stream   {self.name!r}  source_id {self.source_id!r}",
            f"             {src.n_channels} channels, float32 µV, "
            f"{src.sfreq:g} Hz nominal, "
            f"chunks of {self.chunk_size} samples, speed x{self.speed:g}",
            f"markers      {markers_name(self.marker_stem[0])!r}  source_id "
            f"{markers_name(self.marker_stem[1])!r} (JSON strings"
            + (")" if self.markers else ", sent by another headset of the room)"),
            *(
                f"republished  {stream!r}  source_id {self.source_id + '-' + stream!r} "
                "(recorded markers, as they were)"
                for stream in src.marker_streams
            ),
            f"source       {src.description}"
            + (
                "  [SYNTHETIC EEG, not recorded from a person]" if src.synthetic else ""
            ),
        ]
        lines += textwrap.wrap(
            ", ".join(src.ch_names),
            width=88,
            initial_indent="channels     ",
            subsequent_indent=" " * 13,
        )
        for seg in src.segments:
            label = "" if seg.label is None else f"  {seg.label}"
            if seg.label_id is not None:
                label += f" (id {seg.label_id})"
            extra = f"  {len(seg.annotations)} annotations" if seg.annotations else ""
            lines.append(
                f"  {seg.title:<14} {_clock(seg.n_samples / src.sfreq):>8}"
                f"{label}{extra}"
            )
        if self._n_rest and len(src.segments) * (self.n_passes or 2) > 1:
            lines.append(
                f"rest         {self.rest_s:g} s between trials (the previous trial's "
                "EEG played backwards; no label)"
            )
        total = self.total_samples
        passes = (
            "looping forever" if self.n_passes is None else f"{self.n_passes} pass(es)"
        )
        duration = "" if total is None else f", {_clock(total / src.sfreq)} of data"
        wall = (
            ""
            if total is None
            else f", {_clock(total / src.sfreq / self.speed)} at x{self.speed:g}"
        )
        lines.append(f"total        {passes}{duration}{wall}")
        return "\n".join(lines)

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
        self._eeg_outlet = None
        self._marker_outlet = None
        self._republished = {}

    def _outlets(self) -> tuple[pylsl.StreamOutlet, pylsl.StreamOutlet | _NoOutlet]:
        """Return the EEG and marker outlets (open from :meth:`start` to the end)."""
        if self._eeg_outlet is None or (self.markers and self._marker_outlet is None):
            raise RuntimeError("the replay's outlets are closed")
        return self._eeg_outlet, self._marker_outlet or _NoOutlet()

    def _stream(self, first: np.ndarray) -> None:
        rate = self.source.sfreq * self.speed
        chunker = _Chunker(self.chunk_size)
        eeg_outlet, marker_outlet = self._outlets()
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
            fetch = None if next_k == k else _Prefetch(self._prepare, segments[next_k])
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
            t0 = self._t0
            eeg_outlet, marker_outlet = self._outlets()
            for index, text, stream in markers:
                outlet = marker_outlet if stream is None else self._republished[stream]
                outlet.push_sample([text], t0 + index / rate)
                if stream is None:
                    self._follow_trial(index, text)
            stamps = t0 + (start + np.arange(n)) / rate
            eeg_outlet.push_chunk(samples, stamps.tolist())
            last = start + n - 1
            if self._open_trial is not None and last >= self._next_state:
                first, fields = self._open_trial
                state = format_marker(
                    **{**fields, "event": "trial_state"},
                    elapsed_s=round((last - first) / rate, 6),
                )
                marker_outlet.push_sample([state], t0 + last / rate)
                self._next_state = last + self._state_every
            self._samples_sent = start + n
        while self._boundaries and self._boundaries[0][0] < start + n:
            _, pass_index, seg, in_rest = self._boundaries.popleft()
            self._current = (pass_index, seg, in_rest)
        return True

    def _follow_trial(self, index: int, text: str) -> None:
        """Open or close the trial that ``trial_state`` repeats."""
        marker = parse_marker(text)
        event = marker["event"] if marker is not None else None
        if marker is not None and event == "trial_start":
            self._open_trial = (index, marker)
            self._next_state = index + self._state_every
        elif event in ("trial_end", "rest_start", "session_end"):
            self._open_trial = None

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


class _NoOutlet:
    """The marker outlet of a room's headset that does not send the markers."""

    def push_sample(self, sample: list[str], timestamp: float) -> None:
        pass

    def have_consumers(self) -> bool:
        return True  # nobody to wait for


class _Chunker:
    """Cut consecutive blocks into chunks of one size, across block boundaries.

    Markers are fed as offsets within their block and come out with the
    absolute sample index they mark, in the chunk that holds that sample.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.fed = 0  # samples fed so far = absolute index of the next block's start
        self._emitted = 0
        self._parts: list[np.ndarray] = []
        self._pending = 0
        self._markers: deque[_Mark] = deque()

    def feed(
        self, block: np.ndarray, markers: list[_Mark]
    ) -> Iterator[tuple[int, np.ndarray, list[_Mark]]]:
        """Yield ``(start index, samples (n, C), markers)`` for each full chunk."""
        self._markers.extend(
            (self.fed + offset, text, stream) for offset, text, stream in markers
        )
        self.fed += len(block)
        pos = 0
        if self._pending:
            head = block[: self.size - self._pending]
            self._parts.append(head)
            self._pending += len(head)
            pos = len(head)
            if self._pending < self.size:
                return
            yield self._emit(np.concatenate(self._parts))
        while len(block) - pos >= self.size:
            yield self._emit(block[pos : pos + self.size])
            pos += self.size
        if pos < len(block):
            self._parts = [block[pos:]]
            self._pending = len(block) - pos

    def flush(self) -> Iterator[tuple[int, np.ndarray, list[_Mark]]]:
        """Yield the last, shorter chunk if samples are left."""
        if self._pending:
            yield self._emit(np.concatenate(self._parts))

    def _emit(self, samples: np.ndarray) -> tuple[int, np.ndarray, list[_Mark]]:
        start, end = self._emitted, self._emitted + len(samples)
        markers = []
        while self._markers and self._markers[0][0] < end:
            markers.append(self._markers.popleft())
        self._emitted = end
        self._parts, self._pending = [], 0
        return start, samples, markers


class _Prefetch:
    """Run ``func(*args)`` in a daemon thread; :meth:`result` joins and returns it."""

    def __init__(self, func: Callable[..., np.ndarray], *args: object) -> None:
        self._value: np.ndarray | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._work, args=(func, args), daemon=True
        )
        self._thread.start()

    def _work(self, func: Callable[..., np.ndarray], args: tuple) -> None:
        try:
            self._value = func(*args)
        except BaseException as err:  # noqa: BLE001 - re-raised by result()
            self._error = err

    def result(self) -> np.ndarray:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None  # _work set one or the other
        return self._value


def _clock(seconds: float) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss``."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
