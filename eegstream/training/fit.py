"""One split's fit: the network and the baseline trained and tested on one split.

:func:`train_split` is what every scheduler runs (the serial loop and the Ray
tasks, :mod:`eegstream.training.schedule`); it returns a typed
:class:`SplitResult`, whose :meth:`~SplitResult.to_dict` is the split's entry
in ``metrics.json``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from ..model import Split
from .baseline import fit_baseline
from .config import RunOptions
from .data import (
    CropSet,
    SequenceSet,
    TrialSteps,
    build_crops,
    build_sequences,
    population_stats,
)
from .job import SplitJob
from .loop import seed_everything, train_network
from .metrics import classification_metrics


@dataclass(frozen=True)
class SplitResult:
    """One split trained and tested (:func:`train_split`).

    Attributes
    ----------
    split : Split
        Its subjects (or blocks): train, validation, test.
    val, test : dict
        :func:`~eegstream.training.metrics.classification_metrics` of the
        validation and test trials.
    test_crops : dict | None
        The same per test crop, each crop on its own (crop training only).
    test_trials : dict
        ``keys``, ``true`` and ``pred`` of the test trials.
    history : dict | None
        The network's training history (None for models without epochs).
    baseline : dict | None
        The logistic-regression baseline on the same split (``test``,
        ``test_crops``); None when it is the model trained.
    model : torch.nn.Module
        The fitted model, on the CPU.
    arch_params : dict
        Its ``build_model`` parameters.
    mean, std : array of float, shape (n_features,)
        The population statistics of the training units (the normaliser's).
    full_montage : dict | None
        ``--compare-full``: ``test`` and ``baseline`` of the same split on all
        62 channels.
    node : str | None
        The Ray node that ran it; None when run in this process.
    """

    split: Split
    val: dict[str, Any]
    test: dict[str, Any]
    test_crops: dict[str, Any] | None
    test_trials: dict[str, Any]
    history: dict[str, Any] | None
    baseline: dict[str, Any] | None
    model: torch.nn.Module
    arch_params: dict[str, Any]
    mean: np.ndarray
    std: np.ndarray
    full_montage: dict[str, Any] | None = None
    node: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the split's entry of ``metrics.json`` (figures, no model)."""
        out = {
            "split": self.split.to_dict(),
            "val": self.val,
            "test": self.test,
            "test_crops": self.test_crops,
            "test_trials": self.test_trials,
            "history": self.history,
            "baseline": self.baseline,
        }
        if self.full_montage is not None:
            out["full_montage"] = self.full_montage
        return out


def predict_proba(
    model: torch.nn.Module, x: np.ndarray | CropSet, batch: int = 256
) -> np.ndarray:
    """Softmax probabilities of an eval-mode model on CPU, a batch at a time.

    The one batched prediction of training, evaluation of a split and
    calibration (:mod:`eegstream.calibration.estimate`).

    Parameters
    ----------
    model : torch.nn.Module
        In eval mode, on the CPU.
    x : array of float32, shape (n, seq_len, n_features) | CropSet
        Sequences, or every crop of a :class:`CropSet` (built a batch at a
        time).
    batch : int
        Sequences per forward pass.

    Returns
    -------
    array of float32, shape (n, n_classes)
    """
    out = []
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            xb = (
                x.take(np.arange(i, min(i + batch, len(x))))
                if isinstance(x, CropSet)
                else x[i : i + batch]
            )
            out.append(torch.softmax(model(torch.from_numpy(xb)), -1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0))


def _scores(model, data: SequenceSet | CropSet, classes) -> dict[str, Any]:
    """Test figures of ``model`` on ``data``: per trial, and per crop for crops.

    With crops a trial's prediction is the mean of its crops' probabilities
    (``test``); ``crops`` is the accuracy over every crop on its own.
    """
    prob = predict_proba(model, _inputs(data))
    if isinstance(data, CropSet):
        crops = classification_metrics(data.y, prob.argmax(1), classes)
        prob = data.trial_probabilities(prob)
        labels = data.labels
    else:
        crops, labels = None, data.y
    pred = prob.argmax(1)
    return {
        "metrics": classification_metrics(labels, pred, classes),
        "crops": crops,
        "pred": pred,
        "labels": labels,
    }


def _fit_network(x_tr, y_tr, x_va, y_va, n_classes, opts, desc) -> _Fitted:
    """Train the registered network ``opts.arch`` with the paper's recipe."""
    model, history = train_network(
        x_tr, y_tr, x_va, y_va, n_classes, opts.train, opts.progress, desc=desc
    )
    params = {
        "n_features": x_tr.shape[-1],
        "n_classes": n_classes,
        "base_width": opts.train.base_width,
        "n_heads": opts.train.n_heads,
        "dropout": opts.train.dropout,
        "readout": opts.train.readout,
    }
    return model, history, params


def _fit_logreg(x_tr, y_tr, x_va, y_va, n_classes, opts, desc) -> _Fitted:
    """Fit the logistic-regression baseline (closed form, no epochs).

    On crops: one seeded draw of ``crops_per_trial`` crops per trial.
    """
    model = fit_baseline(
        x_tr, y_tr, n_classes, opts.train.seed, opts.train.crops_per_trial
    )
    return model, None, {"n_features": x_tr.shape[-1], "n_classes": n_classes}


# A fitted model, its training history (None without epochs) and its
# ``build_model`` parameters.
_Fitted = tuple[torch.nn.Module, dict[str, Any] | None, dict[str, Any]]

#: How each model of :data:`eegstream.model.MODELS` is trained, by registry name.
TRAINERS: dict[str, Callable[..., _Fitted]] = {
    "resattentionet": _fit_network,
    "logreg": _fit_logreg,
}
#: The model fitted on every split beside the network, for comparison.
BASELINE = "logreg"


def train_split(job: SplitJob, index: int, split: Split) -> SplitResult:
    """Train and test one split; the same result in any process, on any node.

    Seeds every RNG from the options and ``index`` and fixes torch's CPU
    threads to ``opts.threads``, so the result depends on neither the worker
    nor what ran before it in that process. With ``job.full``
    (``--compare-full``) the same split is also fitted on all 62 channels.

    Returns
    -------
    SplitResult
        The split's figures and fitted model (``full_montage``: the 62-channel
        ``test`` and ``baseline``, with ``job.full``).
    """
    result = _fit_split(job, index, split)
    if job.full is not None:
        # The same split, seeds and recipe on all 62 channels: the subset's cost.
        full = _fit_split(replace(job.full, opts=job.opts), index, split, "62 ch ")
        result = replace(
            result, full_montage={"test": full.test, "baseline": full.baseline}
        )
    return result


def _fit_split(job: SplitJob, index: int, split: Split, tag: str = "") -> SplitResult:
    """Train and test ``job.opts.arch`` (and the baseline) on one split."""
    opts, classes = job.opts, job.classes
    n_classes = len(classes)
    blocks = job.blocks
    with torch_threads(opts.threads):
        mean, std = population_stats(unit_trials(job.trials, blocks), split.train)
        data: SequenceSet | CropSet | None = job.sequences
        if data is None:  # crops, like sequences, are built here in the task
            data = in_units(build_inputs(job.trials, job.cfg, opts, mean, std), blocks)
        tr, va, te = (
            data.select(split.train),
            data.select(split.val),
            data.select(split.test),
        )
        if opts.control == "shuffled-labels":
            rng = np.random.default_rng(opts.train.seed + 1000 + index)
            tr, va = _shuffled(tr, rng), _shuffled(va, rng)
        seed_everything(opts.train.seed)
        model, history, arch_params = TRAINERS[opts.arch](
            _inputs(tr),
            tr.y,
            _inputs(va),
            va.y,
            n_classes,
            opts,
            f"{tag}{split.name} epochs",
        )
        baseline = None
        if opts.arch != BASELINE:  # the classic baseline on the very same split
            base = _fit_logreg(_inputs(tr), tr.y, None, None, n_classes, opts, "")[0]
            base_scores = _scores(base, te, classes)
            baseline = {
                "test": base_scores["metrics"],
                "test_crops": base_scores["crops"],
            }
        val = _scores(model, va, classes)
        test = _scores(model, te, classes)
    return SplitResult(
        split=split,
        val=val["metrics"],
        test=test["metrics"],
        test_crops=test["crops"],
        test_trials={
            "keys": te.keys,
            "true": test["labels"].tolist(),
            "pred": test["pred"].tolist(),
        },
        history=history,
        baseline=baseline,
        model=model.cpu(),
        arch_params=arch_params,
        mean=mean,
        std=std,
    )


@contextlib.contextmanager
def torch_threads(n: int):
    """Run the block with torch using ``n`` CPU threads, then restore the setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def build_inputs(trials, cfg, opts: RunOptions, mean, std) -> SequenceSet | CropSet:
    """Build the inputs: crops every ``opts.crops`` s, else a sequence per trial."""
    if opts.crops:
        return build_crops(
            trials, cfg, opts.crops, opts.normaliser, mean, std, opts.prior_steps
        )
    return build_sequences(
        trials, cfg, opts.normaliser, mean, std, opts.prior_steps, opts.zscore_over
    )


def _inputs(data: SequenceSet | CropSet) -> np.ndarray | CropSet:
    """Return what a trainer takes: a SequenceSet's sequences, or the crops."""
    return data if isinstance(data, CropSet) else data.x


def _shuffled(data: SequenceSet | CropSet, rng) -> SequenceSet | CropSet:
    """Permute trial labels (shuffled-labels control; a trial's crops alike)."""
    if isinstance(data, CropSet):
        return data.with_labels(rng.permutation(data.labels))
    return replace(data, y=rng.permutation(data.y))


def unit_trials(
    trials: list[TrialSteps], blocks: dict[str, int] | None
) -> list[TrialSteps]:
    """Trials as splits see them: normalisers see subjects, splits hold units."""
    if blocks is None:
        return trials
    return [replace(t, subject=blocks[t.key]) for t in trials]


def in_units(
    data: SequenceSet | CropSet, blocks: dict[str, int] | None
) -> SequenceSet | CropSet:
    """Label each sequence with its split unit: its subject, or (within) its block."""
    if blocks is None:
        return data
    units = np.array([blocks[k] for k in data.keys])
    if isinstance(data, CropSet):
        return data.with_labels(subjects=units)
    return replace(data, subjects=units)
