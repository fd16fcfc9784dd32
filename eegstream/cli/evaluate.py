"""Evaluate a saved model on a dataset, offline per trial or streamed like live."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from .._options import (
    CACHE_DIR,
    ROOT,
    SUBJECTS,
    Option,
    add_options,
    dataset_option,
    device_option,
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``eegstream evaluate``."""
    p = subparsers.add_parser(
        "evaluate",
        help="trial-level accuracy of a saved model; --streaming runs the live path",
        description="Score a saved model on a dataset's trials. Offline: one "
        "sequence per trial, normalised as in training. --streaming: each subject's "
        "EEG runs through the live feature path in 10-sample chunks at full speed, "
        "giving accuracy against time into the trial and the time until the "
        "prediction settles on the right class.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--model", required=True, help="model name in models/ or checkpoint path"
    )
    add_options(
        p,
        [
            dataset_option(),
            ROOT,
            replace(
                SUBJECTS,
                help="subjects to evaluate, e.g. 13,14 or 1-3; None: all (use the "
                "model's held-out subjects for an unbiased figure)",
            ),
            Option(
                "--streaming",
                "stream the EEG through the live path (StreamingClassifier)",
                action="store_true",
            ),
            Option("--chunk", "--streaming: samples per chunk", type=int, default=10),
            device_option("where the model runs (auto: CUDA when present)"),
            Option(
                "--out",
                "folder for evaluation.json (and accuracy_vs_time.png when streaming)",
                type=Path,
            ),
            CACHE_DIR,
        ],
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream evaluate``."""
    from .._checks import check_number
    from ..datasets import open_dataset
    from ..model import load_checkpoint, resolve_model
    from ..training.evaluate import (
        OfflineEvaluation,
        StreamingEvaluation,
        evaluate_offline,
        evaluate_streaming,
        save_evaluation,
        seen_subjects,
    )
    from ..training.run import is_synthetic
    from ._options import subjects_arg

    check_number(args.chunk, "chunk", unit="samples", min=1, integer=True)
    ckpt = load_checkpoint(resolve_model(args.model))
    dataset = open_dataset(args.dataset, args.root)
    subjects = subjects_arg(args.subjects)
    tag = " [SYNTHETIC DATA]" if is_synthetic(dataset) else ""
    result: StreamingEvaluation | OfflineEvaluation
    if args.streaming:
        result = evaluate_streaming(ckpt, dataset, subjects, args.chunk, args.device)
        print(
            f"{ckpt.name} on {dataset.name}{tag}, streamed in {args.chunk}-sample "
            "chunks "
            f"({result.n_trials} trials, {result.device}):"
        )
        curve = zip(
            result.time_s,
            result.accuracy,
            result.n_trials_at_step,
            strict=True,
        )
        for t, a, n in curve:
            if round(t) % 10 == 0 or t == result.time_s[-1]:
                print(f"  {t:6.0f} s into trial: accuracy {a:6.1%} ({n} trials)")
        if ckpt.meta.normaliser.mode == "subject":
            print(
                "note: trained with per-subject z-scoring (needs the whole session); "
                "streaming uses the live running normaliser instead, as live use does"
            )
        settle = result.median_settle_s
        print(
            f"accuracy at warm-up end {result.warm_accuracy:.1%}, at trial end "
            f"{result.final_accuracy:.1%}; settled on the right class in "
            f"{result.settled_fraction:.0%} of trials"
            + (f", median {settle:.0f} s into the trial" if settle is not None else "")
        )
    else:
        result = evaluate_offline(ckpt, dataset, subjects, args.cache_dir, args.device)
        print(
            f"{ckpt.name} on {dataset.name}{tag}: trial accuracy "
            f"{result.accuracy:.1%}, "
            f"macro-F1 {result.macro_f1:.1%} over {result.n} trials "
            f"(chance {1 / len(ckpt.classes):.1%}; normaliser {result.normaliser})"
        )
        for s, acc in result.per_subject.items():
            print(f"  subject {s:2d}: {acc:.1%}")
    seen = seen_subjects(ckpt, subjects or dataset.subjects)
    if seen:
        print(
            f"note: subjects {seen} were used to train or select this model "
            f"(its test subjects: {list(ckpt.meta.metrics.test_subjects or ())}); "
            "their accuracy is not a fair estimate"
        )
    if args.out:
        save_evaluation(args.out, ckpt, dataset, result)
        print(f"written: {args.out}")
    return 0
