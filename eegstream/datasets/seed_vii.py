"""SEED-VII reader: ``EEG_preprocessed/``, ``EEG_features/``, ``EEG_raw/``.

- ``EEG_preprocessed/<subject>.mat``: variables ``'1'`` ... ``'80'`` (one per
  video), (62, T) µV at 200 Hz, T a whole number of seconds.
- ``EEG_features/<subject>.mat``: ``psd_<v>``, ``de_<v>``, ``de_LDS_<v>`` for
  v = 1 ... 80, each (W, 5, 62) (windows x bands x channels), 4 s windows.
- ``EEG_raw/<subject>_<YYYYMMDD>_<session>.cnt``: 1000 Hz, 62 EEG + M1, M2,
  ECG, HEO, VEO; clip i of session k (video (k - 1) * 20 + i) runs between
  triggers 2i and 2i + 1, trimmed to whole seconds. ``14_20221015_1`` and
  ``9_20221111_3`` have wrong triggers: their times come from
  ``save_info/<name>_trigger_info.csv``.
- Labels: the 80-video table of emotion names, mapped to class ids by name
  (SEED_FORMATS.md §5.6). ``trial`` is the video number 1-80.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from ..montage import N_CHANNELS
from . import tables as T
from ._layout import (
    Part,
    as_float64,
    assemble,
    find_root,
    missing_sessions,
    numbered_files,
)
from ._mat import check_shape, list_variables, load_variables, numbered
from ._raw import csv_clips, raw_part, trigger_clips
from .base import Dataset

NAME = "seed-vii"
_SUBJECT_FILE = re.compile(r"(\d+)\.mat")
_CNT = re.compile(r"(\d+)_(\d{8})_(\d)\.cnt")
_FEATURE = r"(psd|de|de_LDS)_(\d+)"
_CLIPS = 20


def read(root: str | os.PathLike, *, eeg: str | None = None) -> Dataset:
    """Scan a SEED-VII release (see :func:`eegstream.datasets.open_dataset`).

    Parameters
    ----------
    root : path-like
        The folder holding ``EEG_preprocessed/`` etc. (or ``SEED-VII/`` above it).
    eeg : "preprocessed" | "raw" | None
        EEG source; default ``EEG_preprocessed`` when present, else ``EEG_raw``.
    """
    if eeg not in (None, "preprocessed", "raw"):
        raise EEGStreamError(f"eeg must be 'preprocessed' or 'raw', got {eeg!r}")
    root = find_root(NAME, root, also=("EEG_raw",))
    found: list[str] = []
    missing: list[str] = []
    pre = root / "EEG_preprocessed"
    if eeg == "raw" or (eeg is None and not pre.is_dir()):
        eeg_parts = _raw_parts(root, found, missing)
    else:
        eeg_parts = _mat_parts(pre, "EEG_preprocessed/", _check_eeg, found, missing)
    feature_parts = _mat_parts(
        root / "EEG_features", "EEG_features/", _check_features, found, missing
    )
    return assemble(NAME, root, eeg_parts, feature_parts, found, missing)


def _subject_files(folder: Path) -> dict[int, Path]:
    example = "<subject>.mat for subjects 1-20 (e.g. 1.mat)"
    files = numbered_files(
        folder, ".mat", _SUBJECT_FILE, 1, T.N_SUBJECTS[NAME], example
    )
    return {int(match.group(1)): path for path, match in files}


def _mat_parts(folder: Path, part: str, check, found, missing) -> list[Part]:
    if not folder.is_dir():
        missing.append(f"{part} (the whole folder)")
        return []
    parts, present = [], set()
    files = _subject_files(folder)
    for s, path in files.items():
        for v, (duration, loader) in check(path).items():
            k = (v - 1) // _CLIPS + 1
            present.add((s, k))
            parts.append(
                Part(s, k, v, T.SEED_VII_LABELS[v - 1], duration, path, loader)
            )
    found.append(f"{part}: {len(files)} subject files")
    missing += missing_sessions(part, NAME, present)
    return parts


def _videos(path: Path, numbers: list[int], expected: str) -> None:
    """Check the videos form whole sessions (1-20, 21-40, ...) as files hold them."""
    sessions = sorted({(v - 1) // _CLIPS + 1 for v in numbers})
    want = [v for k in sessions for v in range((k - 1) * _CLIPS + 1, k * _CLIPS + 1)]
    if not numbers or sorted(numbers) != want or max(numbers) > 80:
        raise EEGStreamError(
            f"{path} holds videos {sorted(numbers)[:4]}... ({len(numbers)}), expected "
            f"{expected} for all 80 videos (or whole sessions of 20)"
        )


def _check_eeg(path: Path) -> dict[int, tuple[float, Callable[..., np.ndarray]]]:
    variables = list_variables(path)
    expected = "variables '1' ... '80', each (62, samples) double"
    out: dict[int, tuple[float, Callable[..., np.ndarray]]] = {}
    for name, info in variables.items():
        if not name.isdigit():
            raise EEGStreamError(
                f"{path}: unexpected variable {name!r}; expected {expected}"
            )
        shape = info[0]
        check_shape(
            path,
            name,
            info,
            "(62, samples >= 200)",
            len(shape) == 2 and shape[0] == N_CHANNELS and shape[1] >= 200,
        )
        out[int(name)] = (shape[1] / 200.0, partial(_load_eeg, path, name))
    _videos(path, list(out), expected)
    return out


def _check_features(path: Path) -> dict[int, tuple[float, Callable[..., np.ndarray]]]:
    variables = list_variables(path)
    expected = "psd_<v>, de_<v>, de_LDS_<v> for v = 1 ... 80, each (windows, 5, 62)"
    windows: dict[int, dict[str, int]] = {}
    for (kind, video), name in numbered(path, variables, _FEATURE, expected).items():
        shape = variables[name][0]
        check_shape(
            path,
            name,
            variables[name],
            "(windows, 5, 62)",
            len(shape) == 3 and shape[1:] == (5, N_CHANNELS),
        )
        windows.setdefault(video, {})[kind] = shape[0]
    for v, kinds in windows.items():
        if (
            sorted(kinds) != sorted(T.SEED_VII_FEATURE_KINDS)
            or len(set(kinds.values())) != 1
        ):
            raise EEGStreamError(
                f"{path}: video {v} has features {kinds}; expected psd, de and de_LDS "
                "with one window count"
            )
    _videos(path, list(windows), expected)
    return {
        v: (4.0 * next(iter(k.values())), partial(_load_features, path, v))
        for v, k in windows.items()
    }


def _load_eeg(path: Path, name: str) -> np.ndarray:
    return as_float64(load_variables(path, [name])[name])


def _load_features(path: Path, video: int, kind: str | None):
    kind = kind or "de_LDS"
    if kind not in T.SEED_VII_FEATURE_KINDS:
        raise EEGStreamError(
            f"unknown SEED-VII feature kind {kind!r}; choose one of "
            f"{', '.join(T.SEED_VII_FEATURE_KINDS)}"
        )
    name = f"{kind}_{video}"
    return as_float64(load_variables(path, [name])[name].transpose(0, 2, 1))


def _raw_parts(root: Path, found, missing) -> list[Part]:
    folder = root / "EEG_raw"
    if not folder.is_dir():
        missing.append("EEG_preprocessed/ and EEG_raw/ (no EEG)")
        return []
    parts, present = [], set()
    example = (
        "<subject>_<YYYYMMDD>_<session>.cnt (session 1-4) such as 14_20221015_1.cnt"
    )
    for path, match in numbered_files(folder, ".cnt", _CNT, 3, 4, example):
        s, k = int(match.group(1)), int(match.group(3))
        stem = path.stem
        if stem in T.SEED_VII_TRIGGER_EXCEPTIONS:
            csv_path = root / "save_info" / f"{stem}_trigger_info.csv"
            clips = csv_clips(csv_path, T.SEED_VII_TRIGGER_EXCEPTIONS[stem], _CLIPS)
        else:
            clips = trigger_clips(path, _CLIPS)
        present.add((s, k))
        for i, (b, e) in enumerate(clips, start=1):
            v = T.seed_vii_video(k, i)
            parts.append(raw_part(path, s, k, v, T.SEED_VII_LABELS[v - 1], b, e))
    found.append(f"EEG_raw/: {len(present)} .cnt files (cut at their triggers)")
    missing += missing_sessions("EEG_raw/", NAME, present)
    return parts
