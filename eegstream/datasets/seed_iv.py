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

from . import tables as T
from ._layout import Part, assemble, find_root, missing_sessions
from ._matrelease import (
    eeg_loader,
    eeg_seconds,
    eeg_variables,
    feature_loader,
    feature_variables,
    subject_files,
)
from .base import Dataset

NAME = "seed-iv"


def read(root: str | os.PathLike) -> Dataset:
    """Scan a SEED-IV release (see :func:`eegstream.datasets.open_dataset`)."""
    root = find_root(NAME, root)
    n_trials = T.N_TRIALS[NAME]
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
                if len(entries) > 1 or s not in T.SEED_IV_DATES:
                    raise _extra(session_dir, s, entries)
                path = entries[0][1]
                present.add((s, k))
                labels = T.SEED_IV_LABELS[k]
                if parts is eeg:
                    for n, (var, n_samples) in eeg_variables(path, n_trials).items():
                        parts.append(
                            Part(
                                s,
                                k,
                                n,
                                labels[n - 1],
                                eeg_seconds(n_samples),
                                path,
                                eeg_loader(path, var),
                            )
                        )
                else:
                    kinds = T.SEED_IV_FEATURE_KINDS
                    windows = feature_variables(
                        path, n_trials, kinds, T.SEED_FEATURE_ROWS
                    )
                    for n, w in windows.items():
                        parts.append(
                            Part(
                                s,
                                k,
                                n,
                                labels[n - 1],
                                4.0 * w,
                                path,
                                feature_loader(path, n),
                            )
                        )
        found.append(f"{part_name}/: {len(present)} subject-session files")
        missing += missing_sessions(f"{part_name}/", NAME, present)
    return assemble(NAME, root, eeg, features, found, missing)


def _extra(folder, subject, entries):
    from .._errors import EEGStreamError

    names = ", ".join(p.name for _, p in entries)
    if subject not in T.SEED_IV_DATES:
        return EEGStreamError(
            f"unexpected file {entries[0][1]}: SEED-IV has subjects 1-15, not {subject}"
        )
    return EEGStreamError(
        f"{folder} holds {len(entries)} files of subject {subject} ({names}); expected "
        "one per subject in each session folder"
    )
