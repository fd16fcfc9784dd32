"""Classify a live LSL EEG stream headless: console status, outlets, session log."""

from __future__ import annotations

import argparse
import sys

from .._options import MODEL
from . import _options
from ._options import add_pipeline_options, finish_personal, pipeline_from_args

HELP = "classify a live LSL EEG stream without a GUI (outlets, log, summary)"
DESCRIPTION = (
    "Connect to an LSL EEG stream, check it against the model "
    "(channels by name, missing channels, rate, unit), and publish class "
    "probabilities and band power as LSL streams every hop, with a live status "
    "line, an optional JSON Lines session log and a summary at exit (latency "
    "p50/p99; accuracy when a replay's marker stream carries true labels). "
    "Stops after --seconds or on Ctrl-C (which still writes the summary; exit "
    "status 0, 2 on a stream failure, 130 on Ctrl-C)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream run``."""
    MODEL.add_to(parser)
    add_pipeline_options(parser, "with none given: the one stream of type EEG")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="stop after this many seconds; None: run until Ctrl-C",
    )
    parser.add_argument("--quiet", action="store_true", help="no live status line")


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream run``."""
    import logging
    import signal

    from .._checks import check_number
    from ..pipeline.console import (
        follow,
        format_summary,
        header,
        start_calibration,
        start_recording,
    )

    if args.seconds is not None:
        check_number(args.seconds, "seconds", min=0, min_inclusive=False)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("eegstream run: %(levelname)s: %(message)s"))
    root = logging.getLogger("eegstream")
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        session = _options.personal_session(args)
        pipe = pipeline_from_args(
            session.model, args, **session.pipeline_options
        ).start()
        try:
            print(header(pipe, log_hint=" (--log PATH)"), flush=True)
            for line in session.lines:
                print(f"eegstream run: {line}", flush=True)
            if args.record is not None:
                start_recording(pipe, args.record, "run")
            if session.calibrate is not None and session.recording is not None:
                start_calibration(
                    pipe, args.calibrate, session.calibrate, session.recording, "run"
                )
            interrupted = follow(pipe, args.seconds, quiet=args.quiet)
        finally:
            # A second Ctrl-C must not cut the log's summary short.
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                pipe.stop()
            finally:
                signal.signal(signal.SIGINT, previous)
        finish_personal(pipe, session, "run")
        print(format_summary(pipe.summary(), pipe, interrupted), flush=True)
        if pipe.health().error:
            return 2
        return 130 if interrupted else 0
    finally:
        root.removeHandler(handler)
