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
    channel-major layout: the result is ``steps[:, cols]`` with the columns
    of :meth:`ChannelSet.feature_columns
    <eegstream.montage.ChannelSet.feature_columns>`.

    Parameters
    ----------
    trials : list of TrialSteps
        Steps of all 62 SEED channels (``62 * n_bands`` features).
    channels : sequence of str
        SEED names in SEED order.
    n_bands : int
        Bands per channel.
    """
    from ..montage import ChannelSet

    cols = ChannelSet.of(channels).feature_columns(n_bands)
    return [replace(t, steps=np.ascontiguousarray(t.steps[:, cols])) for t in trials]


def _official_config(
    trials, arrays: dict[str, np.ndarray], cfg: FeatureConfig
) -> FeatureConfig:
    """Window/hop of the release's features: trial seconds per step, rounded."""
    ratios = [t.duration_s / len(arrays[t.key]) for t in trials if len(arrays[t.key])]
    window = float(max(1, round(float(np.median(ratios))))) if ratios else cfg.window_s
    return cfg.replace(window_s=window, hop_s=window)


def drop_flagged(
    trials: list[TrialSteps],
    flagged: dict[str, np.ndarray],
    classes: Sequence[str],
) -> tuple[list[TrialSteps], dict]:
    """Leave out the flagged steps of each trial (``--drop-artifacts``).

    Each trial keeps its clean steps in their order; a trial with none left
    is left out. Its sequence or crops are then cut from the kept steps, so
    no flagged window is ever an input step (the Kalman smoothing of the
    cached features still ran through them: it is causal, as live).

    Parameters
    ----------
    trials : list of TrialSteps
    flagged : dict of str to array of bool, shape (n_steps,)
        Per trial key, the steps to leave out.
    classes : sequence of str
        Class names, indexed by label.

    Returns
    -------
    trials : list of TrialSteps
        The kept steps of each trial with any left.
    counts : dict
        ``windows``, ``dropped`` and ``trials_dropped`` in all; ``by_class``
        (class -> ``{"dropped", "windows"}``) and ``by_subject`` (subject ->
        class -> the same).

    Raises
    ------
    EEGStreamError
        When every window of a class of a subject would be left out.
    """
    by_subject: dict[int, dict[str, list[int]]] = {}
    kept, trials_dropped = [], 0
    for t in trials:
        flags = np.asarray(flagged[t.key], dtype=bool)
        if flags.shape != (len(t.steps),):
            raise EEGStreamError(
                f"trial {t.key}: {flags.size} window flags for {len(t.steps)} "
                "feature windows; the feature cache and the flags disagree, "
                "clear the cache folder and run again"
            )
        count = by_subject.setdefault(t.subject, {}).setdefault(
            classes[t.label], [0, 0]
        )
        count[0] += int(flags.sum())
        count[1] += flags.size
        if flags.all():
            trials_dropped += 1
        else:
            kept.append(replace(t, steps=t.steps[~flags]))
    for subject, per_class in by_subject.items():
        for name, (dropped, windows) in per_class.items():
            if dropped == windows:
                raise EEGStreamError(
                    f"--drop-artifacts leaves no window of class {name!r} for "
                    f"subject {subject}: all {windows} are flagged; train without "
                    "--drop-artifacts or check that subject's recordings"
                )
    by_class: dict[str, list[int]] = {}
    for per_class in by_subject.values():
        for name, (dropped, windows) in per_class.items():
            total = by_class.setdefault(name, [0, 0])
            total[0] += dropped
            total[1] += windows

    def pairs(table: dict[str, list[int]]) -> dict[str, dict[str, int]]:
        return {
            name: {"dropped": d, "windows": w}
            for name, (d, w) in sorted(table.items(), key=lambda i: classes.index(i[0]))
        }

    counts = {
        "windows": sum(w for _, w in by_class.values()),
        "dropped": sum(d for d, _ in by_class.values()),
        "trials_dropped": trials_dropped,
        "by_class": pairs(by_class),
        "by_subject": {str(s): pairs(by_subject[s]) for s in sorted(by_subject)},
    }
    return kept, counts


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


ZSCORE_OVER = ("steps", "sequences")


def normalised_steps(
    trials: list[TrialSteps],
    mode: str,
    mean: np.ndarray,
    std: np.ndarray,
    prior_steps: float = 30.0,
) -> list[np.ndarray]:
    """Each trial's steps, normalised as ``mode`` says, in the order of ``trials``.

    ``"subject"``: z-score with the mean and SD of all of that subject's steps
    (the paper). ``"running"``: :class:`RunningNormaliser` from the population
    ``mean``/``std``, run causally through the subject's trials in order, as
    the live path does for a new wearer.

    Returns
    -------
    list of arrays of float, shape (n_steps_i, n_features)
    """
    if mode not in ("subject", "running"):
        raise EEGStreamError(f"normaliser must be 'subject' or 'running', got {mode!r}")
    out: list[np.ndarray] = [np.empty(0)] * len(trials)
    by_subject: dict[int, list[int]] = {}
    for i, t in enumerate(trials):
        by_subject.setdefault(t.subject, []).append(i)
    for idx in by_subject.values():
        stacked = np.concatenate([trials[i].steps for i in idx])
        if mode == "subject":
            normed = subject_zscore(stacked)[0]
        else:
            normed = RunningNormaliser(mean, std, prior_steps).transform(stacked)
        bounds = np.cumsum([0] + [len(trials[i].steps) for i in idx])
        for i, a, b in zip(idx, bounds[:-1], bounds[1:], strict=True):
            out[i] = normed[a:b]
    return out


def build_sequences(
    trials: list[TrialSteps],
    cfg: FeatureConfig,
    mode: str,
    mean: np.ndarray,
    std: np.ndarray,
    prior_steps: float = 30.0,
    zscore_over: str = "steps",
) -> SequenceSet:
    """Normalise each subject's steps and cut one sequence per trial (first steps).

    Parameters
    ----------
    trials : list of TrialSteps
        In (subject, session, trial) order.
    cfg : FeatureConfig
        ``seq_len`` and ``padding`` of the sequences.
    mode : "subject" | "running"
        See :func:`normalised_steps`.
    mean, std : arrays of float, shape (n_features,)
        Training population statistics (used by ``"running"``).
    prior_steps : float
        The running normaliser's prior weight, in steps.
    zscore_over : "steps" | "sequences"
        With ``mode="subject"``: z-score over the subject's steps, then cut
        and zero-pad (``"steps"``), or cut and zero-pad first and z-score the
        subject's ``(n_trials * seq_len, F)`` tensor, padding included (the
        paper's annex, ``"sequences"``).
    """
    if zscore_over not in ZSCORE_OVER:
        raise EEGStreamError(
            f"zscore_over must be one of {ZSCORE_OVER}, got {zscore_over!r}"
        )
    if mode == "subject" and zscore_over == "sequences":
        raw = [
            to_sequence(t.steps, cfg.seq_len, cfg.padding, keep="first") for t in trials
        ]
        x = np.empty((len(trials), cfg.seq_len, raw[0].shape[1]), np.float32)
        subjects = np.asarray([t.subject for t in trials])
        for s in np.unique(subjects):
            idx = np.flatnonzero(subjects == s)
            block = np.stack([raw[i] for i in idx]).astype(np.float64)
            flat = block.reshape(-1, block.shape[-1])
            z = (flat - flat.mean(0)) / np.maximum(flat.std(0), 1e-6)
            x[idx] = z.reshape(block.shape)
    else:
        normed = normalised_steps(trials, mode, mean, std, prior_steps)
        x = np.stack(
            [to_sequence(n, cfg.seq_len, cfg.padding, keep="first") for n in normed]
        )
    return SequenceSet(
        x,
        np.asarray([t.label for t in trials], np.int64),
        np.asarray([t.subject for t in trials]),
        [t.key for t in trials],
    )
