"""Evaluate a saved model: trial-level offline, and streamed through the live path.

The streaming evaluation feeds each trial's EEG, in chunks of 10 samples
like an amplifier, through :class:`~eegstream.pipeline.LiveChain` (the live
chain: channel plan, NaN handling, streaming DE, causal Kalman, running
normaliser, rolling sequence with warm-up, model) at full speed, so the gap
between the offline number and what a live user sees is measured. Two modes:

- ``"trial"`` (:func:`evaluate_streaming`): every trial a new recording (the
  chain is reset at its start), scored against seconds into the trial.
- ``"session"`` (:func:`evaluate_session`): every session one continuous
  recording in recording order, with the rests the replay plays between
  trials, never reset after its start: what a wearer sees.
"""

from __future__ import annotations

from .._lazy import lazy_names

# Public name -> submodule that defines it.
_NAMES = {
    "OfflineEvaluation": "results",
    "QualityAccuracy": "results",
    "SessionEvaluation": "results",
    "SessionTrial": "results",
    "StreamedTrial": "results",
    "StreamingEvaluation": "results",
    "TrialPrediction": "results",
    "check_compatible": "offline",
    "evaluate_offline": "offline",
    "seen_subjects": "offline",
    "select_subjects": "offline",
    "evaluate_streaming": "streaming",
    "evaluate_session": "session",
    "recording_sessions": "session",
    "plot_accuracy_vs_time": "save",
    "save_evaluation": "save",
}

__all__ = sorted(_NAMES)

__getattr__, __dir__ = lazy_names(__name__, _NAMES, globals())
