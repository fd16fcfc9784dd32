"""The marker streams of a group session: which one holds each wearer's truth.

A wearer's true labels come from, in this order:

1. the marker streams named with ``--markers`` (a stimulus program's, read
   with ``--label-map``): one for the whole room;
2. the marker stream its EEG stream's description names (``desc/markers``)
   when that is not its own ``<name>-markers``: a room replay's one marker
   stream (:class:`~eegstream.replay.RoomReplay`);
3. its own replay's ``<source_id>-markers``.

A marker stream shared by several wearers is followed once, by one
:class:`~eegstream.pipeline.markers.MarkerListener`; its markers are logged
once, with the stream's name, not once per wearer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pylsl

from ..acquisition import StreamSummary, list_streams
from ..labelmap import LabelMap
from ..pipeline.markers import MarkerListener
from ..protocol import DESC_MARKERS, markers_name

#: Seconds a new shared marker stream is waited for when it is first followed.
_SHARED_TIMEOUT_S = 2.0


class RoomMarkers:
    """Find and follow each wearer's marker streams, the shared ones once.

    Parameters
    ----------
    names : sequence of str | None
        Marker streams every wearer follows (``--markers``); None: each
        wearer's replay's (the room's or its own).
    label_map : LabelMap | None
        Rules turning foreign marker strings into true labels.
    """

    def __init__(
        self, names: Sequence[str] | None = None, label_map: LabelMap | None = None
    ) -> None:
        self.names = tuple(names) if names else None
        self.label_map = label_map
        self._shared: dict[str, MarkerListener] = {}
        self._own: list[MarkerListener] = []
        self._visible: set[str] = set()
        self._lock = threading.Lock()
        self._opening = threading.Lock()

    def look(self, timeout: float = 1.0) -> None:
        """Note the streams visible now, so a headset without markers waits for none."""
        self._visible = {s.source_id for s in list_streams(timeout=timeout)}

    def before_inlet(self, summary: StreamSummary) -> tuple[MarkerListener, ...]:
        """Open the listeners due before the stream's EEG inlet: no marker missed.

        The ``--markers`` streams, or the replay's own ``<source_id>-markers``
        when it was visible at :meth:`look`.
        """
        if self.names is not None:
            return tuple(self._follow(name) for name in self.names)
        if summary.source_id and markers_name(summary.source_id) in self._visible:
            return (self._own_listener(summary.source_id, _SHARED_TIMEOUT_S),)
        return ()

    def after_inlet(
        self,
        summary: StreamSummary,
        info: pylsl.StreamInfo,
        listeners: tuple[MarkerListener, ...],
    ) -> tuple[MarkerListener, ...]:
        """Complete ``listeners`` from the EEG stream's full description ``info``.

        A room's marker stream named under ``desc/markers`` is followed (once
        for the room); else the replay's own, should it appear later. A
        marker missed meanwhile is made good by the replay's ``trial_state``
        repetitions.
        """
        if listeners or self.names is not None:
            return listeners
        named = info.desc().child_value(DESC_MARKERS)
        if named and named != markers_name(summary.name):
            return (self._follow(named),)
        if summary.source_id:
            return (self._own_listener(summary.source_id, 0.0),)
        return ()

    def shared(self) -> dict[str, MarkerListener]:
        """Return the marker streams followed for several wearers, by name."""
        with self._lock:
            return dict(self._shared)

    def discard(self, listeners: Sequence[MarkerListener]) -> None:
        """Stop a refused wearer's own listeners (shared ones run on)."""
        for listener in listeners:
            if listener in self._own:
                listener.stop()
                self._own.remove(listener)

    def stop(self) -> None:
        """Stop every listener (idempotent)."""
        with self._lock:
            every = [*self._own, *self._shared.values()]
            self._own, self._shared = [], {}
        for listener in every:
            listener.stop()

    def _follow(self, name: str) -> MarkerListener:
        # Started outside self._lock: start() may wait for the stream, and the
        # batch thread reads shared() meanwhile.
        with self._opening:
            with self._lock:
                found = self._shared.get(name)
            if found is None:
                found = MarkerListener(
                    first_timeout=_SHARED_TIMEOUT_S,
                    name=name,
                    label_map=self.label_map,
                ).start()
                with self._lock:
                    self._shared[name] = found
            return found

    def _own_listener(self, source_id: str, timeout: float) -> MarkerListener:
        listener = MarkerListener(source_id, timeout, label_map=self.label_map).start()
        with self._lock:
            self._own.append(listener)
        return listener
