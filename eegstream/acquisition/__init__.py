"""Acquisition: find LSL streams and pull one into a ring buffer on a thread.

Built on pylsl (see ``../shared/DESIGN.md``: a blocking ``pull_chunk`` into
preallocated memory beat mne-lsl's stream on latency, CPU and fault handling).
"""

from .discovery import StreamSummary, find_streams, list_streams, resolve_stream
from .inlet import InletThread, check_numeric
from .ring import Block, Gap, RingBuffer, RingReader

__all__ = [
    "Block",
    "Gap",
    "InletThread",
    "RingBuffer",
    "RingReader",
    "StreamSummary",
    "check_numeric",
    "find_streams",
    "list_streams",
    "resolve_stream",
]
