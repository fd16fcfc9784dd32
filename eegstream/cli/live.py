"""Open the live dashboard: emotion, history, band power, scalp map, EEG, health."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from .._errors import EEGStreamError
from ._options import add_pipeline_options, pipeline_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``eegstream live`` to the command's subparsers."""
    parser = subparsers.add_parser(
        "live",
        help="open the live dashboard over an LSL EEG stream",
        description=__doc__
        + " The dashboard is a view over the same pipeline `eegstream run` drives. "
        "Without --model or a stream option it offers pickers. Needs a display, or "
        "QT_QPA_PLATFORM=offscreen with --screenshot/--exit-after; without either, "
        "use `eegstream run` (headless).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--model",
        metavar="M",
        help="checkpoint file, or a model name in models/; default: choose in a dialog",
    )
    add_pipeline_options(
        parser, "any combination narrows the choice; none: choose in a dialog"
    )
    view = parser.add_argument_group("view")
    view.add_argument(
        "--history",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help="span of the probability and band-power history",
    )
    view.add_argument(
        "--refresh-ms", type=int, default=33, metavar="MS", help="redraw interval in ms"
    )
    view.add_argument(
        "--screenshot",
        metavar="OUT.png",
        type=Path,
        help="save a PNG of the window when --exit-after expires",
    )
    view.add_argument(
        "--exit-after",
        type=float,
        metavar="SECONDS",
        help="close after this many seconds (exit 0); with no display "
        "set QT_QPA_PLATFORM=offscreen",
    )
    return parser


def _check_args(args: argparse.Namespace) -> None:
    if args.screenshot is not None and args.exit_after is None:
        raise EEGStreamError(
            "--screenshot needs --exit-after SECONDS (when to take it)"
        )
    if args.screenshot is not None and args.screenshot.suffix.lower() != ".png":
        raise EEGStreamError(
            f"--screenshot must name a .png file, got {args.screenshot}"
        )
    if args.exit_after is not None and not args.exit_after > 0:
        raise EEGStreamError(f"--exit-after must be > 0 seconds, got {args.exit_after}")
    if not args.history >= 10:
        raise EEGStreamError(f"--history must be >= 10 seconds, got {args.history}")
    if not 5 <= args.refresh_ms <= 1000:
        raise EEGStreamError(
            f"--refresh-ms must be within 5-1000 ms, got {args.refresh_ms}"
        )


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream live``; return the exit code."""
    _check_args(args)
    from ..dashboard import check_display

    check_display()  # before Qt exists: Qt would abort the process instead
    from PySide6 import QtWidgets

    from ..dashboard.pickers import ModelPicker, StreamPicker, pick
    from ..model import load_checkpoint, resolve_model

    # Held for the whole command: the pickers and the window need a live QApplication.
    _app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(
        [sys.argv[0], "-name", "eegstream"]
    )
    unattended = args.exit_after is not None

    try:
        if args.model is None:
            if unattended:
                raise EEGStreamError("--exit-after runs unattended: give --model M")
            chosen = pick(ModelPicker())
            if chosen is None:
                print("eegstream live: no model chosen", file=sys.stderr)
                return 1
            args.model = str(chosen)
        checkpoint = load_checkpoint(resolve_model(args.model))
        if args.stream is None and args.stream_type is None and args.source_id is None:
            if unattended:
                args.stream_type = "EEG"  # as `eegstream run` does
            else:
                chosen = pick(StreamPicker())
                if chosen is None:
                    print("eegstream live: no stream chosen", file=sys.stderr)
                    return 1
                args.stream, args.source_id = chosen.name, chosen.source_id or None
        pipeline = pipeline_from_args(checkpoint, args).start()
    except EEGStreamError as err:  # e.g. a model/stream mismatch
        return _fail(str(err), unattended)
    return show_dashboard(
        pipeline,
        checkpoint,
        history_s=args.history,
        refresh_ms=args.refresh_ms,
        screenshot=args.screenshot,
        exit_after=args.exit_after,
    )


def _fail(reason: str, unattended: bool) -> int:
    """Report a fatal problem: unattended runs raise (exit 2), people get a dialog."""
    if unattended:
        raise EEGStreamError(reason)
    from PySide6 import QtWidgets

    QtWidgets.QMessageBox.critical(None, "eegstream live", reason)
    print(f"eegstream live: error: {reason}", file=sys.stderr, flush=True)
    return 2


def show_dashboard(
    pipeline: Any,
    checkpoint: Any,
    *,
    history_s: float = 180.0,
    refresh_ms: int = 33,
    screenshot: Path | None = None,
    exit_after: float | None = None,
) -> int:
    """Open the window over a started pipeline and run Qt's event loop.

    Returns the exit code: 0, 2 when the pipeline failed, 130 on Ctrl-C. The
    pipeline is stopped when the window closes. ``eegstream demo`` uses it too.
    """
    from PySide6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(
        [sys.argv[0], "-name", "eegstream"]
    )

    from ..dashboard.window import MainWindow

    try:
        window = MainWindow(
            pipeline,
            checkpoint.classes,
            seq_len=checkpoint.feature_config.seq_len,
            history_s=history_s,
            refresh_ms=refresh_ms,
        )
    except BaseException:
        pipeline.stop()
        raise
    outcome = {"code": 0, "reason": None}

    def on_failed(reason: str) -> None:
        outcome["code"], outcome["reason"] = 2, reason
        if exit_after is not None:
            window.close()
        else:
            _fail(reason, unattended=False)

    def finish() -> None:
        if screenshot is not None and outcome["reason"] is None:
            path = window.save_screenshot(screenshot)
            print(f"eegstream live: screenshot saved to {path}", file=sys.stderr)
        window.close()

    def on_sigint(*_: object) -> None:
        outcome["code"] = 130
        window.close()

    window.failed.connect(on_failed)
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
        window.close()  # idempotent; stops the pipeline if the loop ended otherwise
    if outcome["reason"] is not None and exit_after is not None:
        raise EEGStreamError(outcome["reason"])
    if outcome["code"] == 130:
        print("eegstream live: interrupted", file=sys.stderr)
    return outcome["code"]
