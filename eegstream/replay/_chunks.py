"""Helpers of the replay's streaming thread: fixed-size chunks, the next segment."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator

import numpy as np

from .schedule import _Mark


class Chunker:
    """Cut consecutive blocks into chunks of one size, across block boundaries.

    Markers are fed as offsets within their block and come out with the
    absolute sample index they mark, in the chunk that holds that sample.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.fed = 0  # samples fed so far = absolute index of the next block's start
        self._emitted = 0
        self._parts: list[np.ndarray] = []
        self._pending = 0
        self._markers: deque[_Mark] = deque()

    def feed(
        self, block: np.ndarray, markers: list[_Mark]
    ) -> Iterator[tuple[int, np.ndarray, list[_Mark]]]:
        """Yield ``(start index, samples (n, C), markers)`` for each full chunk."""
        self._markers.extend(
            (self.fed + offset, text, stream) for offset, text, stream in markers
        )
        self.fed += len(block)
        pos = 0
        if self._pending:
            head = block[: self.size - self._pending]
            self._parts.append(head)
            self._pending += len(head)
            pos = len(head)
            if self._pending < self.size:
                return
            yield self._emit(np.concatenate(self._parts))
        while len(block) - pos >= self.size:
            yield self._emit(block[pos : pos + self.size])
            pos += self.size
        if pos < len(block):
            self._parts = [block[pos:]]
            self._pending = len(block) - pos

    def flush(self) -> Iterator[tuple[int, np.ndarray, list[_Mark]]]:
        """Yield the last, shorter chunk if samples are left."""
        if self._pending:
            yield self._emit(np.concatenate(self._parts))

    def _emit(self, samples: np.ndarray) -> tuple[int, np.ndarray, list[_Mark]]:
        start, end = self._emitted, self._emitted + len(samples)
        markers = []
        while self._markers and self._markers[0][0] < end:
            markers.append(self._markers.popleft())
        self._emitted = end
        self._parts, self._pending = [], 0
        return start, samples, markers


class Prefetch:
    """Run ``func(*args)`` in a daemon thread; :meth:`result` joins and returns it."""

    def __init__(self, func: Callable[..., np.ndarray], *args: object) -> None:
        self._value: np.ndarray | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._work, args=(func, args), daemon=True
        )
        self._thread.start()

    def _work(self, func: Callable[..., np.ndarray], args: tuple) -> None:
        try:
            self._value = func(*args)
        except BaseException as err:  # noqa: BLE001 - re-raised by result()
            self._error = err

    def result(self) -> np.ndarray:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None  # _work set one or the other
        return self._value
