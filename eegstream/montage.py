"""The 62-channel SEED montage and mapping of other headsets' channel names onto it.

The SEED family (SEED, SEED-IV, SEED-V, SEED-VII) records 62 EEG channels of
an ESI NeuroScan cap in one fixed order. Scalp positions come from the
official SEED-VII ``channel_62_pos.locs`` (EEGLAB polar coordinates: angle in
degrees from the nose, positive to the right; radius 0.5 on the circle through
Fpz, T7, Oz and T8).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._errors import EEGStreamError

# fmt: off
SEED_CHANNELS: tuple[str, ...] = (
    "FP1", "FPZ", "FP2", "AF3", "AF4", "F7", "F5", "F3", "F1", "FZ",
    "F2", "F4", "F6", "F8", "FT7", "FC5", "FC3", "FC1", "FCZ", "FC2",
    "FC4", "FC6", "FT8", "T7", "C5", "C3", "C1", "CZ", "C2", "C4",
    "C6", "T8", "TP7", "CP5", "CP3", "CP1", "CPZ", "CP2", "CP4", "CP6",
    "TP8", "P7", "P5", "P3", "P1", "PZ", "P2", "P4", "P6", "P8",
    "PO7", "PO5", "PO3", "POZ", "PO4", "PO6", "PO8", "CB1", "O1", "OZ",
    "O2", "CB2",
)

# (angle in degrees, radius) per channel, in SEED order (MAET channel_62_pos.locs).
_POLAR = np.array([
    (-18, .51111), (0, .51111), (18, .51111), (-23, .41111), (23, .41111),
    (-54, .51111), (-49, .41667), (-39, .33333), (-22, .27778), (0, .25556),
    (22, .27778), (39, .33333), (49, .41667), (54, .51111), (-72, .51111),
    (-69, .39444), (-62, .27778), (-45, .17778), (0, .12778), (45, .17778),
    (62, .27778), (69, .39444), (72, .51111), (-90, .51111), (-90, .38333),
    (-90, .25556), (-90, .12778), (90, 0.0), (90, .12778), (90, .25556),
    (90, .38333), (90, .51111), (-105, .51111), (-111, .39444), (-118, .27778),
    (-135, .17778), (180, .12778), (135, .17778), (118, .27778), (111, .39444),
    (105, .51111), (-120, .51111), (-131, .41667), (-141, .33333), (-158, .27778),
    (180, .25556), (158, .27778), (141, .33333), (131, .41667), (120, .51111),
    (-135, .51111), (-147, .46838), (-157, .41111), (180, .38333), (157, .41111),
    (147, .46838), (135, .51111), (-150, .51111), (-165, .51111), (180, .51111),
    (165, .51111), (150, .51111),
])
# fmt: on

N_CHANNELS = len(SEED_CHANNELS)
_ROW = {name: i for i, name in enumerate(SEED_CHANNELS)}

# Old 10-20 names for sites renamed in the 10-10 system.
_OLD_NAMES = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}
# Reference suffixes that some amplifiers append ("Fp1-REF", "O1-LE").
_REF_SUFFIX = re.compile(r"[-_ ](REF|LE|AR|AVG|A1|A2|M1|M2)$")


def normalize_name(name: str) -> str:
    """Reduce a channel label to the SEED spelling.

    Case, dots, spaces and punctuation are ignored, an ``EEG`` prefix and a
    reference suffix (``-REF``, ``-LE``, ...) are dropped, and the old 10-20
    names T3, T4, T5, T6 become T7, T8, P7, P8.

    Parameters
    ----------
    name : str
        A channel label as a headset or file gives it, e.g. ``"Fc5."`` or
        ``"EEG Fp1-REF"``.

    Returns
    -------
    str
        The upper-case label, e.g. ``"FC5"`` or ``"FP1"``.

    Examples
    --------
    >>> normalize_name("Fc5."), normalize_name("EEG T3-REF")
    ('FC5', 'T7')
    """
    label = name.strip().upper()
    label = re.sub(r"^EEG[\s:_-]*", "", label)
    label = _REF_SUFFIX.sub("", label)
    label = re.sub(r"[^0-9A-Z]", "", label)
    return _OLD_NAMES.get(label, label)


@dataclass(frozen=True)
class ChannelSet:
    """A list of SEED-montage channels: a model's, a headset's, a subset's.

    The one type for "which channels" (``None``, in options and files, means
    all 62: :meth:`of` turns it into this).

    Attributes
    ----------
    names : tuple of str
        SEED spellings (:func:`normalize_name`), in the order given.
    """

    names: tuple[str, ...]

    @classmethod
    def of(cls, channels: Sequence[str] | None = None) -> ChannelSet:
        """Take the channels named (10-20/10-10 labels, in order); None: all 62.

        Raises
        ------
        EEGStreamError
            A label that is not a SEED-montage channel.
        """
        if channels is None:
            return cls(SEED_CHANNELS)
        names = tuple(normalize_name(c) for c in channels)
        outside = [c for c, n in zip(channels, names, strict=True) if n not in _ROW]
        if outside:
            raise EEGStreamError(
                f"not SEED-montage EEG channels: {', '.join(map(str, outside))}; "
                "use 10-20/10-10 names such as FP1, AF3, FZ, C3, PO7, O1"
            )
        return cls(names)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def rows(self) -> np.ndarray:
        """SEED index of each channel (its row in 62-channel SEED-order EEG), int."""
        return np.array([_ROW[n] for n in self.names], dtype=int)

    @property
    def in_seed_order(self) -> bool:
        """Whether the channels are in SEED order (as a model's must be)."""
        return bool(np.all(np.diff(self.rows) > 0))

    def feature_columns(self, n_bands: int) -> np.ndarray:
        """Columns of channel-major 62-channel features holding these channels.

        Parameters
        ----------
        n_bands : int
            Bands per channel.

        Returns
        -------
        array of int, shape (len(self) * n_bands,)
            Indices into the ``62 * n_bands`` features of
            :func:`eegstream.features.flatten_features`, in the same layout.
        """
        return (self.rows[:, None] * n_bands + np.arange(n_bands)).ravel()


def map_channels(names: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Find each SEED channel among a recording's channel labels.

    Parameters
    ----------
    names : sequence of str
        The recording's channel labels, in the recording's order.

    Returns
    -------
    index : array of int, shape (62,)
        For each SEED channel (SEED order), its position in ``names``, or -1
        when the recording lacks it.
    missing : list of str
        The SEED channels the recording lacks, in SEED order.

    Raises
    ------
    EEGStreamError
        If two labels reduce to the same SEED channel, or none matches.
    """
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = normalize_name(str(name))
        if key in seen and key in SEED_CHANNELS:
            raise EEGStreamError(
                f"channels {names[seen[key]]!r} and {name!r} both map to SEED channel "
                f"{key}; rename or drop one of them"
            )
        seen.setdefault(key, i)
    index = np.array([seen.get(ch, -1) for ch in SEED_CHANNELS], dtype=int)
    missing = [ch for ch, i in zip(SEED_CHANNELS, index, strict=True) if i < 0]
    if len(missing) == N_CHANNELS:
        shown = ", ".join(map(str, list(names)[:8])) + (
            ", ..." if len(names) > 8 else ""
        )
        raise EEGStreamError(
            f"none of the {len(names)} channels ({shown}) is a SEED 10-20 channel; "
            "expected names such as FP1, FZ, CZ, O1"
        )
    return index, missing


def positions_2d() -> np.ndarray:
    """Flat scalp-map coordinates of the 62 SEED channels.

    Returns
    -------
    array of float, shape (62, 2)
        x (right) and y (nose) in head radii as EEGLAB draws them: the circle
        through FPZ, T7, OZ and T8 has radius 0.5.
    """
    theta = np.deg2rad(_POLAR[:, 0])
    radius = _POLAR[:, 1]
    return np.column_stack([radius * np.sin(theta), radius * np.cos(theta)])


def positions_3d() -> np.ndarray:
    """Unit-sphere positions of the 62 SEED channels.

    Returns
    -------
    array of float, shape (62, 3)
        x (right), y (nose), z (vertex). A polar radius of 0.5 is the equator,
        as in EEGLAB's convention.
    """
    theta = np.deg2rad(_POLAR[:, 0])
    elevation_from_vertex = _POLAR[:, 1] * np.pi
    sin_e = np.sin(elevation_from_vertex)
    return np.column_stack(
        [sin_e * np.sin(theta), sin_e * np.cos(theta), np.cos(elevation_from_vertex)]
    )


#: Head radius that scales the unit-sphere positions to millimetres (the
#: default of MNE's spherical head model, ``mne.make_sphere_model``).
HEAD_RADIUS_MM = 90.0


def locations_mm(names: Sequence[str]) -> np.ndarray:
    """Scalp positions of channels given by label, in millimetres.

    Parameters
    ----------
    names : sequence of str
        Channel labels in any spelling :func:`normalize_name` accepts.

    Returns
    -------
    array of float, shape (n_channels, 3)
        x (right), y (nose), z (vertex) from the head's centre, on a sphere
        of :data:`HEAD_RADIUS_MM`; NaN rows for labels outside the SEED
        montage.
    """
    index = {name: i for i, name in enumerate(SEED_CHANNELS)}
    rows = np.array([index.get(normalize_name(str(n)), -1) for n in names], dtype=int)
    out = np.full((rows.size, 3), np.nan)
    known = rows >= 0
    out[known] = positions_3d()[rows[known]] * HEAD_RADIUS_MM
    return out
