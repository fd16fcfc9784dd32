"""CPU cost of recording a live session to XDF: ``run`` with and without ``--record``.

``eegstream replay --file`` plays the 160 Hz eyes-closed PhysioNet recording
(tests/data, real EEG, looped) over LSL; ``eegstream run --model demo-seed-iv``
runs on it for ``BENCH_RECORDING_S`` seconds (default 120), first alone, then
with ``--record`` (LabRecorder writing the EEG, its markers and the two
outlets). Reported for each: step latency p50/p99/max from the session log,
and the CPU time of the command and its children (LabRecorderCLI), start-up
included, per second of session. Bar: p99 with ``--record`` < 25 ms on the
2-core machine, and the file holds the EEG stream.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cli_latency import measure, replayed  # noqa: E402

BAR_P99_S = 0.025


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    """Replay, run without then with --record, print; non-zero when p99 misses."""
    from eegstream.files.labrecorder import read_report

    seconds = float(os.environ.get("BENCH_RECORDING_S", "120"))
    failed = False
    with replayed("bench-rec") as name, tempfile.TemporaryDirectory() as tmp:
        xdf = Path(tmp) / "session.xdf"
        for extra in ((), ("--record", str(xdf))):
            before = _children_cpu()
            lat = measure("run", name, seconds, Path(tmp), extra)["latency"] * 1e3
            cpu = (_children_cpu() - before) / seconds
            p50, p99 = np.percentile(lat, [50, 99])
            label = "with --record   " if extra else "without --record"
            print(
                f"eegstream run {label}: {lat.size} steps over {seconds:g} s, "
                f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lat.max():.1f} "
                f"ms; CPU {cpu * 100:.1f}% of one core (with children)"
            )
            if extra:
                report = read_report(xdf)
                print(report.describe())
                failed |= p99 >= BAR_P99_S * 1e3 or not report.samples(name)
    print(
        f"bar: p99 with --record < {BAR_P99_S * 1e3:.0f} ms. REAL EEG (PhysioNet "
        "S001R02, 160 Hz, eyes closed), replayed at real time"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
