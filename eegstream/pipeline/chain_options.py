"""The chain's options checked and decided against the checkpoint.

:class:`~eegstream.pipeline.LiveChain` checks its stream's rate, its
``line_freq`` option and a classifier (given, or to switch to) here, and
asks here what to tell the user about the line frequency and ASR it serves:

- **Line frequency**: the checkpoint's conditioning notches its mains
  frequency; ``line_freq`` 50 or 60 overrides it (a headset in another
  country), ``"auto"`` estimates it from the first second, at the stream's
  own rate (:func:`line_freq_found`).
- **ASR**: on or off as the checkpoint was trained, or as ``--asr`` /
  ``--no-asr`` ask (:func:`asr_note` says when that differs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._errors import EEGStreamError
from ..features import (
    LINE_FREQS,
    ASRSettings,
    ConditioningSettings,
    estimate_line_freq,
)
from ..model import Checkpoint, StreamingClassifier


def check_line_freq(line_freq: float | str | None) -> None:
    """Refuse a ``line_freq`` option other than None, 50, 60 or ``"auto"``."""
    if line_freq is None or line_freq == "auto":
        return
    if isinstance(line_freq, str) or float(line_freq) not in LINE_FREQS:
        raise EEGStreamError(
            f"line frequency must be 50 or 60 Hz or 'auto', got {line_freq!r}"
        )


def check_rate(
    sfreq: float, bands: Sequence[tuple[float, float]], stream_name: str
) -> None:
    """Refuse a stream rate in Hz below twice the model's top band edge."""
    top = max(hi for _, hi in bands)
    if sfreq < 2 * top:
        raise EEGStreamError(
            f"{stream_name} is sampled at {sfreq:g} Hz, too slow for the model's "
            f"bands up to {top:g} Hz; it needs >= {2 * top:g} Hz"
        )


def line_freq_found(
    first: np.ndarray,
    sfreq: float,
    trained: ConditioningSettings | None,
    stream_name: str,
) -> tuple[float | None, str]:
    """Estimate the line frequency to notch from the first second of a stream.

    Parameters
    ----------
    first : array of float, shape (n_channels, n_samples)
        The stream's first second, µV.
    sfreq : float
        Its rate in Hz.
    trained : ConditioningSettings | None
        The checkpoint's conditioning (None: none, nothing is notched).
    stream_name : str
        For the message, e.g. ``"stream 'Cap'"``.

    Returns
    -------
    freq : float | None
        50.0 or 60.0 Hz, or None: the checkpoint's (or none without
        conditioning).
    message : str
        What was found and what is notched, for the chain's warnings.
    """
    found = estimate_line_freq(first, sfreq)
    ratios = ", ".join(f"{r:.1f}x at {f:g} Hz" for f, r in found.ratios.items())
    what = "no line noise" if found.freq is None else f"{found.freq:g} Hz noise"
    message = (
        f"line frequency (auto): {what} in the first second of "
        f"{stream_name} (power over its neighbours: {ratios or 'n/a'})"
    )
    if trained is None:
        message += "; the model has no conditioning, nothing is notched"
        return None, message
    if found.freq is None:
        message += f"; notching the model's {trained.line_freq:g} Hz"
    elif found.freq == trained.line_freq:
        message += f"; notching {found.freq:g} Hz, as the model was trained"
    else:
        message += (
            f"; notching {found.freq:g} Hz instead of the model's "
            f"{trained.line_freq:g} Hz"
        )
    return found.freq, message


def asr_note(trained: ASRSettings | None, wanted: ASRSettings | None) -> str | None:
    """Say how the ASR served differs from the checkpoint's; None when it does not."""
    if wanted == trained:
        return None
    if trained is None:
        return "ASR is on (--asr) but the model was trained without it"
    if wanted is None:
        return "ASR is off (--no-asr) but the model was trained with it"
    return "ASR runs with other settings than the model was trained with"


def check_classifier_of(
    classifier: StreamingClassifier, checkpoint: Checkpoint
) -> None:
    """Refuse a classifier given to a chain that runs another checkpoint object."""
    if classifier.checkpoint is not checkpoint:
        raise EEGStreamError(
            f"classifier runs model {classifier.checkpoint.name!r}, not the "
            f"chain's {checkpoint.name!r}; pass a StreamingClassifier of the "
            "same Checkpoint object"
        )


def built_notes(
    classifier: StreamingClassifier,
    trained_asr: ASRSettings | None,
    wanted_asr: ASRSettings | None,
) -> list[str]:
    """Say what the user should know about a chain as it is built.

    The classifier's own note, how its ASR differs from the checkpoint's
    (:func:`asr_note`), and a per-subject normaliser run causally.
    """
    notes = [classifier.note] if classifier.note else []
    asr_said = asr_note(trained_asr, wanted_asr)
    if asr_said is not None:
        notes.append(asr_said)
    if classifier.checkpoint.meta.normaliser.mode == "subject":
        notes.append(
            "the checkpoint was trained with per-subject z-scoring, which needs "
            "the whole session; live it runs the causal running normaliser "
            "instead"
        )
    return notes


def check_takeover(
    running: StreamingClassifier, new: StreamingClassifier, classes: Sequence[str]
) -> None:
    """Refuse a classifier that cannot take over from the running one.

    Raises
    ------
    EEGStreamError
        One line: its classes (names and order) or feature settings or
        channels differ from the running model's.
    """
    names = tuple(new.classes)
    if names != tuple(classes):
        raise EEGStreamError(
            f"model {new.checkpoint.name!r} has classes {', '.join(names)}, "
            f"the running model {', '.join(classes)}; a model can only be "
            "switched live for one with the same classes in the same order"
        )
    new.check_continues(running)
