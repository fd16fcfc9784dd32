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
        layer, _ = _last_layer(personal, arch)
        h, offset = last_layer_inputs(personal, arch, x)
        weight, bias = fit_last_layer(layer, h, y, settings.pull, offset)
        with torch.no_grad():
            layer.weight.copy_(weight)
            layer.bias.copy_(bias)
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


def last_layer_inputs(
    model: nn.Module, arch: str, x: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return what the final linear layer of ``model`` sees, and the logits beside it.

    Parameters
    ----------
    model : nn.Module
        A logistic regression or ResAttentioNet, in eval mode.
    arch : str
        Its architecture.
    x : tensor, shape (n, seq_len, n_features)
        Normalised sequences.

    Returns
    -------
    h : tensor, shape (n, d)
        The final layer's input.
    offset : tensor, shape (n, n_classes) or (n, 1)
        Logits added to the layer's (the mean read-out's; zeros without one).
    """
    _, body = _last_layer(model, arch)
    readout = getattr(model, "mean_readout", None)
    with torch.no_grad():
        offset = readout(x) if readout is not None else torch.zeros(len(x), 1)
        return body(x), offset


def fit_last_layer(
    layer: nn.Linear,
    h: torch.Tensor,
    y: torch.Tensor,
    pull: float,
    offset: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """L-BFGS on the class-weighted loss plus an L2 pull to ``layer``'s weights.

    Several labellings of the same inputs are fitted together, as one
    separable problem (what the gain test's relabellings need).

    Parameters
    ----------
    layer : nn.Linear
        The base layer (read, not modified).
    h : tensor, shape (n, d)
        Its input (:func:`last_layer_inputs`).
    y : tensor of int, shape (n,) or (n_labellings, n)
        Class ids, one row per labelling.
    pull : float
        :attr:`AdaptSettings.pull`.
    offset : tensor, shape (n, n_classes) or (n, 1)
        Logits added to the layer's.

    Returns
    -------
    weight, bias : tensors, shapes ([n_labellings,] n_classes, d) and
        ([n_labellings,] n_classes)
        The refitted layer of each labelling; classes absent from a
        labelling keep their base weights.
    """
    rows = y if y.ndim == 2 else y[None]
    w0, b0 = layer.weight.detach().clone(), layer.bias.detach().clone()
    n_classes = len(b0)
    # As nn.CrossEntropyLoss(weight=...): balanced weights, weighted mean.
    class_w = torch.stack(
        [torch.tensor(balanced_class_weights(r.numpy(), n_classes)) for r in rows]
    ).float()  # (L, C)
    sample_w = torch.gather(class_w, 1, rows)  # (L, n)
    sample_w = sample_w / sample_w.sum(1, keepdim=True)
    # Classes a labelling lacks keep their base weights (no evidence).
    present = torch.zeros(len(rows), n_classes, dtype=torch.bool)
    present.scatter_(1, rows, True)
    # The loss sees w only through h @ w.T and the pull keeps w at w0
    # elsewhere, so w - w0 lies in the row space of h: fit its coordinates
    # there (directions below 1e-5 of the largest singular value dropped).
    _, sv, vt = torch.linalg.svd(h, full_matrices=False)
    basis = vt[sv > 1e-5 * sv[0]].T  # (d, r), orthonormal columns
    z = h @ basis  # (n, r)
    fixed = (h @ w0.T + b0 + offset)[None]  # (1, n, C): the base's logits
    a = torch.zeros(len(rows), n_classes, basis.shape[1], requires_grad=True)
    db = torch.zeros(len(rows), n_classes, requires_grad=True)
    lam = pull / (2 * rows.shape[1])
    optimiser = torch.optim.LBFGS(
        [a, db], lr=1.0, max_iter=200, history_size=10, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        # One matrix product for every labelling: (n, r) @ (r, L * C).
        step = (z @ a.reshape(-1, a.shape[-1]).T).reshape(len(z), *db.shape)
        logits = fixed + step.transpose(0, 1) + db[:, None]  # (L, n, C)
        nll = -torch.gather(logits.log_softmax(-1), 2, rows[..., None])[..., 0]
        loss = (sample_w * nll).sum() + lam * ((a**2).sum() + (db**2).sum())
        loss.backward()
        return loss

    from ..training.fit import torch_threads

    # Small products: a second thread costs more in waiting than it saves
    # (measured: 26 s against 2.5 s for 199 relabellings of 5 minutes on a
    # loaded 2-core machine).
    with torch_threads(1):
        optimiser.step(closure)
    with torch.no_grad():
        weight = torch.where(present[..., None], w0 + a @ basis.T, w0)
        bias = torch.where(present, b0 + db, b0)
    return (weight, bias) if y.ndim == 2 else (weight[0], bias[0])


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
