"""Read EEG files of any format MNE knows into microvolts, SEED order, 200 Hz.

:func:`read_raw` opens a file (EDF, BDF, FIF, BrainVision, EEGLAB, Neuroscan
``.cnt``, ..., and XDF recordings of LabRecorder: their EEG stream, with
every marker stream as annotations) without loading it;
:func:`load_recording` turns it into the
array every other part of eegstream expects: EEG channels only, mapped by
name onto the 62 SEED channels (NaN rows for the ones the file lacks),
resampled to 200 Hz, in microvolts, with the file's annotations.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._errors import EEGStreamError
from ..montage import N_CHANNELS, SEED_CHANNELS, map_channels, normalize_name

if TYPE_CHECKING:
    import mne

# A typical scalp-EEG amplitude lies between these bounds (median absolute
# deviation from the channel median, µV). A Neuroscan .cnt read with the wrong
# sample width is off by a factor of about 65536 either way, far outside them.
_PLAUSIBLE_UV = (0.05, 5000.0)
# Labels of channels that are not EEG although many files type them as EEG.
_NON_EEG = {
    "eog": re.compile(r"^(HEO|VEO|HEOG|VEOG|EOG.*|.*EOG)$"),
    "ecg": re.compile(r"^(ECG|EKG).*$"),
    "emg": re.compile(r"^EMG.*$"),
}


@dataclass
class Recording:
    """EEG of one file, ready for feature extraction.

    Attributes
    ----------
    data : array of float64, shape (n_channels, n_samples)
        EEG in microvolts; with SEED order, shape (62, n_samples) and NaN rows
        for the ``missing`` channels.
    sfreq : float
        Sampling rate of ``data`` in Hz.
    ch_names : list of str
        Channel labels of the rows of ``data`` (the SEED names in SEED order,
        or the file's own labels).
    missing : list of str
        SEED channels the file lacks, in SEED order.
    path : Path
        The file read.
    annotations : mne.Annotations
        The file's annotations, onsets in seconds from the first sample of
        ``data`` (``orig_time=None``). From an XDF file: one per marker, duration
        0, description = the marker string, ``extras["stream"]`` = the marker
        stream's name.
    stream : str | None
        The XDF file's EEG stream name; ``None`` for other files.
    markers : dict of str to list of (float, str)
        XDF marker streams by name: ``[(onset_s, marker string)]`` in time
        order, onsets as in ``annotations`` (each marker at the EEG sample
        nearest its timestamp). Empty for other files.
    synthetic : bool
        The XDF EEG stream's ``desc`` says it is synthetic (an eegstream
        replay of synthetic data); ``False`` for other files.
    first_timestamp, timestamp_interval : float | None
        XDF only: the LSL timestamp (seconds, the recording computer's clock)
        of the first sample of ``data``, and the seconds between samples on
        that clock (``1 / sfreq`` but for a replay played faster or slower
        than real time); ``None`` for other files.
    """

    data: np.ndarray
    sfreq: float
    ch_names: list[str]
    missing: list[str]
    path: Path
    annotations: mne.Annotations = field(repr=False)
    stream: str | None = None
    markers: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    synthetic: bool = False
    first_timestamp: float | None = None
    timestamp_interval: float | None = None

    def timestamps(self) -> np.ndarray:
        """Each sample's time in seconds, shape (n_samples,).

        The XDF stream's own LSL timestamps (dejittered); for other files,
        seconds from the first sample.
        """
        n = self.data.shape[1]
        if self.first_timestamp is None or self.timestamp_interval is None:
            return np.arange(n) / self.sfreq
        return self.first_timestamp + np.arange(n) * self.timestamp_interval

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.data.shape[1] / self.sfreq


def read_raw(
    path: str | os.PathLike, *, stream_name: str | None = None
) -> mne.io.BaseRaw:
    """Open an EEG file with MNE, without loading its samples.

    Neuroscan ``.cnt`` files do not record their sample width reliably, and a
    wrong one gives absurd amplitudes without any error; this tries 32-bit
    samples (SEED-V and SEED-VII raw files) and then 16-bit ones, and keeps
    the first whose amplitudes are plausible scalp EEG. Channels labelled like
    EOG, ECG or EMG (``HEO``, ``VEO``, ``ECG``, ...) are typed as such.

    An ``.xdf`` file (LabRecorder) gives its EEG stream at the stream's
    nominal rate, placed on its own (clock-synchronised, dejittered)
    timestamps, and each marker stream's samples as annotations (see
    :class:`Recording`); it is read whole (preloaded).

    Parameters
    ----------
    path : path-like
        Any file ``mne.io.read_raw`` reads (EDF, BDF, FIF, BrainVision
        ``.vhdr``, EEGLAB ``.set``, Neuroscan ``.cnt``, ...) or an ``.xdf``.
    stream_name : str | None
        XDF only: the EEG stream's name; ``None`` takes the one stream of
        type ``EEG``.

    Returns
    -------
    mne.io.BaseRaw
        Not preloaded (except XDF).

    Raises
    ------
    EEGStreamError
        If the file is missing, of an unknown type, or unreadable; an XDF
        file without an EEG stream, or with several and no ``stream_name``.
    """
    import mne

    path = Path(path)
    if not path.is_file():
        raise EEGStreamError(f"EEG file not found: {path}")
    if path.suffix.lower() == ".xdf":
        from .xdf import read_raw_xdf

        raw = read_raw_xdf(path, stream_name=stream_name)
    elif stream_name is not None:
        raise EEGStreamError(
            f"{{stream_name}} applies to .xdf recordings, not to {path.name}",
            param="stream_name",
        )
    elif path.suffix.lower() == ".cnt":
        raw = _read_cnt(path)
    else:
        try:
            raw = mne.io.read_raw(path, preload=False, verbose="error")
        except ValueError as err:
            if "nsupported file type" in str(err):
                raise EEGStreamError(
                    f"unknown EEG file type {path.suffix!r} ({path.name}); expected "
                    "a format MNE reads: .edf, .bdf, .fif, .vhdr, .set, .cnt, ..."
                ) from None
            raise _unreadable(path, err) from None
        except Exception as err:  # noqa: BLE001 - any reader failure is "unreadable"
            raise _unreadable(path, err) from None
    _type_non_eeg(raw)
    return raw


def load_recording(
    path: str | os.PathLike,
    *,
    sfreq: float | None = 200.0,
    seed_order: bool = True,
    stream_name: str | None = None,
) -> Recording:
    """Read a file's EEG in microvolts, mapped to SEED order and resampled.

    Parameters
    ----------
    path : path-like
        An EEG file (see :func:`read_raw`).
    sfreq : float | None
        Rate to resample to, in Hz (default 200, the SEED rate); ``None``
        keeps the file's rate.
    seed_order : bool
        Map channels by name onto the 62 SEED channels (case, dots, ``EEG``
        prefixes and reference suffixes ignored; T3/T4/T5/T6 renamed); rows of
        channels the file lacks are NaN. ``False`` keeps the file's EEG
        channels in its order.
    stream_name : str | None
        XDF only: the EEG stream (see :func:`read_raw`).

    Returns
    -------
    Recording

    Raises
    ------
    EEGStreamError
        If the file cannot be read, has no EEG channels, or (with
        ``seed_order``) none of the SEED channels.
    """
    return from_raw(
        read_raw(path, stream_name=stream_name), sfreq=sfreq, seed_order=seed_order
    )


def from_raw(
    raw: mne.io.BaseRaw, *, sfreq: float | None = 200.0, seed_order: bool = True
) -> Recording:
    """Turn an opened (possibly cropped) MNE raw into a :class:`Recording`.

    Same as :func:`load_recording` for a raw already opened with
    :func:`read_raw`, e.g. one cropped to a trial with ``raw.crop``.
    """
    import mne

    from .xdf import stream_of

    path = Path(raw.filenames[0]) if raw.filenames and raw.filenames[0] else Path()
    xdf = stream_of(raw)
    eeg = mne.pick_types(raw.info, eeg=True, exclude=())
    if eeg.size == 0:
        raise EEGStreamError(
            f"{path.name or 'the recording'} holds no EEG channels "
            f"(channel types: {sorted(set(raw.get_channel_types()))})"
        )
    names = [raw.ch_names[i] for i in eeg]
    if seed_order:
        index, missing = map_channels(names)
        picks = eeg[index[index >= 0]]
    else:
        present = {normalize_name(n) for n in names}
        missing = [ch for ch in SEED_CHANNELS if ch not in present]
        picks = eeg
    orig_sfreq = float(raw.info["sfreq"])
    try:
        data = raw.get_data(picks=picks, units="uV", verbose="error")
    except Exception as err:  # noqa: BLE001 - a truncated file fails only here
        raise _unreadable(path, err) from None
    if xdf is not None and xdf["float32"]:
        # The XDF holds float32 µV; rounding undoes the volts round trip, so the
        # offline path sees exactly the samples the live path received.
        data = data.astype(np.float32).astype(np.float64)
    if sfreq is not None and abs(sfreq - orig_sfreq) > 1e-9:
        data = _resample(data, orig_sfreq, float(sfreq))
    out_sfreq = orig_sfreq if sfreq is None else float(sfreq)
    if seed_order:
        full = np.full((N_CHANNELS, data.shape[1]), np.nan)
        full[index >= 0] = data
        data, ch_names = full, list(SEED_CHANNELS)
    else:
        ch_names = names
    annotations = _annotations_from_start(raw)
    return Recording(
        data=data,
        sfreq=out_sfreq,
        ch_names=ch_names,
        missing=missing,
        path=path,
        annotations=annotations,
        stream=xdf["stream"] if xdf is not None else None,
        markers=_markers(annotations) if xdf is not None else {},
        synthetic=xdf is not None and xdf["synthetic"],
        **_xdf_clock(xdf, raw.first_samp, orig_sfreq / out_sfreq),
    )


def _xdf_clock(
    xdf: dict | None, first_samp: int, step: float
) -> dict[str, float | None]:
    """``first_timestamp`` and ``timestamp_interval`` of a (cropped, resampled) XDF.

    ``first_samp``: the raw's first sample (a crop moves it); ``step``:
    original samples per sample of the data (its rate change).
    """
    if xdf is None or "first_timestamp" not in xdf:
        return {"first_timestamp": None, "timestamp_interval": None}
    interval = xdf["timestamp_interval"]
    return {
        "first_timestamp": xdf["first_timestamp"] + first_samp * interval,
        "timestamp_interval": interval * step,
    }


def _read_cnt(path: Path) -> mne.io.BaseRaw:
    """Open a Neuroscan .cnt with the sample width that gives plausible µV."""
    import mne

    seen = []
    for data_format in ("int32", "int16"):
        try:
            raw = mne.io.read_raw_cnt(
                path, data_format=data_format, preload=False, verbose="error"
            )
            amplitude = _typical_amplitude_uv(raw)
        except Exception as err:  # noqa: BLE001 - try the other width
            seen.append(f"{data_format}: {_first_line(err)}")
            continue
        if _PLAUSIBLE_UV[0] <= amplitude <= _PLAUSIBLE_UV[1]:
            return raw
        seen.append(f"{data_format}: typical amplitude {amplitude:.3g} µV")
    raise EEGStreamError(
        f"cannot read {path.name} as Neuroscan .cnt (truncated, or not a Neuroscan "
        f"file?): no sample width gives plausible EEG ({'; '.join(seen)}; "
        f"expected {_PLAUSIBLE_UV[0]:g}-{_PLAUSIBLE_UV[1]:g} µV)"
    )


def _typical_amplitude_uv(raw: mne.io.BaseRaw) -> float:
    """Median over channels of the median absolute deviation, in µV.

    Reads five 2 s stretches spread over the file, not the whole file.
    """
    sfreq = raw.info["sfreq"]
    length = min(raw.n_times, int(2 * sfreq))
    starts = np.linspace(0, raw.n_times - length, 5).astype(int)
    parts = [
        raw.get_data(start=s, stop=s + length, units="uV", verbose="error")
        for s in np.unique(starts)
    ]
    x = np.concatenate(parts, axis=1)
    mad = np.median(np.abs(x - np.median(x, axis=1, keepdims=True)), axis=1)
    return float(np.median(mad))


def _type_non_eeg(raw: mne.io.BaseRaw) -> None:
    """Type channels labelled EOG/ECG/EMG-like as such, whatever the file said."""
    types = {}
    for name, kind in zip(raw.ch_names, raw.get_channel_types(), strict=True):
        if kind != "eeg":
            continue
        label = normalize_name(name)
        for new_kind, pattern in _NON_EEG.items():
            if pattern.match(label):
                types[name] = new_kind
                break
    if types:
        raw.set_channel_types(types, verbose="error")


def _resample(data: np.ndarray, orig: float, new: float) -> np.ndarray:
    """Polyphase resampling with the live path's anti-alias filter.

    Every polyphase branch passes DC exactly
    (:func:`~eegstream._polyphase.design_filter`) and the edges are padded
    with the first and last samples, not zeros: a DC offset of tens of mV
    then neither leaves a tone in the EEG nor a step at the ends.
    """
    from scipy.signal import resample_poly

    from .._polyphase import design_filter

    ratio = Fraction(new / orig).limit_denominator(1000)
    if abs(ratio.numerator / ratio.denominator * orig - new) > 1e-6 * new:
        raise EEGStreamError(
            f"cannot resample {orig:g} Hz to {new:g} Hz with a rational factor "
            "of small integers; choose another target rate"
        )
    up, down = ratio.numerator, ratio.denominator
    return resample_poly(
        data, up, down, axis=1, window=design_filter(up, down) / up, padtype="edge"
    )


def _annotations_from_start(raw: mne.io.BaseRaw) -> mne.Annotations:
    """Return the raw's annotations with onsets counted from its first sample."""
    import mne

    # Whether or not orig_time is set, MNE keeps onsets on the file's time axis,
    # which a crop does not shift: the first sample sits at raw.first_time.
    ann = raw.annotations
    return mne.Annotations(
        onset=ann.onset - raw.first_time,
        duration=ann.duration,
        description=ann.description,
        orig_time=None,
        extras=ann.extras,
    )


def _markers(ann: mne.Annotations) -> dict[str, list[tuple[float, str]]]:
    """Group an XDF raw's annotations by marker stream (``extras["stream"]``)."""
    from .xdf import EXTRAS_STREAM

    markers: dict[str, list[tuple[float, str]]] = {}
    for onset, text, extras in zip(ann.onset, ann.description, ann.extras, strict=True):
        markers.setdefault(extras.get(EXTRAS_STREAM, ""), []).append(
            (float(onset), str(text))
        )
    return markers


def _first_line(err: BaseException) -> str:
    """Return the informative line of a library error (MNE may wrap a traceback)."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    for line in lines:
        if re.match(r"^\w+(Error|Exception): ", line):
            return line
    lines = [ln for ln in lines if not ln.startswith('File "')]
    return lines[0] if lines else type(err).__name__


def _unreadable(path: Path, err: BaseException) -> EEGStreamError:
    return EEGStreamError(f"cannot read {path.name} as EEG: {_first_line(err)}")
