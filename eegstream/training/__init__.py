"""Training and evaluation: subject splits, data, the loop, metrics, reports."""

from .baseline import train_logreg, trial_means
from .data import (
    SequenceSet,
    TrialSteps,
    build_sequences,
    load_trial_steps,
    population_stats,
)
from .loop import TrainConfig, train_network
from .metrics import classification_metrics, summarise
from .run import RunOptions, RunResult, run_training
from .splits import (
    PROTOCOLS,
    Split,
    check_disjoint,
    loso_splits,
    make_splits,
    paper_splits,
)

__all__ = [
    "PROTOCOLS",
    "RunOptions",
    "RunResult",
    "SequenceSet",
    "Split",
    "TrainConfig",
    "TrialSteps",
    "build_sequences",
    "check_disjoint",
    "classification_metrics",
    "load_trial_steps",
    "loso_splits",
    "make_splits",
    "paper_splits",
    "population_stats",
    "run_training",
    "summarise",
    "train_logreg",
    "train_network",
    "trial_means",
]
