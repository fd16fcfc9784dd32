"""Readers for the SEED family and a synthetic generator in the same layouts.

:func:`open_dataset` scans a release folder (SEED, SEED-IV, SEED-V,
SEED-VII) exactly as distributed and returns a :class:`Dataset` of lazy
:class:`Trial` s: EEG as (62, N) µV at 200 Hz in SEED channel order, and the
release's own features as (W, 62, 5). :mod:`eegstream.datasets.synth` writes
synthetic data (NOT real EEG) in the same layouts; :mod:`.cache` caches
project features per trial.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import EEGStreamError
from .base import Dataset, Trial
from .rated_tables import RATED_DATASETS
from .tables import CLASSES, DATASETS

#: The readers with preprocessed and raw EEG (``eeg="preprocessed" | "raw"``).
_EEG_CHOICE = ("seed", "seed-vii", "deap", "faced")


def open_dataset(name: str, root: str | os.PathLike, **options) -> Dataset:
    """Scan a SEED-family release folder.

    Only names, variable headers and label files are read; signals are read
    when a trial's ``eeg()`` or ``official_features()`` is called. A partial
    release (some subjects, sessions or parts) loads, and
    :meth:`Dataset.describe` says what was found and what is missing.

    Parameters
    ----------
    name : "seed" | "seed-iv" | "seed-v" | "seed-vii" | "deap" | "dreamer" | \
"amigos" | "faced"
        Which release ``root`` holds.
    root : path-like
        The release folder (e.g. ``SEED_IV/``), or a folder directly above it.
    **options
        Reader settings: SEED ``features="ExtractedFeatures_4s"`` (which
        feature folder, default the first present of ``_4s``, ``_1s``, plain)
        and ``eeg="preprocessed" | "raw"``; SEED-V ``column_order="channel" |
        "band"`` (how the 310 DE columns are laid out); SEED-VII
        ``eeg="preprocessed" | "raw"``. The rated datasets (DEAP, DREAMER,
        AMIGOS, FACED): ``target``, ``threshold`` (how ratings become
        labels, :func:`eegstream.datasets.targets.make_target`) and
        ``baseline="none" | "subtract"`` (DEAP, DREAMER); AMIGOS also
        ``videos="short" | "all"``; DEAP and FACED ``eeg="preprocessed" |
        "raw"`` (default: the preprocessed files where present, else the raw
        BDF recordings).

    Returns
    -------
    Dataset

    Raises
    ------
    EEGStreamError
        For an unknown name, a missing or wrong folder, or any file whose
        name, keys or shapes differ from the release's (the message names
        the file and what was expected).

    Examples
    --------
    >>> ds = open_dataset("seed-iv", "data/SEED_IV")  # doctest: +SKIP
    >>> ds.trials[0].eeg().shape  # doctest: +SKIP
    (62, 8400)
    """
    from importlib import import_module

    if name not in DATASETS + RATED_DATASETS:
        raise EEGStreamError(
            f"unknown dataset {name!r}; choose one of "
            f"{', '.join(DATASETS + RATED_DATASETS)}"
        )
    if options.get("eeg") is not None and name not in _EEG_CHOICE:
        raise EEGStreamError(
            f"{name} has one kind of EEG; {{eeg}} is for {', '.join(_EEG_CHOICE)}",
            param="eeg",
        )
    rated = sorted(k for k in ("target", "threshold", "baseline") if k in options)
    if name in DATASETS and rated:
        raise EEGStreamError(
            f"{name} has its own classes; {{{rated[0]}}} is for the rated datasets "
            f"({', '.join(RATED_DATASETS)})",
            param=rated[0],
        )
    module = import_module(f"{__name__}.{name.replace('-', '_')}")
    try:
        return module.read(root, **options)
    except TypeError as err:
        if "unexpected keyword" in str(err):
            raise EEGStreamError(f"{name} reader: {err}") from None
        raise


def open_data(
    dataset: str | None = None,
    root: str | os.PathLike | None = None,
    *,
    recordings: Sequence[str | os.PathLike] | None = None,
    label_map: str | os.PathLike | None = None,
    classes: Sequence[str] | None = None,
    subject_pattern: str | None = None,
    markers: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> Dataset:
    """Open a SEED-family release (``dataset``, ``root``) or your ``recordings``.

    What ``eegstream train`` and ``evaluate`` open: :func:`open_dataset`
    (with the reader ``options``: a rated dataset's ``target``,
    ``threshold``, ``baseline``), or
    :func:`eegstream.datasets.recordings.open_recordings` with the other
    arguments.

    Raises
    ------
    EEGStreamError
        Both or neither kind given, or what the reader raises.
    """
    if recordings:
        if dataset or root:
            raise EEGStreamError(
                "give either {recordings} or {dataset} and {root}, not both",
                param=("recordings", "dataset", "root"),
            )
        from .recordings import open_recordings

        return open_recordings(
            recordings,
            label_map,
            classes=classes,
            subject_pattern=subject_pattern,
            markers=markers,
        )
    if not dataset or root is None:
        raise EEGStreamError(
            "give {dataset} and {root} (a SEED-family release), or {recordings} "
            "(your own files)",
            param=("dataset", "root", "recordings"),
        )
    return open_dataset(dataset, root, **(options or {}))


__all__ = [
    "CLASSES",
    "DATASETS",
    "RATED_DATASETS",
    "Dataset",
    "Trial",
    "open_data",
    "open_dataset",
]
