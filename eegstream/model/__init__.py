"""ResAttentioNet, the logistic-regression baseline, checkpoints and inference."""

from .checkpoint import (
    Checkpoint,
    load_checkpoint,
    models_dir,
    resolve_model,
    save_checkpoint,
)
from .logreg import LogRegClassifier
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
from .predict import Predictor, resolve_device
from .registry import MODELS, build_model, count_parameters
from .resattentionet import ResAttentioNet
from .streaming import StreamingClassifier

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
