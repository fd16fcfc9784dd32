"""Synthetic DEAP, DREAMER, AMIGOS and FACED releases. NOT REAL DATA.

Written by :func:`eegstream.datasets.synth.generate` for these names, in
each dataset's official layout (``docs/datasets-beyond-seed.md``): DEAP's
pickled ``data_preprocessed_python/sNN.dat``, one ``DREAMER.mat`` struct,
AMIGOS's ``Data_Preprocessed_PNN.mat`` and FACED's pickled
``Processed_data/subNNN.pkl``, at the dataset's rate and with its channels in
its own order.

The EEG is the SEED simulation (:mod:`eegstream.datasets._eeg_sim`) at the
dataset's rate. Each trial draws self-assessment ratings; the planted effect
scales with them: with valence ``v`` and arousal ``a`` mapped from the
rating scale onto [-1, 1] (the scale's middle is 0), the trial carries the
subject-scaled :func:`~eegstream.datasets._eeg_sim.valence_arousal_effect`
``(v, a)`` plus ``v`` and ``a`` times the subject's own two patterns, plus
the clip-specific offset every synthetic trial has. Dominance and liking
are drawn correlated with valence and arousal; they carry no effect of
their own. FACED's categories carry the effect of their (valence, arousal)
in ``VALENCE_AROUSAL``. Long AMIGOS videos (17-20) are written as empty
cells (participants who did not attend look the same).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.io

from .._io import atomic_path
from ..montage import SEED_CHANNELS
from . import rated_tables as R
from ._eeg_sim import (
    SUBJECT_SCALE,
    SubjectModel,
    make_subject,
    population_effect,
    simulate,
    valence_arousal_effect,
)

ABOUT = """\
Simulated EEG (the dataset's own channels and rate, microvolts): 1/f
background mixed over the scalp, occipital alpha, per-subject gains, offsets
and sensor noise, frontal blinks. Each trial has drawn self-assessment
ratings, and a planted effect in log2 band-power (DE) units that scales with
them (valence v and arousal a mapped onto [-1, 1]): beta and gamma at
lateral temporal sites +0.6 x v, parieto-occipital alpha -0.5 x a, and the
rest of eegstream/datasets/_eeg_sim.py's valence/arousal pattern, scaled per
subject by 0.3-1.2, plus subject patterns times v and a and a clip-specific
offset (0.4 rms). FACED's categories carry the effect of their valence and
arousal. Anything measured on it (accuracy included) describes the
simulation, not emotion recognition from real EEG; label it synthetic
wherever it is shown.
"""

#: Clip lengths in seconds when ``trial_seconds`` is not given. DEAP and
#: FACED are fixed by their layout; DREAMER (65-393 s) and AMIGOS's short
#: videos (51-150 s) are drawn from a fixed seed: plausible, not official.
_DREAMER_RANGE, _AMIGOS_RANGE = (65, 394), (51, 151)
_DREAMER_BASELINE_S = 61


def _scaled(rating: np.ndarray, name: str) -> np.ndarray:
    """Ratings on the dataset's scale -> [-1, 1], the scale's middle at 0."""
    release = R.RELEASES[name]
    assert release.scale is not None
    lo, hi = release.scale
    return (rating - (lo + hi) / 2) / ((hi - lo) / 2)


class _Subject:
    """One synthetic subject: nuisance, effect scale, two rating patterns."""

    def __init__(self, seed: int, s: int) -> None:
        rng = np.random.default_rng([seed, 1, s])
        # Two "classes": the subject's own valence and arousal patterns.
        self.model: SubjectModel = make_subject(np.zeros((2, 62, 5)), rng)
        self.scale = rng.uniform(*SUBJECT_SCALE)
        self.seed, self.s = seed, s

    def eeg(self, trial: int, v: float | None, a: float, n: int, sfreq: float):
        """(62, n) µV at ``sfreq``; ``v`` None: rest (a baseline)."""
        rng = np.random.default_rng([self.seed, 2, self.s, 1, trial])
        if v is None:
            return simulate(self.model, None, n, sfreq, rng)
        own = v * self.model.effect[0] + a * self.model.effect[1]
        effect = self.scale * valence_arousal_effect(v, a) + own
        return simulate(replace(self.model, effect=effect[None]), 0, n, sfreq, rng)


def _ratings(name: str, seed: int, s: int, n: int) -> np.ndarray:
    """(n, len(ratings)) drawn ratings on the dataset's scale, in file order."""
    release = R.RELEASES[name]
    assert release.scale is not None
    lo, hi = release.scale
    rng = np.random.default_rng([seed, 3, s])
    bias = rng.normal(0.0, 0.1 * (hi - lo), 2)  # some subjects rate higher
    va = np.clip(rng.uniform(lo, hi, (n, 2)) + bias, lo, hi)
    noise = rng.normal(0.0, 0.15 * (hi - lo), (n, 3))
    dominance = np.clip(0.6 * va[:, 0] + 0.4 * va[:, 1] + noise[:, 0], lo, hi)
    liking = np.clip(va[:, 0] + noise[:, 1], lo, hi)
    familiarity = np.clip((lo + hi) / 2 + noise[:, 2], lo, hi)
    by_name = {
        "valence": va[:, 0],
        "arousal": va[:, 1],
        "dominance": dominance,
        "liking": liking,
        "familiarity": familiarity,
    }
    out = np.column_stack([by_name[r] for r in release.ratings])
    return np.round(out) if name == "dreamer" else np.round(out, 2)


def _rows(name: str) -> list[int]:
    return [SEED_CHANNELS.index(c) for c in R.RELEASES[name].channels]


def _lengths(name: str, trial_seconds: int | None, n: int) -> list[int]:
    if trial_seconds is not None:
        return [trial_seconds] * n
    span = _DREAMER_RANGE if name == "dreamer" else _AMIGOS_RANGE
    return [int(x) for x in np.random.default_rng(11).integers(*span, n)]


def _pickle(path: Path, value: object) -> None:
    # Protocol 4 (raw bytes) loads about 10x faster than the Python 2-era
    # protocol 2 of the real files; readers take both.
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        pickle.dump(value, fh, protocol=4)


def _savemat(path: Path, variables: dict) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        scipy.io.savemat(fh, variables)


def writer(
    name: str, out: Path, subjects: list[int], seed: int, trial_seconds: int | None
) -> Iterator[None]:
    """Return the writer of dataset ``name``; it yields once per subject written."""
    if name == "deap":
        return write_deap(out, subjects, seed)
    write = {"dreamer": write_dreamer, "amigos": write_amigos, "faced": write_faced}
    return write[name](out, subjects, seed, trial_seconds)


def write_deap(out: Path, subjects: list[int], seed: int) -> Iterator[None]:
    """``data_preprocessed_python/sNN.dat``: 40 trials of 3 s pre-trial + 60 s."""
    release = R.RELEASES["deap"]
    sfreq = release.sfreq
    n = int((R.DEAP_BASELINE_S + R.DEAP_TRIAL_S) * sfreq)
    pre = int(R.DEAP_BASELINE_S * sfreq)
    rows = _rows("deap")
    for s in subjects:
        subject = _Subject(seed, s)
        labels = _ratings("deap", seed, s, release.n_trials)
        v, a = _scaled(labels[:, 0], "deap"), _scaled(labels[:, 1], "deap")
        data = np.zeros((release.n_trials, R.DEAP_ROWS, n), np.float32)
        peripheral = np.random.default_rng([seed, 4, s])
        for t in range(release.n_trials):
            rest = subject.eeg(1000 + t, None, 0.0, pre, sfreq)
            clip = subject.eeg(t + 1, float(v[t]), float(a[t]), n - pre, sfreq)
            data[t, :32] = np.concatenate([rest[rows], clip[rows]], axis=1)
            data[t, 32:] = peripheral.normal(0.0, 1.0, (R.DEAP_ROWS - 32, n))
        folder = out / "data_preprocessed_python"
        _pickle(folder / f"s{s:02d}.dat", {"labels": labels, "data": data})
        yield


def write_dreamer(
    out: Path, subjects: list[int], seed: int, trial_seconds: int | None
) -> Iterator[None]:
    """``DREAMER.mat``: one struct, subjects 1..max(subjects) (others empty)."""
    release = R.RELEASES["dreamer"]
    sfreq, rows = release.sfreq, _rows("dreamer")
    seconds = _lengths("dreamer", trial_seconds, release.n_trials)
    base_s = min(_DREAMER_BASELINE_S, trial_seconds or _DREAMER_BASELINE_S)
    data = np.empty((1, len(subjects)), dtype=object)
    for i, s in enumerate(subjects):
        subject = _Subject(seed, s)
        scores = _ratings("dreamer", seed, s, release.n_trials)
        v, a = _scaled(scores[:, 0], "dreamer"), _scaled(scores[:, 1], "dreamer")
        stimuli = np.empty((release.n_trials, 1), dtype=object)
        baseline = np.empty((release.n_trials, 1), dtype=object)
        for t in range(release.n_trials):
            n = int(seconds[t] * sfreq)
            clip = subject.eeg(t + 1, float(v[t]), float(a[t]), n, sfreq)
            rest = subject.eeg(1000 + t, None, 0.0, int(base_s * sfreq), sfreq)
            stimuli[t, 0] = np.ascontiguousarray(clip[rows].T)
            baseline[t, 0] = np.ascontiguousarray(rest[rows].T)
        data[0, i] = {
            "Age": 22.0 + s % 10,
            "Gender": "male" if s % 2 else "female",
            "EEG": {"baseline": baseline, "stimuli": stimuli},
            "ScoreValence": scores[:, :1],
            "ScoreArousal": scores[:, 1:2],
            "ScoreDominance": scores[:, 2:3],
        }
        yield
    _savemat(
        out / "DREAMER.mat",
        {
            "DREAMER": {
                "Data": data,
                "EEG_SamplingRate": sfreq,
                "EEG_Electrodes": np.array(R.EPOC_CHANNELS, dtype=object)[None],
                "noOfSubjects": float(len(subjects)),
                "noOfVideoSequences": float(release.n_trials),
                "Disclaimer": "SYNTHETIC DATA - NOT REAL EEG",
            }
        },
    )


def write_amigos(
    out: Path, subjects: list[int], seed: int, trial_seconds: int | None
) -> Iterator[None]:
    """``data_preprocessed/Data_Preprocessed_PNN.mat``: 16 short videos, 4 empty."""
    release = R.RELEASES["amigos"]
    sfreq, rows = release.sfreq, _rows("amigos")
    seconds = _lengths("amigos", trial_seconds, R.AMIGOS_SHORT)
    for s in subjects:
        subject = _Subject(seed, s)
        ratings = _ratings("amigos", seed, s, R.AMIGOS_SHORT)
        # Files store arousal first.
        a, v = _scaled(ratings[:, 0], "amigos"), _scaled(ratings[:, 1], "amigos")
        joined = np.empty((1, release.n_trials), dtype=object)
        labels = np.empty((1, release.n_trials), dtype=object)
        ids = np.empty((1, release.n_trials), dtype=object)
        other = np.random.default_rng([seed, 4, s])
        for t in range(release.n_trials):
            ids[0, t] = f"V{t + 1:02d}"
            if t >= R.AMIGOS_SHORT:
                joined[0, t] = np.zeros((0, 0))
                labels[0, t] = np.zeros((0, 0))
                continue
            n = int(seconds[t] * sfreq)
            x = np.empty((n, R.AMIGOS_COLUMNS))
            x[:, :14] = subject.eeg(t + 1, float(v[t]), float(a[t]), n, sfreq)[rows].T
            x[:, 14:] = other.normal(0.0, 1.0, (n, R.AMIGOS_COLUMNS - 14))
            joined[0, t] = x
            row = np.zeros((1, R.AMIGOS_SELF_ASSESSMENT))
            row[0, :5] = ratings[t]
            labels[0, t] = row
        name = f"Data_Preprocessed_P{s:02d}.mat"
        _savemat(
            out / "data_preprocessed" / name,
            {
                "joined_data": joined,
                "labels_selfassessment": labels,
                "labels_ext_annotation": labels,
                "VideoIDs": ids,
            },
        )
        yield


def write_faced(
    out: Path, subjects: list[int], seed: int, trial_seconds: int | None
) -> Iterator[None]:
    """``Processed_data/subNNN.pkl`` (NNN = subject - 1): 28 x 32 x samples."""
    release = R.RELEASES["faced"]
    sfreq, rows = release.sfreq, _rows("faced")
    n = int((trial_seconds or R.FACED_TRIAL_S) * sfreq)
    population = population_effect(R.FACED_CATEGORIES, np.random.default_rng([seed, 0]))
    for s in subjects:
        model = make_subject(population, np.random.default_rng([seed, 1, s]))
        data = np.empty((release.n_trials, R.FACED_ROWS, n), np.float32)
        mastoids = np.random.default_rng([seed, 4, s])
        for t, category in enumerate(R.FACED_CLIP_CATEGORY):
            rng = np.random.default_rng([seed, 2, s, 1, t + 1])
            data[t, :30] = simulate(model, category, n, sfreq, rng)[rows]
            data[t, 30:] = mastoids.normal(0.0, 1.0, (R.FACED_ROWS - 30, n))
        _pickle(out / "Processed_data" / f"sub{s - 1:03d}.pkl", data)
        yield
