"""Training and inference speed of ResAttentioNet (``make bench``).

Figures:
- seconds per training epoch on 2 CPU threads for a SEED-IV-sized set
  (15 subjects x 72 trials of 60 x 310; 70% of subjects train, 15% validate),
  random SYNTHETIC sequences: the cost depends only on the shapes;
- the same with crops (the live recipe: 2-minute trials at a 1 s hop, a crop
  every 4 s, 4 crops per trial drawn each epoch: 4x the sequences, plus
  building each crop from its trial's steps);
- latency of one sequence through ``Predictor`` (p50/p99; CPU, and CUDA
  when present);
- latency of one hop through ``StreamingClassifier`` (features + model).

Bars: an epoch within 5 s on 2 cores (crops: 4 x 5 s; the paper's 100
epochs within about ten minutes per split), and one-sequence CPU latency
p99 within 50 ms (a 1 s hop leaves room for acquisition and the display).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from eegstream.model import Predictor, StreamingClassifier
from eegstream.model._testing import untrained_checkpoint
from eegstream.training import CropSet, TrainConfig, train_network

EPOCH_BAR_S = 5.0
CROPS_PER_TRIAL = 4
LATENCY_BAR_S = 0.050


def _percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 99))


def bench_epoch() -> float:
    """Seconds per epoch (mean of 3) for the SEED-IV-sized training set."""
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    n_train, n_val = 11 * 72, 2 * 72
    x = rng.normal(size=(n_train + n_val, 60, 310)).astype(np.float32)
    y = rng.integers(0, 4, n_train + n_val)
    epochs = 3
    cfg = TrainConfig(epochs=epochs, early_stopping=epochs + 1, device="cpu")
    start = time.perf_counter()
    train_network(
        x[:n_train], y[:n_train], x[n_train:], y[n_train:], 4, cfg, progress=False
    )
    return (time.perf_counter() - start) / epochs


def bench_crop_epoch() -> float:
    """Seconds per epoch (mean of 2) training on crops of 2-minute trials."""
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    n_train, n_val = 11 * 72, 2 * 72
    steps = [
        rng.normal(size=(117, 310)).astype(np.float32) for _ in range(n_train + n_val)
    ]
    labels = rng.integers(0, 4, n_train + n_val)
    subjects = np.repeat(np.arange(13), 72)
    crops = CropSet(steps, labels, subjects, [""] * len(steps), 60, "end", 4)
    train, val = crops.select(range(11)), crops.select([11, 12])
    epochs = 2
    cfg = TrainConfig(
        epochs=epochs,
        early_stopping=0,
        crops_per_trial=CROPS_PER_TRIAL,
        device="cpu",
    )
    start = time.perf_counter()
    train_network(train, train.y, val, val.y, 4, cfg, progress=False)
    return (time.perf_counter() - start) / epochs


def bench_latency(path: Path, device: str, n: int = 300) -> tuple[float, float]:
    """p50/p99 seconds of one-sequence inference on ``device``."""
    predictor = Predictor(path, device=device)
    seq = np.random.default_rng(1).normal(size=(60, 310)).astype(np.float32)
    for _ in range(20):  # warm-up (allocations, CUDA kernels)
        predictor.predict_proba(seq)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        predictor.predict_proba(seq)
        times.append(time.perf_counter() - start)
    return _percentiles(times)


def bench_hop(path: Path, n_hops: int = 120) -> tuple[float, float]:
    """p50/p99 seconds of pushing the 10-sample chunk that completes a hop."""
    clf = StreamingClassifier(path, device="cpu")
    eeg = np.random.default_rng(2).normal(0, 10, (62, 200 * (n_hops + 4)))
    times = []
    for i in range(0, eeg.shape[1], 10):
        start = time.perf_counter()
        out = clf.push(eeg[:, i : i + 10])
        if out:
            times.append(time.perf_counter() - start)
    return _percentiles(times)


def main() -> int:
    """Print the figures; non-zero when a bar is missed."""
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as tmp:
        # The paper's size (base width 16); untrained weights take the same time.
        full = untrained_checkpoint(Path(tmp) / "full.safetensors", base_width=16)
        epoch = bench_epoch()
        print(
            f"training epoch, 792 train + 144 val sequences (SEED-IV size, synthetic), "
            f"2 CPU threads: {epoch:.2f} s  (bar {EPOCH_BAR_S:.0f} s)"
        )
        crop_epoch = bench_crop_epoch()
        print(
            f"training epoch on crops, {792 * CROPS_PER_TRIAL} train + "
            f"{144 * CROPS_PER_TRIAL} val crops of 2-minute trials (SEED-IV size, "
            f"synthetic), 2 CPU threads: {crop_epoch:.2f} s  "
            f"(bar {CROPS_PER_TRIAL * EPOCH_BAR_S:.0f} s)"
        )
        p50, p99 = bench_latency(full, "cpu")
        print(
            f"one-sequence inference, CPU: p50 {p50 * 1e3:.2f} ms, "
            f"p99 {p99 * 1e3:.2f} ms  (bar p99 {LATENCY_BAR_S * 1e3:.0f} ms)"
        )
        if torch.cuda.is_available():
            c50, c99 = bench_latency(full, "cuda")
            print(
                f"one-sequence inference, CUDA: p50 {c50 * 1e3:.2f} ms, "
                f"p99 {c99 * 1e3:.2f} ms"
            )
        else:
            print("one-sequence inference, CUDA: no GPU here")
        h50, h99 = bench_hop(full)
        print(
            f"one hop through StreamingClassifier (DE + Kalman + normaliser + model), "
            f"CPU: p50 {h50 * 1e3:.2f} ms, p99 {h99 * 1e3:.2f} ms"
        )
    slow = crop_epoch > CROPS_PER_TRIAL * EPOCH_BAR_S
    return int(epoch > EPOCH_BAR_S or slow or p99 > LATENCY_BAR_S)


if __name__ == "__main__":
    sys.exit(main())
