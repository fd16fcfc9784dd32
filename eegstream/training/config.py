"""What a training run decides: its settings and the table of their flags.

Kept free of torch so that ``eegstream --help`` and the command-line parser
load quickly; :data:`TRAIN_OPTIONS` builds ``eegstream train``'s parser and
:func:`reproduce_command` writes the command that repeats a run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .._options import (
    CACHE_DIR,
    FEATURE_OPTIONS,
    RECORDINGS_OPTIONS,
    ROOT,
    SUBJECTS,
    Option,
    command_line,
    dataset_option,
    device_option,
)
from ..features.config import FeatureConfig
from ..features.normalise import NORMALISER_MODES
from .data import FEATURE_SOURCES
from .splits import PROTOCOLS

#: Model names ``eegstream train`` offers; each is in :data:`eegstream.model.MODELS`.
ARCHS = ("resattentionet", "logreg")
CONTROLS = (None, "shuffled-labels")
SELECT_ON = ("accuracy", "loss")
#: How ``eegstream evaluate --streaming`` runs the recordings (first: default).
STREAMING_MODES = ("trial", "session")
#: Seconds of rest between clips in session mode (``--rest``).
DEFAULT_REST_S = 15.0


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser, schedule and architecture settings (defaults: the paper's)."""

    epochs: int = 100
    batch_size: int = 32
    lr: float = 5e-5
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    plateau_factor: float = 0.5
    plateau_patience: int = 5
    min_lr: float = 1e-6
    early_stopping: int = 10
    select_on: str = "accuracy"
    seed: int = 42
    base_width: int = 16
    n_heads: int = 2
    dropout: float = 0.5
    device: str = "auto"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass
class RunOptions:
    """Everything ``eegstream train`` decides; defaults are the paper's.

    ``channels``: SEED names of a subset model (``None``: all 62); its
    features are those columns of the cached 62-channel features.
    ``compare_full``: also fit the network and the baseline on all 62
    channels on the same splits, to state what the subset costs.
    """

    dataset: str | None
    root: Path | None
    protocol: str = "paper"
    repeats: int = 1
    features: str = "own"
    official_kind: str = "de_LDS"
    normaliser: str = "subject"
    prior_steps: float = 30.0
    control: str | None = None
    arch: str = "resattentionet"
    feature_config: FeatureConfig = field(default_factory=FeatureConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str | None = None
    out: Path | None = None
    models_dir: Path | None = None
    save_model: bool = True
    cache_dir: Path | None = None
    max_missing_channels: int = 6
    subjects: list[int] | None = None
    progress: bool = True
    channels: tuple[str, ...] | None = None
    compare_full: bool = False
    # torch CPU threads of each split, fixed so results do not depend on workers.
    threads: int = 1
    workers: int = 1
    ray_address: str | None = None
    # Your recordings instead of a release (datasets.open_data).
    recordings: tuple[Path, ...] | None = None
    label_map: Path | None = None
    classes: tuple[str, ...] | None = None
    subject_pattern: str | None = None

    @property
    def run_name(self) -> str:
        """``<dataset>-<arch>-<protocol>[-shuffled]`` unless a name was given."""
        if self.name:
            return self.name
        suffix = "-shuffled" if self.control else ""
        return f"{self.dataset or 'recordings'}-{self.arch}-{self.protocol}{suffix}"


_RUN = RunOptions("", Path())
_TRAIN = TrainConfig()
_FEATURES = "features (defaults: what the live path runs)"
_RECIPE = "recipe (defaults: the paper's)"
_OUTPUT = "output"
_CHANNELS = "channels (default: all 62 SEED channels)"
_PARALLEL = "parallel (Ray; pip install 'eegstream[distributed]'): same results"

#: ``--workers`` and ``--ray-address``, shared by ``train`` and ``sweep``; they
#: change where splits run, never the results, so no reproduce line has them.
PARALLEL_OPTIONS: tuple[Option, ...] = (
    Option(
        "--workers",
        "splits at once on an embedded local Ray (1: no Ray, one after another)",
        type=int,
        default=_RUN.workers,
        group=_PARALLEL,
    ),
    Option(
        "--ray-address",
        "HOST:PORT of a running Ray cluster to send the splits to (default: "
        "$RAY_ADDRESS when set)",
        group=_PARALLEL,
    ),
)


def _recipe(flag: str, attr: str, help: str, type: Any, **kw: Any) -> Option:  # noqa: A002
    """Make the option of a :class:`TrainConfig` field, its default read there."""
    default = getattr(_TRAIN, attr)
    return Option(
        flag,
        help,
        attr=f"train.{attr}",
        type=type,
        default=default,
        group=_RECIPE,
        **kw,
    )


#: Every option of ``eegstream train``, in ``--help`` and reproduce-line order.
TRAIN_OPTIONS: tuple[Option, ...] = (
    dataset_option(required=False),
    replace(ROOT, required=False),
    *RECORDINGS_OPTIONS,
    Option(
        "--protocol",
        "paper: subject-wise 70/15/15 split; loso: leave one subject out; within: "
        "blocks of whole labelled segments held out within subjects (the default "
        "for data of one subject)",
        attr="protocol",
        default=_RUN.protocol,
        choices=PROTOCOLS,
    ),
    Option(
        "--repeats",
        "paper protocol: number of re-drawn splits (seeds SEED, SEED+1, ...)",
        attr="repeats",
        type=int,
        default=_RUN.repeats,
    ),
    Option(
        "--arch",
        "model: the paper's network or the DE-mean logistic regression baseline",
        attr="arch",
        default=_RUN.arch,
        choices=ARCHS,
    ),
    Option(
        "--features",
        "own: the project's causal features (what live sees); official: the "
        "release's features (non-causal de_LDS)",
        attr="features",
        default=_RUN.features,
        choices=FEATURE_SOURCES,
    ),
    Option(
        "--official-kind",
        "official feature kind (SEED-V: de)",
        attr="official_kind",
        default=_RUN.official_kind,
    ),
    Option(
        "--normaliser",
        "subject: per-subject z-score (paper); running: causal, live-faithful",
        attr="normaliser",
        default=_RUN.normaliser,
        choices=NORMALISER_MODES,
    ),
    Option(
        "--prior-steps",
        "running normaliser: weight of the population statistics, in steps",
        attr="prior_steps",
        type=float,
        default=_RUN.prior_steps,
    ),
    Option(
        "--control",
        "train on permuted labels (must land near chance); no model saved",
        attr="control",
        default=_RUN.control,
        choices=CONTROLS,
    ),
    SUBJECTS,
    Option(
        "--channels",
        "train on these channels only, e.g. AF3,F7,F3,FC5 (10-20/10-10 names)",
        attr="channels",
        metavar="LIST",
        group=_CHANNELS,
    ),
    Option(
        "--channels-from",
        "train on the channels of a headset preset (emotiv-epoc, openbci-16, "
        "10-20-19, seed-62), an EEG file or a live LSL stream's name (the run's "
        "command line names the channels with --channels)",
        metavar="SOURCE",
        group=_CHANNELS,
    ),
    Option(
        "--compare-full",
        "with a channel subset: also fit the network and the baseline on all 62 "
        "channels on the same splits and report both",
        attr="compare_full",
        action="store_true",
        group=_CHANNELS,
    ),
    *(replace(o, group=o.group or _FEATURES) for o in FEATURE_OPTIONS),
    Option(
        "--seq-len",
        "steps per sequence",
        attr="feature_config.seq_len",
        type=int,
        default=FeatureConfig().seq_len,
        group=_FEATURES,
    ),
    _recipe("--epochs", "epochs", "maximum epochs", int),
    _recipe("--batch-size", "batch_size", "batch size", int),
    _recipe("--lr", "lr", "AdamW learning rate", float),
    _recipe("--weight-decay", "weight_decay", "AdamW weight decay", float),
    _recipe("--label-smoothing", "label_smoothing", "cross-entropy smoothing", float),
    _recipe(
        "--patience",
        "early_stopping",
        "early stopping: epochs without validation-loss improvement",
        int,
    ),
    _recipe(
        "--select-on",
        "select_on",
        "validation figure that picks the kept epoch and drives early stopping "
        "(accuracy: ties go to the lower loss)",
        None,
        choices=SELECT_ON,
    ),
    _recipe(
        "--plateau-patience",
        "plateau_patience",
        "ReduceLROnPlateau patience (epochs)",
        int,
    ),
    _recipe("--base-width", "base_width", "ResNet base width w", int),
    _recipe("--dropout", "dropout", "dropout probability", float),
    _recipe("--seed", "seed", "seed of every RNG and the first split", int),
    device_option("where to train (auto: CUDA when present)", group=_RECIPE),
    Option(
        "--threads",
        "torch CPU threads per split (the CPUs each Ray task asks for)",
        attr="threads",
        type=int,
        default=_RUN.threads,
        group=_PARALLEL,
    ),
    *PARALLEL_OPTIONS,
    Option(
        "--name",
        "model and run name (default DATASET-ARCH-PROTOCOL)",
        attr="name",
        group=_OUTPUT,
    ),
    Option(
        "--out", "report folder (default runs/NAME-TIMESTAMP)", type=Path, group=_OUTPUT
    ),
    Option(
        "--models-dir",
        "where the model goes (default $EEGSTREAM_MODELS or the repo's models/)",
        type=Path,
        group=_OUTPUT,
    ),
    Option(
        "--no-save",
        "write the report only, no model",
        action="store_true",
        group=_OUTPUT,
    ),
    Option(
        "--max-missing-channels",
        "channels the live path may interpolate with this model",
        attr="max_missing_channels",
        type=int,
        default=_RUN.max_missing_channels,
        group=_OUTPUT,
    ),
    replace(CACHE_DIR, group=_OUTPUT),
)


def reproduce_command(opts: RunOptions) -> str:
    """Return the ``eegstream train`` command that repeats this run."""
    return command_line(["eegstream", "train"], TRAIN_OPTIONS, opts)
