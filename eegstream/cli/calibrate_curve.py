"""How much calibration is enough: accuracy against calibration minutes on a dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._options import Option
from ..calibration.options import METHODS
from ..datasets.options import (
    CACHE_DIR,
    RATED_OPTIONS,
    ROOT,
    SUBJECTS,
    dataset_option,
    rated_options,
)

HELP = (
    "simulate calibration on a dataset: accuracy against calibration "
    "minutes (PNG and table)"
)
DESCRIPTION = (
    "Leave one subject out: for each held-out subject, train the "
    "base model on the others (live recipe), calibrate it on the subject's "
    "first k labelled minutes (recording order) and test on the same later "
    "data for every k (everything after the largest k). Plots accuracy per "
    "window against k, with the cross-subject model at k = 0 and the base "
    "model with its normaliser warmed on the k minutes beside it. Each "
    "held-out subject costs one base model: --held-out limits them."
)


#: The options of ``eegstream calibrate-curve``.
OPTIONS: tuple[Option, ...] = (
    dataset_option(),
    ROOT,
    SUBJECTS,
    Option(
        "--held-out",
        "subjects held out in turn, e.g. 1-3 (default: every subject)",
        metavar="LIST",
        dest="held_out",
    ),
    Option(
        "--minutes",
        "calibration amounts k in minutes, comma-separated",
        default="1,2,4",
        metavar="LIST",
    ),
    Option(
        "--arch",
        "base model trained per held-out subject",
        default="logreg",
        choices=("logreg", "resattentionet"),
    ),
    Option(
        "--method",
        "adaptation method (default: logreg last-layer, resattentionet full)",
        choices=METHODS,
    ),
    Option(
        "--out",
        "folder for calibration_curve.png, .json and .md",
        type=Path,
        default=Path("calibration-curve"),
    ),
    CACHE_DIR,
    *RATED_OPTIONS,
)


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream calibrate-curve``."""
    from .._errors import EEGStreamError
    from ..calibration import calibration_curve
    from ._options import subjects_arg

    try:
        minutes = [float(k) for k in args.minutes.split(",") if k.strip()]
    except ValueError:
        raise EEGStreamError(
            f"{{minutes}} must be numbers of minutes such as 1,2,4; got "
            f"{args.minutes!r}",
            param="minutes",
        ) from None
    held = subjects_arg(args.held_out)
    result = calibration_curve(
        args.dataset,
        args.root,
        minutes=minutes,
        subjects=subjects_arg(args.subjects),
        held_out=held,
        arch=args.arch,
        method=args.method,
        cache_dir=args.cache_dir,
        out=args.out,
        options=rated_options(args),
    )
    print("\n".join(result.lines()))
    print(f"written: {args.out / 'calibration_curve.png'} (.json, .md)")
    return 0
