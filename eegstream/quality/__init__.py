"""Signal quality: per-channel checks, bad channels and artifact flags.

Pure measures of a segment (:mod:`.metrics`), their judgement against the
session's own history with hysteresis (:class:`QualityMonitor`), the settings
stored in the checkpoint (:class:`QualitySettings`) and the record each step
carries (:class:`StepQuality`), and what the gauge shows of it under the
``--artifacts`` policy (:class:`ArtifactPolicy`).
:class:`~eegstream.pipeline.LiveChain` runs them on every hop, offline and
live alike.
"""

from .metrics import SegmentMetrics, segment_metrics
from .monitor import QualityMonitor, SegmentVerdict
from .policy import (
    ARTIFACT_POLICIES,
    DEFAULT_POLICY,
    ArtifactPolicy,
    ShownReading,
    check_policy,
)
from .record import (
    ARTIFACT_KINDS,
    BAD_REASONS,
    ArtifactFlag,
    BadChannel,
    StepQuality,
)
from .settings import QualitySettings
from .steps import WindowQuality, window_quality

__all__ = [
    "ARTIFACT_KINDS",
    "ARTIFACT_POLICIES",
    "DEFAULT_POLICY",
    "ArtifactPolicy",
    "ShownReading",
    "check_policy",
    "BAD_REASONS",
    "ArtifactFlag",
    "BadChannel",
    "QualityMonitor",
    "QualitySettings",
    "SegmentMetrics",
    "SegmentVerdict",
    "StepQuality",
    "WindowQuality",
    "segment_metrics",
    "window_quality",
]
