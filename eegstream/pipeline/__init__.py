"""The live pipeline, headless: an LSL EEG stream in, emotion probabilities out.

:class:`LivePipeline` is what ``eegstream run`` and the dashboard drive. It
checks the stream against the checkpoint (channels by name, missing channels,
rate, unit), adapts it (causal resampling to the model's rate, spherical-spline
interpolation of missing channels) and runs the one feature and model path,
:class:`~eegstream.model.StreamingClassifier`.
"""

from .channels import ChannelPlan, plan_channels
from .live import LivePipeline
from .resample import StreamingResampler
from .results import (
    Health,
    LatencySummary,
    MarkerAccuracy,
    SessionSummary,
    StepResult,
)
from .session_log import SessionLog, read_log

__all__ = [
    "ChannelPlan",
    "Health",
    "LatencySummary",
    "LivePipeline",
    "MarkerAccuracy",
    "SessionLog",
    "SessionSummary",
    "StepResult",
    "StreamingResampler",
    "plan_channels",
    "read_log",
]
