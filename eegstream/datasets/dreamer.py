"""DREAMER reader: ``DREAMER.mat``, one MATLAB struct holding the whole release.

- ``DREAMER`` (1 x 1 struct): ``Data`` (1 x 23 cell of subject structs),
  ``EEG_SamplingRate`` (128), ``EEG_Electrodes`` (the 14 EPOC names), ...
- Subject struct: ``EEG`` (struct with ``baseline`` and ``stimuli``, each an
  18 x 1 cell of (samples x 14) arrays, Emotiv EPOC order
  :data:`~.rated_tables.EPOC_CHANNELS`, 128 Hz), ``ScoreValence``,
  ``ScoreArousal``, ``ScoreDominance`` (18 x 1, integers 1-5), ``Age``,
  ``Gender``, ``ECG``.

A trial's EEG is its stimulus recording; with ``baseline="subtract"`` the
mean 1 s segment of the clip's baseline recording is subtracted from it.
"""

from __future__ import annotations

import os
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
    subtract_baseline,
)
from .base import Dataset
from .targets import check_ratings, make_target

NAME = "dreamer"
FILE = "DREAMER.mat"
_SCORES = {"valence": "ScoreValence", "arousal": "ScoreArousal"}
_SCORES["dominance"] = "ScoreDominance"
_EXPECTED = (
    "a struct DREAMER with Data{subject}.EEG.stimuli and .baseline (18 cells of "
    "samples x 14) and ScoreValence/ScoreArousal/ScoreDominance (18 values)"
)


def read(
    root: str | os.PathLike,
    *,
    target: str | None = None,
    threshold: float | None = None,
    baseline: str | None = None,
) -> Dataset:
    """Scan DREAMER (see :func:`eegstream.datasets.open_dataset`).

    Parameters
    ----------
    root : path-like
        The folder holding ``DREAMER.mat`` (or a folder directly above it).
    target, threshold : see :func:`eegstream.datasets.targets.make_target`
    baseline : "none" | "subtract" | None
        Subtract the clip's baseline recording's mean 1 s segment.
    """
    spec = make_target(NAME, target, threshold)
    baseline = check_baseline(NAME, baseline)
    _, folder = find_release(NAME, root, "DREAMER", FILE)
    path = folder / FILE
    if not path.is_file():
        raise EEGStreamError(f"{folder} holds no {FILE}")
    subjects = _load(path)
    trials: list[RatedTrial] = []
    present: set[int] = set()
    n_clips = R.RELEASES[NAME].n_trials
    for s, subject in enumerate(subjects, start=1):
        present.add(s)
        for name, values in subject["scores"].items():
            check_ratings(path, NAME, values, f"subject {s} {name}")
        for n, clip in enumerate(subject["stimuli"], start=1):
            ratings = {k: float(v[n - 1]) for k, v in subject["scores"].items()}
            duration = clip.shape[0] / R.RELEASES[NAME].sfreq
            load = partial(_eeg, path, s, n, baseline)
            trials.append(RatedTrial(s, 1, n, ratings, duration, path, load))
    found = [
        f"{FILE}: {len(present)} subjects, {len(trials)} of "
        f"{len(present) * n_clips} clips"
    ]
    missing = missing_subjects(FILE, NAME, present)
    return build_dataset(spec, baseline, folder, trials, found, missing)


def _cells(value: Any) -> list:
    """Return a MATLAB cell (list or object array after loadmat) as a list."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        return list(value.ravel())
    if isinstance(value, list):
        return value
    return [value]


@lru_cache(maxsize=1)
def _read(path: Path, mtime_ns: int) -> list[dict[str, Any]]:
    """Check the struct; return per subject its stimuli, baselines and scores."""
    from scipy.io import loadmat

    try:
        mat = loadmat(path, simplify_cells=True, verify_compressed_data_integrity=False)
    except Exception as err:  # noqa: BLE001 - any parse failure means "not MATLAB"
        raise EEGStreamError(
            f"cannot read {path} as a MATLAB v5/v7 file ({err}); expected {_EXPECTED}"
        ) from None

    def wrong(what: str) -> EEGStreamError:
        return EEGStreamError(f"{path}: {what}; expected {_EXPECTED}")

    top = mat.get("DREAMER")
    if not isinstance(top, dict) or "Data" not in top:
        raise wrong(f"variables {sorted(k for k in mat if not k.startswith('__'))}")
    data = _cells(top["Data"])
    n_sub, n_clips = R.RELEASES[NAME].n_subjects, R.RELEASES[NAME].n_trials
    if not 1 <= len(data) <= n_sub:
        raise wrong(f"Data holds {len(data)} subjects")
    out = []
    for s, subject in enumerate(data, start=1):
        if not isinstance(subject, dict) or "EEG" not in subject:
            raise wrong(f"Data{{{s}}} is not a subject struct with EEG")
        eeg = subject["EEG"]
        if not isinstance(eeg, dict) or not {"stimuli", "baseline"} <= set(eeg):
            raise wrong(f"Data{{{s}}}.EEG has no stimuli and baseline")
        stimuli = [np.asarray(c) for c in _cells(eeg["stimuli"])]
        baselines = [np.asarray(c) for c in _cells(eeg["baseline"])]
        scores = {}
        for name, field in _SCORES.items():
            if field not in subject:
                raise wrong(f"Data{{{s}}} has no {field}")
            scores[name] = np.atleast_1d(np.asarray(subject[field], dtype=float))
        counts = {len(stimuli), len(baselines), *(len(v) for v in scores.values())}
        n_eeg = len(R.EPOC_CHANNELS)
        if counts != {n_clips} or any(
            c.ndim != 2 or c.shape[1] != n_eeg or c.shape[0] < 128
            for c in stimuli + baselines
        ):
            raise wrong(
                f"Data{{{s}}} holds {len(stimuli)} stimuli, {len(baselines)} "
                f"baselines, shapes {stimuli[0].shape if stimuli else '-'}"
            )
        out.append({"stimuli": stimuli, "baselines": baselines, "scores": scores})
    return out


def _load(path: Path) -> list[dict[str, Any]]:
    return _read(path, path.stat().st_mtime_ns)


def _eeg(path: Path, subject: int, trial: int, baseline: str) -> np.ndarray:
    found = _load(path)[subject - 1]
    clip = found["stimuli"][trial - 1].T
    if baseline == "subtract":
        base = found["baselines"][trial - 1].T
        clip = subtract_baseline(clip, base, R.RELEASES[NAME].sfreq)
    return seed_rows(clip, NAME)
