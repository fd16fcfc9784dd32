"""Adapting a base model to one wearer: three methods, one entry point.

``"last-layer"``
    Refit only the final linear layer on the wearer's sequences, by
    L-BFGS on the class-weighted cross-entropy plus an L2 pull towards the
    base layer's weights (a prior: with little data the personal layer stays
    near the base). Logistic regression: its one layer on the standardised
    mean DE; ResAttentioNet: the output layer on the penultimate features.
``"head"`` (ResAttentioNet)
    Fine-tune the attention pooling and the classifier MLP with the encoder
    frozen (its outputs computed once), Adam at ``lr``.
``"full"`` (ResAttentioNet)
    Fine-tune every weight at a small learning rate (``lr / 10``), batch-norm
    statistics frozen (a few hundred sequences would overwrite them).

The base model is deep-copied first and never modified.

Why the defaults (:data:`DEFAULT_METHOD`), measured by
``benchmarks/bench_calibrate.py`` on SYNTHETIC data (the shipped demo models,
a new synthetic subject, 5 minutes of labelled EEG, 2-core CPU box under
load from other jobs): logistic regression has one layer, and refitting it
took its held-out accuracy per window from 79.9% to 90.9% (a wearer with a
strong own pattern: 29.9% to 100%) in 5-6 s. For ResAttentioNet the frozen
encoder's features barely separate a new wearer's classes: ``last-layer``
and ``head`` gained 3-14 points (to 43-58%), ``full`` 49-56 points (to
92-96%); 30 epochs at 1e-4 took 120-220 s, 5 epochs at 5e-4 (the default)
gave the same accuracy (94.7%, 95.8%) in 21-39 s.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .._errors import EEGStreamError
from ..training.data import CropSet
from ..training.loop import balanced_class_weights, seed_everything
from .options import EPOCHS, METHODS, SEED

#: Which methods (:data:`METHODS`) each architecture takes.
ARCH_METHODS = {
    "logreg": ("last-layer",),
    "resattentionet": METHODS,
}
#: The method ``calibrate`` uses unless told (chosen from measurements).
DEFAULT_METHOD = {"logreg": "last-layer", "resattentionet": "full"}
#: Why each method, for the model card (measured by benchmarks/bench_calibrate.py).
METHOD_WHY = {
    "last-layer": "the final linear layer refitted on the wearer's windows with an "
    "L2 pull towards the base weights, everything below it kept (logistic "
    "regression: its one layer; measured on synthetic data it took a new "
    "subject's held-out accuracy from 80% to 91% in seconds)",
    "head": "attention pooling and classifier fine-tuned on the wearer's windows, "
    "encoder frozen (on synthetic data the frozen encoder left a new subject at "
    "43-58%, against 92-96% for `full`)",
    "full": "every weight fine-tuned at a small learning rate, batch-norm "
    "statistics frozen (on synthetic data 49-56 points above the base on held-out "
    "segments, where `last-layer` and `head` gained 3-14; 5 epochs as good as 30)",
}


@dataclass(frozen=True)
class AdaptSettings:
    """Settings of the adaptation.

    Attributes
    ----------
    epochs : int
        Passes over the wearer's sequences (``head``, ``full``).
    lr : float
        Adam learning rate of ``head``; ``full`` uses ``lr / 10``.
    batch_size : int
        Sequences per step (``head``, ``full``).
    pull : float
        Strength of the L2 pull towards the base weights in ``last-layer``,
        in units of scikit-learn's ``1 / C`` (the penalty is
        ``pull / (2 n) * ||W - W_base||^2`` beside the mean loss over ``n``
        sequences).
    seed : int
        Seed of every random draw.
    """

    epochs: int = EPOCHS
    lr: float = 5e-3
    batch_size: int = 64
    pull: float = 1.0
    seed: int = SEED


def check_method(method: str | None, arch: str) -> str:
    """Return the method to use for ``arch`` (its default for None), or refuse it."""
    if method is None:
        return DEFAULT_METHOD[arch]
    allowed = ARCH_METHODS.get(arch, ())
    if method not in allowed:
        raise EEGStreamError(
            f"{{method}} {method!r} cannot adapt a {arch} model; choose one of "
            f"{', '.join(allowed)}",
            param="method",
        )
    return method


def adapt(
    model: nn.Module,
    arch: str,
    crops: CropSet,
    method: str,
    settings: AdaptSettings = AdaptSettings(),  # noqa: B008 - frozen
) -> nn.Module:
    """Return a copy of ``model`` adapted to the wearer's crops.

    Parameters
    ----------
    model : nn.Module
        The base model (left untouched).
    arch : str
        Its registered architecture (``"logreg"``, ``"resattentionet"``).
    crops : CropSet
        The wearer's normalised sequences and their labels (ids of the base
        model's classes).
    method : str
        One of ``ARCH_METHODS[arch]``.
    settings : AdaptSettings
        Epochs, learning rate, pull, seed.

    Returns
    -------
    nn.Module
        The personal model, on CPU, in eval mode.
    """
    method = check_method(method, arch)
    seed_everything(settings.seed)
    personal: Any = copy.deepcopy(model).cpu().eval()  # logreg or ResAttentioNet
    x = torch.from_numpy(crops.take(np.arange(len(crops))))
    y = torch.from_numpy(crops.y)
    n_classes = personal.n_classes
    weights = torch.tensor(
        balanced_class_weights(crops.y, n_classes), dtype=torch.float32
    )
    # A network with the live recipe's mean read-out (a frozen baseline)
    # adds its logits: the parts fitted alone must be fitted beside them.
    readout = getattr(personal, "mean_readout", None)
    with torch.no_grad():
        offset = readout(x) if readout is not None else torch.zeros(len(y), 1)
    if method == "last-layer":
        _fit_last_layer(personal, arch, x, y, weights, settings.pull, offset)
    elif method == "head":
        with torch.no_grad():  # the frozen encoder's output, computed once
            encoded = personal.encode(x)
        head = nn.Sequential(personal.pool, personal.classifier)
        _train(head, encoded, y, weights, settings, settings.lr, head, offset)
    else:
        if readout is not None:  # the wearer's own read-out too
            readout.requires_grad_(True)
        _train(personal, x, y, weights, settings, settings.lr / 10, personal)
        if readout is not None:
            readout.requires_grad_(False)
    return personal.eval()


def _last_layer(model: Any, arch: str) -> tuple[nn.Linear, Callable]:
    """Return the final linear layer and the function computing its input."""
    if arch == "logreg":
        return model.linear, model.encode
    return model.classifier[-1], lambda x: model.classifier[:-1](
        model.pool(model.encode(x))
    )


def _fit_last_layer(
    model: nn.Module,
    arch: str,
    x: torch.Tensor,
    y: torch.Tensor,
    weights: torch.Tensor,
    pull: float,
    offset: torch.Tensor,
) -> None:
    """L-BFGS on the class-weighted loss plus an L2 pull to the base layer.

    ``offset`` (n, n_classes) or (n, 1): logits added to the layer's (the
    mean read-out's; zeros without one).
    """
    layer, body = _last_layer(model, arch)
    with torch.no_grad():
        h = body(x)  # (n, d): the last layer's input, computed once
    w0, b0 = layer.weight.detach().clone(), layer.bias.detach().clone()
    # Classes the wearer's data lacks keep their base weights (no evidence).
    present = torch.zeros(len(b0), dtype=torch.bool)
    present[torch.unique(y)] = True
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    criterion = nn.CrossEntropyLoss(weight=weights)
    lam = pull / (2 * len(y))
    optimiser = torch.optim.LBFGS(
        [w, b], lr=1.0, max_iter=200, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = criterion(h @ w.T + b + offset, y) + lam * (
            ((w - w0) ** 2).sum() + ((b - b0) ** 2).sum()
        )
        loss.backward()
        return loss

    optimiser.step(closure)
    with torch.no_grad():
        layer.weight.copy_(torch.where(present[:, None], w, w0))
        layer.bias.copy_(torch.where(present, b, b0))


def _train(
    module: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    weights: torch.Tensor,
    settings: AdaptSettings,
    lr: float,
    trainable: nn.Module,
    offset: torch.Tensor | None = None,
) -> None:
    """Adam over mini-batches for ``settings.epochs``; batch norm kept frozen.

    ``offset`` (n, n_classes): fixed logits added to ``module``'s (the mean
    read-out's, when ``module`` is a network's head alone).
    """
    params = [p for p in trainable.parameters() if p.requires_grad]
    optimiser = torch.optim.Adam(params, lr=lr)
    criterion = nn.CrossEntropyLoss(weight=weights)
    rng = np.random.default_rng(settings.seed)
    n = len(y)
    for _ in range(settings.epochs):
        module.train()
        for m in module.modules():  # a few hundred sequences: keep the base's stats
            if isinstance(m, nn.BatchNorm1d):
                m.eval()
        order = torch.from_numpy(rng.permutation(n))
        for start in range(0, n, settings.batch_size):
            idx = order[start : start + settings.batch_size]
            optimiser.zero_grad(set_to_none=True)
            logits = module(x[idx])
            if offset is not None:
                logits = logits + offset[idx]
            loss = criterion(logits, y[idx])
            loss.backward()
            optimiser.step()
    module.eval()
