"""Run every ``benchmarks/bench_*.py`` in turn and print their figures (``make bench``).

Each benchmark is a script with a ``main() -> int`` that prints its own
figures and returns non-zero when it misses its bar.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path


def main() -> int:
    """Run all benchmarks (or those named on the command line); return failures."""
    from eegstream._lslconfig import quiet_liblsl

    quiet_liblsl()  # as the CLI does: liblsl's INFO lines would bury the figures
    here = Path(__file__).parent
    wanted = set(sys.argv[1:])
    failures = []
    for path in sorted(here.glob("bench_*.py")):
        if wanted and path.stem not in wanted:
            continue
        print(f"\n=== {path.stem}", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        start = time.perf_counter()
        status = module.main()
        print(
            f"--- {path.stem}: {'ok' if status == 0 else 'MISSED ITS BAR'} "
            f"({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        if status:
            failures.append(path.stem)
    if failures:
        print(f"\nbenchmarks that missed their bar: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
