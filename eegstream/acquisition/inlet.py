"""The acquisition thread: one pylsl inlet, a blocking pull into preallocated memory.

The thread pulls with ``min_samples=1`` and a short timeout, so a chunk is
taken as soon as it arrives (no spin-sleep) and a stop request is seen within
the timeout. It owns the inlet: nothing else touches it.

Faults:

- No data for ``lost_after_s`` (default 0.5 s), or pylsl's ``LostError``
  (the inlet is opened with ``recover=False``) -> state ``"lost"``.
- While lost, the stream is looked up again by its ``source_id`` (by name,
  type and channel count when it has none). The same outlet instance (the
  source merely paused) keeps the inlet; a new instance (the source restarted)
  gets a new inlet; its description must still agree (channels, rate, format).
- The first samples after a loss are written with a :class:`Gap`, so no
  reader ever joins samples across it.
- Timestamps are clock-synchronised (``proc_clocksync``) but not made
  monotonic by liblsl (``proc_monotonize`` is meant for dejittered streams
  and would flatten a backward clock jump into a run of equal stamps). A jump
  of more than the gap threshold, forward or backward, is a gap with reason
  ``"timestamps"``; smaller backward steps (jitter) are held at the previous
  stamp, so timestamps never decrease between gaps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import numpy as np
import pylsl
from pylsl.util import LostError

from .._errors import EEGStreamError
from .discovery import LSL_DTYPES, StreamSummary, find_streams, format_name
from .ring import Gap, RingBuffer

logger = logging.getLogger(__name__)

STATES = ("connecting", "ok", "lost", "stopped")
# Pull timeout: how often the thread notices a stop request or a silent source.
_PULL_TIMEOUT_S = 0.05
# How long each lookup of a lost source may block: liblsl answers a first query
# after about 0.5 s; longer would slow down stop().
_RESOLVE_TIMEOUT_S = 0.6
# A jump in timestamps larger than this many sample periods (and than 0.25 s),
# forward or backward, is a gap. Smaller ones are jitter: some apps stamp a
# whole Bluetooth chunk (tens of ms) with one time. Over LSL's TCP, samples are
# lost at reconnections, which are gaps anyway.
_GAP_PERIODS = 10


class _OpenFailed(EEGStreamError):
    """The outlet could not be opened (gone again, or unreachable)."""


def check_numeric(info: pylsl.StreamInfo) -> np.dtype:
    """Return the numpy dtype of a stream's samples; refuse string or irregular streams.

    Raises
    ------
    EEGStreamError
        For a string (e.g. marker) stream, an undefined format, or an
        irregular-rate stream (``nominal_srate == 0``).
    """
    summary = StreamSummary.from_info(info)
    fmt = info.channel_format()
    if fmt not in LSL_DTYPES:
        raise EEGStreamError(
            f"stream {summary.name!r} carries {format_name(fmt)} values; EEG must be a "
            "numeric stream (float32, double64 or int); is this a marker stream?"
        )
    if not info.nominal_srate() > 0:
        raise EEGStreamError(
            f"stream {summary.name!r} has an irregular sampling rate "
            "(nominal_srate 0); EEG must be a regularly sampled stream with its "
            "rate in Hz"
        )
    return np.dtype(LSL_DTYPES[fmt])


class InletThread:
    """Pull one LSL stream into a :class:`RingBuffer` on a background thread.

    Parameters
    ----------
    info : pylsl.StreamInfo
        The stream, as :func:`~eegstream.acquisition.resolve_stream` found it.
    buffer_s : float
        Seconds of samples the ring keeps.
    lost_after_s : float
        Silence, in seconds, after which the source counts as lost.
    open_timeout : float
        Seconds allowed to open the inlet and read the full description.

    Attributes
    ----------
    ring : RingBuffer
        Where samples land (channels in the stream's order, its units).
    info : pylsl.StreamInfo
        The full description (with channel labels) of the connected outlet.

    Notes
    -----
    ``start()`` opens the inlet synchronously (so a bad stream fails at once)
    and then starts the thread. ``step()`` runs one iteration of the loop
    without a thread, for deterministic tests. An exception in the thread is
    kept and re-raised by :meth:`check`.
    """

    def __init__(
        self,
        info: pylsl.StreamInfo,
        *,
        buffer_s: float = 30.0,
        lost_after_s: float = 0.5,
        open_timeout: float = 5.0,
    ) -> None:
        self.dtype = check_numeric(info)
        self.summary = StreamSummary.from_info(info)
        self.nominal_rate = float(info.nominal_srate())
        self.n_channels = int(info.channel_count())
        self.lost_after_s = float(lost_after_s)
        self.open_timeout = float(open_timeout)
        self.ring = RingBuffer(
            self.n_channels, max(1, round(buffer_s * self.nominal_rate))
        )
        # Up to 1 s (at least 64 samples) per pull, into memory reused every pull.
        self._max_chunk = max(64, round(self.nominal_rate))
        self._dest = np.empty((self._max_chunk, self.n_channels), dtype=self.dtype)
        self._gap_s = max(0.25, _GAP_PERIODS / self.nominal_rate)
        self._resolved = info
        self.info = info
        self._inlet: pylsl.StreamInlet | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._reset_variables()

    def _reset_variables(self) -> None:
        """Define "off": no inlet, no data seen, no counts."""
        self.state = "connecting"
        self.reconnects = 0
        self.samples_lost = 0
        self.gaps = 0
        self._last_ts: float | None = None
        self._last_data = time.monotonic()
        self._last_lookup = 0.0
        self._pending_gap: Gap | None = None
        self._rate_window: deque[tuple[float, int]] = deque()

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> InletThread:
        """Open the inlet, then pull on a daemon thread; return ``self``."""
        self._open(self._resolved)
        self._thread = threading.Thread(
            target=self._run, name=f"lsl-inlet-{self.summary.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and close the inlet (idempotent)."""
        self._stop.set()
        self.ring.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None
        self._close()
        self.state = "stopped"

    def __enter__(self) -> InletThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def check(self) -> None:
        """Re-raise an exception the thread stopped on, if any."""
        if self._error is not None:
            raise self._error

    @property
    def error(self) -> BaseException | None:
        """The exception the thread stopped on, or ``None``."""
        return self._error

    @property
    def measured_rate(self) -> float:
        """Samples per second received over the last 5 s (0 before any data)."""
        window = list(self._rate_window)
        if len(window) < 2:
            return 0.0
        span = window[-1][0] - window[0][0]
        return sum(n for _, n in window[1:]) / span if span > 0 else 0.0

    # -- the loop ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.step()
        except (
            BaseException
        ) as err:  # kept for check(); the thread must not die silently
            logger.error("acquisition of %r stopped: %s", self.summary.name, err)
            self._error = err
            self.state = "stopped"
            self.ring.notify()

    def step(self) -> int:
        """Pull once (or look for a lost source); return samples pulled."""
        if self._inlet is None:
            self._look_for_source()
            return 0
        try:
            _, ts = self._inlet.pull_chunk(
                timeout=_PULL_TIMEOUT_S,
                max_samples=self._max_chunk,
                dest_obj=self._dest,
                min_samples=1,
                as_numpy=True,
            )
        except LostError:
            self._mark_lost("source disconnected")
            self._close()
            return 0
        now = time.monotonic()
        n = len(ts)
        if n:
            self._on_data(n, ts, now)
        elif now - self._last_data > self.lost_after_s:
            if self.state != "lost":
                self._mark_lost(f"no data for {self.lost_after_s:g} s")
            if now - self._last_lookup > 0.5:
                self._look_for_source()
        return n

    def _on_data(self, n: int, ts: np.ndarray, now: float) -> None:
        arrival = pylsl.local_clock()
        # Cut the pull where the source's timestamps jump either way (also inside
        # the chunk).
        jumps = np.flatnonzero(np.abs(np.diff(ts)) > self._gap_s) + 1
        cuts = [0, *jumps.tolist(), n]
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            gap = self._pending_gap
            if gap is None and self._last_ts is not None:
                if abs(ts[lo] - self._last_ts) > self._gap_s:
                    gap = Gap(0, 0.0, 0.0, 0, "timestamps")
            if gap is not None:
                gap = self._count_gap(gap.reason, float(ts[lo]))
            stamps = ts[lo:hi]
            if gap is None and self._last_ts is not None:
                stamps = np.maximum(stamps, self._last_ts)
            stamps = np.maximum.accumulate(stamps)
            self.ring.write(self._dest[lo:hi], stamps, arrival, gap)
            self._pending_gap = None
            self._last_ts = float(stamps[-1])
        self._last_data = now
        self._rate_window.append((now, n))
        while self._rate_window and now - self._rate_window[0][0] > 5.0:
            self._rate_window.popleft()
        self.state = "ok"

    def _count_gap(self, reason: str, first_ts: float) -> Gap:
        """Size a gap ending at ``first_ts`` (its index is set by the ring)."""
        duration = 0.0
        if self._last_ts is not None:
            duration = max(0.0, first_ts - self._last_ts - 1 / self.nominal_rate)
        lost = round(duration * self.nominal_rate)
        self.samples_lost += lost
        self.gaps += 1
        logger.info(
            "%s gap of %.3f s (%d samples) in %r",
            reason,
            duration,
            lost,
            self.summary.name,
        )
        return Gap(0, first_ts, duration, lost, reason)

    def _mark_lost(self, why: str) -> None:
        if self.state == "ok":
            logger.warning("stream %r lost: %s", self.summary.name, why)
        self.state = "lost"
        self._rate_window.clear()
        if self._pending_gap is None and self._last_ts is not None:
            self._pending_gap = Gap(0, 0.0, 0.0, 0, "lost")

    # -- (re)connection ------------------------------------------------------------
    def _open(self, info: pylsl.StreamInfo) -> None:
        inlet = pylsl.StreamInlet(
            info,
            max_buflen=max(1, round(self.ring.capacity / self.nominal_rate)),
            recover=False,
            processing_flags=pylsl.proc_clocksync,
        )
        try:
            full = inlet.info(timeout=self.open_timeout)
            inlet.open_stream(timeout=self.open_timeout)
        except Exception as err:  # timeout or lost while opening
            inlet.close_stream()
            raise _OpenFailed(
                f"could not open LSL stream {self.summary.name!r} within "
                f"{self.open_timeout:g} s ({err}); is its source still running?"
            ) from None
        self._check_same_shape(full)
        self._inlet = inlet
        self.info = full
        self.summary = StreamSummary.from_info(full)
        self._last_data = time.monotonic()

    def _check_same_shape(self, info: pylsl.StreamInfo) -> None:
        got = (info.channel_count(), info.nominal_srate(), info.channel_format())
        want = (self.n_channels, self.nominal_rate, self.info.channel_format())
        if got != want:
            raise EEGStreamError(
                f"stream {info.name()!r} (source_id {info.source_id()!r}) came back "
                f"with {got[0]} ch at {got[1]:g} Hz {format_name(got[2])}, but the "
                f"session started with {want[0]} ch at {want[1]:g} Hz "
                f"{format_name(want[2])}; "
                "restart the session for a different stream"
            )

    def _close(self) -> None:
        if self._inlet is not None:
            self._inlet.close_stream()
            self._inlet = None

    def _look_for_source(self) -> None:
        """Look the source up again; reconnect when it is a new outlet instance."""
        self._last_lookup = time.monotonic()
        s = self.summary
        if s.source_id:
            found = find_streams(
                source_id=s.source_id, timeout=_RESOLVE_TIMEOUT_S, settle_s=0
            )
        else:  # without a source_id the best identity is name + type
            found = find_streams(
                name=s.name, stream_type=s.type, timeout=_RESOLVE_TIMEOUT_S, settle_s=0
            )
        if self._inlet is not None and any(i.uid() == s.uid for i in found):
            return  # the same outlet is still there: it paused; keep waiting on it
        fresh = [i for i in found if i.uid() != s.uid]
        if not fresh:
            if self._inlet is None:
                time.sleep(_PULL_TIMEOUT_S)  # nothing to pull from; do not spin
            return
        self._close()
        try:
            self._open(fresh[0])
        except _OpenFailed:
            return  # it went away again; keep looking
        self.reconnects += 1
        self._pending_gap = Gap(0, 0.0, 0.0, 0, "reconnect")
        logger.warning("stream %r is back (new source instance); resuming", s.name)
