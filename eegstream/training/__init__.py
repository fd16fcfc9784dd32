"""Training and evaluation: subject splits, data, the loop, metrics, reports.

Names are loaded on first use, so that the command line can read
:mod:`eegstream.training.config` (settings and their flags) without torch.
"""

from __future__ import annotations

from .._lazy import lazy_names

# Public name -> submodule that defines it.
_NAMES = {
    "train_logreg": "baseline",
    "trial_means": "baseline",
    "CropSet": "data",
    "SequenceSet": "data",
    "build_crops": "data",
    "TrialSteps": "data",
    "build_sequences": "data",
    "load_trial_steps": "data",
    "population_stats": "data",
    "TrainConfig": "config",
    "RunOptions": "config",
    "RECIPES": "config",
    "train_network": "loop",
    "classification_metrics": "metrics",
    "summarise": "metrics",
    "RunResult": "results",
    "SplitResult": "fit",
    "train_split": "fit",
    "predict_proba": "fit",
    "run_training": "run",
    "PROTOCOLS": "splits",
    "Split": "splits",
    "check_disjoint": "splits",
    "loso_splits": "splits",
    "make_splits": "splits",
    "paper_splits": "splits",
}

__all__ = sorted(_NAMES)

__getattr__, __dir__ = lazy_names(__name__, _NAMES, globals())
