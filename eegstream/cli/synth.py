"""``eegstream synth``: write a synthetic SEED-family dataset (NOT real EEG)."""

from __future__ import annotations

import argparse
from pathlib import Path

_DATASETS = ("seed", "seed-iv", "seed-v", "seed-vii")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``synth`` subcommand."""
    parser = subparsers.add_parser(
        "synth",
        help="write synthetic data in an official SEED-family layout (not real EEG)",
        description="Write simulated EEG (1/f background, occipital alpha, blinks, a "
        "planted emotion effect of documented size) in exactly the folder and file "
        "layout of SEED, SEED-IV, SEED-V or SEED-VII, with official-style feature "
        "files. For tests and demos: it is NOT real data, and nothing measured on "
        "it says anything about real emotion recognition.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--dataset", required=True, choices=_DATASETS, help="layout to imitate"
    )
    parser.add_argument(
        "--out", required=True, type=Path, help="dataset folder to create"
    )
    parser.add_argument(
        "--subjects",
        type=int,
        default=None,
        help="write subjects 1..N; None: all of the release (15, 15, 16 or 20)",
    )
    parser.add_argument(
        "--sessions",
        type=int,
        default=None,
        help="write sessions 1..K per subject; None: all (3, or 4 for SEED-VII)",
    )
    parser.add_argument(
        "--trial-seconds",
        type=int,
        default=None,
        help="length of every trial in seconds, >= 4; None: the official lengths "
        "(gigabytes for a full release)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument(
        "--no-raw",
        action="store_true",
        help="SEED-V: write only EEG_DE_features, not the raw 1000 Hz .cnt files "
        "(about 0.26 MB per recorded second each)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Generate the dataset; return the exit status."""
    from ..datasets import open_dataset
    from ..datasets.synth import generate

    out = generate(
        args.dataset,
        args.out,
        subjects=args.subjects,
        sessions=args.sessions,
        trial_seconds=args.trial_seconds,
        seed=args.seed,
        raw=not args.no_raw,
        progress=True,
    )
    print(open_dataset(args.dataset, out).describe())
    return 0
