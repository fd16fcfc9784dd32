"""Classify an EEG file with a shipped model, through the live path's own chain.

:class:`~eegstream.pipeline.LiveChain` is every signal stage of ``eegstream
run``: channels matched by name, unit, causal resampling to the model's rate,
conditioning, DE, Kalman, normaliser and the model. Fed a file, it gives the
steps a live session over the same signal would have given.

Usage::

    python examples/classify_a_recording.py [FILE.edf] [MODEL]

The default file is a real PhysioNet recording shipped with the tests (64
channels at 160 Hz); the default model ``demo-seed-iv`` was trained on
SYNTHETIC data, so its readings of a real brain mean nothing: this shows the
mechanics.
"""

import sys
from collections import Counter
from pathlib import Path

import numpy as np

from eegstream.files.reading import load_recording
from eegstream.pipeline import LiveChain, run_recording

here = Path(__file__).resolve().parent
path = sys.argv[1] if len(sys.argv) > 1 else here.parent / "tests/data/S001R03.edf"
model = sys.argv[2] if len(sys.argv) > 2 else "demo-seed-iv"

# The file at its own rate and channel names, as a headset would send it.
recording = load_recording(path, sfreq=None, seed_order=False)
chain = LiveChain.from_recording(model, recording, device="cpu")
for warning in chain.warnings:
    print("note:", warning)

steps = run_recording(chain, recording)
probabilities = np.stack([step.probabilities for step in steps])  # (n_steps, n_classes)
predicted = [chain.classes[i] for i in probabilities.argmax(axis=1)]

print(f"{len(steps)} steps of {recording.duration_s:.0f} s at {recording.sfreq:g} Hz")
mean = probabilities.mean(axis=0)
print(
    "mean probability:",
    ", ".join(f"{c} {p:.3f}" for c, p in zip(chain.classes, mean, strict=True)),
)
print("top class counts:", dict(Counter(predicted)))
print("first step ends at", f"{steps[0].timestamp:.2f} s", "warm:", steps[0].warm)
