"""Crop training data: every sequence the live path could show inside a trial.

A :class:`CropSet` holds, per trial, the rolling sequences after every
``stride`` steps (zero-padded during warm-up, as live); crops are built a
batch at a time, on demand. :func:`build_crops` makes them from feature
steps as :func:`~eegstream.training.data.build_sequences` makes one
sequence per trial.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._errors import EEGStreamError
from ..features import FeatureConfig, to_sequence
from .data import TrialSteps, normalised_steps


class CropSet:
    """Every sequence the live path could show inside each trial, at a stride.

    Live, after ``k`` steps of a recording the classifier sees
    ``to_sequence(steps[:k], seq_len, padding, keep="last")`` (the rolling
    sequence: zero-padded during warm-up, the newest ``seq_len`` steps
    after). A crop is that sequence for ``k = stride, 2 * stride, ...`` up to
    the trial's length, built on demand (all crops of a SEED-IV-sized set
    would take gigabytes), labelled with the trial's label.

    Parameters
    ----------
    steps : list of arrays of float, shape (n_steps_i, n_features)
        Each trial's normalised steps.
    labels, subjects : arrays of int, shape (n_trials,)
    keys : list of str
    seq_len : int
        Steps per sequence.
    padding : "end" | "start"
        Where warm-up zero steps go (the checkpoint's ``padding``).
    stride : int
        Steps between crop ends, at least 1.
    """

    def __init__(self, steps, labels, subjects, keys, seq_len, padding, stride) -> None:
        self.steps = list(steps)
        self.labels = np.asarray(labels, np.int64)
        self.subjects = np.asarray(subjects)
        self.keys = list(keys)
        self.seq_len, self.padding, self.stride = int(seq_len), padding, int(stride)
        ends = [np.arange(stride, len(s) + 1, stride) for s in self.steps]
        #: (n_crops,) trial index and number of steps seen of each crop.
        self.trial = np.concatenate(
            [np.full(len(e), i) for i, e in enumerate(ends)]
        ).astype(np.int64)
        self.end = np.concatenate(ends).astype(np.int64)
        self.y = self.labels[self.trial]

    def __len__(self) -> int:
        return len(self.trial)

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return len(self.steps)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_crops, seq_len, n_features)``, as an array of all crops would be."""
        return len(self), self.seq_len, self.steps[0].shape[1]

    def take(self, idx) -> np.ndarray:
        """Return crops ``idx``, float32, shape (len(idx), seq_len, n_features)."""
        return np.stack(
            [
                to_sequence(
                    self.steps[self.trial[i]][: self.end[i]],
                    self.seq_len,
                    self.padding,
                    keep="last",
                )
                for i in idx
            ]
        )

    def draw(self, rng: np.random.Generator, per_trial: int) -> np.ndarray:
        """Crop indices: ``per_trial`` crops of each trial (all if it has fewer).

        Drawn without replacement within a trial, afresh on each call, so an
        epoch costs ``per_trial`` sequences per trial whatever their length.
        """
        keys = rng.random(len(self))
        order = np.lexsort((keys, self.trial))  # by trial, random within
        first = np.searchsorted(self.trial[order], np.arange(self.n_trials))
        rank = np.arange(len(self)) - np.repeat(
            first, np.bincount(self.trial, minlength=self.n_trials)
        )
        return np.sort(order[rank < per_trial])

    def trial_probabilities(self, prob: np.ndarray) -> np.ndarray:
        """Average all crops' ``prob`` per trial: (n_trials, n_classes)."""
        out = np.zeros((self.n_trials, prob.shape[1]))
        np.add.at(out, self.trial, prob)
        return (
            out
            / np.maximum(np.bincount(self.trial, minlength=self.n_trials), 1)[:, None]
        )

    def select(self, subjects) -> CropSet:
        """Keep the trials of ``subjects``."""
        keep = np.flatnonzero(np.isin(self.subjects, list(subjects)))
        return CropSet(
            [self.steps[i] for i in keep],
            self.labels[keep],
            self.subjects[keep],
            [self.keys[i] for i in keep],
            self.seq_len,
            self.padding,
            self.stride,
        )

    def with_labels(self, labels=None, subjects=None) -> CropSet:
        """Return the same crops with other trial labels or subjects.

        Other labels: the shuffled-labels control; other subjects: the split
        units of the within-subject protocol. ``None`` keeps the current ones.
        """
        return CropSet(
            self.steps,
            self.labels if labels is None else labels,
            self.subjects if subjects is None else subjects,
            self.keys,
            self.seq_len,
            self.padding,
            self.stride,
        )


def crop_stride(stride_s: float, hop_s: float, shortest_s: float) -> int:
    """Return the steps between crops for a stride in seconds, or refuse it.

    The stride must be at least one hop and at most the shortest trial
    (``shortest_s``, seconds).
    """
    if not (hop_s <= stride_s <= shortest_s):
        raise EEGStreamError(
            f"{{crops}} stride {stride_s:g} s is out of range: it must be at least the "
            f"hop ({hop_s:g} s) and at most the shortest trial ({shortest_s:g} s)",
            param="crops",
        )
    return int(round(stride_s / hop_s))


def build_crops(
    trials: list[TrialSteps],
    cfg: FeatureConfig,
    stride_s: float,
    mode: str,
    mean: np.ndarray,
    std: np.ndarray,
    prior_steps: float = 30.0,
) -> CropSet:
    """Normalise as :func:`build_sequences` does; index every crop at ``stride_s``."""
    shortest = min(len(t.steps) for t in trials) * cfg.hop_s
    stride = crop_stride(stride_s, cfg.hop_s, shortest)
    normed = normalised_steps(trials, mode, mean, std, prior_steps)
    return trial_crops(trials, normed, cfg, stride)


def trial_crops(
    trials: Sequence[TrialSteps],
    normed: Sequence[np.ndarray],
    cfg: FeatureConfig,
    stride: int,
) -> CropSet:
    """Index the crops of ``trials`` whose normalised steps are ``normed``.

    Parameters
    ----------
    trials : sequence of TrialSteps
        Labels, subjects and keys.
    normed : sequence of arrays of float, shape (n_steps_i, n_features)
        Each trial's normalised steps.
    cfg : FeatureConfig
        ``seq_len`` and ``padding``.
    stride : int
        Steps between crop ends.
    """
    return CropSet(
        normed,
        [t.label for t in trials],
        [t.subject for t in trials],
        [t.key for t in trials],
        cfg.seq_len,
        cfg.padding,
        stride,
    )
