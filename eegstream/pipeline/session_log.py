"""The session log: JSON Lines, one object per line, flushed as each line is written.

A live log cannot be written atomically as a whole; instead every line is
written in one call and flushed at once, so a crash or Ctrl-C loses at most
the line being written, and a reader can follow the file while it grows.

Every record has ``"type"`` and ``"wall"`` (Unix time, seconds). Types:

``session_start``
    ``eegstream_version``, ``model`` (name, path, classes, dataset,
    protocol, wearer: null unless a personal model), ``wearer`` (name: whose
    session, null when unknown; notes: why a saved normaliser state was left
    out), ``stream`` (name, type, source_id, hostname, channel_count,
    nominal_rate, channel_format, synthetic), ``channels`` (mode ``names`` |
    ``positional``, n_present, missing (interpolated), ignored), ``unit``
    (option, declared: the ``--unit`` given and the stream's own),
    ``line_freq`` (option: the ``--line-freq`` given or null; hz, source: the
    frequency notched and why, null until decided with ``auto``),
    ``resampling`` (from_hz, to_hz, up, down, delay_s), ``feature_config``,
    ``device``, ``artifacts`` (the ``--artifacts`` policy), ``warnings``.
``step``
    ``time`` (LSL timestamp of the window's last sample), ``step`` (0-based),
    ``probabilities`` ({class: p}), ``predicted``, ``warm``, ``latency_s``,
    ``band_power`` (model channels x n_bands DE, SEED order, null for NaN),
    ``true_label`` (null without markers), ``since_onset_s`` (seconds since the
    labelled trial's start, with ``true_label``; else null), ``quality``
    (the signal checks, :class:`~eegstream.quality.StepQuality`: ``bad``, a
    list of ``{name, reasons}`` for the channels marked bad and interpolated;
    ``flags``, a list of ``{kind, channels}`` with kind muscle, movement or
    eye; ``reliable``; ``note``, why not; null when the checks are off),
    ``shown`` (what the gauge showed under the policy,
    :class:`~eegstream.quality.ShownReading`: ``policy``, ``held``; when the
    step is not clean ``contaminated`` true and ``reason``; when held
    ``since`` (time of the hold's first step), ``held_from`` (time of the
    reading shown) and its ``probabilities``, a list in class order).
``unit``
    Once, after the first second of data: ``unit`` (uV, mV or V), ``source``
    (option, description, amplitude or default) and ``scale`` (to µV).
``marker``
    ``time`` (LSL timestamp), ``marker`` (the parsed JSON marker, or
    ``{"text": ...}`` when it is not JSON).
``gap``
    ``time`` (LSL timestamp of the first sample after it), ``duration_s``,
    ``samples_lost``, ``reason`` (lost, reconnect, timestamps, overrun) and
    ``reset`` (always true: the feature chain restarted, see
    :meth:`~eegstream.pipeline.LiveChain.reset`).
``health``
    A :class:`~eegstream.pipeline.Health` as a dict; written on every state
    change and every 10 s.
``warning``, ``error``
    ``message``. With ``--line-freq auto``, a warning after the first second
    says what line frequency was found and which is notched.
``recording``
    An XDF recording (:meth:`~eegstream.pipeline.LivePipeline.start_recording`):
    ``state`` ``started`` with ``path`` and ``streams`` (name, type,
    source_id), then ``stopped`` with ``path``, ``streams`` (also
    ``samples`` and ``clock_offsets``, read back from the closed file) and
    ``problem`` (null, or why the file may be incomplete).
``model``
    The pipeline went on with another model at a step boundary, no step lost
    (:meth:`~eegstream.pipeline.LivePipeline.switch_model`): ``step`` (its
    first step), ``model``, ``path``, ``previous``, ``wearer`` (null unless a
    personal model), ``reason`` (e.g. ``live calibration``). Steps from
    ``step`` on are the new model's.
``calibration``
    A live calibration (:meth:`~eegstream.pipeline.LivePipeline.start_calibration`),
    by ``state``: ``recording`` (seconds, path, streams), ``recorded`` (path,
    streams with samples, problem), ``switched`` (checkpoint, note: what the
    calibration measured, p_value: its gain test's, step), ``failed``
    (message: one line; the session goes on with its model), ``cancelled``
    (message: the session ended first).
``session_end``
    ``summary`` (:meth:`~eegstream.pipeline.LivePipeline.summary`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import EEGStreamError


def _clean(value: Any) -> Any:
    """JSON-able copy: arrays to lists, non-finite floats to None, floats rounded."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        return _clean(value.item())
    if isinstance(value, float):
        return round(value, 6) if np.isfinite(value) else None
    return value


class SessionLog:
    """Append records to a new JSON Lines file.

    Parameters
    ----------
    path : path-like
        The file to create; an existing file is refused (never overwritten).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "x", encoding="utf-8")  # noqa: SIM115
        except FileExistsError:
            raise EEGStreamError(
                f"log file {str(self.path)!r} already exists; give a new path as "
                "{log_path} (a session log is never overwritten)",
                param="log_path",
            ) from None
        except OSError as err:
            raise EEGStreamError(
                f"cannot create log file {str(self.path)!r}: {err.strerror}"
            ) from None
        self._lock = threading.Lock()
        self.lines = 0

    def write(self, record_type: str, **fields: Any) -> None:
        """Write ``{"type": record_type, "wall": now, **fields}`` as a line; flush."""
        record = {"type": record_type, "wall": time.time(), **fields}
        line = json.dumps(_clean(record), ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            if self._fh.closed:
                return
            self._fh.write(line + "\n")
            self._fh.flush()
            self.lines += 1

    def close(self) -> None:
        """Flush to disk and close (idempotent)."""
        with self._lock:
            if not self._fh.closed:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()


def read_log(path: str | os.PathLike) -> list[dict]:
    """All records of a session log (a torn last line, from a crash, is skipped)."""
    records = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records
