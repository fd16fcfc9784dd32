"""Follow a marker stream: the true label of each window, markers for the log.

Optional by nature: a headset has no marker stream, and then nothing happens.
A listener that connects mid-trial learns the open trial from the replay's
``trial_state`` repetitions (see :mod:`eegstream.protocol`).
The stream looked for is the replay's (``<eeg source_id>-markers``, see
:mod:`eegstream.protocol`) or any stream named by the user (a stimulus
program's); it is followed on its own small thread, and lost or restarted
marker streams are looked up again. The pipeline also takes what the inlet
holds (:meth:`MarkerListener.poll`) right before it labels a step, so a
marker that reached the process in time is never missed because that thread
had not run yet. Foreign markers (not the replay's JSON)
are logged as they arrive and, through a :class:`~eegstream.labelmap.LabelMap`,
start and end labelled segments like the replay's ``trial_start``/``trial_end``.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Sequence

import pylsl
from pylsl.util import LostError

from ..acquisition import find_streams
from ..labelmap import LabelMap
from ..protocol import markers_name, parse_marker

logger = logging.getLogger(__name__)

_PULL_TIMEOUT_S = 0.1
_LOOKUP_EVERY_S = 1.0


class MarkerListener:
    """Collect markers of one stream and answer "which trial is this?".

    Parameters
    ----------
    source_id : str | None
        The EEG stream's source_id: follow its replay's ``<source_id>-markers``.
    name : str | None
        Instead, the name of the marker stream to follow (any program's).
    label_map : LabelMap | None
        Rules turning foreign marker strings into labelled segments.
    first_timeout : float
        How long :meth:`start` waits for the marker stream, in seconds (so
        that its inlet exists before the EEG inlet and no marker is missed).
    """

    def __init__(
        self,
        source_id: str | None = None,
        first_timeout: float = 1.0,
        *,
        name: str | None = None,
        label_map: LabelMap | None = None,
    ) -> None:
        if (source_id is None) == (name is None):
            raise ValueError("MarkerListener: give source_id or name, not both")
        self.source_id = markers_name(source_id) if source_id is not None else None
        self.name = name
        self.label_map = label_map
        self.first_timeout = float(first_timeout)
        self._inlet: pylsl.StreamInlet | None = None
        self._uid = ""
        self._lock = threading.Lock()
        # The inlet is pulled (and replaced) under this lock, by the thread or
        # by poll(): markers are taken in the order they were sent.
        self._pull_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._new: list[tuple[float, dict]] = []
        # Trials as parallel lists sorted by start: start, end (inf while open), label.
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._labels: list[str | None] = []
        self.connected = False

    def start(self) -> MarkerListener:
        """Look for the marker stream once, then follow it on a thread."""
        self._connect(self.first_timeout)
        self._thread = threading.Thread(
            target=self._run, name="lsl-markers", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and close the inlet (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        with self._pull_lock:
            if self._inlet is not None:
                self._inlet.close_stream()
                self._inlet = None

    def _connect(self, timeout: float) -> None:
        found = find_streams(
            name=self.name, source_id=self.source_id, timeout=timeout, settle_s=0
        )
        found = [i for i in found if i.channel_format() == pylsl.cf_string]
        if not found or found[0].uid() == self._uid:
            return
        inlet = pylsl.StreamInlet(
            found[0], recover=False, processing_flags=pylsl.proc_clocksync
        )
        try:
            inlet.open_stream(timeout=2.0)
            # With clock sync, the first pull that returns a marker waits for
            # liblsl's first clock-offset estimate (about 0.64 s of probes);
            # taken here, it never stalls a poll() on the pipeline's worker.
            inlet.time_correction(timeout=2.0)
        except Exception:  # gone again: try later
            inlet.close_stream()
            return
        with self._pull_lock:
            self._inlet, self._uid, self.connected = inlet, found[0].uid(), True

    def _run(self) -> None:
        last_lookup = time.monotonic()
        while not self._stop.is_set():
            if self._inlet is None:
                if time.monotonic() - last_lookup > _LOOKUP_EVERY_S:
                    last_lookup = time.monotonic()
                    self._connect(0.6)
                else:
                    self._stop.wait(0.1)
                continue
            if not self.poll():
                self._stop.wait(_PULL_TIMEOUT_S)

    def poll(self) -> int:
        """Take the markers the inlet holds now, without waiting.

        Returns
        -------
        int
            How many were taken (0 also when not connected; a lost stream
            is looked up again by the thread).
        """
        with self._pull_lock:
            if self._inlet is None:
                return 0
            try:
                samples, stamps = self._inlet.pull_chunk(timeout=0.0)
            except LostError:
                self._inlet.close_stream()
                self._inlet, self.connected = None, False
                return 0
            for sample, ts in zip(samples, stamps, strict=True):
                self._add(float(ts), sample[0])
        return len(samples)

    def add(self, ts: float, text: str) -> None:
        """Take a marker read elsewhere (a recording's), as if the inlet gave it.

        Parameters
        ----------
        ts : float
            Its timestamp, on the EEG's clock (seconds).
        text : str
            The marker string (the replay's JSON, or a foreign one).
        """
        self._add(ts, text)

    def _add(self, ts: float, text: str) -> None:
        marker = parse_marker(text)
        if marker is None:
            self._add_foreign(ts, text)
            return
        with self._lock:
            event = marker["event"]
            if event == "trial_state":
                self._learn_open_trial(ts, marker)
                return  # a repetition, not an event: kept out of the log
            self._new.append((ts, marker))
            if event == "trial_start":
                self._open(ts, marker.get("label"))
            elif event in ("trial_end", "rest_start", "session_end"):
                self._close(ts)

    def _add_foreign(self, ts: float, text: str) -> None:
        record: dict = {"text": text, "stream": self.name or self.source_id}
        found = self.label_map.match(text) if self.label_map is not None else None
        if found is not None:
            record.update(action=found.action, label=found.label)
        logger.info("marker %r from %s at %.3f", text, record["stream"], ts)
        with self._lock:
            self._new.append((ts, record))
            if found is not None:
                self._close(ts)  # a start also ends the segment still open
                if found.action == "start":
                    self._open(ts, found.label)

    def _open(self, ts: float, label: str | None) -> None:
        i = bisect.bisect(self._starts, ts)
        self._starts.insert(i, ts)
        self._ends.insert(i, float("inf"))
        self._labels.insert(i, label)

    def _close(self, ts: float) -> None:
        i = bisect.bisect(self._starts, ts) - 1
        if i >= 0 and self._ends[i] == float("inf"):
            self._ends[i] = ts

    def _learn_open_trial(self, ts: float, marker: dict) -> None:
        """Open the trial a ``trial_state`` repeats, unless it is known already."""
        elapsed = marker.get("elapsed_s")
        if not isinstance(elapsed, int | float) or elapsed < 0:
            return
        i = bisect.bisect(self._starts, ts) - 1
        if i >= 0 and self._ends[i] == float("inf"):
            return  # its trial_start (or an earlier trial_state) was seen
        self._open(ts - elapsed, marker.get("label"))

    def drain(self) -> list[tuple[float, dict]]:
        """Markers received since the last call: ``[(LSL timestamp, marker dict)]``."""
        with self._lock:
            new, self._new = self._new, []
        return new

    def trial(
        self, t_start: float, t_end: float, tolerance: float = 0.0
    ) -> tuple[str, float] | None:
        """Return the labelled trial holding a window ``[t_start, t_end]``.

        Returns
        -------
        (label, onset) | None
            The trial's class and its start (LSL seconds); ``None`` when no
            labelled trial holds the whole window (rest, straddling a
            boundary, unlabelled, or no markers).
        """
        with self._lock:
            i = bisect.bisect(self._starts, t_start + tolerance) - 1
            if i < 0 or t_end > self._ends[i] + tolerance:
                return None
            label = self._labels[i]
            return None if label is None else (label, self._starts[i])

    def label(self, t_start: float, t_end: float, tolerance: float = 0.0) -> str | None:
        """Return the true class of a window ``[t_start, t_end]`` (:meth:`trial`)."""
        found = self.trial(t_start, t_end, tolerance)
        return None if found is None else found[0]


def find_trial(
    listeners: Sequence[MarkerListener], start: float, end: float, tolerance: float
) -> tuple[str, float] | None:
    """Return ``(label, onset)`` of the first listener with a trial holding a window.

    Each listener first takes what its inlet holds (:meth:`MarkerListener.poll`),
    so a marker that reached the process is never missed for want of its thread.

    Parameters
    ----------
    listeners : sequence of MarkerListener
        In order of preference.
    start, end : float
        The window's first and last sample times (LSL seconds).
    tolerance : float
        Seconds a window may stick out of its trial (half a sample period).
    """
    for listener in listeners:
        listener.poll()
        found = listener.trial(start, end, tolerance=tolerance)
        if found is not None:
            return found
    return None
