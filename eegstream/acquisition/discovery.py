"""Find LSL streams: list what is visible and pick exactly one.

Resolution never guesses. A query that matches no stream, or more than one,
raises :class:`~eegstream.EEGStreamError` listing what is visible, so the
user can name the stream (``--stream``), its type (``--type``) or its unique
``--source-id``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pylsl

from .._errors import EEGStreamError
from ..protocol import RESOLVE_TIMEOUT_S

#: numpy dtype of each numeric LSL channel format.
LSL_DTYPES = {
    pylsl.cf_float32: np.float32,
    pylsl.cf_double64: np.float64,
    pylsl.cf_int8: np.int8,
    pylsl.cf_int16: np.int16,
    pylsl.cf_int32: np.int32,
    pylsl.cf_int64: np.int64,
}
_FORMAT_NAMES = {
    pylsl.cf_float32: "float32",
    pylsl.cf_double64: "double64",
    pylsl.cf_string: "string",
    pylsl.cf_int8: "int8",
    pylsl.cf_int16: "int16",
    pylsl.cf_int32: "int32",
    pylsl.cf_int64: "int64",
    pylsl.cf_undefined: "undefined",
}
# After the first match, how long to keep listening for a second one. liblsl
# answers a fresh query after about 0.5 s; 0.5 s missed a second local stream
# now and then on the loaded 2-core machine.
_SETTLE_S = 1.0


@dataclass(frozen=True)
class StreamSummary:
    """What ``eegstream streams`` shows about one visible stream.

    Attributes
    ----------
    name, type, source_id, hostname : str
        The stream's LSL identity (``source_id`` may be empty).
    channel_count : int
        Channels per sample.
    nominal_srate : float
        Declared sampling rate in Hz; 0 for an irregular-rate stream.
    channel_format : str
        ``"float32"``, ``"double64"``, ``"int16"``, ..., or ``"string"``.
    uid : str
        Unique id of this outlet instance (changes when the source restarts).
    """

    name: str
    type: str
    channel_count: int
    nominal_srate: float
    channel_format: str
    source_id: str
    hostname: str
    uid: str

    @classmethod
    def from_info(cls, info: pylsl.StreamInfo) -> StreamSummary:
        """Summarise a resolved :class:`pylsl.StreamInfo`."""
        return cls(
            name=info.name(),
            type=info.type(),
            channel_count=info.channel_count(),
            nominal_srate=info.nominal_srate(),
            channel_format=format_name(info.channel_format()),
            source_id=info.source_id(),
            hostname=info.hostname(),
            uid=info.uid(),
        )

    def describe(self) -> str:
        """One line: ``name (type, 62 ch, 200 Hz float32, source_id 'x', host h)``."""
        rate = "irregular" if self.nominal_srate == 0 else f"{self.nominal_srate:g} Hz"
        return (
            f"{self.name!r} ({self.type or 'no type'}, {self.channel_count} ch, {rate} "
            f"{self.channel_format}, source_id {self.source_id!r}, "
            f"host {self.hostname})"
        )


def format_name(channel_format: int) -> str:
    """Name of an LSL channel-format code (``pylsl.cf_float32`` -> ``"float32"``)."""
    return _FORMAT_NAMES.get(channel_format, f"format {channel_format}")


def list_streams(timeout: float = 1.0) -> list[StreamSummary]:
    """Every stream visible within ``timeout`` seconds, sorted by name.

    Parameters
    ----------
    timeout : float
        How long to listen for answers, in seconds.

    Returns
    -------
    list of StreamSummary
    """
    infos = pylsl.resolve_streams(wait_time=float(timeout))
    return sorted(
        (StreamSummary.from_info(i) for i in infos), key=lambda s: (s.name, s.source_id)
    )


def _matches(info: pylsl.StreamInfo, name, stream_type, source_id) -> bool:
    return (
        (name is None or info.name() == name)
        and (stream_type is None or info.type() == stream_type)
        and (source_id is None or info.source_id() == source_id)
    )


def _given(name, stream_type, source_id) -> list[tuple[str, str]]:
    """Return the fields asked for, as (stream info key, value) pairs."""
    fields = (("name", name), ("type", stream_type), ("source_id", source_id))
    return [(key, value) for key, value in fields if value is not None]


def _predicate(name, stream_type, source_id) -> str:
    """Build the XPath predicate of the quotable values; the rest is checked later."""
    given = _given(name, stream_type, source_id)
    parts = [f"{key}='{value}'" for key, value in given if "'" not in value]
    return " and ".join(parts) or "true()"


def _query(name, stream_type, source_id) -> str:
    given = _given(name, stream_type, source_id)
    return " and ".join(f"{key} {value!r}" for key, value in given)


def find_streams(
    name: str | None = None,
    stream_type: str | None = None,
    source_id: str | None = None,
    timeout: float = 1.0,
    settle_s: float = _SETTLE_S,
) -> list[pylsl.StreamInfo]:
    """All streams matching every given field, waiting at most ``timeout`` s for one.

    Returns as soon as a match is found plus ``settle_s`` seconds (to see a
    second, ambiguous match); an empty list after ``timeout``.
    """
    pred = _predicate(name, stream_type, source_id)
    found = pylsl.resolve_bypred(pred, minimum=1, timeout=float(timeout))
    found = [i for i in found if _matches(i, name, stream_type, source_id)]
    if found and settle_s > 0:
        more = pylsl.resolve_bypred(pred, minimum=2, timeout=float(settle_s))
        uids = {i.uid() for i in found}
        found += [
            i
            for i in more
            if i.uid() not in uids and _matches(i, name, stream_type, source_id)
        ]
    return found


def resolve_stream(
    name: str | None = None,
    stream_type: str | None = None,
    source_id: str | None = None,
    timeout: float = RESOLVE_TIMEOUT_S,
) -> pylsl.StreamInfo:
    """Find the one stream that matches, or explain, listing what is visible.

    With no field given, the stream of type ``"EEG"`` is looked for.

    Parameters
    ----------
    name, stream_type, source_id : str | None
        Fields the stream must have (all given ones must match).
    timeout : float
        How long to wait for a match to appear, in seconds.

    Returns
    -------
    pylsl.StreamInfo
        The matching stream (without its channel description; an inlet's
        ``info()`` has it).

    Raises
    ------
    EEGStreamError
        When no stream matches within ``timeout``, or several do.
    """
    if name is None and stream_type is None and source_id is None:
        stream_type = "EEG"
    found = find_streams(name, stream_type, source_id, timeout)
    query = _query(name, stream_type, source_id)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        listed = "; ".join(StreamSummary.from_info(i).describe() for i in found)
        raise EEGStreamError(
            f"{len(found)} streams match {query}: {listed}; choose one with "
            "{source_id} (or a more specific {stream}/{stream_type})",
            param=("source_id", "stream", "stream_type"),
        )
    visible = list_streams(timeout=1.0)
    shown = "; ".join(s.describe() for s in visible) if visible else "none"
    raise EEGStreamError(
        f"no LSL stream with {query} appeared within {timeout:g} s; visible streams: "
        f"{shown}"
    )
