"""CPU time of one wearer's chain step, with the signal checks off and on.

Not part of ``make bench`` (no goal of its own; the step-latency goals are
``bench_many``'s and ``bench_cli_latency``'s): a quick, repeatable figure
for work on the step's cost (issue 25). Real EEG: ``tests/data/S001R03.edf``
(PhysioNet, 64 channels at 160 Hz, real human EEG, not SEED data), its 58
SEED channels padded to 62 with reversed copies and resampled to 200 Hz (as
``bench_quality.py``'s cost figure), pushed in 10-sample chunks through
:meth:`~eegstream.pipeline.LiveChain.push_ready` (everything up to the
model's input: the group session's per-wearer work) with ``demo-seed-iv``,
in live mode (:mod:`eegstream._realtime`, as a running pipeline).
CPU time per step is the thread's CPU time over the chunks that made the
step (``time.thread_time``), the first two steps left out.

Usage::

    python benchmarks/step_cost.py [--wearers N] [--profile]

``--wearers N`` runs N chains at once, one thread each, as a group session's
workers do; ``--profile`` prints cProfile's top entries of one chain.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import threading
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "S001R03.edf"


def _eeg() -> np.ndarray:
    """62 channels at 200 Hz in µV, shape (62, n_samples)."""
    from scipy.signal import resample_poly

    from eegstream.files.reading import load_recording
    from eegstream.montage import SEED_CHANNELS, map_channels

    rec = load_recording(DATA, sfreq=None, seed_order=False)
    index, _ = map_channels(rec.ch_names)
    rows = [int(index[SEED_CHANNELS.index(n)]) for n in SEED_CHANNELS[:58]]
    x = np.concatenate([rec.data[rows], rec.data[rows][:4, ::-1]])
    return resample_poly(x, 5, 4, axis=1)


def _chain_cpu(checkpoint, x: np.ndarray, checks: bool, profile=None) -> np.ndarray:
    """CPU milliseconds of each step of one chain over ``x``."""
    from eegstream.montage import SEED_CHANNELS
    from eegstream.pipeline import LiveChain

    chain = LiveChain.from_labels(
        checkpoint, list(SEED_CHANNELS), 200.0, checks=checks, device="cpu", unit="uV"
    )
    times = np.arange(x.shape[1]) / 200.0
    cpu, spent = [], 0.0
    for i in range(0, x.shape[1], 10):
        start = time.thread_time()
        if profile is not None:
            profile.enable()
        ready = chain.push_ready(x[:, i : i + 10], times[i : i + 10])
        if profile is not None:
            profile.disable()
        spent += time.thread_time() - start
        if ready:
            cpu.append(spent / len(ready))
            spent = 0.0
    return np.array(cpu[2:]) * 1e3


def main() -> None:
    """Print CPU per step, checks off and on, for one or N chains at once."""
    from eegstream import _realtime
    from eegstream.model import load_checkpoint, resolve_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wearers", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    x = _eeg()
    checkpoint = load_checkpoint(resolve_model("demo-seed-iv"))
    owner = object()
    _realtime.live_started(owner)
    try:
        for checks in (False, True):
            results: list[np.ndarray] = [np.empty(0)] * args.wearers

            def one(k: int, checks: bool = checks, out: list = results) -> None:
                out[k] = _chain_cpu(checkpoint, x, checks)

            threads = [
                threading.Thread(target=one, args=(k,)) for k in range(args.wearers)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            c = np.concatenate(results)
            print(
                f"checks {'on ' if checks else 'off'}, {args.wearers} chain(s) at "
                f"once: {c.size} steps, CPU per step mean {c.mean():.2f} ms, "
                f"median {np.median(c):.2f} ms, p99 {np.percentile(c, 99):.2f} ms, "
                f"max {c.max():.2f} ms"
            )
        if args.profile:
            profile = cProfile.Profile()
            _chain_cpu(checkpoint, x, True, profile)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(20)
    finally:
        _realtime.live_stopped(owner)


if __name__ == "__main__":
    main()
