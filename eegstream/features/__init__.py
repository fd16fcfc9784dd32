"""The shared signal core: DE features, causal Kalman smoothing, normalisation.

Offline extraction, training, evaluation and the live pipeline all call these
functions; nothing else in the project computes features.
"""

from __future__ import annotations

import numpy as np

from .config import BAND_NAMES, SEED_BANDS, FeatureConfig, KalmanSettings
from .de import compute_de, de_of_windows, n_windows, window_end_times
from .kalman import CausalKalman, kalman_filter, kalman_smooth
from .normalise import RunningNormaliser, subject_zscore
from .online import FeatureStep, OnlineFeatures, flatten_features
from .sequence import RollingSequence, to_sequence
from .streaming import StreamingDE


def extract_features(eeg: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """DE of a whole recording, smoothed causally as ``cfg.smoothing`` says.

    The offline twin of :class:`OnlineFeatures` without normalisation: row
    ``i`` equals the live path's ``smoothed`` output for window ``i``.

    Parameters
    ----------
    eeg : array of float, shape (n_channels, n_samples)
        EEG in microvolts at ``cfg.sfreq`` Hz.
    cfg : FeatureConfig
        Feature settings.

    Returns
    -------
    array of float64, shape (n_windows, n_channels, n_bands)
    """
    de = compute_de(eeg, cfg)
    return kalman_filter(de, cfg.kalman) if cfg.smoothing == "kalman" else de


__all__ = [
    "BAND_NAMES",
    "SEED_BANDS",
    "CausalKalman",
    "FeatureConfig",
    "FeatureStep",
    "KalmanSettings",
    "OnlineFeatures",
    "RollingSequence",
    "RunningNormaliser",
    "StreamingDE",
    "compute_de",
    "de_of_windows",
    "extract_features",
    "flatten_features",
    "kalman_filter",
    "kalman_smooth",
    "n_windows",
    "subject_zscore",
    "to_sequence",
    "window_end_times",
]
