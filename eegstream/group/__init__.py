"""Many wearers at once: one chain per headset, one batched model call per tick.

:class:`GroupSession` follows several LSL EEG streams in one process
(``eegstream run`` with ``--stream``/``--source-id`` more than once or
``--all-streams``); :class:`BatchClassifier` classifies the wearers sharing a
model in one stacked call; :func:`load_roster` reads ``--wearers FILE.toml``;
:func:`parse_shard` and :func:`shard_of` split a room between machines.
"""

from __future__ import annotations

from .batch import BatchClassifier, weights_key
from .outlet import GroupOutlet, group_labels
from .roster import Roster, WearerEntry, load_roster
from .session import GroupSession, Member, StreamQuery
from .shard import parse_shard, shard_of

__all__ = [
    "BatchClassifier",
    "GroupOutlet",
    "GroupSession",
    "Member",
    "Roster",
    "StreamQuery",
    "WearerEntry",
    "group_labels",
    "load_roster",
    "parse_shard",
    "shard_of",
    "weights_key",
]
