"""The PNG plots of a run report, and the figure helpers other reports use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_path


def synthetic_tag(metrics: dict[str, Any]) -> str:
    """Return the title suffix of a run on synthetic data (empty otherwise)."""
    return " [SYNTHETIC DATA]" if metrics["dataset"]["synthetic"] else ""


def figure(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """Return pyplot (on the file-only Agg backend) and a new figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, plt.figure(*args, **kwargs)


def save_png(plt: Any, fig: Any, path: Path) -> None:
    """Write ``fig`` as a PNG atomically and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)


def plot_learning_curves(path: Path, metrics: dict[str, Any]) -> None:
    """Plot each split's training and validation curves (``metrics.json``)."""
    plt, fig = figure(figsize=(10, 4))
    axes = fig.subplots(1, 2)
    histories = [
        (r["split"]["name"], r["history"]) for r in metrics["splits"] if r["history"]
    ]
    for name, h in histories:
        epochs = np.arange(1, len(h["train_loss"]) + 1)
        for ax, key in zip(axes, ("loss", "acc"), strict=True):
            (line,) = ax.plot(epochs, h[f"train_{key}"], lw=1, label=f"{name} train")
            ax.plot(
                epochs,
                h[f"val_{key}"],
                lw=1,
                ls="--",
                color=line.get_color(),
                label=f"{name} val",
            )
    for ax, title in zip(axes, ("Loss (cross-entropy)", "Accuracy"), strict=True):
        ax.set_xlabel("epoch")
        ax.set_title(title)
        if not histories:
            ax.text(
                0.5,
                0.5,
                f"{metrics['arch']}: fitted in one step, no epochs",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
    if histories and len(histories) <= 6:
        axes[1].legend(fontsize=7)
    fig.suptitle(f"{metrics['name']}: learning curves" + synthetic_tag(metrics))
    save_png(plt, fig, path)


def plot_confusion(path: Path, counts: np.ndarray, classes, tag: str) -> None:
    """Plot the confusion matrix ``counts`` (true x predicted) titled with ``tag``."""
    plt, fig = figure(figsize=(11, 4.8))
    rows = counts.sum(1, keepdims=True)
    percent = 100 * counts / np.maximum(rows, 1)
    for ax, mat, title, fmt in zip(
        fig.subplots(1, 2),
        (counts, percent),
        ("counts", "% of true class"),
        ("{:.0f}", "{:.1f}"),
        strict=True,
    ):
        im = ax.imshow(mat, cmap="Blues")
        ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
        ax.set_yticks(range(len(classes)), classes)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title)
        for i in range(mat.shape[0]):
            for j in range(mat.shape[1]):
                ax.text(
                    j,
                    i,
                    fmt.format(mat[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if mat[i, j] > mat.max() / 2 else "black",
                )
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.suptitle("Confusion matrix, test trials of all splits" + tag)
    fig.tight_layout()
    save_png(plt, fig, path)


def plot_radar(path: Path, metrics: dict[str, Any], classes) -> None:
    """Plot the per-class recall (mean ± SD over splits)."""
    plt, fig = figure(figsize=(5.5, 5.5))
    ax = fig.add_subplot(projection="polar")
    angles = np.linspace(0, 2 * np.pi, len(classes), endpoint=False)
    mean = np.array([metrics["summary"]["recall_mean"][c] for c in classes])
    sd = np.array([metrics["summary"]["recall_sd"][c] for c in classes])
    closed = np.r_[angles, angles[:1]]
    ax.plot(closed, np.r_[mean, mean[:1]], lw=2, label="mean over splits")
    ax.fill_between(
        closed,
        np.clip(np.r_[mean - sd, mean[0] - sd[0]], 0, 1),
        np.clip(np.r_[mean + sd, mean[0] + sd[0]], 0, 1),
        alpha=0.25,
        label="± SD",
    )
    chance = metrics["summary"]["chance"]
    ax.plot(closed, np.full(len(closed), chance), ls=":", color="grey", label="chance")
    ax.set_xticks(angles, classes)
    ax.set_ylim(0, 1)
    ax.set_title("Per-class accuracy (recall)" + synthetic_tag(metrics))
    ax.legend(loc="lower right", fontsize=7, bbox_to_anchor=(1.2, -0.1))
    save_png(plt, fig, path)
