"""What a training run hands the fits of its splits, wherever they run.

:class:`SplitJob` is what every split of one run shares (options, features,
classes); :class:`PreparedRun` is a run ready to train. The serial loop
(:func:`eegstream.training.schedule.train_runs`) and the Ray tasks
(:mod:`eegstream.training.distributed`) both read them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..features import FeatureConfig
from ..model import Split
from .config import RunOptions
from .data import CropSet, SequenceSet, TrialSteps


@dataclass
class SplitJob:
    """What every split of one run shares: the options, features and classes.

    One object per run; :func:`~eegstream.training.fit.train_split` reads it
    and never changes it, so the distributed runner puts it once into Ray's
    object store.
    """

    opts: RunOptions
    trials: list[TrialSteps]
    cfg: FeatureConfig
    classes: tuple[str, ...]
    # Per-subject z-scored sequences or crops (normaliser "subject"): they do
    # not depend on the split, so they are built once per run; None for
    # "running" (built in each split's task).
    sequences: SequenceSet | CropSet | None = None
    # protocol "within": the block of neighbouring trials each trial belongs to
    # (splits hold blocks, not subjects); None otherwise.
    blocks: dict[str, int] | None = None
    # --compare-full: the same run on all 62 channels, fitted on every split
    # beside the subset (in the same task, so results do not depend on workers).
    full: SplitJob | None = None


@dataclass
class PreparedRun:
    """A run ready to train: its splits and :class:`SplitJob`, before any training."""

    dataset: Any
    splits: list[Split]
    job: SplitJob
    synthetic: bool
    started: datetime.datetime
    #: ``--drop-artifacts``: the windows left out (:func:`~.data.drop_flagged`).
    artifacts: dict[str, Any] | None = None
