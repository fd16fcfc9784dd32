"""Signal-check settings: one frozen object, stored in the checkpoint header."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .._records import check_keys
from .faults import CYTON_FULL_SCALE_UV

#: (low, high, kind) of each setting: the valid range, inclusive.
_RANGES: dict[str, tuple[float, float, type]] = {
    "flat_uv": (0.0, 100.0, float),
    "railed_uv": (1_000.0, 10_000_000.0, float),
    "clipped_fraction": (0.01, 1.0, float),
    "peak_uv": (100.0, 100_000.0, float),
    "step_uv": (10.0, 10_000.0, float),
    "line_ratio": (-1.0, 4.0, float),
    "muscle_uv": (1.0, 1_000.0, float),
    "residual_uv": (1.0, 1_000.0, float),
    "eye_uv": (10.0, 10_000.0, float),
    "z_limit": (1.0, 50.0, float),
    "history_s": (5.0, 3_600.0, float),
    "min_history_s": (0.0, 3_600.0, float),
    "bad_after": (1, 8, int),
    "bad_window": (1, 8, int),
    "good_after": (1, 8, int),
    "movement_fraction": (0.01, 1.0, float),
    "muscle_min_channels": (1, 64, int),
}


@dataclass(frozen=True)
class QualitySettings:
    """How each segment (one hop of the stream, e.g. 1 s) of each channel is judged.

    Flat, railed (offset, clipping, peak) are absolute limits, judged from
    the first segment. Jumps, line noise, muscle, noisy and eye count
    against a channel when the measure
    (:class:`~eegstream.quality.metrics.SegmentMetrics`) passes its absolute
    limit **and** lies more than ``z_limit`` robust standard deviations
    (1.4826 x MAD) above the median of the channel's own history (the last
    ``history_s`` seconds while it was not marked bad; all channels' history
    for a channel without enough of its own); they are judged once
    ``min_history_s`` of history is there (the session's baseline). The
    defaults were tuned on the real PhysioNet recordings in ``tests/data``
    with faults added (``benchmarks/bench_quality.py``).

    Parameters
    ----------
    flat_uv : float
        Flat below this SD (µV) after the offset and trend are removed
        (EEGLAB clean_rawdata's flatline criterion asks for exactly constant
        samples; amplifier noise alone is about 0.5-1 µV RMS, clean scalp
        EEG 10-50 µV).
    railed_uv : float
        Railed when the raw median is this far from zero (µV): OpenBCI's GUI
        calls a channel railed at 90 % of the Cyton's 187.5 mV full scale.
    clipped_fraction : float
        Railed when this fraction of samples sits at the segment's own
        maximum or minimum (a clipped waveform).
    peak_uv : float
        Railed when a detrended sample is this far from the channel's line
        (µV): far beyond EEG amplitudes (blinks reach 100-300 µV).
    step_uv : float
        Jumps: a step between adjacent 50 ms means beyond this (µV). Clean
        run 3: median 83, 99th percentile 240; eyes-closed alpha reaches
        about 300; a popping electrode's 400 µV steps measure 400-430.
    line_ratio : float
        Line noise: log10 of mains power over the EEG's (2-30 Hz) per Hz
        beyond this (1.0: ten times the EEG's density; white noise reaches 0.75);
        clean_rawdata's line-noise criterion is a robust z of 4.
    muscle_uv : float
        Muscle: RMS in 30-75 Hz beyond this (µV). Clean run 3: median 9,
        99th percentile 20 (T8, a tense site: 20-24); 40 µV bursts of
        25-75 Hz noise measure 30-52.
    residual_uv : float
        Noisy: what the channel carries beyond its spherical-spline
        prediction from the others, SD in µV (clean_rawdata judges the
        correlation with its neighbours' prediction, 0.8 on 5 s windows).
        Clean run 3: central sites 5-8, lateral F8 and T8 15-27; 30 µV of
        noise on C3 measures 29-33.
    eye_uv : float
        Eye: peak-to-peak of 200 ms means on the frontal channels (µV).
    z_limit : float
        Robust z beyond which a measure is unusual for this session.
    history_s, min_history_s : float
        Seconds of history kept, and needed before the z criterion applies.
    bad_after, bad_window : int
        A channel is marked bad after ``bad_after`` bad segments among its
        last ``bad_window`` (2 of 4: a flat, railed or popping channel is
        replaced 2 s after the fault starts, while the clean recordings
        keep at most 0.2 % of their channel-segments marked).
    good_after : int
        A marked channel is cleared after this many good segments in a row.
    movement_fraction : float
        Jumps or peaks on at least this fraction of the channels at once are
        movement (flagged), not bad electrodes.
    muscle_min_channels : int
        Muscle activity on at least this many channels at once is flagged as
        muscle and not held against those channels; on fewer, a channel that
        also disagrees with its neighbours is noisy.
    """

    flat_uv: float = 1.0
    railed_uv: float = 0.9 * CYTON_FULL_SCALE_UV
    clipped_fraction: float = 0.2
    peak_uv: float = 1000.0
    step_uv: float = 300.0
    line_ratio: float = 1.0
    muscle_uv: float = 25.0
    residual_uv: float = 25.0
    eye_uv: float = 100.0
    z_limit: float = 4.0
    history_s: float = 60.0
    min_history_s: float = 8.0
    bad_after: int = 2
    bad_window: int = 4
    good_after: int = 3
    movement_fraction: float = 0.25
    muscle_min_channels: int = 2

    def __post_init__(self) -> None:
        for name, (low, high, kind) in _RANGES.items():
            value = getattr(self, name)
            ok = isinstance(value, (int, float, np.integer, np.floating)) and not (
                isinstance(value, bool)
            )
            if ok and kind is int:
                ok = float(value).is_integer()
            if ok:
                value = kind(value)
                ok = bool(np.isfinite(value)) and low <= value <= high
            if not ok:
                what = "a whole number" if kind is int else "a number"
                raise EEGStreamError(
                    f"quality setting {{{name}}} must be {what} from {low:g} to "
                    f"{high:g}, got {value!r}",
                    param=name,
                )
            object.__setattr__(self, name, value)
        if self.bad_after > self.bad_window:
            raise EEGStreamError(
                f"quality setting {{bad_after}} ({self.bad_after}) must be at most "
                f"{{bad_window}} ({self.bad_window})",
                param=("bad_after", "bad_window"),
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of every setting."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QualitySettings:
        """Rebuild from :meth:`to_dict` output; missing keys take their defaults.

        Raises
        ------
        EEGStreamError
            An unknown key, or a value out of its range.
        """
        check_keys(cls, data, "quality settings")
        return cls(**data)
