"""``eegstream features``: DE features of an EEG file or a whole SEED dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..datasets import DATASETS
from ._conditioning_options import add_conditioning_options, conditioning_from_args

# Windows per progress-bar step when extracting from one file.
_WINDOWS_PER_BLOCK = 256


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``features`` subcommand."""
    parser = subparsers.add_parser(
        "features",
        help="compute DE features of an EEG file (or of a SEED dataset, cached)",
        description="Compute differential-entropy (DE) features, 5 bands x 62 SEED "
        "channels per window, with the same code the live path uses. --file: any EEG "
        "file MNE reads (EDF, BDF, FIF, BrainVision .vhdr, EEGLAB .set, Neuroscan "
        ".cnt), mapped to the SEED channel order, resampled to 200 Hz, in µV, written "
        "to an .npz. --dataset: every trial of a SEED-family dataset, cached per "
        "setting. The EEG is first high-passed and notched at the line frequency "
        "(causal filters, as the live path does; see the conditioning options).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", type=Path, help="EEG file to read")
    source.add_argument(
        "--dataset",
        choices=DATASETS,
        help="SEED-family dataset to extract, every trial",
    )
    parser.add_argument(
        "--root", type=Path, help="folder of the dataset (with --dataset)"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="cache root for per-trial features (with --dataset); None means "
        "$EEGSTREAM_CACHE or ~/.cache/eegstream",
    )
    parser.add_argument(
        "--out", type=Path, help="output .npz (with --file; written atomically)"
    )
    parser.add_argument(
        "--window", type=float, default=4.0, help="analysis window length in seconds"
    )
    parser.add_argument(
        "--hop", type=float, default=1.0, help="step between windows in seconds"
    )
    parser.add_argument(
        "--compat",
        choices=["seed-vii"],
        default=None,
        help="reproduce the official SEED-VII extractor (256-point FFT of each "
        "window's first 1.28 s, gamma 31-49 Hz) instead of the standard DE",
    )
    parser.add_argument(
        "--smoothing",
        choices=["kalman", "none"],
        default="kalman",
        help="causal Kalman smoothing of each feature over windows, or none",
    )
    add_conditioning_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Extract features as the arguments say; return the exit status."""
    from .._errors import EEGStreamError
    from ..features import FeatureConfig

    cfg = FeatureConfig(
        window_s=args.window,
        hop_s=args.hop,
        compat=args.compat,
        smoothing=args.smoothing,
        conditioning=conditioning_from_args(args),
    )
    if args.dataset is not None:
        if args.root is None:
            raise EEGStreamError("--dataset needs --root, the folder of the dataset")
        if args.out is not None:
            raise EEGStreamError("--out goes with --file; --dataset writes to --cache")
        return _run_dataset(args, cfg)
    if args.root is not None or args.cache is not None:
        raise EEGStreamError("--root and --cache go with --dataset, not with --file")
    if args.out is None:
        raise EEGStreamError("--file needs --out, the .npz to write")
    if args.out.suffix != ".npz":
        raise EEGStreamError(f"--out must end in .npz, got {args.out}")
    return _run_file(args.file, args.out, cfg)


def _run_file(path: Path, out: Path, cfg) -> int:
    import numpy as np
    from tqdm import tqdm

    from .._errors import EEGStreamError
    from .._io import atomic_path
    from ..features import (
        CausalKalman,
        compute_de,
        condition,
        n_windows,
        window_end_times,
    )
    from ..montage import SEED_CHANNELS
    from ..recording import load_recording

    rec = load_recording(path, sfreq=cfg.sfreq, seed_order=True)
    count = n_windows(rec.data.shape[1], cfg)
    if count == 0:
        raise EEGStreamError(
            f"{path.name} lasts {rec.duration_s:.2f} s, shorter than one "
            f"{cfg.window_s:g} s window"
        )
    eeg = condition(rec.data, cfg)  # as extract_features and the live chain do
    de = np.empty((count, len(SEED_CHANNELS), len(cfg.bands)), dtype=np.float32)
    kalman = CausalKalman(de.shape[1] * de.shape[2], cfg.kalman)
    with tqdm(
        total=count, unit="win", desc=path.name, disable=None, leave=False
    ) as bar:
        # Blocks of whole windows: compute_de numbers windows from the block's
        # first sample, so block rows equal the rows of one call on the file.
        for first in range(0, count, _WINDOWS_PER_BLOCK):
            stop = min(first + _WINDOWS_PER_BLOCK, count)
            segment = eeg[:, first * cfg.hop : (stop - 1) * cfg.hop + cfg.window]
            rows = compute_de(segment, cfg)
            if cfg.smoothing == "kalman":
                flat = rows.reshape(len(rows), -1)
                rows = kalman.filter(flat).reshape(rows.shape)
            de[first:stop] = rows
            bar.update(stop - first)
    with atomic_path(out) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                de=de,
                times=window_end_times(count, cfg),
                channels=np.array(SEED_CHANNELS),
                bands=np.array(cfg.bands),
                missing=np.array(rec.missing, dtype=str),
                config=np.array(cfg.to_json()),
            )
    mapped = len(SEED_CHANNELS) - len(rec.missing)
    shown = rec.missing if len(rec.missing) <= 8 else [*rec.missing[:6], "..."]
    note = f"; missing (NaN): {', '.join(shown)}" if rec.missing else ""
    print(
        f"{path.name}: {count} windows of {cfg.window_s:g} s every {cfg.hop_s:g} s, "
        f"{mapped}/{len(SEED_CHANNELS)} SEED channels{note} -> {out}"
    )
    return 0


def _run_dataset(args: argparse.Namespace, cfg) -> int:
    from ..datasets import open_dataset
    from ..datasets.cache import cache_folder, dataset_features

    dataset = open_dataset(args.dataset, args.root)
    features = dataset_features(dataset, cfg, args.cache, progress=True)
    windows = sum(len(f) for f in features.values())
    print(
        f"{dataset.name}: features of {len(features)} trials ({windows} windows) in "
        f"{cache_folder(dataset, cfg, args.cache)}"
    )
    return 0
