"""One wearer's model call, eager and traced, alone and beside busy threads.

Not part of ``make bench`` (no goal of its own; the group session's
latency goals are ``bench_many``'s): the figure behind
:mod:`eegstream.model.traced`. ``demo-seed-iv`` on the CPU with one
intra-op thread and the live switch interval
(:data:`eegstream._realtime.SWITCH_INTERVAL_S`), one sequence per call,
``--calls`` calls 2 ms apart; then again while ``--threads`` other threads
run small numpy work (an FFT of 62 x 800 samples and a log, 20 times, then
a 0.5 ms sleep, in a loop), as a group session's wearer workers do.

Usage::

    python benchmarks/model_gil.py [--calls N] [--threads K]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import numpy as np


def _busy(stop: threading.Event) -> None:
    a = np.random.default_rng(1).standard_normal((62, 800))
    while not stop.is_set():
        for _ in range(20):
            np.log(np.abs(np.fft.rfft(a, axis=1)) + 1).mean(axis=1)
        time.sleep(0.0005)


def _times(predictor, x: np.ndarray, calls: int) -> str:
    ms = []
    for _ in range(calls):
        start = time.perf_counter()
        predictor.predict_proba(x)
        ms.append((time.perf_counter() - start) * 1e3)
        time.sleep(0.002)
    p50, p99 = np.percentile(ms, [50, 99])
    return f"p50 {p50:5.2f} ms, p99 {p99:5.2f} ms, max {max(ms):5.2f} ms"


def main() -> None:
    """Print the four figures: eager and traced, alone and beside busy threads."""
    import torch
    from threadpoolctl import threadpool_limits

    from eegstream._realtime import SWITCH_INTERVAL_S
    from eegstream.model import Predictor, resolve_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per figure")
    parser.add_argument("--threads", type=int, default=2, help="busy threads")
    args = parser.parse_args()
    torch.set_num_threads(1)
    threadpool_limits(1, "blas")
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    eager = Predictor(resolve_model("demo-seed-iv"), device="cpu")
    eager.predict_proba(np.zeros((eager.seq_len, eager.n_features), np.float32))
    traced = Predictor(eager.checkpoint, device="cpu")
    traced.warm_up()
    assert traced.traced and not eager.traced
    x = np.random.default_rng(0).standard_normal((eager.seq_len, eager.n_features))
    for label, busy in (("alone", 0), (f"beside {args.threads} busy threads", 1)):
        stop = threading.Event()
        workers = [
            threading.Thread(target=_busy, args=(stop,))
            for _ in range(args.threads * busy)
        ]
        for worker in workers:
            worker.start()
        try:
            for name, predictor in (("eager ", eager), ("traced", traced)):
                print(f"{name} {label}: {_times(predictor, x, args.calls)}")
        finally:
            stop.set()
            for worker in workers:
                worker.join()


if __name__ == "__main__":
    main()
