"""What an evaluation returns: per-trial predictions and accuracy records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._records import Record

if TYPE_CHECKING:
    from ..pipeline.results import StepResult


@dataclass(frozen=True)
class TrialPrediction:
    """One trial of an offline evaluation: true and predicted label ids."""

    key: str
    subject: int
    true: int
    pred: int


@dataclass(frozen=True)
class OfflineEvaluation(Record):
    """Trial-level scores of a checkpoint on a dataset.

    Attributes
    ----------
    n, accuracy, macro_f1, per_class, confusion
        :func:`~eegstream.training.classification_metrics` of all trials.
    per_subject : dict of int to float
        Accuracy per subject.
    trials : tuple of TrialPrediction
        Every trial, in recording order.
    normaliser : str
        The normaliser mode applied (the checkpoint's, as in training).
    features : str
        The feature source (``"own"`` or ``"official:<kind>"``).
    """

    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    per_subject: dict[int, float]
    trials: tuple[TrialPrediction, ...]
    normaliser: str
    features: str


@dataclass(frozen=True)
class StreamedTrial:
    """One trial of a streaming evaluation.

    Attributes
    ----------
    key : str
        The trial's key.
    subject, label : int
        Its subject and true label id.
    final_correct, warm_correct : bool
        Whether the last step, and the step where the sequence first fills
        (or the last of a shorter trial), predicted the true class.
    settle_s : float | None
        Seconds into the trial after which the prediction stays right to the
        end; None if it never does.
    n_steps : int
        Steps the trial gave.
    """

    key: str
    subject: int
    label: int
    final_correct: bool
    warm_correct: bool
    settle_s: float | None
    n_steps: int


@dataclass(frozen=True)
class QualityAccuracy(Record):
    """Accuracy of the steps the signal checks call clean, and of the others.

    Attributes
    ----------
    n_clean, n_flagged : int
        Labelled steps whose :class:`~eegstream.quality.StepQuality` is clean
        (reliable, no artifact flag), and the others.
    clean_accuracy, flagged_accuracy : float | None
        Fraction right of each; None when there are none.
    """

    n_clean: int
    clean_accuracy: float | None
    n_flagged: int
    flagged_accuracy: float | None

    @classmethod
    def of(cls, correct: np.ndarray, clean: np.ndarray) -> QualityAccuracy:
        """Split ``correct`` (bool per step) by ``clean`` (bool per step)."""
        correct, clean = np.asarray(correct, bool), np.asarray(clean, bool)

        def rate(hits: np.ndarray) -> float | None:
            return float(hits.mean()) if hits.size else None

        return cls(
            int(clean.sum()),
            rate(correct[clean]),
            int((~clean).sum()),
            rate(correct[~clean]),
        )


def step_is_clean(result: StepResult) -> bool:
    """Whether the checks call a step clean (checks off: every step is)."""
    return result.quality is None or result.quality.clean


@dataclass(frozen=True)
class StreamingEvaluation(Record):
    """Accuracy against time into the trial, streamed through the live path.

    Attributes
    ----------
    chunk_samples : int
        Samples per pushed chunk.
    device : str
        Where the model ran.
    n_trials : int
        Trials long enough for one step.
    time_s, accuracy, n_trials_at_step : tuple, one entry per step index
        Seconds into the trial, fraction of trials right, trials that
        reached that step.
    final_accuracy, warm_accuracy : float
        Accuracy at each trial's last step, and where its sequence fills.
    settled_fraction : float
        Fraction of trials that settle on the true class.
    median_settle_s : float | None
        Median settle time of those; None when none settles.
    trials : tuple of StreamedTrial
        Per trial.
    mode : "trial"
        The streaming mode that produced these numbers (each trial a new
        recording).
    quality : QualityAccuracy | None
        Accuracy over every step, clean and flagged apart (each trial judged
        as a new recording: the checks' history restarts with the wearer,
        their segments with the trial).
    """

    chunk_samples: int
    device: str
    n_trials: int
    time_s: tuple[float, ...]
    accuracy: tuple[float, ...]
    n_trials_at_step: tuple[int, ...]
    final_accuracy: float
    warm_accuracy: float
    settled_fraction: float
    median_settle_s: float | None
    trials: tuple[StreamedTrial, ...]
    mode: str = "trial"
    quality: QualityAccuracy | None = None


@dataclass(frozen=True)
class SessionTrial:
    """One clip of a whole-session streaming evaluation.

    Attributes
    ----------
    key : str
        The trial's key.
    subject, session, label : int
        Its subject, session and true label id.
    n_steps : int
        Steps whose window ends inside the clip.
    accuracy : float
        Fraction of those steps right (NaN when there are none).
    settle_s : float | None
        Seconds from the clip's onset to the first right prediction that
        stays right to the clip's end; None if its last step is wrong.
    predicted : tuple of int
        The predicted class id of each of its steps, oldest first.
    """

    key: str
    subject: int
    session: int
    label: int
    n_steps: int
    accuracy: float
    settle_s: float | None
    predicted: tuple[int, ...]


@dataclass(frozen=True)
class SessionEvaluation(Record):
    """Accuracy against seconds since clip onset, over whole streamed sessions.

    Attributes
    ----------
    chunk_samples : int
        Samples per pushed chunk.
    device : str
        Where the model ran.
    rest_s : float
        Seconds of rest played between trials.
    n_sessions, n_trials : int
        Sessions streamed and the clips in them.
    n_steps : int
        Every step the sessions gave (one per hop of the continuous recording).
    n_rest_steps : int
        Steps whose window ends in a rest: unlabelled, in no accuracy.
    time_s, accuracy, n_steps_at : tuple, one entry per second since onset
        Whole seconds since clip onset (a step counts at the second its
        window ends in), fraction of steps right, steps counted there.
    live_accuracy : float
        Fraction of all labelled steps right.
    steady_from_s : float
        Where the steady state starts (60 s into a clip).
    steady_accuracy : float | None
        Fraction right of the steps from ``steady_from_s`` into a clip to its
        end; None when no clip is that long.
    onset_accuracy : float | None
        Fraction right of the steps less than ``steady_from_s`` into a clip
        (the sequence still holds what came before); None when there are none.
    settled_fraction : float
        Fraction of clips that settle on the true class.
    median_settle_s : float | None
        Median seconds from clip onset to the first right prediction that
        stays right; None when no clip settles.
    offline_accuracy : float | None
        Offline trial accuracy of the same model on the same trials
        (:func:`evaluate_offline`); None when not computed.
    gap : float | None
        ``offline_accuracy - live_accuracy``: what the offline number
        promises beyond what a wearer sees.
    trials : tuple of SessionTrial
        Per clip, in recording order.
    mode : "session"
        The streaming mode that produced these numbers.
    quality : QualityAccuracy | None
        Accuracy over the labelled steps, clean and flagged apart.
    """

    chunk_samples: int
    device: str
    rest_s: float
    n_sessions: int
    n_trials: int
    n_steps: int
    n_rest_steps: int
    time_s: tuple[float, ...]
    accuracy: tuple[float, ...]
    n_steps_at: tuple[int, ...]
    live_accuracy: float
    steady_from_s: float
    steady_accuracy: float | None
    onset_accuracy: float | None
    settled_fraction: float
    median_settle_s: float | None
    offline_accuracy: float | None
    gap: float | None
    trials: tuple[SessionTrial, ...]
    mode: str = "session"
    quality: QualityAccuracy | None = None
