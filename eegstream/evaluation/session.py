"""Streaming evaluation, session mode: each session one recording, never reset."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import EEGStreamError
from ..datasets.tables import play_order
from ..model import Checkpoint
from ..montage import ChannelSet
from ..protocol import STEADY_FROM_S, settle_time
from ..training.config import DEFAULT_REST_S
from .offline import check_compatible, evaluate_offline, select_subjects
from .results import QualityAccuracy, SessionEvaluation, SessionTrial, step_is_clean
from .streaming import dataset_chain


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
    the replay plays between them (:func:`eegstream.replay.pieces`, with
    :func:`~eegstream.replay.rest_samples`:
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
    from ..replay import pieces
    from ..replay.sessions import trial_segment

    check_number(rest_s, "rest_s", unit="s", min=0)
    check_compatible(ckpt, dataset)
    sessions = recording_sessions(dataset, select_subjects(dataset, subjects))
    chain = dataset_chain(ckpt, device, asr)
    rows = ChannelSet.of(ckpt.channels).rows  # a headset model's channels
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
        by_number = {t.trial: t for t in trials}
        # The replay's own schedule: clips in play order, rests between them.
        loaded = (
            (1, trial_segment(t, sfreq), t.eeg()[rows].T, k == len(trials) - 1)
            for k, t in enumerate(trials)
        )
        for piece in pieces(loaded, n_rest, sfreq):
            data = piece.data.T
            if not piece.rest:
                trial = by_number[piece.segment.trial]
                spans.append((trial, offset, offset + data.shape[1]))
            # Stamped by sample index in the session: a step's end is exact.
            index = np.arange(offset, offset + data.shape[1], dtype=np.float64)
            for r in chain.push_array(data, index, chunk=chunk):
                ends.append(r.timestamp)
                predicted.append(int(np.argmax(r.probabilities)))
                step_clean.append(step_is_clean(r))
            offset += data.shape[1]
            if not piece.rest:
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
