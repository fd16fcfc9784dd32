"""A run's record and outputs: ``metrics.json``, the report, the model, its card."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .._records import Record
from ..datasets.synth import synth_command
from ..features import FeatureConfig
from ..headsets import describe_channels
from ..model import (
    CheckpointMetrics,
    DatasetInfo,
    FeatureSource,
    HeldOutScore,
    NormaliserSpec,
    ProtocolSpec,
    checkpoint_meta,
    count_parameters,
    models_dir,
    save_checkpoint,
)
from ..montage import SEED_CHANNELS, ChannelSet
from .config import RunOptions, TrainConfig, paper_departures, recipe_overrides
from .fit import SplitResult
from .job import PreparedRun
from .metrics import classification_metrics, summarise
from .options import reproduce_command


@dataclass(frozen=True)
class RunDataset(Record):
    """The dataset folder a run trained on (``metrics.json``'s ``dataset``)."""

    name: str
    root: str
    generated_by: str | None
    synthetic: bool
    subjects: tuple[int, ...]
    n_trials: int
    # A rated dataset's labels and their balance per subject; None otherwise.
    target: dict[str, Any] | None = None
    omit_none = ("target",)


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
        ``minus_baseline``; with ``--compare-full`` also
        ``full_test_accuracy``, ``minus_full`` (subset minus 62 channels,
        paired by split) and, with a baseline, ``full_baseline_test_accuracy``.
    best_split : str
        The split whose model is saved (best validation accuracy).
    splits : tuple of mapping
        Per split: ``split``, ``val``, ``test``, ``test_trials``, ``history``,
        ``baseline`` (and ``full_montage`` with ``--compare-full``).
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
    execution : mapping | None
        Where the splits ran (workers, Ray address, threads, node per split):
        the one part that differs between ``--workers`` settings.
    channels : tuple of str
        The model's channels, SEED names in SEED order (written with the
        name of their set, e.g. ``emotiv-epoc (14 channels)``).
    artifacts : mapping | None
        With ``--drop-artifacts``: the windows left out, in all, per class
        and per subject and class (:func:`~eegstream.training.data.drop_flagged`);
        None otherwise (left out of the JSON).
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
    execution: Mapping[str, Any] | None = None
    channels: tuple[str, ...] = SEED_CHANNELS
    artifacts: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-able record, in ``metrics.json``'s layout."""
        out = {
            "name": self.name,
            "dataset": self.dataset.to_dict(),
            "classes": list(self.classes),
            "arch": self.arch,
            "n_parameters": self.n_parameters,
            "protocol": self.protocol.to_dict(),
            "channels": {
                "names": list(self.channels),
                "set": describe_channels(self.channels),
            },
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
        if self.execution is not None:
            out["execution"] = dict(self.execution)
        if self.artifacts is not None:
            out["artifacts"] = dict(self.artifacts)
        return out


@dataclass
class RunResult:
    """What a run produced."""

    out_dir: Path
    model_path: Path | None
    metrics: RunMetrics


def finish_run(prepared: PreparedRun, results: list[SplitResult]) -> RunResult:
    """Pick the best split, write the report and save the best model with its card."""
    opts, cfg, classes = prepared.job.opts, prepared.job.cfg, prepared.job.classes
    synthetic, started = prepared.synthetic, prepared.started
    best = max(range(len(results)), key=lambda k: results[k].val["accuracy"])
    metrics = _metrics_document(
        opts, prepared.dataset, cfg, classes, results, best, synthetic, started
    )
    # Where the splits ran: the one part of metrics.json that workers change.
    metrics = replace(
        metrics,
        execution={
            "workers": opts.workers,
            "ray_address": opts.ray_address,
            "threads": opts.threads,
            "nodes": [r.node for r in results],
        },
        artifacts=prepared.artifacts,
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


def _model_folder(opts: RunOptions) -> Path:
    return Path(opts.models_dir) if opts.models_dir else models_dir()


def _metrics_document(
    opts, dataset, cfg, classes, results, best, synthetic, started
) -> RunMetrics:
    """Assemble the record of the run (metrics.json)."""
    clean = [r.to_dict() for r in results]
    acc = [r.test["accuracy"] for r in results]
    f1 = [r.test["macro_f1"] for r in results]
    confusion = np.sum([r.test["confusion"] for r in results], axis=0)
    recall_per_split = np.array(
        [[r.test["per_class"][c]["recall"] for c in classes] for r in results]
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
            target=_target_record(dataset),
        ),
        classes=tuple(classes),
        arch=opts.arch,
        n_parameters=count_parameters(results[best].model),
        protocol=_protocol(opts),
        feature_config=cfg,
        train_config=opts.train,
        summary={
            "test_accuracy": summarise(acc),
            "test_macro_f1": summarise(f1),
            "val_accuracy": summarise([r.val["accuracy"] for r in results]),
            "chance": 1.0 / len(classes),
            "pooled_test": classification_metrics(*_pooled(results), classes),
            "recall_mean": dict(zip(classes, recall_mean.tolist(), strict=True)),
            "recall_sd": dict(zip(classes, recall_sd.tolist(), strict=True)),
            "confusion": confusion.tolist(),
            **_crop_summary(results),
            **_baseline_summary(results),
            **_full_montage_summary(results),
        },
        best_split=clean[best]["split"]["name"],
        splits=tuple(clean),
        started=started.isoformat(timespec="seconds"),
        finished=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        command=reproduce_command(opts),
        recipe=opts.recipe,
        overrides=recipe_overrides(opts),
        departures=tuple(paper_departures(opts)),
        channels=ChannelSet.of(opts.channels).names,
    )


def _target_record(dataset) -> dict[str, Any] | None:
    """Return a rated dataset's target, with its trials per class and subject."""
    if dataset.target is None:
        return None
    balance: dict[str, dict[str, int]] = {}
    for t in dataset.trials:
        counts = balance.setdefault(str(t.subject), dict.fromkeys(dataset.classes, 0))
        counts[t.label_name] += 1
    return {**dataset.target, "balance": balance}


def _crop_summary(results) -> dict[str, Any]:
    """Crop-level test accuracy (each crop on its own) when trained on crops."""
    if results[0].test_crops is None:
        return {}
    out = {"test_crop_accuracy": summarise([r.test_crops["accuracy"] for r in results])}
    if results[0].baseline is not None:
        out["baseline_test_crop_accuracy"] = summarise(
            [r.baseline["test_crops"]["accuracy"] for r in results]
        )
    return out


def _baseline_summary(results) -> dict[str, Any]:
    """Baseline accuracy on the same splits and the paired difference, if fitted."""
    if results[0].baseline is None:
        return {}
    base = [r.baseline["test"]["accuracy"] for r in results]
    net = [r.test["accuracy"] for r in results]
    return {
        "baseline_test_accuracy": summarise(base),
        "baseline_test_macro_f1": summarise(
            [r.baseline["test"]["macro_f1"] for r in results]
        ),
        "minus_baseline": summarise([a - b for a, b in zip(net, base, strict=True)]),
    }


def _full_montage_summary(results) -> dict[str, Any]:
    """Subset vs all 62 channels on the same splits (``--compare-full``), if run."""
    if results[0].full_montage is None:
        return {}
    full = [r.full_montage for r in results]
    out = {
        "full_test_accuracy": summarise([f["test"]["accuracy"] for f in full]),
        "minus_full": summarise(
            [
                r.test["accuracy"] - f["test"]["accuracy"]
                for r, f in zip(results, full, strict=True)
            ]
        ),
    }
    if full[0]["baseline"] is not None:
        out["full_baseline_test_accuracy"] = summarise(
            [f["baseline"]["test"]["accuracy"] for f in full]
        )
    return out


def _pooled(results) -> tuple[np.ndarray, np.ndarray]:
    true = np.concatenate([r.test_trials["true"] for r in results]).astype(int)
    pred = np.concatenate([r.test_trials["pred"] for r in results]).astype(int)
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
    split = result.split
    test = result.test
    meta = checkpoint_meta(
        arch=opts.arch,
        arch_params=result.arch_params,
        feature_config=cfg,
        classes=classes,
        normaliser=NormaliserSpec(
            opts.normaliser,
            tuple(result.mean.tolist()),
            tuple(result.std.tolist()),
            opts.prior_steps,
        ),
        dataset=DatasetInfo(
            metrics.dataset.name,
            synthetic,
            metrics.dataset.subjects,
            {k: v for k, v in (metrics.dataset.target or {}).items() if k != "balance"}
            or None,
        ),
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
        quality=opts.quality,
        channels=ChannelSet.of(opts.channels).names,
        features=_feature_source(opts),
        train_config=opts.train.to_dict(),
        best_epoch=(result.history or {}).get("best_epoch"),
        run=metrics.name,
        command=metrics.command,
        recipe=opts.recipe,
        departures_from_paper=[dict(d) for d in metrics.departures],
    )
    return save_checkpoint(path, result.model.state_dict(), meta)
