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

Whether the difference is a gain is decided with the segment as the unit,
by a permutation test that repeats the fit on whole segments relabelled
within folds and a paired test of the segments' gains (:mod:`.gain`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .._errors import EEGStreamError
from ..features import FeatureConfig, NormaliserState, RunningNormaliser
from ..training.data import CropSet, TrialSteps, trial_crops
from ..training.fit import predict_proba
from .adapt import AdaptSettings, adapt, last_layer_inputs
from .gain import GainTest, gain_test, null_labellings, relabellings
from .options import ALPHA, FOLDS

#: Most folds of the blocked cross-validation (fewer when a class has fewer segments).
MAX_FOLDS = FOLDS
#: Segments per class the cross-validation needs: one to train on, one held out.
MIN_SEGMENTS = 2
#: Labellings fitted together (the last layer's refits are batched).
CHUNK = 50


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
    test : GainTest
        The gain test, segment as the unit (:mod:`eegstream.calibration.gain`).
    seconds : float
        Wall time of the cross-validation and its test.
    """

    folds: tuple[FoldScore, ...]
    base_accuracy: float
    personal_accuracy: float
    difference_mean: float
    difference_sd: float
    chance: float
    method: str
    test: GainTest
    seconds: float = 0.0

    @property
    def improves(self) -> bool:
        """Whether the personal model beats the base model: the test's p <= alpha."""
        return self.test.improves

    def verdict(self) -> str:
        """Say in one plain sentence whether calibration helps this wearer."""
        return self.test.verdict()

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
            "unit": "segment",
            "test": self.test.to_dict(),
            "seconds": round(self.seconds, 3),
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
    if not len(crops):
        return np.empty(0, np.int64)
    return predict_proba(model, crops, batch).argmax(1)


@dataclass(frozen=True)
class _Fold:
    """One fold's label-free parts, computed once for every relabelling."""

    held: np.ndarray  # (n_held,) held-out segment indices
    train: np.ndarray  # (n_train,) the others
    train_crops: CropSet  # personal normaliser, labels of the observed data
    test_crops: CropSet  # personal normaliser
    base_pred: np.ndarray  # (n_test_crops,) the live base model's classes
    fit: Any  # (train labels per segment) -> predicted class per test crop


def _last_layer_fit(
    base: nn.Module, arch: str, train: CropSet, test: CropSet, pull: float
) -> Any:
    """Return a refit of the final layer alone, its inputs computed once."""
    from .adapt import _last_layer, fit_last_layer

    layer, _ = _last_layer(base, arch)
    h, offset = last_layer_inputs(base, arch, _all(train))
    h_test, offset_test = last_layer_inputs(base, arch, _all(test))

    def fit(labels: np.ndarray) -> np.ndarray:
        y = torch.from_numpy(labels[:, train.trial])
        weight, bias = fit_last_layer(layer, h, y, pull, offset)
        with torch.no_grad():
            logits = torch.einsum("nd,lcd->lnc", h_test, weight) + bias[:, None]
            return (logits + offset_test).argmax(-1).numpy()

    return fit


def _all(crops: CropSet) -> torch.Tensor:
    return torch.from_numpy(crops.take(np.arange(len(crops))))


def _relabelled(crops: CropSet, labels: np.ndarray) -> CropSet:
    out = copy.copy(crops)
    out.labels = np.asarray(labels, np.int64)
    out.y = out.labels[out.trial]
    return out


def _folds(
    base: nn.Module,
    arch: str,
    base_normaliser: RunningNormaliser,
    trials: Sequence[TrialSteps],
    cfg: FeatureConfig,
    method: str,
    settings: AdaptSettings,
    max_folds: int,
) -> list[_Fold]:
    """Split into blocked folds and compute what no relabelling changes."""
    folds = blocked_folds([t.label for t in trials], max_folds)
    prior = base_normaliser.prior_steps
    out = []
    for held in folds:
        train = np.setdiff1d(np.arange(len(trials)), held)
        train_t = [trials[i] for i in train]
        test_t = [trials[i] for i in held]
        state = NormaliserState.from_steps(np.concatenate([t.steps for t in train_t]))
        train_crops = wearer_crops(train_t, cfg, wearer_normaliser(state, prior))
        test_crops = wearer_crops(test_t, cfg, wearer_normaliser(state, prior))
        # The base as live: population prior, then this wearer's training steps.
        warm_base = RunningNormaliser(
            base_normaliser.pop_mean, base_normaliser.pop_std, prior
        )
        warm_base.load_state(state)
        base_pred = predict(base, wearer_crops(test_t, cfg, warm_base))
        if method == "last-layer":
            fit = _last_layer_fit(base, arch, train_crops, test_crops, settings.pull)
        else:

            def fit(
                labels: np.ndarray, train_crops=train_crops, test_crops=test_crops
            ) -> np.ndarray:
                out = []
                for row in labels:  # a network: one fit per labelling
                    crops = _relabelled(train_crops, row)
                    personal = adapt(base, arch, crops, method, settings)
                    out.append(predict(personal, test_crops))
                return np.stack(out)

        out.append(_Fold(held, train, train_crops, test_crops, base_pred, fit))
    return out


def _renamings(folds: Sequence[_Fold], labels: np.ndarray) -> np.ndarray:
    """Find the renaming of the base's classes that fits each labelling best.

    Returns
    -------
    array of int, shape (n_labellings, n_classes)
        ``renaming[l, c]``: the class the base's output ``c`` is read as.
    """
    from scipy.optimize import linear_sum_assignment

    n = 1 + int(max(labels.max(), *(f.base_pred.max() for f in folds)))
    counts = np.zeros((len(labels), n, n))  # (labelling, base output, label)
    rows = np.arange(len(labels))[:, None]
    for f in folds:
        y_test = labels[:, f.held][:, f.test_crops.trial]
        np.add.at(counts, (rows, f.base_pred[None], y_test), 1)
    return np.stack([linear_sum_assignment(c, maximize=True)[1] for c in counts])


def _segment_accuracy(
    folds: Sequence[_Fold], labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Score each held-out segment, base and personal model, under each labelling.

    The base model's outputs are read through the renaming of its classes
    that fits the labelling best (:func:`_renamings`; the identity unless it
    consistently confuses the wearer's classes), so that a relabelling which
    merely renames classes gives the base what it gives the personal model:
    the gain is what adapting adds beyond renaming the base's outputs.

    Parameters
    ----------
    folds : sequence of _Fold
    labels : array of int, shape (n_labellings, n_segments)

    Returns
    -------
    base, personal : arrays of float, shape (n_labellings, n_segments)
        Base (renamed at best) and personal accuracy.
    hits : list of (base hits, personal hits) per fold, arrays of bool of
        shape (n_labellings, n_test_crops); the base's outputs as they are
    """
    base = np.empty(labels.shape)
    personal = np.empty(labels.shape)
    renaming = _renamings(folds, labels)
    rows = np.arange(len(labels))[:, None]
    hits = []
    for f in folds:
        trial = f.test_crops.trial
        y_test = labels[:, f.held][:, trial]  # (L, n_test_crops)
        hit_b = f.base_pred[None] == y_test
        hit_renamed = renaming[rows, f.base_pred[None]] == y_test
        hit_p = f.fit(labels[:, f.train]) == y_test
        # Per segment: the mean over its windows (one-hot sums per segment).
        which = np.eye(len(f.held))[trial]  # (n_test_crops, n_held)
        n = which.sum(0)
        base[:, f.held] = (hit_renamed @ which) / n
        personal[:, f.held] = (hit_p @ which) / n
        hits.append((hit_b, hit_p))
    return base, personal, hits


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
    alpha: float = ALPHA,
    permutations: int | None = None,
    progress: bool = True,
) -> CalibrationEstimate:
    """Blocked cross-validation of calibration over a wearer's segments, tested.

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
        Adaptation settings; ``seed`` also draws the relabellings.
    max_folds : int
        At most this many folds.
    alpha : float
        Level of the gain test, in (0, 0.5].
    permutations : int | None
        Relabellings of whole segments in the test's null distribution (all
        distinct ones when the design has no more than ``permutations + 1``);
        None: :func:`~eegstream.calibration.gain.default_permutations`.
    progress : bool
        Progress bar over relabellings (stderr).

    Returns
    -------
    CalibrationEstimate
        Per-window accuracies over folds for the table, and the test.
    """
    import time

    from tqdm import tqdm

    from .gain import check_alpha, default_permutations

    if permutations is None:
        permutations = default_permutations(method, alpha)
    check_alpha(alpha, permutations)
    start = time.perf_counter()
    trials = list(trials)
    labels = np.array([t.label for t in trials], dtype=np.int64)
    folds = _folds(
        base, arch, base_normaliser, trials, cfg, method, settings, max_folds
    )
    held = [f.held for f in folds]
    null_labels, exact = null_labellings(
        labels, held, permutations, np.random.default_rng(settings.seed)
    )
    # Every labelling fitted alike, in chunks; the observed one among them
    # (exact: it is one of the relabellings; else first, then the null's).
    if exact:
        every = null_labels
        observed = int(np.flatnonzero((null_labels == labels).all(1))[0])
    else:
        every, observed = np.concatenate([labels[None], null_labels]), 0
    gains, hits = [], []
    done = 0
    for chunk in tqdm(
        np.array_split(every, max(1, -(-len(every) // CHUNK))),
        desc="gain test",
        unit="chunk",
        disable=None if progress else True,
    ):
        b, p, h = _segment_accuracy(folds, chunk)
        gains.append(p - b)
        if done <= observed < done + len(chunk):
            hits = [(hb[observed - done], hp[observed - done]) for hb, hp in h]
        done += len(chunk)
    segment_gain = np.concatenate(gains)  # (n_labellings, n_segments)
    null = segment_gain.mean(1) if exact else segment_gain[1:].mean(1)
    scores = [
        FoldScore(
            k,
            tuple(trials[i].key for i in f.held),
            len(hb),
            float(hb.mean()),
            float(hp.mean()),
        )
        for k, (f, (hb, hp)) in enumerate(zip(folds, hits, strict=True), 1)
    ]
    diffs = np.array([sc.difference for sc in scores])
    test = gain_test(
        segment_gain[observed],
        null,
        exact=exact,
        alpha=alpha,
        n_relabellings=relabellings(labels, held),
        counts=np.unique(labels, return_counts=True)[1].tolist(),
        max_folds=max_folds,
    )
    return CalibrationEstimate(
        folds=tuple(scores),
        base_accuracy=float(np.concatenate([h[0] for h in hits]).mean()),
        personal_accuracy=float(np.concatenate([h[1] for h in hits]).mean()),
        difference_mean=float(diffs.mean()),
        difference_sd=float(diffs.std(ddof=1)) if len(diffs) > 1 else 0.0,
        chance=1.0 / len(set(labels.tolist())),
        method=method,
        test=test,
        seconds=time.perf_counter() - start,
    )
