"""The options of the datasets: which release, where, which subjects, the cache.

Shared by ``train``, ``evaluate``, ``features``, ``calibrate-curve``,
``replay`` and ``synth`` (whose table also writes the command in a synthetic
release's marker file); torch- and scipy-free, so the parser reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._options import Option
from .rated_tables import BASELINES, RATED_DATASETS, TARGETS
from .tables import DATASETS


def dataset_option(**overrides: Any) -> Option:
    """``--dataset``, one of the SEED family.

    Without ``choices`` (the default) a bad name reaches the library, whose
    one-line error lists the known ones; ``choices=DATASETS`` has argparse
    refuse it.
    """
    kwargs: dict[str, Any] = {
        "help": "dataset layout: " + ", ".join(DATASETS + RATED_DATASETS),
        "attr": "dataset",
        "required": True,
    }
    return Option("--dataset", **{**kwargs, **overrides})


ROOT = Option(
    "--root",
    "folder of the dataset release",
    attr="root",
    type=Path,
    required=True,
)
SUBJECTS = Option(
    "--subjects",
    "use only these subjects, e.g. 1,2,5-9",
    attr="subjects",
    metavar="LIST",
)
CACHE_DIR = Option(
    "--cache-dir",
    "feature cache folder (default $EEGSTREAM_CACHE or ~/.cache/eegstream)",
    type=Path,
    aliases=("--cache",),
)
DROP_ARTIFACTS = Option(
    "--drop-artifacts",
    "leave out the windows the live signal checks flag (a muscle, movement or "
    "eye artifact in the window, or more bad channels than "
    "--max-missing-channels): each trial keeps its clean windows in order and "
    "its sequence or crops are cut from those, in training, validation and "
    "test alike; the report counts the windows left out per class and subject",
    attr="drop_artifacts",
    action="store_true",
)

_RATED = "rated datasets (DEAP, DREAMER, AMIGOS, FACED)"
#: ``--target``, ``--threshold``, ``--baseline``: how a rated dataset's
#: ratings become labels (:func:`eegstream.datasets.targets.make_target`);
#: ``--eeg``: the preprocessed files or the raw recordings (DEAP, FACED, SEED,
#: SEED-VII).
RATED_OPTIONS: tuple[Option, ...] = (
    Option(
        "--target",
        "the labels: valence, arousal, dominance or liking (low/high at "
        "--threshold), quadrant (valence x arousal) or category (FACED's nine); "
        "default valence, FACED category",
        attr="target",
        choices=TARGETS,
        group=_RATED,
    ),
    Option(
        "--threshold",
        "rating at or above which a scale is high (default the middle: 5 on "
        "DEAP's and AMIGOS's 1-9, 3 on DREAMER's 1-5)",
        attr="threshold",
        type=float,
        group=_RATED,
    ),
    Option(
        "--baseline",
        "subtract: take the mean 1 s of the trial's baseline (DEAP's 3 s "
        "pre-trial, DREAMER's baseline recording) from every second of the "
        "clip; none (default): the clip as released",
        attr="baseline",
        choices=BASELINES,
        group=_RATED,
    ),
    Option(
        "--eeg",
        "DEAP, FACED, SEED, SEED-VII: read the preprocessed files or the raw "
        "recordings (default: the preprocessed where the release has them, else "
        "the raw)",
        attr="eeg",
        choices=("preprocessed", "raw"),
        group=_RATED,
    ),
)


def rated_options(args: Any) -> dict[str, Any]:
    """Return the reader options of ``RATED_OPTIONS`` given on ``args``."""
    names = ("target", "threshold", "baseline", "eeg")
    return {n: v for n in names if (v := getattr(args, n, None)) is not None}


_RECORDINGS = "your recordings (instead of --dataset and --root)"
#: ``--markers``: which marker streams of a recording label segments.
MARKERS = Option(
    "--markers",
    "marker stream that labels segments, by name (repeatable); default: the "
    "streams whose markers the label map's rules match (without a map: those "
    "with eegstream replay markers), the others ignored",
    attr="markers",
    action="append",
    metavar="NAME",
    group=_RECORDINGS,
)
#: ``--recordings`` and how their markers become labelled segments
#: (:func:`eegstream.datasets.open_data`).
RECORDINGS_OPTIONS: tuple[Option, ...] = (
    Option(
        "--recordings",
        "recording files or folders (.xdf, .edf, .fif, ...); each file is a session",
        attr="recordings",
        type=Path,
        nargs="+",
        metavar="PATH",
        group=_RECORDINGS,
    ),
    Option(
        "--label-map",
        "TOML rules turning marker strings into labelled segments (docs/markers.md)",
        attr="label_map",
        type=Path,
        metavar="FILE",
        group=_RECORDINGS,
    ),
    Option(
        "--classes",
        "class names in label-id order, e.g. happy,sad (default: those found, "
        "sorted; evaluate: the model's)",
        attr="classes",
        metavar="LIST",
        group=_RECORDINGS,
    ),
    MARKERS,
    Option(
        "--subject-pattern",
        "regular expression on file names giving the subject (group 'subject' or "
        "the first; optional group 'session') when they have no BIDS sub-XX",
        attr="subject_pattern",
        metavar="REGEX",
        group=_RECORDINGS,
    ),
)


#: The options of ``eegstream synth``: its parser and the command in the marker file.
SYNTH_OPTIONS: tuple[Option, ...] = (
    dataset_option(help="layout to imitate", choices=DATASETS + RATED_DATASETS),
    Option("--out", "dataset folder to create", "out", type=Path, required=True),
    Option(
        "--subjects",
        "write subjects 1..N; None: all of the release (15, 15, 16 or 20; DEAP "
        "32, DREAMER 23, AMIGOS 40, FACED 123)",
        "subjects",
        type=int,
    ),
    Option(
        "--sessions",
        "write sessions 1..K per subject; None: all (3, or 4 for SEED-VII)",
        "sessions",
        type=int,
    ),
    Option(
        "--trial-seconds",
        "length of every trial in seconds, >= 4; None: the official lengths "
        "(gigabytes for a full release)",
        "trial_seconds",
        type=int,
    ),
    Option("--seed", "random seed", "seed", default=0, type=int, always=True),
    Option(
        "--no-raw",
        "SEED-V: write only EEG_DE_features, not the raw 1000 Hz .cnt files "
        "(about 0.26 MB per recorded second each)",
        "no_raw",
        action="store_true",
    ),
)
