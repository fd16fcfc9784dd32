"""Fit ASR on a session's lead-in: in the caller's thread, or in a child process.

Offline, :func:`fit_lead_in` runs in the caller's thread. Live, it runs in
a child process, so a session's steps never wait on the fit.

A minute of 62 channels takes seconds to fit, much of it in Python code that
holds the interpreter lock: in a thread of the live process, steps that ran
meanwhile waited for the lock (a step of 5 ms took up to 30-44 ms in
``benchmarks/bench_cli_latency.py``). So the live fit runs in one child
process per eegstream process, started as soon as a stage that will need it
is made (:func:`warm_up`): importing meegkit takes seconds, and it is done
long before a 60 s lead-in ends. The child runs at a lower CPU priority
(nice 10), serves the fits of every wearer in turn, and ends when this
process closes its input (at exit, or when this process dies).

The child (:func:`serve`) runs the same :func:`fit_lead_in` as an offline
fit does, on the same samples, so its result is the same bit
for bit. Requests and answers are pickles, each preceded by its length; the
lead-in's samples follow a request as raw float64 bytes.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .asr import ASRFit, StreamingASR, _meegkit_asr
from .config import ASRSettings

#: The child's CPU niceness: a step that needs the core it is on goes first.
CHILD_NICENESS = 10
_LENGTH = struct.Struct("<Q")


def fit_lead_in(
    lead: np.ndarray, sfreq: float, settings: ASRSettings
) -> tuple[Any, ASRFit] | str:
    """Fit ASR on a lead-in's finite samples: its fitted state, or the error line.

    The same function runs in the fit child process live and in the
    caller's thread offline, so both give the same fit.

    Parameters
    ----------
    lead : array of float, shape (n_channels, n_samples)
        Conditioned lead-in in microvolts; samples with a NaN (gaps,
        restarts) are left out.
    sfreq : float
        Its rate in Hz.
    settings : ASRSettings
        The ASR settings.

    Returns
    -------
    tuple | str
        The fitted state (:meth:`StreamingASR.fitted_state
        <eegstream.features.asr.StreamingASR.fitted_state>`), or the line
        saying why the lead-in could not be fitted.
    """
    finite = lead[:, np.isfinite(lead).all(axis=0)]  # gaps and restarts are NaN
    asr = StreamingASR(sfreq, lead.shape[0], settings)
    try:
        asr.fit(finite)
    except EEGStreamError as err:
        return str(err)
    return asr.fitted_state()


class _FitProcess:
    """One child that fits ASR, one request at a time."""

    def __init__(self) -> None:
        # The child imports this very package, wherever it was imported from.
        here = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(filter(None, (here, os.environ.get("PYTHONPATH"))))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "eegstream.features._asr_child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
                env={**os.environ, "PYTHONPATH": path},
            )
        except OSError as err:
            raise EEGStreamError(
                f"--asr: cannot start the ASR fit process ({sys.executable}: "
                f"{err.strerror or err}); check the Python installation"
            ) from None
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def fit(
        self, lead: np.ndarray, sfreq: float, settings: ASRSettings
    ) -> tuple[Any, ASRFit] | str:
        """Fit in the child; its fitted state, or why there is none (one line)."""
        lead = np.ascontiguousarray(lead, dtype=np.float64)
        with self._lock:
            assert self.process.stdin is not None and self.process.stdout is not None
            try:
                _send(self.process.stdin, pickle.dumps((lead.shape, sfreq, settings)))
                _write_all(self.process.stdin, lead.data.cast("B"))
                answer = pickle.loads(_receive(self.process.stdout))
            except (OSError, EOFError, pickle.UnpicklingError) as err:
                try:  # its pipes closed: it is ending
                    why = f"exit status {self.process.wait(2)}"
                except subprocess.TimeoutExpired:
                    why = str(err)
                return f"the fit process ended ({why})"
        return answer

    def close(self) -> None:
        """Close its input (it then exits; a fit under way is dropped); reap it."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


_service: _FitProcess | None = None
_service_lock = threading.Lock()


def warm_up() -> _FitProcess:
    """Start this process's fit child if it is not running; return it.

    Called when a live ASR stage is made, so the child's imports are done
    when its lead-in ends. A child that died is replaced.
    """
    global _service
    with _service_lock:
        if _service is None or not _service.alive:
            if _service is None:
                atexit.register(_close_service)
            else:
                _service.close()
            _service = _FitProcess()
        return _service


def fit_in_child(
    lead: np.ndarray, sfreq: float, settings: ASRSettings
) -> tuple[Any, ASRFit] | str:
    """Fit ASR on a lead-in in the child process; blocks the calling thread.

    Takes and returns what :func:`fit_lead_in` does; the line returned
    instead of a fit also says when the child ended.
    """
    return warm_up().fit(lead, sfreq, settings)


def _close_service() -> None:
    with _service_lock:
        if _service is not None:
            _service.close()


def _send(pipe: Any, payload: bytes) -> None:
    _write_all(pipe, memoryview(_LENGTH.pack(len(payload)) + payload))


def _write_all(pipe: Any, data: memoryview) -> None:
    while data:
        data = data[pipe.write(data) :]


def _read_into(pipe: Any, view: memoryview) -> None:
    while view:
        got = pipe.readinto(view)
        if not got:
            raise EOFError("the pipe closed mid-message")
        view = view[got:]


def _receive(pipe: Any) -> bytes:
    header = bytearray(_LENGTH.size)
    _read_into(pipe, memoryview(header))
    payload = bytearray(_LENGTH.unpack(header)[0])
    _read_into(pipe, memoryview(payload))
    return bytes(payload)


def serve() -> None:
    """Be the child: answer fit requests on stdin until it closes.

    Run as ``python -m eegstream.features._asr_child`` by :func:`warm_up`.
    """
    # Ctrl-C in the terminal is the parent's to handle; the child ends when
    # the parent closes its input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)
    # Answers go to the original stdout; anything a library prints, to stderr.
    answers = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    with contextlib.suppress(EEGStreamError):
        _meegkit_asr()  # the slow import, before any request comes
    with contextlib.suppress(EOFError, OSError):  # the parent closed or died
        while True:
            shape, sfreq, settings = pickle.loads(_receive(requests))
            lead = np.empty(shape)
            _read_into(requests, lead.data.cast("B"))
            try:
                answer: Any = fit_lead_in(lead, sfreq, settings)
            except Exception as err:  # noqa: BLE001 - said in one line by the stage
                answer = f"the fit failed ({type(err).__name__}: {err})"
            _send(answers, pickle.dumps(answer))
