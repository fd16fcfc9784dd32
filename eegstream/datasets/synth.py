"""Synthetic SEED, SEED-IV, SEED-V and SEED-VII releases. NOT REAL DATA.

:func:`generate` writes a folder that a reader of the official release could
not tell apart by structure: the same folder and file names (official
subject numbers, dates and variable prefixes), MATLAB variables in the
official order, axis orders and dtypes, the extra first sample of SEED and
SEED-IV trials, ``label.mat``, SEED-V's pickled npz dicts and raw Neuroscan
``.cnt`` files cut by ``trial_start_end_timestamp.txt``, and official-style
feature files computed from the synthetic EEG with the project's own DE code
at the official window and stride (``de_LDS`` by the forward-backward Kalman
smoother, ``de_movingAve`` by a moving average).

The EEG is simulated (:mod:`eegstream.datasets._eeg_sim`): 1/f background,
occipital alpha, per-subject gains, offsets and noise, frontal blinks, and a
planted emotion effect of documented size (e.g. +-0.6 log2 units of
beta/gamma power over lateral temporal sites between positive and negative
valence) that varies per subject. Anything measured on it (accuracy
included) describes the simulation, not emotion recognition from real EEG;
label it "synthetic" wherever it is shown. A ``SYNTHETIC_DATA.txt`` at the
root says so, and :attr:`Dataset.synthetic` reports it.

Official trial lengths are used unless ``trial_seconds`` is given. SEED-IV
publishes window counts for session 1 only (its lengths are reused for
sessions 2 and 3), and SEED-VII's clip lengths are unpublished (drawn
between 60 and 360 s from a fixed seed): those defaults are plausible, not
official. Not written: eye-tracking data, spreadsheets, ``continuous_labels``.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import scipy.io
from scipy.signal import resample_poly

from .._errors import EEGStreamError
from .._io import atomic_path, atomic_write_text
from .._options import command_line
from ..features import kalman_smooth
from ..features.official import release_features
from ..montage import SEED_CHANNELS
from . import tables as T
from ._cnt import write_cnt
from ._eeg_sim import SubjectModel, make_subject, population_effect, simulate
from .options import SYNTH_OPTIONS
from .rated_tables import RATED_DATASETS, RELEASES
from .synth_rated import ABOUT as RATED_ABOUT
from .synth_rated import writer as rated_writer
from .tables import SYNTHETIC_MARKER

_SFREQ = 200
_RAW_SFREQ = 1000
# Moving-average length (windows) of the *_movingAve features; the official
# value is unpublished.
_MOVING_AVERAGE = 5
# Seconds of rest before the first clip and between clips in synthetic .cnt files
# when trial lengths are shrunk.
_LEAD_S, _GAP_S = 5, 3

# Hemispheric pairs (left, right) of the dasm/rasm features and the 23
# frontal-posterior pairs of dcau (Zheng & Lu 2015); the official pair order
# is unpublished.
_PAIRS = [
    tuple(pair.split("-"))
    for pair in (
        "FP1-FP2 AF3-AF4 F7-F8 F5-F6 F3-F4 F1-F2 FT7-FT8 FC5-FC6 FC3-FC4 FC1-FC2 "
        "T7-T8 C5-C6 C3-C4 C1-C2 TP7-TP8 CP5-CP6 CP3-CP4 CP1-CP2 P7-P8 P5-P6 P3-P4 "
        "P1-P2 PO7-PO8 PO5-PO6 PO3-PO4 CB1-CB2 O1-O2"
    ).split()
]
_CAUDAL = [
    tuple(pair.split("-"))
    for pair in (
        "FT7-TP7 FC5-CP5 FC3-CP3 FC1-CP1 FCZ-CPZ FC2-CP2 FC4-CP4 FC6-CP6 FT8-TP8 "
        "F7-P7 F5-P5 F3-P3 F1-P1 FZ-PZ F2-P2 F4-P4 F6-P6 F8-P8 FP1-O1 FP2-O2 FPZ-OZ "
        "AF3-CB1 AF4-CB2"
    ).split()
]


def _rows(pairs: Sequence[tuple[str, ...]]) -> tuple[np.ndarray, np.ndarray]:
    first, second = zip(*pairs, strict=True)
    return (
        np.array([SEED_CHANNELS.index(c) for c in first]),
        np.array([SEED_CHANNELS.index(c) for c in second]),
    )


def generate(
    dataset: str,
    out: str | os.PathLike,
    subjects: int | Sequence[int] | None = None,
    sessions: int | None = None,
    trial_seconds: float | None = None,
    seed: int = 0,
    *,
    raw: bool = True,
    progress: bool = True,
) -> Path:
    """Write a synthetic release of ``dataset`` in its official layout.

    Parameters
    ----------
    dataset : "seed" | "seed-iv" | "seed-v" | "seed-vii" | "deap" | "dreamer" | \
"amigos" | "faced"
        Which release to imitate (the rated ones:
        :mod:`eegstream.datasets.synth_rated`; one session, no raw files,
        DEAP's trial length fixed).
    out : path-like
        The dataset root to create (e.g. ``data/SEED_IV``); existing files of
        the same names are replaced.
    subjects : int | sequence of int | None
        Write subjects 1..``subjects``, or exactly the subject numbers listed
        (e.g. ``[15]`` for one held-out subject; a subject's EEG depends only
        on ``seed`` and its number), or all of the release (``None``).
    sessions : int | None
        Write sessions 1..``sessions`` of each (default: all).
    trial_seconds : float | None
        Length of every trial in seconds (whole seconds, >= 4); default: the
        official lengths (large: SEED is about 1.3 GB).
    seed : int
        Seed of everything random: the same arguments give the same files.
    raw : bool
        SEED-V only: write the raw ``EEG_raw/*.cnt`` recordings (1000 Hz, 66
        channels, about 0.26 MB per second of recording). ``False`` writes
        only ``EEG_DE_features`` and the timestamp file.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    EEGStreamError
        For an unknown dataset, counts outside the release's, or an ``out``
        folder holding other files than a previous synthetic run's.
    """
    rated = dataset in RATED_DATASETS
    if dataset not in _WRITERS and not rated:
        raise EEGStreamError(
            f"unknown dataset {dataset!r}; choose one of "
            f"{', '.join(T.DATASETS + RATED_DATASETS)}"
        )
    if rated:
        _check_rated(dataset, subjects, sessions, trial_seconds, raw)
    full = RELEASES[dataset].n_subjects if rated else T.N_SUBJECTS[dataset]
    subject_ids = _check_subjects(subjects, full, dataset)
    n_ses = 1
    if not rated:
        n_ses = _check_count("sessions", sessions, T.N_SESSIONS[dataset], dataset)
    if trial_seconds is not None and (
        trial_seconds < 4 or abs(trial_seconds - round(trial_seconds)) > 1e-9
    ):
        raise EEGStreamError(
            f"trial_seconds must be a whole number of seconds >= 4 (one 4 s feature "
            f"window), got {trial_seconds}"
        )
    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and not (out / SYNTHETIC_MARKER).exists():
        raise EEGStreamError(
            f"refusing to write synthetic data into {out}: it holds other files (a "
            "real release?) and no SYNTHETIC_DATA.txt; choose an empty or new folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    command = _cli_command(dataset, out, subjects, sessions, trial_seconds, seed, raw)
    # The marker comes first, so even an interrupted run is labelled synthetic.
    atomic_write_text(
        out / SYNTHETIC_MARKER,
        f"SYNTHETIC {dataset.upper()} DATA - NOT REAL EEG.\n"
        f"Written by eegstream.datasets.synth.generate(dataset={dataset!r}, "
        f"subjects={subjects}, sessions={n_ses}, trial_seconds={trial_seconds}, "
        f"seed={seed}).\n"
        + (f"{_COMMAND_PREFIX}{command}\n" if command else "")
        + f"\n{RATED_ABOUT if rated else _ABOUT}",
    )
    if rated:
        from tqdm import tqdm

        seconds = None if trial_seconds is None else int(trial_seconds)
        written = rated_writer(dataset, out, subject_ids, seed, seconds)
        for _ in tqdm(
            written,
            total=len(subject_ids),
            desc=f"synthetic {dataset}",
            unit="subject",
            disable=None if progress else True,
        ):
            pass
        return out
    classes = T.CLASSES[dataset]
    population = population_effect(classes, np.random.default_rng([seed, 0]))
    seconds = None if trial_seconds is None else int(trial_seconds)
    world = _World(dataset, population, seed, seconds)
    world.raw = raw
    from tqdm import tqdm

    bar = tqdm(
        total=len(subject_ids) * n_ses,
        desc=f"synthetic {dataset}",
        unit="session",
        disable=None if progress else True,
    )
    with bar:
        for _ in _WRITERS[dataset](world, out, subject_ids, n_ses):
            bar.update()
    return out


_ABOUT = """\
Simulated EEG (62 SEED channels, microvolts): 1/f background mixed over the
scalp, occipital alpha, per-subject gains, offsets and sensor noise, frontal
blinks, and a planted emotion effect in log2 band-power (DE) units: beta and
gamma at lateral temporal sites +0.6 x valence; parieto-occipital alpha
-0.5 x arousal; parieto-occipital delta and prefrontal gamma up for negative
valence (+0.5, +0.4); frontal alpha asymmetry +-0.3 x valence; scaled per
subject by 0.3-1.2 plus subject-specific (0.35 rms) and clip-specific
(0.4 rms) patterns. Details: eegstream/datasets/_eeg_sim.py. Anything
measured on it (accuracy included) describes the simulation, not emotion
recognition from real EEG; label it synthetic wherever it is shown.
"""


_COMMAND_PREFIX = "Command: "


def _cli_command(
    dataset: str,
    out: Path,
    subjects: int | Sequence[int] | None,
    sessions: int | None,
    trial_seconds: float | None,
    seed: int,
    raw: bool,
) -> str | None:
    """Return the ``eegstream synth`` command that writes the same files, if any."""
    if subjects is not None and not isinstance(subjects, (int, np.integer)):
        return None  # a list of subject numbers has no command-line form
    values = SimpleNamespace(
        dataset=dataset,
        out=out,
        subjects=subjects,
        sessions=sessions,
        trial_seconds=None if trial_seconds is None else int(trial_seconds),
        seed=seed,
        no_raw=not raw,
    )
    return command_line(["eegstream", "synth"], SYNTH_OPTIONS, values)


def synth_command(root: str | os.PathLike) -> str | None:
    """Return the ``eegstream synth`` command that wrote the release at ``root``.

    Returns ``None`` for a real release, or one written from Python with a
    list of subject numbers.
    """
    marker = Path(root) / SYNTHETIC_MARKER
    if not marker.is_file():
        return None
    for line in marker.read_text(encoding="utf-8").splitlines():
        if line.startswith(_COMMAND_PREFIX):
            return line[len(_COMMAND_PREFIX) :]
    return None


def _check_rated(
    dataset: str,
    subjects: int | Sequence[int] | None,
    sessions: int | None,
    trial_seconds: float | None,
    raw: bool,
) -> None:
    """Refuse the SEED-only settings for a rated dataset."""
    if sessions is not None or not raw:
        raise EEGStreamError(
            f"{dataset} has one session per subject and no raw recordings to "
            "write; leave out {sessions} and {no_raw}",
            param=("sessions", "no_raw"),
        )
    if dataset == "dreamer" and subjects is not None and not isinstance(subjects, int):
        raise EEGStreamError(
            "DREAMER numbers subjects by their place in DREAMER.mat: give a count "
            "{subjects} N (subjects 1..N), not a list",
            param="subjects",
        )
    if dataset == "deap" and trial_seconds is not None:
        raise EEGStreamError(
            "DEAP's trials are fixed by its layout (3 s pre-trial + 60 s at 128 "
            "Hz); leave out {trial_seconds}",
            param="trial_seconds",
        )


def _check_subjects(
    subjects: int | Sequence[int] | None, full: int, dataset: str
) -> list[int]:
    if subjects is None or isinstance(subjects, (int, np.integer)):
        return list(range(1, _check_count("subjects", subjects, full, dataset) + 1))
    ids = sorted({int(s) for s in subjects})
    if not ids or ids[0] < 1 or ids[-1] > full:
        raise EEGStreamError(
            f"subject numbers must lie in 1..{full} for {dataset}, got {list(subjects)}"
        )
    return ids


def _check_count(name: str, value: int | None, full: int, dataset: str) -> int:
    if value is None:
        return full
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not (1 <= value <= full)
    ):
        raise EEGStreamError(
            f"{name} must be an integer from 1 to {full} for {dataset}, got {value!r}"
        )
    return int(value)


class _World:
    """Deterministic source of subjects and trial EEG for one generate() call."""

    def __init__(
        self, dataset: str, population: np.ndarray, seed: int, seconds: int | None
    ):
        self.dataset, self.population, self.seed, self.seconds = (
            dataset,
            population,
            seed,
            seconds,
        )
        self._subjects: dict[int, SubjectModel] = {}
        self.raw = True

    def subject(self, s: int) -> SubjectModel:
        if s not in self._subjects:
            self._subjects[s] = make_subject(
                self.population, np.random.default_rng([self.seed, 1, s])
            )
        return self._subjects[s]

    def eeg(
        self, s: int, k: int, trial: int, label: int | None, n: int, sfreq: float
    ) -> np.ndarray:
        rng = np.random.default_rng([self.seed, 2, s, k, trial])
        return simulate(self.subject(s), label, n, sfreq, rng)


def _savemat(path: Path, variables: dict[str, np.ndarray]) -> None:
    """Write a small MATLAB v5 file atomically, variables in the dict's order."""
    with _mat_file(path) as put:
        for name, value in variables.items():
            put(name, value)


@contextlib.contextmanager
def _mat_file(path: Path) -> Iterator[Callable[[str, np.ndarray], None]]:
    """Yield ``put(name, array)`` appending variables to a MATLAB v5 file.

    Variables go to disk one at a time (a SEED-VII subject file of official
    length is gigabytes) and in call order; the file appears atomically when
    the block ends. Uncompressed: the released SEED/SEED-IV files are
    zlib-compressed (MATLAB -v7), which readers undo transparently, but
    simulated doubles do not compress and zlib triples the generation time.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        # savemat on an open file writes the header only at position 0.
        yield lambda name, value: scipy.io.savemat(fh, {name: value}, oned_as="row")


def _de(eeg: np.ndarray, window_s: float, dataset: str) -> np.ndarray:
    """Official-style DE, (W, 62, 5): non-overlapping windows, the release's DE.

    The one definition the live path's official-feature check also measures
    against (:func:`eegstream.features.official.release_features`).
    """
    return release_features(eeg, dataset, "de", window_s)


def _moving_average(de: np.ndarray) -> np.ndarray:
    """Centred moving average over windows, shrinking at the edges."""
    half = _MOVING_AVERAGE // 2
    n = de.shape[0]
    padded = np.concatenate([np.zeros((1,) + de.shape[1:]), np.cumsum(de, axis=0)])
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    shape = (n,) + (1,) * (de.ndim - 1)
    return (padded[hi] - padded[lo]) / (hi - lo).reshape(shape)


def _release_features(
    de: np.ndarray, families: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """``<family>_<smoothing>`` -> (rows, W, 5) arrays as SEED/SEED-IV store them."""
    smoothed = {"movingAve": _moving_average(de), "LDS": kalman_smooth(de)}
    left, right = _rows(_PAIRS)
    front, back = _rows(_CAUDAL)
    out = {}
    for family in families:
        for how, x in smoothed.items():  # x: (W, 62, 5)
            if family == "de":
                f = x
            elif family == "psd":
                f = 2.0**x / 100.0
            elif family == "dasm":
                f = x[:, left] - x[:, right]
            elif family == "rasm":
                f = x[:, left] / x[:, right]
            elif family == "asm":
                f = np.concatenate(
                    [x[:, left] - x[:, right], x[:, left] / x[:, right]], axis=1
                )
            else:  # dcau
                f = x[:, front] - x[:, back]
            out[f"{family}_{how}"] = np.ascontiguousarray(f.transpose(1, 0, 2))
    return out


def _lengths(world: _World, official: tuple[int, ...]) -> tuple[int, ...]:
    return official if world.seconds is None else (world.seconds,) * len(official)


# ------------------------------------------------------------------ writers
def _write_seed(
    world: _World, out: Path, subject_ids: list[int], n_ses: int
) -> Iterator[None]:
    labels = [v + 1 for v in T.SEED_LABEL_MAT]
    seconds = _lengths(world, T.SEED_TRIAL_SECONDS)
    pre, ext = out / "Preprocessed_EEG", out / "ExtractedFeatures"
    for folder in (pre, ext):
        _savemat(folder / "label.mat", {"label": np.array([T.SEED_LABEL_MAT], float)})
    families = ("de", "psd", "dasm", "rasm", "asm", "dcau")
    for s in subject_ids:
        prefix = T.SEED_PREFIX[s]
        for k in range(1, n_ses + 1):
            name = f"{s}_{T.SEED_DATES[s][k - 1]}.mat"
            with _mat_file(pre / name) as put_eeg, _mat_file(ext / name) as put_feat:
                for n, (sec, label) in enumerate(zip(seconds, labels, strict=True), 1):
                    eeg = world.eeg(s, k, n, label, _SFREQ * sec + 1, _SFREQ)
                    put_eeg(f"{prefix}_eeg{n}", eeg)
                    feats = _release_features(_de(eeg[:, 1:], 1.0, "seed"), families)
                    for kind in T.SEED_FEATURE_KINDS:
                        put_feat(f"{kind}{n}", feats[kind])
            yield


def _write_seed_iv(
    world: _World, out: Path, subject_ids: list[int], n_ses: int
) -> Iterator[None]:
    seconds = _lengths(world, tuple(4 * w + 2 for w in T.SEED_IV_WINDOWS_S1))
    for s in subject_ids:
        prefix = T.SEED_IV_PREFIX[s]
        for k in range(1, n_ses + 1):
            name = f"{s}_{T.SEED_IV_DATES[s][k - 1]}.mat"
            raw_path = out / "eeg_raw_data" / str(k) / name
            feat_path = out / "eeg_feature_smooth" / str(k) / name
            with _mat_file(raw_path) as put_eeg, _mat_file(feat_path) as put_feat:
                trials = zip(seconds, T.SEED_IV_LABELS[k], strict=True)
                for n, (sec, label) in enumerate(trials, start=1):
                    eeg = world.eeg(s, k, n, label, _SFREQ * sec + 1, _SFREQ)
                    put_eeg(f"{prefix}_eeg{n}", eeg)
                    feats = _release_features(
                        _de(eeg[:, 1:], 4.0, "seed-iv"), ("de", "psd")
                    )
                    for kind in T.SEED_IV_FEATURE_KINDS:
                        put_feat(f"{kind}{n}", feats[kind])
            yield
    lines = [
        f"session{k}_label = [{','.join(map(str, T.SEED_IV_LABELS[k]))}];"
        for k in (1, 2, 3)
    ]
    atomic_write_text(
        out / "ReadMe.txt",
        "The labels with 0, 1, 2, and 3 denote the ground truth, neutral, sad, fear, "
        "and happy emotions, respectively.\n" + "\n".join(lines) + "\n",
    )


def _seed_v_times(
    world: _World,
) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]]]:
    if world.seconds is None:
        return T.SEED_V_STARTS, T.SEED_V_ENDS
    starts = tuple(
        _LEAD_S + i * (world.seconds + _GAP_S) for i in range(T.N_TRIALS["seed-v"])
    )
    ends = tuple(b + world.seconds for b in starts)
    return dict.fromkeys((1, 2, 3), starts), dict.fromkeys((1, 2, 3), ends)


def seed_v_timestamp_text(
    starts: dict[int, tuple[int, ...]], ends: dict[int, tuple[int, ...]]
) -> str:
    """``trial_start_end_timestamp.txt`` in the release's format."""
    blocks = []
    for k in sorted(starts):
        blocks.append(
            f"Session {k}:\nstart_second: [{', '.join(map(str, starts[k]))}]\n"
            f"end_second: [{', '.join(map(str, ends[k]))}]\n"
        )
    return "\n".join(blocks)


#: Channel list of the synthetic SEED-V .cnt files: the 62 SEED channels with
#: the mastoids next to the temporal rows and the EOG at the end (the official
#: order of the extras is unknown; readers pick channels by name).
SEED_V_CNT_CHANNELS = (
    SEED_CHANNELS[:33]
    + ("M1",)
    + SEED_CHANNELS[33:41]
    + ("M2",)
    + SEED_CHANNELS[41:]
    + ("VEO", "HEO")
)


def _write_seed_v(
    world: _World, out: Path, subject_ids: list[int], n_ses: int
) -> Iterator[None]:
    starts, ends = _seed_v_times(world)
    text = seed_v_timestamp_text(starts, ends)
    atomic_write_text(out / "trial_start_end_timestamp.txt", text)
    for s in subject_ids:
        data: dict[int, np.ndarray] = {}
        labels: dict[int, np.ndarray] = {}
        for k in range(1, n_ses + 1):
            clips = _seed_v_session(world, s, k, starts[k], ends[k], out)
            for n, clip in enumerate(clips, start=1):
                de = _de(clip, 4.0, "seed-v")
                key = (k - 1) * 15 + n - 1
                data[key] = de.reshape(de.shape[0], -1)  # channel-major (62, 5) rows
                labels[key] = np.full(de.shape[0], T.SEED_V_LABELS[k][n - 1], np.int64)
            yield
        with atomic_path(out / "EEG_DE_features" / f"{s}_123.npz") as tmp:
            np.savez(tmp, data=pickle.dumps(data), label=pickle.dumps(labels))


def _seed_v_session(
    world: _World, s: int, k: int, starts: tuple, ends: tuple, out: Path
) -> Iterator[np.ndarray]:
    """Yield each clip's 200 Hz EEG; with ``world.raw`` also write the session .cnt.

    The .cnt is one continuous 1000 Hz recording (rest, clip, rest, clip, ...,
    rest) streamed to disk segment by segment: a session of official length
    is about 3400 s, too long to hold in memory at 66 channels.
    """
    labels = T.SEED_V_LABELS[k]
    if not world.raw:
        for n, (b, e) in enumerate(zip(starts, ends, strict=True), start=1):
            yield world.eeg(s, k, n, labels[n - 1], (e - b) * _SFREQ, _SFREQ)
        return
    # (trial id for the random stream, label or None for rest, seconds)
    plan: list[tuple[int, int | None, int]] = []
    cursor = 0
    for n, (b, e) in enumerate(zip(starts, ends, strict=True), start=1):
        if b > cursor:
            plan.append((100 + n, None, b - cursor))
        plan.append((n, labels[n - 1], e - b))
        cursor = e
    plan.append((200, None, _GAP_S))
    clips: list[np.ndarray] = []

    def chunks() -> Iterator[np.ndarray]:
        for trial, label, seconds in plan:
            eeg = world.eeg(s, k, trial, label, seconds * _RAW_SFREQ, _RAW_SFREQ)
            if label is not None:
                # What the raw reader returns: zero-mean, resampled to 200 Hz.
                centred = eeg - eeg.mean(axis=1, keepdims=True)
                clips.append(resample_poly(centred, 1, 5, axis=1))
            yield _cnt_rows(eeg)

    write_cnt(
        out / "EEG_raw" / f"{s}_{k}_{T.SEED_V_DATES[s][k - 1]}.cnt",
        chunks(),
        _RAW_SFREQ,
        SEED_V_CNT_CHANNELS,
        n_samples=sum(seconds for _, _, seconds in plan) * _RAW_SFREQ,
    )
    yield from clips


_INDEX = {name: i for i, name in enumerate(SEED_CHANNELS)}


def _cnt_rows(eeg: np.ndarray) -> np.ndarray:
    """Build the 66 rows of a SEED-V .cnt from the 62 SEED channels.

    M1/M2 (mastoids) follow the neighbouring temporal sites, VEO follows the
    frontal pole (blinks), HEO is the F7 - F8 difference.
    """
    extra = {
        "M1": 0.8 * eeg[_INDEX["TP7"]],
        "M2": 0.8 * eeg[_INDEX["TP8"]],
        "VEO": 2.0 * eeg[_INDEX["FPZ"]],
        "HEO": eeg[_INDEX["F7"]] - eeg[_INDEX["F8"]],
    }
    return np.array(
        [eeg[_INDEX[c]] if c in _INDEX else extra[c] for c in SEED_V_CNT_CHANNELS]
    )


def _write_seed_vii(
    world: _World, out: Path, subject_ids: list[int], n_ses: int
) -> Iterator[None]:
    if world.seconds is None:
        seconds = tuple(int(x) for x in np.random.default_rng(7).integers(60, 361, 80))
    else:
        seconds = (world.seconds,) * 80
    for s in subject_ids:
        pre = out / "EEG_preprocessed" / f"{s}.mat"
        ext = out / "EEG_features" / f"{s}.mat"
        with _mat_file(pre) as put_eeg, _mat_file(ext) as put_feat:
            for k in range(1, n_ses + 1):
                for clip in range(1, 21):
                    v = T.seed_vii_video(k, clip)
                    label = T.SEED_VII_LABELS[v - 1]
                    eeg = world.eeg(s, k, v, label, _SFREQ * seconds[v - 1], _SFREQ)
                    put_eeg(str(v), eeg)
                    de = _de(eeg, 4.0, "seed-vii")
                    # MAET order per video: psd, de, de_LDS; each (W, 5, 62).
                    for kind, values in (
                        ("psd", 2.0**de / 100.0),
                        ("de", de),
                        ("de_LDS", kalman_smooth(de)),
                    ):
                        put_feat(f"{kind}_{v}", values.transpose(0, 2, 1).copy())
                yield


_WRITERS: dict[str, Callable[[_World, Path, list[int], int], Iterator[None]]] = {
    "seed": _write_seed,
    "seed-iv": _write_seed_iv,
    "seed-v": _write_seed_v,
    "seed-vii": _write_seed_vii,
}
