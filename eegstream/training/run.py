"""One training run: the options checked, the data and splits prepared.

Used by ``eegstream train``: :func:`prepare_run` checks the options and loads
the features, :func:`~eegstream.training.schedule.train_runs` runs
:func:`~eegstream.training.fit.train_split` on every split (here or on Ray),
:func:`~eegstream.training.results.finish_run` writes the report and the best
model. Every split is trained and tested the same way whichever architecture
is chosen, so the network and the baseline are compared on the same subjects.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import replace

from .._checks import check_number, check_value
from .._errors import EEGStreamError
from ..features.normalise import NORMALISER_MODES
from ..headsets import choose_channels
from ..montage import SEED_CHANNELS
from .config import (
    CONTROLS,
    KEEP,
    READOUTS,
    SELECT_ON,
    RunOptions,
)
from .data import (
    ZSCORE_OVER,
    classes_by_subject,
    crop_stride,
    drop_flagged,
    load_trial_steps,
    population_stats,
    select_channels,
)
from .fit import TRAINERS, build_inputs, in_units, unit_trials
from .job import PreparedRun, SplitJob
from .results import RunResult, finish_run
from .schedule import train_runs
from .splits import SPLIT_DRAWS, make_splits, segment_blocks


def is_synthetic(dataset) -> bool:
    """Whether the dataset folder was made by ``eegstream.datasets.synth``."""
    return bool(dataset.synthetic)


def _validate(opts: RunOptions) -> None:
    if opts.channels is not None:
        opts.channels = choose_channels(opts.channels).channels
        if opts.channels == SEED_CHANNELS:
            opts.channels = None
    if opts.compare_full and opts.channels is None:
        raise EEGStreamError(
            "{compare_full} compares a channel subset with all 62 channels; give "
            "the subset with {channels} or {channels_from}",
            param=("compare_full", "channels", "channels_from"),
        )
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", opts.run_name):
        raise EEGStreamError(
            f"name must be letters, digits, '.', '_' or '-' (it names files in "
            f"models/), got {opts.run_name!r}"
        )
    check_value(opts.arch, TRAINERS, "arch")
    check_value(opts.control, CONTROLS, "control")
    check_value(opts.normaliser, NORMALISER_MODES, "normaliser")
    check_value(opts.train.select_on, SELECT_ON, "select_on")
    check_value(opts.train.readout, READOUTS, "readout")
    check_number(opts.train.epochs, "epochs", min=1, integer=True)
    check_number(opts.train.batch_size, "batch_size", min=2, integer=True)
    check_number(opts.train.early_stopping, "early_stopping", min=0, integer=True)
    check_number(opts.train.crops_per_trial, "crops_per_trial", min=1, integer=True)
    check_number(opts.crops, "crops", unit="s", min=0)
    check_value(opts.train.keep, KEEP, "keep")
    check_value(opts.zscore_over, ZSCORE_OVER, "zscore_over")
    check_value(opts.split_draw, SPLIT_DRAWS, "split_draw")
    check_number(opts.workers, "workers", min=1, integer=True)
    check_number(opts.threads, "threads", min=1, integer=True)
    if opts.drop_artifacts and opts.features != "own":
        raise EEGStreamError(
            "{drop_artifacts} needs the project's own features ({features} own): "
            "the signal checks judge its windows, not the release's",
            param=("drop_artifacts", "features"),
        )


def prepare_run(opts: RunOptions) -> PreparedRun:
    """Check the options, open the dataset, make the splits, load the features."""
    from ..datasets import open_data

    _validate(opts)
    started = datetime.datetime.now(datetime.UTC)
    dataset = open_data(
        opts.dataset,
        opts.root,
        recordings=opts.recordings,
        label_map=opts.label_map,
        classes=opts.classes,
        subject_pattern=opts.subject_pattern,
        markers=opts.markers,
    )
    if opts.subjects:
        unknown = sorted(set(opts.subjects) - set(dataset.subjects))
        if unknown:
            raise EEGStreamError(
                f"subjects {unknown} not in {dataset.name} at {dataset.root}; "
                f"present: {dataset.subjects}"
            )
        dataset.trials = [t for t in dataset.trials if t.subject in set(opts.subjects)]
    if opts.crops:  # before the (possibly long) feature extraction
        shortest = min(t.duration_s for t in dataset.trials)
        crop_stride(opts.crops, opts.feature_config.hop_s, shortest)
    classes = tuple(dataset.classes)
    # Check the protocol before the (possibly long) feature extraction.
    by_subject: dict[int, set[int]] = {}
    for t in dataset.trials:
        by_subject.setdefault(t.subject, set()).add(t.label)
    if len(by_subject) == 1 and opts.protocol == "paper":
        opts = replace(opts, protocol="within")  # one subject: split its trials
    # What splits hold: subjects, or (within) blocks of whole trials.
    blocks = segment_blocks(dataset.trials) if opts.protocol == "within" else None
    by_unit = by_subject
    if blocks is not None:
        by_unit = {}
        for t in dataset.trials:
            by_unit.setdefault(blocks[t.key], set()).add(t.label)
    splits = make_splits(
        opts.protocol,
        by_unit,
        len(classes),
        opts.repeats,
        opts.train.seed,
        opts.split_draw,
    )
    trials, cfg = load_trial_steps(
        dataset,
        opts.feature_config,
        opts.features,
        opts.official_kind,
        opts.cache_dir,
        opts.progress,
    )
    assert classes_by_subject(trials) == by_subject, "sanity check: trials changed"
    artifacts = None
    if opts.drop_artifacts:
        from ..datasets.cache import dataset_quality

        quality = dataset_quality(
            dataset, cfg, opts.quality, opts.cache_dir, opts.progress
        )
        flagged = {k: q.flagged(opts.max_missing_channels) for k, q in quality.items()}
        trials, artifacts = drop_flagged(trials, flagged, classes)
    full = None
    if opts.channels is not None:
        if opts.compare_full:
            full = _split_job(opts, trials, cfg, classes, splits, blocks)
        # A subset model's features: its columns of the cached 62-channel DE.
        trials = select_channels(trials, opts.channels, len(cfg.bands))
    job = replace(_split_job(opts, trials, cfg, classes, splits, blocks), full=full)
    return PreparedRun(dataset, splits, job, is_synthetic(dataset), started, artifacts)


def _split_job(opts, trials, cfg, classes, splits, blocks) -> SplitJob:
    """Make a run's :class:`SplitJob`, with the per-subject sequences built once."""
    sequences = None
    if opts.normaliser == "subject":
        # mean and std are unused by the per-subject z-score.
        mean, std = population_stats(unit_trials(trials, blocks), splits[0].train)
        sequences = in_units(build_inputs(trials, cfg, opts, mean, std), blocks)
    return SplitJob(opts, trials, cfg, classes, sequences, blocks)


def run_training(opts: RunOptions) -> RunResult:
    """Train and test on every split of ``opts.protocol``; write the report and model.

    With ``opts.workers > 1`` or ``opts.ray_address`` the splits run as Ray
    tasks (:mod:`eegstream.training.distributed`); the result is the same.

    Returns
    -------
    RunResult
        The report folder, the saved checkpoint (None for a control run or
        ``save_model=False``) and the metrics written to ``metrics.json``.
    """
    prepared = prepare_run(opts)  # bad input fails before any training or Ray
    results = train_runs([prepared], opts.workers, opts.ray_address, opts.progress)
    return finish_run(prepared, results[0])
