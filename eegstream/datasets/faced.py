"""FACED reader: ``Processed_data/subNNN.pkl`` and ``Data/subNNN/data.bdf``.

- ``subNNN.pkl`` (NNN = 000-122; subject number = NNN + 1): a Python pickle
  of one array, 28 clips x 32 channels x 7500 samples (the clip's last
  30 s at 250 Hz, microvolts): 30 EEG channels in FACED's order
  (:data:`~.rated_tables.FACED_CHANNELS`), then the two mastoids. Read
  with an unpickler that admits only NumPy arrays (:mod:`._safepickle`).
- Labels come from the clip order, the same for every subject: clips 1-3
  anger, 4-6 disgust, 7-9 fear, 10-12 sadness, 13-16 neutral, 17-19
  amusement, 20-22 inspiration, 23-25 joy, 26-28 tenderness.
- ``Data/subNNN/data.bdf`` with ``evt.bdf``: the raw recordings, cut
  into the clips their events mark (:mod:`.faced_raw`). Read when
  ``Processed_data`` is absent, or with ``eeg="raw"``; otherwise listed as
  present and not read.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from . import faced_raw
from . import rated_tables as R
from ._rated import RatedTrial, missing_subjects, read_processed_or_raw, seed_rows
from ._safepickle import load_arrays
from .base import Dataset

_FOLDER = "Processed_data"
NAME = "faced"
_FILE = re.compile(r"sub(\d{3})\.pkl")
_GLOB = "sub[0-9][0-9][0-9].pkl"
_EXPECTED = "one array of 28 clips x 32 channels x samples (7500 at 250 Hz)"


def read(
    root: str | os.PathLike,
    *,
    target: str | None = None,
    threshold: float | None = None,
    baseline: str | None = None,
    eeg: str | None = None,
) -> Dataset:
    """Scan a FACED release (see :func:`eegstream.datasets.open_dataset`).

    Parameters
    ----------
    root : path-like
        The folder holding ``Processed_data/`` and/or ``Data/`` (or the .pkl
        files).
    target : "category" | "valence" | None
        Nine categories (default) or negative / neutral / positive.
    threshold, baseline
        Not applicable (FACED's labels come from its clip order).
    eeg : "preprocessed" | "raw" | None
        Which EEG to read; None: ``Processed_data`` where present, else the
        raw recordings.
    """
    return read_processed_or_raw(
        NAME,
        root,
        target=target,
        threshold=threshold,
        baseline=baseline,
        eeg=eeg,
        processed=(_FOLDER, _GLOB, "processed"),
        raw=(faced_raw.FOLDER, faced_raw.GLOB),
        # FACED has no baseline; its raw clips need nothing beside the recordings.
        scan_processed=lambda folder, _baseline, found, missing: _processed(
            folder, found, missing
        ),
        scan_raw=lambda folder, _release, _baseline, found, missing: (
            faced_raw.raw_trials(folder, found, missing)
        ),
    )


def _processed(folder: Path, found: list[str], missing: list[str]) -> list[RatedTrial]:
    """Scan the ``subNNN.pkl`` files: their shapes, not their EEG."""
    trials: list[RatedTrial] = []
    present: set[int] = set()
    sfreq = R.RELEASES[NAME].sfreq
    for path in sorted(folder.glob("*.pkl")):
        match = _FILE.fullmatch(path.name)
        if not match or int(match.group(1)) >= R.RELEASES[NAME].n_subjects:
            raise EEGStreamError(
                f"unexpected file {path}; expected subNNN.pkl for subjects 000-122 "
                "(e.g. sub000.pkl)"
            )
        s = int(match.group(1)) + 1
        data = _load(path)
        present.add(s)
        for n in range(1, len(data) + 1):
            load = partial(_eeg, path, n)
            trials.append(RatedTrial(s, 1, n, {}, data.shape[2] / sfreq, path, load))
    found.append(f"{folder.name}/: {len(present)} subject files (subNNN.pkl)")
    missing += missing_subjects(f"{folder.name}/ (as subject NNN + 1)", NAME, present)
    return trials


@lru_cache(maxsize=1)
def _read(path: Path, mtime_ns: int) -> np.ndarray:
    data = load_arrays(path, _EXPECTED)
    sfreq = R.RELEASES[NAME].sfreq
    if (
        not isinstance(data, np.ndarray)
        or data.ndim != 3
        or data.shape[0] != R.RELEASES[NAME].n_trials
        or data.shape[1] != R.FACED_ROWS
        or data.shape[2] < 4 * sfreq
    ):
        shape = getattr(data, "shape", type(data).__name__)
        raise EEGStreamError(f"{path} holds {shape}; expected {_EXPECTED}")
    return data


def _load(path: Path) -> np.ndarray:
    return _read(path, path.stat().st_mtime_ns)


def _eeg(path: Path, clip: int) -> np.ndarray:
    return seed_rows(_load(path)[clip - 1, : len(R.FACED_CHANNELS)], NAME)
