"""Open an XDF recording (LabRecorder) as an MNE raw: its EEG stream and markers.

The file is read with :func:`pyxdf.load_xdf`, with clock synchronisation
(every stream on the recording computer's clock, from LabRecorder's clock
offsets) and dejittering of regular-rate streams (a line fitted through each
stretch of timestamps, so the jitter of chunked pushes does not move
samples). The EEG stream (type ``EEG``, or the one named) becomes the raw;
every string stream becomes annotations placed through the EEG's own
timestamps. Numeric streams other than the EEG (eegstream's
``-probabilities`` and ``-bandpower``, other devices) are not part of it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import EEGStreamError
from ..protocol import DESC_SYNTHETIC

if TYPE_CHECKING:
    import mne

#: Start of ``raw.info["description"]`` for a raw read from an XDF file; the
#: rest is JSON: ``{"stream": name, "float32": bool, "synthetic": bool,
#: "first_timestamp": the first sample's (dejittered) LSL timestamp in s,
#: "timestamp_interval": mean seconds between samples on that clock}``.
XDF_DESCRIPTION = "XDF EEG stream "
#: Key of each annotation's ``extras`` holding the marker stream's name.
EXTRAS_STREAM = "stream"

# Volts per unit of the EEG stream's declared channel unit (no unit: µV, the
# XDF meta-data convention for EEG).
_TO_VOLTS = {
    "microvolts": 1e-6,
    "microvolt": 1e-6,
    "uv": 1e-6,
    "µv": 1e-6,
    "millivolts": 1e-3,
    "mv": 1e-3,
    "volts": 1.0,
    "v": 1.0,
    "nanovolts": 1e-9,
    "nv": 1e-9,
}
# Channel types of the XDF conventions that MNE knows under another name.
_MNE_TYPES = {"eeg": "eeg", "eog": "eog", "ecg": "ecg", "emg": "emg", "stim": "stim"}


def read_raw_xdf(path: Path, *, stream_name: str | None = None) -> mne.io.RawArray:
    """Read the EEG stream of an XDF file and its marker streams.

    Parameters
    ----------
    path : Path
        An ``.xdf`` file.
    stream_name : str | None
        Name of the EEG stream; ``None`` takes the one stream of type ``EEG``.

    Returns
    -------
    mne.io.RawArray
        The EEG in volts at the stream's nominal rate (its effective rate
        when the nominal one is 0), channel labels, types and units from the
        stream's ``desc/channels``. Annotations: one per marker sample,
        duration 0, description = the marker string, ``extras[EXTRAS_STREAM]``
        = the marker stream's name, onset = the EEG sample nearest the
        marker's timestamp (on the EEG's own timestamps) / rate; markers more
        than half a sample outside the EEG's time span are left out.

    Raises
    ------
    EEGStreamError
        If the file is unreadable, holds no EEG stream (or none named
        ``stream_name``), or several and no ``stream_name``.
    """
    import mne
    import pyxdf

    # pyxdf logs a warning per stream whose measured rate is not its nominal
    # one (a replay at --speed 2, say); the rate used is said in the docstring.
    xdf_logger = logging.getLogger("pyxdf")
    level = xdf_logger.level
    xdf_logger.setLevel(logging.ERROR)
    try:
        streams, _ = pyxdf.load_xdf(
            str(path), synchronize_clocks=True, dejitter_timestamps=True
        )
    except Exception as err:  # noqa: BLE001 - any reader failure is "unreadable"
        raise EEGStreamError(
            f"cannot read {path.name} as XDF: {type(err).__name__}: {err}"
        ) from None
    finally:
        xdf_logger.setLevel(level)
    eeg = _pick_eeg(path, streams, stream_name)
    info = eeg["info"]
    name = _field(info, "name")
    stamps = np.asarray(eeg["time_stamps"], dtype=float)
    series = np.asarray(eeg["time_series"])
    if series.ndim != 2 or len(stamps) == 0:
        raise EEGStreamError(f"{path.name}: EEG stream {name!r} holds no samples")
    nominal = float(_field(info, "nominal_srate") or 0.0)
    sfreq = nominal if nominal > 0 else float(info.get("effective_srate") or 0.0)
    if not sfreq > 0:
        raise EEGStreamError(
            f"{path.name}: EEG stream {name!r} has no sampling rate (nominal 0 Hz "
            "and too few samples to measure one); expected a regular-rate stream"
        )
    labels, types, scale = _channels(info, series.shape[1])
    mne_info = mne.create_info(labels, sfreq, types)
    desc = (info.get("desc") or [None])[0] or {}
    mne_info["description"] = XDF_DESCRIPTION + json.dumps(
        {
            "stream": name,
            "float32": series.dtype == np.float32,
            "synthetic": _field(desc, DESC_SYNTHETIC) == "true",
            "first_timestamp": float(stamps[0]),
            "timestamp_interval": (
                float(stamps[-1] - stamps[0]) / (len(stamps) - 1)
                if len(stamps) > 1
                else 1.0 / sfreq
            ),
        }
    )
    raw = mne.io.RawArray(
        series.T.astype(np.float64) * scale[:, None], mne_info, verbose="error"
    )
    raw.set_annotations(_annotations(streams, eeg, stamps, sfreq))
    raw._filenames = [path]  # what from_raw reports as the file
    return raw


def stream_of(raw: mne.io.BaseRaw) -> dict[str, Any] | None:
    """Return what :func:`read_raw_xdf` noted of the EEG stream (None: not XDF).

    Keys: ``stream`` (name), ``float32`` (the samples were), ``synthetic``
    (the stream's ``desc`` says so), ``first_timestamp`` (the first sample's
    LSL timestamp, seconds) and ``timestamp_interval`` (seconds per sample on
    that clock: 1 / the effective rate).
    """
    text = raw.info.get("description") or ""
    if not text.startswith(XDF_DESCRIPTION):
        return None
    return json.loads(text[len(XDF_DESCRIPTION) :])


def _pick_eeg(
    path: Path, streams: list[dict], stream_name: str | None
) -> dict[str, Any]:
    """Return the stream named ``stream_name``, else the one of type EEG."""

    def describe(s: dict) -> str:
        return f"{_field(s['info'], 'name')!r} ({_field(s['info'], 'type')})"

    seen = ", ".join(describe(s) for s in streams) or "none"
    if stream_name is not None:
        chosen = [s for s in streams if _field(s["info"], "name") == stream_name]
        if not chosen:
            raise EEGStreamError(
                f"{path.name} has no stream named {stream_name!r}; streams: {seen}; "
                "choose one of them with {stream_name}",
                param="stream_name",
            )
        if _field(chosen[0]["info"], "channel_format") == "string":
            raise EEGStreamError(
                f"{path.name}: stream {stream_name!r} holds strings (markers), not "
                f"EEG; streams: {seen}; choose a numeric one with {{stream_name}}",
                param="stream_name",
            )
        return chosen[0]
    eeg = [s for s in streams if _field(s["info"], "type").upper() == "EEG"]
    if len(eeg) == 1:
        return eeg[0]
    if not eeg:
        raise EEGStreamError(
            f"{path.name} holds no stream of type EEG (streams: {seen}); name the "
            "EEG stream with {stream_name}",
            param="stream_name",
        )
    names = ", ".join(repr(_field(s["info"], "name")) for s in eeg)
    raise EEGStreamError(
        f"{path.name} holds {len(eeg)} EEG streams ({names}); choose one with "
        "{stream_name}",
        param="stream_name",
    )


def _channels(info: dict, n: int) -> tuple[list[str], list[str], np.ndarray]:
    """Labels, MNE types and volts-per-unit of the channels in ``desc/channels``."""
    desc = (info.get("desc") or [None])[0] or {}
    channels = ((desc.get("channels") or [None])[0] or {}).get("channel") or []
    labels, types, scale = [], [], np.full(n, 1e-6)
    for k in range(n):
        ch = channels[k] if k < len(channels) and channels[k] else {}
        label = _field(ch, "label") or f"ch{k + 1}"
        labels.append(label if label not in labels else f"{label}-{k + 1}")
        types.append(_MNE_TYPES.get(_field(ch, "type").lower(), "eeg"))
        unit = _field(ch, "unit").lower()
        if unit in _TO_VOLTS:
            scale[k] = _TO_VOLTS[unit]
        elif unit:
            types[-1] = "misc"  # a channel in another unit is no EEG
    return labels, types, scale


def _annotations(
    streams: list[dict], eeg: dict, stamps: np.ndarray, sfreq: float
) -> mne.Annotations:
    """Every string stream's samples at the EEG sample nearest their stamps."""
    import mne

    onsets: list[np.ndarray] = []
    texts: list[str] = []
    names: list[str] = []
    for s in streams:
        if s is eeg or _field(s["info"], "channel_format") != "string":
            continue
        times = np.asarray(s["time_stamps"], dtype=float)
        if times.size == 0:
            continue
        index = _nearest_sample(stamps, times, sfreq)
        keep = ~np.isnan(index)
        values = [row[0] if len(row) else "" for row in s["time_series"]]
        onsets.append(index[keep] / sfreq)
        texts.extend(v for v, k in zip(values, keep, strict=True) if k)
        names.extend([_field(s["info"], "name")] * int(keep.sum()))
    onset = np.concatenate(onsets) if onsets else np.zeros(0)
    order = np.argsort(onset, kind="stable")
    return mne.Annotations(
        onset=onset[order],
        duration=np.zeros(len(onset)),
        description=[texts[i] for i in order],
        orig_time=None,
        extras=[{EXTRAS_STREAM: names[i]} for i in order],
    )


def _nearest_sample(stamps: np.ndarray, times: np.ndarray, sfreq: float) -> np.ndarray:
    """Index of the EEG sample nearest each time; NaN beyond half a sample out.

    Interpolates over the EEG's own timestamps, so clock drift between the
    amplifier and the recording computer does not shift a marker.
    """
    n = len(stamps)
    period = (stamps[-1] - stamps[0]) / (n - 1) if n > 1 else 1.0 / sfreq
    position = np.interp(times, stamps, np.arange(n, dtype=float))
    position += np.minimum(times - stamps[0], 0) / period
    position += np.maximum(times - stamps[-1], 0) / period
    index = np.round(position)
    outside = (position < -0.5) | (position > n - 0.5)
    return np.where(outside, np.nan, np.clip(index, 0, n - 1))


def _field(info: dict, key: str) -> str:
    """Return a pyxdf header field (lists of one string) as a string, or ""."""
    value = info.get(key)
    while isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""
