"""A personal model from a wearer's labelled calibration recordings.

:func:`calibrate` reads the recordings through the recordings dataset (the
label map turns markers into labelled segments), computes their features
with the training code (:func:`eegstream.training.data.load_trial_steps`,
cached), estimates what calibration buys by blocked cross-validation
(:mod:`.estimate`), adapts the base model on every segment and writes
``models/NAME.safetensors`` and its card. The header records whose model it
is (``wearer``) and how it was made (``calibration``); the base file is read,
never written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from .._io import atomic_write_text
from ..features import NormaliserState
from ..headsets import describe_channels
from ..labelmap import LabelMap
from ..model import (
    CalibrationInfo,
    Checkpoint,
    CheckpointMetrics,
    NormaliserSpec,
    checkpoint_meta,
    models_dir,
    save_checkpoint,
)
from ..model.predict import as_checkpoint
from ..montage import SEED_CHANNELS
from ..training.data import TrialSteps
from .adapt import METHOD_WHY, AdaptSettings, adapt, check_method
from .estimate import (
    MAX_FOLDS,
    MIN_SEGMENTS,
    CalibrationEstimate,
    cross_validate,
    wearer_crops,
    wearer_normaliser,
)
from .gain import TEST_NAME, check_alpha, default_permutations
from .options import ALPHA, MAX_ALPHA


@dataclass(frozen=True)
class WearerData:
    """One wearer's labelled segments, as feature steps of the base model.

    Attributes
    ----------
    trials : list of TrialSteps
        Segments in time order (recording, then onset); ``label`` is the id
        of the base model's class; ``steps`` (n_steps, n_features) are
        un-normalised features of the base model's channels.
    classes : tuple of str
        The classes present, in the base model's order.
    minutes : float
        Labelled EEG used, in minutes.
    recordings : tuple of str
        The recordings' file names.
    synthetic : bool
        Whether the recordings are synthetic data.
    subject : str | None
        The BIDS subject label of the file names (``sub-XX``), if any.
    dropped : int
        Segments shorter than one feature window, left out.
    labelled_by : tuple of str
        Per file, which marker streams labelled what and which were ignored.
    """

    trials: list[TrialSteps]
    classes: tuple[str, ...]
    minutes: float
    recordings: tuple[str, ...]
    synthetic: bool
    subject: str | None
    dropped: int = 0
    labelled_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class CalibrationResult:
    """What :func:`calibrate` measured and wrote.

    Attributes
    ----------
    checkpoint : Path | None
        The personal model; None when it was not written (it did not beat the
        base model and ``force`` was not given).
    card : Path | None
        Its model card.
    estimate : CalibrationEstimate
        Base versus personal accuracy on held-out segments.
    improves : bool
        Whether the personal model beats the base model there.
    method : str
        The adaptation method.
    wearer : str
        Whose model it is.
    minutes : float
        Labelled calibration EEG used, in minutes.
    classes : tuple of str
        The classes calibrated.
    wearer_dir : Path | None
        The wearer's folder in the store (``wearer`` given), else None.
    labelled_by : tuple of str
        Per file, which marker streams labelled what and which were ignored.
    """

    checkpoint: Path | None
    card: Path | None
    estimate: CalibrationEstimate
    improves: bool
    method: str
    wearer: str
    minutes: float
    classes: tuple[str, ...]
    wearer_dir: Path | None = None
    labelled_by: tuple[str, ...] = ()


def calibrate(
    base: Checkpoint | str | os.PathLike,
    recordings: Sequence[str | os.PathLike],
    label_map: LabelMap | str | os.PathLike | None,
    *,
    out: str,
    wearer: str | None = None,
    force: bool = False,
    progress: bool = True,
    method: str | None = None,
    settings: AdaptSettings = AdaptSettings(),  # noqa: B008 - frozen
    folds: int = MAX_FOLDS,
    alpha: float = ALPHA,
    permutations: int | None = None,
    markers: Sequence[str] | None = None,
    models_folder: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    command: str | None = None,
) -> CalibrationResult:
    """Adapt ``base`` to the wearer of ``recordings`` and measure what it buys.

    Parameters
    ----------
    base : Checkpoint | str | path-like
        The cross-subject model (a name in ``models/`` or a file); never
        modified.
    recordings : sequence of path-like
        The wearer's calibration recordings (XDF, FIF, EDF, ...; folders are
        searched), all of one person.
    label_map : LabelMap | path-like | None
        Rules turning the stimulus program's markers into labelled segments
        (:mod:`eegstream.labelmap`); None: eegstream's own replay markers.
    out : str
        Name of the personal model: ``models/<out>.safetensors`` and ``.md``.
    wearer : str | None
        Save the wearer's normaliser statistics and personal model under
        this name in the wearer store (:mod:`eegstream.wearers`); also the
        name the header records (default: the files' BIDS ``sub-XX`` label,
        else the first file's name).
    force : bool
        Write the personal model even when it does not beat the base model.
    progress : bool
        Progress bars on stderr.
    method : str | None
        ``"last-layer"``, ``"head"`` or ``"full"``
        (:mod:`eegstream.calibration.adapt`); None: the architecture's
        default (:data:`~eegstream.calibration.adapt.DEFAULT_METHOD`).
    settings : AdaptSettings
        Epochs, learning rate, pull, seed of the adaptation.
    folds : int
        At most this many folds of the blocked cross-validation (fewer when
        a class has fewer segments), at least 2.
    alpha : float
        Level of the gain test (:mod:`eegstream.calibration.gain`), in
        (0, 0.5]: the personal model is written when p <= alpha.
    permutations : int | None
        Relabellings of whole segments in the test's null distribution;
        None: :func:`~eegstream.calibration.gain.default_permutations`.
    markers : sequence of str | None
        The marker streams that label segments, by name; None: those the
        label map's rules match (:func:`eegstream.labelmap.labelled_segments`).
    models_folder : path-like | None
        Where to write (default :func:`eegstream.model.models_dir`).
    cache_dir : path-like | None
        Feature cache folder.
    command : str | None
        The command line, for the card and the header.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    EEGStreamError
        A recording without labelled segments, fewer than two classes, a
        class the base model does not know, fewer than two segments of a
        class, channels of the base model missing from the recordings, a
        base model whose features cannot be computed from a recording, or
        ``out`` naming the base model, ``alpha`` outside (0, 0.5] or
        too few ``permutations`` to reach it: one line each.
    """
    from .._checks import check_number
    from ..wearers import (
        check_wearer_name,
        save_normaliser_state,
        save_wearer_model,
        wearer_dir,
    )

    check_number(folds, "folds", min=2, integer=True)
    check_number(alpha, "alpha", min=0, min_inclusive=False, max=MAX_ALPHA)
    check_number(settings.epochs, "epochs", min=1, integer=True)
    ckpt = as_checkpoint(base)
    folder = Path(models_folder) if models_folder is not None else models_dir()
    target = _check_out(out, folder, ckpt)
    if wearer is not None:
        check_wearer_name(wearer)
    method = check_method(method, ckpt.arch)
    if permutations is None:
        permutations = default_permutations(method, alpha)
    check_alpha(alpha, permutations)
    base_digest = hashlib.sha256(ckpt.path.read_bytes()).hexdigest()
    data = load_wearer_data(
        ckpt,
        recordings,
        label_map,
        cache_dir=cache_dir,
        progress=progress,
        markers=markers,
    )
    cfg = ckpt.feature_config
    model = ckpt.build()
    base_normaliser = ckpt.normaliser()
    estimate = cross_validate(
        model,
        ckpt.arch,
        base_normaliser,
        data.trials,
        cfg,
        method,
        settings,
        max_folds=folds,
        alpha=alpha,
        permutations=permutations,
        progress=progress,
    )
    state = dataclasses.replace(
        NormaliserState.from_steps(np.concatenate([t.steps for t in data.trials])),
        key=ckpt.meta.statistics_key,
    )
    whose = wearer or data.subject or Path(data.recordings[0]).stem
    written = card = None
    if estimate.improves or force:
        crops = wearer_crops(
            data.trials, cfg, wearer_normaliser(state, base_normaliser.prior_steps)
        )
        personal = adapt(model, ckpt.arch, crops, method, settings)
        info = CalibrationInfo(
            base=ckpt.name,
            base_sha256=base_digest,
            method=method,
            minutes=round(data.minutes, 3),
            segments=len(data.trials),
            classes=data.classes,
            estimate=estimate.to_dict(),
            recordings=data.recordings,
        )
        meta = _personal_meta(ckpt, state, whose, info, command)
        written = save_checkpoint(target, personal.state_dict(), meta)
        card = write_card(target.with_suffix(".md"), meta, data, estimate, command)
    store = None
    if wearer is not None:
        save_normaliser_state(wearer, state)
        if written is not None:
            save_wearer_model(wearer, written, base=ckpt.name)
        store = wearer_dir(wearer)
    return CalibrationResult(
        checkpoint=written,
        card=card,
        estimate=estimate,
        improves=estimate.improves,
        method=method,
        wearer=whose,
        minutes=data.minutes,
        classes=data.classes,
        wearer_dir=store,
        labelled_by=data.labelled_by,
    )


def _check_out(out: str, folder: Path, ckpt: Checkpoint) -> Path:
    """Return the personal model's path; refuse a path or the base's file."""
    if not out or Path(out).name != out or out.endswith(".safetensors"):
        raise EEGStreamError(
            f"{{out}} must be a model name such as 'P07-personal' (written as "
            f"models/NAME.safetensors), got {out!r}",
            param="out",
        )
    target = folder / f"{out}.safetensors"
    if target.resolve() == ckpt.path.resolve():
        raise EEGStreamError(
            f"{{out}} {out!r} is the base model's own file {ckpt.path}; the base is "
            "never overwritten: choose another name",
            param="out",
        )
    return target


def load_wearer_data(
    ckpt: Checkpoint,
    recordings: Sequence[str | os.PathLike],
    label_map: LabelMap | str | os.PathLike | None,
    *,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    markers: Sequence[str] | None = None,
) -> WearerData:
    """Open a wearer's recordings as the base model's feature steps, checked.

    Raises
    ------
    EEGStreamError
        For every bad input :func:`calibrate` lists.
    """
    from ..datasets.recordings import open_recordings
    from ..training.data import load_trial_steps, select_channels

    meta = ckpt.meta
    cfg = ckpt.feature_config
    if meta.features.kind != "own":
        raise EEGStreamError(
            f"base model {ckpt.name!r} was trained on a release's precomputed "
            f"features ({meta.features}), which cannot be computed from a "
            "recording; calibrate a model trained on its own features "
            "(eegstream train --features own)"
        )
    if cfg.sfreq != 200:
        raise EEGStreamError(
            f"base model {ckpt.name!r} works at {cfg.sfreq:g} Hz but recordings are "
            "read at 200 Hz for calibration; calibrate a model trained at 200 Hz"
        )
    ds = open_recordings(recordings, label_map, markers=markers)
    unknown = [c for c in ds.classes if c not in ckpt.classes]
    if unknown:
        raise EEGStreamError(
            f"calibration class(es) {', '.join(map(repr, unknown))} are not classes "
            f"of base model {ckpt.name!r} ({', '.join(ckpt.classes)}); make the "
            "label map name those classes"
        )
    if len(ds.subjects) > 1:
        raise EEGStreamError(
            f"the recordings are of {len(ds.subjects)} subjects ({ds.subjects}); "
            "calibrate one wearer at a time"
        )
    files = sorted({Path(t.eeg_source) for t in ds.trials if t.eeg_source})
    _check_rates(files, cfg, ckpt.name)
    steps, _ = load_trial_steps(ds, cfg, "own", cache_dir=cache_dir, progress=progress)
    if tuple(ckpt.channels) != tuple(SEED_CHANNELS):
        steps = select_channels(steps, ckpt.channels, len(cfg.bands))
    _check_channels(steps, ckpt)
    durations = {t.key: t.duration_s for t in ds.trials}
    kept = [
        replace(t, label=ckpt.classes.index(ds.classes[t.label]))
        for t in steps
        if len(t.steps)
    ]
    _check_amount(kept, ckpt, cfg.window_s, dropped=len(steps) - len(kept))
    present = tuple(
        c for i, c in enumerate(ckpt.classes) if i in {t.label for t in kept}
    )
    subject = _bids_subject(files)
    return WearerData(
        trials=kept,
        classes=present,
        minutes=sum(durations[t.key] for t in kept) / 60,
        recordings=tuple(f.name for f in files),
        synthetic=ds.synthetic,
        subject=subject,
        dropped=len(steps) - len(kept),
        labelled_by=tuple(ds.found),
    )


def _check_rates(files: list[Path], cfg, name: str) -> None:
    """Refuse a recording too slow to hold the model's top band."""
    from ..files.reading import read_raw

    top = max(hi for _, hi in cfg.bands)
    for f in files:
        rate = float(read_raw(f).info["sfreq"])
        if rate < 2 * top:
            raise EEGStreamError(
                f"recording {f.name} is sampled at {rate:g} Hz, below twice the top "
                f"band edge ({top:g} Hz) of base model {name!r}: its highest band "
                f"cannot be measured; record at {2 * top:g} Hz or more"
            )


def _check_channels(steps: list[TrialSteps], ckpt: Checkpoint) -> None:
    """Refuse recordings lacking a channel the base model reads."""
    n_bands = len(ckpt.feature_config.bands)
    seen = np.zeros(len(ckpt.channels), dtype=bool)
    for t in steps:
        finite = np.isfinite(t.steps).reshape(len(t.steps), -1, n_bands)
        seen |= finite.any(axis=(0, 2))
    if not seen.all():
        missing = [c for c, ok in zip(ckpt.channels, seen, strict=True) if not ok]
        raise EEGStreamError(
            f"the recordings lack {len(missing)} of the {len(ckpt.channels)} channels "
            f"base model {ckpt.name!r} reads ({', '.join(missing[:8])}"
            f"{' ...' if len(missing) > 8 else ''}); calibrate a model of "
            f"the recorded channels (eegstream train --channels-from FILE)"
        )


def _check_amount(
    trials: list[TrialSteps], ckpt: Checkpoint, window_s: float, dropped: int
) -> None:
    """Refuse fewer than two classes or a class with too few segments."""
    counts = {c: 0 for c in ckpt.classes}
    for t in trials:
        counts[ckpt.classes[t.label]] += 1
    present = {c: n for c, n in counts.items() if n}
    short = (
        f" ({dropped} shorter than the {window_s:g} s window left out)"
        if dropped
        else ""
    )
    if len(present) < 2:
        found = ", ".join(f"{c} ({n})" for c, n in present.items()) or "none"
        raise EEGStreamError(
            f"calibration needs labelled segments of at least 2 classes, each with "
            f">= {MIN_SEGMENTS} segments of >= {window_s:g} s; found {found}{short}"
        )
    few = {c: n for c, n in present.items() if n < MIN_SEGMENTS}
    if few:
        c, n = next(iter(few.items()))
        raise EEGStreamError(
            f"too little data for the blocked cross-validation: class {c!r} has {n} "
            f"segment(s) of >= {window_s:g} s{short}; it needs >= {MIN_SEGMENTS} per "
            f"class (one to adapt on, one held out; the gain test relabels whole "
            f"segments within folds): record "
            f"{MIN_SEGMENTS - n} more {c!r} segment(s)"
        )


def _bids_subject(files: list[Path]) -> str | None:
    from ..datasets.recordings import _BIDS

    found = {m.group(1) for f in files if (m := _BIDS["subject"].search(f.stem))}
    return f"sub-{found.pop()}" if len(found) == 1 else None


def _personal_meta(
    ckpt: Checkpoint,
    state: NormaliserState,
    wearer: str,
    info: CalibrationInfo,
    command: str | None,
):
    """Return the base header with the wearer's statistics, whose and how."""
    meta = ckpt.meta
    provenance = dict(meta.provenance)
    if command is not None:
        provenance["command"] = command
    return checkpoint_meta(
        arch=meta.arch,
        arch_params=meta.arch_params,
        feature_config=meta.feature_config,
        classes=meta.classes,
        normaliser=NormaliserSpec(
            "running",
            tuple(state.mean.tolist()),
            tuple(state.std.tolist()),
            meta.normaliser.prior_steps,
        ),
        dataset=meta.dataset,
        protocol=meta.protocol,
        metrics=CheckpointMetrics(),
        max_missing_channels=meta.max_missing_channels,
        channels=meta.channels,
        features=meta.features,
        wearer=wearer,
        calibration=info,
        **provenance,
    )


def write_card(
    path: Path,
    meta,
    data: WearerData,
    estimate: CalibrationEstimate,
    command: str | None,
) -> Path:
    """Write the personal model's card: base, wearer, data, method, the estimate."""
    info = meta.calibration
    synthetic = " **SYNTHETIC DATA** (not real EEG)." if data.synthetic else ""
    per_class = {c: 0 for c in data.classes}
    for t in data.trials:
        per_class[meta.classes[t.label]] += 1
    lines = [
        f"# Model card: {path.stem} (personal model of {meta.wearer})",
        "",
        f"- **Personal model** of wearer **{meta.wearer}**, calibrated from base "
        f"model `{info.base}` (sha256 `{info.base_sha256[:16]}…`; the base file is "
        f"unchanged). Architecture {meta.arch}; classes in output order: "
        f"{', '.join(meta.classes)}.",
        f"- **Calibration data**: {data.minutes:.1f} minutes of labelled EEG in "
        f"{len(data.trials)} segments from {', '.join(data.recordings)}; classes "
        + ", ".join(f"{c} ({n})" for c, n in per_class.items())
        + f".{synthetic}",
        f"- **Channels**: {describe_channels(meta.channels)}; features as the base "
        f"model's (window {meta.feature_config.window_s:g} s, hop "
        f"{meta.feature_config.hop_s:g} s).",
        f"- **Method**: `{info.method}`: {METHOD_WHY[info.method]}",
        "- **Normaliser**: the wearer's own feature statistics over the calibration "
        f"steps (running normaliser, prior weight {meta.normaliser.prior_steps:g} "
        "steps).",
        f"- **Honest estimate** (blocked cross-validation, {len(estimate.folds)} "
        "folds, whole segments held out; per window, every step the live path "
        f"classifies): base {estimate.base_accuracy:.1%}, personal "
        f"{estimate.personal_accuracy:.1%}; chance {estimate.chance:.1%}.",
        f"- **Gain test** ({TEST_NAME}; the segment is the unit: the windows "
        f"of one segment are not independent): {estimate.verdict()}.",
        "",
        "```",
        *estimate.lines(),
        "```",
        "",
        "## Caveats",
        "",
        "- A few minutes of one session: the held-out segments share the "
        "session's electrode placement and state; a later visit may differ, so "
        "re-check with a fresh calibration block.",
        "- Folds hold out whole segments, but segments of one session still share "
        "slow drifts; the gain test's level is measured on simulated wearers "
        "(benchmarks/bench_calibration_level.py), not on real EEG.",
    ]
    if data.synthetic:
        lines.append(
            "- SYNTHETIC DATA: these numbers describe the simulation, not emotion "
            "recognition from real EEG."
        )
    if command:
        lines += ["", "## Reproduce", "", f"`{command}`"]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path
