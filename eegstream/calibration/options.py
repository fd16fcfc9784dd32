"""The options of ``eegstream calibrate`` (torch-free: the parser reads them)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .._options import Option
from ..datasets.options import MARKERS

#: Defaults of :class:`~eegstream.calibration.adapt.AdaptSettings` and
#: :data:`~eegstream.calibration.estimate.MAX_FOLDS`, defined once here.
EPOCHS, SEED, FOLDS = 5, 0, 5
#: Level of the gain test, its upper bound, and its null relabellings
#: (:mod:`eegstream.calibration.gain`): a last-layer refit is cheap, a
#: network's fine-tuning is not (19: the fewest that can reach 5 %).
ALPHA, MAX_ALPHA, PERMUTATIONS, NETWORK_PERMUTATIONS = 0.05, 0.5, 199, 19
#: Every adaptation method (:mod:`eegstream.calibration.adapt`).
METHODS = ("last-layer", "head", "full")

#: ``--alpha``: ``calibrate``'s, and live ``--calibrate``'s on ``run``/``live``.
ALPHA_OPTION = Option(
    "--alpha",
    "level of the gain test: the personal model is written when the "
    "permutation test over whole segments gives p <= alpha, in (0, 0.5]",
    attr="alpha",
    type=float,
    default=ALPHA,
)

CALIBRATE_OPTIONS: tuple[Option, ...] = (
    Option(
        "--model",
        "base model: name in models/ or checkpoint path (never modified)",
        attr="model",
        required=True,
    ),
    Option(
        "--recording",
        "the wearer's calibration recording(s) (.xdf, .fif, .edf, ...; folders "
        "searched), all of one person",
        attr="recording",
        type=Path,
        nargs="+",
        metavar="FILE",
        required=True,
    ),
    Option(
        "--label-map",
        "TOML rules turning the stimulus program's markers into labelled segments "
        "(docs/markers.md); default: eegstream replay markers only",
        attr="label_map",
        type=Path,
        metavar="MAP",
    ),
    replace(MARKERS, group=None),
    Option(
        "--out",
        "name of the personal model: models/NAME.safetensors and NAME.md",
        attr="out",
        metavar="NAME",
        required=True,
    ),
    Option(
        "--wearer",
        "save the wearer's normaliser statistics and personal model under this "
        "name in the wearer store (found again by `live --wearer NAME`)",
        attr="wearer",
        metavar="NAME",
    ),
    Option(
        "--force",
        "write the personal model even when it does not beat the base model",
        attr="force",
        action="store_true",
    ),
    Option(
        "--method",
        "adaptation: last-layer (refit the output layer, L2 pull to the base), "
        "head (pooling and classifier, encoder frozen), full (every weight, small "
        "learning rate); default: logreg last-layer, resattentionet full",
        attr="method",
        choices=METHODS,
    ),
    Option(
        "--epochs",
        "passes over the wearer's windows (head, full)",
        attr="epochs",
        type=int,
        default=EPOCHS,
    ),
    Option(
        "--folds",
        "most folds of the blocked cross-validation (fewer when a class has fewer "
        "segments)",
        attr="folds",
        type=int,
        default=FOLDS,
    ),
    ALPHA_OPTION,
    Option(
        "--permutations",
        "relabellings of whole segments in the gain test's null distribution, "
        "each a refit per fold (all of them when the design has fewer); default "
        f"{PERMUTATIONS} for last-layer, for head and full the fewest that can "
        f"reach --alpha ({NETWORK_PERMUTATIONS} at 0.05)",
        attr="permutations",
        type=int,
    ),
    Option("--seed", "seed of every random draw", attr="seed", type=int, default=SEED),
    Option(
        "--models-dir",
        "folder to write the personal model in (default $EEGSTREAM_MODELS or models/)",
        type=Path,
    ),
)
