"""Untrained checkpoints for tests and demos of the live path (not for predictions)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch

from ..datasets.tables import CLASSES
from ..features import FeatureConfig
from ..montage import SEED_CHANNELS
from .checkpoint import save_checkpoint
from .meta import DatasetInfo, FeatureSource, NormaliserSpec, checkpoint_meta
from .registry import build_model

#: The classes of the untrained checkpoints (SEED-IV's, in label-id order).
SEED_IV_CLASSES = CLASSES["seed-iv"]
UNTRAINED = DatasetInfo("untrained")


def untrained_checkpoint(
    path: str | os.PathLike,
    classes: tuple[str, ...] = SEED_IV_CLASSES,
    cfg: FeatureConfig | None = None,
    arch: str = "resattentionet",
    seed: int = 0,
    base_width: int | None = 4,
    channels: Sequence[str] = SEED_CHANNELS,
    dataset: DatasetInfo = UNTRAINED,
    features: FeatureSource | None = None,
    readout: str = "none",
) -> Path:
    """Write a randomly initialised checkpoint with a valid header.

    The normaliser's population statistics are those of DE of white noise of
    about 10 µV (mean 5, SD 2 on the DE scale), so the numbers the live path
    produces are in a realistic range. It has no protocol and, unless a test
    pretends otherwise (``dataset``, ``features``), its dataset is named
    ``"untrained"``: its probabilities mean nothing. ``base_width``:
    ResAttentioNet's width (None: the architecture's default, the paper's).
    ``channels``: SEED names in SEED order (a headset model's subset).
    ``readout``: ResAttentioNet's (``"mean"``: the live recipe's read-out,
    random like the rest).
    """
    cfg = cfg or FeatureConfig()
    torch.manual_seed(seed)
    n_features = len(channels) * len(cfg.bands)
    params: dict[str, int | str] = {"n_features": n_features, "n_classes": len(classes)}
    if arch == "resattentionet" and base_width is not None:
        params["base_width"] = base_width
    if readout != "none":
        params["readout"] = readout
    model = build_model(arch, **params).eval()
    meta = checkpoint_meta(
        arch=arch,
        arch_params=params,
        feature_config=cfg,
        classes=classes,
        normaliser=NormaliserSpec(
            "running", (5.0,) * n_features, (2.0,) * n_features, 30.0
        ),
        dataset=dataset,
        protocol=None,
        channels=channels,
        features=features,
    )
    return save_checkpoint(path, model.state_dict(), meta)
