"""DEAP reader: ``data_preprocessed_python/sNN.dat`` and ``data_original/sNN.bdf``.

- ``sNN.dat`` (subjects 01-32): a Python pickle of a dict with ``data``
  (40 trials x 40 channels x 8064 samples at 128 Hz; rows 1-32 EEG in DEAP's
  own order, :data:`~.rated_tables.DEAP_CHANNELS`, then 8 peripheral) and
  ``labels`` (40 x 4: valence, arousal, dominance, liking on 1-9). Each
  trial is a 3 s pre-trial baseline and the 60 s clip. Read with an
  unpickler that admits only NumPy arrays (:mod:`._safepickle`).
- ``data_original/sNN.bdf``: the raw 512 Hz BioSemi recordings, cut into
  trials by their Status codes, labelled from ``participant_ratings.csv``
  (:mod:`.deap_raw`). Read when the preprocessed folder is absent, or with
  ``eeg="raw"``; otherwise listed as present and not read.

A trial's EEG is its 60 s clip (the pre-trial baseline left out, or with
``baseline="subtract"`` its mean 1 s segment subtracted from the clip).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from . import deap_raw
from . import rated_tables as R
from ._rated import (
    RatedTrial,
    missing_subjects,
    read_processed_or_raw,
    seed_rows,
    subtract_baseline,
)
from ._safepickle import load_arrays
from .base import Dataset
from .targets import check_ratings

_FOLDER = "data_preprocessed_python"
NAME = "deap"
_FILE = re.compile(r"s(\d\d)\.dat")
_GLOB = "s[0-9][0-9].dat"
_EXPECTED = "a dict with 'data' (40, 40, 8064) and 'labels' (40, 4), as DEAP's sNN.dat"


def read(
    root: str | os.PathLike,
    *,
    target: str | None = None,
    threshold: float | None = None,
    baseline: str | None = None,
    eeg: str | None = None,
) -> Dataset:
    """Scan a DEAP release (see :func:`eegstream.datasets.open_dataset`).

    Parameters
    ----------
    root : path-like
        The folder holding ``data_preprocessed_python/`` and/or
        ``data_original/`` (or the files of one of them).
    target, threshold : see :func:`eegstream.datasets.targets.make_target`
    baseline : "none" | "subtract" | None
        Subtract the 3 s pre-trial's mean 1 s segment from the clip.
    eeg : "preprocessed" | "raw" | None
        Which EEG to read; None: the preprocessed files where present, else
        the raw recordings.
    """
    return read_processed_or_raw(
        NAME,
        root,
        target=target,
        threshold=threshold,
        baseline=baseline,
        eeg=eeg,
        processed=(_FOLDER, _GLOB, "preprocessed"),
        raw=(deap_raw.FOLDER, deap_raw.GLOB),
        scan_processed=_preprocessed,
        scan_raw=deap_raw.raw_trials,
    )


def _preprocessed(
    folder: Path, baseline: str, found: list[str], missing: list[str]
) -> list[RatedTrial]:
    """Scan the ``sNN.dat`` files: their ratings and shapes, not their EEG."""
    trials: list[RatedTrial] = []
    present: set[int] = set()
    for path in sorted(folder.glob("*.dat")):
        match = _FILE.fullmatch(path.name)
        if not match or not 1 <= int(match.group(1)) <= R.RELEASES[NAME].n_subjects:
            raise EEGStreamError(
                f"unexpected file {path}; expected sNN.dat for subjects 01-32 "
                "(e.g. s01.dat)"
            )
        s = int(match.group(1))
        data, labels = _load(path)
        check_ratings(path, NAME, labels[:, :4].ravel(), "a")
        present.add(s)
        for n in range(1, len(data) + 1):
            ratings = dict(zip(R.RELEASES[NAME].ratings, labels[n - 1], strict=True))
            load = partial(_eeg, path, n, baseline)
            trials.append(RatedTrial(s, 1, n, ratings, R.DEAP_TRIAL_S, path, load))
    found.append(f"{folder.name}/: {len(present)} subject files (sNN.dat)")
    missing += missing_subjects(f"{folder.name}/", NAME, present)
    return trials


@lru_cache(maxsize=1)
def _read(path: Path, mtime_ns: int) -> tuple[np.ndarray, np.ndarray]:
    content = load_arrays(path, _EXPECTED)
    if not isinstance(content, dict) or not {"data", "labels"} <= set(content):
        keys = sorted(content) if isinstance(content, dict) else type(content).__name__
        raise EEGStreamError(f"{path} holds {keys}; expected {_EXPECTED}")
    data, labels = content["data"], content["labels"]
    n_samples = int((R.DEAP_BASELINE_S + R.DEAP_TRIAL_S) * R.RELEASES[NAME].sfreq)
    if (
        not isinstance(data, np.ndarray)
        or not isinstance(labels, np.ndarray)
        or data.ndim != 3
        or data.shape[1:] != (R.DEAP_ROWS, n_samples)
        or labels.shape != (len(data), 4)
        or not 1 <= len(data) <= R.RELEASES[NAME].n_trials
    ):
        raise EEGStreamError(
            f"{path}: 'data' {getattr(data, 'shape', '?')} and 'labels' "
            f"{getattr(labels, 'shape', '?')}; expected {_EXPECTED}"
        )
    return data, labels


def _load(path: Path) -> tuple[np.ndarray, np.ndarray]:
    return _read(path, path.stat().st_mtime_ns)


def _eeg(path: Path, trial: int, baseline: str) -> np.ndarray:
    data, _ = _load(path)
    sfreq = R.RELEASES[NAME].sfreq
    start = int(R.DEAP_BASELINE_S * sfreq)
    eeg = data[trial - 1, : len(R.DEAP_CHANNELS)]
    clip = eeg[:, start:]
    if baseline == "subtract":
        clip = subtract_baseline(clip, eeg[:, :start], sfreq)
    return seed_rows(clip, NAME)
