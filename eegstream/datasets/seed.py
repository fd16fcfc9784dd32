"""SEED reader: ``Preprocessed_EEG/``, ``ExtractedFeatures*/``, ``SEED_RAW_EEG/``.

- ``Preprocessed_EEG/<subject>_<YYYYMMDD>.mat``: ``<prefix>_eeg1`` ...
  ``<prefix>_eeg15``, (62, 200 T + 1) µV at 200 Hz; the prefix is the
  subject's initials; the extra first sample is dropped.
- Sessions are not in the names: a subject's files are its sessions in date
  order (the official dates give the session number directly).
- ``label.mat``: ``label`` (1, 15) of -1/0/1 (negative/neutral/positive),
  the same for every subject and session; class id = value + 1.
- ``ExtractedFeatures`` (1 s windows, old release), ``ExtractedFeatures_1s``
  or ``ExtractedFeatures_4s``: per trial n, ``de_movingAve<n>``,
  ``de_LDS<n>``, ``psd_*``, ``dasm_*``, ``rasm_*``, ``asm_*``, ``dcau_*``,
  each (rows, W, 5).
- ``SEED_RAW_EEG/<subject>_<session>.cnt`` (1000 Hz, 62 EEG + M1, M2, VEO,
  HEO), cut at the fixed clip times of SEED_FORMATS.md §2.5; used when
  ``Preprocessed_EEG`` is absent or ``eeg="raw"``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from . import tables as T
from ._layout import Part, assemble, find_root, missing_sessions
from ._mat import list_variables, load_variables
from ._matrelease import eeg_parts, feature_parts, subject_files
from ._raw import raw_part
from .base import Dataset

NAME = "seed"
FEATURE_FOLDERS = ("ExtractedFeatures_4s", "ExtractedFeatures_1s", "ExtractedFeatures")
_RAW = re.compile(r"(\d+)_(\d)\.cnt")


def read(
    root: str | os.PathLike, *, features: str | None = None, eeg: str | None = None
) -> Dataset:
    """Scan a SEED release (see :func:`eegstream.datasets.open_dataset`).

    Parameters
    ----------
    root : path-like
        The folder holding ``Preprocessed_EEG/`` etc. (or ``SEED_EEG/`` above it).
    features : str | None
        Feature folder to read; default the first present of
        ``ExtractedFeatures_4s``, ``ExtractedFeatures_1s``, ``ExtractedFeatures``.
    eeg : "preprocessed" | "raw" | None
        EEG source; default ``Preprocessed_EEG`` when present, else the raw ``.cnt``.
    """
    root = find_root(NAME, root)
    if features is not None and features not in FEATURE_FOLDERS:
        raise EEGStreamError(
            f"features must be one of {', '.join(FEATURE_FOLDERS)}, got {features!r}"
        )
    if eeg not in (None, "preprocessed", "raw"):
        raise EEGStreamError(f"eeg must be 'preprocessed' or 'raw', got {eeg!r}")
    found: list[str] = []
    missing: list[str] = []
    labels = _labels(root, found, missing)

    eeg_found: list[Part] = []
    pre = root / "Preprocessed_EEG"
    raw_dir = root / "SEED_RAW_EEG"
    if eeg == "raw" or (eeg is None and not pre.is_dir() and raw_dir.is_dir()):
        eeg_found = _raw_parts(raw_dir, labels, found, missing)
    elif pre.is_dir():
        present = set()
        for s, k, path in _sessions(pre):
            present.add((s, k))
            eeg_found += eeg_parts(path, s, k, labels)
        found.append(f"Preprocessed_EEG/: {len(present)} subject-session files")
        missing += missing_sessions("Preprocessed_EEG/", NAME, present)
    else:
        missing.append("Preprocessed_EEG/ (the whole folder; no SEED_RAW_EEG/ either)")

    features_found: list[Part] = []
    folder = next((root / f for f in FEATURE_FOLDERS if (root / f).is_dir()), None)
    if features is not None:
        folder = root / features
        if not folder.is_dir():
            raise EEGStreamError(f"feature folder not found: {folder}")
    if folder is None:
        missing.append("ExtractedFeatures*/ (no feature folder)")
    else:
        window = 4.0 if folder.name.endswith("_4s") else 1.0
        present = set()
        for s, k, path in _sessions(folder):
            present.add((s, k))
            kinds = T.SEED_FEATURE_KINDS
            features_found += feature_parts(path, s, k, labels, kinds, window)
        found.append(
            f"{folder.name}/: {len(present)} subject-session files "
            f"({window:g} s windows)"
        )
        missing += missing_sessions(f"{folder.name}/", NAME, present)
    return assemble(NAME, root, eeg_found, features_found, found, missing)


def _labels(root: Path, found: list[str], missing: list[str]) -> tuple[int, ...]:
    """Class ids per trial from the first label.mat found, else the official list."""
    for folder in ("Preprocessed_EEG",) + FEATURE_FOLDERS:
        path = root / folder / "label.mat"
        if path.is_file():
            break
    else:
        missing.append("label.mat (used the official labels)")
        return tuple(v + 1 for v in T.SEED_LABEL_MAT)
    variables = list_variables(path)
    if (
        "label" not in variables
        or int(np.prod(variables["label"][0])) != T.N_TRIALS[NAME]
    ):
        raise EEGStreamError(
            f"{path}: expected one variable 'label' of shape (1, 15), got "
            f"{ {n: v[0] for n, v in variables.items()} }"
        )
    values = load_variables(path, ["label"])["label"].ravel()
    if not np.isin(values, (-1, 0, 1)).all():
        raise EEGStreamError(
            f"{path}: labels must be -1 (negative), 0 (neutral) or 1 (positive), got "
            f"{values.tolist()}"
        )
    found.append(f"{path.relative_to(root)}")
    return tuple(int(v) + 1 for v in values)


def _sessions(folder: Path) -> list[tuple[int, int, Path]]:
    """(subject, session, path) of a folder of ``<subject>_<date>.mat`` files."""
    out = []
    for s, entries in subject_files(folder, "1_20131027.mat").items():
        if s not in T.SEED_DATES:
            raise EEGStreamError(f"{entries[0][1]}: SEED has subjects 1-15, not {s}")
        if len(entries) > T.N_SESSIONS[NAME]:
            raise EEGStreamError(
                f"{folder} holds {len(entries)} files of subject {s} "
                f"({', '.join(p.name for _, p in entries)}); expected at most 3 "
                "sessions"
            )
        official = T.SEED_DATES[s]
        dates = sorted(d for d, _ in entries)
        for date, path in sorted(entries):
            # The official date says the session even when another is missing.
            k = official.index(date) + 1 if date in official else dates.index(date) + 1
            out.append((s, k, path))
    return out


def _raw_parts(
    folder: Path, labels, found: list[str], missing: list[str]
) -> list[Part]:
    if not folder.is_dir():
        raise EEGStreamError(f"raw EEG folder not found: {folder}")
    parts, present = [], set()
    for path in sorted(folder.glob("*.cnt")):
        match = _RAW.fullmatch(path.name)
        if not match:
            raise EEGStreamError(
                f"unexpected file {path}; expected <subject>_<session>.cnt such as "
                "1_1.cnt"
            )
        s, k = int(match.group(1)), int(match.group(2))
        present.add((s, k))
        times = zip(T.SEED_RAW_STARTS, T.SEED_RAW_ENDS, strict=True)
        for n, (b, e) in enumerate(times, start=1):
            parts.append(raw_part(path, s, k, n, labels[n - 1], b, e))
    found.append(
        f"SEED_RAW_EEG/: {len(present)} .cnt files (cut at the fixed clip times)"
    )
    missing += missing_sessions("SEED_RAW_EEG/", NAME, present)
    return parts
