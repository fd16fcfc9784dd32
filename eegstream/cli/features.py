"""``eegstream features``: DE features of an EEG file or a whole SEED dataset."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from .._options import FEATURE_OPTIONS, Option, add_options, values_from_args
from ..datasets.options import CACHE_DIR, ROOT, dataset_option
from ..datasets.tables import DATASETS

HELP = "compute DE features of an EEG file (or of a SEED dataset, cached)"
DESCRIPTION = (
    "Compute differential-entropy (DE) features, 5 bands x 62 SEED "
    "channels per window, with the same code the live path uses. --file: any EEG "
    "file MNE reads (EDF, BDF, FIF, BrainVision .vhdr, EEGLAB .set, Neuroscan "
    ".cnt) or an XDF recording (its EEG stream; the markers of every marker "
    "stream are written beside the windows), mapped to the SEED channel order, "
    "resampled to 200 Hz, in µV, written to an .npz. --dataset: every trial of "
    "a SEED-family dataset, cached per setting. The EEG is first high-passed "
    "and notched at the line frequency (causal filters, as the live path does; "
    "see the conditioning options)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream features``."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", type=Path, help="EEG file to read")
    dataset_option(
        required=False,
        choices=DATASETS,
        help="SEED-family dataset to extract, every trial",
    ).add_to(source)
    add_options(
        parser,
        [
            replace(
                ROOT, required=False, help="folder of the dataset (with --dataset)"
            ),
            replace(CACHE_DIR, help=f"{CACHE_DIR.help}; with --dataset"),
            Option("--out", "output .npz (with --file; written atomically)", type=Path),
            Option(
                "--stream-name",
                "with an .xdf --file: the EEG stream; default: the one of type EEG",
                metavar="NAME",
            ),
            *FEATURE_OPTIONS,
        ],
    )


def run(args: argparse.Namespace) -> int:
    """Extract features as the arguments say; return the exit status."""
    from .._errors import EEGStreamError
    from ..features import FeatureConfig

    cfg = FeatureConfig(**values_from_args(args, FEATURE_OPTIONS)["feature_config"])
    if args.dataset is not None:
        if args.root is None:
            raise EEGStreamError("--dataset needs --root, the folder of the dataset")
        if args.out is not None or args.stream_name is not None:
            raise EEGStreamError(
                "--out and --stream-name go with --file; --dataset writes to "
                "--cache-dir"
            )
        return _run_dataset(args, cfg)
    if args.root is not None or args.cache_dir is not None:
        raise EEGStreamError(
            "--root and --cache-dir go with --dataset, not with --file"
        )
    if args.out is None:
        raise EEGStreamError("--file needs --out, the .npz to write")
    if args.out.suffix != ".npz":  # checked before the (possibly long) extraction
        raise EEGStreamError(f"--out must end in .npz, got {args.out}")
    return _run_file(args.file, args.out, cfg, args.stream_name)


def _run_file(path: Path, out: Path, cfg, stream_name: str | None) -> int:
    from ..features.files import file_features
    from ..montage import SEED_CHANNELS

    feats = file_features(path, cfg, stream_name=stream_name)
    feats.save(out)
    missing, count = feats.missing, len(feats.de)
    mapped = len(SEED_CHANNELS) - len(missing)
    shown = missing if len(missing) <= 8 else [*missing[:6], "..."]
    note = f"; missing (NaN): {', '.join(shown)}" if missing else ""
    if feats.markers:
        note += f"; {len(feats.markers)} markers"
    print(
        f"{path.name}: {count} windows of {cfg.window_s:g} s every {cfg.hop_s:g} s, "
        f"{mapped}/{len(SEED_CHANNELS)} SEED channels{note} -> {out}"
    )
    return 0


def _run_dataset(args: argparse.Namespace, cfg) -> int:
    from ..datasets import open_dataset
    from ..datasets.cache import cache_folder, dataset_features

    dataset = open_dataset(args.dataset, args.root)
    features = dataset_features(dataset, cfg, args.cache_dir, progress=True)
    windows = sum(len(f) for f in features.values())
    print(
        f"{dataset.name}: features of {len(features)} trials ({windows} windows) in "
        f"{cache_folder(dataset, cfg, args.cache_dir)}"
    )
    return 0
