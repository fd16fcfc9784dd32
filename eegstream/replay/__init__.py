"""Replay SEED sessions and EEG files to LSL like a headset, with the truth as markers.

- :class:`Player`: the EEG and marker outlets, paced on ``pylsl.local_clock``.
- :class:`RoomReplay`: several headsets at once with one marker stream.
- :func:`dataset_source`, :func:`file_source`, :func:`array_source`: what to play;
  :func:`headset_source`: only a headset's channels, at its rate.
- :func:`pieces`: what a replay plays in which order (no clock, no LSL);
  :func:`rest_samples`: the EEG played during a rest between trials.
- The marker strings and stream names: :mod:`eegstream.protocol`.
"""

from .player import DEFAULT_NAME, Player
from .progress import Progress
from .room import RoomReplay
from .schedule import Piece, pieces, rest_samples
from .sessions import dataset_source
from .source import (
    ReplaySource,
    Segment,
    array_source,
    file_source,
    headset_source,
)

__all__ = [
    "DEFAULT_NAME",
    "Piece",
    "Player",
    "Progress",
    "ReplaySource",
    "RoomReplay",
    "Segment",
    "array_source",
    "dataset_source",
    "file_source",
    "headset_source",
    "pieces",
    "rest_samples",
]
