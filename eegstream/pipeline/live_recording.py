"""XDF recordings of a running live pipeline: on request, and the live calibration's.

Both record with LabRecorder the EEG stream, its marker streams and the
pipeline's outlets (:func:`~eegstream.files.labrecorder.with_derived`);
the live calibration (:mod:`~eegstream.pipeline.live_calibration`) then
fits a personal model and switches to it (:meth:`ModelMixin.switch_model
<eegstream.pipeline.live_model.ModelMixin.switch_model>`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from .._checks import check_number
from .._errors import EEGStreamError
from ..files.labrecorder import Recorder, with_derived
from .live_calibration import Calibrate, LiveCalibration
from .live_model import ModelMixin

logger = logging.getLogger(__name__)


class RecordingMixin(ModelMixin):
    """Record the session of :class:`~eegstream.pipeline.LivePipeline`; calibrate."""

    def start_recording(
        self, path: str | os.PathLike, *, markers: Sequence[str] | None = None
    ) -> Recorder:
        """Record the session into a new XDF file with LabRecorder.

        The file holds the EEG stream, its replay marker stream and the marker
        streams named in ``markers`` (default: those it follows, ``markers=``
        of the constructor), and this pipeline's probability and
        band-power outlets, with LabRecorder's clock offsets. Returns once
        LabRecorder collects from all of them (start a replay held until then
        to keep its first sample). :meth:`stop` closes the file first, logs a
        ``recording`` record and keeps the report in :attr:`recording`.

        Raises
        ------
        EEGStreamError
            The pipeline is not running or already records; the path cannot
            be written; LabRecorder could not start. The pipeline runs on.
        """
        self._check_running("start_recording")
        if self.recorder is not None:
            raise EEGStreamError(
                f"start_recording: already recording to {self.recorder.path}"
            )
        recorder = self._session_recorder(path, markers).start()
        self.recorder = recorder
        self._log(
            "recording",
            state="started",
            path=str(recorder.path),
            streams=[
                {"name": s.name, "type": s.type, "source_id": s.source_id}
                for s in recorder.streams
            ],
        )
        return recorder

    def _session_recorder(
        self, path: str | os.PathLike, markers: Sequence[str] | None
    ) -> Recorder:
        """Make a recorder (not started) of the EEG, its marker streams, the outlets."""
        assert self._summary is not None  # sanity check: _check_running passed
        if markers is None:
            markers = self.marker_streams or ()
        return Recorder(path, with_derived(self._summary, markers))

    def start_calibration(
        self,
        seconds: float,
        calibrate: Calibrate,
        path: str | os.PathLike,
        *,
        markers: Sequence[str] | None = None,
    ) -> LiveCalibration:
        """Calibrate for the wearer on the next ``seconds`` of the stream, then switch.

        Records the EEG, its marker streams (``markers``, default: those it
        follows) and the outlets into a new XDF at ``path``; once ``seconds``
        of samples are in and the labelled segment under way (if any) has
        ended, at most ``seconds`` later, closes it and runs
        ``calibrate(path)`` on a background thread, then :meth:`switch_model`
        to the personal model.
        The stream runs on throughout; :meth:`health` says ``calibration``
        (``"recording 12/60 s"``, ``"fitting"``) until then. A failure is
        logged (``calibration`` record, one warning line) and the session
        goes on with its model. :meth:`stop` ends a calibration still
        recording (no switch).

        Parameters
        ----------
        seconds : float
            Seconds of EEG to calibrate on, counted in the stream's samples.
        calibrate : callable
            ``calibrate(xdf_path) -> PersonalModel``
            (:class:`~eegstream.pipeline.live_calibration.PersonalModel`).
        path : path-like
            The new ``.xdf`` file.
        markers : sequence of str | None
            Marker streams to record; None: those the pipeline follows.

        Returns
        -------
        LiveCalibration
            Started: LabRecorder collects from every stream.

        Raises
        ------
        EEGStreamError
            The pipeline is not running or already calibrates, ``seconds`` is
            not positive, the path cannot be written, LabRecorder could not
            start. The pipeline runs on.
        """
        self._check_running("start_calibration")
        check_number(seconds, "seconds", unit="s", min=0, min_inclusive=False)
        if self.calibration is not None and self.calibration.active:
            raise EEGStreamError(
                "start_calibration: a calibration is already under way "
                f"({self.calibration.status()})"
            )
        inlet, summary = self.inlet, self._summary
        assert inlet is not None and summary is not None  # sanity check: running
        calibration = LiveCalibration(
            self._session_recorder(path, markers),
            seconds,
            calibrate,
            samples=lambda: inlet.ring.total,
            rate=summary.nominal_srate,
            switch=lambda checkpoint, reason: self.switch_model(
                checkpoint, reason=reason
            ),
            log=self._log,
            newest=lambda: float(inlet.ring.latest(1)[0][-1]),
            labelled=lambda t0, t1: self._trial(t0, t1) is not None,
        )
        calibration.start()
        self.calibration = calibration
        return calibration

    def _stop_recording(self) -> None:
        if self.recorder is None:
            return
        self.recording = self.recorder.stop()
        self._log("recording", state="stopped", **self.recording.to_dict())
        if self.recording.problem:
            logger.warning(
                "recording %s: %s", self.recording.path, self.recording.problem
            )
