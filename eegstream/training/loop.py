"""The training loop of ResAttentioNet: the paper's optimiser, the recipe's schedule.

AdamW, ReduceLROnPlateau on validation loss, cross-entropy with label
smoothing and balanced class weights (settings in :class:`TrainConfig`).
The paper trains 100 fixed epochs and keeps the last weights
(``early_stopping=0, keep="last"``); the live recipe stops early and keeps
the best-validation weights. Either way the best-validation epoch is
recorded.

"Best validation" is a setting: ``select_on="accuracy"`` (default; ties go to
the lower loss) or ``"loss"``. With label smoothing and class weights on a
few dozen validation trials the loss often turns up while accuracy still
rises (the model grows confident), so selecting on loss stops too early.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np
import torch
from torch import nn

from ..model import ResAttentioNet
from ..model.predict import resolve_device
from .baseline import fit_baseline
from .config import TrainConfig
from .crops import CropSet


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (third-party code may use the legacy RNG)
    torch.manual_seed(seed)


def balanced_class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Weigh class c by ``n / (n_classes * count_c)`` ("balanced"); 0 if absent."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    return np.where(counts > 0, len(y) / (n_classes * np.maximum(counts, 1)), 0.0)


def _better(select_on: str, acc: float, loss: float, best_acc: float, best_loss: float):
    """Whether an epoch's validation result beats the best so far."""
    if select_on == "loss":
        return loss < best_loss - 1e-6
    return acc > best_acc + 1e-9 or (abs(acc - best_acc) <= 1e-9 and loss < best_loss)


def _batches(order: np.ndarray, size: int, shuffle: np.random.Generator | None):
    """Split ``order`` (shuffled when ``shuffle`` is given) into batches of indices."""
    n = len(order)
    if shuffle is not None:
        order = order[shuffle.permutation(n)]
    starts = list(range(0, n, size))
    # A last batch of one would break batch norm in training; fold it into the previous.
    if shuffle is not None and len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    ends = starts[1:] + [n]
    return [order[a:b] for a, b in zip(starts, ends, strict=True)]


def _take(x: np.ndarray | CropSet, idx: np.ndarray) -> np.ndarray:
    return x.take(idx) if isinstance(x, CropSet) else x[idx]


def _epoch_order(x, rng: np.random.Generator, per_trial: int) -> np.ndarray:
    """Return one epoch's sequences: all of an array, a fresh draw of crops."""
    return x.draw(rng, per_trial) if isinstance(x, CropSet) else np.arange(len(x))


def _evaluate(model, criterion, x, y, order, device, size) -> tuple[float, float]:
    model.eval()
    total, correct = 0.0, 0
    with torch.inference_mode():
        for idx in _batches(order, size * 4, None):
            xb = torch.from_numpy(_take(x, idx)).to(device)
            yb = torch.from_numpy(y[idx]).to(device)
            logits = model(xb)
            total += criterion(logits, yb).item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
    return total / max(len(order), 1), correct / max(len(order), 1)


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})


def train_network(
    x_train: np.ndarray | CropSet,
    y_train: np.ndarray,
    x_val: np.ndarray | CropSet,
    y_val: np.ndarray,
    n_classes: int,
    cfg: TrainConfig = TrainConfig(),  # noqa: B008 - frozen, immutable
    progress: bool = True,
    desc: str = "epochs",
) -> tuple[nn.Module, dict[str, Any]]:
    """Train ResAttentioNet and return the kept model and its history.

    Parameters
    ----------
    x_train, x_val : arrays of float32, shape (n, seq_len, n_features) | CropSet
        Normalised sequences, or crops: each epoch trains on a fresh draw of
        ``cfg.crops_per_trial`` crops per trial; validation uses one fixed
        draw of as many (seeded), so an epoch's cost does not grow with the
        trials' length.
    y_train, y_val : arrays of int, shape (n,)
        Label ids (of each crop for a CropSet: ``CropSet.y``).
    n_classes : int
        Number of classes.
    cfg : TrainConfig
        Recipe settings.
    progress : bool
        Show a progress bar over epochs (stderr).
    desc : str
        Progress bar label.

    Returns
    -------
    model : nn.Module
        On CPU, in eval mode, with the weights of the best validation epoch
        (see ``cfg.select_on``) or, with ``cfg.keep == "last"``, of the last.
    history : dict
        Lists per epoch: ``train_loss``, ``train_acc`` (on the sequences
        trained that epoch), ``val_loss``, ``val_acc``, ``lr``;
        ``best_epoch`` (1-based), ``best_val_acc``, ``kept_epoch``,
        ``select_on``, ``device``.
    """
    from tqdm import tqdm

    seed_everything(cfg.seed)
    device = resolve_device(cfg.device)
    model = ResAttentioNet(
        n_features=x_train.shape[2],
        n_classes=n_classes,
        base_width=cfg.base_width,
        n_heads=cfg.n_heads,
        dropout=cfg.dropout,
        readout=cfg.readout,
    )
    if cfg.readout == "mean":
        # The baseline in closed form, frozen: epoch 0 predicts as it does.
        model.set_mean_readout(
            fit_baseline(x_train, y_train, n_classes, cfg.seed, cfg.crops_per_trial)
        )
    model = model.to(device)
    weights = torch.tensor(
        balanced_class_weights(y_train, n_classes), dtype=torch.float32
    )
    criterion = nn.CrossEntropyLoss(
        weight=weights.to(device), label_smoothing=cfg.label_smoothing
    )
    optimiser = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=cfg.lr,
        weight_decay=cfg.weight_decay,
    )
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimiser,
        mode="min",
        factor=cfg.plateau_factor,
        patience=cfg.plateau_patience,
        min_lr=cfg.min_lr,
    )
    rng = np.random.default_rng(cfg.seed)
    val_order = _epoch_order(
        x_val, np.random.default_rng(cfg.seed + 1), cfg.crops_per_trial
    )
    history: dict[str, Any] = {
        k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")
    }
    best_acc, best_loss, best_state, best_epoch, stale = -1.0, np.inf, None, 0, 0
    if cfg.readout == "mean":  # epoch 0, the read-out alone, is a candidate too
        best_loss, best_acc = _evaluate(
            model, criterion, x_val, y_val, val_order, device, cfg.batch_size
        )
        best_state = _state(model)
    bar = tqdm(
        range(1, cfg.epochs + 1),
        desc=desc,
        unit="epoch",
        leave=False,
        disable=None if progress else True,
    )
    for epoch in bar:
        model.train()
        order = _epoch_order(x_train, rng, cfg.crops_per_trial)
        for idx in _batches(order, cfg.batch_size, rng):
            xb = torch.from_numpy(_take(x_train, idx)).to(device)
            yb = torch.from_numpy(y_train[idx]).to(device)
            optimiser.zero_grad(set_to_none=True)
            loss = criterion(model(xb), yb)
            loss.backward()
            optimiser.step()
        tr_loss, tr_acc = _evaluate(
            model, criterion, x_train, y_train, order, device, cfg.batch_size
        )
        va_loss, va_acc = _evaluate(
            model, criterion, x_val, y_val, val_order, device, cfg.batch_size
        )
        history["lr"].append(optimiser.param_groups[0]["lr"])
        scheduler.step(va_loss)
        history["train_loss"].append(tr_loss)
        history["train_acc"].append(tr_acc)
        history["val_loss"].append(va_loss)
        history["val_acc"].append(va_acc)
        bar.set_postfix(val_loss=f"{va_loss:.3f}", val_acc=f"{va_acc:.2f}")
        if _better(cfg.select_on, va_acc, va_loss, best_acc, best_loss):
            best_acc, best_loss, best_epoch, stale = va_acc, va_loss, epoch, 0
            best_state = _state(model)
        else:
            stale += 1
            if cfg.early_stopping and stale >= cfg.early_stopping:
                break
    bar.close()
    model = model.cpu()
    history["kept_epoch"] = len(history["val_acc"])
    if cfg.keep == "best" and best_state is not None:
        model.load_state_dict(best_state)
        history["kept_epoch"] = best_epoch
    history["best_epoch"] = best_epoch
    history["best_val_acc"] = best_acc
    history["select_on"] = cfg.select_on
    history["device"] = device.type
    return model.eval(), history
