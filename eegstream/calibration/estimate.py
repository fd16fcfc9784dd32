"""What calibration buys, honestly: blocked cross-validation over whole segments.

The wearer's labelled segments are dealt into folds whole (no window of a
segment is ever on both sides). For each fold the personal model is adapted
on the other segments only, its normaliser statistics taken from them only,
and the base model and the personal model are scored on the same held-out
segments: every hop the live path would classify (one rolling 60-step
sequence per step, warm-up included), normalised as live. The base model
runs as it would live for this wearer: its running normaliser has already
seen the training segments, so the comparison measures what adapting the
weights adds to what the live normaliser already does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .._errors import EEGStreamError
from ..features import FeatureConfig, NormaliserState, RunningNormaliser
from ..training.data import CropSet, TrialSteps, trial_crops
from .adapt import AdaptSettings, adapt
from .options import FOLDS

#: Most folds of the blocked cross-validation (fewer when a class has fewer segments).
MAX_FOLDS = FOLDS
#: Segments per class the cross-validation needs: one to train on, one held out.
MIN_SEGMENTS = 2


@dataclass(frozen=True)
class FoldScore:
    """One fold: the held-out segments and both models' accuracy on them.

    Attributes
    ----------
    fold : int
        1-based.
    held_out : tuple of str
        Keys of the held-out segments.
    n_windows : int
        Steps (classified windows) scored.
    base, personal : float
        Fraction of those windows each model classifies right.
    """

    fold: int
    held_out: tuple[str, ...]
    n_windows: int
    base: float
    personal: float

    @property
    def difference(self) -> float:
        """Personal minus base accuracy."""
        return self.personal - self.base


@dataclass(frozen=True)
class CalibrationEstimate:
    """Base versus personal accuracy on the same held-out segments.

    Attributes
    ----------
    folds : tuple of FoldScore
    base_accuracy, personal_accuracy : float
        Over every held-out window of every fold (each window once).
    difference_mean, difference_sd : float
        Personal minus base, mean and SD over folds.
    chance : float
        One over the number of classes calibrated.
    method : str
        The adaptation method.
    """

    folds: tuple[FoldScore, ...]
    base_accuracy: float
    personal_accuracy: float
    difference_mean: float
    difference_sd: float
    chance: float
    method: str

    @property
    def standard_error(self) -> float:
        """Standard error of the mean difference (SD over folds / sqrt(folds))."""
        return float(self.difference_sd / np.sqrt(len(self.folds)))

    @property
    def improves(self) -> bool:
        """Whether the personal model beats the base model on held-out segments.

        The mean difference over folds must exceed one standard error and the
        pooled personal accuracy the pooled base accuracy: a difference the
        spread over folds could give by chance is not called a gain.
        """
        return bool(
            self.difference_mean > self.standard_error
            and self.personal_accuracy > self.base_accuracy
        )

    def verdict(self) -> str:
        """Say in one plain sentence whether calibration helps this wearer."""
        diff = (
            f"{self.difference_mean:+.1%} ± {self.difference_sd:.1%} SD over "
            f"{len(self.folds)} folds, standard error {self.standard_error:.1%}"
        )
        if self.improves:
            return (
                f"the personal model beats the base model on held-out segments ({diff})"
            )
        return (
            "the personal model does NOT beat the base model on held-out segments "
            f"({diff}: not more than one standard error above zero)"
        )

    def lines(self) -> list[str]:
        """Return a small table for the console and the model card."""
        out = ["fold  held-out segments  windows   base  personal  difference"]
        for f in self.folds:
            out.append(
                f"{f.fold:>4}  {len(f.held_out):>17}  {f.n_windows:>7}  "
                f"{f.base:>5.1%}  {f.personal:>8.1%}  {f.difference:>+10.1%}"
            )
        n = sum(f.n_windows for f in self.folds)
        out.append(
            f" all  {sum(len(f.held_out) for f in self.folds):>17}  {n:>7}  "
            f"{self.base_accuracy:>5.1%}  {self.personal_accuracy:>8.1%}  "
            f"{self.difference_mean:>+10.1%} ± {self.difference_sd:.1%} (SD over folds)"
        )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (kept in the personal checkpoint's header)."""
        return {
            "method": self.method,
            "unit": "window",
            "base_accuracy": self.base_accuracy,
            "personal_accuracy": self.personal_accuracy,
            "difference": {"mean": self.difference_mean, "sd": self.difference_sd},
            "chance": self.chance,
            "improves": self.improves,
            "folds": [
                {
                    "fold": f.fold,
                    "held_out": list(f.held_out),
                    "n_windows": f.n_windows,
                    "base": f.base,
                    "personal": f.personal,
                }
                for f in self.folds
            ],
        }


def blocked_folds(
    labels: Sequence[int], max_folds: int = MAX_FOLDS
) -> list[np.ndarray]:
    """Deal whole segments into folds, each class spread over every fold.

    Parameters
    ----------
    labels : sequence of int
        Each segment's class, segments in time order.
    max_folds : int
        At most this many folds; fewer when a class has fewer segments.

    Returns
    -------
    list of arrays of int
        The held-out segment indices of each fold: disjoint, together every
        segment once; every fold holds out at least one segment of each
        class and leaves at least one of each to train on.

    Raises
    ------
    EEGStreamError
        When a class has fewer than :data:`MIN_SEGMENTS` segments.
    """
    ids = np.asarray(labels)
    classes, counts = np.unique(ids, return_counts=True)
    if len(classes) and counts.min() < MIN_SEGMENTS:
        raise EEGStreamError(
            f"too little data for the blocked cross-validation: class id "
            f"{classes[counts.argmin()]} has {counts.min()} segment(s); it needs "
            f"{MIN_SEGMENTS} per class"
        )
    n_folds = int(min(max_folds, counts.min()))
    fold_of = np.empty(len(ids), dtype=np.int64)
    for c in classes:
        # The class's segments in time order, dealt round the folds: neighbours
        # in time fall in different folds, each fold gets every class.
        idx = np.flatnonzero(ids == c)
        fold_of[idx] = np.arange(len(idx)) % n_folds
    folds = [np.flatnonzero(fold_of == k) for k in range(n_folds)]
    # Sanity check: a partition of the segments.
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(ids)))
    return folds


def wearer_crops(
    trials: Sequence[TrialSteps], cfg: FeatureConfig, normaliser: RunningNormaliser
) -> CropSet:
    """Every sequence the live path would classify in ``trials``, normalised as live.

    Parameters
    ----------
    trials : sequence of TrialSteps
        Segments in time order.
    cfg : FeatureConfig
        ``seq_len`` and ``padding``.
    normaliser : RunningNormaliser
        Run through the segments' steps in order (its state continues).

    Returns
    -------
    CropSet
        One crop per step (stride one hop).
    """
    return trial_crops(trials, [normaliser.transform(t.steps) for t in trials], cfg, 1)


def wearer_normaliser(state: NormaliserState, prior_steps: float) -> RunningNormaliser:
    """Return the personal live normaliser: the wearer's statistics, seen."""
    normaliser = RunningNormaliser(state.mean, state.std, prior_steps)
    normaliser.load_state(state)
    return normaliser


def predict(model: nn.Module, crops: CropSet, batch: int = 256) -> np.ndarray:
    """Predicted class id of every crop, shape (n_crops,)."""
    out = []
    with torch.inference_mode():
        for start in range(0, len(crops), batch):
            idx = np.arange(start, min(start + batch, len(crops)))
            out.append(model(torch.from_numpy(crops.take(idx))).argmax(1).numpy())
    return np.concatenate(out) if out else np.empty(0, np.int64)


def cross_validate(
    base: nn.Module,
    arch: str,
    base_normaliser: RunningNormaliser,
    trials: Sequence[TrialSteps],
    cfg: FeatureConfig,
    method: str,
    settings: AdaptSettings = AdaptSettings(),  # noqa: B008 - frozen
    *,
    max_folds: int = MAX_FOLDS,
    progress: bool = True,
) -> CalibrationEstimate:
    """Blocked cross-validation of calibration over a wearer's segments.

    Parameters
    ----------
    base : nn.Module
        The base model (never modified).
    arch : str
        Its architecture.
    base_normaliser : RunningNormaliser
        The base checkpoint's live normaliser (population statistics).
    trials : sequence of TrialSteps
        The wearer's labelled segments, time order, labels = base class ids.
    cfg : FeatureConfig
        The base model's feature settings.
    method : str
        Adaptation method (:data:`~eegstream.calibration.adapt.METHODS`).
    settings : AdaptSettings
        Adaptation settings.
    max_folds : int
        At most this many folds.
    progress : bool
        Progress bar over folds (stderr).
    """
    from tqdm import tqdm

    trials = list(trials)
    folds = blocked_folds([t.label for t in trials], max_folds)
    prior = base_normaliser.prior_steps
    scores, base_hits, personal_hits = [], [], []
    for k, held in enumerate(
        tqdm(
            folds,
            desc="calibration folds",
            unit="fold",
            disable=None if progress else True,
        ),
        1,
    ):
        held_set = set(held.tolist())
        train = [t for i, t in enumerate(trials) if i not in held_set]
        test = [trials[i] for i in held]
        state = NormaliserState.from_steps(np.concatenate([t.steps for t in train]))
        personal = adapt(
            base,
            arch,
            wearer_crops(train, cfg, wearer_normaliser(state, prior)),
            method,
            settings,
        )
        # The base as live: population prior, then this wearer's training steps.
        warm_base = RunningNormaliser(
            base_normaliser.pop_mean, base_normaliser.pop_std, prior
        )
        warm_base.load_state(state)
        test_base = wearer_crops(test, cfg, warm_base)
        test_personal = wearer_crops(test, cfg, wearer_normaliser(state, prior))
        hit_b = predict(base, test_base) == test_base.y
        hit_p = predict(personal, test_personal) == test_personal.y
        base_hits.append(hit_b)
        personal_hits.append(hit_p)
        scores.append(
            FoldScore(
                k,
                tuple(t.key for t in test),
                len(hit_b),
                float(hit_b.mean()),
                float(hit_p.mean()),
            )
        )
    diffs = np.array([s.difference for s in scores])
    return CalibrationEstimate(
        folds=tuple(scores),
        base_accuracy=float(np.concatenate(base_hits).mean()),
        personal_accuracy=float(np.concatenate(personal_hits).mean()),
        difference_mean=float(diffs.mean()),
        difference_sd=float(diffs.std(ddof=1)) if len(diffs) > 1 else 0.0,
        chance=1.0 / len({t.label for t in trials}),
        method=method,
    )
