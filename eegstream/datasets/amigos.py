"""AMIGOS reader: ``Data_Preprocessed_PNN.mat``, one MATLAB file per participant.

- Participants 01-40; the files sit in one folder (``data_preprocessed/``)
  or each in its own ``Data_Preprocessed_PNN/`` folder, as the zips unpack.
- ``joined_data``: 1 x 20 cell, one (samples x 17) array per video at
  128 Hz: 14 EEG channels in Emotiv EPOC order
  (:data:`~.rated_tables.EPOC_CHANNELS`), then ECG right, ECG left, GSR.
  Videos 1-16 are the short ones (session 1), 17-20 the long ones
  (session 2); some participants' long-video cells are empty.
- ``labels_selfassessment``: 1 x 20 cell of (1 x 12): arousal, valence,
  dominance, liking, familiarity (1-9), then seven basic emotions (0/1).
  Arousal comes first, unlike DEAP.
- ``VideoIDs``: 1 x 20 cell of the videos' ids.

A video with an empty cell, non-finite EEG samples (some participants'
preprocessed EEG holds NaN) or no finite ratings is listed as missing.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from . import rated_tables as R
from ._rated import (
    RatedTrial,
    build_dataset,
    check_baseline,
    find_release,
    missing_subjects,
    seed_rows,
)
from .base import Dataset
from .targets import check_ratings, make_target

_FOLDER = "data_preprocessed"
NAME = "amigos"
_FILE = re.compile(r"Data_Preprocessed_P(\d\d)\.mat")
_VARIABLES = ("joined_data", "labels_selfassessment", "VideoIDs")
_EXPECTED = (
    "joined_data, labels_selfassessment and VideoIDs, each a 1 x 20 cell "
    "(joined_data: samples x 17, labels: 1 x 12)"
)
#: ``videos`` values: the 16 short videos only (TorchEEG's default), or all 20.
VIDEOS = ("short", "all")


def read(
    root: str | os.PathLike,
    *,
    target: str | None = None,
    threshold: float | None = None,
    baseline: str | None = None,
    videos: str = "short",
) -> Dataset:
    """Scan AMIGOS (see :func:`eegstream.datasets.open_dataset`).

    Parameters
    ----------
    root : path-like
        The folder holding ``data_preprocessed/`` or the .mat files.
    target, threshold : see :func:`eegstream.datasets.targets.make_target`
    baseline : None | "none"
        AMIGOS's preprocessed release has no baseline to subtract.
    videos : "short" | "all"
        The 16 short videos, or also the 4 long ones (session 2).
    """
    spec = make_target(NAME, target, threshold)
    baseline = check_baseline(NAME, baseline)
    if videos not in VIDEOS:
        raise EEGStreamError(f"videos must be 'short' or 'all', got {videos!r}")
    release, folder = find_release(NAME, root, _FOLDER, "Data_Preprocessed_P*")
    files = _files(folder)
    trials: list[RatedTrial] = []
    gaps: list[str] = []
    sfreq = R.RELEASES[NAME].sfreq
    n_videos = R.AMIGOS_SHORT if videos == "short" else R.RELEASES[NAME].n_trials
    for s, path in files.items():
        signals, ratings = _load(path)
        empty = []
        for v in range(1, n_videos + 1):
            x, r = signals[v - 1], ratings[v - 1]
            if (
                x.size == 0
                or r.size < 5
                or not np.isfinite(r[:5]).all()
                or not np.isfinite(x[:, : len(R.EPOC_CHANNELS)]).all()
            ):
                empty.append(v)
                continue
            check_ratings(path, NAME, r[:5], f"video {v}")
            scales = dict(zip(R.RELEASES[NAME].ratings, map(float, r[:5]), strict=True))
            session = 1 if v <= R.AMIGOS_SHORT else 2
            load = partial(_eeg, path, v)
            trials.append(RatedTrial(s, session, v, scales, len(x) / sfreq, path, load))
        if empty:
            gaps.append(
                f"participant {s}: videos {empty} (empty, unrated or NaN in the EEG)"
            )
    found = [f"{folder.name}/: {len(files)} participant files ({videos} videos)"]
    missing = missing_subjects(f"{folder.name}/", NAME, set(files)) + gaps
    return build_dataset(spec, baseline, release, trials, found, missing)


def _files(folder: Path) -> dict[int, Path]:
    """Participant -> file, flat or one folder per participant (as unzipped)."""
    out: dict[int, Path] = {}
    for path in sorted(folder.glob("Data_Preprocessed_P*")):
        if path.is_dir():
            path = path / f"{path.name}.mat"
            if not path.is_file():
                continue
        match = _FILE.fullmatch(path.name)
        if not match or not 1 <= int(match.group(1)) <= R.RELEASES[NAME].n_subjects:
            raise EEGStreamError(
                f"unexpected file {path}; expected Data_Preprocessed_PNN.mat for "
                "participants 01-40 (e.g. Data_Preprocessed_P01.mat)"
            )
        out[int(match.group(1))] = path
    return out


@lru_cache(maxsize=1)
def _read(path: Path, mtime_ns: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    from ._mat import list_variables, load_variables

    variables = list_variables(path)
    if not set(_VARIABLES) <= set(variables):
        raise EEGStreamError(f"{path} holds {sorted(variables)}; expected {_EXPECTED}")
    loaded = load_variables(path, list(_VARIABLES))
    signals = [np.asarray(c, dtype=float) for c in _cells(loaded["joined_data"])]
    ratings = [
        np.asarray(c, dtype=float).ravel()
        for c in _cells(loaded["labels_selfassessment"])
    ]
    n = R.RELEASES[NAME].n_trials
    if (
        len(signals) != n
        or len(ratings) != n
        or any(
            x.size and (x.ndim != 2 or x.shape[1] != R.AMIGOS_COLUMNS) for x in signals
        )
        or any(r.size not in (0, R.AMIGOS_SELF_ASSESSMENT) for r in ratings)
    ):
        shapes = sorted({x.shape for x in signals})[:3]
        raise EEGStreamError(
            f"{path}: {len(signals)} joined_data cells of shapes {shapes}, "
            f"{len(ratings)} labels; expected {_EXPECTED}"
        )
    return signals, ratings


def _cells(value: Any) -> list:
    return list(np.asarray(value, dtype=object).ravel())


def _load(path: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return _read(path, path.stat().st_mtime_ns)


def _eeg(path: Path, video: int) -> np.ndarray:
    signals, _ = _load(path)
    return seed_rows(signals[video - 1][:, : len(R.EPOC_CHANNELS)].T, NAME)
