"""Leave-one-subject-out on 1 and 2 Ray workers, and Ray's own costs (``make bench``).

Figures, on SYNTHETIC SEED-IV (15 subjects, one session, 24 trials of 60 s;
features cached before timing):
- wall time of ``run_training`` (LOSO, 15 splits, ResAttentioNet for a fixed
  number of epochs, one torch thread per split) with ``workers=1`` (no Ray)
  and ``workers=2`` (embedded Ray, start-up and shut-down included), and
  their ratio; the two runs' metrics must be equal;
- embedded Ray start-up and shut-down;
- per-task overhead: wall time per no-op task of 200 submitted at once, and
  the round trip of one task at a time (median).

Bar: the 2-worker run within 0.6 of the 1-worker run on this 2-core machine.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from eegstream.datasets import synth
from eegstream.training import RunOptions, TrainConfig, run_training
from eegstream.training.distributed import ray_session
from eegstream.training.run import prepare_run

RATIO_BAR = 0.6
EPOCHS = 30


def _noop(x):
    return x


def bench_ray_overhead() -> tuple[float, float, float, float]:
    """(start-up s, shut-down s, s per task in a batch, one-task round trip s)."""
    start = time.perf_counter()
    session = ray_session(workers=2)
    ray = session.__enter__()
    started = time.perf_counter() - start
    try:
        task = ray.remote(num_cpus=1)(_noop)
        ray.get([task.remote(i) for i in range(20)])  # workers up and warm
        start = time.perf_counter()
        ray.get([task.remote(i) for i in range(200)])
        per_task = (time.perf_counter() - start) / 200
        trips = []
        for i in range(50):
            start = time.perf_counter()
            ray.get(task.remote(i))
            trips.append(time.perf_counter() - start)
    finally:
        start = time.perf_counter()
        session.__exit__(None, None, None)
        stopped = time.perf_counter() - start
    return started, stopped, per_task, float(np.median(trips))


def bench_loso(tmp: Path) -> tuple[float, float, float, bool]:
    """(1-worker s, 2-worker s, seconds per split on 1 worker, equal metrics)."""
    root = synth.generate(
        "seed-iv", tmp / "SEED_IV", subjects=15, sessions=1, trial_seconds=60,
        seed=0, progress=False,
    )  # fmt: skip
    opts = RunOptions(
        "seed-iv", root, protocol="loso", cache_dir=tmp / "cache", save_model=False,
        progress=False,
        train=TrainConfig(epochs=EPOCHS, early_stopping=EPOCHS, device="cpu"),
    )  # fmt: skip
    n_splits = len(prepare_run(opts).splits)  # also fills the feature cache
    walls, metrics = [], []
    for workers in (1, 2):
        start = time.perf_counter()
        result = run_training(
            dataclasses.replace(opts, workers=workers, out=tmp / f"run{workers}")
        )
        walls.append(time.perf_counter() - start)
        doc = result.metrics.to_dict()
        metrics.append({k: v for k, v in doc.items() if k not in _VARYING})
    return walls[0], walls[1], walls[0] / n_splits, metrics[0] == metrics[1]


_VARYING = ("started", "finished", "execution")


def main() -> int:
    """Print the figures; return 1 when the 2-worker ratio misses its bar."""
    started, stopped, per_task, trip = bench_ray_overhead()
    print(f"embedded Ray (2 CPUs, 127.0.0.1): start-up {started:.1f} s, "
          f"shut-down {stopped:.1f} s")  # fmt: skip
    print(f"per-task overhead: {1e3 * per_task:.1f} ms per no-op task of 200 at "
          f"once, one-task round trip {1e3 * trip:.1f} ms (median)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        one, two, per_split, equal = bench_loso(Path(tmp))
    ratio = two / one
    print(f"LOSO, SYNTHETIC SEED-IV, 15 subjects, {EPOCHS} epochs, 1 thread per "
          f"split: 1 worker {one:.0f} s ({per_split:.1f} s per split), 2 workers "
          f"{two:.0f} s: ratio {ratio:.2f} (bar {RATIO_BAR}); metrics equal: "
          f"{equal}")  # fmt: skip
    return 0 if ratio <= RATIO_BAR and equal else 1


if __name__ == "__main__":
    sys.exit(main())
