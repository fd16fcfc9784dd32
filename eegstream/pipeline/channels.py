"""Put a stream's channels into the checkpoint's SEED order, interpolating the missing.

A stream's channels are found by name (:func:`eegstream.montage.map_channels`:
case, dots and reference suffixes ignored). A stream without usable names is
taken positionally only when the user says so (``assume_seed_order=True``).
SEED channels the stream lacks are interpolated from the present ones with
spherical splines over the SEED scalp positions (Perrin et al., 1989, as MNE
interpolates bad channels), if the checkpoint allows that many; otherwise the
stream is refused and the missing channels are named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._errors import EEGStreamError
from ..montage import (
    N_CHANNELS,
    SEED_CHANNELS,
    map_channels,
    normalize_name,
    positions_3d,
)


@dataclass(frozen=True)
class ChannelPlan:
    """How stream channels become the 62 SEED channels.

    Attributes
    ----------
    source : array of int, shape (n_present,)
        Stream channel index of each present SEED channel (SEED order).
    present : array of int, shape (n_present,)
        SEED index of each present channel.
    missing : list of str
        SEED channels interpolated, in SEED order.
    ignored : list of str
        Stream channels not used (EOG, triggers, channels outside the montage).
    mode : "names" | "positional"
        How channels were matched.
    interpolation : array of float, shape (n_missing, n_present)
        Spherical-spline weights: ``missing = interpolation @ present``.
    missing_index : array of int, shape (n_missing,)
        SEED index of each missing channel.
    """

    source: np.ndarray
    present: np.ndarray
    missing: list[str]
    ignored: list[str]
    mode: str
    interpolation: np.ndarray
    missing_index: np.ndarray

    @property
    def n_present(self) -> int:
        """Number of SEED channels taken from the stream."""
        return self.source.size

    @property
    def n_stream_channels(self) -> int:
        """Number of channels of the stream the plan was made for."""
        return self.source.size + len(self.ignored)

    def select(self, data: np.ndarray) -> np.ndarray:
        """Take the present SEED channels (n_present, n) from the stream's data."""
        return data[self.source]

    def expand(self, present: np.ndarray) -> np.ndarray:
        """Expand present channels (n_present, n) to all 62, missing interpolated."""
        if not self.missing:
            return present
        out = np.empty((N_CHANNELS, present.shape[1]))
        out[self.present] = present
        out[self.missing_index] = self.interpolation @ present
        return out

    def to_dict(self) -> dict:
        """JSON-able summary for the session log."""
        return {
            "mode": self.mode,
            "n_present": self.n_present,
            "missing": list(self.missing),
            "ignored": list(self.ignored),
        }


def interpolation_matrix(present: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Spherical-spline weights from the present to the missing SEED channels.

    MNE's public bad-channel interpolation (Perrin et al., 1989) run on unit
    impulses: each present channel in turn carries 1, the rest 0, so the
    interpolated rows are the columns of the weight matrix.

    Parameters
    ----------
    present, missing : array of int
        SEED channel indices.

    Returns
    -------
    array of float, shape (n_missing, n_present)
    """
    import mne

    pos = positions_3d()
    picks = np.concatenate([present, missing])
    names = [SEED_CHANNELS[i] for i in picks]
    info = mne.create_info(names, sfreq=1.0, ch_types="eeg")
    montage = mne.channels.make_dig_montage(
        dict(zip(names, pos[picks], strict=True)), coord_frame="head"
    )
    info.set_montage(montage, verbose="error")
    info["bads"] = names[present.size :]
    impulses = np.zeros((picks.size, present.size))
    impulses[: present.size] = np.eye(present.size)
    raw = mne.io.RawArray(impulses, info, verbose="error")
    # The positions are on the unit sphere around the origin: no sphere fit.
    raw.interpolate_bads(origin=(0.0, 0.0, 0.0), verbose="error")
    return raw.get_data(picks=list(range(present.size, picks.size)))


def plan_channels(
    labels: Sequence[str | None] | None,
    n_channels: int,
    *,
    checkpoint_channels: Sequence[str] = SEED_CHANNELS,
    max_missing: int = 0,
    assume_seed_order: bool = False,
    stream_name: str = "the stream",
) -> tuple[ChannelPlan, list[str]]:
    """Match a stream's channels to the checkpoint's.

    Parameters
    ----------
    labels : sequence of str | None
        The stream's channel labels from its LSL description, or ``None``.
    n_channels : int
        Channels in the stream.
    checkpoint_channels : sequence of str
        The checkpoint's channel names (must be the 62 SEED channels in order).
    max_missing : int
        How many channels the checkpoint allows to interpolate.
    assume_seed_order : bool
        Take an unlabelled 62-channel stream as SEED order.
    stream_name : str
        For messages.

    Returns
    -------
    plan : ChannelPlan
    warnings : list of str

    Raises
    ------
    EEGStreamError
        Unlabelled stream without ``assume_seed_order``, a wrong channel count
        for positional use, or more missing channels than allowed.
    """
    if tuple(normalize_name(c) for c in checkpoint_channels) != SEED_CHANNELS:
        raise EEGStreamError(
            "the checkpoint's channels are not the 62 SEED channels in SEED order "
            f"(got {len(checkpoint_channels)} starting "
            f"{list(checkpoint_channels)[:3]}); "
            "the live path serves SEED-montage models only"
        )
    named = labels is not None and any(labels) and len(labels) == n_channels
    index, missing, mode, warnings = _match(
        labels if named else None, n_channels, assume_seed_order, stream_name
    )
    if len(missing) > max_missing:
        raise EEGStreamError(
            f"{stream_name} lacks {len(missing)} of the model's channels "
            f"({', '.join(missing)}); the checkpoint allows interpolating at most "
            f"{max_missing}"
        )
    present = np.flatnonzero(index >= 0)
    used = set(index[present].tolist())
    shown = (
        [str(lab) for lab in labels]
        if labels is not None and named
        else [f"#{i}" for i in range(n_channels)]
    )
    ignored = [shown[i] for i in range(n_channels) if i not in used]
    if missing:
        warnings.append(
            f"{len(missing)} channel(s) missing from {stream_name}, interpolated from "
            f"neighbours (spherical splines): {', '.join(missing)}"
        )
    missing_index = np.setdiff1d(np.arange(N_CHANNELS), present)
    weights = (
        interpolation_matrix(present, missing_index)
        if missing
        else np.empty((0, present.size))
    )
    plan = ChannelPlan(
        index[present], present, missing, ignored, mode, weights, missing_index
    )
    return plan, warnings


def _match(
    labels: Sequence[str | None] | None,
    n_channels: int,
    assume_seed_order: bool,
    stream_name: str,
) -> tuple[np.ndarray, list[str], str, list[str]]:
    """Match by name, else by position when allowed: index, missing, mode, warnings.

    ``index[i]`` is the stream channel of SEED channel ``i`` (-1 when missing).
    """
    if labels is not None:
        try:
            index, missing = map_channels([str(lab or "") for lab in labels])
            return index, missing, "names", []
        except EEGStreamError as err:
            if not assume_seed_order:
                raise EEGStreamError(
                    f"{err}; if {stream_name} sends SEED's 62 channels in SEED order "
                    "under other labels, pass {assume_seed_order}",
                    suggest={"assume_seed_order": True},
                ) from None
    if not assume_seed_order:
        raise EEGStreamError(
            f"{stream_name} has no channel labels in its LSL description, so its "
            f"{n_channels} channels cannot be matched by name; if they are the 62 "
            "SEED channels in SEED order pass {assume_seed_order}",
            suggest={"assume_seed_order": True},
        )
    if n_channels != N_CHANNELS:
        raise EEGStreamError(
            f"{{assume_seed_order}} needs exactly {N_CHANNELS} channels, "
            f"{stream_name} has {n_channels}",
            suggest={"assume_seed_order": True},
        )
    warning = (
        f"{stream_name}'s channels are taken as SEED order by position "
        "(--assume-seed-order); wrong order gives wrong features without any error"
    )
    return np.arange(N_CHANNELS), [], "positional", [warning]
