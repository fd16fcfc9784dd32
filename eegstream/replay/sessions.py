"""Replay a subject's session of a SEED-family release: :func:`dataset_source`.

Each trial becomes a :class:`~eegstream.replay.Segment` framed by trial
markers carrying its truth (:func:`trial_segment`, also what ``evaluate
--streaming session`` plays), loaded lazily while the replay plays.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from functools import partial
from typing import Any

from .._errors import EEGStreamError
from .source import ReplaySource, Segment, pick_resampled


def dataset_source(
    dataset: str,
    root: str | os.PathLike,
    subject: int,
    *,
    session: int | None = None,
    trials: Sequence[int] | None = None,
    **options: Any,
) -> ReplaySource:
    """Replay trials of one subject and session of a SEED-family release.

    A rated dataset (DEAP, DREAMER, AMIGOS, FACED) plays at its own rate
    with the channels it recorded (in SEED order), and its trial markers
    carry the ratings.

    Parameters
    ----------
    dataset : str
        One of ``eegstream.datasets.DATASETS``.
    root : path-like
        The release folder (or a synthetic one from
        ``eegstream.datasets.synth.generate``).
    subject : int
        1-based subject number.
    session : int | None
        1-based session number; ``None`` takes the subject's first session.
    trials : sequence of int | None
        Trial numbers to play, in this order; ``None`` plays the session's
        trials in order.
    **options
        Reader options (a rated dataset's ``target``, ``threshold``,
        ``baseline``): see :func:`eegstream.datasets.open_dataset`.

    Returns
    -------
    ReplaySource
        One segment per trial, µV: 62 channels in SEED order at 200 Hz (a
        rated dataset: its channels at its rate).

    Raises
    ------
    EEGStreamError
        If the dataset is unknown or unreadable, or the subject, session or a
        trial does not exist (the message lists those that do).
    """
    from ..datasets import open_dataset
    from ..montage import SEED_CHANNELS

    ds = open_dataset(dataset, root, **options)
    subjects = ds.subjects
    if subject not in subjects:
        raise EEGStreamError(
            f"{ds.name}: no subject {subject} in {ds.root}; subjects found: "
            f"{_ranges(subjects) or 'none'}"
        )
    sessions = sorted({t.session for t in ds.trials if t.subject == subject})
    if session is None:
        session = sessions[0]
    elif session not in sessions:
        raise EEGStreamError(
            f"{ds.name}: subject {subject} has no session {session}; sessions "
            f"found: {_ranges(sessions)}"
        )
    available = {
        t.trial: t for t in ds.trials if t.subject == subject and t.session == session
    }
    if trials is None:
        chosen = [available[k] for k in sorted(available)]
    else:
        unknown = [k for k in trials if k not in available]
        if unknown:
            raise EEGStreamError(
                f"{ds.name}: subject {subject} session {session} has no trial "
                f"{', '.join(map(str, unknown))}; trials found: "
                f"{_ranges(sorted(available))}"
            )
        chosen = [available[k] for k in trials]
    if not chosen:
        raise EEGStreamError(f"{ds.name}: no trial selected")
    sfreq = 200.0
    segments = tuple(trial_segment(t, sfreq) for t in chosen)
    channels = tuple(SEED_CHANNELS)
    if ds.channels != channels:  # a rated dataset: its own channels and rate
        from ..datasets.rated_tables import RELEASES

        rows = [SEED_CHANNELS.index(c) for c in ds.channels]
        sfreq, channels = RELEASES[ds.name].sfreq, ds.channels
        segments = tuple(
            dataclasses.replace(
                seg,
                n_samples=round(t.duration_s * sfreq),
                load=partial(pick_resampled, t.eeg, rows, 200.0, sfreq),
            )
            for seg, t in zip(segments, chosen, strict=True)
        )
    return ReplaySource(
        sfreq,
        channels,
        segments,
        description=f"{ds.name} subject {subject} session {session} ({ds.root})",
        synthetic=ds.synthetic,
    )


def trial_segment(trial: Any, sfreq: float) -> Segment:
    """Return a dataset trial as the segment a replay plays (framed by its markers).

    Parameters
    ----------
    trial : Trial
        A trial of a :class:`~eegstream.datasets.Dataset`, its EEG at ``sfreq``.
    sfreq : float
        The dataset's rate in Hz.
    """
    return Segment(
        n_samples=round(trial.duration_s * sfreq),
        load=trial.eeg,
        subject=trial.subject,
        session=trial.session,
        trial=trial.trial,
        label=trial.label_name,
        label_id=trial.label,
        title=f"trial {trial.trial}",
        ratings=trial.ratings,
    )


def _ranges(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3, 5"`` (ascending input)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
