"""Write an evaluation: ``evaluation.json`` and the accuracy-against-time PNG."""

from __future__ import annotations

import json
from pathlib import Path

from .._io import atomic_write_text
from ..model import Checkpoint
from .results import OfflineEvaluation, SessionEvaluation, StreamingEvaluation


def plot_accuracy_vs_time(
    path, result: StreamingEvaluation | SessionEvaluation, title: str
) -> None:
    """PNG of streaming accuracy against seconds into the trial (or clip onset).

    A session-mode plot also marks the steady-state start and the offline
    trial accuracy; the title and axis name the mode.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .._io import atomic_path

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(result.time_s, result.accuracy, lw=1.5, label=f"live ({result.mode} mode)")
    if isinstance(result, SessionEvaluation):
        ax.set_xlabel("seconds since clip onset (whole sessions, no reset)")
        ax.set_ylabel("fraction of steps classified right")
        ax.axvline(result.steady_from_s, color="0.6", ls=":", label="steady state")
        if result.offline_accuracy is not None:
            ax.axhline(
                result.offline_accuracy, color="C1", ls="--", label="offline, per trial"
            )
        ax.legend(loc="lower right")
    else:
        ax.set_xlabel("time into trial (s; reset at each trial)")
        ax.set_ylabel("fraction of trials classified right")
    ax.set_ylim(0, 1)
    ax.set_title(f"{title} [--streaming {result.mode}]")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)


def save_evaluation(
    out: Path,
    ckpt: Checkpoint,
    dataset,
    result: OfflineEvaluation | StreamingEvaluation | SessionEvaluation,
) -> Path:
    """Write ``evaluation.json`` (and ``accuracy_vs_time.png`` when streamed).

    The document's ``mode`` is ``"offline"``, ``"trial"`` or ``"session"``.

    Parameters
    ----------
    out : Path
        Folder, created if needed.
    ckpt : Checkpoint
        The model evaluated.
    dataset : Dataset
        The data it was evaluated on.
    result : OfflineEvaluation | StreamingEvaluation | SessionEvaluation
        What :func:`evaluate_offline`, :func:`evaluate_streaming` or
        :func:`evaluate_session` returned.

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    synthetic = bool(dataset.synthetic)
    streaming = not isinstance(result, OfflineEvaluation)
    document = {
        "model": str(ckpt.path),
        "dataset": dataset.name,
        "synthetic": synthetic,
        "streaming": streaming,
        "mode": "offline",
        **result.to_dict(),
    }
    atomic_write_text(out / "evaluation.json", json.dumps(document, indent=1))
    if not isinstance(result, OfflineEvaluation):
        tag = " [SYNTHETIC DATA]" if synthetic else ""
        plot_accuracy_vs_time(
            out / "accuracy_vs_time.png",
            result,
            f"{ckpt.name}: streaming accuracy{tag}",
        )
    return out
