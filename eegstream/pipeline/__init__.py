"""The live pipeline, headless: an LSL EEG stream in, emotion probabilities out.

:class:`LiveChain` holds every signal stage, synchronously and without LSL:
it checks a stream against the checkpoint (channels by name, missing channels,
rate, unit), adapts it (causal resampling to the model's rate, spherical-spline
interpolation of missing channels) and runs the one feature and model path,
:class:`~eegstream.model.StreamingClassifier`; :func:`run_recording` streams a
:class:`~eegstream.files.reading.Recording` through it. :class:`LivePipeline`, what
``eegstream run`` and the dashboard drive, is the threaded shell around it:
LSL inlet, outlets, session log, subscribers, health and :class:`SessionStats`;
:class:`FilePipeline` is that shell over a recording (``run --file``).

The shells and the live calibration, which need pylsl and the recorder, are
loaded on first use: the chain, its results and session logs are read
without LSL (as :mod:`eegstream.model` loads torch on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names
from .chain import LiveChain
from .channels import ChannelPlan, plan_channels
from .recordings import run_recording
from .resample import StreamingResampler
from .results import (
    ClipReading,
    Health,
    LatencySummary,
    MarkerAccuracy,
    ModelSwitch,
    ReadyStep,
    SessionSummary,
    StepResult,
)
from .session_log import SessionLog, read_log
from .stats import SessionStats

if TYPE_CHECKING:
    from .file_pipeline import FilePipeline
    from .live import LivePipeline
    from .live_calibration import LiveCalibration, PersonalModel
    from .model_switch import checkpoint_wearer

# Public name -> submodule that defines it (loaded with pylsl on first use).
_LAZY = {
    "FilePipeline": "file_pipeline",
    "LivePipeline": "live",
    "checkpoint_wearer": "model_switch",
    "LiveCalibration": "live_calibration",
    "PersonalModel": "live_calibration",
}

__all__ = [
    "ChannelPlan",
    "ClipReading",
    "FilePipeline",
    "Health",
    "LiveChain",
    "ReadyStep",
    "LatencySummary",
    "LiveCalibration",
    "LivePipeline",
    "MarkerAccuracy",
    "ModelSwitch",
    "PersonalModel",
    "SessionLog",
    "SessionStats",
    "SessionSummary",
    "StepResult",
    "StreamingResampler",
    "checkpoint_wearer",
    "plan_channels",
    "read_log",
    "run_recording",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
