"""Train ResAttentioNet (or the logistic-regression baseline) on subject splits."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``eegstream train``."""
    p = subparsers.add_parser(
        "train",
        help="train with the paper's recipe; write a report and models/NAME",
        description="Train ResAttentioNet (or the logistic-regression baseline) on a "
        "SEED-family dataset with subject-disjoint splits, test on held-out subjects, "
        "write a report folder and save the best model with its card.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--dataset",
        required=True,
        help="dataset layout: seed, seed-iv, seed-v or seed-vii",
    )
    p.add_argument(
        "--root", required=True, type=Path, help="folder of the dataset release"
    )
    p.add_argument(
        "--protocol",
        default="paper",
        choices=("paper", "loso"),
        help="paper: subject-wise 70/15/15 split; loso: leave one subject out",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="paper protocol: number of re-drawn splits (seeds SEED, SEED+1, ...)",
    )
    p.add_argument(
        "--arch",
        default="resattentionet",
        choices=("resattentionet", "logreg"),
        help="model: the paper's network or the DE-mean logistic regression baseline",
    )
    p.add_argument(
        "--features",
        default="own",
        choices=("own", "official"),
        help="own: the project's causal features (what live sees); official: "
        "the release's features (non-causal de_LDS)",
    )
    p.add_argument(
        "--official-kind", default="de_LDS", help="official feature kind (SEED-V: de)"
    )
    p.add_argument(
        "--normaliser",
        default="subject",
        choices=("subject", "running"),
        help="subject: per-subject z-score (paper); running: causal, live-faithful",
    )
    p.add_argument(
        "--prior-steps",
        type=float,
        default=30.0,
        help="running normaliser: weight of the population statistics, in steps",
    )
    p.add_argument(
        "--control",
        default=None,
        choices=("shuffled-labels",),
        help="train on permuted labels (must land near chance); no model saved",
    )
    p.add_argument(
        "--subjects", default=None, help="use only these subjects, e.g. 1,2,5-9"
    )
    c = p.add_argument_group("channels (default: all 62 SEED channels)")
    which = c.add_mutually_exclusive_group()
    which.add_argument(
        "--channels",
        default=None,
        metavar="LIST",
        help="train on these channels only, e.g. AF3,F7,F3,FC5 (10-20/10-10 names)",
    )
    which.add_argument(
        "--channels-from",
        default=None,
        metavar="SOURCE",
        help="train on the channels of a headset preset (emotiv-epoc, openbci-16, "
        "10-20-19, seed-62), an EEG file or a live LSL stream's name",
    )
    c.add_argument(
        "--compare-full",
        action="store_true",
        help="with a channel subset: also fit the network and the baseline on all "
        "62 channels on the same splits and report both",
    )
    g = p.add_argument_group("features (defaults: what the live path runs)")
    g.add_argument("--window", type=float, default=4.0, help="DE window in seconds")
    g.add_argument(
        "--hop", type=float, default=1.0, help="step between windows in seconds"
    )
    g.add_argument(
        "--smoothing",
        default="kalman",
        choices=("kalman", "none"),
        help="causal Kalman smoothing of each feature",
    )
    g.add_argument(
        "--compat",
        default=None,
        choices=("seed-vii",),
        help="reproduce the official SEED-VII extractor's quirks",
    )
    g.add_argument("--seq-len", type=int, default=60, help="steps per sequence")
    t = p.add_argument_group("recipe (defaults: the paper's)")
    t.add_argument("--epochs", type=int, default=100, help="maximum epochs")
    t.add_argument("--batch-size", type=int, default=32, help="batch size")
    t.add_argument("--lr", type=float, default=5e-5, help="AdamW learning rate")
    t.add_argument(
        "--weight-decay", type=float, default=1e-4, help="AdamW weight decay"
    )
    t.add_argument(
        "--label-smoothing", type=float, default=0.1, help="cross-entropy smoothing"
    )
    t.add_argument(
        "--patience",
        type=int,
        default=10,
        help="early stopping: epochs without validation-loss improvement",
    )
    t.add_argument(
        "--select-on",
        default="accuracy",
        choices=("accuracy", "loss"),
        help="validation figure that picks the kept epoch and drives early stopping "
        "(accuracy: ties go to the lower loss)",
    )
    t.add_argument(
        "--plateau-patience",
        type=int,
        default=5,
        help="ReduceLROnPlateau patience (epochs)",
    )
    t.add_argument("--base-width", type=int, default=16, help="ResNet base width w")
    t.add_argument("--dropout", type=float, default=0.5, help="dropout probability")
    t.add_argument(
        "--seed", type=int, default=42, help="seed of every RNG and the first split"
    )
    t.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where to train (auto: CUDA when present)",
    )
    o = p.add_argument_group("output")
    o.add_argument(
        "--name",
        default=None,
        help="model and run name (default DATASET-ARCH-PROTOCOL)",
    )
    o.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report folder (default runs/NAME-TIMESTAMP)",
    )
    o.add_argument(
        "--models-dir",
        type=Path,
        default=None,
        help="where the model goes (default $EEGSTREAM_MODELS or the repo's models/)",
    )
    o.add_argument(
        "--no-save", action="store_true", help="write the report only, no model"
    )
    o.add_argument(
        "--max-missing-channels",
        type=int,
        default=6,
        help="channels the live path may interpolate with this model",
    )
    o.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="feature cache folder (default $EEGSTREAM_CACHE or ~/.cache/eegstream)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream train``."""
    from ..features import FeatureConfig
    from ..headsets import resolve_channel_option
    from ..training.loop import TrainConfig
    from ..training.run import RunOptions, parse_subjects, run_training

    cfg = FeatureConfig(
        window_s=args.window,
        hop_s=args.hop,
        smoothing=args.smoothing,
        compat=args.compat,
        seq_len=args.seq_len,
    )
    train = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        weight_decay=args.weight_decay,
        label_smoothing=args.label_smoothing,
        early_stopping=args.patience,
        select_on=args.select_on,
        plateau_patience=args.plateau_patience,
        base_width=args.base_width,
        dropout=args.dropout,
        seed=args.seed,
        device=args.device,
    )
    choice = resolve_channel_option(args.channels, args.channels_from)
    if choice is not None:
        print(choice.describe())
    opts = RunOptions(
        dataset=args.dataset,
        root=args.root,
        protocol=args.protocol,
        repeats=args.repeats,
        features=args.features,
        official_kind=args.official_kind,
        normaliser=args.normaliser,
        prior_steps=args.prior_steps,
        control=args.control,
        arch=args.arch,
        feature_config=cfg,
        train=train,
        name=args.name,
        out=args.out,
        models_dir=args.models_dir,
        save_model=not args.no_save,
        cache_dir=args.cache_dir,
        max_missing_channels=args.max_missing_channels,
        subjects=parse_subjects(args.subjects),
        channels=choice.channels if choice is not None else None,
        compare_full=args.compare_full,
    )
    result = run_training(opts)
    s = result.metrics["summary"]
    synthetic = " [SYNTHETIC DATA]" if result.metrics["dataset"]["synthetic"] else ""
    print(
        f"{result.metrics['name']}{synthetic}: test accuracy "
        f"{s['test_accuracy']['mean']:.1%} ± {s['test_accuracy']['sd']:.1%}, macro-F1 "
        f"{s['test_macro_f1']['mean']:.1%} over {s['test_accuracy']['n']} split(s) "
        f"(chance {s['chance']:.1%})"
    )
    if "minus_baseline" in s:
        b, d = s["baseline_test_accuracy"], s["minus_baseline"]
        print(
            f"baseline (logistic regression, same splits): {b['mean']:.1%} ± "
            f"{b['sd']:.1%}; difference {d['mean']:+.1%} ± {d['sd']:.1%}"
        )
    if "minus_full" in s:
        f, d = s["full_test_accuracy"], s["minus_full"]
        print(
            f"all 62 channels (same splits): {f['mean']:.1%} ± {f['sd']:.1%}; "
            f"subset minus full {d['mean']:+.1%} ± {d['sd']:.1%}"
        )
    print(f"report: {result.out_dir / 'report.md'}")
    if result.model_path:
        print(
            f"model:  {result.model_path} (card {result.model_path.with_suffix('.md')})"
        )
    return 0
