"""Helpers of the group tests: a room of SYNTHETIC wearers, a session on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eegstream.group import GroupSession, StreamQuery
from eegstream.model._testing import SEED_IV_CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.replay import RoomReplay, array_source


def synthetic_room(
    name: str,
    trials: Mapping[int, Sequence[np.ndarray]],
    labels: Sequence[str],
    **play: Any,
) -> RoomReplay:
    """A room whose wearer ``S0<k>`` plays ``trials[k]``, SYNTHETIC.

    Each trial is (62, n) in µV at 200 Hz on the SEED channels; ``labels``
    are the clips' SEED-IV classes; ``play`` goes to :class:`RoomReplay`.
    """
    sources = [
        (
            f"S0{k}",
            array_source(
                list(eeg),
                200.0,
                SEED_CHANNELS,
                labels=list(labels),
                classes=SEED_IV_CLASSES,
                subject=k,
                synthetic=True,
            ),
        )  # fmt: skip
        for k, eeg in trials.items()
    ]
    return RoomReplay(sources, name=name, **play)


def room_session(checkpoint: Path, room: RoomReplay, log_path: Path) -> GroupSession:
    """A group session on every wearer of ``room``: on CPU, no outlets, logged."""
    return GroupSession(
        checkpoint,
        streams=[StreamQuery(source_id=p.source_id) for p in room.players],
        device="cpu",
        outlets=False,
        log_path=log_path,
    )
