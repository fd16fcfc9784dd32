"""Training data: one normalised 60-step sequence per trial.

Feature steps come from the project's own causal features (the default, the
same code the live path runs) or from the release's official features; each
trial becomes ``to_sequence(steps, seq_len, padding, keep="first")``, the
paper's truncation and zero-padding, which is also what the live path's
rolling sequence holds during warm-up.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .._errors import EEGStreamError
from ..features import (
    FeatureConfig,
    RunningNormaliser,
    flatten_features,
    subject_zscore,
    to_sequence,
)

FEATURE_SOURCES = ("own", "official")


@dataclass(frozen=True)
class TrialSteps:
    """The un-normalised feature steps of one trial.

    Attributes
    ----------
    key : str
        The trial's key in its dataset.
    subject, session, trial, label : int
        As in :class:`eegstream.datasets.Trial`.
    steps : array of float32, shape (n_steps, n_features)
        Features per step, channel-major (310 = 62 channels x 5 bands).
    """

    key: str
    subject: int
    session: int
    trial: int
    label: int
    steps: np.ndarray


def load_trial_steps(
    dataset,
    cfg: FeatureConfig,
    source: str = "own",
    kind: str = "de_LDS",
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> tuple[list[TrialSteps], FeatureConfig]:
    """Feature steps of every trial of ``dataset``, in (subject, session, trial) order.

    Parameters
    ----------
    dataset : eegstream.datasets.Dataset
        The opened dataset.
    cfg : FeatureConfig
        Feature settings of the project's own features.
    source : "own" | "official"
        ``"own"``: :func:`eegstream.datasets.cache.dataset_features` (cached).
        ``"official"``: ``Trial.official_features(kind)`` as released.
    kind : str
        Official feature kind (``"de_LDS"``; SEED-V has only ``"de"``).
    cache_dir : path-like | None
        Feature cache folder (default of ``dataset_features``).
    progress : bool
        Show a progress bar while extracting.

    Returns
    -------
    trials : list of TrialSteps
    cfg : FeatureConfig
        The settings the steps correspond to. For official features: window
        and hop set to the release's window (inferred from the step count),
        the closest settings the live path can run.
    """
    if source not in FEATURE_SOURCES:
        raise EEGStreamError(
            f"features must be one of {FEATURE_SOURCES}, got {source!r}"
        )
    if not dataset.trials:
        raise EEGStreamError(f"{dataset.name} at {dataset.root}: no trials found")
    if source == "own":
        from ..datasets.cache import dataset_features

        feats = dataset_features(dataset, cfg, cache_dir=cache_dir, progress=progress)
        arrays = {
            k: flatten_features(np.asarray(v, dtype=np.float32))
            for k, v in feats.items()
        }
    else:
        from tqdm import tqdm

        arrays = {}
        for t in tqdm(
            dataset.trials,
            desc="official features",
            unit="trial",
            disable=None if progress else True,
        ):
            arrays[t.key] = flatten_features(
                np.asarray(t.official_features(kind), np.float32)
            )
        cfg = _official_config(dataset.trials, arrays, cfg)
    trials = [
        TrialSteps(t.key, t.subject, t.session, t.trial, t.label, arrays[t.key])
        for t in sorted(dataset.trials, key=lambda t: (t.subject, t.session, t.trial))
    ]
    return trials, cfg


def select_channels(
    trials: list[TrialSteps], channels: Sequence[str], n_bands: int
) -> list[TrialSteps]:
    """Keep the feature columns of ``channels`` (a subset model's input).

    The 62-channel steps (cached DE, never recomputed) keep their
    channel-major layout: the result is ``steps[:, feature_columns(channels)]``.

    Parameters
    ----------
    trials : list of TrialSteps
        Steps of all 62 SEED channels (``62 * n_bands`` features).
    channels : sequence of str
        SEED names in SEED order.
    n_bands : int
        Bands per channel.
    """
    from ..headsets import feature_columns

    cols = feature_columns(channels, n_bands)
    return [replace(t, steps=np.ascontiguousarray(t.steps[:, cols])) for t in trials]


def _official_config(
    trials, arrays: dict[str, np.ndarray], cfg: FeatureConfig
) -> FeatureConfig:
    """Window/hop of the release's features: trial seconds per step, rounded."""
    ratios = [t.duration_s / len(arrays[t.key]) for t in trials if len(arrays[t.key])]
    window = float(max(1, round(float(np.median(ratios))))) if ratios else cfg.window_s
    return cfg.replace(window_s=window, hop_s=window)


def classes_by_subject(trials: list[TrialSteps]) -> dict[int, set[int]]:
    """Subject -> the label ids among its trials."""
    out: dict[int, set[int]] = {}
    for t in trials:
        out.setdefault(t.subject, set()).add(t.label)
    return out


def population_stats(
    trials: list[TrialSteps], subjects
) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and SD over every step of ``subjects`` (NaN ignored).

    Returns
    -------
    mean, std : arrays of float64, shape (n_features,)
    """
    chosen = set(subjects)
    rows = [t.steps for t in trials if t.subject in chosen and len(t.steps)]
    if not rows:
        raise EEGStreamError(f"no feature steps for subjects {sorted(chosen)}")
    n_features = rows[0].shape[1]
    count, total, sq = np.zeros(n_features), np.zeros(n_features), np.zeros(n_features)
    for r in rows:  # one pass, float64 sums, no concatenation of the whole set
        x = r.astype(np.float64)
        finite = np.isfinite(x)
        x = np.where(finite, x, 0.0)
        count += finite.sum(0)
        total += x.sum(0)
        sq += (x * x).sum(0)
    count = np.maximum(count, 1)
    mean = total / count
    std = np.sqrt(np.maximum(sq / count - mean**2, 0.0))
    return mean, np.maximum(std, 1e-6)


@dataclass(frozen=True)
class SequenceSet:
    """Classifier inputs of a set of trials.

    Attributes
    ----------
    x : array of float32, shape (n_trials, seq_len, n_features)
    y : array of int64, shape (n_trials,)
    subjects : array of int, shape (n_trials,)
    keys : list of str
    """

    x: np.ndarray
    y: np.ndarray
    subjects: np.ndarray
    keys: list[str]

    def select(self, subjects) -> SequenceSet:
        """Keep the trials of ``subjects``."""
        idx = np.flatnonzero(np.isin(self.subjects, list(subjects)))
        return SequenceSet(
            self.x[idx], self.y[idx], self.subjects[idx], [self.keys[i] for i in idx]
        )


def build_sequences(
    trials: list[TrialSteps],
    cfg: FeatureConfig,
    mode: str,
    mean: np.ndarray,
    std: np.ndarray,
    prior_steps: float = 30.0,
) -> SequenceSet:
    """Normalise each subject's steps and cut one sequence per trial.

    Parameters
    ----------
    trials : list of TrialSteps
        In (subject, session, trial) order.
    cfg : FeatureConfig
        ``seq_len`` and ``padding`` of the sequences.
    mode : "subject" | "running"
        ``"subject"``: z-score with the mean and SD of all of that subject's
        steps (the paper). ``"running"``: :class:`RunningNormaliser` from the
        population ``mean``/``std``, run causally through the subject's
        trials in order, as the live path does for a new wearer.
    mean, std : arrays of float, shape (n_features,)
        Training population statistics (used by ``"running"``).
    prior_steps : float
        The running normaliser's prior weight, in steps.
    """
    if mode not in ("subject", "running"):
        raise EEGStreamError(f"normaliser must be 'subject' or 'running', got {mode!r}")
    by_subject: dict[int, list[TrialSteps]] = {}
    for t in trials:
        by_subject.setdefault(t.subject, []).append(t)
    xs, ys, subs, keys = [], [], [], []
    for subject, group in by_subject.items():
        stacked = np.concatenate([t.steps for t in group])
        if mode == "subject":
            normed = subject_zscore(stacked)[0]
        else:
            normed = RunningNormaliser(mean, std, prior_steps).transform(stacked)
        bounds = np.cumsum([0] + [len(t.steps) for t in group])
        for t, a, b in zip(group, bounds[:-1], bounds[1:], strict=True):
            xs.append(to_sequence(normed[a:b], cfg.seq_len, cfg.padding, keep="first"))
            ys.append(t.label)
            subs.append(subject)
            keys.append(t.key)
    return SequenceSet(np.stack(xs), np.asarray(ys, np.int64), np.asarray(subs), keys)
