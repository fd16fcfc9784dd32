"""Train ResAttentioNet (or the logistic-regression baseline) on subject splits."""

from __future__ import annotations

import argparse

from .._options import Option
from ..training.options import TRAIN_OPTIONS

HELP = "train with the live or the paper's recipe; write a report and models/NAME"
DESCRIPTION = (
    "Train ResAttentioNet (or the logistic-regression baseline) on a "
    "SEED-family dataset with subject-disjoint splits, test on held-out subjects, "
    "write a report folder and save the best model with its card. --recipe "
    "live (default) trains for a live wearer, --recipe paper reproduces the "
    "paper's annex; any recipe setting can be overridden by its own flag, and "
    "the report lists every setting where the run departs from the paper. With "
    "--recordings (your own files, e.g. XDF from --record) each file is a "
    "session and its markers, through --label-map, give the labelled "
    "segments; data of one subject is split within-subject."
)


#: The options of ``eegstream train`` (``eegstream sweep`` parses cells with them).
OPTIONS: tuple[Option, ...] = TRAIN_OPTIONS


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream train``."""
    from ..training.run import run_training
    from ._options import run_options

    opts = run_options(args)
    cross = None
    if opts.test_dataset is not None or opts.test_root is not None:
        from ..evaluation.cross import prepare_cross

        cross = prepare_cross(opts, str(opts.test_dataset), opts.test_root)
    result = run_training(opts)
    s = result.metrics.summary
    synthetic = " [SYNTHETIC DATA]" if result.metrics.dataset.synthetic else ""
    print(
        f"{result.metrics.name}{synthetic}: test accuracy "
        f"{s['test_accuracy']['mean']:.1%} ± {s['test_accuracy']['sd']:.1%}, macro-F1 "
        f"{s['test_macro_f1']['mean']:.1%} over {s['test_accuracy']['n']} split(s) "
        f"(chance {s['chance']:.1%})"
    )
    if "test_crop_accuracy" in s:
        c = s["test_crop_accuracy"]
        print(
            f"per crop (each sequence live could show): {c['mean']:.1%} ± {c['sd']:.1%}"
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
    if result.metrics.artifacts is not None:
        a = result.metrics.artifacts
        per_class = ", ".join(
            f"{name} {c['dropped']}/{c['windows']}" for name, c in a["by_class"].items()
        )
        print(
            f"--drop-artifacts: left out {a['dropped']} of {a['windows']} windows "
            f"({per_class}; per subject in the report)"
        )
    for k, v in result.metrics.overrides.items():
        print(
            f"override of recipe {opts.recipe}: {k} = {v['run']} "
            f"(recipe: {v['recipe']})"
        )
    if cross is not None and result.model_path is not None:
        from ..evaluation.cross import write_cross

        scored = cross.evaluate(result.model_path, opts.cache_dir, opts.train.device)
        tag = " [SYNTHETIC DATA]" if cross.dataset.synthetic else ""
        write_cross(result.out_dir, cross, scored, s)
        print(
            f"cross-dataset: the saved model on {cross.dataset.name}{tag} (all "
            f"{len(cross.dataset.subjects)} subjects, {scored.n} trials, "
            f"{len(cross.channels)} shared channels): accuracy {scored.accuracy:.1%}, "
            f"macro-F1 {scored.macro_f1:.1%}; within {result.metrics.dataset.name} "
            f"({opts.protocol}): {s['test_accuracy']['mean']:.1%} "
            f"(chance {s['chance']:.1%}) -> {result.out_dir / 'cross_dataset.json'}"
        )
    print(f"report: {result.out_dir / 'report.md'}")
    if result.model_path:
        print(
            f"model:  {result.model_path} (card {result.model_path.with_suffix('.md')})"
        )
    return 0
