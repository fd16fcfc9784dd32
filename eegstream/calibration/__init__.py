"""Personal models: calibrate a cross-subject model on a wearer's labelled EEG.

:func:`calibrate` (``eegstream calibrate``) adapts a base model to one
person and measures, by blocked cross-validation over whole segments, what
that buys on held-out segments of the same person, with a gain test whose
unit is the segment (:class:`GainTest`); :func:`calibration_curve`
(``eegstream calibrate-curve``) simulates it on a dataset for several
amounts of calibration data. Names are loaded on first use (the command line
parses without torch).
"""

from __future__ import annotations

from .._lazy import lazy_names

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
    "GainTest": "gain",
    "CalibrationResult": "personal",
    "WearerData": "personal",
    "calibrate": "personal",
    "load_wearer_data": "personal",
    "CurveResult": "curve",
    "calibration_curve": "curve",
}

__all__ = sorted(_NAMES)

__getattr__, __dir__ = lazy_names(__name__, _NAMES, globals())
