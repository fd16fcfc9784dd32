"""ResAttentioNet, the logistic-regression baseline, checkpoints and inference.

The checkpoint header's types (:mod:`.meta`) are imported at once; everything
that needs torch is loaded on first use, so that the command line parses its
options (whose tables name header types) without importing torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names
from .meta import (
    REQUIRED_KEYS,
    CalibrationInfo,
    CheckpointMeta,
    CheckpointMetrics,
    DatasetInfo,
    FeatureSource,
    HeldOutScore,
    NormaliserSpec,
    ProtocolSpec,
    Split,
    checkpoint_meta,
)

if TYPE_CHECKING:
    from .checkpoint import (
        Checkpoint,
        load_checkpoint,
        models_dir,
        resolve_model,
        save_checkpoint,
    )
    from .logreg import LogRegClassifier
    from .predict import Predictor, resolve_device
    from .registry import MODELS, build_model, count_parameters
    from .resattentionet import ResAttentioNet
    from .streaming import StreamingClassifier

# Public name -> submodule that defines it (loaded with torch on first use).
_LAZY = {
    "Checkpoint": "checkpoint",
    "load_checkpoint": "checkpoint",
    "models_dir": "checkpoint",
    "resolve_model": "checkpoint",
    "save_checkpoint": "checkpoint",
    "LogRegClassifier": "logreg",
    "Predictor": "predict",
    "resolve_device": "predict",
    "MODELS": "registry",
    "build_model": "registry",
    "count_parameters": "registry",
    "ResAttentioNet": "resattentionet",
    "StreamingClassifier": "streaming",
}

__all__ = [
    "MODELS",
    "REQUIRED_KEYS",
    "CalibrationInfo",
    "Checkpoint",
    "CheckpointMeta",
    "CheckpointMetrics",
    "DatasetInfo",
    "FeatureSource",
    "HeldOutScore",
    "LogRegClassifier",
    "NormaliserSpec",
    "Predictor",
    "ProtocolSpec",
    "ResAttentioNet",
    "Split",
    "StreamingClassifier",
    "build_model",
    "checkpoint_meta",
    "count_parameters",
    "load_checkpoint",
    "models_dir",
    "resolve_device",
    "resolve_model",
    "save_checkpoint",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
