"""One training run: splits, per-split training and testing, best model, report.

Used by ``eegstream train``; every split is trained and tested the same way
whichever architecture is chosen, so the network and the baseline are
compared on the same subjects.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._checks import check_number, check_value
from .._errors import EEGStreamError
from ..datasets.synth import synth_command
from ..features import FeatureConfig
from ..features.normalise import NORMALISER_MODES
from ..model import (
    CheckpointMetrics,
    DatasetInfo,
    FeatureSource,
    HeldOutScore,
    NormaliserSpec,
    ProtocolSpec,
    Split,
    checkpoint_meta,
    count_parameters,
    models_dir,
    save_checkpoint,
)
from .baseline import train_logreg
from .config import (
    CONTROLS,
    KEEP,
    SELECT_ON,
    RunOptions,
    TrainConfig,
    paper_departures,
    recipe_overrides,
    reproduce_command,
)
from .data import (
    ZSCORE_OVER,
    CropSet,
    SequenceSet,
    build_crops,
    build_sequences,
    classes_by_subject,
    crop_stride,
    load_trial_steps,
    population_stats,
)
from .loop import seed_everything, train_network
from .metrics import classification_metrics, summarise
from .splits import SPLIT_DRAWS, make_splits


@dataclass(frozen=True)
class RunDataset:
    """The dataset folder a run trained on (``metrics.json``'s ``dataset``)."""

    name: str
    root: str
    generated_by: str | None
    synthetic: bool
    subjects: tuple[int, ...]
    n_trials: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fields."""
        return {**asdict(self), "subjects": list(self.subjects)}


@dataclass(frozen=True)
class RunMetrics:
    """The record of a training run, written as ``metrics.json``.

    Attributes
    ----------
    name : str
        The run's name.
    dataset : RunDataset
        The training data.
    classes : tuple of str
        Class names in label-id order.
    arch : str
        Architecture trained.
    n_parameters : int
        Trainable parameters of the saved (best) model.
    protocol : ProtocolSpec
        Splits, features and normaliser of the run (no split: see ``splits``).
    feature_config : FeatureConfig
        The feature settings used.
    train_config : TrainConfig
        The optimisation settings used.
    summary : mapping
        Over-splits figures: ``test_accuracy``, ``test_macro_f1``,
        ``val_accuracy`` (mean, sd, n), ``chance``, ``pooled_test``,
        ``recall_mean``, ``recall_sd``, ``confusion``; with a baseline also
        ``baseline_test_accuracy``, ``baseline_test_macro_f1``,
        ``minus_baseline``.
    best_split : str
        The split whose model is saved (best validation accuracy).
    splits : tuple of mapping
        Per split: ``split``, ``val``, ``test``, ``test_trials``, ``history``,
        ``baseline``.
    started, finished : str
        ISO 8601 UTC times.
    command : str
        The ``eegstream train`` command that repeats the run.
    recipe : str | None
        The recipe the run started from (``"paper"``, ``"live"``).
    overrides : mapping
        Recipe settings given by their own flag (:func:`recipe_overrides`).
    departures : tuple of mapping
        Every setting where the run departs from the paper
        (:func:`paper_departures`).
    model : str | None
        The saved checkpoint; None when none was saved (left out of the JSON).
    """

    name: str
    dataset: RunDataset
    classes: tuple[str, ...]
    arch: str
    n_parameters: int
    protocol: ProtocolSpec
    feature_config: FeatureConfig
    train_config: TrainConfig
    summary: Mapping[str, Any]
    best_split: str
    splits: tuple[Mapping[str, Any], ...]
    started: str
    finished: str
    command: str
    recipe: str | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    departures: tuple[Mapping[str, Any], ...] = ()
    model: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-able record, in ``metrics.json``'s layout."""
        out = {
            "name": self.name,
            "dataset": self.dataset.to_dict(),
            "classes": list(self.classes),
            "arch": self.arch,
            "n_parameters": self.n_parameters,
            "protocol": self.protocol.to_dict(),
            "feature_config": self.feature_config.to_dict(),
            "train_config": self.train_config.to_dict(),
            "summary": dict(self.summary),
            "best_split": self.best_split,
            "splits": [dict(s) for s in self.splits],
            "started": self.started,
            "finished": self.finished,
            "command": self.command,
            "recipe": self.recipe,
            "overrides": dict(self.overrides),
            "departures_from_paper": [dict(d) for d in self.departures],
        }
        if self.model is not None:
            out["model"] = self.model
        return out


@dataclass
class RunResult:
    """What a run produced."""

    out_dir: Path
    model_path: Path | None
    metrics: RunMetrics


def predict_proba(
    model: torch.nn.Module, x: np.ndarray | CropSet, batch: int = 256
) -> np.ndarray:
    """Softmax probabilities (n, n_classes) of an eval-mode model on CPU.

    ``x`` is an array of sequences or a :class:`CropSet` (every crop, built a
    batch at a time).
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


def is_synthetic(dataset) -> bool:
    """Whether the dataset folder was made by ``eegstream.datasets.synth``."""
    return bool(dataset.synthetic)


def _validate(opts: RunOptions) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", opts.run_name):
        raise EEGStreamError(
            f"name must be letters, digits, '.', '_' or '-' (it names files in "
            f"models/), got {opts.run_name!r}"
        )
    check_value(opts.arch, TRAINERS, "arch")
    check_value(opts.control, CONTROLS, "control")
    check_value(opts.normaliser, NORMALISER_MODES, "normaliser")
    check_value(opts.train.select_on, SELECT_ON, "select_on")
    check_number(opts.train.epochs, "epochs", min=1, integer=True)
    check_number(opts.train.batch_size, "batch_size", min=2, integer=True)
    check_number(opts.train.early_stopping, "early_stopping", min=0, integer=True)
    check_number(opts.train.crops_per_trial, "crops_per_trial", min=1, integer=True)
    check_number(opts.crops, "crops", unit="s", min=0)
    check_value(opts.train.keep, KEEP, "keep")
    check_value(opts.zscore_over, ZSCORE_OVER, "zscore_over")
    check_value(opts.split_draw, SPLIT_DRAWS, "split_draw")


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
    }
    return model, history, params


def _fit_logreg(x_tr, y_tr, x_va, y_va, n_classes, opts, desc) -> _Fitted:
    """Fit the logistic-regression baseline (closed form, no epochs).

    On crops: one seeded draw of ``crops_per_trial`` crops per trial.
    """
    if isinstance(x_tr, CropSet):
        rng = np.random.default_rng(opts.train.seed)
        idx = x_tr.draw(rng, opts.train.crops_per_trial)
        x_tr, y_tr = x_tr.take(idx), y_tr[idx]
    model = train_logreg(x_tr, y_tr, n_classes, seed=opts.train.seed)
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


def run_training(opts: RunOptions) -> RunResult:
    """Train and test on every split of ``opts.protocol``; write the report and model.

    Returns
    -------
    RunResult
        The report folder, the saved checkpoint (None for a control run or
        ``save_model=False``) and the metrics written to ``metrics.json``.
    """
    from tqdm import tqdm

    from ..datasets import open_dataset

    _validate(opts)
    started = datetime.datetime.now(datetime.UTC)
    dataset = open_dataset(opts.dataset, opts.root)
    if opts.subjects:
        unknown = sorted(set(opts.subjects) - set(dataset.subjects))
        if unknown:
            raise EEGStreamError(
                f"subjects {unknown} not in {dataset.name} at {dataset.root}; "
                f"present: {dataset.subjects}"
            )
        dataset.trials = [t for t in dataset.trials if t.subject in set(opts.subjects)]
    if opts.crops:  # before the (possibly long) feature extraction
        shortest = min(t.duration_s for t in dataset.trials)
        crop_stride(opts.crops, opts.feature_config.hop_s, shortest)
    classes = tuple(dataset.classes)
    n_classes = len(classes)
    synthetic = is_synthetic(dataset)
    # Check the protocol before the (possibly long) feature extraction.
    by_subject: dict[int, set[int]] = {}
    for t in dataset.trials:
        by_subject.setdefault(t.subject, set()).add(t.label)
    splits = make_splits(
        opts.protocol,
        by_subject,
        n_classes,
        opts.repeats,
        opts.train.seed,
        opts.split_draw,
    )
    trials, cfg = load_trial_steps(
        dataset,
        opts.feature_config,
        opts.features,
        opts.official_kind,
        opts.cache_dir,
        opts.progress,
    )
    assert classes_by_subject(trials) == by_subject, "sanity check: trials changed"

    cached: SequenceSet | CropSet | None = None
    results = []
    for i, split in enumerate(
        tqdm(
            splits,
            desc="splits",
            unit="split",
            disable=None if opts.progress and len(splits) > 1 else True,
        )
    ):
        mean, std = population_stats(trials, split.train)
        if opts.normaliser == "subject" and cached is not None:
            data = cached  # the per-subject z-score does not depend on the split
        else:
            data = _build(trials, cfg, opts, mean, std)
            cached = data if opts.normaliser == "subject" else None
        tr, va, te = (
            data.select(split.train),
            data.select(split.val),
            data.select(split.test),
        )
        if opts.control == "shuffled-labels":
            rng = np.random.default_rng(opts.train.seed + 1000 + i)
            tr, va = _shuffled(tr, rng), _shuffled(va, rng)
        seed_everything(opts.train.seed)
        model, history, arch_params = TRAINERS[opts.arch](
            _inputs(tr),
            tr.y,
            _inputs(va),
            va.y,
            n_classes,
            opts,
            f"{split.name} epochs",
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
        results.append(
            {
                "split": split.to_dict(),
                "val": val["metrics"],
                "test": test["metrics"],
                "test_crops": test["crops"],
                "test_trials": {
                    "keys": te.keys,
                    "true": test["labels"].tolist(),
                    "pred": test["pred"].tolist(),
                },
                "history": history,
                "baseline": baseline,
                "_model": model,
                "_arch_params": arch_params,
                "_mean": mean,
                "_std": std,
            }
        )

    best = max(range(len(results)), key=lambda k: results[k]["val"]["accuracy"])
    metrics = _metrics_document(
        opts, dataset, cfg, classes, results, best, synthetic, started
    )
    out_dir = (
        opts.out
        or Path("runs") / f"{opts.run_name}-{started.strftime('%Y%m%d-%H%M%S')}"
    )
    from .report import write_model_card, write_report

    model_path = None
    if opts.save_model and opts.control is None:
        model_path = _model_folder(opts) / f"{opts.run_name}.safetensors"
        # Relative to the working folder when inside it: reports travel with the repo.
        with contextlib.suppress(ValueError):
            model_path = model_path.resolve().relative_to(Path.cwd())
        metrics = replace(metrics, model=str(model_path))
    # Report first: models/ only ever gets a checkpoint and its card together.
    write_report(out_dir, metrics.to_dict(), classes)
    if model_path is not None:
        _save_best(model_path, opts, cfg, classes, results[best], metrics, synthetic)
        try:
            write_model_card(model_path.with_suffix(".md"), metrics.to_dict(), out_dir)
        except BaseException:
            model_path.unlink(missing_ok=True)
            raise
    return RunResult(Path(out_dir), model_path, metrics)


def _build(trials, cfg, opts: RunOptions, mean, std) -> SequenceSet | CropSet:
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


def _model_folder(opts: RunOptions) -> Path:
    return Path(opts.models_dir) if opts.models_dir else models_dir()


def _metrics_document(
    opts, dataset, cfg, classes, results, best, synthetic, started
) -> RunMetrics:
    """Assemble the record of the run (metrics.json)."""
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in results]
    acc = [r["test"]["accuracy"] for r in results]
    f1 = [r["test"]["macro_f1"] for r in results]
    confusion = np.sum([r["test"]["confusion"] for r in results], axis=0)
    recall_per_split = np.array(
        [[r["test"]["per_class"][c]["recall"] for c in classes] for r in results]
    )
    recall_mean = recall_per_split.mean(0)
    recall_sd = recall_per_split.std(0, ddof=1) if len(results) > 1 else 0 * recall_mean
    return RunMetrics(
        name=opts.run_name,
        dataset=RunDataset(
            name=dataset.name,
            root=str(dataset.root),
            generated_by=synth_command(dataset.root) if synthetic else None,
            synthetic=synthetic,
            subjects=tuple(dataset.subjects),
            n_trials=len(dataset.trials),
        ),
        classes=tuple(classes),
        arch=opts.arch,
        n_parameters=count_parameters(results[best]["_model"]),
        protocol=_protocol(opts),
        feature_config=cfg,
        train_config=opts.train,
        summary={
            "test_accuracy": summarise(acc),
            "test_macro_f1": summarise(f1),
            "val_accuracy": summarise([r["val"]["accuracy"] for r in results]),
            "chance": 1.0 / len(classes),
            "pooled_test": classification_metrics(*_pooled(results), classes),
            "recall_mean": dict(zip(classes, recall_mean.tolist(), strict=True)),
            "recall_sd": dict(zip(classes, recall_sd.tolist(), strict=True)),
            "confusion": confusion.tolist(),
            **_crop_summary(results),
            **_baseline_summary(results),
        },
        best_split=clean[best]["split"]["name"],
        splits=tuple(clean),
        started=started.isoformat(timespec="seconds"),
        finished=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        command=reproduce_command(opts),
        recipe=opts.recipe,
        overrides=recipe_overrides(opts),
        departures=tuple(paper_departures(opts)),
    )


def _crop_summary(results) -> dict[str, Any]:
    """Crop-level test accuracy (each crop on its own) when trained on crops."""
    if results[0]["test_crops"] is None:
        return {}
    out = {
        "test_crop_accuracy": summarise([r["test_crops"]["accuracy"] for r in results])
    }
    if results[0]["baseline"] is not None:
        out["baseline_test_crop_accuracy"] = summarise(
            [r["baseline"]["test_crops"]["accuracy"] for r in results]
        )
    return out


def _baseline_summary(results) -> dict[str, Any]:
    """Baseline accuracy on the same splits and the paired difference, if fitted."""
    if results[0]["baseline"] is None:
        return {}
    base = [r["baseline"]["test"]["accuracy"] for r in results]
    net = [r["test"]["accuracy"] for r in results]
    return {
        "baseline_test_accuracy": summarise(base),
        "baseline_test_macro_f1": summarise(
            [r["baseline"]["test"]["macro_f1"] for r in results]
        ),
        "minus_baseline": summarise([a - b for a, b in zip(net, base, strict=True)]),
    }


def _pooled(results) -> tuple[np.ndarray, np.ndarray]:
    true = np.concatenate([r["test_trials"]["true"] for r in results]).astype(int)
    pred = np.concatenate([r["test_trials"]["pred"] for r in results]).astype(int)
    return true, pred


def _protocol(opts: RunOptions) -> ProtocolSpec:
    """Return the run's protocol as a checkpoint records it (without the split)."""
    return ProtocolSpec(
        name=opts.protocol,
        repeats=opts.repeats,
        control=opts.control,
        features=_feature_source(opts),
        normaliser=opts.normaliser,
        prior_steps=opts.prior_steps,
    )


def _feature_source(opts: RunOptions) -> FeatureSource:
    if opts.features == "own":
        return FeatureSource()
    return FeatureSource("official", opts.official_kind)


def _save_best(path, opts, cfg, classes, result, metrics, synthetic) -> Path:
    split = Split.from_dict(result["split"])
    test = result["test"]
    meta = checkpoint_meta(
        arch=opts.arch,
        arch_params=result["_arch_params"],
        feature_config=cfg,
        classes=classes,
        normaliser=NormaliserSpec(
            opts.normaliser,
            tuple(result["_mean"].tolist()),
            tuple(result["_std"].tolist()),
            opts.prior_steps,
        ),
        dataset=DatasetInfo(opts.dataset, synthetic, metrics.dataset.subjects),
        protocol=replace(_protocol(opts), split=split),
        metrics=CheckpointMetrics(
            HeldOutScore(test["accuracy"], test["macro_f1"], test["n"]),
            split.test,
            {
                k: metrics.summary[k]
                for k in (
                    "test_accuracy",
                    "test_macro_f1",
                    "chance",
                    "test_crop_accuracy",
                    "baseline_test_accuracy",
                    "baseline_test_crop_accuracy",
                )
                if k in metrics.summary
            },
        ),
        max_missing_channels=opts.max_missing_channels,
        features=_feature_source(opts),
        train_config=opts.train.to_dict(),
        best_epoch=(result["history"] or {}).get("best_epoch"),
        run=metrics.name,
        command=metrics.command,
        recipe=opts.recipe,
        departures_from_paper=[dict(d) for d in metrics.departures],
    )
    return save_checkpoint(path, result["_model"].state_dict(), meta)
