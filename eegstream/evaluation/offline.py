"""Offline evaluation: one sequence per trial, normalised as in training."""

from __future__ import annotations

import dataclasses

import numpy as np

from .._errors import EEGStreamError
from ..model import Checkpoint, Predictor
from ..montage import SEED_CHANNELS
from ..training.data import build_sequences, load_trial_steps, select_channels
from ..training.metrics import classification_metrics
from .results import OfflineEvaluation, TrialPrediction


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
    asr: bool | None = None,
) -> OfflineEvaluation:
    """Score one sequence per trial, normalised as the model was trained.

    ``asr`` (``--asr``/``--no-asr``): features with or without ASR whatever
    the model was trained on; ``None`` as it was.
    """
    check_compatible(ckpt, dataset)
    trials = select_subjects(dataset, subjects)
    source = ckpt.meta.features
    view = dataclasses.replace(dataset, trials=trials)
    wanted = ckpt.feature_config.with_asr(asr)
    steps, cfg = load_trial_steps(
        view,
        wanted,
        source.kind,
        source.official_kind or "de_LDS",
        cache_dir,
        progress,
    )
    if cfg != wanted:
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
