"""The flags of ``eegstream train`` (and ``sweep``), and the command that repeats a run.

:data:`TRAIN_OPTIONS` builds ``eegstream train``'s parser from the settings
of :mod:`eegstream.training.config` (their defaults read there); a recipe
setting's flag has no default of its own (:func:`~.config.apply_recipe`
fills it). :func:`reproduce_command` writes the command that repeats a run.
Kept free of torch, like the settings.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._options import Option, command_line
from ..datasets.options import (
    CACHE_DIR,
    DROP_ARTIFACTS,
    RATED_OPTIONS,
    RECORDINGS_OPTIONS,
    ROOT,
    SUBJECTS,
    dataset_option,
)
from ..features.config import ConditioningSettings, FeatureConfig
from ..features.normalise import NORMALISER_MODES
from ..features.options import FEATURE_OPTIONS
from ..model.options import device_option
from .config import (
    ARCHS,
    CONTROLS,
    KEEP,
    READOUTS,
    RECIPE_SETTINGS,
    RECIPES,
    SELECT_ON,
    RunOptions,
    TrainConfig,
)
from .data import FEATURE_SOURCES, ZSCORE_OVER
from .splits import PROTOCOLS, SPLIT_DRAWS

_RUN = RunOptions("", Path())
_TRAIN = TrainConfig()

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
    *RATED_OPTIONS,
    Option(
        "--test-dataset",
        "also test the saved model on every subject of this dataset (same "
        "target, its own default threshold), trained on the channels both "
        "share: the cross-dataset figure beside the run's own splits",
        attr="test_dataset",
        group="cross-dataset",
    ),
    Option(
        "--test-root",
        "folder of --test-dataset",
        attr="test_root",
        type=Path,
        group="cross-dataset",
    ),
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
    for attr in RECIPE_SETTINGS:
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
        RECIPES[opts.recipe] if opts.recipe else dict.fromkeys(RECIPE_SETTINGS, _ANY)
    )
    table = [
        replace(o, default=_reproduce_default(o, d.default, recipe))
        for o, d in zip(TRAIN_OPTIONS, _TABLE, strict=True)
        # --no-conditioning says nothing where the recipe has it off already
        if not (o.none_flag and o.attr in recipe and recipe[str(o.attr)] is None)
        and not (o.attr == "recipe" and opts.recipe is None)
    ]
    return command_line(["eegstream", "train"], table, opts)
