"""DEAP's raw recordings: ``data_original/sNN.bdf`` with ``participant_ratings.csv``.

- ``sNN.bdf`` (subjects 01-32): BioSemi BDF at 512 Hz, 48 channels: 32 EEG
  (subjects 1-22, recorded in Twente, in :data:`TWENTE_CHANNELS` order;
  23-32, Geneva, in :data:`~.rated_tables.DEAP_CHANNELS` order), 12
  peripheral (EOG, EMG, GSR, respiration, plethysmograph, temperature),
  3 unused and the trigger channel ``Status``. EEG channels are found by their
  labels, so either order reads the same.
- ``Status`` codes (its lower 16 bits; BioSemi keeps system flags in bits
  16-23): 1 experiment start, baseline recording and each rating screen,
  2 video synchronisation screen, 3 the 5 s fixation before a trial,
  4 the start of the music video, 5 the fixation after it, 7 the end. A
  trial is the video from a code 4 to the next code 5; its pre-trial
  baseline the 3 s before the code 4, as in the preprocessed files.
- Trials are recorded in presentation order; ``participant_ratings.csv``
  (``metadata_csv/`` of the release) gives each presentation
  (``Participant_id``, ``Trial``) its video (``Experiment_id``) and ratings.
  Trials are numbered by video, as in ``data_preprocessed_python``.

A trial's EEG goes through :func:`._raw.load_raw_trial` (the project's raw
path: 200 Hz with the live anti-alias filter, zero mean per channel), then
to the average of DEAP's 32 EEG channels: BioSemi records against its CMS
electrode, not a reference, and DEAP's own preprocessing re-referenced to
the common average too. No band-pass and no EOG removal, unlike the
preprocessed files.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from . import rated_tables as R
from ._rated import (
    SFREQ,
    RatedTrial,
    check_channels,
    missing_subjects,
    subtract_baseline,
)
from ._raw import load_raw_trial
from .targets import check_ratings

NAME = "deap"
FOLDER = "data_original"
GLOB = "s[0-9][0-9].bdf"
#: DEAP's channel table: the 32 EEG channels of subjects 1-22 (Twente), in file order.
TWENTE_CHANNELS = (
    "FP1", "AF3", "F7", "F3", "FC1", "FC5", "T7", "C3", "CP1", "CP5", "P7",
    "P3", "PZ", "PO3", "O1", "OZ", "O2", "PO4", "P4", "P8", "CP6", "CP2",
    "C4", "T8", "FC6", "FC2", "F4", "F8", "AF4", "FP2", "FZ", "CZ",
)  # fmt: skip
#: Channels of a raw file: 32 EEG, 12 peripheral, 3 unused, Status.
N_CHANNELS = 48
STATUS = "Status"
#: Status codes of a video's start and of the fixation after it.
VIDEO_START, VIDEO_END = 4, 5
_MASK = 0xFFFF  # BioSemi: trigger codes in bits 0-15, system flags above
_FILE = re.compile(r"s(\d\d)\.bdf")
_RATINGS = "participant_ratings.csv"
_COLUMNS = (
    "Participant_id", "Trial", "Experiment_id", "Valence", "Arousal", "Dominance",
    "Liking",
)  # fmt: skip


def raw_trials(
    folder: Path, release: Path, baseline: str, found: list[str], missing: list[str]
) -> list[RatedTrial]:
    """Scan ``data_original/`` (headers, Status channel and ratings, no EEG).

    Parameters
    ----------
    folder : Path
        The folder holding the ``sNN.bdf`` files.
    release : Path
        The release root, where ``metadata_csv/participant_ratings.csv`` is
        looked for (also beside the .bdf files, and in ``metadata_csv/``
        beside the release when it is ``data_original/`` itself).
    baseline : "none" | "subtract"
        Whether each trial's EEG has its 3 s pre-trial's mean second subtracted.
    found, missing : list of str
        Lines appended for :meth:`~eegstream.datasets.base.Dataset.describe`.

    Raises
    ------
    EEGStreamError
        A file of another name, channel count or without ``Status``; video
        starts and ends that do not pair or whose count differs from the
        subject's rows of ``participant_ratings.csv``; ratings off the scale.
    """
    files = []
    for path in sorted(folder.glob("*.bdf")):
        match = _FILE.fullmatch(path.name)
        if not match or not 1 <= int(match.group(1)) <= R.RELEASES[NAME].n_subjects:
            raise EEGStreamError(
                f"unexpected file {path}; expected sNN.bdf for subjects 01-32 "
                "(e.g. s01.bdf)"
            )
        files.append((int(match.group(1)), path))
    found.append(f"{folder.name}/: {len(files)} raw recordings (sNN.bdf)")
    missing += missing_subjects(f"{folder.name}/", NAME, {s for s, _ in files})
    table = _ratings_file(release, folder)
    if table is None:
        missing.append(
            f"metadata_csv/{_RATINGS}: each raw trial's video and ratings "
            f"({folder.name}/ is not read without it)"
        )
        return []
    rows = _ratings(table)
    found.append(f"{_shown(table, release)}: ratings of {len(rows)} subjects")
    trials: list[RatedTrial] = []
    for s, path in files:
        if s not in rows:
            missing.append(f"{table.name}: no rows for subject {s} ({path.name})")
            continue
        spans = _videos(path)
        if len(spans) != len(rows[s]):
            raise EEGStreamError(
                f"{path}: {len(spans)} videos (Status code {VIDEO_START} to "
                f"{VIDEO_END}), expected {len(rows[s])} as {table.name} lists for "
                f"subject {s}"
            )
        for (start, end), (video, ratings) in zip(spans, rows[s], strict=True):
            load = partial(_eeg, path, start, end, baseline)
            trials.append(RatedTrial(s, 1, video, ratings, end - start, path, load))
    return trials


def _shown(path: Path, release: Path) -> str:
    """``path`` relative to the release, or to its parent when it lies beside it."""
    base = release if release in path.parents else release.parent
    return str(path.relative_to(base))


def _ratings_file(release: Path, folder: Path) -> Path | None:
    # Also above the release: --root may name data_original/ itself.
    for where in (
        release / "metadata_csv",
        release,
        folder,
        release.parent / "metadata_csv",
    ):
        if (where / _RATINGS).is_file():
            return where / _RATINGS
    return None


def _ratings(path: Path) -> dict[int, list[tuple[int, dict[str, float]]]]:
    """Subject -> [(video, ratings)] in presentation order."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        absent = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
        if absent:
            raise EEGStreamError(
                f"{path} lacks the column(s) {', '.join(absent)}; expected DEAP's "
                f"participant_ratings.csv with {', '.join(_COLUMNS)}"
            )
        try:
            table = [
                (
                    int(r["Participant_id"]),
                    int(r["Trial"]),
                    int(r["Experiment_id"]),
                    [float(r[c]) for c in _COLUMNS[3:]],
                )
                for r in reader
            ]
        except (TypeError, ValueError) as err:
            raise EEGStreamError(
                f"{path}: {err}; expected numbers in {', '.join(_COLUMNS)}"
            ) from None
    check_ratings(path, NAME, [v for *_, values in table for v in values], "a")
    scales = R.RELEASES[NAME].ratings
    out: dict[int, list[tuple[int, dict[str, float]]]] = {}
    for subject, _, video, values in sorted(table):
        ratings = dict(zip(scales, values, strict=True))
        out.setdefault(subject, []).append((video, ratings))
    return out


def _videos(path: Path) -> list[tuple[float, float]]:
    """(start, end) seconds of each video of a raw file, in presentation order."""
    return _read_videos(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _read_videos(path: Path, mtime_ns: int) -> list[tuple[float, float]]:
    from ..files.reading import read_raw

    raw = read_raw(path)
    if STATUS not in raw.ch_names:
        raise EEGStreamError(
            f"{path} has no {STATUS} channel; expected DEAP's {N_CHANNELS} channels "
            "ending with the BioSemi trigger channel Status"
        )
    if len(raw.ch_names) != N_CHANNELS:
        raise EEGStreamError(
            f"{path} has {len(raw.ch_names)} channels; expected DEAP's {N_CHANNELS} "
            "(32 EEG, 12 peripheral, 3 unused, Status)"
        )
    check_channels(
        path,
        raw.ch_names,
        R.DEAP_CHANNELS,
        f"DEAP's 32 ({', '.join(R.DEAP_CHANNELS)}, in another order for subjects 1-22)",
    )
    sfreq = float(raw.info["sfreq"])
    status = raw.get_data(picks=[STATUS], verbose="error")[0].astype(np.int64) & _MASK
    onsets = np.flatnonzero(np.diff(status, prepend=0) != 0)
    codes = status[onsets]
    spans: list[tuple[float, float]] = []
    start: int | None = None
    for at, code in zip(onsets.tolist(), codes.tolist(), strict=True):
        if code == VIDEO_START:
            if start is not None:
                raise _unpaired(path, start / sfreq, "another video start", at / sfreq)
            start = at
        elif code == VIDEO_END and start is not None:
            spans.append((start / sfreq, at / sfreq))
            start = None
    if start is not None:
        raise _unpaired(path, start / sfreq, "the end of the recording", None)
    if spans and spans[0][0] < R.DEAP_BASELINE_S:
        raise EEGStreamError(
            f"{path}: the first video starts at {spans[0][0]:.3f} s; expected its "
            f"{R.DEAP_BASELINE_S:g} s pre-trial baseline before it in the recording"
        )
    return spans


def _unpaired(path: Path, start: float, then: str, at: float | None):
    when = f" at {at:.3f} s" if at is not None else ""
    return EEGStreamError(
        f"{path}: the video starting at {start:.3f} s (Status code {VIDEO_START}) "
        f"meets {then}{when} before its end; expected each code {VIDEO_START} to be "
        f"followed by a code {VIDEO_END}"
    )


def _eeg(path: Path, start_s: float, end_s: float, baseline: str) -> np.ndarray:
    """Read a trial's EEG: (62, N) µV at 200 Hz, average reference (see the module)."""
    lead = R.DEAP_BASELINE_S
    eeg = load_raw_trial(path, start_s - lead, end_s)
    eeg -= np.nanmean(eeg, axis=0)  # NaN rows: the SEED channels DEAP lacks
    cut = round(lead * SFREQ)
    clip = eeg[:, cut:]
    if baseline == "subtract":
        clip = subtract_baseline(clip, eeg[:, :cut], SFREQ)
    return np.ascontiguousarray(clip)
