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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._checks import check_number, check_value
from .._errors import EEGStreamError
from .._records import Record
from ..datasets.synth import synth_command
from ..features import FeatureConfig
from ..features.normalise import NORMALISER_MODES
from ..headsets import choose_channels, describe_channels
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
from ..montage import SEED_CHANNELS
from .baseline import fit_baseline
from .config import (
    CONTROLS,
    KEEP,
    READOUTS,
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
    TrialSteps,
    build_crops,
    build_sequences,
    classes_by_subject,
    crop_stride,
    drop_flagged,
    load_trial_steps,
    population_stats,
    select_channels,
)
from .distributed import ray_session, run_splits
from .job import PreparedRun, SplitJob
from .loop import seed_everything, train_network
from .metrics import classification_metrics, summarise
from .splits import SPLIT_DRAWS, make_splits, segment_blocks


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
    if opts.channels is not None:
        opts.channels = choose_channels(opts.channels).channels
        if opts.channels == SEED_CHANNELS:
            opts.channels = None
    if opts.compare_full and opts.channels is None:
        raise EEGStreamError(
            "{compare_full} compares a channel subset with all 62 channels; give "
            "the subset with {channels} or {channels_from}",
            param=("compare_full", "channels", "channels_from"),
        )
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", opts.run_name):
        raise EEGStreamError(
            f"name must be letters, digits, '.', '_' or '-' (it names files in "
            f"models/), got {opts.run_name!r}"
        )
    check_value(opts.arch, TRAINERS, "arch")
    check_value(opts.control, CONTROLS, "control")
    check_value(opts.normaliser, NORMALISER_MODES, "normaliser")
    check_value(opts.train.select_on, SELECT_ON, "select_on")
    check_value(opts.train.readout, READOUTS, "readout")
    check_number(opts.train.epochs, "epochs", min=1, integer=True)
    check_number(opts.train.batch_size, "batch_size", min=2, integer=True)
    check_number(opts.train.early_stopping, "early_stopping", min=0, integer=True)
    check_number(opts.train.crops_per_trial, "crops_per_trial", min=1, integer=True)
    check_number(opts.crops, "crops", unit="s", min=0)
    check_value(opts.train.keep, KEEP, "keep")
    check_value(opts.zscore_over, ZSCORE_OVER, "zscore_over")
    check_value(opts.split_draw, SPLIT_DRAWS, "split_draw")
    check_number(opts.workers, "workers", min=1, integer=True)
    check_number(opts.threads, "threads", min=1, integer=True)
    if opts.drop_artifacts and opts.features != "own":
        raise EEGStreamError(
            "{drop_artifacts} needs the project's own features ({features} own): "
            "the signal checks judge its windows, not the release's",
            param=("drop_artifacts", "features"),
        )


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


def prepare_run(opts: RunOptions) -> PreparedRun:
    """Check the options, open the dataset, make the splits, load the features."""
    from ..datasets import open_data
    from ..datasets.options import rated_options

    _validate(opts)
    started = datetime.datetime.now(datetime.UTC)
    dataset = open_data(
        opts.dataset,
        opts.root,
        recordings=opts.recordings,
        label_map=opts.label_map,
        classes=opts.classes,
        subject_pattern=opts.subject_pattern,
        markers=opts.markers,
        options=rated_options(opts),
    )
    if dataset.channels != SEED_CHANNELS:  # a rated dataset: its own channels
        lacking = [c for c in opts.channels or () if c not in dataset.channels]
        if lacking or opts.compare_full:
            raise EEGStreamError(
                f"{dataset.name} recorded {len(dataset.channels)} channels "
                f"({', '.join(dataset.channels)}): "
                + (
                    f"it lacks {{channels}} {', '.join(lacking)}"
                    if lacking
                    else "there are no 62 to compare with; leave out {compare_full}"
                ),
                param="channels" if lacking else "compare_full",
            )
        opts.channels = opts.channels or dataset.channels
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
    # Check the protocol before the (possibly long) feature extraction.
    by_subject: dict[int, set[int]] = {}
    for t in dataset.trials:
        by_subject.setdefault(t.subject, set()).add(t.label)
    if len(by_subject) == 1 and opts.protocol == "paper":
        opts = replace(opts, protocol="within")  # one subject: split its trials
    # What splits hold: subjects, or (within) blocks of whole trials.
    blocks = segment_blocks(dataset.trials) if opts.protocol == "within" else None
    by_unit = by_subject
    if blocks is not None:
        by_unit = {}
        for t in dataset.trials:
            by_unit.setdefault(blocks[t.key], set()).add(t.label)
    splits = make_splits(
        opts.protocol,
        by_unit,
        len(classes),
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
    artifacts = None
    if opts.drop_artifacts:
        from ..datasets.cache import dataset_quality

        quality = dataset_quality(
            dataset, cfg, opts.quality, opts.cache_dir, opts.progress
        )
        flagged = {k: q.flagged(opts.max_missing_channels) for k, q in quality.items()}
        trials, artifacts = drop_flagged(trials, flagged, classes)
    full = None
    if opts.channels is not None:
        if opts.compare_full:
            full = _split_job(opts, trials, cfg, classes, splits, blocks)
        # A subset model's features: its columns of the cached 62-channel DE.
        trials = select_channels(trials, opts.channels, len(cfg.bands))
    job = replace(_split_job(opts, trials, cfg, classes, splits, blocks), full=full)
    return PreparedRun(dataset, splits, job, is_synthetic(dataset), started, artifacts)


def _split_job(opts, trials, cfg, classes, splits, blocks) -> SplitJob:
    """Make a run's :class:`SplitJob`, with the per-subject sequences built once."""
    sequences = None
    if opts.normaliser == "subject":
        # mean and std are unused by the per-subject z-score.
        mean, std = population_stats(_unit_trials(trials, blocks), splits[0].train)
        sequences = _in_units(_build(trials, cfg, opts, mean, std), blocks)
    return SplitJob(opts, trials, cfg, classes, sequences, blocks)


def _unit_trials(
    trials: list[TrialSteps], blocks: dict[str, int] | None
) -> list[TrialSteps]:
    """Trials as splits see them: normalisers see subjects, splits hold units."""
    if blocks is None:
        return trials
    return [replace(t, subject=blocks[t.key]) for t in trials]


def _in_units(
    data: SequenceSet | CropSet, blocks: dict[str, int] | None
) -> SequenceSet | CropSet:
    """Label each sequence with its split unit: its subject, or (within) its block."""
    if blocks is None:
        return data
    units = np.array([blocks[k] for k in data.keys])
    if isinstance(data, CropSet):
        return data.with_labels(subjects=units)
    return replace(data, subjects=units)


def train_split(job: SplitJob, index: int, split: Split) -> dict[str, Any]:
    """Train and test one split; the same result in any process, on any node.

    Seeds every RNG from the options and ``index`` and fixes torch's CPU
    threads to ``opts.threads``, so the result depends on neither the worker
    nor what ran before it in that process. With ``job.full``
    (``--compare-full``) the same split is also fitted on all 62 channels.

    Returns
    -------
    dict
        JSON-able metrics of the split (``full_montage``: the 62-channel
        ``test`` and ``baseline``, with ``job.full``), plus the ``_model`` and
        the normalisation statistics (keys starting with ``_``) for the
        checkpoint.
    """
    result = _fit_split(job, index, split)
    if job.full is not None:
        # The same split, seeds and recipe on all 62 channels: the subset's cost.
        full = _fit_split(replace(job.full, opts=job.opts), index, split, "62 ch ")
        result["full_montage"] = {"test": full["test"], "baseline": full["baseline"]}
    return result


def _fit_split(
    job: SplitJob, index: int, split: Split, tag: str = ""
) -> dict[str, Any]:
    """Train and test ``job.opts.arch`` (and the baseline) on one split."""
    opts, classes = job.opts, job.classes
    n_classes = len(classes)
    blocks = job.blocks
    with torch_threads(opts.threads):
        mean, std = population_stats(_unit_trials(job.trials, blocks), split.train)
        data: SequenceSet | CropSet | None = job.sequences
        if data is None:  # crops, like sequences, are built here in the task
            data = _in_units(_build(job.trials, job.cfg, opts, mean, std), blocks)
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
    return {
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
        "_model": model.cpu(),
        "_arch_params": arch_params,
        "_mean": mean,
        "_std": std,
    }


@contextlib.contextmanager
def torch_threads(n: int):
    """Run the block with torch using ``n`` CPU threads, then restore the setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_training(opts: RunOptions) -> RunResult:
    """Train and test on every split of ``opts.protocol``; write the report and model.

    With ``opts.workers > 1`` or ``opts.ray_address`` the splits run as Ray
    tasks (:mod:`eegstream.training.distributed`); the result is the same.

    Returns
    -------
    RunResult
        The report folder, the saved checkpoint (None for a control run or
        ``save_model=False``) and the metrics written to ``metrics.json``.
    """
    prepared = prepare_run(opts)  # bad input fails before any training or Ray
    results = train_runs([prepared], opts.workers, opts.ray_address, opts.progress)
    return finish_run(prepared, results[0])


def train_runs(
    runs: list[PreparedRun],
    workers: int = 1,
    ray_address: str | None = None,
    progress: bool = True,
) -> list[list[dict[str, Any]]]:
    """Train every split of every run: one after another, or together on Ray.

    Parameters
    ----------
    runs : list of PreparedRun
        From :func:`prepare_run`.
    workers : int
        More than 1: splits at once on an embedded local Ray.
    ray_address : str | None
        An existing Ray cluster to run the splits on instead.
    progress : bool
        One progress bar over the finished splits of all runs.

    Returns
    -------
    list of list of dict
        Per run, :func:`train_split` of each split, in split order.
    """
    if workers < 1:
        raise EEGStreamError(f"workers must be >= 1, got {workers}")
    if workers > 1 or ray_address:
        threads = max(r.job.opts.threads for r in runs)
        with ray_session(workers, ray_address, threads):
            return run_splits(runs, train_split, progress)
    from tqdm import tqdm

    total = sum(len(r.splits) for r in runs)
    bar = tqdm(
        total=total,
        desc="splits",
        unit="split",
        disable=None if progress and total > 1 else True,
    )
    with bar:
        out: list[list[dict[str, Any]]] = []
        for run in runs:
            out.append([])
            for i, split in enumerate(run.splits):
                out[-1].append(train_split(run.job, i, split))
                bar.update()
    return out


def finish_run(prepared: PreparedRun, results: list[dict[str, Any]]) -> RunResult:
    """Pick the best split, write the report and save the best model with its card."""
    opts, cfg, classes = prepared.job.opts, prepared.job.cfg, prepared.job.classes
    synthetic, started = prepared.synthetic, prepared.started
    best = max(range(len(results)), key=lambda k: results[k]["val"]["accuracy"])
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
            "nodes": [r.get("_node") for r in results],
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
            target=_target_record(dataset),
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
        channels=opts.channels or SEED_CHANNELS,
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


def _full_montage_summary(results) -> dict[str, Any]:
    """Subset vs all 62 channels on the same splits (``--compare-full``), if run."""
    if "full_montage" not in results[0]:
        return {}
    full = [r["full_montage"] for r in results]
    out = {
        "full_test_accuracy": summarise([f["test"]["accuracy"] for f in full]),
        "minus_full": summarise(
            [
                r["test"]["accuracy"] - f["test"]["accuracy"]
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
        channels=opts.channels or SEED_CHANNELS,
        features=_feature_source(opts),
        train_config=opts.train.to_dict(),
        best_epoch=(result["history"] or {}).get("best_epoch"),
        run=metrics.name,
        command=metrics.command,
        recipe=opts.recipe,
        departures_from_paper=[dict(d) for d in metrics.departures],
    )
    return save_checkpoint(path, result["_model"].state_dict(), meta)
