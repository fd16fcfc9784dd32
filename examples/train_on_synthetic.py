"""Train and evaluate on a SYNTHETIC SEED-IV release, subject-wise, from Python.

Usage::

    python examples/train_on_synthetic.py [WORKDIR]

Writes a small synthetic release (NOT real EEG: a simulation with a planted
effect) in the official SEED-IV layout, then runs ``eegstream train``'s
library with leave-one-subject-out splits and the logistic-regression
baseline beside the network. On your own SEED-IV download, set ``dataset``
and ``root`` to it and drop the synthetic part.
"""

import sys
import tempfile
from pathlib import Path

from eegstream.datasets.synth import generate
from eegstream.training import RunOptions, TrainConfig, run_training

work = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
root = generate(
    "seed-iv",
    work / "SEED_IV",
    subjects=4,
    sessions=1,
    trial_seconds=8,
    seed=3,
    progress=False,
)

options = RunOptions(
    dataset="seed-iv",
    root=root,
    protocol="loso",  # every subject is the test subject once
    normaliser="running",  # the live path's causal normaliser
    train=TrainConfig(epochs=3, early_stopping=3, base_width=8, lr=3e-3, device="cpu"),
    out=work / "runs",
    save_model=False,
    progress=False,
)
result = run_training(options)

metrics = result.metrics.to_dict()
print("SYNTHETIC data; per-split test accuracy and the baseline beside it:")
for split in metrics["splits"]:
    network = split["test"]["accuracy"]
    baseline = split["baseline"]["test"]["accuracy"]
    test = split["split"]["test"]
    print(f"  test subjects {test}: network {network:.1%}, baseline {baseline:.1%}")
print("report and metrics in", result.out_dir)
