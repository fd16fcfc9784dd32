"""Your own recordings as a :class:`~eegstream.datasets.base.Dataset`.

Each file is one session; its labelled segments (from its markers through a
:class:`~eegstream.labelmap.LabelMap`) are the trials, so training, caching,
protocols, reports and evaluation run the same code as for the SEED releases.
The subject (and session) come from the file name: BIDS entities
``sub-XX_ses-YY`` when present, else a regular expression (``subject_pattern``,
group ``subject`` or the first group; optional group ``session``), else every
file is subject 1. A trial's :meth:`~eegstream.datasets.base.Trial.eeg` is
its segment of :func:`eegstream.files.reading.load_recording` (microvolts, SEED
order, 200 Hz).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from ..files.reading import _annotations_from_start, load_recording, read_raw
from ..labelmap import LabelledSegment, LabelMap, labelled_segments
from .base import Dataset, Trial, make_key
from .synth import SYNTHETIC_MARKER

#: The ``Dataset.name`` of recordings.
NAME = "recordings"
#: File endings taken from a folder.
SUFFIXES = (".xdf", ".edf", ".bdf", ".fif", ".vhdr", ".set", ".cnt", ".gdf")
_SFREQ = 200.0
_BIDS = {
    "subject": re.compile(r"(?:^|_)sub-([A-Za-z0-9]+)"),
    "session": re.compile(r"(?:^|_)ses-([A-Za-z0-9]+)"),
}


def open_recordings(
    paths: Sequence[str | os.PathLike],
    label_map: LabelMap | str | os.PathLike | None = None,
    *,
    classes: Sequence[str] | None = None,
    subject_pattern: str | None = None,
    markers: Sequence[str] | None = None,
) -> Dataset:
    """Scan recordings (markers only, no signal) into a dataset of labelled segments.

    Parameters
    ----------
    paths : sequence of path-like
        Files, or folders searched recursively for :data:`SUFFIXES`.
    label_map : LabelMap | path-like | None
        The rules for the stimulus program's markers (a TOML file or a loaded
        map); None: only eegstream replay markers label segments.
    classes : sequence of str | None
        Class names in label-id order (a model's classes when evaluating);
        None: the classes found, sorted.
    subject_pattern : str | None
        Regular expression on the file name for files without ``sub-XX``.
    markers : sequence of str | None
        The marker streams that label segments (an XDF file's streams by
        name); None: those the label map's rules match, else those with
        eegstream replay markers (:func:`eegstream.labelmap.labelled_segments`).

    Returns
    -------
    Dataset
        ``name == "recordings"``; ``trials`` are the segments, numbered in
        time order per (subject, session); ``found`` says per file which
        marker streams labelled how many segments of each class and which
        were ignored; ``missing`` names files without labelled segments;
        ``synthetic`` when a folder above the files holds
        ``SYNTHETIC_DATA.txt``.

    Raises
    ------
    EEGStreamError
        No recordings found, a name the pattern does not match, a marker
        naming a class not in ``classes``, no labelled segment at all
        (the label map matches no marker), a stream ``markers`` names that a
        file lacks, or two streams labelling one stretch differently: one
        line naming the file, map or streams.
    """
    lmap = (
        label_map
        if label_map is None or isinstance(label_map, LabelMap)
        else LabelMap.load(label_map)
    )
    files = _files(paths)
    pattern = _compile(subject_pattern)
    ids = _identities(files, pattern)
    found: list[str] = []
    missing: list[str] = []
    seen: set[str] = set()
    per_file: list[tuple[Path, list[LabelledSegment]]] = []
    for path in files:
        events, duration = _markers(path)
        seen.update(text for _, text, _ in events)
        segs = labelled_segments(
            events, duration, lmap, classes=classes, source=path.name, markers=markers
        )
        per_file.append((path, segs))
        line = f"{path.name}: subject {ids[path][0]}, session {ids[path][1]}, "
        line += f"{len(segs)} labelled segments" + _labelled_by(events, segs)
        (found if segs else missing).append(line)
    if not any(segs for _, segs in per_file):
        raise EEGStreamError(_nothing_labelled(lmap, files, seen))
    names = (
        tuple(classes)
        if classes
        else tuple(sorted({s.label for _, segs in per_file for s in segs}))
    )
    trials = []
    for path, segs in per_file:
        subject, session = ids[path]
        for number, seg in enumerate(segs, 1):
            trials.append(_trial(path, subject, session, number, seg, names))
    trials.sort(key=lambda t: (t.subject, t.session, t.trial))
    return Dataset(
        NAME,
        _common_root(files),
        names,
        trials,
        found=found,
        missing=missing,
        synthetic=_synthetic(files),
    )


def _files(paths: Sequence[str | os.PathLike]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES)
        elif p.is_file():
            out.append(p)
        else:
            raise EEGStreamError(
                f"recording not found: {p} (expected a file or folder)"
            )
    if not out:
        raise EEGStreamError(
            f"no recordings in {', '.join(map(str, paths))} (looked for "
            f"{', '.join(SUFFIXES)})"
        )
    return list(dict.fromkeys(out))


def _compile(pattern: str | None) -> re.Pattern | None:
    if pattern is None:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise EEGStreamError(
            f"{{subject_pattern}} '{pattern}' is not a regular expression: {err}",
            param="subject_pattern",
        ) from None
    if "subject" not in compiled.groupindex and compiled.groups < 1:
        raise EEGStreamError(
            f"{{subject_pattern}} '{pattern}' needs a group for the subject, e.g. "
            r"'P(\d+)' or '(?P<subject>\w+)_'",
            param="subject_pattern",
        )
    return compiled


def _identities(
    files: list[Path], pattern: re.Pattern | None
) -> dict[Path, tuple[int, int]]:
    """(subject, session) numbers of each file, from its name."""
    labels: dict[Path, tuple[str, str | None]] = {}
    for f in files:
        sub, ses = _BIDS["subject"].search(f.stem), _BIDS["session"].search(f.stem)
        if sub is not None:
            labels[f] = (sub.group(1), ses.group(1) if ses else None)
        elif pattern is not None:
            m = pattern.search(f.name)
            if m is None:
                raise EEGStreamError(
                    f"{f.name}: {{subject_pattern}} '{pattern.pattern}' does not match "
                    "its name; use a pattern matching every file, or BIDS names "
                    "(sub-01_ses-1_...)",
                    param="subject_pattern",
                )
            key = "subject" if "subject" in pattern.groupindex else 1
            session = m.group("session") if "session" in pattern.groupindex else None
            labels[f] = (m.group(key), session)
        else:
            labels[f] = ("1", None)
    subjects = _numbers([s for s, _ in labels.values()])
    out: dict[Path, tuple[int, int]] = {}
    for subject in sorted(set(subjects.values())):
        mine = [f for f in files if subjects[labels[f][0]] == subject]
        named = _numbers([labels[f][1] or "" for f in mine])
        for i, f in enumerate(mine, 1):
            # Files without a session entity: sessions in file-name order.
            session = labels[f][1]
            out[f] = (subject, named[session] if session else i)
    return out


def _numbers(labels: list[str]) -> dict[str, int]:
    """Label -> number: the label itself when all are digits, else sorted order."""
    distinct = sorted(set(labels))
    if all(x.isdigit() for x in distinct):
        return {x: int(x) for x in distinct}
    return {x: i for i, x in enumerate(distinct, 1)}


def _labelled_by(events: list[tuple[float, str, str]], segs: list) -> str:
    """Say which marker streams labelled what, and which were ignored."""
    streams = sorted({name for _, _, name in events if name})
    if not streams:
        return ""
    used = {s.stream for s in segs}
    said = []
    for name in sorted(used):
        labels = [s.label for s in segs if s.stream == name]
        counts = ", ".join(f"{c} {labels.count(c)}" for c in sorted(set(labels)))
        said.append(f"stream {name!r}: {counts}")
    ignored = [n for n in streams if n not in used]
    if ignored:
        said.append(f"ignored: {', '.join(map(repr, ignored))}")
    return f" ({'; '.join(said)})"


def _markers(path: Path) -> tuple[list[tuple[float, str, str]], float]:
    """Return a file's markers and its length (s).

    Markers are (onset s from its first sample, text, stream name); the
    stream is ``""`` where the file does not name one.
    """
    if path.suffix.lower() == ".xdf":  # read in full: the markers are separate streams
        rec = load_recording(path, sfreq=None, seed_order=False)
        ann, duration = rec.annotations, rec.duration_s
    else:
        raw = read_raw(path)
        ann, duration = _annotations_from_start(raw), raw.n_times / raw.info["sfreq"]
    from ..files.xdf import EXTRAS_STREAM

    streams = [str((x or {}).get(EXTRAS_STREAM, "")) for x in ann.extras]
    return list(
        zip(ann.onset.tolist(), map(str, ann.description), streams, strict=True)
    ), duration


def _trial(
    path: Path,
    subject: int,
    session: int,
    number: int,
    seg: LabelledSegment,
    classes: tuple[str, ...],
) -> Trial:
    return Trial(
        dataset=NAME,
        subject=subject,
        session=session,
        trial=number,
        label=classes.index(seg.label),
        label_name=seg.label,
        duration_s=seg.end - seg.onset,
        key=make_key(subject, session, number),
        eeg_source=path,
        # A partial: the cache's fingerprint reads the time span from its args.
        _load_eeg=functools.partial(segment_eeg, path, seg.onset, seg.end),
    )


def segment_eeg(path: Path, onset: float, end: float) -> np.ndarray:
    """EEG of ``[onset, end)`` s of a recording: (62, n) µV, SEED order, 200 Hz."""
    data = _recording(path).data
    return data[:, round(onset * _SFREQ) : round(end * _SFREQ)].copy()


@functools.lru_cache(maxsize=1)
def _recording(path: Path):
    # One file at a time: trials are read in (subject, session, trial) order.
    return load_recording(path, sfreq=_SFREQ)


def _nothing_labelled(lmap: LabelMap | None, files: list[Path], seen: set[str]) -> str:
    shown = ", ".join(repr(s) for s in sorted(seen)[:8]) or "none"
    more = f" and {len(seen) - 8} more" if len(seen) > 8 else ""
    if lmap is None:
        return (
            f"no labelled segments in {len(files)} recording(s) (markers seen: "
            f"{shown}{more}); give a label map (--label-map FILE) for them"
        )
    return (
        f"label map {lmap.source} matches no marker of {len(files)} recording(s) "
        f"(markers seen: {shown}{more}); write a rule whose match fits them"
    )


def _common_root(files: list[Path]) -> Path:
    parents = [f.resolve().parent for f in files]
    return Path(os.path.commonpath(parents))


def _synthetic(files: list[Path]) -> bool:
    """Whether a folder holding the files (or above it) says SYNTHETIC_DATA.txt."""
    return all(
        any((d / SYNTHETIC_MARKER).is_file() for d in f.resolve().parents)
        for f in files
    )
