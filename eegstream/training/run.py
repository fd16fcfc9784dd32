"""One training run: splits, per-split training and testing, best model, report.

Used by ``eegstream train``; every split is trained and tested the same way
whichever architecture is chosen, so the network and the baseline are
compared on the same subjects.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._errors import EEGStreamError
from ..datasets.synth import synth_command
from ..features import FeatureConfig
from ..headsets import choose_channels, describe_channels
from ..model import checkpoint_meta, count_parameters, models_dir, save_checkpoint
from ..montage import SEED_CHANNELS
from .baseline import train_logreg
from .data import (
    SequenceSet,
    build_sequences,
    classes_by_subject,
    load_trial_steps,
    population_stats,
    select_channels,
)
from .loop import TrainConfig, seed_everything, train_network
from .metrics import classification_metrics, summarise
from .splits import make_splits

ARCHS = ("resattentionet", "logreg")
CONTROLS = (None, "shuffled-labels")


@dataclass
class RunOptions:
    """Everything ``eegstream train`` decides; defaults are the paper's.

    ``channels``: SEED names of a subset model (``None``: all 62); its
    features are those columns of the cached 62-channel features.
    ``compare_full``: also fit the network and the baseline on all 62
    channels on the same splits, to state what the subset costs.
    """

    dataset: str
    root: Path
    protocol: str = "paper"
    repeats: int = 1
    features: str = "own"
    official_kind: str = "de_LDS"
    normaliser: str = "subject"
    prior_steps: float = 30.0
    control: str | None = None
    arch: str = "resattentionet"
    feature_config: FeatureConfig = field(default_factory=FeatureConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str | None = None
    out: Path | None = None
    models_dir: Path | None = None
    save_model: bool = True
    cache_dir: Path | None = None
    max_missing_channels: int = 6
    subjects: list[int] | None = None
    progress: bool = True
    channels: tuple[str, ...] | None = None
    compare_full: bool = False

    @property
    def run_name(self) -> str:
        """``<dataset>-<arch>-<protocol>[-shuffled]`` unless a name was given."""
        if self.name:
            return self.name
        suffix = "-shuffled" if self.control else ""
        return f"{self.dataset}-{self.arch}-{self.protocol}{suffix}"


@dataclass
class RunResult:
    """What a run produced."""

    out_dir: Path
    model_path: Path | None
    metrics: dict[str, Any]


def predict_proba(
    model: torch.nn.Module, x: np.ndarray, batch: int = 256
) -> np.ndarray:
    """Softmax probabilities (n, n_classes) of an eval-mode model on CPU."""
    out = []
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            out.append(
                torch.softmax(model(torch.from_numpy(x[i : i + batch])), -1).numpy()
            )
    return np.concatenate(out) if out else np.zeros((0, 0))


def is_synthetic(dataset) -> bool:
    """Whether the dataset folder was made by ``eegstream.datasets.synth``."""
    return bool(dataset.synthetic)


def _validate(opts: RunOptions) -> None:
    if opts.channels is not None:
        opts.channels = choose_channels(opts.channels, source="channels").channels
        if opts.channels == SEED_CHANNELS:
            opts.channels = None
    if opts.compare_full and opts.channels is None:
        raise EEGStreamError(
            "--compare-full compares a channel subset with all 62 channels; give "
            "the subset with --channels LIST or --channels-from SOURCE"
        )
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", opts.run_name):
        raise EEGStreamError(
            f"name must be letters, digits, '.', '_' or '-' (it names files in "
            f"models/), got {opts.run_name!r}"
        )
    if opts.arch not in ARCHS:
        raise EEGStreamError(f"arch must be one of {ARCHS}, got {opts.arch!r}")
    if opts.control not in CONTROLS:
        raise EEGStreamError(
            f"control must be one of {CONTROLS[1:]}, got {opts.control!r}"
        )
    if opts.normaliser not in ("subject", "running"):
        raise EEGStreamError(
            f"normaliser must be 'subject' or 'running', got {opts.normaliser!r}"
        )
    if opts.train.select_on not in ("accuracy", "loss"):
        raise EEGStreamError(
            f"select_on must be 'accuracy' or 'loss', got {opts.train.select_on!r}"
        )
    if opts.train.epochs < 1 or opts.train.batch_size < 2:
        raise EEGStreamError(
            f"epochs must be >= 1 and batch size >= 2, got {opts.train.epochs} and "
            f"{opts.train.batch_size}"
        )


def run_training(opts: RunOptions) -> RunResult:
    """Train and test on every split of ``opts.protocol``; write the report and model.

    Returns
    -------
    RunResult
        The report folder, the saved checkpoint (None for a control run or
        ``save_model=False``) and the metrics written to ``metrics.json``.
    """
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
    classes = tuple(dataset.classes)
    n_classes = len(classes)
    synthetic = is_synthetic(dataset)
    # Check the protocol before the (possibly long) feature extraction.
    by_subject: dict[int, set[int]] = {}
    for t in dataset.trials:
        by_subject.setdefault(t.subject, set()).add(t.label)
    splits = make_splits(
        opts.protocol, by_subject, n_classes, opts.repeats, opts.train.seed
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
    n_bands = len(cfg.bands)
    full_trials = trials
    if opts.channels is not None:
        trials = select_channels(trials, opts.channels, n_bands)
    results = _fit_splits(opts, trials, cfg, splits, classes)
    if opts.compare_full and opts.channels is not None:
        # The same splits, seeds and recipe on all 62 channels: the subset's cost.
        full = _fit_splits(opts, full_trials, cfg, splits, classes, tag="62 ch ")
        for r, f in zip(results, full, strict=True):
            r["full_montage"] = {"test": f["test"], "baseline": f["baseline"]}

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
        metrics["model"] = str(model_path)
    # Report first: models/ only ever gets a checkpoint and its card together.
    write_report(out_dir, metrics, classes)
    if model_path is not None:
        _save_best(model_path, opts, cfg, classes, results[best], metrics, synthetic)
        try:
            write_model_card(model_path.with_suffix(".md"), metrics, out_dir)
        except BaseException:
            model_path.unlink(missing_ok=True)
            raise
    return RunResult(Path(out_dir), model_path, metrics)


def _fit_splits(
    opts: RunOptions, trials, cfg: FeatureConfig, splits, classes, tag: str = ""
) -> list[dict[str, Any]]:
    """Train and test ``opts.arch`` (and the baseline) on every split."""
    from tqdm import tqdm

    n_classes = len(classes)
    n_features = trials[0].steps.shape[1]
    cached: SequenceSet | None = None
    results = []
    for i, split in enumerate(
        tqdm(
            splits,
            desc=f"{tag}splits",
            unit="split",
            disable=None if opts.progress and len(splits) > 1 else True,
        )
    ):
        mean, std = population_stats(trials, split.train)
        if opts.normaliser == "subject" and cached is not None:
            data = cached  # the per-subject z-score does not depend on the split
        else:
            data = build_sequences(
                trials, cfg, opts.normaliser, mean, std, opts.prior_steps
            )
            cached = data if opts.normaliser == "subject" else None
        tr, va, te = (
            data.select(split.train),
            data.select(split.val),
            data.select(split.test),
        )
        y_tr, y_va = tr.y, va.y
        if opts.control == "shuffled-labels":
            rng = np.random.default_rng(opts.train.seed + 1000 + i)
            y_tr, y_va = rng.permutation(y_tr), rng.permutation(y_va)
        seed_everything(opts.train.seed)
        history: dict[str, Any] | None = None
        if opts.arch == "resattentionet":
            model, history = train_network(
                tr.x,
                y_tr,
                va.x,
                y_va,
                n_classes,
                opts.train,
                opts.progress,
                desc=f"{tag}{split.name} epochs",
            )
            arch_params = {
                "n_features": n_features,
                "n_classes": n_classes,
                "base_width": opts.train.base_width,
                "n_heads": opts.train.n_heads,
                "dropout": opts.train.dropout,
            }
        else:
            model = train_logreg(tr.x, y_tr, n_classes, seed=opts.train.seed)
            arch_params = {"n_features": n_features, "n_classes": n_classes}
        baseline = None
        if opts.arch != "logreg":  # the classic baseline on the very same split
            base = train_logreg(tr.x, y_tr, n_classes, seed=opts.train.seed)
            base_pred = predict_proba(base, te.x).argmax(1)
            baseline = {"test": classification_metrics(te.y, base_pred, classes)}
        val_pred = predict_proba(model, va.x).argmax(1)
        test_prob = predict_proba(model, te.x)
        results.append(
            {
                "split": split.to_dict(),
                "val": classification_metrics(y_va, val_pred, classes),
                "test": classification_metrics(te.y, test_prob.argmax(1), classes),
                "test_trials": {
                    "keys": te.keys,
                    "true": te.y.tolist(),
                    "pred": test_prob.argmax(1).tolist(),
                },
                "history": history,
                "baseline": baseline,
                "_model": model,
                "_arch_params": arch_params,
                "_mean": mean,
                "_std": std,
            }
        )

    return results


def _model_folder(opts: RunOptions) -> Path:
    return Path(opts.models_dir) if opts.models_dir else models_dir()


def _metrics_document(
    opts, dataset, cfg, classes, results, best, synthetic, started
) -> dict:
    """Assemble the JSON-able record of the run (metrics.json)."""
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in results]
    acc = [r["test"]["accuracy"] for r in results]
    f1 = [r["test"]["macro_f1"] for r in results]
    confusion = np.sum([r["test"]["confusion"] for r in results], axis=0)
    recall_per_split = np.array(
        [[r["test"]["per_class"][c]["recall"] for c in classes] for r in results]
    )
    recall_mean = recall_per_split.mean(0)
    recall_sd = recall_per_split.std(0, ddof=1) if len(results) > 1 else 0 * recall_mean
    return {
        "name": opts.run_name,
        "dataset": {
            "name": dataset.name,
            "root": str(dataset.root),
            "generated_by": synth_command(dataset.root) if synthetic else None,
            "synthetic": synthetic,
            "subjects": dataset.subjects,
            "n_trials": len(dataset.trials),
        },
        "classes": list(classes),
        "arch": opts.arch,
        "n_parameters": count_parameters(results[best]["_model"]),
        "protocol": {
            "name": opts.protocol,
            "repeats": opts.repeats,
            "control": opts.control,
            "features": opts.features
            if opts.features == "own"
            else f"official:{opts.official_kind}",
            "normaliser": opts.normaliser,
            "prior_steps": opts.prior_steps,
        },
        "channels": {
            "names": list(opts.channels or SEED_CHANNELS),
            "set": describe_channels(opts.channels or SEED_CHANNELS),
        },
        "feature_config": cfg.to_dict(),
        "train_config": opts.train.to_dict(),
        "summary": {
            "test_accuracy": summarise(acc),
            "test_macro_f1": summarise(f1),
            "val_accuracy": summarise([r["val"]["accuracy"] for r in results]),
            "chance": 1.0 / len(classes),
            "pooled_test": classification_metrics(*_pooled(results), classes),
            "recall_mean": dict(zip(classes, recall_mean.tolist(), strict=True)),
            "recall_sd": dict(zip(classes, recall_sd.tolist(), strict=True)),
            "confusion": confusion.tolist(),
            **_baseline_summary(results),
            **_full_montage_summary(results),
        },
        "best_split": clean[best]["split"]["name"],
        "splits": clean,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": reproduce_command(opts),
    }


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


def _save_best(path, opts, cfg, classes, result, metrics, synthetic) -> Path:
    meta = checkpoint_meta(
        arch=opts.arch,
        arch_params=result["_arch_params"],
        feature_config=cfg,
        classes=classes,
        normaliser={
            "mode": opts.normaliser,
            "mean": result["_mean"].tolist(),
            "std": result["_std"].tolist(),
            "prior_steps": opts.prior_steps,
        },
        dataset={
            "name": opts.dataset,
            "synthetic": synthetic,
            "subjects": metrics["dataset"]["subjects"],
        },
        protocol={**metrics["protocol"], "split": result["split"]},
        metrics={
            "test": {k: result["test"][k] for k in ("accuracy", "macro_f1", "n")},
            "test_subjects": result["split"]["test"],
            "summary": {
                k: metrics["summary"][k]
                for k in ("test_accuracy", "test_macro_f1", "chance")
            },
        },
        max_missing_channels=opts.max_missing_channels,
        channels=opts.channels or SEED_CHANNELS,
        features=metrics["protocol"]["features"],
        train_config=opts.train.to_dict(),
        best_epoch=(result["history"] or {}).get("best_epoch"),
        run=metrics["name"],
        command=metrics["command"],
    )
    return save_checkpoint(path, result["_model"].state_dict(), meta)


def reproduce_command(opts: RunOptions) -> str:
    """Return the ``eegstream train`` command that repeats this run."""
    import shlex

    defaults, fdef, tdef = RunOptions("", Path()), FeatureConfig(), TrainConfig()
    args = ["eegstream", "train", "--dataset", opts.dataset, "--root", str(opts.root)]
    pairs = [
        ("--protocol", opts.protocol, defaults.protocol),
        ("--repeats", opts.repeats, defaults.repeats),
        ("--arch", opts.arch, defaults.arch),
        ("--features", opts.features, defaults.features),
        ("--official-kind", opts.official_kind, defaults.official_kind),
        ("--normaliser", opts.normaliser, defaults.normaliser),
        ("--prior-steps", opts.prior_steps, defaults.prior_steps),
        ("--control", opts.control, defaults.control),
        ("--subjects", ",".join(map(str, opts.subjects or [])) or None, None),
        ("--window", opts.feature_config.window_s, fdef.window_s),
        ("--hop", opts.feature_config.hop_s, fdef.hop_s),
        ("--smoothing", opts.feature_config.smoothing, fdef.smoothing),
        ("--compat", opts.feature_config.compat, fdef.compat),
        ("--seq-len", opts.feature_config.seq_len, fdef.seq_len),
        ("--epochs", opts.train.epochs, tdef.epochs),
        ("--batch-size", opts.train.batch_size, tdef.batch_size),
        ("--lr", opts.train.lr, tdef.lr),
        ("--weight-decay", opts.train.weight_decay, tdef.weight_decay),
        ("--label-smoothing", opts.train.label_smoothing, tdef.label_smoothing),
        ("--patience", opts.train.early_stopping, tdef.early_stopping),
        ("--select-on", opts.train.select_on, tdef.select_on),
        ("--plateau-patience", opts.train.plateau_patience, tdef.plateau_patience),
        ("--base-width", opts.train.base_width, tdef.base_width),
        ("--dropout", opts.train.dropout, tdef.dropout),
        ("--seed", opts.train.seed, tdef.seed),
        ("--channels", ",".join(opts.channels or ()) or None, None),
        ("--compare-full", opts.compare_full or None, None),
        ("--name", opts.name, None),
        (
            "--max-missing-channels",
            opts.max_missing_channels,
            defaults.max_missing_channels,
        ),
    ]
    for flag, value, default in pairs:
        if value is True:  # a switch
            args.append(flag)
        elif value != default and value is not None:
            args += [flag, str(value)]
    return shlex.join(args)


def parse_subjects(text: str | None) -> list[int] | None:
    """``"1,3,5-7"`` -> [1, 3, 5, 6, 7]; None or "" -> None."""
    if not text:
        return None
    out: list[int] = []
    try:
        for part in text.split(","):
            a, _, b = part.strip().partition("-")
            out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    except ValueError:
        raise EEGStreamError(
            f"subjects must be numbers and ranges like '1,3,5-7', got {text!r}"
        ) from None
    return sorted(set(out))
