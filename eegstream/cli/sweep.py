"""Run a grid of trainings from a TOML file; write the paper-style results table."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .._options import add_options

HELP = (
    "a grid of training runs (datasets x protocols x recipes x archs x "
    "seeds) and one results table"
)
DESCRIPTION = (
    "Run every cell of a sweep file (one `eegstream train` run per "
    "combination of dataset, protocol, recipe, architecture and seed), all "
    "splits scheduled together, and write results.md, results.csv and "
    "results.png: mean ± SD test accuracy and macro-F1 per cell, the "
    "baseline beside the network, chance level and protocol. The file's "
    "format is in the docstring of eegstream.training.sweep."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream sweep``."""
    parser.add_argument("spec", type=Path, help="sweep file (TOML)")
    from ..training.options import PARALLEL_OPTIONS

    add_options(parser, PARALLEL_OPTIONS)
    parser.add_argument(
        "--resume", action="store_true", help="skip cells whose report is complete"
    )


class _CellParser(argparse.ArgumentParser):
    """``eegstream train``'s parser for one sweep cell: errors are one line."""

    def __init__(self, where: str) -> None:
        super().__init__(prog="eegstream train")
        self.where = where

    def error(self, message: str):
        """Name the cell, never argparse's usage and exit."""
        from .._errors import EEGStreamError

        raise EEGStreamError(f"{self.where}: {message}")


def cell_options(cell, spec: Path):
    """Parse a cell's options as ``eegstream train`` would; return RunOptions."""
    from .._errors import EEGStreamError
    from ..training.options import TRAIN_OPTIONS
    from ._options import run_options

    parser = _CellParser(f"{spec.name} cell {cell.key}")
    add_options(parser, TRAIN_OPTIONS)
    known = {s for a in parser._actions for s in a.option_strings}
    argv = []
    for key, value in cell.options.items():
        flag = "--" + key.replace("_", "-")
        if flag not in known:
            raise EEGStreamError(
                f"{spec.name} cell {cell.key}: unknown train option {key} = "
                f"{value!r}; see `eegstream train --help`"
            )
        if value is True:
            argv.append(flag)
        elif value is not False:
            text = ",".join(map(str, value)) if isinstance(value, list) else value
            argv += [flag, str(text)]
    return run_options(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream sweep``."""
    from ..training.sweep import load_sweep, run_sweep

    sweep = load_sweep(args.spec)
    table = run_sweep(
        sweep,
        lambda cell: cell_options(cell, args.spec),
        workers=args.workers,
        ray_address=args.ray_address or os.environ.get("RAY_ADDRESS") or None,
        resume=args.resume,
    )
    print(table.read_text(encoding="utf-8"), end="")
    print(
        f"table: {table} (and {table.with_suffix('.csv').name}, "
        f"{table.with_suffix('.png').name}); cell reports in {sweep.out / 'runs'}"
    )
    return 0
