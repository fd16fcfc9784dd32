"""Streaming evaluation, trial mode: each trial a new recording through the chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._errors import EEGStreamError
from ..model import Checkpoint
from ..montage import ChannelSet
from ..protocol import settle_time
from .offline import check_compatible, select_subjects
from .results import QualityAccuracy, StreamedTrial, StreamingEvaluation, step_is_clean

if TYPE_CHECKING:
    from ..pipeline import LiveChain


def dataset_chain(ckpt: Checkpoint, device: str, asr: bool | None) -> LiveChain:
    """Return the live chain a dataset's EEG streams through in evaluation.

    Dataset EEG is in µV, at the checkpoint's rate, and carries the model's
    channels (the rows of :class:`~eegstream.montage.ChannelSet`), so
    the chain takes them as they are.
    """
    from ..pipeline import LiveChain  # here: the pipeline package loads pylsl

    return LiveChain.from_labels(
        ckpt,
        ckpt.channels,
        ckpt.feature_config.sfreq,
        unit="uV",
        device=device,
        asr=asr,
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

    check_compatible(ckpt, dataset)
    trials = select_subjects(dataset, subjects)
    # Dataset EEG is in µV, SEED order, at the checkpoint's rate; a headset
    # model's stream carries its channels only.
    rows = ChannelSet.of(ckpt.channels).rows
    chain = dataset_chain(ckpt, device, asr)
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
        steps = chain.push_array(eeg, index, chunk=chunk)
        if not steps:
            continue
        correct = np.array([int(np.argmax(r.probabilities)) == t.label for r in steps])
        hits += correct.tolist()
        clean += [step_is_clean(r) for r in steps]
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
