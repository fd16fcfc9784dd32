"""``eegstream synth``: write a synthetic SEED-family dataset (NOT real EEG)."""

from __future__ import annotations

import argparse

from ..datasets.options import SYNTH_OPTIONS as OPTIONS

HELP = "write synthetic data in an official SEED-family layout (not real EEG)"
DESCRIPTION = (
    "Write simulated EEG (1/f background, occipital alpha, blinks, a "
    "planted emotion effect of documented size) in exactly the folder and file "
    "layout of SEED, SEED-IV, SEED-V or SEED-VII, with official-style feature "
    "files. For tests and demos: it is NOT real data, and nothing measured on "
    "it says anything about real emotion recognition. DEAP, DREAMER, AMIGOS "
    "and FACED: their own files, channels and rate, one session per subject, "
    "drawn ratings that the planted effect scales with (DEAP's 63 s trials are "
    "fixed: no --trial-seconds)."
)


def run(args: argparse.Namespace) -> int:
    """Generate the dataset; return the exit status."""
    from ..datasets import open_dataset
    from ..datasets.synth import generate
    from ._options import option_kwargs

    values = option_kwargs(args, OPTIONS)
    raw = not values.pop("no_raw")
    out = generate(**values, raw=raw, progress=True)
    print(open_dataset(args.dataset, out).describe())
    return 0
