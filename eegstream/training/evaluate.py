"""Evaluate a saved model: trial-level offline, and streamed through the live path.

The streaming evaluation feeds each trial's EEG, in chunks of 10 samples
like an amplifier, through :class:`~eegstream.pipeline.LiveChain` (the live
chain: channel plan, NaN handling, streaming DE, causal Kalman, running
normaliser, rolling sequence with warm-up, model) at full speed, so the gap
between the offline number and what a live user sees is measured.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .._io import atomic_write_text
from ..headsets import channel_rows
from ..model import Checkpoint, Predictor
from ..montage import SEED_CHANNELS
from .data import build_sequences, load_trial_steps, select_channels
from .metrics import classification_metrics


@dataclass(frozen=True)
class TrialPrediction:
    """One trial of an offline evaluation: true and predicted label ids."""

    key: str
    subject: int
    true: int
    pred: int


@dataclass(frozen=True)
class OfflineEvaluation:
    """Trial-level scores of a checkpoint on a dataset.

    Attributes
    ----------
    n, accuracy, macro_f1, per_class, confusion
        :func:`~eegstream.training.classification_metrics` of all trials.
    per_subject : dict of int to float
        Accuracy per subject.
    trials : tuple of TrialPrediction
        Every trial, in recording order.
    normaliser : str
        The normaliser mode applied (the checkpoint's, as in training).
    features : str
        The feature source (``"own"`` or ``"official:<kind>"``).
    """

    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    per_subject: dict[int, float]
    trials: tuple[TrialPrediction, ...]
    normaliser: str
    features: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fields (``evaluation.json`` without ``--streaming``)."""
        return asdict(self)


@dataclass(frozen=True)
class StreamedTrial:
    """One trial of a streaming evaluation.

    Attributes
    ----------
    key : str
        The trial's key.
    subject, label : int
        Its subject and true label id.
    final_correct, warm_correct : bool
        Whether the last step, and the step where the sequence first fills
        (or the last of a shorter trial), predicted the true class.
    settle_s : float | None
        Seconds into the trial after which the prediction stays right to the
        end; None if it never does.
    n_steps : int
        Steps the trial gave.
    """

    key: str
    subject: int
    label: int
    final_correct: bool
    warm_correct: bool
    settle_s: float | None
    n_steps: int


@dataclass(frozen=True)
class StreamingEvaluation:
    """Accuracy against time into the trial, streamed through the live path.

    Attributes
    ----------
    chunk_samples : int
        Samples per pushed chunk.
    device : str
        Where the model ran.
    n_trials : int
        Trials long enough for one step.
    time_s, accuracy, n_trials_at_step : tuple, one entry per step index
        Seconds into the trial, fraction of trials right, trials that
        reached that step.
    final_accuracy, warm_accuracy : float
        Accuracy at each trial's last step, and where its sequence fills.
    settled_fraction : float
        Fraction of trials that settle on the true class.
    median_settle_s : float | None
        Median settle time of those; None when none settles.
    trials : tuple of StreamedTrial
        Per trial.
    """

    chunk_samples: int
    device: str
    n_trials: int
    time_s: tuple[float, ...]
    accuracy: tuple[float, ...]
    n_trials_at_step: tuple[int, ...]
    final_accuracy: float
    warm_accuracy: float
    settled_fraction: float
    median_settle_s: float | None
    trials: tuple[StreamedTrial, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fields (``evaluation.json`` with ``--streaming``)."""
        return asdict(self)


def check_compatible(ckpt: Checkpoint, dataset) -> None:
    """Refuse a checkpoint whose classes or sampling rate do not fit the dataset."""
    if tuple(dataset.classes) != ckpt.classes:
        raise EEGStreamError(
            f"model {ckpt.name} classifies {list(ckpt.classes)} but {dataset.name} has "
            f"classes {list(dataset.classes)}; use a model trained on {dataset.name}"
        )
    cfg = ckpt.feature_config
    if cfg.sfreq != 200.0:
        raise EEGStreamError(
            f"model {ckpt.name} expects EEG at {cfg.sfreq:g} Hz; dataset EEG is at "
            "200 Hz"
        )


def select_subjects(dataset, subjects: list[int] | None) -> list:
    """Return the trials of ``subjects`` (all when None) in recording order."""
    present = dataset.subjects
    if subjects:
        unknown = sorted(set(subjects) - set(present))
        if unknown:
            raise EEGStreamError(
                f"subjects {unknown} not in {dataset.name} at {dataset.root}; "
                f"present: {present}"
            )
    chosen = set(subjects or present)
    trials = [t for t in dataset.trials if t.subject in chosen]
    if not trials:
        raise EEGStreamError(
            f"no trials for subjects {sorted(chosen)} in {dataset.name}"
        )
    return sorted(trials, key=lambda t: (t.subject, t.session, t.trial))


def evaluate_offline(
    ckpt: Checkpoint,
    dataset,
    subjects: list[int] | None = None,
    cache_dir=None,
    device: str = "auto",
    progress: bool = True,
) -> OfflineEvaluation:
    """Score one sequence per trial, normalised as the model was trained."""
    check_compatible(ckpt, dataset)
    trials = select_subjects(dataset, subjects)
    source = ckpt.meta.features
    view = dataclasses.replace(dataset, trials=trials)
    steps, cfg = load_trial_steps(
        view,
        ckpt.feature_config,
        source.kind,
        source.official_kind or "de_LDS",
        cache_dir,
        progress,
    )
    if cfg != ckpt.feature_config:
        raise EEGStreamError(
            f"model {ckpt.name} was trained on features with window "
            f"{ckpt.feature_config.window_s} s, hop {ckpt.feature_config.hop_s} s; "
            f"the release's features have {cfg.window_s} s"
        )
    if ckpt.channels != SEED_CHANNELS:  # a headset model: its columns of the 62
        steps = select_channels(steps, ckpt.channels, len(cfg.bands))
    if steps[0].steps.shape[1] != ckpt.n_features:
        raise EEGStreamError(
            f"model {ckpt.name} takes {ckpt.n_features} features per step, the "
            f"data gives {steps[0].steps.shape[1]}"
        )
    norm = ckpt.meta.normaliser
    data = build_sequences(
        steps,
        cfg,
        norm.mode,
        np.asarray(norm.mean),
        np.asarray(norm.std),
        norm.prior_steps,
    )
    probs = Predictor(ckpt, device=device).predict_proba(data.x)
    pred = probs.argmax(1)
    return OfflineEvaluation(
        **classification_metrics(data.y, pred, ckpt.classes),
        per_subject={
            int(s): float(
                np.mean(pred[data.subjects == s] == data.y[data.subjects == s])
            )
            for s in np.unique(data.subjects)
        },
        trials=tuple(
            TrialPrediction(str(k), int(s), int(t), int(p))
            for k, s, t, p in zip(data.keys, data.subjects, data.y, pred, strict=True)
        ),
        normaliser=norm.mode,
        features=str(source),
    )


def evaluate_streaming(
    ckpt: Checkpoint,
    dataset,
    subjects: list[int] | None = None,
    chunk: int = 10,
    device: str = "auto",
    progress: bool = True,
) -> StreamingEvaluation:
    """Stream each subject's trials through the live path and score every step.

    Each subject starts a new wearer (running normaliser reset to the
    population); each trial starts a new contiguous recording (DE buffer,
    Kalman filter and sequence reset, as after a gap), and trials follow
    each other in recording order.

    Returns
    -------
    StreamingEvaluation
        Accuracy per step index (seconds into the trial), at each trial's
        end and after warm-up, and the settle time of each trial.
    """
    from tqdm import tqdm

    from ..pipeline import LiveChain  # here: the pipeline package loads pylsl

    check_compatible(ckpt, dataset)
    trials = select_subjects(dataset, subjects)
    cfg = ckpt.feature_config
    # Dataset EEG is in µV, SEED order, at the checkpoint's rate; a headset
    # model's stream carries its channels only.
    rows = channel_rows(ckpt.channels)
    chain = LiveChain.from_labels(
        ckpt, ckpt.channels, cfg.sfreq, unit="uV", device=device
    )
    correct_by_step: list[list[bool]] = []
    per_trial: list[StreamedTrial] = []
    last_subject = None
    for t in tqdm(
        trials,
        desc="streaming trials",
        unit="trial",
        disable=None if progress else True,
    ):
        if t.subject != last_subject:
            chain.reset_wearer()
            last_subject = t.subject
        chain.reset()
        eeg = t.eeg()[rows]
        # Stamped by sample index, so a step's time into the trial is exact.
        index = np.arange(eeg.shape[1], dtype=np.float64)
        steps = []
        for i in range(0, eeg.shape[1], chunk):
            steps += chain.push(eeg[:, i : i + chunk], index[i : i + chunk])
        if not steps:
            continue
        correct = np.array([int(np.argmax(r.probabilities)) == t.label for r in steps])
        times = np.array([(r.timestamp + 1) / cfg.sfreq for r in steps])
        for k, ok in enumerate(correct):
            if k == len(correct_by_step):
                correct_by_step.append([])
            correct_by_step[k].append(bool(ok))
        wrong = np.flatnonzero(~correct)
        settle = (
            None
            if correct[-1] == 0
            else float(times[wrong[-1] + 1] if wrong.size else times[0])
        )
        warm_index = min(cfg.seq_len, len(steps)) - 1
        per_trial.append(
            StreamedTrial(
                key=t.key,
                subject=t.subject,
                label=t.label,
                final_correct=bool(correct[-1]),
                warm_correct=bool(correct[warm_index]),
                settle_s=settle,
                n_steps=len(steps),
            )
        )
    if not per_trial:
        raise EEGStreamError("no trial was long enough for one feature window")
    settles = [p.settle_s for p in per_trial if p.settle_s is not None]
    return StreamingEvaluation(
        chunk_samples=chunk,
        device=chain.classifier.device,
        n_trials=len(per_trial),
        time_s=tuple(
            (cfg.window + k * cfg.hop) / cfg.sfreq for k in range(len(correct_by_step))
        ),
        accuracy=tuple(float(np.mean(c)) for c in correct_by_step),
        n_trials_at_step=tuple(len(c) for c in correct_by_step),
        final_accuracy=float(np.mean([p.final_correct for p in per_trial])),
        warm_accuracy=float(np.mean([p.warm_correct for p in per_trial])),
        settled_fraction=len(settles) / len(per_trial),
        median_settle_s=float(np.median(settles)) if settles else None,
        trials=tuple(per_trial),
    )


def plot_accuracy_vs_time(path, result: StreamingEvaluation, title: str) -> None:
    """PNG of streaming accuracy against seconds into the trial."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .._io import atomic_path

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(result.time_s, result.accuracy, lw=1.5)
    ax.set_xlabel("time into trial (s)")
    ax.set_ylabel("fraction of trials classified right")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)


def seen_subjects(ckpt: Checkpoint, evaluated: list[int]) -> list[int]:
    """Subjects of ``evaluated`` the model learnt from or was selected on.

    A subject in the checkpoint's train or validation split is seen (with the
    ``within`` protocol, every subject of its data); when the
    checkpoint records no split, every subject but its test subjects is.
    Subjects never part of its data are held out like its test subjects.

    Returns
    -------
    list of int
        Sorted; empty when every evaluated subject is held out, or when the
        checkpoint records no test subjects (nothing is known).
    """
    held_out = ckpt.meta.metrics.test_subjects
    if held_out is None:
        return []
    protocol = ckpt.meta.protocol
    if protocol is not None and protocol.name == "within":
        # Its splits hold blocks of each subject's trials: every subject is seen.
        return sorted(set(evaluated) & set(ckpt.meta.dataset.subjects or ()))
    split = protocol.split if protocol is not None else None
    fitted = set(split.train) | set(split.val) if split is not None else set()
    evaluated_set = set(evaluated)
    return sorted(evaluated_set & fitted if fitted else evaluated_set - set(held_out))


def save_evaluation(
    out: Path,
    ckpt: Checkpoint,
    dataset,
    result: OfflineEvaluation | StreamingEvaluation,
) -> Path:
    """Write ``evaluation.json`` (and ``accuracy_vs_time.png`` when streamed).

    Parameters
    ----------
    out : Path
        Folder, created if needed.
    ckpt : Checkpoint
        The model evaluated.
    dataset : Dataset
        The data it was evaluated on.
    result : OfflineEvaluation | StreamingEvaluation
        What :func:`evaluate_offline` or :func:`evaluate_streaming` returned.

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    synthetic = bool(dataset.synthetic)
    streaming = isinstance(result, StreamingEvaluation)
    document = {
        "model": str(ckpt.path),
        "dataset": dataset.name,
        "synthetic": synthetic,
        "streaming": streaming,
        **result.to_dict(),
    }
    atomic_write_text(out / "evaluation.json", json.dumps(document, indent=1))
    if isinstance(result, StreamingEvaluation):
        tag = " [SYNTHETIC DATA]" if synthetic else ""
        plot_accuracy_vs_time(
            out / "accuracy_vs_time.png",
            result,
            f"{ckpt.name}: streaming accuracy{tag}",
        )
    return out
