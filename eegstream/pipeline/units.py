"""Which unit a stream's EEG is in: microvolts, millivolts or volts.

The features are defined on microvolts. A stream says its unit in the LSL
channel description (``<unit>``) or not at all; without it, the amplitude
decides: scalp EEG spans roughly 1-100 µV, so a typical standard deviation
below 0.01 can only be volts (0.01 µV is far under any amplifier's noise).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._errors import EEGStreamError
from ..protocol import UNIT_CHOICES

#: Factor to microvolts of each unit the pipeline accepts.
UNIT_SCALES = {"uV": 1.0, "mV": 1e3, "V": 1e6}
_ALIASES = {
    "uv": "uV",
    "µv": "uV",
    "μv": "uV",
    "microvolt": "uV",
    "microvolts": "uV",
    "mv": "mV",
    "millivolt": "mV",
    "millivolts": "mV",
    "v": "V",
    "volt": "V",
    "volts": "V",
}
# Below this typical SD the data cannot be µV; above the second it is implausible.
_VOLTS_BELOW = 1e-2
_IMPLAUSIBLE_UV = 1e4


def check_unit_option(option: str) -> None:
    """Refuse a unit option not in :data:`~eegstream.protocol.UNIT_CHOICES`."""
    if option not in UNIT_CHOICES:
        raise EEGStreamError(f"unit must be one of {UNIT_CHOICES}, got {option!r}")


def parse_unit(label: str | None) -> str | None:
    """Map a unit label to a UNIT_SCALES key (``"microvolts"`` -> ``"uV"``) or None."""
    if not label:
        return None
    return _ALIASES.get(label.strip().lower())


def unit_from_description(units: Sequence[str | None] | None) -> str | None:
    """Return the unit the channel description declares, when all channels agree."""
    parsed = {parse_unit(u) for u in (units or [])}
    parsed.discard(None)
    return parsed.pop() if len(parsed) == 1 else None


def typical_sd(data: np.ndarray) -> float:
    """Median over channels of each channel's standard deviation (NaN-aware)."""
    finite = np.isfinite(data)
    count = np.maximum(finite.sum(axis=1), 1)
    mean = np.where(finite, data, 0.0).sum(axis=1) / count
    dev = np.where(finite, data - mean[:, None], 0.0)
    sd = np.sqrt((dev * dev).sum(axis=1) / count)[finite.sum(axis=1) > 1]
    return float(np.median(sd)) if sd.size else float("nan")


def decide_unit(
    option: str, declared: str | None, data: np.ndarray
) -> tuple[str, str, list[str]]:
    """Choose the unit of a stream.

    Parameters
    ----------
    option : "auto" | "uV" | "V"
        The user's ``--unit``; anything but ``"auto"`` wins.
    declared : str | None
        The unit from the stream's channel description (:func:`unit_from_description`).
    data : array of float, shape (n_channels, n_samples)
        About the first second of the stream, in its own units.

    Returns
    -------
    unit : str
        ``"uV"``, ``"mV"`` or ``"V"`` (a key of :data:`UNIT_SCALES`).
    source : str
        ``"option"``, ``"description"``, ``"amplitude"`` or ``"default"``.
    warnings : list of str
        What the user should know (volts guessed from amplitude, implausible values).
    """
    check_unit_option(option)
    sd = typical_sd(data)
    warnings = []
    if option != "auto":
        unit, source = option, "option"
    elif declared is not None:
        unit, source = declared, "description"
    elif 0 < sd < _VOLTS_BELOW:
        unit, source = "V", "amplitude"
        warnings.append(
            f"the stream declares no unit and its typical SD is {sd:.3g}, far too "
            "small for microvolts: treating it as volts (x 1e6); pass --unit uV to "
            "override"
        )
    else:
        unit, source = "uV", "default"
    sd_uv = sd * UNIT_SCALES[unit]
    if sd_uv > _IMPLAUSIBLE_UV:
        warnings.append(
            f"typical SD is {sd_uv:.3g} µV after scaling from {unit}, implausible for "
            "scalp EEG (1-100 µV); check the stream's unit (--unit) and the amplifier"
        )
    return unit, source, warnings


class FirstSecond:
    """The blocks of a stream's first second, held until its unit is decided.

    Parameters
    ----------
    sfreq : float
        The stream's rate in Hz.
    """

    def __init__(self, sfreq: float) -> None:
        self.sfreq = sfreq
        # (data, stamps, gap before it), oldest first.
        self._blocks: list[tuple[np.ndarray, np.ndarray, bool]] = []
        self._gap_next = False

    def gap(self) -> None:
        """Note a gap before the next block, if blocks are held (replayed in order)."""
        if self._blocks:
            self._gap_next = True

    def hold(
        self, data: np.ndarray, stamps: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, bool]]:
        """Hold a block; return every block held once a second of samples is in.

        Returns
        -------
        list of (array, array, bool)
            ``(data, stamps, gap before it)``, oldest first; empty until the
            first second is complete.
        """
        self._blocks.append((data, stamps, self._gap_next))
        self._gap_next = False
        if sum(d.shape[1] for d, _, _ in self._blocks) < self.sfreq:
            return []
        blocks, self._blocks = self._blocks, []
        return blocks
