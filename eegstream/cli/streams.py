"""List the LSL streams visible from this machine."""

from __future__ import annotations

import argparse
import json

HELP = "list visible LSL streams (name, type, channels, rate, source_id, host)"
DESCRIPTION = (
    "List the LSL streams visible from this machine, to choose one for "
    "`eegstream run --stream NAME | --type TYPE | --source-id ID`."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream streams``."""
    parser.add_argument(
        "--timeout", type=float, default=2.0, help="seconds to listen for streams"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per stream instead of a table",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream streams``."""
    from dataclasses import asdict

    from .._checks import check_number
    from ..acquisition import list_streams

    check_number(args.timeout, "timeout", unit="seconds", min=0, min_inclusive=False)
    streams = list_streams(args.timeout)
    if args.json:
        for s in streams:
            print(json.dumps(asdict(s)))
        return 0
    if not streams:
        print(f"no LSL streams visible within {args.timeout:g} s")
        return 0
    header = ("name", "type", "channels", "rate", "format", "source_id", "host")
    rows = [
        (
            s.name,
            s.type,
            str(s.channel_count),
            "irregular" if s.nominal_srate == 0 else f"{s.nominal_srate:g} Hz",
            s.channel_format,
            s.source_id,
            s.hostname,
        )
        for s in streams
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.ljust(w) for cell, w in zip(row, widths, strict=True)
            ).rstrip()
        )
    return 0
