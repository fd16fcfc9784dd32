"""Calibrate a model for one wearer from their labelled calibration recordings."""

from __future__ import annotations

import argparse

from .._options import Option, command_line
from ..calibration.options import CALIBRATE_OPTIONS
from ..datasets.options import CACHE_DIR

HELP = (
    "a personal model from a few minutes of the wearer's labelled EEG, "
    "measured against the base model"
)
DESCRIPTION = (
    "Adapt a cross-subject model to the person wearing the "
    "headset: the wearer's labelled calibration recordings (markers through "
    "--label-map give labelled segments) give their normaliser statistics and "
    "an adapted model. Blocked cross-validation over whole segments reports, "
    "on the same held-out segments, the base model's and the personal model's "
    "accuracy per window; the gain (personal minus base, per segment, with a "
    "95% confidence interval) is tested by relabelling whole segments within "
    "folds and repeating the fit (--permutations), the segment being the unit. "
    "The personal model is written to models/NAME.safetensors with its card "
    "only when p <= --alpha (or with --force); exit status 1 when it is not, "
    "or when the segments are too few for any p to reach --alpha (the run "
    "says how many more of each class would). --wearer NAME also saves the "
    "wearer's statistics and model in the wearer store ($EEGSTREAM_WEARERS or "
    "~/.eegstream/wearers) for "
    "`eegstream live --wearer NAME`. The base model is never modified."
)


#: The options of ``eegstream calibrate``.
OPTIONS: tuple[Option, ...] = (*CALIBRATE_OPTIONS, CACHE_DIR)


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream calibrate``."""
    from ..calibration import AdaptSettings, calibrate

    result = calibrate(
        args.model,
        args.recording,
        args.label_map,
        out=args.out,
        wearer=args.wearer,
        force=args.force,
        method=args.method,
        settings=AdaptSettings(epochs=args.epochs, seed=args.seed),
        folds=args.folds,
        alpha=args.alpha,
        permutations=args.permutations,
        markers=args.markers,
        models_folder=args.models_dir,
        cache_dir=args.cache_dir,
        command=command_line(["eegstream", "calibrate"], CALIBRATE_OPTIONS, args),
    )
    est = result.estimate
    for line in result.labelled_by:
        print(f"labelled: {line}")
    print(
        f"wearer {result.wearer}: {result.minutes:.1f} min of labelled EEG, classes "
        f"{', '.join(result.classes)}; method {result.method}"
    )
    print("\n".join(est.lines()))
    print(f"verdict: {est.verdict()}")
    print(f"took {est.seconds:.1f} s (cross-validation and gain test)")
    if result.checkpoint is not None:
        note = "" if result.improves else " (--force: written although it does not)"
        print(f"model:  {result.checkpoint} (card {result.card}){note}")
    else:
        print(
            "not written: no gain at the test's level; keep using the base "
            "model, or give --force to write it anyway"
        )
    if result.wearer_dir is not None:
        saved = "statistics and model" if result.checkpoint else "statistics"
        print(f"wearer store: {result.wearer_dir} ({saved})")
    return 0 if result.checkpoint is not None else 1
