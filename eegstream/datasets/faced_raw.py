"""FACED's raw recordings: ``Data/subNNN/data.bdf`` with its ``evt.bdf``.

- ``data.bdf``: the Neuracle amplifier's BDF, 32 channels (the 30 EEG
  channels of :data:`~.rated_tables.FACED_CHANNELS` and the mastoids) at
  the rate its header gives (250 Hz or 1000 Hz, depending on the subject).
  EEG channels are found by their labels.
- ``evt.bdf``: a BDF+ file holding only annotations, numeric codes timed
  from the start of the recording: 100 the experiment's start, 1-28 the
  clip about to play (FACED's clip number, the same for every subject),
  101 the clip's start, 102 its end. A clip is the span from a 101 to the
  next 102, named by the last code 1-28 before the 101; a second 101
  before the 102 restarts it (as the release's own processing does), a
  clip number or the end of the events before it is refused.
- Trials are numbered by clip, as in ``Processed_data``; a trial's EEG is
  the whole clip (``Processed_data`` keeps its last 30 s), through the
  project's raw path :func:`._raw.load_raw_trial` (200 Hz with the live
  anti-alias filter, zero mean per channel; no re-reference, no filter).
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from pathlib import Path

from .._errors import EEGStreamError
from . import rated_tables as R
from ._layout import ranges
from ._rated import RatedTrial, check_channels, missing_subjects
from ._raw import load_raw_trial

NAME = "faced"
FOLDER = "Data"
GLOB = "sub[0-9][0-9][0-9]/data.bdf"
DATA, EVENTS = "data.bdf", "evt.bdf"
#: evt.bdf codes: a clip's start and end (the clip's number 1-28 comes before).
CLIP_START, CLIP_END = 101, 102
_SUBJECT = re.compile(r"sub(\d{3})")


def raw_trials(folder: Path, found: list[str], missing: list[str]) -> list[RatedTrial]:
    """Scan ``Data/`` (headers and events, no EEG) into FACED's clips.

    Parameters
    ----------
    folder : Path
        The folder holding the ``subNNN/`` folders.
    found, missing : list of str
        Lines appended for :meth:`~eegstream.datasets.base.Dataset.describe`.

    Raises
    ------
    EEGStreamError
        A ``data.bdf`` lacking FACED's EEG channels; events that are not
        numeric, a clip start without a clip number, an end without a start,
        a clip twice or one left open; a clip outside the recording.
    """
    n_subjects = R.RELEASES[NAME].n_subjects
    trials: list[RatedTrial] = []
    present: set[int] = set()
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        match = _SUBJECT.fullmatch(sub.name)
        if not match or int(match.group(1)) >= n_subjects:
            continue  # not a subject folder of the release
        absent = [f for f in (DATA, EVENTS) if not (sub / f).is_file()]
        if absent:
            missing.append(f"{folder.name}/{sub.name}/: {' and '.join(absent)}")
            continue
        s = int(match.group(1)) + 1
        present.add(s)
        clips = _clips(sub / DATA, sub / EVENTS)
        gone = [c for c in range(1, R.RELEASES[NAME].n_trials + 1) if c not in clips]
        if gone:
            missing.append(f"{folder.name}/{sub.name}/{EVENTS}: clips {ranges(gone)}")
        for clip, (start, end) in sorted(clips.items()):
            load = partial(load_raw_trial, sub / DATA, start, end)
            trials.append(RatedTrial(s, 1, clip, {}, end - start, sub / DATA, load))
    found.append(f"{folder.name}/: {len(present)} raw recordings (subNNN/{DATA})")
    missing += missing_subjects(f"{folder.name}/ (as subject NNN + 1)", NAME, present)
    return trials


def _clips(data: Path, events: Path) -> dict[int, tuple[float, float]]:
    return _read_clips(data, events, data.stat().st_mtime_ns, events.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _read_clips(
    data: Path, events: Path, *mtimes: int
) -> dict[int, tuple[float, float]]:
    """Clip number -> (start, end) s of one recording; checks its channels."""
    from ..files.reading import read_raw

    raw = read_raw(data)
    check_channels(
        data,
        raw.ch_names,
        R.FACED_CHANNELS,
        f"FACED's 30 ({', '.join(R.FACED_CHANNELS)}) and the mastoids",
    )
    length = raw.n_times / float(raw.info["sfreq"])
    clips: dict[int, tuple[float, float]] = {}
    clip: int | None = None
    start: float | None = None
    for onset, code in _codes(events):
        if 1 <= code <= R.RELEASES[NAME].n_trials:
            if start is not None:
                raise _open(
                    events, clip, start, f"clip {code}'s number at {onset:.3f} s"
                )
            clip = code
        elif code == CLIP_START:
            if clip is None:
                raise _unpaired(events, onset, f"a clip start ({CLIP_START})", "1-28")
            start = onset
        elif code == CLIP_END:
            if clip is None or start is None:
                raise _unpaired(events, onset, f"a clip end ({CLIP_END})", "101")
            if clip in clips:
                raise EEGStreamError(
                    f"{events}: clip {clip} plays twice (again at {start:.3f} s); "
                    "expected each of the 28 clips once"
                )
            if onset > length:
                raise EEGStreamError(
                    f"{events}: clip {clip} ends at {onset:.3f} s, after the end of "
                    f"{data.name} ({length:.3f} s); expected the events of that "
                    "recording"
                )
            clips[clip] = (start, onset)
            clip = start = None
    if start is not None:
        raise _open(events, clip, start, "the end of the events")
    return clips


def _codes(events: Path) -> list[tuple[float, int]]:
    """(onset s, code) of the numeric annotations of an ``evt.bdf``, in time order."""
    import mne

    try:
        ann = mne.read_annotations(events)
    except Exception as err:  # noqa: BLE001 - any reader failure is "unreadable"
        raise EEGStreamError(
            f"cannot read the events of {events} ({str(err).splitlines()[0]}); "
            "expected a BDF+ file of numeric annotations (FACED's evt.bdf)"
        ) from None
    out = []
    for onset, text in zip(ann.onset, ann.description, strict=True):
        try:
            out.append((float(onset), int(str(text).strip())))
        except ValueError:
            raise EEGStreamError(
                f"{events}: annotation {text!r} at {onset:.3f} s is not a number; "
                "expected FACED's numeric event codes (1-28, 100, 101, 102)"
            ) from None
    return sorted(out, key=lambda event: event[0])  # stable: file order at ties


def _open(events: Path, clip, start: float, then: str) -> EEGStreamError:
    return EEGStreamError(
        f"{events}: clip {clip} starts at {start:.3f} s and meets {then} before its "
        f"end; expected each clip start ({CLIP_START}) followed by an end ({CLIP_END})"
    )


def _unpaired(events: Path, onset: float, what: str, before: str) -> EEGStreamError:
    return EEGStreamError(
        f"{events}: {what} at {onset:.3f} s without its {before} before it; expected "
        f"each clip as its number (1-28), a start ({CLIP_START}), an end ({CLIP_END})"
    )
