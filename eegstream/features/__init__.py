"""The shared signal core: conditioning, DE features, causal Kalman, normalisation.

Offline extraction, training, evaluation and the live pipeline all call these
functions; nothing else in the project computes features.
"""

from __future__ import annotations

import numpy as np

from .asr_stage import ASRStage, asr_clean
from .conditioning import (
    LineEstimate,
    StreamingConditioner,
    condition,
    conditioning_sos,
    estimate_line_freq,
)
from .config import (
    BAND_NAMES,
    LINE_FREQS,
    SEED_BANDS,
    ASRSettings,
    ConditioningSettings,
    FeatureConfig,
    KalmanSettings,
)
from .de import compute_de, de_of_windows, n_windows, window_end_times
from .kalman import CausalKalman, kalman_filter, kalman_smooth
from .normalise import NormaliserState, RunningNormaliser, subject_zscore
from .online import FeatureStep, OnlineFeatures, flatten_features
from .sequence import RollingSequence, to_sequence
from .streaming import StreamingDE


def extract_features(eeg: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """DE of a whole recording, conditioned and smoothed as ``cfg`` says.

    The offline twin of :class:`OnlineFeatures` without normalisation: row
    ``i`` equals the live path's ``smoothed`` output for window ``i``.

    Parameters
    ----------
    eeg : array of float, shape (n_channels, n_samples)
        EEG in microvolts at ``cfg.sfreq`` Hz, raw: filtered here as
        ``cfg.conditioning`` says (:func:`condition`), from its first sample,
        then cleaned by ASR when ``cfg.asr`` is set (:func:`asr_clean`).
    cfg : FeatureConfig
        Feature settings.

    Returns
    -------
    array of float64, shape (n_windows, n_channels, n_bands)
    """
    de = compute_de(asr_clean(condition(eeg, cfg), cfg), cfg)
    return kalman_filter(de, cfg.kalman) if cfg.smoothing == "kalman" else de


__all__ = [
    "ASRSettings",
    "ASRStage",
    "BAND_NAMES",
    "LINE_FREQS",
    "SEED_BANDS",
    "CausalKalman",
    "ConditioningSettings",
    "FeatureConfig",
    "FeatureStep",
    "KalmanSettings",
    "LineEstimate",
    "NormaliserState",
    "OnlineFeatures",
    "RollingSequence",
    "RunningNormaliser",
    "StreamingConditioner",
    "StreamingDE",
    "asr_clean",
    "compute_de",
    "condition",
    "conditioning_sos",
    "de_of_windows",
    "estimate_line_freq",
    "extract_features",
    "flatten_features",
    "kalman_filter",
    "kalman_smooth",
    "n_windows",
    "subject_zscore",
    "to_sequence",
    "window_end_times",
]
