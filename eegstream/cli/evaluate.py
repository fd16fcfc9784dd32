"""Evaluate a saved model on a dataset, offline per trial or streamed like live."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from .._options import Option
from ..datasets.options import (
    CACHE_DIR,
    RATED_OPTIONS,
    RECORDINGS_OPTIONS,
    ROOT,
    SUBJECTS,
    dataset_option,
)
from ..model.options import MODEL, device_option
from ..training.config import DEFAULT_REST_S, STREAMING_MODES

HELP = "trial-level accuracy of a saved model; --streaming runs the live path"
DESCRIPTION = (
    "Score a saved model on a dataset's trials. Offline: one "
    "sequence per trial, normalised as in training. --streaming runs the EEG "
    "through the live chain in 10-sample chunks at full speed. "
    "--streaming trial (also plain --streaming, as before): each trial a new "
    "recording, reset at its start; accuracy against time into the trial. "
    "--streaming session: each session one continuous recording in recording "
    "order, with --rest seconds of the replay's rest between clips and no "
    "reset after its start (a new wearer); accuracy by seconds since clip "
    "onset, steady-state accuracy (60 s into a clip to its end), median time "
    "to the first right prediction that stays right, and the offline trial "
    "accuracy beside it. Every figure names its mode. --recordings scores your "
    "own files (each a session), labelled through --label-map."
)


#: The options of ``eegstream evaluate``.
OPTIONS: tuple[Option, ...] = (
    MODEL,
    dataset_option(required=False),
    replace(ROOT, required=False),
    *(replace(o, help=f"{o.help}; default: the model's") for o in RATED_OPTIONS),
    *RECORDINGS_OPTIONS,
    replace(
        SUBJECTS,
        help="subjects to evaluate, e.g. 13,14 or 1-3; None: all (use the "
        "model's held-out subjects for an unbiased figure)",
    ),
    Option(
        "--streaming",
        "stream the EEG through the live chain: 'trial' resets at every "
        "trial, 'session' plays each session as one recording; no value: "
        "trial (the meaning of --streaming before modes existed)",
        choices=STREAMING_MODES,
        nargs="?",
        const="trial",
        metavar="{trial,session}",
    ),
    Option(
        "--rest",
        "--streaming session: seconds of rest between clips (the replay's: "
        "the previous clip played backwards)",
        type=float,
        default=DEFAULT_REST_S,
        metavar="SECONDS",
        dest="rest_s",
    ),
    Option("--chunk", "--streaming: samples per chunk", type=int, default=10),
    Option(
        "--asr",
        "artifact subspace reconstruction on or off (--no-asr) whatever the "
        "model was trained with; default: as it was (docs/asr.md)",
        action=argparse.BooleanOptionalAction,
    ),
    device_option("where the model runs (auto: CUDA when present)"),
    Option(
        "--out",
        "folder for evaluation.json (and accuracy_vs_time.png when streaming)",
        type=Path,
    ),
    CACHE_DIR,
)


def _reader_options(args: argparse.Namespace, ckpt) -> dict:
    """Return the rated reader's options: those given, else the model's labels."""
    from ..datasets.options import rated_options

    given = rated_options(args)
    target = ckpt.meta.dataset.target
    if target is None or args.dataset != ckpt.meta.dataset.name:
        return given
    keys = ("target", "threshold", "baseline", "eeg")
    trained = {k: target[k] for k in keys if k in target}
    return {**{k: v for k, v in trained.items() if v is not None}, **given}


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream evaluate``."""
    from .._checks import check_number
    from ..datasets import open_data
    from ..evaluation import (
        OfflineEvaluation,
        SessionEvaluation,
        StreamingEvaluation,
        evaluate_offline,
        evaluate_session,
        evaluate_streaming,
        save_evaluation,
        seen_subjects,
    )
    from ..model import load_checkpoint, resolve_model
    from ..training.run import is_synthetic
    from ._options import classes_arg, subjects_arg

    check_number(args.chunk, "chunk", unit="samples", min=1, integer=True)
    check_number(args.rest_s, "rest_s", unit="s", min=0)
    ckpt = load_checkpoint(resolve_model(args.model))
    dataset = open_data(
        args.dataset,
        args.root,
        recordings=args.recordings,
        label_map=args.label_map,
        # Label ids must be the model's: its classes unless named otherwise.
        classes=classes_arg(args.classes) or ckpt.classes,
        subject_pattern=args.subject_pattern,
        markers=args.markers,
        options=_reader_options(args, ckpt),
    )
    subjects = subjects_arg(args.subjects)
    tag = " [SYNTHETIC DATA]" if is_synthetic(dataset) else ""
    result: StreamingEvaluation | SessionEvaluation | OfflineEvaluation
    if args.streaming == "session":
        result = evaluate_session(
            ckpt,
            dataset,
            subjects,
            rest_s=args.rest_s,
            chunk=args.chunk,
            device=args.device,
            cache_dir=args.cache_dir,
            asr=args.asr,
        )
        print(f"{ckpt.name} on {dataset.name}{tag}, " + _session_lines(result))
    elif args.streaming == "trial":
        result = evaluate_streaming(
            ckpt, dataset, subjects, args.chunk, args.device, asr=args.asr
        )
        print(f"{ckpt.name} on {dataset.name}{tag}, " + _trial_lines(result))
    else:
        result = evaluate_offline(
            ckpt, dataset, subjects, args.cache_dir, args.device, asr=args.asr
        )
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
    if args.streaming and ckpt.meta.normaliser.mode == "subject":
        print(
            "note: trained with per-subject z-scoring (needs the whole session); "
            "streaming uses the live running normaliser instead, as live use does"
        )
    if args.out:
        save_evaluation(args.out, ckpt, dataset, result)
        print(f"written: {args.out}")
    return 0


def _trial_lines(result) -> str:
    """Console text of a ``--streaming trial`` result."""
    lines = [
        f"--streaming trial (each trial a new recording), {result.chunk_samples}-"
        f"sample chunks ({result.n_trials} trials, {result.device}):"
    ]
    curve = zip(result.time_s, result.accuracy, result.n_trials_at_step, strict=True)
    for t, a, n in curve:
        if round(t) % 10 == 0 or t == result.time_s[-1]:
            lines.append(f"  {t:6.0f} s into trial: accuracy {a:6.1%} ({n} trials)")
    settle = result.median_settle_s
    lines.append(
        f"[trial mode] accuracy at warm-up end {result.warm_accuracy:.1%}, at trial "
        f"end {result.final_accuracy:.1%}; settled on the right class in "
        f"{result.settled_fraction:.0%} of trials"
        + (f", median {settle:.0f} s into the trial" if settle is not None else "")
    )
    lines += _quality_lines(result.quality, "trial", "steps")
    return "\n".join(lines)


def _quality_lines(quality, mode: str, what: str) -> list[str]:
    """Return the clean-vs-flagged table: steps the checks call clean, the others."""
    if quality is None:
        return []

    def rate(value: float | None) -> str:
        return "     n/a" if value is None else f"{value:8.1%}"

    return [
        f"[{mode} mode] by signal quality ({what}; flagged: an artifact in the "
        "window or more bad channels than the model allows):",
        "  steps   | accuracy | count",
        f"  clean   | {rate(quality.clean_accuracy)} | {quality.n_clean:5d}",
        f"  flagged | {rate(quality.flagged_accuracy)} | {quality.n_flagged:5d}",
    ]


def _session_lines(result) -> str:
    """Console text of a ``--streaming session`` result: the table and summary."""
    lines = [
        f"--streaming session (each session one recording, {result.rest_s:g} s rests, "
        f"no reset), {result.chunk_samples}-sample chunks ({result.n_sessions} "
        f"sessions, {result.n_trials} clips, {result.n_steps} steps of which "
        f"{result.n_rest_steps} in rests, unlabelled; {result.device}):",
        "  seconds since clip onset | accuracy | steps",
    ]
    curve = zip(result.time_s, result.accuracy, result.n_steps_at, strict=True)
    for t, a, n in curve:
        if t <= 10 or round(t) % 10 == 0 or t == result.time_s[-1]:
            lines.append(f"  {t:24.0f} | {a:8.1%} | {n:5d}")
    steady, onset = result.steady_accuracy, result.onset_accuracy
    settle = result.median_settle_s
    lines.append(
        f"[session mode] live accuracy {result.live_accuracy:.1%} over all clip steps; "
        f"onset (first {result.steady_from_s:g} s of a clip) "
        + (f"{onset:.1%}" if onset is not None else "n/a")
        + f"; steady state ({result.steady_from_s:g} s into a clip to its end) "
        + (f"{steady:.1%}" if steady is not None else "n/a (no clip that long)")
        + f"; {result.settled_fraction:.0%} of clips settle on the right class"
        + (f", median {settle:.0f} s after onset" if settle is not None else "")
    )
    lines += _quality_lines(result.quality, "session", "labelled clip steps")
    if result.offline_accuracy is not None and result.gap is not None:
        lines.append(
            f"[session mode] offline trial accuracy {result.offline_accuracy:.1%} "
            f"on the same trials: offline-vs-live gap {result.gap:+.1%} "
            "(offline minus live)"
        )
    return "\n".join(lines)
