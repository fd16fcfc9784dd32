"""Classify a live LSL EEG stream headless (or a recording, as fast as it goes)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..features.options import line_freq_value
from ..model.options import MODEL
from . import _options
from ._exit import hold_outlets
from ._group import add_group_options, group_requested, run_group
from ._options import add_pipeline_options, finish_personal, pipeline_from_args
from ._personal import personal_session
from ._shared import stop_uninterrupted
from .web import start_web

HELP = "classify a live LSL EEG stream (or a recording) without a GUI"
DESCRIPTION = (
    "Connect to an LSL EEG stream, check it against the model "
    "(channels by name, missing channels, rate, unit), and publish class "
    "probabilities and band power as LSL streams every hop, with a live status "
    "line, an optional JSON Lines session log and a summary at exit (latency "
    "p50/p99; accuracy when a replay's marker stream carries true labels). "
    "Stops after --seconds or on Ctrl-C (which still writes the summary; exit "
    "status 0, 2 on a stream failure, 130 on Ctrl-C). With --file REC, the same "
    "live chain runs over a recording instead, as fast as the CPU allows, "
    "without outlets: the session log (--log) then holds what the model would "
    "have said at each step, stamped in seconds into the recording (an XDF "
    "file: its EEG stream's LSL timestamps); a failed run leaves no log."
)

# Options of a live stream that mean nothing with --file: flag -> its dest.
_LIVE_ONLY = {
    "--stream": "stream",
    "--type": "stream_type",
    "--source-id": "source_id",
    "--record": "record",
    "--web": "web",
    "--seconds": "seconds",
    "--wearer": "wearer",
    "--calibrate": "calibrate",
    "--calibration-record": "calibration_record",
    "--personal-model": "personal_model",
    "--all-streams": "all_streams",
    "--wearers": "wearers",
    "--shard": "shard",
}


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
    parser.add_argument(
        "--quiet", action="store_true", help="no live status line (or progress bar)"
    )
    _add_file_options(parser.add_argument_group("recording (instead of a stream)"))
    add_group_options(parser)


def _add_file_options(group: argparse._ArgumentGroup) -> None:
    """``--file`` and ``--stream-name``: run over a recording."""
    group.add_argument(
        "--file",
        type=Path,
        metavar="REC",
        help="run the live chain over this recording as fast as the CPU allows, "
        "no outlets: any file `eegstream features --file` reads (EDF, BDF, FIF, "
        "BrainVision .vhdr, EEGLAB .set, Neuroscan .cnt, XDF), at its own rate and "
        "channel names; instead of --stream/--type/--source-id, without --record, "
        "--seconds, --wearer or --calibrate. An XDF file's marker streams (all, or "
        "those of --markers) give the marker records and, with the replay's "
        "trial markers or --label-map, true labels and accuracy",
    )
    group.add_argument(
        "--stream-name",
        metavar="NAME",
        help="with an .xdf --file: its EEG stream; default: the one of type EEG",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream run``."""
    from .._checks import check_number
    from ..pipeline.console import (
        follow,
        format_summary,
        header,
        start_calibration,
        start_recording,
    )

    _options.check_artifacts(args)
    if args.file is not None:
        return _run_file(args)
    hold_outlets()  # the pipeline drops its outlets as it stops, under readers
    if group_requested(args):
        return run_group(args)
    if args.stream_name is not None:
        from .._errors import EEGStreamError

        raise EEGStreamError(
            "--stream-name picks the EEG stream of an .xdf --file; for a live "
            "stream give --stream NAME"
        )
    if args.seconds is not None:
        check_number(args.seconds, "seconds", min=0, min_inclusive=False)
    start_web(args.web, "run")  # before the handler: a busy port must not leak it
    handler = _warnings_to_stderr()
    try:
        session = personal_session(args)
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
            stop_uninterrupted(pipe.stop)
        finish_personal(pipe, session, "run")
        print(format_summary(pipe.summary(), pipe, interrupted), flush=True)
        if pipe.health().error:
            return 2
        return 130 if interrupted else 0
    finally:
        logging.getLogger("eegstream").removeHandler(handler)


def _warnings_to_stderr(command: str = "run") -> logging.Handler:
    """Show the library's warnings on stderr; return the handler to remove after."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(f"eegstream {command}: %(levelname)s: %(message)s")
    )
    root = logging.getLogger("eegstream")
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    return handler


def _run_file(args: argparse.Namespace) -> int:
    """``eegstream run --file REC``: the live chain over a recording."""
    from .._errors import EEGStreamError
    from ..files.reading import load_recording
    from ..pipeline.console import format_summary
    from ..pipeline.file_pipeline import FilePipeline

    for flag, dest in _LIVE_ONLY.items():
        if getattr(args, dest, None) is not None:
            raise EEGStreamError(
                f"{flag} applies to a live LSL stream, not to --file {args.file}; "
                f"leave {flag} out, or drop --file to follow a stream"
            )
    if args.unit != "auto":
        raise EEGStreamError(
            f"--unit {args.unit} applies to a live stream; --file {args.file} is "
            "read in microvolts from the file's own units: leave --unit out"
        )
    handler = _warnings_to_stderr()
    try:
        recording = load_recording(
            args.file, sfreq=None, seed_order=False, stream_name=args.stream_name
        )
        pipe = FilePipeline(
            args.model,
            recording,
            log_path=args.log_path,
            device=args.device,
            line_freq=line_freq_value(args.line_freq),
            assume_seed_order=args.assume_seed_order,
            markers=args.markers,
            label_map=args.label_map,
            artifacts=args.artifacts,
            asr=args.asr,
        )
        print(
            f"eegstream run: model {pipe.checkpoint.name} over {args.file} "
            f"({len(recording.ch_names)} ch at {recording.sfreq:g} Hz, "
            f"{recording.duration_s:.1f} s), no outlets",
            flush=True,
        )
        summary = pipe.run(progress=not args.quiet)
        print(format_summary(summary, pipe, interrupted=False), flush=True)
        return 0
    finally:
        logging.getLogger("eegstream").removeHandler(handler)
