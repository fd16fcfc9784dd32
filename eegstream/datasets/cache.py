"""Per-trial cache of the project's features over a whole dataset.

``dataset_features`` runs :func:`eegstream.features.extract_features` (the
same code the live path uses) on every trial's EEG and keeps each result as
one ``.npy`` file under ``<cache_dir>/<dataset>/<settings hash>/``. A second
run only reads; a run stopped half-way (Ctrl-C, crash) resumes where it
stopped; files are written atomically, so no reader ever sees half a file.

Each file name carries a fingerprint of the trial's source (file path, size,
modification time, and the variable or time span read), so the features of a
real release and of a synthetic folder of the same dataset never mix, and a
re-downloaded file is recomputed.

``dataset_quality`` keeps, beside each trial's features, what the signal
checks say about each of its windows (:func:`eegstream.quality.window_quality`,
the live chain's checks), one ``.quality-<settings hash>.npz`` file per
trial and quality settings: other settings never reuse them, and a cache
written before them still loads (they are computed when first asked for).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from .._io import atomic_path, atomic_write_text
from ..features import FeatureConfig, extract_features
from ..montage import SEED_CHANNELS
from ..quality import QualitySettings, WindowQuality, window_quality
from .base import Dataset, Trial


def default_cache_dir() -> Path:
    """``$EEGSTREAM_CACHE`` if set, else ``~/.cache/eegstream``."""
    env = os.environ.get("EEGSTREAM_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "eegstream"


def cache_folder(
    dataset: Dataset, cfg: FeatureConfig, cache_dir: str | os.PathLike | None = None
) -> Path:
    """Return ``<cache_dir>/<dataset>/<cfg.hash()>``, the folder of the cache files."""
    base = (
        Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    )
    return base / dataset.name / cfg.hash()


def trial_cache_path(folder: Path, trial: Trial) -> Path:
    """Return the cache file of one trial: ``<key>-<source fingerprint>.npy``."""
    source = trial.eeg_source
    if source is None:
        raise EEGStreamError(
            f"{trial.dataset} trial {trial.key} has no EEG to compute features from; "
            "the release's EEG folder is missing"
        )
    stat = source.stat()
    # The loader's arguments say which variable or time span of the file it reads.
    cut = getattr(trial._load_eeg, "args", ())[1:]
    ident = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{cut}"
    return folder / f"{trial.key}-{hashlib.sha1(ident.encode()).hexdigest()[:10]}.npy"


def dataset_features(
    dataset: Dataset,
    cfg: FeatureConfig,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> dict[str, np.ndarray]:
    """Features of every trial, computed once and cached per trial.

    Parameters
    ----------
    dataset : Dataset
        From :func:`eegstream.datasets.open_dataset`.
    cfg : FeatureConfig
        Feature settings; their :meth:`~FeatureConfig.hash` names the cache folder.
    cache_dir : path-like | None
        Cache root; default ``$EEGSTREAM_CACHE`` or ``~/.cache/eegstream``.
    progress : bool
        Show a progress bar (tqdm, stderr, off when not a terminal).

    Returns
    -------
    dict of str to array of float32, shape (n_windows, 62, n_bands)
        ``trial.key`` -> ``extract_features(trial.eeg(), cfg)``, in trial order.

    Raises
    ------
    EEGStreamError
        If a trial has no EEG, is shorter than one window, or its file is
        damaged (the message names the trial).
    """
    folder = cache_folder(dataset, cfg, cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    settings = folder / "settings.json"
    if not settings.exists():
        atomic_write_text(settings, cfg.to_json() + "\n")
    out: dict[str, np.ndarray] = {}
    for trial in _trials(dataset, "features", progress):
        path = trial_cache_path(folder, trial)
        features = _read(path, len(cfg.bands))
        if features is None:
            try:
                features = extract_features(trial.eeg(), cfg).astype(np.float32)
            except EEGStreamError as err:
                raise EEGStreamError(
                    f"{dataset.name} trial {trial.key}: {err}"
                ) from None
            with atomic_path(path) as tmp:
                np.save(tmp, features)
        out[trial.key] = features
    return out


def _trials(dataset: Dataset, what: str, progress: bool) -> Iterable[Trial]:
    """``dataset``'s trials, under a progress bar that says ``what`` is done."""
    from tqdm import tqdm

    return tqdm(
        dataset.trials,
        desc=f"{dataset.name} {what}",
        unit="trial",
        disable=None if progress else True,
    )


def _read(path: Path, n_bands: int) -> np.ndarray | None:
    """Return a cached array, or None when absent or unusable (to recompute)."""
    if not path.exists():
        return None
    try:
        features = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if (
        features.ndim != 3
        or features.shape[2] != n_bands
        or features.dtype != np.float32
    ):
        return None
    return features


def quality_hash(settings: QualitySettings) -> str:
    """Short fingerprint of the quality settings: names their cache files."""
    text = json.dumps(settings.to_dict(), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def dataset_quality(
    dataset: Dataset,
    cfg: FeatureConfig,
    settings: QualitySettings,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> dict[str, WindowQuality]:
    """Judge every window of every trial with the signal checks, cached.

    Each trial is judged as one recording of a new wearer, at the features'
    rate and in SEED order (:func:`eegstream.quality.window_quality`, the
    live chain's checks); its windows are those of
    :func:`dataset_features` with the same ``cfg``.

    Parameters
    ----------
    dataset : Dataset
        From :func:`eegstream.datasets.open_dataset`.
    cfg : FeatureConfig
        Feature settings: rate, window and hop (and the cache folder).
    settings : QualitySettings
        The checks' settings; their :func:`quality_hash` names the files.
    cache_dir : path-like | None
        Cache root, as :func:`dataset_features`.
    progress : bool
        Show a progress bar (tqdm, stderr, off when not a terminal).

    Returns
    -------
    dict of str to WindowQuality
        ``trial.key`` -> its windows' artifact kinds and bad-channel counts.
    """
    folder = cache_folder(dataset, cfg, cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    key = quality_hash(settings)
    described = folder / f"quality-{key}.json"
    if not described.exists():
        atomic_write_text(described, json.dumps(settings.to_dict(), indent=1) + "\n")
    out: dict[str, WindowQuality] = {}
    for trial in _trials(dataset, "signal checks", progress):
        path = trial_cache_path(folder, trial).with_suffix(f".quality-{key}.npz")
        quality = _read_quality(path)
        if quality is None:
            eeg = trial.eeg()
            # A channel the recording lacks (a NaN row) is not streamed live.
            present = np.flatnonzero(~np.isnan(eeg).all(axis=1))
            names = [SEED_CHANNELS[i] for i in present]
            quality = window_quality(
                eeg[present], names, cfg.sfreq, cfg.window, cfg.hop, settings
            )
            quality = replace(quality, n_missing=len(SEED_CHANNELS) - len(names))
            with atomic_path(path) as tmp, open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    kinds=quality.kinds,
                    n_bad=quality.n_bad,
                    n_missing=quality.n_missing,
                )
        out[trial.key] = quality
    return out


def _read_quality(path: Path) -> WindowQuality | None:
    """Return cached flags, or None when absent or unusable (to recompute)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as saved:
            kinds, n_bad = saved["kinds"], saved["n_bad"]
            n_missing = int(saved["n_missing"])
    except (OSError, ValueError, KeyError):
        return None
    if kinds.ndim != 1 or kinds.shape != n_bad.shape:
        return None
    return WindowQuality(kinds.astype(np.uint8), n_bad.astype(np.int16), n_missing)
