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

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .._io import atomic_write_text
from .._records import Record
from ..datasets.tables import play_order
from ..headsets import channel_rows
from ..model import Checkpoint, Predictor
from ..montage import SEED_CHANNELS
from ..protocol import STEADY_FROM_S, settle_time
from .config import DEFAULT_REST_S
from .data import build_sequences, load_trial_steps, select_channels
from .metrics import classification_metrics


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


def _is_clean(result) -> bool:
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


def check_compatible(ckpt: Checkpoint, dataset) -> None:
    """Refuse a checkpoint whose classes or sampling rate do not fit the dataset."""
    if tuple(dataset.classes) != ckpt.classes:
        raise EEGStreamError(
            f"model {ckpt.name} classifies {list(ckpt.classes)} but {dataset.name} has "
            f"classes {list(dataset.classes)}; use a model trained on {dataset.name}"
        )
    cfg = ckpt.feature_config
    if cfg.sfreq != 200.0:
        raise EEGStreamError(
            f"model {ckpt.name} expects EEG at {cfg.sfreq:g} Hz; dataset EEG is at "
            "200 Hz"
        )


def select_subjects(dataset, subjects: list[int] | None) -> list:
    """Return the trials of ``subjects`` (all when None) in recording order."""
    present = dataset.subjects
    if subjects:
        unknown = sorted(set(subjects) - set(present))
        if unknown:
            raise EEGStreamError(
                f"subjects {unknown} not in {dataset.name} at {dataset.root}; "
                f"present: {present}"
            )
    chosen = set(subjects or present)
    trials = [t for t in dataset.trials if t.subject in chosen]
    if not trials:
        raise EEGStreamError(
            f"no trials for subjects {sorted(chosen)} in {dataset.name}"
        )
    return sorted(trials, key=lambda t: (t.subject, t.session, t.trial))


def evaluate_offline(
    ckpt: Checkpoint,
    dataset,
    subjects: list[int] | None = None,
    cache_dir=None,
    device: str = "auto",
    progress: bool = True,
    asr: bool | None = None,
) -> OfflineEvaluation:
    """Score one sequence per trial, normalised as the model was trained.

    ``asr`` (``--asr``/``--no-asr``): features with or without ASR whatever
    the model was trained on; ``None`` as it was.
    """
    check_compatible(ckpt, dataset)
    trials = select_subjects(dataset, subjects)
    source = ckpt.meta.features
    view = dataclasses.replace(dataset, trials=trials)
    wanted = ckpt.feature_config.with_asr(asr)
    steps, cfg = load_trial_steps(
        view,
        wanted,
        source.kind,
        source.official_kind or "de_LDS",
        cache_dir,
        progress,
    )
    if cfg != wanted:
        raise EEGStreamError(
            f"model {ckpt.name} was trained on features with window "
            f"{ckpt.feature_config.window_s} s, hop {ckpt.feature_config.hop_s} s; "
            f"the release's features have {cfg.window_s} s"
        )
    if ckpt.channels != SEED_CHANNELS:  # a headset model: its columns of the 62
        steps = select_channels(steps, ckpt.channels, len(cfg.bands))
    if steps[0].steps.shape[1] != ckpt.n_features:
        raise EEGStreamError(
            f"model {ckpt.name} takes {ckpt.n_features} features per step, the "
            f"data gives {steps[0].steps.shape[1]}"
        )
    norm = ckpt.meta.normaliser
    data = build_sequences(
        steps,
        cfg,
        norm.mode,
        np.asarray(norm.mean),
        np.asarray(norm.std),
        norm.prior_steps,
    )
    probs = Predictor(ckpt, device=device).predict_proba(data.x)
    pred = probs.argmax(1)
    return OfflineEvaluation(
        **classification_metrics(data.y, pred, ckpt.classes),
        per_subject={
            int(s): float(
                np.mean(pred[data.subjects == s] == data.y[data.subjects == s])
            )
            for s in np.unique(data.subjects)
        },
        trials=tuple(
            TrialPrediction(str(k), int(s), int(t), int(p))
            for k, s, t, p in zip(data.keys, data.subjects, data.y, pred, strict=True)
        ),
        normaliser=norm.mode,
        features=str(source),
    )


def evaluate_streaming(
    ckpt: Checkpoint,
    dataset,
    subjects: list[int] | None = None,
    chunk: int = 10,
    device: str = "auto",
    progress: bool = True,
    asr: bool | None = None,
) -> StreamingEvaluation:
    """Stream each subject's trials through the live path and score every step.

    Each subject starts a new wearer (running normaliser reset to the
    population); each trial starts a new contiguous recording (DE buffer,
    Kalman filter and sequence reset, as after a gap), and trials follow
    each other in recording order.

    ``asr``: ``--asr``/``--no-asr`` (:class:`~eegstream.pipeline.LiveChain`);
    ``None`` as the model was trained.

    Returns
    -------
    StreamingEvaluation
        Accuracy per step index (seconds into the trial), at each trial's
        end and after warm-up, and the settle time of each trial.
    """
    from tqdm import tqdm

    from ..pipeline import LiveChain  # here: the pipeline package loads pylsl

    check_compatible(ckpt, dataset)
    trials = select_subjects(dataset, subjects)
    # Dataset EEG is in µV, SEED order, at the checkpoint's rate; a headset
    # model's stream carries its channels only.
    rows = channel_rows(ckpt.channels)
    chain = LiveChain.from_labels(
        ckpt,
        ckpt.channels,
        ckpt.feature_config.sfreq,
        unit="uV",
        device=device,
        asr=asr,
    )
    cfg = chain.cfg  # the features served live (official-feature models)
    correct_by_step: list[list[bool]] = []
    per_trial: list[StreamedTrial] = []
    hits: list[bool] = []
    clean: list[bool] = []
    last_subject = None
    for t in tqdm(
        trials,
        desc="streaming trials",
        unit="trial",
        disable=None if progress else True,
    ):
        if t.subject != last_subject:
            chain.reset_wearer()
            last_subject = t.subject
        chain.reset()
        eeg = t.eeg()[rows]
        # Stamped by sample index, so a step's time into the trial is exact.
        index = np.arange(eeg.shape[1], dtype=np.float64)
        steps = []
        for i in range(0, eeg.shape[1], chunk):
            steps += chain.push(eeg[:, i : i + chunk], index[i : i + chunk])
        if not steps:
            continue
        correct = np.array([int(np.argmax(r.probabilities)) == t.label for r in steps])
        hits += correct.tolist()
        clean += [_is_clean(r) for r in steps]
        times = np.array([(r.timestamp + 1) / cfg.sfreq for r in steps])
        for k, ok in enumerate(correct):
            if k == len(correct_by_step):
                correct_by_step.append([])
            correct_by_step[k].append(bool(ok))
        settle = settle_time(correct, times)
        warm_index = min(cfg.seq_len, len(steps)) - 1
        per_trial.append(
            StreamedTrial(
                key=t.key,
                subject=t.subject,
                label=t.label,
                final_correct=bool(correct[-1]),
                warm_correct=bool(correct[warm_index]),
                settle_s=settle,
                n_steps=len(steps),
            )
        )
    if not per_trial:
        raise EEGStreamError("no trial was long enough for one feature window")
    settles = [p.settle_s for p in per_trial if p.settle_s is not None]
    return StreamingEvaluation(
        chunk_samples=chunk,
        device=chain.classifier.device,
        n_trials=len(per_trial),
        time_s=tuple(
            (cfg.window + k * cfg.hop) / cfg.sfreq for k in range(len(correct_by_step))
        ),
        accuracy=tuple(float(np.mean(c)) for c in correct_by_step),
        n_trials_at_step=tuple(len(c) for c in correct_by_step),
        final_accuracy=float(np.mean([p.final_correct for p in per_trial])),
        warm_accuracy=float(np.mean([p.warm_correct for p in per_trial])),
        settled_fraction=len(settles) / len(per_trial),
        median_settle_s=float(np.median(settles)) if settles else None,
        trials=tuple(per_trial),
        quality=QualityAccuracy.of(np.array(hits), np.array(clean)),
    )


def recording_sessions(dataset, trials: list) -> list[list]:
    """Group trials into sessions, each in the order it was recorded.

    Parameters
    ----------
    dataset : Dataset
        Where the trials come from (its name gives the play order,
        :func:`eegstream.datasets.tables.play_order`).
    trials : list of Trial
        The trials to stream.

    Returns
    -------
    list of list of Trial
        One list per (subject, session), ascending, trials in play order.

    Raises
    ------
    EEGStreamError
        If the dataset defines no recording order, or a session lacks trials
        (what was recorded between the others is then unknown).
    """
    by_session: dict[tuple[int, int], dict[int, Any]] = {}
    for t in trials:
        by_session.setdefault((t.subject, t.session), {})[t.trial] = t
    out = []
    for (subject, session), present in sorted(by_session.items()):
        order = play_order(dataset.name, session)
        if order is None:
            raise EEGStreamError(
                f"streaming mode 'session' needs each session's trials in recording "
                f"order, which dataset {dataset.name!r} does not define; use "
                "{streaming}",
                suggest={"streaming": "trial"},
            )
        lacking = [n for n in order if n not in present]
        if lacking or len(present) != len(order):
            raise EEGStreamError(
                f"streaming mode 'session' needs whole sessions in recording order: "
                f"{dataset.name} subject {subject} session {session} lacks trials "
                f"{lacking or sorted(set(present) - set(order))} of "
                f"{order[0]}-{order[-1]}, so the recording between its trials is "
                "unknown; use {streaming}",
                suggest={"streaming": "trial"},
            )
        out.append([present[n] for n in order])
    return out


def evaluate_session(
    ckpt: Checkpoint,
    dataset,
    subjects: list[int] | None = None,
    *,
    rest_s: float = DEFAULT_REST_S,
    chunk: int = 10,
    device: str = "auto",
    cache_dir=None,
    offline: bool = True,
    progress: bool = True,
    asr: bool | None = None,
) -> SessionEvaluation:
    """Stream each session as one continuous recording and score every step.

    Each (subject, session) is what one ``eegstream run`` of that day would
    see: the chain starts as for a new wearer at the session's first sample
    and is never reset after it. The clips follow each other in recording
    order (:func:`recording_sessions`) with ``rest_s`` seconds of the rest
    the replay plays between them (:func:`eegstream.replay.rest_samples`:
    the previous clip backwards), so the Kalman state, the wearer's running
    statistics and the sequence carry across clips and rests. A step whose
    window ends inside a clip is labelled with it (its window may still hold
    rest); a step ending in a rest is unlabelled.

    Parameters
    ----------
    ckpt : Checkpoint
        The model.
    dataset : Dataset
        With EEG and whole sessions.
    subjects : list of int | None
        Subjects to stream (None: all).
    rest_s : float
        Seconds of rest between consecutive clips (>= 0).
    chunk : int
        Samples per pushed chunk.
    device : str
        Where the model runs.
    cache_dir : path-like | None
        Feature cache of the offline evaluation.
    offline : bool
        Also score the same trials offline (:func:`evaluate_offline`) for
        ``offline_accuracy`` and ``gap``.
    progress : bool
        Progress bars on stderr.
    asr : bool | None
        ``--asr``/``--no-asr`` (:class:`~eegstream.pipeline.LiveChain`);
        ``None``: as the model was trained.

    Returns
    -------
    SessionEvaluation
    """
    from tqdm import tqdm

    from .._checks import check_number
    from ..pipeline import LiveChain  # here: the pipeline package loads pylsl
    from ..replay import rest_samples

    check_number(rest_s, "rest_s", unit="s", min=0)
    check_compatible(ckpt, dataset)
    sessions = recording_sessions(dataset, select_subjects(dataset, subjects))
    chain = LiveChain.from_labels(
        ckpt,
        ckpt.channels,
        ckpt.feature_config.sfreq,
        unit="uV",
        device=device,
        asr=asr,
    )
    sfreq = chain.cfg.sfreq
    n_rest = round(rest_s * sfreq)
    by_second: dict[int, list[bool]] = {}
    per_trial: list[SessionTrial] = []
    n_steps = n_rest_steps = 0
    steady: list[bool] = []
    onset_hits: list[bool] = []
    labelled_hits: list[bool] = []
    labelled_clean: list[bool] = []
    bar = tqdm(
        total=sum(len(s) for s in sessions),
        desc="streaming sessions",
        unit="trial",
        disable=None if progress else True,
    )
    for trials in sessions:
        chain.reset_wearer()
        ends: list[float] = []
        predicted: list[int] = []
        step_clean: list[bool] = []
        spans = []  # (trial, onset, stop) in samples of the session
        offset = 0
        previous = None
        for t in trials:
            eeg = t.eeg()[channel_rows(ckpt.channels)]  # a headset model's channels
            pieces = [eeg]
            if previous is not None and n_rest:
                pieces.insert(0, rest_samples(previous.T, n_rest).T)
            for piece in pieces:
                if piece is eeg:
                    spans.append((t, offset, offset + eeg.shape[1]))
                # Stamped by sample index in the session: a step's end is exact.
                index = np.arange(offset, offset + piece.shape[1], dtype=np.float64)
                for i in range(0, piece.shape[1], chunk):
                    for r in chain.push(piece[:, i : i + chunk], index[i : i + chunk]):
                        ends.append(r.timestamp)
                        predicted.append(int(np.argmax(r.probabilities)))
                        step_clean.append(_is_clean(r))
                offset += piece.shape[1]
            previous = eeg
            bar.update()
        end = np.asarray(ends)
        pred = np.asarray(predicted, dtype=int)
        is_clean = np.asarray(step_clean, dtype=bool)
        n_steps += len(end)
        labelled = np.zeros(len(end), bool)
        for t, onset, stop in spans:
            inside = (end >= onset) & (end < stop)
            labelled |= inside
            correct = pred[inside] == t.label
            labelled_hits += correct.tolist()
            labelled_clean += is_clean[inside].tolist()
            since = (end[inside] + 1 - onset) / sfreq
            for sec, ok in zip(np.ceil(since - 1e-9).astype(int), correct, strict=True):
                by_second.setdefault(int(sec), []).append(bool(ok))
            steady += correct[since >= STEADY_FROM_S].tolist()
            onset_hits += correct[since < STEADY_FROM_S].tolist()
            per_trial.append(
                SessionTrial(
                    key=t.key,
                    subject=t.subject,
                    session=t.session,
                    label=t.label,
                    n_steps=int(inside.sum()),
                    accuracy=float(correct.mean()) if correct.size else float("nan"),
                    settle_s=settle_time(correct, since),
                    predicted=tuple(pred[inside].tolist()),
                )
            )
        n_rest_steps += int((~labelled).sum())
    bar.close()
    seconds = sorted(by_second)
    hits = [ok for sec in seconds for ok in by_second[sec]]
    if not hits:
        raise EEGStreamError("no session was long enough for one feature window")
    settles = [p.settle_s for p in per_trial if p.settle_s is not None]
    live = float(np.mean(hits))
    off = (
        evaluate_offline(
            ckpt, dataset, subjects, cache_dir, device, progress, asr=asr
        ).accuracy
        if offline
        else None
    )
    return SessionEvaluation(
        chunk_samples=chunk,
        device=chain.classifier.device,
        rest_s=float(rest_s),
        n_sessions=len(sessions),
        n_trials=len(per_trial),
        n_steps=n_steps,
        n_rest_steps=n_rest_steps,
        time_s=tuple(float(sec) for sec in seconds),
        accuracy=tuple(float(np.mean(by_second[sec])) for sec in seconds),
        n_steps_at=tuple(len(by_second[sec]) for sec in seconds),
        live_accuracy=live,
        steady_from_s=STEADY_FROM_S,
        steady_accuracy=float(np.mean(steady)) if steady else None,
        onset_accuracy=float(np.mean(onset_hits)) if onset_hits else None,
        settled_fraction=len(settles) / len(per_trial),
        median_settle_s=float(np.median(settles)) if settles else None,
        offline_accuracy=off,
        gap=None if off is None else off - live,
        trials=tuple(per_trial),
        quality=QualityAccuracy.of(np.array(labelled_hits), np.array(labelled_clean)),
    )


def plot_accuracy_vs_time(
    path, result: StreamingEvaluation | SessionEvaluation, title: str
) -> None:
    """PNG of streaming accuracy against seconds into the trial (or clip onset).

    A session-mode plot also marks the steady-state start and the offline
    trial accuracy; the title and axis name the mode.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .._io import atomic_path

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(result.time_s, result.accuracy, lw=1.5, label=f"live ({result.mode} mode)")
    if isinstance(result, SessionEvaluation):
        ax.set_xlabel("seconds since clip onset (whole sessions, no reset)")
        ax.set_ylabel("fraction of steps classified right")
        ax.axvline(result.steady_from_s, color="0.6", ls=":", label="steady state")
        if result.offline_accuracy is not None:
            ax.axhline(
                result.offline_accuracy, color="C1", ls="--", label="offline, per trial"
            )
        ax.legend(loc="lower right")
    else:
        ax.set_xlabel("time into trial (s; reset at each trial)")
        ax.set_ylabel("fraction of trials classified right")
    ax.set_ylim(0, 1)
    ax.set_title(f"{title} [--streaming {result.mode}]")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)


def seen_subjects(ckpt: Checkpoint, evaluated: list[int]) -> list[int]:
    """Subjects of ``evaluated`` the model learnt from or was selected on.

    A subject in the checkpoint's train or validation split is seen (with the
    ``within`` protocol, every subject of its data); when the
    checkpoint records no split, every subject but its test subjects is.
    Subjects never part of its data are held out like its test subjects.

    Returns
    -------
    list of int
        Sorted; empty when every evaluated subject is held out, or when the
        checkpoint records no test subjects (nothing is known).
    """
    held_out = ckpt.meta.metrics.test_subjects
    if held_out is None:
        return []
    protocol = ckpt.meta.protocol
    if protocol is not None and protocol.name == "within":
        # Its splits hold blocks of each subject's trials: every subject is seen.
        return sorted(set(evaluated) & set(ckpt.meta.dataset.subjects or ()))
    split = protocol.split if protocol is not None else None
    fitted = set(split.train) | set(split.val) if split is not None else set()
    evaluated_set = set(evaluated)
    return sorted(evaluated_set & fitted if fitted else evaluated_set - set(held_out))


def save_evaluation(
    out: Path,
    ckpt: Checkpoint,
    dataset,
    result: OfflineEvaluation | StreamingEvaluation | SessionEvaluation,
) -> Path:
    """Write ``evaluation.json`` (and ``accuracy_vs_time.png`` when streamed).

    The document's ``mode`` is ``"offline"``, ``"trial"`` or ``"session"``.

    Parameters
    ----------
    out : Path
        Folder, created if needed.
    ckpt : Checkpoint
        The model evaluated.
    dataset : Dataset
        The data it was evaluated on.
    result : OfflineEvaluation | StreamingEvaluation | SessionEvaluation
        What :func:`evaluate_offline`, :func:`evaluate_streaming` or
        :func:`evaluate_session` returned.

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    synthetic = bool(dataset.synthetic)
    streaming = not isinstance(result, OfflineEvaluation)
    document = {
        "model": str(ckpt.path),
        "dataset": dataset.name,
        "synthetic": synthetic,
        "streaming": streaming,
        "mode": "offline",
        **result.to_dict(),
    }
    atomic_write_text(out / "evaluation.json", json.dumps(document, indent=1))
    if not isinstance(result, OfflineEvaluation):
        tag = " [SYNTHETIC DATA]" if synthetic else ""
        plot_accuracy_vs_time(
            out / "accuracy_vs_time.png",
            result,
            f"{ckpt.name}: streaming accuracy{tag}",
        )
    return out
