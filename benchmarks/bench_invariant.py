"""What batch-invariant inference costs: the model call with and without it.

:class:`~eegstream.group.BatchClassifier` on ``demo-seed-iv``, CPU, one
intra-op thread (as the live path), stacked calls of 1 and 16 SYNTHETIC
standard-normal sequences, with the batch-invariant eval forward
(:mod:`eegstream.model.invariant`) and with torch's own kernels (the same
weights; its layers' training-mode forward, batch norm and dropout still in
eval mode: the forward before the invariant layers). The two are called in
turn, ``BENCH_INVARIANT_REPEATS`` (default 1000) times each, so that a
shared machine's load falls on both alike; medians of wall time and of the
thread's CPU time. Bar: model time per wearer at 16 wearers at most a third
of one wearer alone (issue 25), with the invariant forward.
"""

from __future__ import annotations

import os
import time

import numpy as np


def main() -> int:
    """Print the figures; non-zero when the bar is missed."""
    import torch

    from eegstream.group import BatchClassifier
    from eegstream.model import load_checkpoint, resolve_model
    from eegstream.model.invariant import Conv1d, Linear
    from eegstream.model.resattentionet import TemporalAttentionPool

    torch.set_num_threads(1)
    repeats = int(os.environ.get("BENCH_INVARIANT_REPEATS", "1000"))
    ckpt = load_checkpoint(resolve_model("demo-seed-iv"))
    variants = {}
    for name in ("torch's kernels", "batch-invariant"):
        batch = BatchClassifier("cpu")
        key = batch.add(ckpt)
        if name == "torch's kernels":
            for m in batch.predictor(key).model.modules():
                if isinstance(m, Linear | Conv1d | TemporalAttentionPool):
                    m.train()  # their own forward only
        variants[name] = (batch, key)
    rng = np.random.default_rng(0)
    times: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for n in (1, 16):
        seqs = list(rng.standard_normal((n, 60, 310)).astype(np.float32))
        for batch, key in variants.values():
            for _ in range(20):  # warm this size
                batch.classify([key] * n, seqs)
        for _ in range(repeats):
            for name, (batch, key) in variants.items():
                wall, cpu = time.perf_counter(), time.thread_time()
                batch.classify([key] * n, seqs)
                times.setdefault((name, n), []).append(
                    (time.perf_counter() - wall, time.thread_time() - cpu)
                )
    ratio = 0.0
    for name in variants:
        one, sixteen = (np.median(times[(name, n)], axis=0) * 1e3 for n in (1, 16))
        ratio = sixteen[0] / 16 / one[0]
        print(
            f"{name:16s}: 1 wearer {one[0]:.3f} ms (CPU {one[1]:.3f}), "
            f"16 wearers {sixteen[0]:.3f} ms = {sixteen[0] / 16:.3f} ms per wearer "
            f"(CPU {sixteen[1] / 16:.3f}); per wearer at 16 / alone {ratio:.2f}"
        )
    print(f"batch-invariant: per wearer at 16 / alone {ratio:.2f} (bar <= 0.33)")
    return int(ratio > 1 / 3)


if __name__ == "__main__":
    raise SystemExit(main())
