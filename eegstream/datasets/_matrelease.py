"""What SEED and SEED-IV share: ``<subject>_<YYYYMMDD>.mat`` files.

Each holds ``<prefix>_eeg<n>`` EEG variables or ``<kind><n>`` feature variables.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from ..montage import N_CHANNELS
from ._layout import Part, as_float64
from ._mat import check_shape, list_variables, load_variables, numbered
from .tables import SEED_FEATURE_ROWS

_FILE = re.compile(r"(\d+)_(\d{8})\.mat")
_SFREQ = 200
#: Feature kinds with one row per channel, the only ones official_features returns.
CHANNEL_KINDS = ("de_LDS", "de_movingAve", "psd_LDS", "psd_movingAve")


def subject_files(folder: Path, example: str) -> dict[int, list[tuple[str, Path]]]:
    """``{subject: [(date, path), ...]}`` of a folder of ``<subject>_<date>.mat`` files.

    ``label.mat`` and non-.mat files (readme.txt, spreadsheets) are skipped;
    any other .mat name is an error.
    """
    out: dict[int, list[tuple[str, Path]]] = {}
    for path in sorted(folder.iterdir()):
        if (
            not path.is_file()
            or path.suffix.lower() != ".mat"
            or path.name == "label.mat"
        ):
            continue
        match = _FILE.fullmatch(path.name)
        if not match:
            raise EEGStreamError(
                f"unexpected file {path} in {folder.name}/; expected "
                f"<subject>_<YYYYMMDD>.mat files such as {example}"
                + (" and label.mat" if folder.parent.name != "eeg_raw_data" else "")
            )
        out.setdefault(int(match.group(1)), []).append((match.group(2), path))
    return out


def eeg_variables(path: Path, n_trials: int) -> dict[int, tuple[str, int]]:
    """Check an EEG file; ``{trial: (variable, n_samples)}``."""
    variables = list_variables(path)
    expected = (
        f"<prefix>_eeg1 ... <prefix>_eeg{n_trials}, arrays of shape (62, samples)"
    )
    parts = numbered(path, variables, r"([A-Za-z]+)_eeg(\d+)", expected)
    prefixes = sorted({p for p, _ in parts})
    if len(prefixes) > 1:
        raise EEGStreamError(
            f"{path}: variables carry several prefixes {prefixes}; expected one "
            "subject's initials on every <prefix>_eeg<n>"
        )
    _check_numbers(path, sorted(n for _, n in parts), n_trials, expected)
    out = {}
    for (_, n), name in parts.items():
        info = variables[name]
        shape = info[0]
        check_shape(
            path,
            name,
            info,
            f"(62, samples >= {_SFREQ}) double",
            len(shape) == 2
            and shape[0] == N_CHANNELS
            and shape[1] >= _SFREQ
            and info[1] in ("double", "single"),
        )
        out[n] = (name, shape[1])
    return out


def feature_variables(
    path: Path, n_trials: int, kinds: tuple[str, ...], rows: dict[str, int]
) -> dict[int, int]:
    """Check a feature file; ``{trial: n_windows}``."""
    variables = list_variables(path)
    expected = f"{', '.join(k + '<n>' for k in kinds)} for n = 1 ... {n_trials}"
    parts = numbered(path, variables, r"([a-z]+_(?:movingAve|LDS))(\d+)", expected)
    windows: dict[int, int] = {}
    for (kind, n), name in parts.items():
        if kind not in kinds:
            raise EEGStreamError(
                f"{path}: unexpected variable {name!r}; expected {expected}"
            )
        info = variables[name]
        shape, n_rows = info[0], rows[kind.split("_")[0]]
        check_shape(
            path,
            name,
            info,
            f"({n_rows}, windows, 5) double",
            len(shape) == 3 and shape[0] == n_rows and shape[2] == 5,
        )
        if windows.setdefault(n, shape[1]) != shape[1]:
            raise EEGStreamError(
                f"{path}: {name!r} has {shape[1]} windows but other features of trial "
                f"{n} have {windows[n]}; expected the same count for every kind"
            )
    for kind in kinds:
        _check_numbers(
            path, sorted(n for k, n in parts if k == kind), n_trials, expected
        )
    return windows


def _check_numbers(
    path: Path, numbers: list[int], n_trials: int, expected: str
) -> None:
    if numbers != list(range(1, n_trials + 1)):
        got = (
            f"trials {numbers[:3]}...{numbers[-3:]}"
            if len(numbers) > 6
            else f"trials {numbers}"
        )
        raise EEGStreamError(
            f"{path} holds {len(numbers)} {got}, expected 1 ... {n_trials} "
            f"({expected}); "
            "a truncated or foreign file?"
        )


def load_eeg(path: Path, variable: str) -> np.ndarray:
    """(62, N) µV; the release's extra first sample (N = 200 T + 1) is dropped."""
    x = load_variables(path, [variable])[variable]
    if x.shape[1] % _SFREQ == 1:
        x = x[:, 1:]
    return as_float64(x)


def eeg_seconds(n_samples: int) -> float:
    """Duration of an EEG variable after dropping the extra sample."""
    return (n_samples - (n_samples % _SFREQ == 1)) / _SFREQ


def load_features(path: Path, trial: int, kind: str | None) -> np.ndarray:
    """(W, 62, 5) from the file's (62, W, 5)."""
    kind = kind or "de_LDS"
    if kind not in CHANNEL_KINDS:
        raise EEGStreamError(
            f"unknown feature kind {kind!r} for a per-channel array; choose one of "
            f"{', '.join(CHANNEL_KINDS)}"
        )
    name = f"{kind}{trial}"
    return as_float64(load_variables(path, [name])[name].transpose(1, 0, 2))


def eeg_parts(
    path: Path, subject: int, session: int, labels: tuple[int, ...]
) -> list[Part]:
    """Check an EEG file and describe its trials (labels indexed by trial - 1)."""
    return [
        Part(
            subject,
            session,
            n,
            labels[n - 1],
            eeg_seconds(n_samples),
            path,
            partial(load_eeg, path, var),
        )  # fmt: skip
        for n, (var, n_samples) in eeg_variables(path, len(labels)).items()
    ]


def feature_parts(
    path: Path,
    subject: int,
    session: int,
    labels: tuple[int, ...],
    kinds: tuple[str, ...],
    window_s: float,
) -> list[Part]:
    """Check a feature file and describe its trials (one row per ``window_s``)."""
    windows = feature_variables(path, len(labels), kinds, SEED_FEATURE_ROWS)
    return [
        Part(
            subject,
            session,
            n,
            labels[n - 1],
            window_s * w,
            path,
            partial(load_features, path, n),
        )  # fmt: skip
        for n, w in windows.items()
    ]
