"""Cross-dataset evaluation: train on one dataset, test on another's subjects.

``eegstream train --dataset A --test-dataset B`` trains on A as usual, on
the channels A and B share, so its splits (e.g. LOSO) give the
within-dataset figure; then the saved model (the best split's, trained on
that split's training subjects of A) classifies every trial of every
subject of B, offline, normalised as in training. The two figures side by
side answer "will a model trained on one lab's data work on my headset".

B is labelled with the same target as A and its own default threshold
(the middle of its own scale); the classes must match (e.g. DEAP and
DREAMER valence: low/high).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import EEGStreamError
from .._io import atomic_write_text
from ..montage import SEED_CHANNELS
from ..training.config import RunOptions


@dataclass
class CrossTest:
    """The dataset a run is tested on beside its own splits."""

    dataset: Any  # eegstream.datasets.Dataset
    channels: tuple[str, ...]

    def evaluate(self, model_path: Path, cache_dir=None, device: str = "auto"):
        """Score the saved model on every trial of the test dataset.

        Returns
        -------
        eegstream.training.evaluate.OfflineEvaluation
        """
        from ..model import load_checkpoint
        from .offline import evaluate_offline

        ckpt = load_checkpoint(model_path)
        return evaluate_offline(ckpt, self.dataset, None, cache_dir, device)


def prepare_cross(
    opts: RunOptions, test_dataset: str, test_root: str | os.PathLike | None
) -> CrossTest:
    """Open the test dataset; train ``opts`` on the channels both datasets share.

    Sets ``opts.channels`` to the shared channels (SEED order), or checks
    that channels given with ``--channels`` are in both.

    Raises
    ------
    EEGStreamError
        No test root, no model to save, classes that differ, or no (or a
        missing) shared channel.
    """
    from ..datasets import open_dataset
    from ..datasets.options import rated_options

    if test_root is None:
        raise EEGStreamError(
            "{test_dataset} needs {test_root}, its folder",
            param=("test_dataset", "test_root"),
        )
    if not opts.dataset or opts.root is None or opts.recordings:
        raise EEGStreamError(
            "{test_dataset} compares two datasets: give {dataset} and {root}",
            param=("test_dataset", "dataset", "root"),
        )
    if not opts.save_model or opts.control:
        raise EEGStreamError(
            "{test_dataset} tests the saved model: leave out {no_save} and {control}",
            param=("test_dataset", "no_save", "control"),
        )
    # The test dataset's own threshold and EEG (the default of its reader).
    reader = {
        k: v for k, v in rated_options(opts).items() if k not in ("threshold", "eeg")
    }
    test = open_dataset(test_dataset, test_root, **reader)
    train = open_dataset(opts.dataset, opts.root, **rated_options(opts))
    if tuple(train.classes) != tuple(test.classes):
        raise EEGStreamError(
            f"{train.name} has classes {list(train.classes)}, {test.name} "
            f"{list(test.classes)}: a model of one cannot be scored on the other; "
            "choose a {target} both have",
            param="target",
        )
    shared = tuple(
        c for c in SEED_CHANNELS if c in train.channels and c in test.channels
    )
    if opts.channels is not None:
        lacking = [c for c in opts.channels if c not in shared]
        if lacking:
            raise EEGStreamError(
                f"{{channels}} {', '.join(lacking)} are not in both {train.name} "
                f"and {test.name}; they share {', '.join(shared) or 'none'}",
                param="channels",
            )
        shared = tuple(opts.channels)
    if not shared:
        raise EEGStreamError(f"{train.name} and {test.name} share no channel")
    opts.channels = shared
    return CrossTest(test, shared)


def write_cross(
    out_dir: Path, test: CrossTest, result, summary: Mapping[str, Any]
) -> dict:
    """Write ``cross_dataset.json`` beside the report; return what it holds."""
    record = {
        "test_dataset": test.dataset.name,
        "test_root": str(test.dataset.root),
        "synthetic": bool(test.dataset.synthetic),
        "target": test.dataset.target,
        "channels": list(test.channels),
        "subjects": test.dataset.subjects,
        "n_trials": result.n,
        "accuracy": result.accuracy,
        "macro_f1": result.macro_f1,
        "per_subject": {str(k): v for k, v in result.per_subject.items()},
        "within_dataset_test_accuracy": summary["test_accuracy"],
        "chance": summary["chance"],
    }
    atomic_write_text(out_dir / "cross_dataset.json", json.dumps(record, indent=1))
    return record
