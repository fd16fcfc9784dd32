"""Finding a release's root folder and assembling the trials found in its parts."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from .base import Dataset, Trial, make_key
from .tables import CLASSES, N_SESSIONS, N_SUBJECTS, SYNTHETIC_MARKER

#: Folders or files whose presence marks a release's root.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "seed": (
        "Preprocessed_EEG",
        "ExtractedFeatures",
        "ExtractedFeatures_1s",
        "ExtractedFeatures_4s",
        "SEED_RAW_EEG",
    ),
    "seed-iv": ("eeg_raw_data", "eeg_feature_smooth"),
    "seed-v": ("EEG_DE_features", "trial_start_end_timestamp.txt"),
    "seed-vii": ("EEG_preprocessed", "EEG_features"),
}
_PRETTY = {
    "seed": "SEED",
    "seed-iv": "SEED-IV",
    "seed-v": "SEED-V",
    "seed-vii": "SEED-VII",
}


def _has(folder: Path, name: str) -> list[str]:
    return [sig for sig in SIGNATURES[name] if (folder / sig).exists()]


def find_root(
    name: str, root: str | os.PathLike, *, also: tuple[str, ...] = ()
) -> Path:
    """Find the folder of ``root`` (itself or a direct subfolder) holding ``name``.

    ``also`` lists further entries that count as a match (SEED-V and
    SEED-VII share ``EEG_raw``).

    Raises
    ------
    EEGStreamError
        If ``root`` is missing, is not a folder, holds another dataset, or
        holds nothing of ``name``.
    """
    root = Path(root).expanduser()
    pretty = _PRETTY[name]
    if not root.exists():
        raise EEGStreamError(f"{pretty} root folder not found: {root}")
    if not root.is_dir():
        raise EEGStreamError(f"{pretty} root must be a folder, got the file {root}")
    candidates = [root] + sorted(p for p in root.iterdir() if p.is_dir())
    for folder in candidates:
        if _has(folder, name):
            return folder
    for other in SIGNATURES:
        if other != name:
            for folder in candidates:
                hits = _has(folder, other)
                if hits:
                    raise EEGStreamError(
                        f"{folder} looks like a {_PRETTY[other]} release (it has "
                        f"{hits[0]}), not {pretty}; open it as {other!r}, or point at "
                        f"the folder holding {', '.join(SIGNATURES[name])}"
                    )
    # Parts shared with another dataset (EEG_raw/) count only without its markers.
    for folder in candidates:
        if any((folder / a).exists() for a in also):
            return folder
    wanted = ", ".join(f"{s}/" for s in SIGNATURES[name] + also)
    raise EEGStreamError(
        f"{root} holds no {pretty} data: expected one of {wanted} in it (or in a "
        "direct subfolder)"
    )


def ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"``."""
    out: list[str] = []
    start: int | None = None
    prev: int | None = None
    for n in [*sorted(numbers), None]:
        if start is None or prev is None:
            start = prev = n
        elif n is not None and n == prev + 1:
            prev = n
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    return ", ".join(out)


def missing_sessions(
    part: str, name: str, present: set[tuple[int, int]], n_sessions: int | None = None
) -> list[str]:
    """Describe the (subject, session) pairs a part lacks, against the full release."""
    n_sub, n_ses = N_SUBJECTS[name], n_sessions or N_SESSIONS[name]
    subjects = {s for s, _ in present}
    lines = []
    absent = [s for s in range(1, n_sub + 1) if s not in subjects]
    if absent:
        lines.append(f"{part}: subjects {ranges(absent)} of 1-{n_sub}")
    by_gap: dict[tuple[int, ...], list[int]] = {}
    for s in sorted(subjects):
        gone = tuple(k for k in range(1, n_ses + 1) if (s, k) not in present)
        if gone:
            by_gap.setdefault(gone, []).append(s)
    for gone, subs in by_gap.items():
        who = f"subject {subs[0]}" if len(subs) == 1 else f"subjects {ranges(subs)}"
        lines.append(f"{part}: {who} sessions {ranges(list(gone))}")
    return lines


def numbered_files(
    folder: Path,
    suffix: str,
    pattern: re.Pattern[str],
    group: int,
    n: int,
    example: str,
) -> Iterator[tuple[Path, re.Match[str]]]:
    """Yield the ``suffix`` files of ``folder`` in name order, with their name's match.

    Parameters
    ----------
    folder : Path
        A release folder.
    suffix : str
        The files' extension (``".cnt"``, ``".mat"``, ...; any case); other
        files are skipped.
    pattern : re.Pattern
        The release's file names.
    group : int
        The group of ``pattern`` that holds a number from 1 (subject or session).
    n : int
        The largest number the release has there.
    example : str
        The expected name with an example, for the error.

    Raises
    ------
    EEGStreamError
        At the first such file whose name does not match or whose number is
        not in 1-``n``.
    """
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != suffix:
            continue
        match = pattern.fullmatch(path.name)
        if not match or not 1 <= int(match.group(group)) <= n:
            raise EEGStreamError(f"unexpected file {path}; expected {example}")
        yield path, match


@dataclass
class Part:
    """One trial as one release part (EEG or features) knows it."""

    subject: int
    session: int
    trial: int
    label: int
    duration_s: float
    path: Path
    load: Callable


def assemble(
    name: str,
    root: Path,
    eeg: list[Part],
    features: list[Part],
    found: list[str],
    missing: list[str],
) -> Dataset:
    """Merge the EEG and feature parts by (subject, session, trial) into a Dataset."""
    classes = CLASSES[name]
    by_id: dict[tuple[int, int, int], dict[str, Part]] = {}
    for kind, parts in (("eeg", eeg), ("features", features)):
        for p in parts:
            by_id.setdefault((p.subject, p.session, p.trial), {})[kind] = p
    trials = []
    for (s, k, t), by_kind in sorted(by_id.items()):
        e, f = by_kind.get("eeg"), by_kind.get("features")
        if e is not None and f is not None and e.label != f.label:
            raise EEGStreamError(
                f"{name} subject {s} session {k} trial {t}: label {e.label} from "
                f"{e.path.name} disagrees with {f.label} from {f.path.name}"
            )
        part = e if e is not None else by_kind["features"]  # each id has one
        label = part.label
        trials.append(
            Trial(
                dataset=name,
                subject=s,
                session=k,
                trial=t,
                label=label,
                label_name=classes[label],
                duration_s=part.duration_s,
                key=make_key(s, k, t),
                eeg_source=e.path if e else None,
                feature_source=f.path if f else None,
                _load_eeg=e.load if e else None,
                _load_features=f.load if f else None,
            )
        )
    if not trials:
        raise EEGStreamError(
            f"no {_PRETTY[name]} trials found under {root}: "
            + "; ".join(missing or ["no data files"])
        )
    return Dataset(
        name=name,
        root=root,
        classes=classes,
        trials=trials,
        found=found,
        missing=missing,
        synthetic=(root / SYNTHETIC_MARKER).exists(),
    )


def as_float64(x: np.ndarray) -> np.ndarray:
    """C-contiguous float64 copy-if-needed."""
    return np.ascontiguousarray(x, dtype=np.float64)
