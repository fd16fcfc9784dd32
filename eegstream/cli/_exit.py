"""End the ``eegstream`` program without destroying LSL outlets under readers.

liblsl can crash the process that destroys an outlet while an inlet, of
this process or another, is still connected to it (sccn/liblsl#218: the
outlet's teardown frees its sample pool while a connection may still hold
samples; a segmentation fault, or ``terminate called`` and SIGABRT). A
command that publishes meets it at its end: the replay drops its outlets
when its last sample is out, ``run`` and ``live`` when the pipeline stops,
whoever still reads them.

So the program keeps every outlet it drops until it ends, and ends without
destroying them: after the command has returned and every ``atexit`` handler
has run (logging flushed, temporary files removed), :func:`end_program` ends
the process with :func:`os._exit` and its exit status. Threads still running
are not waited for; the package's own are daemon threads, which a normal
exit does not wait for either. The kernel then closes the outlets' sockets,
and readers see the streams end as when a headset app quits. The streams
stay visible from the command's stop until the process ends (its summary
and log written). Only the program does this: a process that calls
:func:`eegstream.cli.main` in-process (the tests, a notebook) destroys its
outlets as usual, withdrawing their streams at once.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from typing import Any, NoReturn

_program = False  # this process is the program: it ends with its command
_holding = False  # outlets dropped here stay open until the process ends


def as_program() -> None:
    """Mark this process as the ``eegstream`` program: it ends with its command."""
    global _program
    _program = True


def hold_outlets() -> None:
    """In the program, keep the LSL outlets this process drops until it ends.

    Call it before the command opens any outlet. Outside the program (a
    process that calls :func:`eegstream.cli.main` itself) it does nothing.
    """
    global _holding
    if not _program:
        return
    import pylsl

    # pylsl destroys the outlet in __del__ (lsl_destroy_outlet): skip that.
    pylsl.StreamOutlet.__del__ = _leave_open
    _holding = True


def _leave_open(outlet: Any) -> None:
    """Drop an outlet's Python object, leaving liblsl's outlet open."""


def end_program(status: int) -> NoReturn:
    """End the program with ``status``, destroying no outlet it held.

    A program that held no outlets exits as usual (:func:`sys.exit`).
    """
    if not _holding:
        sys.exit(status)
    atexit._run_exitfuncs()  # what a normal exit runs: logging.shutdown, ...
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # e.g. a closed pipe
            stream.flush()
    os._exit(status)
