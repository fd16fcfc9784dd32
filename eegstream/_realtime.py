"""Keep a live process's worker from waiting: on the collector, on the GIL.

A full (generation-2) collection traverses every container object the process
holds; with torch, MNE, Qt and a model loaded (about 255 000 objects) that
took 0.2-1.0 s (2-core machine loaded by other work; in ``eegstream run`` and
``live`` under ``benchmarks/bench_cli_latency.py``'s probe, and in one process
importing the same) and stops every thread, so a step that met one came out
that late. Once that heap is frozen, a full collection takes under 0.1 ms.
While any live pipeline runs:

- start-up garbage is collected once and everything left is frozen
  (:func:`gc.freeze`): later collections never traverse the libraries'
  objects;
- automatic generation-2 collections are off; the young generations still
  collect as usual;
- :func:`after_step` runs a young collection right after a step is emitted,
  and a full one (small now: only what was allocated since the freeze) at most
  every :data:`FULL_EVERY_S` seconds, so collections happen in the idle time
  between steps rather than at an allocation inside one;
- the interpreter's switch interval is :data:`SWITCH_INTERVAL_S` instead of
  5 ms: a step of the pipeline's worker that needs the GIL back (after each
  torch or numpy call that released it) waits at most that long for a thread
  running Python code (the dashboard's), not 5 ms each time;
- BLAS (OpenBLAS, numpy's and scipy's) runs on one thread: the live path's
  matrices are small (62 x 62 spline weights, 62 x 200 segments), and
  OpenBLAS's own threads cost more than they give on a shared machine and
  serialise the workers of a group session. Measured on the 2-core machine
  (``benchmarks/bench_step_checks.py``, issue 25): a 62 x 62 by 62 x 200
  product took 0.44 ms with OpenBLAS's two threads, 0.03 ms with one.

When the last live pipeline stops, the thresholds, the switch interval and
the BLAS threads are restored and the frozen objects are collectable again.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from typing import Any

#: Seconds between full collections while live (each runs right after a step).
FULL_EVERY_S = 60.0
#: The interpreter's switch interval while live, in seconds (Python's default: 5 ms).
SWITCH_INTERVAL_S = 0.001
# Generation-2 threshold while live: never reached in a session.
_NEVER = 2**30

_lock = threading.Lock()
_owners: set[int] = set()
_saved_thresholds: tuple[int, ...] | None = None
_saved_switch_interval = 0.0
_blas_limits: Any = None  # threadpoolctl's limiter, to restore
_last_full = 0.0


def freeze_after_startup() -> None:
    """Collect start-up garbage, then freeze every object left (models, libraries)."""
    gc.collect()
    gc.freeze()


def live_started(owner: object) -> None:
    """Enter live mode for ``owner`` (a pipeline); the first one freezes the heap.

    Idempotent per owner. Call once start-up is over (model loaded and run
    once, streams open).
    """
    global _saved_thresholds, _saved_switch_interval, _last_full, _blas_limits
    from threadpoolctl import threadpool_limits

    with _lock:
        if id(owner) in _owners:
            return
        _owners.add(id(owner))
        if len(_owners) > 1:
            return
        freeze_after_startup()
        _saved_thresholds = gc.get_threshold()
        gc.set_threshold(_saved_thresholds[0], _saved_thresholds[1], _NEVER)
        _saved_switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        _last_full = time.monotonic()
        _blas_limits = threadpool_limits(limits=1, user_api="blas")


def live_stopped(owner: object) -> None:
    """Leave live mode for ``owner``; the last one undoes what live_started set."""
    global _saved_thresholds, _blas_limits
    with _lock:
        if id(owner) not in _owners:
            return
        _owners.discard(id(owner))
        if _owners or _saved_thresholds is None:
            return
        gc.set_threshold(*_saved_thresholds)
        _saved_thresholds = None
        sys.setswitchinterval(_saved_switch_interval)
        if _blas_limits is not None:
            _blas_limits.restore_original_limits()
            _blas_limits = None
        gc.unfreeze()


def freeze_new() -> None:
    """Freeze what was built since live mode began, while live (else nothing).

    Call after start-up work done once the pipeline is live: a group session's
    streams are opened and their chains built after :func:`live_started`
    (about 45 000 objects for 16 streams, modules imported on first use
    among them). Left unfrozen, every full collection of :func:`after_step`
    traversed them: 40-75 ms each (16 wearers, 2-core machine shared with
    other work, ``eegstream run`` under ``benchmarks/bench_many.py``), where
    the frozen heap's take about 1 ms. The young generations are collected
    first; older garbage among those objects is kept, once per stream.
    """
    with _lock:
        if not _owners:
            return
    gc.collect(1)
    gc.freeze()


def after_step() -> None:
    """Collect right after a step was emitted: young always, full when due."""
    global _last_full
    if not _owners:
        return
    now = time.monotonic()
    if now - _last_full >= FULL_EVERY_S:
        _last_full = now
        gc.collect(2)
    else:
        gc.collect(1)
