"""The classic baseline: multinomial logistic regression on each trial's mean DE.

Fitted with scikit-learn on the per-feature means of the same sequences the
network sees (padding excluded), then stored as a
:class:`~eegstream.model.LogRegClassifier` so it is saved, loaded and served
exactly like the network.
"""

from __future__ import annotations

import numpy as np
import torch

from ..model import LogRegClassifier
from ..model.logreg import masked_mean
from .crops import CropSet


def trial_means(x: np.ndarray) -> np.ndarray:
    """Per-feature mean over each sequence's real steps.

    Parameters
    ----------
    x : array of float32, shape (n_trials, seq_len, n_features)

    Returns
    -------
    array of float32, shape (n_trials, n_features)
    """
    with torch.inference_mode():
        return masked_mean(torch.from_numpy(np.asarray(x, np.float32))).numpy()


def train_logreg(
    x_train: np.ndarray,
    y_train: np.ndarray,
    n_classes: int,
    seed: int = 42,
    c: float = 1.0,
) -> LogRegClassifier:
    """Fit the baseline on training sequences.

    Parameters
    ----------
    x_train : array of float32, shape (n_trials, seq_len, n_features)
    y_train : array of int, shape (n_trials,)
    n_classes : int
        Number of classes (a class absent from training gets logit -inf-like bias).
    seed : int
        Solver seed.
    c : float
        Inverse L2 regularisation strength.

    Returns
    -------
    LogRegClassifier
        In eval mode, on CPU.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    feats = trial_means(x_train).astype(np.float64)
    scaler = StandardScaler().fit(feats)
    clf = LogisticRegression(
        C=c, max_iter=2000, class_weight="balanced", random_state=seed
    )
    clf.fit(scaler.transform(feats), y_train)
    coef, bias = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # two classes: sigmoid(z) == softmax([-z/2, z/2])
        coef, bias = (
            np.vstack([-coef / 2, coef / 2]),
            np.array([-bias[0] / 2, bias[0] / 2]),
        )
    weight = np.zeros((n_classes, feats.shape[1]))
    full_bias = np.full(
        n_classes, -1e4
    )  # classes never seen in training are never predicted
    weight[clf.classes_] = coef
    full_bias[clf.classes_] = bias
    model = LogRegClassifier(feats.shape[1], n_classes)
    with torch.no_grad():
        model.center.copy_(torch.from_numpy(scaler.mean_))
        model.scale.copy_(
            torch.from_numpy(np.where(scaler.scale_ > 0, scaler.scale_, 1.0))
        )
        model.linear.weight.copy_(torch.from_numpy(weight))
        model.linear.bias.copy_(torch.from_numpy(full_bias))
    return model.eval()


def fit_baseline(
    x: np.ndarray | CropSet,
    y: np.ndarray,
    n_classes: int,
    seed: int = 42,
    crops_per_trial: int = 4,
) -> LogRegClassifier:
    """Fit the baseline on sequences, or on one seeded draw of crops.

    Parameters
    ----------
    x : array of float32, shape (n, seq_len, n_features) | CropSet
        Training sequences, or crops (``crops_per_trial`` drawn per trial with
        ``numpy.random.default_rng(seed)``).
    y : array of int, shape (n,)
        Label ids (of each crop for a CropSet).
    n_classes : int
        Number of classes.
    seed : int
        Seed of the crop draw and of the solver.
    crops_per_trial : int
        Crops per trial drawn from a CropSet.
    """
    if isinstance(x, CropSet):
        idx = x.draw(np.random.default_rng(seed), crops_per_trial)
        x, y = x.take(idx), y[idx]
    return train_logreg(x, y, n_classes, seed=seed)
