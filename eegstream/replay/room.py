"""A room of headsets: several sources played at once with one marker stream.

A group watching the same clips wears one headset each, and the stimulus
program marks the clips once for the room. :class:`RoomReplay` plays one
:class:`~eegstream.replay.Player` per source (stream ``<name>-S01``, source_id
``<source_id>-S01``, ...) and one marker stream for all of them:

- ``<name>-markers`` (source_id ``<source_id>-markers``), the markers of
  :mod:`eegstream.protocol` with ``subject`` null (the clip is everyone's);
  every headset's EEG description names it under ``desc/markers``, which is
  how a group session (:class:`~eegstream.group.GroupSession`) finds it.
- The sources must be the same clips in the same order (trial numbers and
  labels); a trial is played at the room's shortest length of it, so every
  headset plays every clip over the same samples and one schedule's markers
  hold for all.
- The players are released together, so each clip starts within
  milliseconds on every headset (each player keeps its own drift-free clock).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from ..protocol import markers_name
from ._lsl import check_name_free
from .player import DEFAULT_NAME, Player
from .source import ReplaySource


class RoomReplay:
    """Play several sources as the headsets of one room, with one marker stream.

    Parameters
    ----------
    sources : sequence of (str, ReplaySource)
        ``(suffix, source)`` per headset: its stream is ``<name>-<suffix>``
        and its source_id ``<source_id>-<suffix>`` (e.g. ``"S01"``).
    name : str
        The room's name: the marker stream is ``<name>-markers``.
    source_id : str | None
        The room's source_id (marker stream ``<source_id>-markers``);
        default ``<name>-<random hex>``, unique per run.
    **play
        :class:`Player` options for every headset (``speed``, ``chunk_size``,
        ``loop``, ``rest_s``, ``resolve_timeout``, ``wait_for_consumer``).

    Raises
    ------
    EEGStreamError
        No source, two headsets of one suffix, or sources that are not the
        same clips (trial numbers, labels) in the same order.
    """

    def __init__(
        self,
        sources: Sequence[tuple[str, ReplaySource]],
        *,
        name: str = DEFAULT_NAME,
        source_id: str | None = None,
        **play: Any,
    ) -> None:
        if not sources:
            raise EEGStreamError("a room needs at least one source")
        suffixes = [s for s, _ in sources]
        if len(set(suffixes)) != len(suffixes):
            raise EEGStreamError(f"two headsets of one name in the room: {suffixes}")
        self.name = name
        self.source_id = source_id or f"{name}-{uuid.uuid4().hex[:8]}"
        self.resolve_timeout = float(play.get("resolve_timeout", 1.0))
        played = same_clips([s for _, s in sources])
        room = (self.name, self.source_id)
        self.players = [
            Player(
                source,
                name=f"{name}-{suffix}",
                source_id=f"{self.source_id}-{suffix}",
                hold=True,
                room=room,
                markers=k == 0,  # the first headset sends the room's markers
                **play,
            )
            for k, ((suffix, _), source) in enumerate(zip(sources, played, strict=True))
        ]

    @property
    def marker_name(self) -> str:
        """The room's marker stream, ``<name>-markers``."""
        return markers_name(self.name)

    def start(self) -> RoomReplay:
        """Open every outlet, holding the first samples until :meth:`release`.

        Raises
        ------
        EEGStreamError
            The room's marker name or a headset's name is taken; nothing is
            left open.
        """
        check_name_free(self.name, self.source_id, self.resolve_timeout)
        try:
            for player in self.players:
                player.start()
        except BaseException:
            self.stop()
            raise
        return self

    def release(self) -> None:
        """Let every headset play: the same clip at the same time."""
        for player in self.players:
            player.release()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every headset to end; ``True`` if all have (:meth:`Player.wait`)."""
        return all(player.wait(timeout) for player in self.players)

    def stop(self) -> None:
        """Stop every headset and close its outlets (idempotent)."""
        for player in self.players:
            player.stop()

    def describe(self) -> str:
        """Say what the room plays: its marker stream, then every headset."""
        lines = [
            f"room         {len(self.players)} headsets, one marker stream "
            f"{self.marker_name!r} (source_id {markers_name(self.source_id)!r})"
        ]
        return "\n".join([*lines, *(p.describe() for p in self.players)])

    def __enter__(self) -> RoomReplay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def same_clips(sources: Sequence[ReplaySource]) -> list[ReplaySource]:
    """Check that the sources are the same clips; trim each clip to the room's length.

    Parameters
    ----------
    sources : sequence of ReplaySource
        One per headset.

    Returns
    -------
    list of ReplaySource
        The sources, every segment as long as the room's shortest of it
        (the loaded EEG cut to that many samples); the first one's segments
        carry no ``subject`` (its markers are the room's).

    Raises
    ------
    EEGStreamError
        The sources differ in their clips: number, trial numbers or labels.
    """
    first = sources[0]
    for k, source in enumerate(sources[1:], start=1):
        if _clips(source) != _clips(first):
            raise EEGStreamError(
                f"{source.description or f'source {k + 1}'} plays other clips than "
                f"{first.description or 'source 1'} ({_clips(source)} vs "
                f"{_clips(first)}); a room watches the same clips in the same order"
            )
    lengths = [
        min(s.segments[i].n_samples for s in sources)
        for i in range(len(first.segments))
    ]
    out = []
    for k, source in enumerate(sources):
        segments = tuple(
            dataclasses.replace(
                seg,
                n_samples=n,
                load=_cut(seg.load, n, seg.title),
                subject=None if k == 0 else seg.subject,
            )
            for seg, n in zip(source.segments, lengths, strict=True)
        )
        out.append(dataclasses.replace(source, segments=segments))
    return out


def _clips(source: ReplaySource) -> list[tuple[int | None, str | None]]:
    return [(s.trial, s.label) for s in source.segments]


def _cut(
    load: Callable[[], np.ndarray], n: int, title: str
) -> Callable[[], np.ndarray]:
    """Return ``load`` with its EEG cut to ``n`` samples (the room's clip length)."""

    def cut() -> np.ndarray:
        data = load()
        if data.shape[-1] < n:
            raise EEGStreamError(
                f"{title or 'segment'}: {data.shape[-1]} samples, fewer than the "
                f"{n} the room plays of it"
            )
        return data[..., :n]

    return cut
