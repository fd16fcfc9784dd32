"""``eegstream synth``: write a synthetic SEED-family dataset (NOT real EEG)."""

from __future__ import annotations

import argparse

from .._options import SYNTH_OPTIONS, add_options


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
    add_options(parser, SYNTH_OPTIONS)
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
