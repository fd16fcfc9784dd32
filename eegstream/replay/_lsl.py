"""The replay's two LSL outlets: stream descriptions, the name check, opening."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pylsl

from .._errors import EEGStreamError
from ..montage import locations_mm
from ..protocol import (
    DESC_CHUNK_SIZE,
    DESC_MARKERS,
    DESC_SOURCE,
    DESC_SYNTHETIC,
    markers_name,
)


def check_name_free(
    name: str, source_id: str, timeout: float, others: Iterable[str] = ()
) -> None:
    """Refuse a stream name that a visible stream already uses.

    Two streams of one name confuse every consumer that resolves by name, and
    two of one name and source_id are silently mixed by LSL.

    Parameters
    ----------
    name : str
        The EEG stream's name; its marker stream is ``<name>-markers``.
    source_id : str
        The EEG stream's source_id (for the message).
    timeout : float
        Seconds to look for streams; ``0`` skips the check.
    others : iterable of str
        More names the replay will use (republished marker streams).

    Raises
    ------
    EEGStreamError
        If a stream named ``name``, ``<name>-markers`` or one of ``others``
        is visible.
    """
    if timeout <= 0:
        return
    # liblsl 1.18 waits 5.5 s instead of 0.5 s for a timeout of exactly 0.5 (measured).
    if abs(timeout - 0.5) < 1e-9:
        timeout = 0.51
    # XPath has no escape for a quote: such a name cannot be looked up.
    names = [n for n in (name, markers_name(name), *others) if "'" not in n]
    found = pylsl.resolve_bypred(
        " or ".join(f"name='{n}'" for n in names), minimum=1, timeout=timeout
    )
    if not found:
        return
    other = found[0]
    where = f"source_id {other.source_id()!r} on host {other.hostname()!r}"
    if other.source_id() in (source_id, markers_name(source_id)):
        raise EEGStreamError(
            f"a stream named {other.name()!r} with {where} is already streaming "
            "(LSL would silently mix two streams of one name and source_id); "
            "stop it or choose another {name}",
            param="name",
        )
    raise EEGStreamError(
        f"stream name {other.name()!r} is already used by a visible stream ({where}); "
        "choose another {name} or stop that stream",
        param="name",
    )


def eeg_info(
    name: str,
    source_id: str,
    ch_names: Sequence[str],
    sfreq: float,
    *,
    chunk_size: int,
    description: str,
    synthetic: bool,
    markers: str | None = None,
) -> pylsl.StreamInfo:
    """Describe the EEG stream: float32 µV with the standard channel list.

    As the XDF meta-data conventions for EEG place them:
    ``desc/channels/channel`` holds ``label``, ``type`` (``EEG``), ``unit``
    (``microvolts``) and, for channels of the SEED montage, ``location``
    (``X``, ``Y``, ``Z`` in mm: right, nose, vertex); ``desc/acquisition``
    holds ``manufacturer``. ``markers``: the name of its marker stream
    (default ``<name>-markers``), under ``desc/markers``.
    """
    info = pylsl.StreamInfo(
        name, "EEG", len(ch_names), float(sfreq), pylsl.cf_float32, source_id
    )
    info.set_channel_labels(list(ch_names))
    info.set_channel_types("EEG")
    info.set_channel_units("microvolts")
    _add_locations(info, ch_names)
    desc = info.desc()
    desc.append_child("acquisition").append_child_value(
        "manufacturer", "eegstream replay"
    )
    # Also at the top, where eegstream 0.1 put it.
    desc.append_child_value("manufacturer", "eegstream replay")
    desc.append_child_value(DESC_SOURCE, description)
    desc.append_child_value(DESC_SYNTHETIC, "true" if synthetic else "false")
    desc.append_child_value(DESC_MARKERS, markers or markers_name(name))
    desc.append_child_value(DESC_CHUNK_SIZE, str(chunk_size))
    return info


def _add_locations(info: pylsl.StreamInfo, ch_names: Sequence[str]) -> None:
    """Add ``location`` (X, Y, Z in mm) to each channel the montage knows."""
    channel = info.desc().child("channels").child("channel")
    for xyz in locations_mm(ch_names):
        if np.isfinite(xyz).all():
            location = channel.append_child("location")
            for axis, value in zip("XYZ", xyz, strict=True):
                location.append_child_value(axis, f"{value:.2f}")
        channel = channel.next_sibling()


def marker_info(name: str, source_id: str) -> pylsl.StreamInfo:
    """Describe the marker stream: JSON strings at an irregular rate."""
    info = pylsl.StreamInfo(
        markers_name(name),
        "Markers",
        1,
        pylsl.IRREGULAR_RATE,
        pylsl.cf_string,
        markers_name(source_id),
    )
    info.desc().append_child_value("format", "json")
    info.desc().append_child_value("eeg_stream", name)
    return info


def republished_info(stream: str, source_id: str) -> pylsl.StreamInfo:
    """Describe a recorded marker stream played again: its name, strings.

    The source_id ``<source_id>-<stream>`` ties it to the replay that sends it.
    """
    info = pylsl.StreamInfo(
        stream,
        "Markers",
        1,
        pylsl.IRREGULAR_RATE,
        pylsl.cf_string,
        f"{source_id}-{stream}",
    )
    info.desc().append_child_value("replayed_by", source_id)
    return info


def open_outlets(
    eeg: pylsl.StreamInfo, markers: pylsl.StreamInfo | None, chunk_size: int
) -> tuple[pylsl.StreamOutlet, pylsl.StreamOutlet | None]:
    """Open both outlets, or neither: never leave one half-open.

    ``markers`` None: the EEG outlet alone (a room's marker stream is sent
    by one of its headsets).
    """
    eeg_outlet = pylsl.StreamOutlet(eeg, chunk_size=chunk_size)
    if markers is None:
        return eeg_outlet, None
    try:
        marker_outlet = pylsl.StreamOutlet(markers)
    except BaseException:
        del eeg_outlet  # destroying the outlet withdraws the stream
        raise
    return eeg_outlet, marker_outlet
