"""Helpers of the tests on the real PhysioNet recordings in tests/data."""

from __future__ import annotations

import warnings
from pathlib import Path

from eegstream.files.reading import Recording, load_recording


def run3(realdata: Path) -> Recording:
    """Run 3 of subject 1 (motor task, 125 s): 64 channels at 160 Hz, in µV, as is."""
    with warnings.catch_warnings():  # the file's last annotation runs past its end
        warnings.simplefilter("ignore", RuntimeWarning)
        return load_recording(realdata / "S001R03.edf", sfreq=None, seed_order=False)
