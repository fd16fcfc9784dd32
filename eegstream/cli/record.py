"""Record an EEG stream and its companions into one XDF file with LabRecorder."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from ..protocol import RESOLVE_TIMEOUT_S
from ._shared import stop_uninterrupted

_ENDINGS = {
    "seconds": "--seconds elapsed",
    "stopped": "stopped (SIGTERM)",
    "interrupted": "interrupted (Ctrl-C)",
    "source lost": "the EEG stream is gone",
    "recorder ended": "LabRecorder ended on its own",
}


HELP = "record an EEG stream, its markers and derived streams to XDF"
DESCRIPTION = (
    "Record with LabRecorder into one new XDF file: the EEG stream, "
    "its replay marker stream (<name>-markers) and every --markers stream, and "
    "the live pipeline's <name>-probabilities and <name>-bandpower outlets when "
    "visible at the start, each identified by source_id, with LabRecorder's "
    "clock offsets. "
    "Ends after --seconds, on Ctrl-C or SIGTERM, or once the EEG stream is "
    "gone; the file is then closed and the samples of each stream are printed "
    "(exit status 0; 130 on Ctrl-C, 143 on SIGTERM, 2 on an error)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream record``."""
    parser.add_argument(
        "--stream",
        metavar="NAME",
        help="EEG stream name; None (and no --source-id): the one stream of type EEG",
    )
    parser.add_argument("--source-id", metavar="ID", help="EEG stream source_id")
    parser.add_argument(
        "--markers",
        metavar="NAME",
        action="append",
        default=[],
        help="another marker stream to record, e.g. a stimulus program's (repeat "
        "for several)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="PATH.xdf", help="new XDF file"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="stop after this many seconds; None: until Ctrl-C or the stream ends",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=RESOLVE_TIMEOUT_S,
        metavar="SECONDS",
        help="seconds to wait for the EEG stream to appear",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream record``."""
    from .._checks import check_number
    from ..files.labrecorder import (
        Recorder,
        check_record_path,
        session_streams,
        wait_recording,
    )

    if args.seconds is not None:
        check_number(
            args.seconds, "seconds", unit="seconds", min=0, min_inclusive=False
        )
    check_number(args.timeout, "timeout", unit="seconds", min=0, min_inclusive=False)
    check_record_path(args.out)  # before waiting for streams
    streams = session_streams(
        args.stream,
        source_id=args.source_id,
        markers=args.markers,
        timeout=args.timeout,
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        recorder = Recorder(args.out, streams).start()
        print(
            f"eegstream record: recording {len(streams)} stream(s) to {args.out} "
            "(Ctrl-C to stop)\n" + "\n".join(f"  {s.describe()}" for s in streams),
            flush=True,
        )
        try:
            reason = wait_recording(recorder, seconds=args.seconds, stop=stop)
        except KeyboardInterrupt:
            reason = "interrupted"
        finally:
            # A second Ctrl-C must not cut the closing of the file short.
            report = stop_uninterrupted(recorder.stop)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"eegstream record: {_ENDINGS[reason]}\n{report.describe()}", flush=True)
    return {"interrupted": 130, "stopped": 143}.get(reason, 0)
