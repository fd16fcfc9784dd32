"""Training and evaluation: subject splits, data, the loop, metrics, reports.

Names are loaded on first use, so that the command line can read
:mod:`eegstream.training.config` (settings and their flags) without torch.
"""

from __future__ import annotations

from typing import Any

from .._lazy import load_name

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
    "RunResult": "run",
    "run_training": "run",
    "PROTOCOLS": "splits",
    "Split": "splits",
    "check_disjoint": "splits",
    "loso_splits": "splits",
    "make_splits": "splits",
    "paper_splits": "splits",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    return load_name(__name__, _NAMES, globals(), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_NAMES])
