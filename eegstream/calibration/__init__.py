"""Personal models: calibrate a cross-subject model on a wearer's labelled EEG.

:func:`calibrate` (``eegstream calibrate``) adapts a base model to one
person and measures, by blocked cross-validation over whole segments, what
that buys on held-out segments of the same person; :func:`calibration_curve`
(``eegstream calibrate-curve``) simulates it on a dataset for several
amounts of calibration data. Names are loaded on first use (the command line
parses without torch).
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> submodule that defines it.
_NAMES = {
    "ARCH_METHODS": "adapt",
    "DEFAULT_METHOD": "adapt",
    "METHODS": "options",
    "AdaptSettings": "adapt",
    "adapt": "adapt",
    "CalibrationEstimate": "estimate",
    "FoldScore": "estimate",
    "blocked_folds": "estimate",
    "cross_validate": "estimate",
    "CalibrationResult": "personal",
    "WearerData": "personal",
    "calibrate": "personal",
    "load_wearer_data": "personal",
    "CurveResult": "curve",
    "calibration_curve": "curve",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_NAMES])
