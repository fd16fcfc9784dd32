"""Small helpers of several commands, below :mod:`._options` and :mod:`._group`.

Private to :mod:`eegstream.cli`; imports nothing of the package.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")


def line_freq(args: argparse.Namespace) -> float | str | None:
    """``--line-freq`` as the library takes it: 50.0, 60.0, ``"auto"`` or ``None``."""
    value: str | None = args.line_freq
    return float(value) if value in ("50", "60") else value


def stop_uninterrupted(stop: Callable[[], _T]) -> _T:
    """Call ``stop`` with Ctrl-C ignored: a second one must not cut it short."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return stop()
    finally:
        signal.signal(signal.SIGINT, previous)
