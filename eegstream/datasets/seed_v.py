"""SEED-V reader: ``EEG_DE_features/<s>_123.npz`` and ``EEG_raw/*.cnt``.

- ``EEG_DE_features/<subject>_123.npz``: an ``np.savez`` archive of two 0-d
  byte arrays, ``data`` and ``label``, each a pickled dict keyed 0 ... 44
  (session = key // 15 + 1, trial = key % 15 + 1). ``data[k]`` is (W, 310),
  one row per 4 s window; whether the 310 columns are channel-major (62 x 5,
  TorchEEG's reading) or band-major (5 x 62) is unpublished, so it is the
  ``column_order`` setting. ``label[k]`` repeats the class id W times.
  Unpickling is restricted to plain dicts and numpy arrays, so a hostile
  file cannot run code.
- ``EEG_raw/<subject>_<session>_<YYYYMMDD>[_repaired].cnt``: 1000 Hz,
  62 EEG + M1, M2, VEO, HEO; trials are cut at the seconds in
  ``trial_start_end_timestamp.txt`` (the same for every subject). A
  ``_repaired`` copy (7_1_20180411's header is broken) is preferred.
- Labels: the official per-session lists (SEED_FORMATS.md §4.4).
"""

from __future__ import annotations

import io
import os
import re
from functools import lru_cache, partial
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
from ._raw import raw_part
from ._safepickle import unpickle_arrays
from .base import Dataset

NAME = "seed-v"
COLUMN_ORDERS = ("channel", "band")
_NPZ = re.compile(r"(\d+)_123\.npz")
_CNT = re.compile(r"(\d+)_(\d)_(\d{8})(_repaired)?\.cnt")
_BLOCK = re.compile(
    r"Session\s*(\d)\s*:\s*start_second\s*:\s*\[([^\]]*)\]\s*end_second\s*:\s*\[([^\]]*)\]",
    re.IGNORECASE,
)


def read(root: str | os.PathLike, *, column_order: str = "channel") -> Dataset:
    """Scan a SEED-V release (see :func:`eegstream.datasets.open_dataset`).

    Parameters
    ----------
    root : path-like
        The folder holding ``EEG_DE_features/``, ``EEG_raw/`` and
        ``trial_start_end_timestamp.txt``.
    column_order : "channel" | "band"
        Layout of the 310 DE columns: ``"channel"`` = 62 blocks of 5 bands
        (TorchEEG's reading), ``"band"`` = 5 blocks of 62 channels.
    """
    if column_order not in COLUMN_ORDERS:
        raise EEGStreamError(
            f"column_order must be one of {COLUMN_ORDERS}, got {column_order!r}"
        )
    root = find_root(NAME, root, also=("EEG_raw",))
    found: list[str] = []
    missing: list[str] = []
    starts, ends = _timestamps(root, found, missing)
    eeg = _raw_parts(root / "EEG_raw", starts, ends, found, missing)
    features = _feature_parts(
        root / "EEG_DE_features", starts, ends, column_order, found, missing
    )
    return assemble(NAME, root, eeg, features, found, missing)


def parse_timestamps(
    text: str, source: str
) -> tuple[dict[int, tuple[float, ...]], dict[int, tuple[float, ...]]]:
    """Parse ``trial_start_end_timestamp.txt``: ({session: starts}, {session: ends}).

    Times are in seconds from the start of each session's recording.
    """
    starts, ends = {}, {}
    for match in _BLOCK.finditer(text):
        k = int(match.group(1))
        try:
            b = tuple(float(v) for v in match.group(2).split(","))
            e = tuple(float(v) for v in match.group(3).split(","))
        except ValueError:
            raise EEGStreamError(
                f"{source}: session {k} times are not numbers"
            ) from None
        if (
            len(b) != T.N_TRIALS[NAME]
            or len(e) != len(b)
            or any(y <= x for x, y in zip(b, e, strict=True))
        ):
            raise EEGStreamError(
                f"{source}: session {k} needs 15 start and 15 end seconds, each end "
                f"after its start; got {len(b)} and {len(e)}"
            )
        starts[k], ends[k] = b, e
    if sorted(starts) != [1, 2, 3]:
        raise EEGStreamError(
            f"{source}: expected blocks 'Session 1:' ... 'Session 3:' each with "
            "start_second: [...] and end_second: [...], found sessions "
            f"{sorted(starts)}"
        )
    return starts, ends


def _timestamps(root: Path, found: list[str], missing: list[str]):
    path = root / "trial_start_end_timestamp.txt"
    if not path.is_file():
        missing.append("trial_start_end_timestamp.txt (used the official trial times)")
        return T.SEED_V_STARTS, T.SEED_V_ENDS
    found.append(path.name)
    return parse_timestamps(path.read_text(errors="replace"), str(path))


def _raw_parts(folder: Path, starts, ends, found, missing) -> list[Part]:
    if not folder.is_dir():
        missing.append("EEG_raw/ (the whole folder)")
        return []
    files: dict[tuple[int, int], Path] = {}
    example = (
        "<subject>_<session>_<YYYYMMDD>.cnt (session 1-3, optionally _repaired) "
        "such as 1_1_20180804.cnt"
    )
    for path, match in numbered_files(folder, ".cnt", _CNT, 2, 3, example):
        key = (int(match.group(1)), int(match.group(2)))
        if key in files and not match.group(4):
            continue  # a _repaired copy (sorted first) wins
        files[key] = path
    parts = []
    for (s, k), path in sorted(files.items()):
        for n, (b, e) in enumerate(zip(starts[k], ends[k], strict=True), start=1):
            parts.append(raw_part(path, s, k, n, T.SEED_V_LABELS[k][n - 1], b, e))
    found.append(f"EEG_raw/: {len(files)} .cnt files")
    missing += missing_sessions("EEG_raw/", NAME, set(files))
    return parts


def _unpickle(path: Path, npz, entry: str) -> dict:
    try:
        raw = npz[entry]
        payload = raw.item() if raw.dtype.kind == "S" else raw.tobytes()
        value = unpickle_arrays(io.BytesIO(payload))
    except Exception as err:  # noqa: BLE001 - any failure means a foreign or damaged file
        raise EEGStreamError(
            f"{path}: entry {entry!r} is not a pickled dict of arrays ({err}); "
            "expected the release's np.savez(data=pickle.dumps(dict), "
            "label=pickle.dumps(dict))"
        ) from None
    if not isinstance(value, dict) or not all(
        isinstance(k, int) and 0 <= k < 45 for k in value
    ):
        keys = sorted(value)[:5] if isinstance(value, dict) else type(value).__name__
        raise EEGStreamError(
            f"{path}: {entry!r} must be a dict keyed 0 ... 44, got {keys}"
        )
    return value


def _open_npz(path: Path):
    try:
        npz = np.load(path, allow_pickle=False)
    except Exception as err:  # noqa: BLE001
        raise EEGStreamError(
            f"cannot read {path}: not a numpy .npz archive or damaged ({err})"
        ) from None
    if sorted(npz.files) != ["data", "label"]:
        raise EEGStreamError(
            f"{path}: entries {sorted(npz.files)}, expected exactly 'data' and 'label'"
        )
    return npz


@lru_cache(maxsize=2)
def _data(path: Path, mtime: float) -> dict:
    with _open_npz(path) as npz:
        return _unpickle(path, npz, "data")


def _load(path: Path, key: int, order: str, kind: str | None) -> np.ndarray:
    if kind not in (None, "de"):
        raise EEGStreamError(f"SEED-V ships only DE features (kind 'de'), not {kind!r}")
    rows = _data(path, path.stat().st_mtime).get(key)
    if rows is None or rows.ndim != 2 or rows.shape[1] != N_CHANNELS * 5:
        shape = None if rows is None else rows.shape
        raise EEGStreamError(
            f"{path}: data[{key}] has shape {shape}; expected (windows, 310)"
        )
    if order == "channel":
        return np.array(rows.reshape(-1, N_CHANNELS, 5), dtype=np.float64)  # a copy
    return as_float64(rows.reshape(-1, 5, N_CHANNELS).transpose(0, 2, 1))


def _feature_parts(folder: Path, starts, ends, order, found, missing) -> list[Part]:
    if not folder.is_dir():
        missing.append("EEG_DE_features/ (the whole folder)")
        return []
    parts, present = [], set()
    example = "<subject>_123.npz for subjects 1-16"
    for path, match in numbered_files(
        folder, ".npz", _NPZ, 1, T.N_SUBJECTS[NAME], example
    ):
        s = int(match.group(1))
        with _open_npz(path) as npz:
            labels = _unpickle(path, npz, "label")
        for key, values in sorted(labels.items()):
            values = np.asarray(values).ravel()
            if (
                values.size == 0
                or not (values == values[0]).all()
                or not 0 <= values[0] < 5
            ):
                raise EEGStreamError(
                    f"{path}: label[{key}] must repeat one class id 0-4 per window, "
                    f"got {values[:5].tolist()}..."
                )
            k, n = key // 15 + 1, key % 15 + 1
            present.add((s, k))
            duration = float(ends[k][n - 1] - starts[k][n - 1])
            loader = partial(_load, path, key, order)
            parts.append(Part(s, k, n, int(values[0]), duration, path, loader))
    found.append(
        f"EEG_DE_features/: {len({p.subject for p in parts})} subject files "
        f"({order}-major columns)"
    )
    missing += missing_sessions("EEG_DE_features/", NAME, present)
    return parts
