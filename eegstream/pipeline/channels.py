"""Put a stream's channels into the model's channel order, interpolating the missing.

A stream's channels are found by name (:func:`eegstream.montage.map_channels`:
case, dots and reference suffixes ignored). A stream without usable names is
taken positionally only when the user says so (``assume_seed_order=True``).
The model's channels (all 62 SEED channels, or the subset a headset model
was trained on) that the stream lacks are interpolated from the stream's
SEED channels with spherical splines over the SEED scalp positions (Perrin
et al., 1989, as MNE interpolates bad channels), if the checkpoint allows
that many; otherwise the stream is refused, the missing channels are named,
and a subset model for the stream's channels is suggested.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .._errors import EEGStreamError
from ..montage import (
    N_CHANNELS,
    SEED_CHANNELS,
    ChannelSet,
    map_channels,
    normalize_name,
)
from ..splines import interpolation_weights

if TYPE_CHECKING:
    from ..files.reading import Recording


@dataclass(frozen=True)
class ChannelPlan:
    """How stream channels become the model's channels (SEED names, SEED order).

    The stream's channels taken (:meth:`select`) are the model's channels it
    carries, in the model's order, then, only when some are missing, the
    stream's other SEED channels as interpolation support.

    Attributes
    ----------
    source : array of int, shape (n_taken,)
        Stream channel index of each taken channel.
    present : array of int, shape (n_measured,)
        Model channel index of each model channel the stream carries; they
        are the first ``n_measured`` taken channels.
    missing : list of str
        Model channels interpolated, in model order.
    ignored : list of str
        Stream channels not used (EOG, triggers, channels the model lacks).
    mode : "names" | "positional"
        How channels were matched.
    interpolation : array of float, shape (n_missing, n_taken)
        Spherical-spline weights: ``missing = interpolation @ taken``.
    missing_index : array of int, shape (n_missing,)
        Model channel index of each missing channel.
    channels : tuple of str
        The model's channels (the rows of :meth:`expand`).
    taken_names : tuple of str
        SEED name of each taken channel (the rows of :meth:`select`).
    bad : tuple of int
        Taken channels judged bad (:meth:`with_bad`): left out of the
        interpolation support and, when they are model channels,
        interpolated like the missing ones.
    """

    source: np.ndarray
    present: np.ndarray
    missing: list[str]
    ignored: list[str]
    mode: str
    interpolation: np.ndarray
    missing_index: np.ndarray
    channels: tuple[str, ...] = SEED_CHANNELS
    taken_names: tuple[str, ...] = ()
    bad: tuple[int, ...] = ()
    # Plans with bad channels, made once per set (on the plan without any).
    _bad_plans: dict[tuple[int, ...], ChannelPlan] = field(
        default_factory=dict, compare=False, repr=False
    )
    _base: ChannelPlan | None = field(default=None, compare=False, repr=False)

    @property
    def n_present(self) -> int:
        """Number of stream channels taken (the width of :meth:`select`)."""
        return self.source.size

    @property
    def n_stream_channels(self) -> int:
        """Number of channels of the stream the plan was made for."""
        return self.source.size + len(self.ignored)

    def select(self, data: np.ndarray) -> np.ndarray:
        """Take the used channels (n_taken, n) from the stream's data."""
        return data[self.source]

    def expand(self, taken: np.ndarray) -> np.ndarray:
        """Model channels (n_model, n) from the taken ones, missing interpolated."""
        if not self.missing_index.size:
            return taken
        out = np.empty((len(self.channels), taken.shape[1]))
        out[self.present] = taken[: self.present.size]
        out[self.missing_index] = self.interpolation @ taken
        return out

    @property
    def bad_model_index(self) -> np.ndarray:
        """Model channel index of each bad taken channel that is a model channel."""
        bad = np.array([i for i in self.bad if i < self.present.size], dtype=int)
        return self.present[bad]

    def with_bad(self, bad: tuple[int, ...]) -> ChannelPlan:
        """Return the plan with the taken channels ``bad`` replaced by interpolation.

        Bad model channels are interpolated like missing ones, from the good
        taken channels; every bad channel leaves the interpolation support
        (its weight is 0). ``missing`` still names only the channels the
        stream lacks. The weights are computed once per set of bad channels
        and cached on this plan.

        Parameters
        ----------
        bad : tuple of int
            Indices into the taken channels (rows of :meth:`select`), sorted.

        Returns
        -------
        ChannelPlan
            ``self`` when ``bad`` is empty.
        """
        base = self._base if self._base is not None else self
        if not bad:
            return base
        cache = base._bad_plans
        if bad not in cache:
            if len(cache) >= 64:  # bounded: a flickering channel set cannot grow it
                cache.clear()
            cache[bad] = base._make_bad(bad)
        return cache[bad]

    def _make_bad(self, bad: tuple[int, ...]) -> ChannelPlan:
        seed = np.array([SEED_CHANNELS.index(c) for c in self.taken_names])
        good = np.setdiff1d(np.arange(self.n_present), bad)
        bad_model = self.present[[i for i in bad if i < self.present.size]]
        targets = np.concatenate([self.missing_index, bad_model]).astype(int)
        model_seed = np.array([SEED_CHANNELS.index(c) for c in self.channels])
        weights = np.zeros((targets.size, self.n_present))
        weights[:, good] = interpolation_weights(seed[good], model_seed[targets])
        return ChannelPlan(
            self.source,
            self.present,
            self.missing,
            self.ignored,
            self.mode,
            weights,
            targets,
            self.channels,
            self.taken_names,
            bad,
            _base=self,
        )

    def to_dict(self) -> dict:
        """JSON-able summary for the session log."""
        return {
            "mode": self.mode,
            "model_channels": len(self.channels),
            "n_present": int(self.present.size),
            "missing": list(self.missing),
            "ignored": list(self.ignored),
        }


def plan_channels(
    labels: Sequence[str | None] | None,
    n_channels: int,
    *,
    checkpoint_channels: Sequence[str] = SEED_CHANNELS,
    max_missing: int = 0,
    assume_seed_order: bool = False,
    stream_name: str = "the stream",
    suggest_from: str | None = None,
) -> tuple[ChannelPlan, list[str]]:
    """Match a stream's channels to the checkpoint's.

    Parameters
    ----------
    labels : sequence of str | None
        The stream's channel labels from its LSL description, or ``None``.
    n_channels : int
        Channels in the stream.
    checkpoint_channels : sequence of str
        The model's channels: SEED names in SEED order (all 62, or the subset
        of a headset model).
    max_missing : int
        How many of them may be interpolated from the stream's other channels.
    assume_seed_order : bool
        Take an unlabelled stream as SEED order (62 channels) or as the
        model's own channel order (as many channels as the model).
    stream_name : str
        For messages.
    suggest_from : str | None
        The stream's name: a refusal then suggests training a subset model
        with ``eegstream train --channels-from`` it, when it can.

    Returns
    -------
    plan : ChannelPlan
    warnings : list of str

    Raises
    ------
    EEGStreamError
        A checkpoint channel outside the SEED montage, an unlabelled stream
        without ``assume_seed_order``, a wrong channel count for positional
        use, or more missing channels than allowed.
    """
    model, rows = _model_channels(checkpoint_channels)
    named = labels is not None and any(labels) and len(labels) == n_channels
    index, mode, warnings = _match(
        labels if named else None, n_channels, rows, assume_seed_order, stream_name
    )
    # index: stream position of each SEED channel (-1 absent).
    at = index[rows]
    missing = [c for c, i in zip(model, at, strict=True) if i < 0]
    if len(missing) > max_missing:
        raise EEGStreamError(
            _refusal(model, missing, max_missing, index, stream_name, suggest_from)
        )
    present = np.flatnonzero(at >= 0)
    source = at[present]
    missing_index = np.flatnonzero(at < 0)
    weights = np.empty((0, present.size))
    if missing:
        source, weights = _with_support(index, rows, present, missing_index)
        warnings.append(
            f"{len(missing)} channel(s) missing from {stream_name}, interpolated from "
            f"neighbours (spherical splines): {', '.join(missing)}"
        )
    used = set(source.tolist())
    shown = (
        [str(lab) for lab in labels]
        if labels is not None and named
        else [f"#{i}" for i in range(n_channels)]
    )
    ignored = [shown[i] for i in range(n_channels) if i not in used]
    by_stream = {int(index[i]): SEED_CHANNELS[i] for i in np.flatnonzero(index >= 0)}
    taken_names = tuple(by_stream[int(i)] for i in source)
    plan = ChannelPlan(
        source, present, missing, ignored, mode, weights, missing_index, model,
        taken_names,
    )  # fmt: skip
    return plan, warnings


def _with_support(
    index: np.ndarray, rows: np.ndarray, present: np.ndarray, missing: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stream channels taken and spline weights when model channels are missing.

    The model's present channels come first, then every other SEED channel
    the stream carries: interpolation uses them all, not only the model's.
    Returns ``source`` (n_taken,) and ``weights`` (n_missing, n_taken).
    """
    support = np.setdiff1d(np.flatnonzero(index >= 0), rows[present])
    source = np.concatenate([index[rows[present]], index[support]])
    weights = interpolation_weights(
        np.concatenate([rows[present], support]), rows[missing]
    )
    return source, weights


def _model_channels(channels: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Return the model's channels (SEED names) and SEED rows, SEED order checked."""
    try:
        model = ChannelSet.of(channels)
    except EEGStreamError:
        model = None
    if model is None or not model.in_seed_order:
        shown = ", ".join(normalize_name(c) for c in channels[:6])
        raise EEGStreamError(
            "the checkpoint's channels are not SEED channels in SEED order "
            f"(got {len(channels)}: {shown}...); "
            "the live path serves SEED-montage models only"
        )
    return model.names, model.rows


def _match(
    labels: Sequence[str | None] | None,
    n_channels: int,
    rows: np.ndarray,
    assume_seed_order: bool,
    stream_name: str,
) -> tuple[np.ndarray, str, list[str]]:
    """Match by name, else by position when allowed: index, mode, warnings.

    ``index[i]`` is the stream channel of SEED channel ``i`` (-1 when absent).
    By position, a stream is the 62 SEED channels or the model's ``rows``, in
    SEED order.
    """
    if labels is not None:
        try:
            index, _ = map_channels([str(lab or "") for lab in labels])
            return index, "names", []
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
            f"{n_channels} channels cannot be matched by name; if they are the "
            f"model's {rows.size} channels in SEED order pass {{assume_seed_order}}",
            suggest={"assume_seed_order": True},
        )
    index = np.full(N_CHANNELS, -1)
    if n_channels == N_CHANNELS:
        index[:] = np.arange(N_CHANNELS)
    elif n_channels == rows.size:
        index[rows] = np.arange(rows.size)
    else:
        raise EEGStreamError(
            f"{{assume_seed_order}} needs exactly {N_CHANNELS} channels, or the "
            f"model's {rows.size}; {stream_name} has {n_channels}",
            suggest={"assume_seed_order": True},
        )
    warning = (
        f"{stream_name}'s channels are taken as SEED order by position "
        "(--assume-seed-order); wrong order gives wrong features without any error"
    )
    return index, "positional", [warning]


def _refusal(model, missing, max_missing, index, stream_name, suggest_from) -> str:
    """Word the one-line refusal, with the subset-model suggestion where it applies."""
    text = (
        f"{stream_name} lacks {len(missing)} of the model's channels "
        f"({', '.join(missing)}) of its {len(model)}; the checkpoint allows "
        f"interpolating at most {max_missing}"
    )
    carried = int((index >= 0).sum())
    if suggest_from is not None and carried >= 2:
        text += (
            f"; the stream carries {carried} SEED channels: train a model for them "
            f"with `eegstream train --channels-from {shlex.quote(suggest_from)} ...`"
        )
    return text


def recording_rows(recording: Recording) -> tuple[list[str], np.ndarray]:
    """Return the recording as a stream would send it: labels and own-channel rows.

    A SEED-order recording holds NaN rows for the channels the file lacked;
    they are left out, so the chain counts them missing (interpolated).
    """
    keep = [
        i for i, name in enumerate(recording.ch_names) if name not in recording.missing
    ]
    if len(keep) == len(recording.ch_names):
        return list(recording.ch_names), recording.data
    return [recording.ch_names[i] for i in keep], recording.data[keep]
