"""``eegstream sys-info``: versions and hardware, to paste into a bug report."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``sys-info`` subcommand."""
    return subparsers.add_parser(
        "sys-info",
        help="print versions of eegstream and its dependencies, for bug reports",
        description="Print the platform, CPU cores, and the versions of Python, "
        "eegstream, numpy, scipy, MNE, pylsl and liblsl, torch (with CUDA), PySide6 "
        "and pyqtgraph. Paste the output into bug reports.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )


def run(args: argparse.Namespace) -> int:
    """Print the report; return 0."""
    from .._sys_info import sys_info

    for name, value in sys_info():
        print(f"{name + ':':<12} {value}")
    return 0
