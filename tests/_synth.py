"""Small SYNTHETIC releases for the tests (NOT real EEG)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from eegstream.datasets.synth import generate


def synthetic_release(dataset: str, root: str | os.PathLike, **kwargs: Any) -> Path:
    """Write a synthetic ``dataset`` release at ``root``; return its folder.

    One subject, one session of 4 s trials, seed 0 and no progress bar,
    unless ``kwargs`` (those of :func:`~eegstream.datasets.synth.generate`)
    say otherwise.
    """
    settings = {"subjects": 1, "sessions": 1, "trial_seconds": 4, "seed": 0}
    return generate(dataset, root, **{**settings, "progress": False, **kwargs})


def feature_cache(root: str | os.PathLike) -> Path:
    """Return the feature cache of every test that reads the release at ``root``.

    Features are cached by data and settings, so each setting is extracted
    once per test session, not once per test (tests of the cache itself keep
    folders of their own).
    """
    root = Path(root)
    return root.parent / f"{root.name}-features"
