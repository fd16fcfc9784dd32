"""Model names the command line and checkpoints use, mapped to their classes.

Every registered model takes ``n_features`` and ``n_classes`` and maps
sequences of shape (B, seq_len, n_features) to logits (B, n_classes).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from .._errors import EEGStreamError
from .logreg import LogRegClassifier
from .resattentionet import ResAttentioNet

MODELS: dict[str, type[nn.Module]] = {
    "resattentionet": ResAttentioNet,
    "logreg": LogRegClassifier,
}


def build_model(arch: str, **params: Any) -> nn.Module:
    """Instantiate the registered model ``arch`` with ``params``.

    Raises
    ------
    EEGStreamError
        For an unknown name or parameters the model does not take.
    """
    if arch not in MODELS:
        raise EEGStreamError(
            f"unknown model architecture {arch!r}; known: {sorted(MODELS)}"
        )
    try:
        return MODELS[arch](**params)
    except TypeError as err:
        raise EEGStreamError(
            f"bad parameters {params} for model {arch!r}: {err}"
        ) from None


def count_parameters(model: nn.Module) -> int:
    """Count the parameters (trainable, plus the fixed ones of the baseline)."""
    return sum(p.numel() for p in model.parameters())
