"""The classic baseline as a module: logistic regression on a trial's mean DE.

Trained with scikit-learn (``eegstream.training.baseline``); stored as
tensors in the same checkpoint format and served by the same
:class:`~eegstream.model.Predictor` as the network.
"""

from __future__ import annotations

import torch
from torch import nn

from .invariant import Linear


def masked_mean(x: torch.Tensor) -> torch.Tensor:
    """Mean over the real steps of zero-padded sequences.

    Parameters
    ----------
    x : tensor of shape (B, seq_len, n_features)
        Padding steps are all-zero rows (``to_sequence``, ``RollingSequence``).

    Returns
    -------
    tensor of shape (B, n_features)
        Zeros for a sequence with no real step.
    """
    real = (x != 0).any(dim=-1, keepdim=True).to(x.dtype)  # (B, seq_len, 1)
    return (x * real).sum(1) / real.sum(1).clamp(min=1)


class LogRegClassifier(nn.Module):
    """Multinomial logistic regression on each feature's mean over the trial.

    ``logits = ((mean - center) / scale) @ weight.T + bias``.

    Parameters
    ----------
    n_features : int
        Features per step (310).
    n_classes : int
        Number of classes.
    """

    def __init__(self, n_features: int = 310, n_classes: int = 3) -> None:
        super().__init__()
        self.n_features = n_features
        self.n_classes = n_classes
        self.center = nn.Parameter(torch.zeros(n_features), requires_grad=False)
        self.scale = nn.Parameter(torch.ones(n_features), requires_grad=False)
        self.linear = Linear(n_features, n_classes)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map sequences (B, seq_len, n_features) to standardised means (B, F)."""
        return (masked_mean(x) - self.center) / self.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map sequences (B, seq_len, n_features) to logits (B, n_classes)."""
        return self.linear(self.encode(x))
