"""The LSL protocol of eegstream: stream names, description keys and markers.

One home for what a replay, the live pipeline and the dashboard must agree on
over LSL:

- Derived streams take the EEG stream's name (and source_id) with a suffix:
  :func:`markers_name` (``<name>-markers``, the replay's truth),
  :func:`probabilities_name` (``<name>-probabilities``),
  :func:`bandpower_name` (``<name>-bandpower``) and :func:`quality_name`
  (``<name>-quality``), the pipeline's results.
- Keys of the EEG stream's ``desc`` that eegstream writes and reads:
  :data:`DESC_SYNTHETIC` (``"true"``/``"false"``), :data:`DESC_MARKERS`,
  :data:`DESC_SOURCE`, :data:`DESC_CHUNK_SIZE`.
- Marker strings: one JSON object per marker (:func:`format_marker`,
  :func:`parse_marker`).
- :data:`RESOLVE_TIMEOUT_S`: how long a program waits for a stream to appear.
- :data:`UNIT_CHOICES`: the units eegstream takes an EEG stream in.

A replay's marker outlet (``<name>-markers``, type ``Markers``, strings,
irregular rate) carries the truth of what its EEG outlet plays. Each marker is
stamped with the timestamp of the EEG sample it marks:

- ``trial_start``: the trial's first sample; ``trial_end``: its last sample.
  Both carry ``subject``, ``session``, ``trial``, ``label`` (class name) and
  ``label_id`` (index into the dataset's classes), ``null`` where unknown.
- ``rest_start``: the first sample of a rest between two trials, with the
  previous trial's ``subject``, ``session``, ``trial`` and ``duration_s``. A
  rest carries no label.
- ``annotation``: an annotation of a replayed file (``description``,
  ``duration_s``), at its onset.
- ``session_end``: the last sample of one pass over the source (again after
  every pass of a loop, with ``pass`` counting from 1).
- ``trial_state``: the open trial again, for consumers that connect mid-trial
  (a dashboard, a recorder): every :data:`TRIAL_STATE_EVERY_S` seconds while
  a trial plays, the ``trial_start`` fields plus ``elapsed_s``, the seconds
  from the trial's first sample to the sample it is stamped with (so the
  trial began at ``timestamp - elapsed_s`` on the reader's clock). A
  repetition, not an event: counting trials or segmenting a recording uses
  ``trial_start``/``trial_end`` only.

Example: ``{"event": "trial_start", "subject": 1, "session": 1, "trial": 3,
"label": "happy", "label_id": 4}``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ._errors import EEGStreamError

#: Seconds a stream may take to appear: the default of
#: :func:`~eegstream.acquisition.resolve_stream`, of the live pipeline and the
#: group session, and of every command's ``--timeout``.
RESOLVE_TIMEOUT_S = 10.0
#: The unit options of an EEG stream: ``auto`` (its ``<unit>`` channel
#: description, else its amplitude), microvolts or volts.
UNIT_CHOICES = ("auto", "uV", "V")

#: Seconds into a trial (from its ``trial_start``) from which a prediction counts
#: as steady state: at the default 1 s hop the model's 60-step sequence then
#: holds this clip alone. Earlier steps are its onset.
STEADY_FROM_S = 60.0


def settle_time(correct: np.ndarray, times: np.ndarray) -> float | None:
    """Time of the first right step after which every step is right.

    Parameters
    ----------
    correct : array of bool, shape (n_steps,)
        Whether each step of one clip was right, oldest first.
    times : array of float, shape (n_steps,)
        Seconds of each step since the clip's onset.

    Returns
    -------
    float | None
        ``times`` of that step; None when the last step is wrong (or none).
    """
    if not len(correct) or not correct[-1]:
        return None
    wrong = np.flatnonzero(~np.asarray(correct, bool))
    return float(times[wrong[-1] + 1] if wrong.size else times[0])


#: Suffixes of the streams derived from an EEG stream (name and source_id).
MARKERS_SUFFIX = "-markers"
PROBABILITIES_SUFFIX = "-probabilities"
BANDPOWER_SUFFIX = "-bandpower"
QUALITY_SUFFIX = "-quality"
HELD_SUFFIX = PROBABILITIES_SUFFIX + "-held"

#: ``desc`` key: ``"true"`` when the EEG is synthetic (not recorded from a person).
DESC_SYNTHETIC = "synthetic"
#: ``desc`` key: the name of the EEG stream's marker stream (a room replay's
#: headsets share one, ``<room>-markers``); in a pipeline's result outlets, the
#: marker stream with the wearer's truth when it is not ``<name>-markers``.
DESC_MARKERS = "markers"
#: ``desc`` key: what the replay plays, in words.
DESC_SOURCE = "source"
#: ``desc`` key: samples per pushed chunk.
DESC_CHUNK_SIZE = "chunk_size"
#: ``desc`` keys of the pipeline's result outlets: the model's name and the
#: wearer's (``--wearer``; empty when none was named).
DESC_MODEL = "model"
DESC_WEARER = "wearer"


def markers_name(eeg: str) -> str:
    """Name (or source_id) of the marker stream of EEG stream ``eeg``."""
    return eeg + MARKERS_SUFFIX


def probabilities_name(eeg: str) -> str:
    """Name (or source_id) of the class-probability stream of ``eeg``."""
    return eeg + PROBABILITIES_SUFFIX


def bandpower_name(eeg: str) -> str:
    """Name (or source_id) of the band-power stream of ``eeg``."""
    return eeg + BANDPOWER_SUFFIX


def quality_name(eeg: str) -> str:
    """Name (or source_id) of the signal-quality stream of ``eeg``."""
    return eeg + QUALITY_SUFFIX


def held_name(eeg: str) -> str:
    """Name (or source_id) of the held-probability stream of ``eeg``."""
    return eeg + HELD_SUFFIX


#: The values of a marker's ``"event"`` field.
MARKER_EVENTS: tuple[str, ...] = (
    "trial_start",
    "trial_end",
    "rest_start",
    "annotation",
    "session_end",
    "trial_state",
)
#: Seconds between two ``trial_state`` repetitions of the open trial.
TRIAL_STATE_EVERY_S = 2.0


def format_marker(**fields: Any) -> str:
    """Write one marker as a compact JSON object.

    Parameters
    ----------
    **fields
        ``event`` (one of :data:`MARKER_EVENTS`) and any JSON-serialisable
        fields, e.g. ``subject``, ``session``, ``trial``, ``label``,
        ``label_id``.

    Returns
    -------
    str
        The JSON text, ``event`` first.

    Examples
    --------
    >>> format_marker(event="trial_start", trial=3, label="happy", label_id=4)
    '{"event": "trial_start", "trial": 3, "label": "happy", "label_id": 4}'
    """
    event = fields.get("event")
    if event not in MARKER_EVENTS:
        raise EEGStreamError(
            f"marker event must be one of {', '.join(MARKER_EVENTS)}; got {event!r}"
        )
    ordered = {"event": event, **{k: v for k, v in fields.items() if k != "event"}}
    try:
        return json.dumps(ordered, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise EEGStreamError(
            f"marker fields must be plain JSON values: {err}"
        ) from None


def parse_marker(text: str | bytes) -> dict[str, Any] | None:
    """Read a marker written by :func:`format_marker`.

    Parameters
    ----------
    text : str | bytes
        One string sample of a marker stream.

    Returns
    -------
    dict | None
        The marker's fields, or ``None`` when ``text`` is not a replay marker
        (not JSON, not an object, or without a known ``event``), so that a
        reader can skip foreign markers.

    Examples
    --------
    >>> parse_marker('{"event": "trial_end", "trial": 3, "label": "happy"}')["label"]
    'happy'
    >>> parse_marker("stimulus 7") is None
    True
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    try:
        fields = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(fields, dict) or fields.get("event") not in MARKER_EVENTS:
        return None
    return fields
