"""A DEAP-sized release into the feature cache (SYNTHETIC data, not DEAP).

Bar: opening a whole DEAP-sized release (32 subjects x 40 trials x 63 s at
128 Hz, the official ``sNN.dat`` layout, 1.7 GB of float32 pickles) and
computing every trial's features into an empty cache takes under 60 s.
Writing the synthetic release first is timed too, with no bar.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def main() -> int:
    """Print the figures; return 1 when the bar is missed."""
    from eegstream.datasets import open_dataset
    from eegstream.datasets.cache import dataset_features
    from eegstream.datasets.synth import generate
    from eegstream.features import FeatureConfig

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "deap"
        start = time.perf_counter()
        generate("deap", root, progress=False)
        gen = time.perf_counter() - start
        start = time.perf_counter()
        ds = open_dataset("deap", root)
        opened = time.perf_counter() - start
        features = dataset_features(
            ds, FeatureConfig(), Path(tmp) / "c", progress=False
        )
        total = time.perf_counter() - start
        windows = sum(len(f) for f in features.values())
    print(f"write synthetic DEAP 32 x 40 trials of 63 s: {gen:.1f} s (no bar)")
    print(
        f"open it ({opened:.1f} s) and cache the features of {len(ds.trials)} "
        f"trials ({windows} windows): {total:.1f} s (bar 60 s)"
    )
    return int(total > 60.0)


if __name__ == "__main__":
    raise SystemExit(main())
