"""Calibration from a live session: record the first seconds, fit, switch.

::

    LivePipeline.start_calibration(seconds, calibrate, path)
      ─► LabRecorder: the EEG, its marker streams and outlets into a new XDF
      ─► once ``seconds`` of the stream's samples are in and the labelled
         segment under way has ended (at most ``seconds`` more): file closed
      ─► calibrate(path) on a background thread ─► a personal checkpoint
      ─► LivePipeline.switch_model(it): at a step boundary, no gap in steps

The stream is never interrupted: the pipeline classifies with the base model
all along and the views say "calibrating" until the switch. A failure (too
few labelled segments, no gain at the test's level, a personal model that
cannot take over) is one logged line, and the session goes on with the
base model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import EEGStreamError
from ..files.labrecorder import Recorder, RecordingReport
from .results import ModelSwitch

logger = logging.getLogger(__name__)

#: The states of a live calibration, in order (one of the last three at the end).
CALIBRATION_STATES = ("recording", "fitting", "switched", "failed", "cancelled")


@dataclass(frozen=True)
class PersonalModel:
    """What a calibration function returns.

    Attributes
    ----------
    checkpoint : Path
        The personal checkpoint it wrote.
    note : str
        What calibration measured, one line (e.g. base vs personal accuracy
        on held-out segments); logged and shown with the switch.
    p_value : float | None
        The gain test's p-value (:mod:`eegstream.calibration.gain`); logged.
    """

    checkpoint: Path
    note: str = ""
    p_value: float | None = None


#: Calibrates on one XDF recording; raises EEGStreamError (one line) when it cannot.
Calibrate = Callable[[Path], PersonalModel]


class LiveCalibration:
    """Record the first seconds of a session, calibrate on them, switch the model.

    Made and started by :meth:`LivePipeline.start_calibration
    <eegstream.pipeline.LivePipeline.start_calibration>`; it talks to the
    pipeline only through the callables given.

    Parameters
    ----------
    recorder : Recorder
        Not started; records the EEG and its marker streams.
    seconds : float
        Seconds of EEG to record, counted in the stream's samples at its
        nominal rate (a replay at 4x speed records them in a quarter of the time).
    calibrate : Calibrate
        Called on the closed recording, on this object's thread.
    samples : callable
        Returns the stream's samples received so far.
    rate : float
        The stream's nominal rate in Hz.
    switch : callable
        ``switch(checkpoint, reason) -> ModelSwitch``: makes the pipeline go on
        with the personal model (raises EEGStreamError when it cannot).
    log : callable
        ``log(record_type, **fields)``: the session log.
    newest : callable | None
        Returns the newest sample's timestamp (LSL seconds).
    labelled : callable | None
        ``labelled(t0, t1)``: whether one labelled segment holds ``[t0, t1]``.
        With both given, a segment under way after ``seconds`` is recorded to
        its end (a segment cut short may be shorter than one feature window),
        for at most ``seconds`` more; else the recording stops at ``seconds``.

    Attributes
    ----------
    state : str
        One of :data:`CALIBRATION_STATES`.
    recording : RecordingReport | None
        What the calibration recording holds, once closed.
    personal : PersonalModel | None
        The calibration's result, once fitted.
    switched : ModelSwitch | None
        The switch, once made.
    error : str | None
        Why it failed.
    """

    def __init__(
        self,
        recorder: Recorder,
        seconds: float,
        calibrate: Calibrate,
        *,
        samples: Callable[[], int],
        rate: float,
        switch: Callable[[Path, str], ModelSwitch],
        log: Callable[..., Any],
        newest: Callable[[], float] | None = None,
        labelled: Callable[[float, float], bool] | None = None,
    ) -> None:
        self.recorder = recorder
        self.seconds = float(seconds)
        self.calibrate = calibrate
        self._samples, self._switch, self._log = samples, switch, log
        self._newest, self._labelled = newest, labelled
        self._target_time: float | None = None  # when `seconds` were in
        self.target = max(1, round(self.seconds * rate))
        self.rate = float(rate)
        self.state = "recording"
        self.recording: RecordingReport | None = None
        self.personal: PersonalModel | None = None
        self.switched: ModelSwitch | None = None
        self.error: str | None = None
        self._start = 0
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name="eegstream-calibration", daemon=True
        )

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> LiveCalibration:
        """Start recording; return once LabRecorder collects from every stream.

        Raises
        ------
        EEGStreamError
            The path cannot be written or LabRecorder could not start.
        """
        self.recorder.start()
        self._start = self._samples()
        self._log(
            "calibration",
            state="recording",
            seconds=self.seconds,
            path=str(self.recorder.path),
            streams=[s.name for s in self.recorder.streams],
        )
        self._thread.start()
        return self

    def cancel(self) -> None:
        """End it without a switch (the session ends); idempotent.

        While recording, the file is closed before this returns. A fit under
        way finishes on its thread (its checkpoint is written) but is not used.
        """
        self._cancel.set()
        if self._thread.is_alive() and self.state == "recording":
            self._thread.join(10.0)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until it has switched, failed or been cancelled; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def active(self) -> bool:
        """Whether it is recording or fitting."""
        return self.state in ("recording", "fitting")

    def status(self) -> str | None:
        """Say what views show while active: ``"recording 12/60 s"``, ``"fitting"``."""
        state = self.state
        if state == "recording":
            done = self._samples() - self._start
            if done >= self.target:
                return f"recording {self.seconds:g} s done, finishing the segment"
            return f"recording {done / self.rate:.0f}/{self.seconds:g} s"
        return "fitting" if state == "fitting" else None

    # -- the thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._recorded():
                if self._cancel.wait(0.1):
                    break
            report = self._finish_recording()
            if self._cancelled("the session ended while recording"):
                return
            self._set_state("fitting")
            self.personal = personal = self.calibrate(report.path)
            if self._cancelled("the session ended while fitting"):
                return
            self.switched = self._switch(personal.checkpoint, "live calibration")
            self._set_state("switched")
            self._log(
                "calibration",
                state="switched",
                checkpoint=str(personal.checkpoint),
                note=personal.note,
                p_value=personal.p_value,
                step=self.switched.step,
            )
        except Exception as err:  # one line, and the session goes on with the base
            self.error = (
                str(err)
                if isinstance(err, EEGStreamError)
                else f"{type(err).__name__}: {err}"
            )
            self._set_state("failed")
            logger.warning(
                "live calibration failed: %s; the session goes on with its model",
                self.error,
            )
            logger.debug("live calibration failed", exc_info=True)
            self._log("calibration", state="failed", message=self.error)

    def _recorded(self) -> bool:
        """Whether the recording holds ``seconds`` and the segment then under way."""
        done = self._samples() - self._start
        if done < self.target:
            return False
        if self._newest is None or self._labelled is None or done >= 2 * self.target:
            return True
        now = self._newest()
        if self._target_time is None:
            self._target_time = now
        return not self._labelled(self._target_time, now)

    def _finish_recording(self) -> RecordingReport:
        self.recording = report = self.recorder.stop()
        self._log("calibration", state="recorded", **report.to_dict())
        if not self._cancel.is_set() and report.streams[0].samples == 0:
            raise EEGStreamError(
                f"the calibration recording {report.path} holds no EEG sample"
                + (f" ({report.problem})" if report.problem else "")
                + "; check that LabRecorder can reach the stream"
            )
        return report

    def _cancelled(self, why: str) -> bool:
        with self._lock:
            if not self._cancel.is_set():
                return False
            self.state = "cancelled"
        self._log("calibration", state="cancelled", message=why)
        return True

    def _set_state(self, state: str) -> None:
        with self._lock:
            if self.state != "cancelled":
                self.state = state
