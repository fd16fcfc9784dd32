"""``eegstream export``: write a recording (an XDF session) into a BIDS dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._options import Option, add_options
from ..features.options import LINE_FREQ_HELP

_OPTIONS = [
    Option(
        "--bids",
        "the BIDS dataset folder to write into (created if needed)",
        type=Path,
        required=True,
        metavar="ROOT",
        dest="root",
    ),
    Option(
        "--subject",
        "BIDS subject label, e.g. 01; default: sub-<label> from the file name",
        metavar="S",
    ),
    Option(
        "--session",
        "BIDS session label, e.g. 1; default: ses-<label> from the file name, "
        "else none",
        metavar="N",
    ),
    Option("--task", "BIDS task label", default="emotion"),
    Option(
        "--stream-name",
        "with an .xdf: the EEG stream; default: the one of type EEG",
        metavar="NAME",
    ),
    Option(
        "--line-freq",
        f"{LINE_FREQ_HELP}, written to the BIDS sidecars",
        type=float,
        default=50.0,
        choices=(50.0, 60.0),
        metavar="{50,60}",
    ),
    Option(
        "--overwrite",
        "replace this subject/session/task's files",
        action="store_true",
        default=False,
    ),
]


HELP = "write a recording (XDF session) into a BIDS dataset"
DESCRIPTION = (
    "Write a recording's EEG and events into a BIDS dataset with "
    "mne-bids: the EEG stream as BrainVision (.vhdr/.vmrk/.eeg), every marker "
    "as a row of events.tsv (trial_type = the marker string, stream = the XDF "
    "marker stream's name), with the BIDS sidecars. Reads an .xdf (LabRecorder) "
    "or any EEG file MNE reads."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream export``."""
    parser.add_argument(
        "recording", type=Path, metavar="RECORDING", help="the .xdf (or EEG file)"
    )
    add_options(parser, _OPTIONS)


def run(args: argparse.Namespace) -> int:
    """Export; print what was written; return the exit status."""
    from ..bids import export_bids
    from ._options import option_kwargs

    written = export_bids(args.recording, **option_kwargs(args, _OPTIONS))
    print(f"{args.recording.name} -> {written} (events beside it)")
    return 0
