"""Evaluate a saved model: trial-level offline, and streamed through the live path.

The streaming evaluation feeds each trial's EEG, in chunks of 10 samples
like an amplifier, through :class:`~eegstream.model.StreamingClassifier` (the
live chain: streaming DE, causal Kalman, running normaliser, rolling
sequence with warm-up, model) at full speed, so the gap between the offline
number and what a live user sees is measured.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from ..headsets import channel_rows
from ..model import Checkpoint, Predictor, StreamingClassifier
from ..montage import SEED_CHANNELS
from .data import build_sequences, load_trial_steps, select_channels
from .metrics import classification_metrics


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
) -> dict[str, Any]:
    """Score one sequence per trial, normalised as the model was trained.

    Returns
    -------
    dict
        :func:`classification_metrics` plus ``per_subject`` accuracy and
        ``trials`` (key, subject, true and predicted label id of each).
    """
    check_compatible(ckpt, dataset)
    trials = select_subjects(dataset, subjects)
    source = ckpt.meta.get("features", "own")
    kind = source.split(":", 1)[1] if source.startswith("official:") else "de_LDS"
    view = dataclasses.replace(dataset, trials=trials)
    steps, cfg = load_trial_steps(
        view,
        ckpt.feature_config,
        "official" if source != "own" else "own",
        kind,
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
    norm = ckpt.meta["normaliser"]
    data = build_sequences(
        steps,
        cfg,
        norm["mode"],
        np.asarray(norm["mean"]),
        np.asarray(norm["std"]),
        norm.get("prior_steps", 30.0),
    )
    probs = Predictor(ckpt, device=device).predict_proba(data.x)
    pred = probs.argmax(1)
    out = classification_metrics(data.y, pred, ckpt.classes)
    out["per_subject"] = {
        int(s): float(np.mean(pred[data.subjects == s] == data.y[data.subjects == s]))
        for s in np.unique(data.subjects)
    }
    out["trials"] = [
        {"key": k, "subject": int(s), "true": int(t), "pred": int(p)}
        for k, s, t, p in zip(data.keys, data.subjects, data.y, pred, strict=True)
    ]
    out["normaliser"] = norm["mode"]
    out["features"] = source
    return out


def evaluate_streaming(
    ckpt: Checkpoint,
    dataset,
    subjects: list[int] | None = None,
    chunk: int = 10,
    device: str = "auto",
    progress: bool = True,
) -> dict[str, Any]:
    """Stream each subject's trials through the live path and score every step.

    Each subject starts a new wearer (running normaliser reset to the
    population); each trial starts a new contiguous recording (DE buffer,
    Kalman filter and sequence reset, as after a gap), and trials follow
    each other in recording order.

    Returns
    -------
    dict
        ``time_s`` (seconds into the trial of each step), ``accuracy``
        (fraction of trials right at that step) and ``n_trials`` per step;
        ``final_accuracy`` (last step of each trial), ``warm_accuracy`` (the
        step where the sequence first fills, or the last one of a shorter
        trial), ``settle_s`` per trial (time after which the prediction stays
        on the true class to the end; None if it never does),
        ``settled_fraction`` and ``median_settle_s``.
    """
    from tqdm import tqdm

    check_compatible(ckpt, dataset)
    trials = select_subjects(dataset, subjects)
    clf = StreamingClassifier(ckpt, device=device)
    cfg = ckpt.feature_config
    rows = channel_rows(ckpt.channels)
    correct_by_step: list[list[bool]] = []
    per_trial = []
    last_subject = None
    for t in tqdm(
        trials,
        desc="streaming trials",
        unit="trial",
        disable=None if progress else True,
    ):
        if t.subject != last_subject:
            clf.reset_wearer()
            last_subject = t.subject
        clf.reset()
        eeg = t.eeg()[rows]
        steps = []
        for i in range(0, eeg.shape[1], chunk):
            steps += clf.push(eeg[:, i : i + chunk])
        if not steps:
            continue
        correct = np.array([int(np.argmax(p)) == t.label for _, p in steps])
        times = np.array([s.end / cfg.sfreq for s, _ in steps])
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
            {
                "key": t.key,
                "subject": t.subject,
                "label": t.label,
                "final_correct": bool(correct[-1]),
                "warm_correct": bool(correct[warm_index]),
                "settle_s": settle,
                "n_steps": len(steps),
            }
        )
    if not per_trial:
        raise EEGStreamError("no trial was long enough for one feature window")
    settles = [p["settle_s"] for p in per_trial if p["settle_s"] is not None]
    time_s = [
        (cfg.window + k * cfg.hop) / cfg.sfreq for k in range(len(correct_by_step))
    ]
    return {
        "chunk_samples": chunk,
        "device": clf.device,
        "n_trials": len(per_trial),
        "time_s": time_s,
        "accuracy": [float(np.mean(c)) for c in correct_by_step],
        "n_trials_at_step": [len(c) for c in correct_by_step],
        "final_accuracy": float(np.mean([p["final_correct"] for p in per_trial])),
        "warm_accuracy": float(np.mean([p["warm_correct"] for p in per_trial])),
        "settled_fraction": len(settles) / len(per_trial),
        "median_settle_s": float(np.median(settles)) if settles else None,
        "trials": per_trial,
    }


def plot_accuracy_vs_time(path, result: dict[str, Any], title: str) -> None:
    """PNG of streaming accuracy against seconds into the trial."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .._io import atomic_path

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(result["time_s"], result["accuracy"], lw=1.5)
    ax.set_xlabel("time into trial (s)")
    ax.set_ylabel("fraction of trials classified right")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)
