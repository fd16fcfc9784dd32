"""Run the eegstream command line with a ``gc.callbacks`` probe.

Usage: ``python _gc_probe.py OUT.json eegstream-arguments...``. The command
runs exactly as the ``eegstream`` script runs it (``eegstream.cli.main``);
at exit OUT.json holds, for every collection, its generation, the Unix time
it began and its duration in seconds.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path


def main() -> int:
    """Install the probe, run the command, write what it saw."""
    out, argv = Path(sys.argv[1]), sys.argv[2:]
    seen: list[tuple[int, float, float]] = []
    started = [0.0, 0.0]

    def probe(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = time.time(), time.perf_counter()
        else:
            took = time.perf_counter() - started[1]
            seen.append((info["generation"], started[0], took))

    gc.callbacks.append(probe)
    from eegstream.cli import main as cli

    try:
        return cli(argv)
    finally:
        gc.callbacks.remove(probe)
        out.write_text(json.dumps(seen))


if __name__ == "__main__":
    sys.exit(main())
