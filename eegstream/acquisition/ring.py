"""A preallocated ring of samples with a monotonic counter and per-reader cursors.

The acquisition thread writes each pulled chunk in place (no roll: a ring
write of 62 channels costs microseconds, rolling a 30 s buffer hundreds);
every reader keeps its own position on the sample counter, so the feature
extractor, the dashboard and a recorder never take samples from each other.
Readers get copies, because the ring is overwritten in place.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .._errors import EEGStreamError
from .._records import Record

GAP_REASONS = ("lost", "reconnect", "timestamps", "overrun")


@dataclass(frozen=True)
class Gap(Record):
    """Samples that never arrived before sample ``index``.

    Attributes
    ----------
    index : int
        Counter value of the first sample after the gap.
    time : float
        LSL timestamp (local clock, seconds) of that sample.
    duration_s : float
        Time missing between the samples either side, in seconds (0 when
        unknown, e.g. the first data of a new source).
    samples_lost : int
        Samples estimated missing, ``round(duration_s * nominal rate)``.
    reason : str
        ``"lost"`` (the source fell silent or disconnected), ``"reconnect"``
        (a restarted source with the same source_id), ``"timestamps"`` (a jump
        in the source's timestamps) or ``"overrun"`` (a reader fell more than
        the ring's length behind).
    """

    index: int
    time: float
    duration_s: float
    samples_lost: int
    reason: str


@dataclass(frozen=True)
class Block:
    """What a :class:`RingReader` read: the samples after its previous read.

    Attributes
    ----------
    start : int
        Counter value of the first sample.
    data : array of float64, shape (n_channels, n_samples)
        The samples, channels first, in the stream's units (a copy).
    timestamps : array of float64, shape (n_samples,)
        LSL timestamps (local clock, seconds).
    arrival : array of float64, shape (n_samples,)
        ``pylsl.local_clock()`` when each sample was pulled.
    gaps : list of Gap
        Gaps whose ``index`` lies in ``[start, start + n_samples)``, oldest first.
    """

    start: int
    data: np.ndarray
    timestamps: np.ndarray
    arrival: np.ndarray
    gaps: list[Gap] = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        """Number of samples in the block."""
        return self.data.shape[1]

    def split(self) -> list[tuple[Gap | None, Block]]:
        """Cut the block at its gaps: ``[(gap before the piece or None, piece)]``."""
        pieces = []
        cuts = [g.index - self.start for g in self.gaps]
        bounds = [0, *cuts, self.n_samples]
        gaps: list[Gap | None] = [None, *self.gaps]
        for gap, lo, hi in zip(gaps, bounds[:-1], bounds[1:], strict=True):
            if hi > lo or gap is not None:
                sl = slice(lo, hi)
                piece = Block(
                    self.start + lo,
                    self.data[:, sl],
                    self.timestamps[sl],
                    self.arrival[sl],
                )
                pieces.append((gap, piece))
        return pieces


class RingBuffer:
    """Fixed-size store of the newest samples of one stream.

    Parameters
    ----------
    n_channels : int
        Channels per sample.
    capacity : int
        Samples kept (e.g. 30 s x the sampling rate).

    Notes
    -----
    One lock guards the ring; it is held only to copy in (writer) or copy out
    (readers). :attr:`total` counts every sample ever written and never goes
    back, so a position on it identifies a sample for the whole session.
    """

    def __init__(self, n_channels: int, capacity: int) -> None:
        if capacity < 1 or n_channels < 1:
            raise EEGStreamError(
                f"ring buffer needs >= 1 channel and >= 1 sample, got {n_channels} "
                f"channels x {capacity} samples"
            )
        self.n_channels = int(n_channels)
        self.capacity = int(capacity)
        # Samples-major so that a pulled (n, C) chunk is one contiguous copy.
        self._data = np.zeros((self.capacity, self.n_channels))
        self._times = np.zeros(self.capacity)
        self._arrival = np.zeros(self.capacity)
        self._total = 0
        self._gaps: deque[Gap] = deque(maxlen=4096)
        self._cond = threading.Condition()

    @property
    def total(self) -> int:
        """Samples written since creation (the monotonic sample counter)."""
        return self._total

    def write(
        self,
        samples: np.ndarray,
        timestamps: np.ndarray,
        arrival: float,
        gap: Gap | None = None,
    ) -> None:
        """Append samples, optionally after a gap, and wake waiting readers.

        Parameters
        ----------
        samples : array, shape (n_samples, n_channels)
            As pulled from LSL (samples first); any numeric dtype.
        timestamps : array of float, shape (n_samples,)
            Their LSL timestamps in seconds.
        arrival : float
            ``pylsl.local_clock()`` at the pull.
        gap : Gap | None
            A gap just before these samples; its ``index`` is set here to the
            counter value of the first of them.
        """
        n = len(timestamps)
        if n == 0:
            return
        if n > self.capacity:  # keep the newest; the rest would be overwritten anyway
            samples, timestamps = (
                samples[-self.capacity :],
                timestamps[-self.capacity :],
            )
            skipped, n = n - self.capacity, self.capacity
        else:
            skipped = 0
        with self._cond:
            start = self._total + skipped
            if gap is not None:
                self._gaps.append(
                    Gap(
                        start,
                        float(timestamps[0]),
                        gap.duration_s,
                        gap.samples_lost,
                        gap.reason,
                    )
                )
            pos = start % self.capacity
            first = min(n, self.capacity - pos)
            self._data[pos : pos + first] = samples[:first]
            self._times[pos : pos + first] = timestamps[:first]
            self._arrival[pos : pos + first] = arrival
            if first < n:
                self._data[: n - first] = samples[first:]
                self._times[: n - first] = timestamps[first:]
                self._arrival[: n - first] = arrival
            self._total = start + n
            self._cond.notify_all()

    def _copy(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        idx = np.arange(start, stop) % self.capacity
        return self._data[idx].T.copy(), self._times[idx], self._arrival[idx]

    def latest(self, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
        """Copy of the newest samples.

        Parameters
        ----------
        n_samples : int
            How many (fewer come back when fewer were written or kept).

        Returns
        -------
        timestamps : array of float64, shape (n,)
        data : array of float64, shape (n_channels, n)
        """
        with self._cond:
            stop = self._total
            start = max(0, stop - min(int(n_samples), self.capacity))
            data, times, _ = self._copy(start, stop)
        return times, data

    def wait(self, position: int, timeout: float) -> bool:
        """Block until the counter passes ``position`` or ``timeout`` s pass."""
        with self._cond:
            return self._cond.wait_for(lambda: self._total > position, timeout)

    def notify(self) -> None:
        """Wake every waiting reader (e.g. to let it notice a stop request)."""
        with self._cond:
            self._cond.notify_all()

    def reader(self, from_start: bool = False) -> RingReader:
        """Make a new cursor: at the newest sample, or at the oldest one kept."""
        return RingReader(self, from_start)


class RingReader:
    """One consumer's cursor over a :class:`RingBuffer`.

    Parameters
    ----------
    ring : RingBuffer
        The buffer to read.
    from_start : bool
        Start at the oldest sample still kept instead of after the newest.
    """

    def __init__(self, ring: RingBuffer, from_start: bool = False) -> None:
        self.ring = ring
        with ring._cond:
            self.position = (
                max(0, ring.total - ring.capacity) if from_start else ring.total
            )

    def wait(self, timeout: float) -> bool:
        """Block until there are unread samples or ``timeout`` seconds pass."""
        return self.ring.wait(self.position, timeout)

    def read(self, max_samples: int | None = None) -> Block:
        """Copy the samples written since the last read (at most ``max_samples``).

        When the reader fell more than the ring's capacity behind, it jumps to
        the oldest sample kept and the skipped samples are reported as a gap
        with reason ``"overrun"``.
        """
        ring = self.ring
        with ring._cond:
            stop = ring.total
            gaps = []
            oldest = stop - ring.capacity
            if self.position < oldest:
                gaps.append(
                    Gap(
                        oldest,
                        float(ring._times[oldest % ring.capacity]),
                        0.0,
                        oldest - self.position,
                        "overrun",
                    )
                )
                self.position = oldest
            if max_samples is not None:
                stop = min(stop, self.position + int(max_samples))
            data, times, arrival = ring._copy(self.position, stop)
            gaps += [g for g in ring._gaps if self.position <= g.index < stop]
            start, self.position = self.position, stop
        gaps.sort(key=lambda g: g.index)
        return Block(start, data, times, arrival, gaps)
