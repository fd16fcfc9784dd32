"""What a training run decides: its settings, the two recipes and the table of flags.

Kept free of torch so that ``eegstream --help`` and the command-line parser
load quickly; :data:`TRAIN_OPTIONS` builds ``eegstream train``'s parser and
:func:`reproduce_command` writes the command that repeats a run.

A recipe (:data:`RECIPES`) is a value for each setting that matters to what
is learnt: ``"paper"`` is the paper's annex as published, ``"live"`` the
project's own, tuned for a live wearer. Each setting can still be given by
its own flag; :func:`recipe_overrides` lists those that differ from the
recipe and :func:`paper_departures` every setting that differs from the
paper's (the table in ``report.md``, ``metrics.json`` and the model card).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from pathlib import Path
from typing import Any

from .._errors import EEGStreamError
from .._options import Option, command_line
from ..datasets.options import (
    CACHE_DIR,
    DROP_ARTIFACTS,
    RECORDINGS_OPTIONS,
    ROOT,
    SUBJECTS,
    dataset_option,
)
from ..features.config import ConditioningSettings, FeatureConfig
from ..features.normalise import NORMALISER_MODES
from ..features.options import FEATURE_OPTIONS
from ..model.options import device_option
from ..quality.settings import QualitySettings
from .data import FEATURE_SOURCES, ZSCORE_OVER
from .splits import PROTOCOLS, SPLIT_DRAWS

#: Model names ``eegstream train`` offers; each is in :data:`eegstream.model.MODELS`.
ARCHS = ("resattentionet", "logreg")
CONTROLS = (None, "shuffled-labels")
SELECT_ON = ("accuracy", "loss")
#: ``eegstream.model.resattentionet.READOUTS``, without importing torch.
READOUTS = ("none", "mean")
KEEP = ("best", "last")
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
    keep: str = "best"
    crops_per_trial: int = 4
    select_on: str = "accuracy"
    seed: int = 42
    base_width: int = 16
    n_heads: int = 2
    dropout: float = 0.5
    readout: str = "none"
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
    zscore_over: str = "steps"
    split_draw: str = "project"
    crops: float = 0.0
    recipe: str | None = None
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
    drop_artifacts: bool = False
    quality: QualitySettings = field(default_factory=QualitySettings)
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
    markers: tuple[str, ...] | None = None
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

#: The paper's annex as published: 4 s windows at a 4 s stride, each trial's
#: first 60 steps, per-subject z-score over the padded tensors, ``int()``
#: split sizes drawn with ``np.random.seed(42)`` + ``np.random.shuffle``, 100
#: fixed epochs, the last epoch's weights tested.
PAPER_RECIPE: dict[str, Any] = {
    "protocol": "paper",
    "split_draw": "annex",
    "normaliser": "subject",
    "zscore_over": "sequences",
    "crops": 0.0,
    "feature_config.window_s": 4.0,
    "feature_config.hop_s": 4.0,
    "train.epochs": 100,
    "train.early_stopping": 0,
    "train.keep": "last",
    "train.lr": 5e-5,
    "train.weight_decay": 1e-4,
    "train.label_smoothing": 0.1,
    "train.batch_size": 32,
    "train.base_width": 16,
    "train.dropout": 0.5,
    "train.readout": "none",
    # The paper's features came from the labs' already-filtered EEG.
    "feature_config.conditioning": None,
}

#: The project's recipe for a model that runs live: causal features at a 1 s
#: hop, the running normaliser, crops of every sequence live could show, early
#: stopping on validation, the baseline as the network's frozen read-out;
#: learning rate and read-out from the study in docs/training-recipes.md.
LIVE_RECIPE: dict[str, Any] = {
    **PAPER_RECIPE,
    "split_draw": "project",
    "normaliser": "running",
    "zscore_over": "steps",
    "crops": 4.0,
    "feature_config.hop_s": 1.0,
    "train.epochs": 60,
    "train.early_stopping": 10,
    "train.keep": "best",
    "train.lr": 1e-3,
    "train.readout": "mean",
    "feature_config.conditioning": ConditioningSettings(),
}

#: Recipe name -> setting (dotted path in :class:`RunOptions`) -> value.
RECIPES: dict[str, dict[str, Any]] = {"paper": PAPER_RECIPE, "live": LIVE_RECIPE}
_RECIPE_SETTINGS = tuple(dict.fromkeys([*PAPER_RECIPE, *LIVE_RECIPE]))


def _plain(value: Any) -> Any:
    """Return a setting's value as JSON keeps it (settings dataclasses as dicts)."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def _get(opts: Any, attr: str) -> Any:
    for part in attr.split("."):
        opts = getattr(opts, part)
    return _plain(opts)


def apply_recipe(values: dict[str, Any], recipe: str) -> dict[str, Any]:
    """Fill the settings absent from nested ``values`` from ``recipe``.

    ``values`` is :func:`eegstream._options.values_from_args`'s shape
    (``{"train": {"epochs": 5}, ...}``, recipe settings not given left out);
    a setting given on the command line keeps its value (an override), even
    ``None`` (``--no-conditioning``). A conditioning flag given alone turns
    conditioning on with that field set, the others at their defaults.
    """
    if recipe not in RECIPES:
        raise EEGStreamError(
            f"{{recipe}} must be one of {tuple(RECIPES)}, got {recipe!r}",
            param="recipe",
        )
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in values.items()}
    for attr, value in RECIPES[recipe].items():
        *parents, leaf = attr.split(".")
        where = out
        for part in parents:
            where = where.setdefault(part, {})
        if leaf not in where:
            where[leaf] = value
    out["recipe"] = recipe
    return out


def recipe_overrides(opts: RunOptions) -> dict[str, dict[str, Any]]:
    """Return the settings given by their own flag that differ from the recipe.

    Returns
    -------
    dict
        Setting -> ``{"recipe": value, "run": value}``; empty without a recipe.
    """
    if opts.recipe is None:
        return {}
    return {
        attr: {"recipe": _plain(value), "run": _get(opts, attr)}
        for attr, value in RECIPES[opts.recipe].items()
        if _get(opts, attr) != _plain(value)
    }


def paper_departures(opts: RunOptions) -> list[dict[str, Any]]:
    """Every recipe setting where the run departs from the paper's annex.

    Returns
    -------
    list of dict
        ``{"setting", "paper", "run"}`` per departing setting, in table order
        (settings the paper has no value for show ``paper`` None).
    """
    return [
        {"setting": attr, "paper": _plain(PAPER_RECIPE.get(attr)), "run": run}
        for attr in _RECIPE_SETTINGS
        if (run := _get(opts, attr)) != _plain(PAPER_RECIPE.get(attr))
    ]


_FEATURES = "features (defaults: what the live path runs)"
_RECIPE = "recipe (settings left out come from --recipe)"
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
_TABLE: tuple[Option, ...] = (
    dataset_option(required=False),
    replace(ROOT, required=False),
    *RECORDINGS_OPTIONS,
    Option(
        "--recipe",
        "live: the project's recipe for a model that runs live (causal 1 s "
        "hop, crops, running normaliser, early stopping, the baseline as the "
        "network's read-out); paper: the paper's annex as published",
        attr="recipe",
        default="live",
        choices=tuple(RECIPES),
        always=True,
    ),
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
        "--zscore-over",
        "subject normaliser: z-score over the subject's steps, or over its "
        "padded/truncated sequences (the paper's annex)",
        attr="zscore_over",
        default=_RUN.zscore_over,
        choices=ZSCORE_OVER,
    ),
    Option(
        "--split-draw",
        "paper protocol: project (round() sizes, numpy Generator) or annex "
        "(int() sizes, np.random.seed + shuffle, as the paper's code)",
        attr="split_draw",
        default=_RUN.split_draw,
        choices=SPLIT_DRAWS,
    ),
    Option(
        "--crops",
        "train on every sequence live could show inside a trial, one per "
        "STRIDE_S seconds (warm-up prefixes included); 0: each trial's first "
        "steps only",
        attr="crops",
        type=float,
        default=_RUN.crops,
        metavar="STRIDE_S",
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
    replace(DROP_ARTIFACTS, group=_FEATURES),
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
        "early stopping: epochs without validation improvement (0: off)",
        int,
    ),
    _recipe(
        "--crops-per-trial",
        "crops_per_trial",
        "crops drawn per trial each epoch (bounds an epoch's cost)",
        int,
    ),
    _recipe(
        "--keep",
        "keep",
        "weights tested: best validation epoch, or last",
        None,
        choices=KEEP,
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
    _recipe(
        "--readout",
        "readout",
        "mean: add to the network's logits those of the baseline (logistic "
        "regression on the time-averaged input, fitted in closed form on the "
        "training crops, frozen); the network learns a correction from "
        "there; none: the paper's network",
        None,
        choices=READOUTS,
    ),
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


def _setting_of(opt: Option) -> str | None:
    """Return the recipe setting ``opt`` sets (or a field of); None: none."""
    for attr in _RECIPE_SETTINGS:
        if opt.attr == attr or str(opt.attr).startswith(f"{attr}."):
            return attr
    return None


def _shown(value: Any) -> str:
    if isinstance(value, ConditioningSettings):
        return "on, the defaults"
    return "off" if value is None else str(value)


def _from_recipe(opt: Option) -> Option:
    """Make a recipe setting's option: no default of its own, both values in help."""
    setting = _setting_of(opt)
    if setting is None:
        return opt
    shown = "; ".join(f"{r}: {_shown(RECIPES[r][setting])}" for r in RECIPES)
    if opt.attr != setting or opt.none_flag:
        shown = f"{setting.rsplit('.', 1)[-1]} {shown}"
    if opt.attr != setting:  # a field of the setting: its default when on
        shown = f"{opt.default} when on; {shown}"
    if opt.action is not None:  # a flag (--no-conditioning): False unless given
        return replace(opt, help=f"{opt.help} ({shown})")
    # SUPPRESS: absent from the parsed namespace unless given, so --help shows
    # the recipes' values rather than "default: None".
    return replace(opt, default=argparse.SUPPRESS, help=f"{opt.help} ({shown})")


#: Every option of ``eegstream train``, in ``--help`` and reproduce-line order;
#: recipe settings are left unset unless given (filled by :func:`apply_recipe`).
TRAIN_OPTIONS: tuple[Option, ...] = tuple(_from_recipe(o) for o in _TABLE)
# Written whatever its value: a field of a setting the recipe leaves off.
_ANY = object()


def _reproduce_default(opt: Option, table_default: Any, recipe: dict) -> Any:
    """Return the value at which ``opt`` is left off ``recipe``'s reproduce line."""
    setting = _setting_of(opt)
    if setting is None or opt.attr == setting:
        return recipe.get(str(opt.attr), table_default)
    # A field of a setting: written when the recipe has the setting off.
    return _ANY if setting in recipe and recipe[setting] is None else table_default


def reproduce_command(opts: RunOptions) -> str:
    """Return the ``eegstream train`` command that repeats this run.

    With a recipe, the line names it and only the settings that differ from it;
    without one (options built in Python), it gives every recipe setting.
    """
    recipe = (
        RECIPES[opts.recipe] if opts.recipe else dict.fromkeys(_RECIPE_SETTINGS, _ANY)
    )
    table = [
        replace(o, default=_reproduce_default(o, d.default, recipe))
        for o, d in zip(TRAIN_OPTIONS, _TABLE, strict=True)
        # --no-conditioning says nothing where the recipe has it off already
        if not (o.none_flag and o.attr in recipe and recipe[str(o.attr)] is None)
        and not (o.attr == "recipe" and opts.recipe is None)
    ]
    return command_line(["eegstream", "train"], table, opts)
