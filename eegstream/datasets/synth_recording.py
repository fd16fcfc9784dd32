"""A synthetic wearer's calibration recording: FIF with a stimulus program's markers.

NOT REAL DATA. One session of one simulated subject
(:mod:`eegstream.datasets._eeg_sim`, the population of
``synth.generate(dataset, seed=seed)``): labelled segments in a shuffled
class order, rest between them, and the markers a stimulus program would
send (``stim_<class>`` at a segment's first sample, ``stim_end`` after its
last, ``fixation`` in the rest), read back through :data:`STIM_LABEL_MAP`.
``individual_rms`` adds a pattern of the subject's own on top of the
simulation's (a wearer whom a cross-subject model fits badly); what tests
and ``benchmarks/bench_calibrate.py`` calibrate on.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from .._io import atomic_write_text
from ..montage import SEED_CHANNELS
from ..protocol import format_marker
from . import tables as T
from ._eeg_sim import _smooth_field, make_subject, population_effect, simulate

#: Label map of the markers written here (TOML, :mod:`eegstream.labelmap`).
STIM_LABEL_MAP = """\
[[rule]]
match = "stim_(\\\\w+)"
class = "$1"
action = "start"

[[rule]]
exact = "stim_end"
action = "end"
"""
_SFREQ = 200


def write_wearer_recording(
    path: str | os.PathLike,
    dataset: str = "seed-iv",
    *,
    subject: int = 1,
    seed: int = 0,
    segments_per_class: int = 3,
    segment_s: float = 25.0,
    rest_s: float = 5.0,
    individual_rms: float = 0.0,
    shuffle_labels: bool = False,
    session: int = 1,
    marker_streams: tuple[str, str] | None = None,
) -> Path:
    """Write one synthetic calibration session as a FIF file.

    Parameters
    ----------
    path : path-like
        The ``.fif`` to write; ``SYNTHETIC_DATA.txt`` is written beside it.
    dataset : str
        Whose classes and population effect (``synth.generate``'s).
    subject : int
        The simulated subject (as subject ``subject`` of ``seed``).
    seed : int
        Seed of the population and subject (``synth.generate``'s).
    segments_per_class : int
        Labelled segments of each class.
    segment_s, rest_s : float
        Seconds of each segment and of the rest after it.
    individual_rms : float
        Extra subject-specific pattern per class and band, DE (log2) units.
    shuffle_labels : bool
        Markers name a shuffled class (the EEG keeps its true one): a
        shuffled-labels control.
    session : int
        Draws another session of the same subject.
    marker_streams : (str, str) | None
        Write two marker streams, as an XDF recording of ``eegstream
        record`` read back holds them: the stimulus program's (first name)
        and, 10 µs later at each segment's edges, a replay's own markers
        naming the class the EEG holds (second name). None: one unnamed set.

    Returns
    -------
    Path
        ``path``.
    """
    import mne

    classes = T.CLASSES[dataset]
    population = population_effect(classes, np.random.default_rng([seed, 0]))
    subj = make_subject(population, np.random.default_rng([seed, 1, subject]))
    if individual_rms:  # the wearer's own: the same in every session
        own = _smooth_field(np.random.default_rng([seed, 4, subject]), (len(classes),))
        subj = replace(subj, effect=subj.effect + individual_rms * own)
    rng = np.random.default_rng([seed, 3, subject, session])
    order = np.concatenate(
        [rng.permutation(len(classes)) for _ in range(segments_per_class)]
    )
    named = rng.permutation(order) if shuffle_labels else order
    n_seg, n_rest = round(segment_s * _SFREQ), round(rest_s * _SFREQ)
    pieces, onsets, markers = [], [], []
    for i, (label, shown) in enumerate(zip(order, named, strict=True)):
        t = i * (n_seg + n_rest) / _SFREQ
        pieces += [
            simulate(subj, int(label), n_seg, _SFREQ, rng),
            simulate(subj, None, n_rest, _SFREQ, rng),
        ]
        onsets += [t, t + segment_s, t + segment_s + rest_s / 2]
        markers += [f"stim_{classes[shown]}", "stim_end", "fixation"]
    info = mne.create_info(list(SEED_CHANNELS), float(_SFREQ), "eeg")
    raw = mne.io.RawArray(np.concatenate(pieces, 1) * 1e-6, info, verbose="error")
    extras = None
    if marker_streams is not None:
        stim, replay = marker_streams
        extras = [{"stream": stim} for _ in markers]
        for i, label in enumerate(order):
            t = i * (n_seg + n_rest) / _SFREQ + 1e-5
            for at, event in ((t, "trial_start"), (t + segment_s, "trial_end")):
                onsets.append(at)
                markers.append(
                    format_marker(event=event, trial=i + 1, label=classes[label])
                )
                extras.append({"stream": replay})
    raw.set_annotations(
        mne.Annotations(onsets, [0.0] * len(onsets), markers, extras=extras)
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomic, under a temporary name that keeps MNE's file-name ending.
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        raw.save(tmp, fmt="single", overwrite=True, verbose="error")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    atomic_write_text(
        path.parent / T.SYNTHETIC_MARKER,
        f"SYNTHETIC DATA - NOT REAL EEG: simulated calibration session(s) "
        f"(eegstream.datasets.synth_recording, {dataset} classes, seed {seed}).\n",
    )
    return path
