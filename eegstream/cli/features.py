"""``eegstream features``: DE features of an EEG file or a whole SEED dataset."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from .._options import Option, add_options, values_from_args
from ..datasets.options import CACHE_DIR, DROP_ARTIFACTS, ROOT, dataset_option
from ..datasets.tables import DATASETS
from ..features.options import FEATURE_OPTIONS

#: ``train``'s default ``--max-missing-channels``: more bad channels is unreliable.
_MAX_MISSING = 6

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
            replace(
                DROP_ARTIFACTS,
                help="with --dataset: also judge every window with the live "
                "signal checks, keep the flags beside the cached features and "
                "count the windows flagged per class and subject (what train "
                "--drop-artifacts leaves out with the default "
                f"--max-missing-channels {_MAX_MISSING})",
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
    if args.root is not None or args.cache_dir is not None or args.drop_artifacts:
        raise EEGStreamError(
            "--root, --cache-dir and --drop-artifacts go with --dataset, not with "
            "--file"
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
    if args.drop_artifacts:
        _count_flagged(dataset, cfg, args.cache_dir)
    return 0


def _count_flagged(dataset, cfg, cache_dir) -> None:
    """Judge every window, cache the flags, print what train would leave out."""
    from ..datasets.cache import dataset_quality
    from ..quality import QualitySettings
    from ..training.data import drop_flagged, load_trial_steps

    trials, _ = load_trial_steps(dataset, cfg, cache_dir=cache_dir, progress=False)
    quality = dataset_quality(dataset, cfg, QualitySettings(), cache_dir)
    flagged = {k: q.flagged(_MAX_MISSING) for k, q in quality.items()}
    _, counts = drop_flagged(trials, flagged, dataset.classes)
    print(
        f"--drop-artifacts: {counts['dropped']} of {counts['windows']} windows "
        f"flagged (artifacts, or more than {_MAX_MISSING} bad channels); per "
        "subject, flagged/windows:"
    )
    classes = list(counts["by_class"])
    print("  subject | " + " | ".join(f"{c:>9}" for c in classes))
    rows = [*counts["by_subject"].items(), ("all", counts["by_class"])]
    for subject, per_class in rows:
        cells = [
            f"{per_class[c]['dropped']}/{per_class[c]['windows']}"
            if c in per_class
            else ""
            for c in classes
        ]
        print(f"  {subject:>7} | " + " | ".join(f"{c:>9}" for c in cells))
