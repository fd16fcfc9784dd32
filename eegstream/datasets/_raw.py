"""Trials cut out of raw Neuroscan ``.cnt`` recordings (SEED, SEED-V, SEED-VII).

Files are opened with :func:`eegstream.files.reading.read_raw` (explicit sample
width, amplitude sanity check); a trial is cropped, mapped by name onto the
62 SEED channels (M1, M2, VEO, HEO, ECG dropped), resampled from 1000 Hz to
200 Hz with an anti-alias filter and given a zero mean per channel (raw
files carry DC offsets that would leak into the delta band). No other
filtering: the released preprocessed data of SEED/SEED-VII were also band-
passed, so features of raw and preprocessed trials differ slightly.
"""

from __future__ import annotations

import csv
from datetime import datetime, time
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from ._layout import Part

_SFREQ = 200.0


def load_raw_trial(path: Path, start_s: float, end_s: float) -> np.ndarray:
    """EEG of ``[start_s, end_s)`` seconds of a raw file: (62, N) µV at 200 Hz.

    Raises
    ------
    EEGStreamError
        If the file cannot be read as EEG or ends before ``end_s``.
    """
    from ..files.reading import from_raw

    raw = _opened(path, path.stat().st_mtime_ns)
    sfreq = float(raw.info["sfreq"])
    first, stop = round(start_s * sfreq), round(end_s * sfreq)
    if stop > raw.n_times or first < 0 or stop <= first:
        raise EEGStreamError(
            f"{path.name}: trial {start_s:g}-{end_s:g} s lies outside the recording "
            f"(0-{raw.n_times / sfreq:.1f} s); expected the file to cover the trial "
            "times of the release"
        )
    segment = raw.copy().crop(tmin=first / sfreq, tmax=(stop - 1) / sfreq)
    data = from_raw(segment, sfreq=_SFREQ, seed_order=True).data
    # Rows of channels the file lacks are all NaN and stay so.
    data -= data.mean(axis=1, keepdims=True)
    return data


@lru_cache(maxsize=1)
def _opened(path: Path, mtime_ns: int):
    """Open a file (not loaded); trials are read file by file, so one is kept."""
    from ..files.reading import read_raw

    return read_raw(path)


def raw_part(
    path: Path, subject: int, session: int, trial: int, label: int, start_s, end_s
) -> Part:
    """Describe one trial of a raw file, ``[start_s, end_s)`` seconds."""
    loader = partial(load_raw_trial, path, start_s, end_s)
    return Part(subject, session, trial, label, float(end_s - start_s), path, loader)


def trigger_clips(path: Path, n_clips: int) -> list[tuple[float, float]]:
    """(start, end) seconds of the clips marked by a SEED-VII file's triggers.

    The first ``2 * n_clips`` annotations are start/end pairs (MAET); each
    clip is trimmed to a whole number of seconds as the official code does.
    """
    from ..files.reading import read_raw

    raw = read_raw(path)
    onsets = np.sort(raw.annotations.onset - raw.first_time)
    if len(onsets) < 2 * n_clips:
        raise EEGStreamError(
            f"{path.name}: {len(onsets)} triggers, expected at least {2 * n_clips} "
            f"(a start and an end for each of the {n_clips} clips)"
        )
    return _whole_seconds(onsets[: 2 * n_clips])


def csv_clips(
    csv_path: Path, recording_start: str, n_clips: int
) -> list[tuple[float, float]]:
    """Clip times from a ``save_info/<name>_trigger_info.csv`` (SEED-VII exceptions).

    Rows are ``(event_code, 'YYYY-MM-DD HH:MM:SS.ffffff')``, code 1 a clip
    start and 2 its end; times count from ``recording_start`` (HH:MM:SS on
    the day of the first row).
    """
    if not csv_path.is_file():
        raise EEGStreamError(
            f"{csv_path} not found: its recording's triggers are wrong and the clip "
            "times must come from this file (save_info/ of the SEED-VII release)"
        )
    starts: list[float] = []
    ends: list[float] = []
    day = None
    with open(csv_path, newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 2:
                continue
            try:
                code, stamp = int(float(row[0])), datetime.fromisoformat(row[1].strip())
            except ValueError:
                continue  # a header row
            day = day or stamp.date()
            origin = datetime.combine(day, time.fromisoformat(recording_start))
            seconds = (stamp - origin).total_seconds()
            (starts if code == 1 else ends if code == 2 else []).append(seconds)
    if len(starts) < n_clips or len(ends) < n_clips:
        raise EEGStreamError(
            f"{csv_path}: {len(starts)} clip starts (code 1) and {len(ends)} ends "
            f"(code 2), expected {n_clips} of each"
        )
    pairs = np.column_stack([starts[:n_clips], ends[:n_clips]]).ravel()
    return _whole_seconds(pairs)


def _whole_seconds(pairs: np.ndarray) -> list[tuple[float, float]]:
    out = []
    for b, e in zip(pairs[0::2], pairs[1::2], strict=True):
        if e <= b:
            raise EEGStreamError(f"clip end {e:.3f} s is not after its start {b:.3f} s")
        out.append((float(b), float(b + np.floor(e - b))))
    return out
