"""Differential-entropy features of an EEG file, as training and the live path see them.

Usage::

    python examples/de_features_of_a_file.py [FILE] [OUT.npz]

The file is read with MNE (EDF, BDF, FIF, BrainVision, EEGLAB, Neuroscan,
XDF), its channels mapped onto the 62 SEED channels by name, resampled to
200 Hz and conditioned; each 4 s window (1 s hop) gives the DE of 5 bands
per channel, smoothed by the causal Kalman filter. The default file is a
real PhysioNet recording, eyes closed: occipital alpha should stand out.
"""

import sys
from pathlib import Path

import numpy as np

from eegstream.features import BAND_NAMES, FeatureConfig
from eegstream.features.files import file_features
from eegstream.montage import SEED_CHANNELS

here = Path(__file__).resolve().parent
path = (
    sys.argv[1]
    if len(sys.argv) > 1
    else here.parent / "tests/data/S001R02_eyes_closed_60s.edf"
)

features = file_features(path, FeatureConfig(), progress=False)
de = (
    features.de
)  # (n_windows, 62, 5): log2 of band power in µV², NaN for missing channels
print(f"{de.shape[0]} windows x {de.shape[1]} channels x {de.shape[2]} bands")
print("SEED channels the file lacks:", ", ".join(features.missing) or "none")

alpha = de[:, :, BAND_NAMES.index("alpha")].mean(axis=0)
order = np.argsort(np.nan_to_num(alpha, nan=-np.inf))[::-1]
print(
    "highest alpha DE:",
    ", ".join(f"{SEED_CHANNELS[i]} {alpha[i]:.2f}" for i in order[:5]),
)

if len(sys.argv) > 2:
    print("saved", features.save(sys.argv[2]))
