"""Small helpers of several commands, below :mod:`._options` and :mod:`._group`.

Private to :mod:`eegstream.cli`; imports nothing of the package.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")


def stop_uninterrupted(stop: Callable[[], _T]) -> _T:
    """Call ``stop`` with Ctrl-C ignored: a second one must not cut it short."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return stop()
    finally:
        signal.signal(signal.SIGINT, previous)
