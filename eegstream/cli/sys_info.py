"""``eegstream sys-info``: versions and hardware, to paste into a bug report."""

from __future__ import annotations

import argparse

HELP = "print versions of eegstream and its dependencies, for bug reports"
DESCRIPTION = (
    "Print the platform, CPU cores, and the versions of Python, "
    "eegstream, numpy, scipy, MNE, pylsl and liblsl, torch (with CUDA), PySide6 "
    "and pyqtgraph. Paste the output into bug reports."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``eegstream sys-info`` takes no options."""


def run(args: argparse.Namespace) -> int:
    """Print the report; return 0."""
    from .._sys_info import sys_info

    for name, value in sys_info():
        print(f"{name + ':':<12} {value}")
    return 0
