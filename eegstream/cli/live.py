"""Open the live dashboard: emotion, history, band power, scalp map, EEG, health."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from .._errors import EEGStreamError
from .._options import Option, add_options
from ..model.options import MODEL
from . import _options
from ._exit import hold_outlets
from ._group import add_group_options, group_requested
from ._options import add_pipeline_options, finish_personal, pipeline_from_args
from ._personal import personal_session
from .web import start_web

HELP = "open the live dashboard over an LSL EEG stream"
DESCRIPTION = (
    __doc__ + " The dashboard is a view over the same pipeline `eegstream run` drives. "
    "Without --model or a stream option it offers pickers. Needs a display, or "
    "QT_QPA_PLATFORM=offscreen with --screenshot/--exit-after; without either, "
    "use `eegstream run` (headless)."
)


_VIEW = "view"
#: How the window looks; each ``dest`` is a parameter of
#: :func:`~eegstream.dashboard.app.run_dashboard`.
_VIEW_OPTIONS = (
    Option(
        "--history",
        "span of the probability and band-power history",
        type=float,
        default=180.0,
        metavar="SECONDS",
        dest="history_s",
        group=_VIEW,
    ),
    Option(
        "--refresh-ms",
        "redraw interval in ms",
        type=int,
        default=33,
        metavar="MS",
        group=_VIEW,
    ),
    Option(
        "--screenshot",
        "save a PNG of the window when --exit-after expires",
        type=Path,
        metavar="OUT.png",
        group=_VIEW,
    ),
    Option(
        "--exit-after",
        "close after this many seconds (exit 0); with no display "
        "set QT_QPA_PLATFORM=offscreen",
        type=float,
        metavar="SECONDS",
        group=_VIEW,
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream live``."""
    replace(
        MODEL,
        required=False,
        metavar="M",
        help=f"{MODEL.help}; default: choose in a dialog",
    ).add_to(parser)
    add_pipeline_options(
        parser, "any combination narrows the choice; none: choose in a dialog"
    )
    add_options(parser, _VIEW_OPTIONS)
    add_group_options(parser)


def _check_args(args: argparse.Namespace) -> None:
    from .._checks import check_number

    _options.check_artifacts(args)
    if args.screenshot is not None and args.exit_after is None:
        raise EEGStreamError(
            "--screenshot needs --exit-after SECONDS (when to take it)"
        )
    if args.screenshot is not None and args.screenshot.suffix.lower() != ".png":
        raise EEGStreamError(
            f"--screenshot must name a .png file, got {args.screenshot}"
        )
    if args.exit_after is not None:
        check_number(
            args.exit_after, "exit_after", unit="s", min=0, min_inclusive=False
        )
    check_number(args.history_s, "history_s", unit="s", min=10)
    check_number(args.refresh_ms, "refresh_ms", unit="ms", min=5, max=1000)


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream live``; return the exit code."""
    _check_args(args)
    hold_outlets()  # the pipeline drops its outlets as it stops, under readers
    if group_requested(args):
        from ._group_live import run_group_live

        return run_group_live(args)
    from ..dashboard import check_display

    check_display()  # before Qt exists: Qt would abort the process instead
    start_web(args.web, "live")
    from ..acquisition import StreamSummary
    from ..dashboard.app import qt_application, run_dashboard
    from ..dashboard.pickers import ModelPicker, StreamPicker, pick
    from ..model import load_checkpoint, resolve_model
    from ..pipeline.console import start_calibration, start_recording

    # Held for the whole command: the pickers and the window need a live QApplication.
    _app = qt_application()
    unattended = args.exit_after is not None

    try:
        session = personal_session(args)
        for line in session.lines:
            print(f"eegstream live: {line}", flush=True)
        model: object = session.model  # --model, or the wearer's personal model
        if model is None:
            if unattended:
                raise EEGStreamError("--exit-after runs unattended: give --model M")
            model = pick(ModelPicker())
            if model is None:
                print("eegstream live: no model chosen", file=sys.stderr)
                return 1
        checkpoint = load_checkpoint(resolve_model(str(model)))
        if args.stream is None and args.stream_type is None and args.source_id is None:
            if unattended:
                args.stream_type = "EEG"  # as `eegstream run` does
            else:
                chosen = pick(StreamPicker())
                if not isinstance(chosen, StreamSummary):  # None: cancelled
                    print("eegstream live: no stream chosen", file=sys.stderr)
                    return 1
                args.stream, args.source_id = chosen.name, chosen.source_id or None
        pipeline = pipeline_from_args(
            checkpoint, args, **session.pipeline_options
        ).start()
        if args.record is not None:
            start_recording(pipeline, args.record, "live")
        if session.calibrate is not None and session.recording is not None:
            start_calibration(
                pipeline, args.calibrate, session.calibrate, session.recording, "live"
            )
    except EEGStreamError as err:  # e.g. a model/stream mismatch
        return _fail(str(err), unattended)
    code = run_dashboard(
        pipeline, checkpoint, **_options.option_kwargs(args, _VIEW_OPTIONS)
    )
    if pipeline.recording is not None:
        print(f"eegstream live: {pipeline.recording.describe()}", flush=True)
    finish_personal(pipeline, session, "live")
    return code


def _fail(reason: str, unattended: bool) -> int:
    """Report a fatal problem: unattended runs raise (exit 2), people get a dialog."""
    if unattended:
        raise EEGStreamError(reason)
    from ..dashboard.app import show_error

    show_error(reason)
    return 2
