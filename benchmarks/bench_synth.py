"""Synthetic data generation and dataset reading speed (SYNTHETIC data, not SEED).

Bars: a small SEED-IV-style set (3 subjects x 1 session x 24 trials x 20 s)
generates in under 5 s; opening it and reading every trial's EEG takes under
2 s; a second ``dataset_features`` run (all cached) under 0.5 s.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def main() -> int:
    """Print the figures; return 1 when a bar is missed."""
    from eegstream.datasets import open_dataset
    from eegstream.datasets.cache import dataset_features
    from eegstream.datasets.synth import generate
    from eegstream.features import FeatureConfig

    missed = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "seed-iv"
        start = time.perf_counter()
        generate(
            "seed-iv", root, subjects=3, sessions=1, trial_seconds=20, progress=False
        )
        gen = time.perf_counter() - start
        start = time.perf_counter()
        ds = open_dataset("seed-iv", root)
        samples = sum(t.eeg().shape[1] for t in ds.trials)
        read = time.perf_counter() - start
        cfg = FeatureConfig()
        start = time.perf_counter()
        dataset_features(ds, cfg, Path(tmp) / "cache", progress=False)
        first = time.perf_counter() - start
        start = time.perf_counter()
        dataset_features(ds, cfg, Path(tmp) / "cache", progress=False)
        second = time.perf_counter() - start
    print(f"generate SEED-IV 3x1x24 trials of 20 s (synthetic): {gen:.2f} s (bar 5 s)")
    print(f"open + read EEG of {len(ds.trials)} trials ({samples} samples): "
          f"{read:.2f} s (bar 2 s)")  # fmt: skip
    print(f"dataset_features first run {first:.2f} s, cached run {second:.3f} s "
          "(bar 0.5 s)")  # fmt: skip
    for value, bar in ((gen, 5.0), (read, 2.0), (second, 0.5)):
        missed += value > bar
    return int(missed > 0)


if __name__ == "__main__":
    raise SystemExit(main())
