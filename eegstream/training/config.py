"""What a training run decides: its settings and the two recipes.

Kept free of torch so that ``eegstream --help`` and the command-line parser
load quickly. Its table of flags is :mod:`eegstream.training.options`.

A recipe (:data:`RECIPES`) is a value for each setting that matters to what
is learnt: ``"paper"`` is the paper's annex as published, ``"live"`` the
project's own, tuned for a live wearer. Each setting can still be given by
its own flag; :func:`recipe_overrides` lists those that differ from the
recipe and :func:`paper_departures` every setting that differs from the
paper's (the table in ``report.md``, ``metrics.json`` and the model card).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from .._errors import EEGStreamError
from ..features.config import ConditioningSettings, FeatureConfig
from ..quality.settings import QualitySettings

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
    # A rated dataset's labels (datasets.targets): None is the reader's default.
    target: str | None = None
    threshold: float | None = None
    baseline: str | None = None
    eeg: str | None = None  # DEAP, FACED: "preprocessed" | "raw"
    # Cross-dataset: test the saved model on another dataset (training.cross).
    test_dataset: str | None = None
    test_root: Path | None = None

    @property
    def run_name(self) -> str:
        """``<dataset>-<arch>-<protocol>[-shuffled]`` unless a name was given."""
        if self.name:
            return self.name
        suffix = "-shuffled" if self.control else ""
        return f"{self.dataset or 'recordings'}-{self.arch}-{self.protocol}{suffix}"


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
RECIPE_SETTINGS = tuple(dict.fromkeys([*PAPER_RECIPE, *LIVE_RECIPE]))


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
        for attr in RECIPE_SETTINGS
        if (run := _get(opts, attr)) != _plain(PAPER_RECIPE.get(attr))
    ]
