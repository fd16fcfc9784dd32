"""Check a stream's (or a recording's) signal before a session."""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING

from ..features.options import line_freq_value
from ..model.options import MODEL
from ..quality import ARTIFACT_KINDS
from ._options import UNIT_OPTION, add_stream_choice, line_freq_option

if TYPE_CHECKING:
    from ..pipeline.signal_check import CheckResult

HELP = "check the signal of each channel before a session (or of a recording)"
DESCRIPTION = (
    "A pre-session signal check, as an experimenter does before starting: "
    "connect to an LSL EEG stream, run the live pipeline's own signal checks "
    "(flat, railed, jumps, line noise, muscle, disagreement with the "
    "neighbours; the model's checkpoint settings and hysteresis) over "
    "--seconds of its signal, and print a verdict per channel with its "
    "measures and what to fix, and optionally a scalp-map PNG of each "
    "channel's state. Exit status 0 when every channel the model needs is "
    "usable (present and not marked bad, or interpolated while no more are "
    "missing or bad than the model allows), 1 otherwise, 2 for bad input "
    "(no stream, an unreadable file, a bad option). With --file REC, the same "
    "checks run over a recording as fast as the CPU allows, with a per-minute "
    "table (channels marked bad, percent of segments with each artifact)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream check``."""
    MODEL.add_to(parser)
    stream = parser.add_argument_group(
        "stream (with none given: the one stream of type EEG)"
    )
    add_stream_choice(stream)
    stream.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="seconds of the stream's signal to check (default 30)",
    )
    UNIT_OPTION.add_to(stream)
    recording = parser.add_argument_group("recording (instead of a stream)")
    recording.add_argument(
        "--file",
        type=Path,
        metavar="REC",
        help="check this recording, as fast as the CPU allows: any file "
        "`eegstream features --file` reads (EDF, BDF, FIF, BrainVision .vhdr, "
        "EEGLAB .set, Neuroscan .cnt, XDF); instead of --stream/--type/"
        "--source-id, without --seconds, --timeout or --unit",
    )
    recording.add_argument(
        "--stream-name",
        metavar="NAME",
        help="with an .xdf --file: its EEG stream; default: the one of type EEG",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--png",
        type=Path,
        metavar="PATH",
        help="write a scalp map of each channel's state to this PNG",
    )
    out.add_argument(
        "--assume-seed-order",
        action="store_true",
        help="take an unlabelled 62-channel stream as the SEED channel order",
    )
    out.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where the model runs (auto: CUDA when present)",
    )
    line_freq_option(
        "notched instead of the model's (default: the model's); auto: estimated "
        "from the first second"
    ).add_to(out)
    out.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream check``."""
    from .._checks import check_number
    from .._errors import EEGStreamError
    from ..pipeline.check_map import write_check_map
    from ..pipeline.signal_check import check_recording, check_stream
    from .run import _warnings_to_stderr

    common = {
        "device": args.device,
        "line_freq": line_freq_value(args.line_freq),
        "assume_seed_order": args.assume_seed_order,
    }
    if args.file is not None:
        live = {"--stream": args.stream, "--type": args.stream_type}
        live |= {"--source-id": args.source_id, "--seconds": args.seconds}
        for flag, value in live.items():
            if value is not None:
                raise EEGStreamError(
                    f"{flag} applies to a live LSL stream, not to --file "
                    f"{args.file}; leave {flag} out, or drop --file to check a stream"
                )
        if args.unit != "auto":
            raise EEGStreamError(
                f"--unit {args.unit} applies to a live stream; --file {args.file} "
                "is read in microvolts from the file's own units: leave --unit out"
            )
    else:
        if args.stream_name is not None:
            raise EEGStreamError(
                "--stream-name picks the EEG stream of an .xdf --file; for a live "
                "stream give --stream NAME"
            )
        args.seconds = 30.0 if args.seconds is None else args.seconds
        check_number(args.seconds, "seconds", min=0, min_inclusive=False)
        check_number(
            args.timeout, "timeout", unit="seconds", min=0, min_inclusive=False
        )
    if args.png is not None and args.png.suffix.lower() != ".png":
        raise EEGStreamError(f"--png must name a .png file, got {args.png}")
    handler = _warnings_to_stderr("check")
    try:
        if args.file is not None:
            from ..files.reading import load_recording

            recording = load_recording(
                args.file, sfreq=None, seed_order=False, stream_name=args.stream_name
            )
            print(
                f"eegstream check: {args.file} ({len(recording.ch_names)} ch at "
                f"{recording.sfreq:g} Hz, {recording.duration_s:.1f} s), model "
                f"{args.model}",
                flush=True,
            )
            result = check_recording(
                args.model, recording, progress=not args.quiet, **common
            )
        else:
            result = check_stream(
                args.model,
                args.seconds,
                progress=not args.quiet,
                stream=args.stream,
                stream_type=args.stream_type,
                source_id=args.source_id,
                resolve_timeout=args.timeout,
                unit=args.unit,
                **common,
            )
            if result.seconds < args.seconds:
                logging.getLogger("eegstream").warning(
                    f"only {result.seconds:g} s of signal came in time, of the "
                    f"{args.seconds:g} s asked; judged on those"
                )
    finally:
        logging.getLogger("eegstream").removeHandler(handler)
    print(format_channels(result), flush=True)
    if args.file is not None:
        print(format_minutes(result), flush=True)
    if args.png is not None:
        print(f"scalp map: {write_check_map(result, args.png)}", flush=True)
    for line in result.problems():
        print(f"fix: {line}", flush=True)
    verdict = "PASS" if result.passed else "FAIL"
    print(
        f"{verdict}: {result.out} of the model's channels missing or bad, the model "
        f"allows {result.allowed}",
        flush=True,
    )
    return 0 if result.passed else 1


def _num(value: float, digits: int) -> str:
    return "-" if not math.isfinite(value) else f"{value:.{digits}f}"


def format_channels(result: CheckResult) -> str:
    """Return the per-channel verdict table, with units."""
    head = (
        f"{'channel':<8}{'verdict':<12}{'usable':<8}{'bad %':>6}{'std uV':>9}"
        f"{'line':>7}{'muscle uV':>11}{'neighbour r':>13}"
    )
    lines = [
        f"signal check of {result.source} over {result.seconds:.0f} s (line: log10 "
        "mains/EEG power density; neighbour r: correlation with the spline "
        "prediction)",
        head,
    ]
    for c in result.channels:
        name = c.name + ("" if c.needed else "*")
        lines.append(
            f"{name:<8}{c.verdict:<12}{'yes' if c.usable else 'no':<8}"
            f"{_num(100 * c.bad_fraction, 0):>6}{_num(c.std_uv, 1):>9}"
            f"{_num(c.line_ratio, 2):>7}{_num(c.muscle_uv, 1):>11}"
            f"{_num(c.neighbour_r, 2):>13}"
        )
    if any(not c.needed for c in result.channels):
        lines.append("* not a model channel: interpolation support only")
    if result.ignored:
        lines.append(
            f"not checked (the model does not use them): {len(result.ignored)}"
        )
    return "\n".join(lines)


def format_minutes(result: CheckResult) -> str:
    """Return the per-minute table: channels marked bad, % of segments per artifact."""
    kinds = "".join(f"{k + ' %':>11}" for k in ARTIFACT_KINDS)
    lines = [f"{'minute':<8}{'segments':>9}{kinds}  bad channels"]
    for row in result.minutes:
        shares = "".join(f"{row.artifacts[k]:>11.0f}" for k in ARTIFACT_KINDS)
        bad = " ".join(row.bad) or "-"
        lines.append(f"{row.minute:<8}{row.segments:>9}{shares}  {bad}")
    return "\n".join(lines)
