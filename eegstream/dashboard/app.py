"""Run the dashboard window over a started pipeline in Qt's event loop.

What ``eegstream live`` and ``eegstream demo`` open: the window, Ctrl-C
handling, an optional screenshot and timed exit for unattended runs.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import EEGStreamError

if TYPE_CHECKING:
    from ..model import Checkpoint
    from ..pipeline import LivePipeline


def show_error(reason: str, title: str = "eegstream live") -> None:
    """Show ``reason`` in a dialog and on stderr (a person is watching)."""
    from PySide6 import QtWidgets

    QtWidgets.QMessageBox.critical(None, title, reason)
    print(f"{title}: error: {reason}", file=sys.stderr, flush=True)


def qt_application() -> Any:
    """Return the process's QApplication, created on first use (named ``eegstream``)."""
    from PySide6 import QtWidgets

    return QtWidgets.QApplication.instance() or QtWidgets.QApplication(
        [sys.argv[0], "-name", "eegstream"]
    )


def run_window(
    app: Any,
    window: Any,
    *,
    on_sigint: Callable[..., None],
    finish: Callable[[], None],
    exit_after: float | None,
) -> None:
    """Show ``window`` and run Qt's event loop until the window closes.

    Parameters
    ----------
    app : QApplication
        The process's application (:func:`qt_application`).
    window : QMainWindow
        A window with a ``closed`` signal, emitted when it closes.
    on_sigint : callable
        The SIGINT (Ctrl-C) handler while the loop runs; the one before is put
        back when it ends.
    finish : callable
        Called once ``exit_after`` seconds have passed.
    exit_after : float | None
        Seconds before ``finish`` is called; ``None``: never.
    """
    from PySide6 import QtCore

    window.closed.connect(app.quit)
    previous = signal.signal(signal.SIGINT, on_sigint)
    # Qt's loop runs in C++; a short timer lets Python run the SIGINT handler.
    wake = QtCore.QTimer()
    wake.start(200)
    wake.timeout.connect(lambda: None)
    if exit_after is not None:
        QtCore.QTimer.singleShot(int(exit_after * 1000), finish)
    try:
        window.show()
        app.exec()
    finally:
        wake.stop()
        signal.signal(signal.SIGINT, previous)
        window.close()


@dataclass
class _Outcome:
    """How the dashboard's event loop ended: exit status and failure reason."""

    code: int = 0
    reason: str | None = None


def run_dashboard(
    pipeline: LivePipeline,
    checkpoint: Checkpoint,
    *,
    history_s: float = 180.0,
    refresh_ms: int = 33,
    screenshot: Path | None = None,
    exit_after: float | None = None,
) -> int:
    """Open the window over a started pipeline and run Qt's event loop.

    Parameters
    ----------
    pipeline : LivePipeline
        A started pipeline; it is stopped when the window closes.
    checkpoint : Checkpoint
        Its model (classes, sequence length).
    history_s : float
        Span of the probability and band-power history, in seconds.
    refresh_ms : int
        Redraw interval in milliseconds.
    screenshot : Path | None
        PNG saved when ``exit_after`` expires.
    exit_after : float | None
        Close after this many seconds (unattended: a pipeline failure raises);
        ``None``: until the window is closed (a failure shows a dialog).

    Returns
    -------
    int
        The exit code: 0, 2 when the pipeline failed, 130 on Ctrl-C.
    """
    from .window import MainWindow

    app = qt_application()

    try:
        window = MainWindow.from_checkpoint(
            pipeline, checkpoint, history_s=history_s, refresh_ms=refresh_ms
        )
    except BaseException:
        pipeline.stop()
        raise
    outcome = _Outcome()

    def on_failed(reason: str) -> None:
        outcome.code, outcome.reason = 2, reason
        if exit_after is not None:
            window.close()
        else:
            show_error(reason)

    def finish() -> None:
        if screenshot is not None and outcome.reason is None:
            path = window.save_screenshot(screenshot)
            print(f"eegstream live: screenshot saved to {path}", file=sys.stderr)
        window.close()

    def on_sigint(*_: object) -> None:
        outcome.code = 130
        window.close()

    window.failed.connect(on_failed)
    # window.close() is idempotent: it stops the pipeline if the loop ended otherwise.
    run_window(app, window, on_sigint=on_sigint, finish=finish, exit_after=exit_after)
    if outcome.reason is not None and exit_after is not None:
        raise EEGStreamError(outcome.reason)
    if outcome.code == 130:
        print("eegstream live: interrupted", file=sys.stderr)
    return outcome.code
