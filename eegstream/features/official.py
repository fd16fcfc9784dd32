"""The releases' official features, and which of them the live path can compute.

A model trained with ``--features official`` learnt the release's DE, not the
project's own: the SEED-VII extractor (MAET) reads a 256-point FFT of the
first 1.28 s of each 4 s window with its own band bins, and the
``de_LDS`` kinds are smoothed forwards and backwards over the whole trial.
Fed the project's own DE live, such a model mis-reads every step (its stored
statistics mis-scale them). So the live path serves it with the features
that match: the compat extractor where eegstream reproduces the release
(SEED-VII, tested against the official formula), with the causal Kalman
filter standing in for the release's smoother; every other release's
extractor is unpublished, and its models are refused for live use with the
skew measured here.

The synthetic generator (:mod:`eegstream.datasets.synth`) writes its
official-style DE with :func:`release_features`, so the skew is measured on
what a synthetic release holds.
"""

from __future__ import annotations

import numpy as np

from .._errors import EEGStreamError
from .config import FeatureConfig
from .de import compute_de
from .kalman import kalman_smooth

#: Datasets whose release DE eegstream reproduces -> the ``compat`` mode that does.
REPRODUCED: dict[str, str] = {"seed-vii": "seed-vii"}
#: Official DE kinds and whether the release smoothed them (forward-backward).
DE_KINDS: dict[str, bool] = {"de": False, "de_LDS": True}


def release_config(dataset: str, window_s: float = 4.0) -> FeatureConfig:
    """Return the DE settings of a release's extractor as eegstream writes it.

    Non-overlapping ``window_s`` windows, no smoothing and no conditioning
    (the releases computed their features from EEG the lab had filtered
    already); the compat extractor for a release eegstream reproduces
    (:data:`REPRODUCED`), else the project's own DE (what the synthetic
    generator writes for it).
    """
    return FeatureConfig(
        window_s=window_s,
        hop_s=window_s,
        smoothing="none",
        compat=REPRODUCED.get(dataset),
        conditioning=None,
    )


def release_features(
    eeg: np.ndarray, dataset: str, kind: str = "de_LDS", window_s: float = 4.0
) -> np.ndarray:
    """Official-style DE of ``eeg``, as the synthetic release stores it.

    Parameters
    ----------
    eeg : array of float, shape (62, n_samples)
        µV at 200 Hz.
    dataset : str
        The release (``"seed-vii"`` gives its extractor).
    kind : "de" | "de_LDS"
        Unsmoothed, or smoothed forwards and backwards over the whole array.
    window_s : float
        Window (= stride) in seconds.

    Returns
    -------
    array of float64, shape (n_windows, 62, 5)
    """
    de = compute_de(eeg, release_config(dataset, window_s))
    return kalman_smooth(de) if DE_KINDS.get(kind) else de


def feature_skew(
    cfg: FeatureConfig,
    dataset: str,
    kind: str,
    *,
    seconds: float = 120.0,
    seed: int = 0,
) -> float:
    """Mean absolute difference between official-style and live features.

    Measured on seeded white noise of about 10 µV (62 channels): the release's
    ``kind`` of ``dataset`` (:func:`release_features`) against what the live
    path computes with ``cfg`` at the same window ends.

    Returns
    -------
    float
        In DE units (log2 of power).
    """
    from . import extract_features  # the package's offline twin of the live path

    rng = np.random.default_rng(seed)
    eeg = 10.0 * rng.standard_normal((62, int(seconds * cfg.sfreq)))
    official = release_features(eeg, dataset, kind, cfg.window_s)
    live = extract_features(eeg, cfg)
    # Live windows end every hop; the release's every window_s, from the same start.
    live = live[:: max(1, round(cfg.window_s / cfg.hop_s))]
    n = min(len(official), len(live))
    if official.shape[1:] != live.shape[1:]:
        return float("nan")
    return float(np.nanmean(np.abs(official[:n] - live[:n])))


def serve_config(
    cfg: FeatureConfig, dataset: str, features: str, name: str = "the model"
) -> tuple[FeatureConfig, str | None]:
    """Return the feature settings the live path must run for a model.

    Parameters
    ----------
    cfg : FeatureConfig
        The checkpoint's feature settings.
    dataset : str
        The dataset it was trained on.
    features : str
        Its feature source: ``"own"`` or ``"official:<kind>"``.
    name : str
        The model's name, for messages.

    Returns
    -------
    cfg : FeatureConfig
        ``cfg`` itself for own features; for official features of a release
        eegstream reproduces, its extractor's settings (window and hop as
        trained, the causal Kalman for a smoothed kind).
    note : str | None
        What differs from training (the smoothing), with its measured skew.

    Raises
    ------
    EEGStreamError
        For official features eegstream cannot compute live: the line names
        the release, the kind and the measured skew of the own features.
    """
    if features == "own":
        return cfg, None
    kind = features.partition(":")[2]
    if dataset in REPRODUCED and kind in DE_KINDS:
        release = release_config(dataset, cfg.window_s)
        served = cfg.replace(
            compat=release.compat,
            bands=release.bands,
            n_fft=release.n_fft,
            smoothing="kalman" if DE_KINDS[kind] else "none",
        )
        # The extractor's skew; live, conditioning stands in for the lab's filters.
        skew = feature_skew(served.replace(conditioning=None), dataset, kind)
        smoothing = (
            "with the causal Kalman filter in place of the release's forward-backward "
            "smoother"
            if DE_KINDS[kind]
            else "unsmoothed, as released"
        )
        return served, (
            f"{name} was trained on {dataset}'s official {kind}: served live with the "
            f"release's extractor (compat={release.compat!r}) {smoothing}; mean skew "
            f"{skew:.2f} DE units on synthetic noise"
        )
    if kind in DE_KINDS:
        why = (
            f"the {dataset} release's DE extractor is unpublished, so eegstream "
            "cannot reproduce it; the live features differ from the synthetic "
            f"release's {kind} by {feature_skew(cfg, dataset, kind):.2f} DE units "
            "on average on noise"
        )
    else:
        why = f"{kind} is not differential entropy"
    raise EEGStreamError(
        f"{name} was trained on {dataset}'s official {kind} features, which the live "
        f"path cannot compute ({why}); retrain it with --features own to run it live"
    )


def live_note(dataset: str, features: str, cfg: FeatureConfig) -> str | None:
    """One line for a training report: how the live path treats these features."""
    try:
        return serve_config(cfg, dataset, features)[1]
    except EEGStreamError as err:
        return f"Not for live use: {err}"
