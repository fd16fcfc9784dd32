"""Options shared by the commands that drive a live pipeline (``run`` and ``live``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_pipeline_options(parser: argparse.ArgumentParser, stream_hint: str) -> None:
    """Add stream selection (--stream, --type, --source-id, ...) and pipeline options.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    stream_hint : str
        What happens when no stream option is given, for the group's title.
    """
    stream = parser.add_argument_group(f"stream ({stream_hint})")
    stream.add_argument("--stream", metavar="NAME", help="LSL stream name")
    stream.add_argument(
        "--type", dest="stream_type", metavar="TYPE", help="LSL stream type, e.g. EEG"
    )
    stream.add_argument(
        "--source-id", metavar="ID", help="LSL source_id (unique per device)"
    )
    stream.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds to wait for the stream to appear",
    )
    stream.add_argument(
        "--assume-seed-order",
        action="store_true",
        help="take an unlabelled 62-channel stream as the SEED channel order",
    )
    stream.add_argument(
        "--unit",
        default="auto",
        choices=("auto", "uV", "V"),
        help="the stream's unit; auto: its channel description, else its "
        "amplitude (volts detected with a warning)",
    )
    pipe = parser.add_argument_group("pipeline")
    pipe.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where the model runs (auto: CUDA when present)",
    )
    pipe.add_argument(
        "--line-freq",
        default=None,
        choices=("50", "60", "auto"),
        help="mains frequency in Hz to notch, for a headset in another country "
        "(default: the model's); auto: estimated from the first second of the "
        "stream, what was found is logged",
    )
    pipe.add_argument(
        "--log",
        type=Path,
        default=None,
        metavar="PATH",
        help="write a JSON Lines session log to this new file",
    )
    pipe.add_argument(
        "--no-outlets",
        action="store_true",
        help="do not publish the probability and band-power LSL streams",
    )


def pipeline_from_args(checkpoint: Any, args: argparse.Namespace) -> Any:
    """Build the :class:`~eegstream.pipeline.LivePipeline` the options ask for.

    It is not started yet.
    """
    from .._errors import EEGStreamError
    from ..pipeline import LivePipeline

    if not args.timeout > 0:
        raise EEGStreamError(f"--timeout must be > 0 seconds, got {args.timeout}")
    return LivePipeline(
        checkpoint,
        stream=args.stream,
        stream_type=args.stream_type,
        source_id=args.source_id,
        assume_seed_order=args.assume_seed_order,
        unit=args.unit,
        log_path=args.log,
        device=args.device,
        outlets=not args.no_outlets,
        resolve_timeout=args.timeout,
        line_freq=(
            float(args.line_freq) if args.line_freq in ("50", "60") else args.line_freq
        ),
    )
