"""SEED-IV reader: ``eeg_raw_data/{1,2,3}/`` and ``eeg_feature_smooth/{1,2,3}/``.

The session is the folder name (not the date). ``eeg_raw_data`` is already
200 Hz, in µV, one ``<prefix>_eeg<n>`` variable (62, 200 T + 1) per trial; the
extra first sample is dropped. ``eeg_feature_smooth`` holds ``de_movingAve<n>``,
``de_LDS<n>``, ``psd_movingAve<n>``, ``psd_LDS<n>`` of shape (62, W, 5), one
row per 4 s window. Labels are the official per-session lists (there is no
label file; SEED_FORMATS.md §3).
"""

from __future__ import annotations

import os
from pathlib import Path

from .._errors import EEGStreamError
from . import tables as T
from ._layout import Part, assemble, find_root, missing_sessions
from ._matrelease import eeg_parts, feature_parts, subject_files
from .base import Dataset

NAME = "seed-iv"


def read(root: str | os.PathLike) -> Dataset:
    """Scan a SEED-IV release (see :func:`eegstream.datasets.open_dataset`)."""
    root = find_root(NAME, root)
    eeg: list[Part] = []
    features: list[Part] = []
    found: list[str] = []
    missing: list[str] = []
    for part_name, parts in (("eeg_raw_data", eeg), ("eeg_feature_smooth", features)):
        folder = root / part_name
        if not folder.is_dir():
            missing.append(f"{part_name}/ (the whole folder)")
            continue
        present = set()
        for k in (1, 2, 3):
            session_dir = folder / str(k)
            if not session_dir.is_dir():
                continue
            files = subject_files(session_dir, f"1_{T.SEED_IV_DATES[1][k - 1]}.mat")
            for s, entries in files.items():
                path = _one_file(session_dir, s, entries)
                present.add((s, k))
                labels = T.SEED_IV_LABELS[k]
                if parts is eeg:
                    parts += eeg_parts(path, s, k, labels)
                else:
                    kinds = T.SEED_IV_FEATURE_KINDS
                    parts += feature_parts(path, s, k, labels, kinds, 4.0)
        found.append(f"{part_name}/: {len(present)} subject-session files")
        missing += missing_sessions(f"{part_name}/", NAME, present)
    return assemble(NAME, root, eeg, features, found, missing)


def _one_file(folder: Path, subject: int, entries: list[tuple[str, Path]]) -> Path:
    """Return the subject's only file in a session folder (subjects 1-15)."""
    if subject not in T.SEED_IV_DATES:
        raise EEGStreamError(
            f"unexpected file {entries[0][1]}: SEED-IV has subjects 1-15, not {subject}"
        )
    if len(entries) > 1:
        names = ", ".join(p.name for _, p in entries)
        raise EEGStreamError(
            f"{folder} holds {len(entries)} files of subject {subject} ({names}); "
            "expected one per subject in each session folder"
        )
    return entries[0][1]
