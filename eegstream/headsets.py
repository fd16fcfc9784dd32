"""Channel sets of common headsets, and choosing a model's channels from a source.

A model can be trained on any subset of the 62 SEED channels (at least 2):
the channels a headset really has. :data:`PRESETS` is the table of named
sets; :func:`channels_from_source` takes them from a preset, an EEG file or a live
LSL stream's channel description, and :func:`choose_channels` maps any list
of labels onto SEED names with :func:`eegstream.montage.normalize_name`.
A model's channels are always in SEED order, so its features are the
corresponding columns of the full 62-channel features
(:meth:`ChannelSet.feature_columns <eegstream.montage.ChannelSet.feature_columns>`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ._errors import EEGStreamError
from .montage import SEED_CHANNELS, normalize_name


@dataclass(frozen=True)
class Preset:
    """A named channel set.

    Attributes
    ----------
    channels : tuple of str
        Labels as the headset names them.
    sfreq : float
        The headset's usual sampling rate in Hz (what its demo replays at).
    description : str
        One line: which device or system.
    """

    channels: tuple[str, ...]
    sfreq: float
    description: str


# To add a headset: one entry; tests check every label maps onto a SEED channel.
PRESETS: dict[str, Preset] = {
    "emotiv-epoc": Preset(
        (
            "AF3",
            "F7",
            "F3",
            "FC5",
            "T7",
            "P7",
            "O1",
            "O2",
            "P8",
            "T8",
            "FC6",
            "F4",
            "F8",
            "AF4",
        ),  # fmt: skip
        128.0,
        "Emotiv EPOC / EPOC X, 14 channels",
    ),
    "openbci-16": Preset(
        (
            "FP1",
            "FP2",
            "C3",
            "C4",
            "P7",
            "P8",
            "O1",
            "O2",
            "F7",
            "F8",
            "F3",
            "F4",
            "T7",
            "T8",
            "P3",
            "P4",
        ),  # fmt: skip
        125.0,
        "OpenBCI Cyton + Daisy, usual 16-channel layout",
    ),
    "10-20-19": Preset(
        (
            "FP1",
            "FP2",
            "F7",
            "F3",
            "FZ",
            "F4",
            "F8",
            "T3",
            "C3",
            "CZ",
            "C4",
            "T4",
            "T5",
            "P3",
            "PZ",
            "P4",
            "T6",
            "O1",
            "O2",
        ),  # fmt: skip
        256.0,
        "the 19 electrodes of the international 10-20 system (clinical caps)",
    ),
    "seed-62": Preset(SEED_CHANNELS, 200.0, "the full SEED montage (ESI NeuroScan)"),
}


def get_preset(name: str) -> Preset:
    """Return the preset called ``name``.

    Raises
    ------
    EEGStreamError
        For an unknown name, listing the presets.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise EEGStreamError(
            f"unknown headset preset {name!r}; presets: {', '.join(PRESETS)}"
        ) from None


@dataclass(frozen=True)
class ChannelChoice:
    """The SEED channels chosen from a source's labels.

    Attributes
    ----------
    channels : tuple of str
        SEED names in SEED order (the model's channels).
    unmatched : tuple of str
        Source labels with no SEED counterpart (not used).
    source : str
        Where the labels came from, for messages and reports.
    """

    channels: tuple[str, ...]
    unmatched: tuple[str, ...]
    source: str

    def describe(self) -> str:
        """One line: how many channels are used, and which source ones are not."""
        text = f"channels from {self.source}: {describe_channels(self.channels)}"
        if self.unmatched:
            text += f"; no SEED counterpart (not used): {', '.join(self.unmatched)}"
        return text


def choose_channels(
    labels: Sequence[str], *, source: str = "{channels}", strict: bool = True
) -> ChannelChoice:
    """Map labels onto SEED channel names (SEED order) for a subset model.

    Parameters
    ----------
    labels : sequence of str
        Channel labels (any case and punctuation, old 10-20 names allowed).
    source : str
        Where they came from, for messages; ``"{channels}"`` names the
        ``channels`` parameter (the command line spells it ``--channels``).
    strict : bool
        Refuse labels that are not SEED channels (a list typed by the user);
        with ``False`` they are reported in ``unmatched`` (a file or stream
        also carrying EOG, triggers or other sites).

    Raises
    ------
    EEGStreamError
        Unknown labels with ``strict``, or fewer than 2 usable channels.
    """
    names = [str(lab).strip() for lab in labels if str(lab).strip()]
    keys = [normalize_name(n) for n in names]
    pairs = zip(names, keys, strict=True)
    unmatched = tuple(n for n, k in pairs if k not in SEED_CHANNELS)
    if strict and unmatched:
        raise EEGStreamError(
            f"{source}: not SEED-montage EEG channels: {', '.join(unmatched)}; "
            "use 10-20/10-10 names such as FP1, AF3, FZ, C3, PO7, O1 "
            "(see the presets: " + ", ".join(PRESETS) + ")",
            param="channels",
        )
    chosen = set(keys)
    channels = tuple(ch for ch in SEED_CHANNELS if ch in chosen)
    if len(channels) < 2:
        raise EEGStreamError(
            f"{source}: {len(channels)} usable SEED channel(s) "
            f"({', '.join(channels) or 'none'} of {len(names)} labels); "
            "a model needs at least 2",
            param="channels",
        )
    return ChannelChoice(
        channels, unmatched, source.replace("{channels}", "the channel list")
    )


def parse_channel_list(text: str) -> ChannelChoice:
    """``"AF3, F7 ,O1"`` -> :class:`ChannelChoice` (strict: every name must map)."""
    return choose_channels(text.replace(";", ",").split(","), source="{channels}")


def channels_from_source(source: str, *, timeout: float = 2.0) -> ChannelChoice:
    """Take a model's channels from a preset, an EEG file or a live stream.

    Parameters
    ----------
    source : str
        A preset name (:data:`PRESETS`), a file ``eegstream features --file``
        reads, or the name of a visible LSL stream (its channel description).
    timeout : float
        Seconds to look for a stream of that name.

    Raises
    ------
    EEGStreamError
        No such preset, file or stream; a source without channel labels;
        fewer than 2 usable channels.
    """
    if source in PRESETS:
        return choose_channels(PRESETS[source].channels, source=f"preset {source}")
    if Path(source).is_file():
        return choose_channels(
            _file_labels(source), source=f"file {source}", strict=False
        )
    if os.sep in source or Path(source).suffix:
        raise EEGStreamError(
            f"{{channels_from}} {source!r}: no such file; expected a preset "
            f"({', '.join(PRESETS)}), an EEG file or a live stream's name",
            param="channels_from",
        )
    return choose_channels(
        _stream_labels(source, timeout), source=f"stream {source!r}", strict=False
    )


def resolve_channel_option(
    channels: str | None, channels_from: str | None
) -> ChannelChoice | None:
    """Resolve ``--channels LIST`` or ``--channels-from SOURCE`` (None: all 62)."""
    if channels is not None and channels_from is not None:
        raise EEGStreamError(
            "give the channels with {channels} or {channels_from}, not both",
            param=("channels", "channels_from"),
        )
    if channels is not None:
        return parse_channel_list(channels)
    if channels_from is not None:
        return channels_from_source(channels_from)
    return None


def _file_labels(path: str) -> list[str]:
    import mne

    from .files.reading import read_raw

    raw = read_raw(path)
    eeg = mne.pick_types(raw.info, eeg=True, exclude=())
    return [raw.ch_names[i] for i in eeg]


def _stream_labels(name: str, timeout: float) -> list[str]:
    import pylsl

    from .acquisition import find_streams

    found = find_streams(name, None, None, timeout)
    if not found:
        raise EEGStreamError(
            f"{{channels_from}} {name!r}: not a preset ({', '.join(PRESETS)}), "
            "not a file, and no LSL stream of that name is visible",
            param="channels_from",
        )
    inlet = pylsl.StreamInlet(found[0])
    try:
        info = inlet.info(timeout)
    finally:
        inlet.close_stream()
    labels = info.get_channel_labels()
    if not labels or not any(labels):
        raise EEGStreamError(
            f"stream {name!r} has no channel labels in its LSL description, so "
            "its channels are unknown; pass them with {channels} AF3,F7,...",
            param="channels",
        )
    return [lab or "" for lab in labels]


def describe_channels(channels: Sequence[str]) -> str:
    """Name a channel set: the preset it equals, else the count and the names."""
    key = tuple(channels)
    for name, preset in PRESETS.items():
        mapped = {normalize_name(c) for c in preset.channels}
        if len(mapped) == len(key) and mapped == set(key):
            return f"{name} ({len(key)} channels)"
    return f"{len(key)} channels: {', '.join(key)}"
