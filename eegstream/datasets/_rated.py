"""What the rated-dataset readers share: finding the release, SEED rows, the Dataset.

A rated release (DEAP, DREAMER, AMIGOS, FACED) records a subset of the 62
SEED channels at its own rate. :func:`seed_rows` puts a trial's EEG into the
project's frame (SEED order, 200 Hz, microvolts, NaN rows for the channels
the release lacks), the frame every other part of eegstream reads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from ..montage import N_CHANNELS, SEED_CHANNELS, normalize_name
from .base import Dataset, Trial, make_key
from .rated_tables import BASELINES, RELEASES
from .tables import SYNTHETIC_MARKER
from .targets import Target, check_classes, make_target

#: The rate every trial's EEG is returned at (the SEED rate, the features').
SFREQ = 200.0


def check_baseline(name: str, baseline: str | None) -> str:
    """Return the baseline mode (default ``"none"``) or refuse it for ``name``."""
    baseline = baseline or "none"
    if baseline not in BASELINES:
        raise EEGStreamError(
            f"baseline must be one of {', '.join(BASELINES)}, got {baseline!r}",
            param="baseline",
        )
    release = RELEASES[name]
    if baseline == "subtract" and release.baseline is None:
        raise EEGStreamError(
            f"{release.pretty} provides no baseline period to subtract; leave out "
            "{baseline} (DEAP and DREAMER have one)",
            param="baseline",
        )
    return baseline


def check_eeg(name: str, eeg: str | None) -> str | None:
    """Return ``eeg`` ("preprocessed", "raw" or None: whichever is present)."""
    if eeg not in (None, "preprocessed", "raw"):
        raise EEGStreamError(
            f"eeg must be 'preprocessed' or 'raw' for {RELEASES[name].pretty}, "
            f"got {eeg!r}",
            param="eeg",
        )
    return eeg


def part_folder(release: Path, folder: str, glob: str) -> Path | None:
    """``release/folder`` if present, else ``release`` if it holds ``glob`` files."""
    if (release / folder).is_dir():
        return release / folder
    return release if any(release.glob(glob)) else None


def find_release(
    name: str,
    root: str | os.PathLike,
    folder: str | tuple[str, ...],
    glob: str | tuple[str, ...],
) -> tuple[Path, Path]:
    """Find the release: ``root/folder``, a direct subfolder's, or ``glob`` files.

    ``folder`` and ``glob`` may list several parts (a preprocessed and a raw
    folder, each with its own files); the first found of any counts.

    Returns
    -------
    release : Path
        The release's root (holding ``folder``, or the files themselves).
    files : Path
        The folder found (one of ``folder``), or the release itself when it
        holds the ``glob`` files directly.

    Raises
    ------
    EEGStreamError
        If ``root`` is missing, not a folder, or holds no such files.
    """
    folders = (folder,) if isinstance(folder, str) else folder
    globs = (glob,) if isinstance(glob, str) else glob
    pretty = RELEASES[name].pretty
    root = Path(root).expanduser()
    if not root.is_dir():
        what = "not found" if not root.exists() else "is a file, not a folder"
        raise EEGStreamError(f"{pretty} root folder {root} {what}")
    candidates = [root] + sorted(p for p in root.iterdir() if p.is_dir())
    for base in candidates:
        for part in folders:
            if (base / part).is_dir():
                return base, base / part
    for base in candidates:
        if any(any(base.glob(g)) for g in globs):
            return base, base
    wanted = " or ".join(
        f"{f}/ with {g} files in it" for f, g in zip(folders, globs, strict=True)
    )
    raise EEGStreamError(
        f"{root} holds no {pretty} data: expected {wanted} (or in a direct "
        "subfolder), or those files directly"
    )


def read_processed_or_raw(
    name: str,
    root: str | os.PathLike,
    *,
    target: str | None,
    threshold: float | None,
    baseline: str | None,
    eeg: str | None,
    processed: tuple[str, str, str],
    raw: tuple[str, str],
    scan_processed: Callable[[Path, str, list[str], list[str]], list[RatedTrial]],
    scan_raw: Callable[[Path, Path, str, list[str], list[str]], list[RatedTrial]],
) -> Dataset:
    """Read a release of a processed part and the raw recordings (DEAP, FACED).

    Parameters
    ----------
    name : str
        The dataset's key in :data:`~.rated_tables.RELEASES`.
    root, target, threshold, baseline, eeg
        The reader's (see :func:`eegstream.datasets.open_dataset`).
    processed : (str, str, str)
        The processed part's folder, its files' glob, and the release's word
        for it ("preprocessed", "processed").
    raw : (str, str)
        The raw recordings' folder and their files' glob.
    scan_processed : callable
        ``(folder, baseline, found, missing) -> trials``: scan the processed part.
    scan_raw : callable
        ``(folder, release, baseline, found, missing) -> trials``: scan the raw
        part. Both append lines for :meth:`~.base.Dataset.describe` to
        ``found`` and ``missing``.
    """
    spec = make_target(name, target, threshold)
    baseline = check_baseline(name, baseline)
    eeg = check_eeg(name, eeg)
    (pre_name, pre_glob, word), (raw_name, raw_glob) = processed, raw
    release, _ = find_release(name, root, (pre_name, raw_name), (pre_glob, raw_glob))
    folder = part_folder(release, pre_name, pre_glob)
    original = part_folder(release, raw_name, raw_glob)
    found: list[str] = []
    missing: list[str] = []
    eeg = "raw" if eeg == "raw" or (eeg is None and folder is None) else "preprocessed"
    trials: list[RatedTrial] = []
    if eeg == "raw":
        if original is None:
            missing.append(f"{raw_name}/: not found (the raw recordings)")
        else:
            trials = scan_raw(original, release, baseline, found, missing)
    elif folder is None:
        missing.append(f"{pre_name}/: not found (the {word} files)")
    else:
        trials = scan_processed(folder, baseline, found, missing)
        if original is not None and original != folder:
            n = len(list(original.glob(raw_glob)))
            found.append(
                f"{raw_name}/: {n} raw recordings (not read: the {word} files are; "
                "eeg='raw' reads these)"
            )
    return build_dataset(spec, baseline, release, trials, found, missing, eeg)


def check_channels(
    path: Path, ch_names: Sequence[str], expected: Sequence[str], what: str
) -> None:
    """Refuse a raw recording that lacks any of the ``expected`` EEG channels.

    ``ch_names`` are the file's labels (matched after
    :func:`~eegstream.montage.normalize_name`); ``what`` ends the message's
    "expected ...", saying which channels the release records.
    """
    labels = {normalize_name(n) for n in ch_names}
    absent = [c for c in expected if c not in labels]
    if absent:
        raise EEGStreamError(
            f"{path} lacks the EEG channel(s) {', '.join(absent)}; expected {what}"
        )


def seed_rows(eeg: np.ndarray, name: str) -> np.ndarray:
    """Put a trial's EEG in the project's frame.

    Parameters
    ----------
    eeg : array, shape (n_channels, n_samples)
        The release's EEG channels in its own order, microvolts, at its rate.
    name : str
        The dataset (its channel order and rate).

    Returns
    -------
    array of float64, shape (62, n_samples_200)
        SEED order at 200 Hz; NaN rows for the channels the release lacks.
    """
    from ..files.reading import _resample

    release = RELEASES[name]
    data = np.asarray(eeg, dtype=np.float64)
    if release.sfreq != SFREQ:
        data = _resample(data, release.sfreq, SFREQ)
    out = np.full((N_CHANNELS, data.shape[1]), np.nan)
    out[[SEED_CHANNELS.index(c) for c in release.channels]] = data
    return out


def subtract_baseline(eeg: np.ndarray, baseline: np.ndarray, sfreq: float):
    """Subtract the mean 1 s segment of ``baseline`` from every 1 s of ``eeg``.

    The literature's baseline removal for DEAP (its 3 s pre-trial) and
    DREAMER (its baseline recording): the baseline's whole seconds are
    averaged sample by sample into one 1 s segment, tiled over the trial.

    Parameters
    ----------
    eeg, baseline : arrays, shape (n_channels, n_samples)
        The clip and its baseline, at ``sfreq`` Hz.
    """
    seg = int(round(sfreq))
    n = baseline.shape[1] // seg
    if n == 0:
        raise EEGStreamError(
            f"baseline of {baseline.shape[1]} samples is shorter than 1 s at "
            f"{sfreq:g} Hz; nothing to subtract"
        )
    mean = baseline[:, : n * seg].reshape(len(baseline), n, seg).mean(axis=1)
    reps = -(-eeg.shape[1] // seg)
    return eeg - np.tile(mean, reps)[:, : eeg.shape[1]]


@dataclass
class RatedTrial:
    """One trial as a rated reader finds it, before labelling."""

    subject: int
    session: int
    trial: int
    ratings: Mapping[str, float]
    duration_s: float
    path: Path
    load: Callable[[], np.ndarray]


def build_dataset(
    target: Target,
    baseline: str,
    folder: Path,
    found_trials: list[RatedTrial],
    found: list[str],
    missing: list[str],
    eeg: str | None = None,
) -> Dataset:
    """Label the trials, check every class is present, report balance per subject.

    ``eeg``: which EEG a reader with a choice read ("preprocessed" or "raw"),
    kept in ``Dataset.target`` (and said in its description when raw).

    Raises
    ------
    EEGStreamError
        No trials, or a class left empty by the threshold.
    """
    release = RELEASES[target.dataset]
    if not found_trials:
        raise EEGStreamError(
            f"no {release.pretty} trials found under {folder}: "
            + "; ".join(missing or ["no data files"])
        )
    labels = [target.label(t.ratings, t.trial) for t in found_trials]
    check_classes(target, labels, f"{release.pretty} at {folder}")
    trials = [
        Trial(
            dataset=target.dataset,
            subject=t.subject,
            session=t.session,
            trial=t.trial,
            label=label,
            label_name=target.classes[label],
            duration_s=t.duration_s,
            key=make_key(t.subject, t.session, t.trial),
            eeg_source=t.path,
            _load_eeg=t.load,
            ratings=dict(t.ratings) or None,
        )
        for t, label in zip(found_trials, labels, strict=True)
    ]
    trials.sort(key=lambda t: (t.subject, t.session, t.trial))
    per_subject: dict[int, list[int]] = {}
    for t in trials:
        per_subject.setdefault(t.subject, [0] * len(target.classes))[t.label] += 1
    found = [
        *found,
        *(
            f"subject {s} classes: "
            + ", ".join(f"{c} {n}" for c, n in zip(target.classes, counts, strict=True))
            for s, counts in sorted(per_subject.items())
        ),
    ]
    where = {"pre-trial": "its 3 s pre-trial", "recording": "its baseline recording"}
    described = target.describe() + (
        f"; baseline: {where[str(release.baseline)]} subtracted"
        if baseline == "subtract"
        else ""
    )
    if eeg == "raw":
        described += "; EEG: the raw recordings"
    channels = tuple(c for c in SEED_CHANNELS if c in release.channels)
    return Dataset(
        name=target.dataset,
        root=folder,
        classes=target.classes,
        trials=trials,
        found=found,
        missing=missing,
        synthetic=(folder / SYNTHETIC_MARKER).exists(),
        channels=channels,
        target={
            **target.to_dict(),
            "baseline": baseline,
            **({"eeg": eeg} if eeg else {}),
            "described": described,
        },
    )


def missing_subjects(part: str, name: str, present: set[int]) -> list[str]:
    """One line naming the subjects of the full release that ``part`` lacks."""
    from ._layout import ranges

    n = RELEASES[name].n_subjects
    absent = [s for s in range(1, n + 1) if s not in present]
    return [f"{part}: subjects {ranges(absent)} of 1-{n}"] if absent else []
