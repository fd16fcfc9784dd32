"""How much calibration is enough: accuracy against calibration minutes, simulated.

For each held-out subject of a leave-one-subject-out split, the base model is
trained on the other subjects with the training code (live recipe), then
calibrated on the subject's first ``k`` labelled minutes (in recording
order) and tested on the same later data for every ``k``: everything after
the largest ``k``. ``k = 0`` is the cross-subject model as it runs live (its
running normaliser starting from the population statistics).

Each point carries a 95% confidence interval with the test segment as the
unit (windows of one segment are not independent), and a control is drawn
beside the personal model: the same adaptation on the same ``k`` minutes
with the segments' labels shuffled (class counts kept), which shows what
calibrating on labels that mean nothing gives.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .._io import atomic_write_text
from ..features import FeatureConfig, NormaliserState, RunningNormaliser
from ..training.data import TrialSteps
from .adapt import AdaptSettings, adapt, check_method
from .estimate import predict, wearer_crops, wearer_normaliser
from .gain import t_interval

#: Confidence level of each point's interval.
CI_LEVEL = 0.95

#: Calibration minutes simulated by default.
DEFAULT_MINUTES = (1.0, 2.0, 4.0)


@dataclass(frozen=True)
class CurveResult:
    """Accuracy against calibration minutes, per held-out subject.

    Attributes
    ----------
    minutes : tuple of float
        ``0`` first, then each ``k``.
    subjects : tuple of int
        Held-out subjects.
    base, personal : arrays of float, shape (n_subjects, n_minutes)
        Mean accuracy of the test segments of each subject (each segment its
        windows' share): the base model (its normaliser warmed on the first ``k``
        minutes), the personal model (NaN where the first ``k`` minutes hold
        fewer than 2 classes; at ``k = 0`` the base model).
    test_minutes : array of float, shape (n_subjects,)
        Length of each subject's test data.
    chance : float
    synthetic : bool
    method : str
    control : array of float, shape (n_subjects, n_minutes)
        The personal model adapted on the same minutes with shuffled segment
        labels (NaN as ``personal``).
    intervals : dict of str to array of float, shape (n_minutes, 2)
        95% confidence interval of ``"base"``, ``"personal"`` and
        ``"control"`` accuracy at each ``k``, t over every held-out
        subject's test segments (the unit).
    """

    minutes: tuple[float, ...]
    subjects: tuple[int, ...]
    base: np.ndarray
    personal: np.ndarray
    test_minutes: np.ndarray
    chance: float
    synthetic: bool
    method: str
    control: np.ndarray
    intervals: dict[str, np.ndarray]

    def lines(self) -> list[str]:
        """Return the table: mean ± SD over subjects at each ``k``."""
        tag = " [SYNTHETIC DATA]" if self.synthetic else ""
        out = [
            f"calibration minutes | base (normaliser warmed) | personal | "
            f"control: shuffled labels   ({len(self.subjects)} held-out "
            f"subjects{tag}; method {self.method}; mean accuracy of the test "
            f"segments "
            f"[{CI_LEVEL:.0%} CI, unit: test segment]; chance {self.chance:.1%})"
        ]
        for j, k in enumerate(self.minutes):
            cells = [
                _ci(np.nanmean(rows[:, j]), self.intervals[name][j])
                if np.isfinite(rows[:, j]).any()
                else "n/a"
                for name, rows in (
                    ("base", self.base),
                    ("personal", self.personal),
                    ("control", self.control),
                )
            ]
            out.append(f"{k:19g} | {cells[0]:>24} | {cells[1]:>8} | {cells[2]}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "minutes": list(self.minutes),
            "subjects": list(self.subjects),
            "base": self.base.tolist(),
            "personal": [
                [None if np.isnan(v) else v for v in row]
                for row in self.personal.tolist()
            ],
            "control": [
                [None if np.isnan(v) else v for v in row]
                for row in self.control.tolist()
            ],
            "intervals": {k: v.tolist() for k, v in self.intervals.items()},
            "ci_level": CI_LEVEL,
            "test_minutes": self.test_minutes.tolist(),
            "chance": self.chance,
            "synthetic": self.synthetic,
            "method": self.method,
            "unit": "segment",
        }


def _ci(mean: float, interval: np.ndarray) -> str:
    return f"{mean:.1%} [{interval[0]:.1%}, {interval[1]:.1%}]"


def _per_segment(model, crops) -> np.ndarray:
    """Accuracy of ``model`` on each segment of ``crops``, shape (n_segments,)."""
    hits = predict(model, crops) == crops.y
    return np.bincount(crops.trial, hits) / np.bincount(crops.trial)


def split_steps(
    trials: Sequence[TrialSteps], n_steps: int
) -> tuple[list[TrialSteps], list[TrialSteps]]:
    """Cut a time-ordered list of segments after its first ``n_steps`` steps.

    A segment straddling the cut is split in two (keys ``<key>:a``/``:b``).
    """
    first: list[TrialSteps] = []
    rest: list[TrialSteps] = []
    left = n_steps
    for t in trials:
        if left >= len(t.steps):
            first.append(t)
            left -= len(t.steps)
        elif left > 0:
            first.append(replace(t, key=f"{t.key}:a", steps=t.steps[:left]))
            rest.append(replace(t, key=f"{t.key}:b", steps=t.steps[left:]))
            left = 0
        else:
            rest.append(t)
    return first, rest


def subject_curve(
    base,
    arch: str,
    normaliser: RunningNormaliser,
    trials: Sequence[TrialSteps],
    cfg: FeatureConfig,
    minutes: Sequence[float],
    method: str,
    settings: AdaptSettings = AdaptSettings(),  # noqa: B008 - frozen
) -> tuple[dict[str, list[np.ndarray]], float]:
    """One subject's curve: accuracy per test segment at ``0`` and each ``k``.

    Returns
    -------
    segments : dict of str to list of arrays of float
        ``"base"``, ``"personal"``, ``"control"`` (shuffled calibration
        labels): for ``0`` and each ``k``, the accuracy on each test segment
        (empty where the first ``k`` minutes hold fewer than 2 classes).
    test_minutes : float
    """
    per_minute = 60.0 / cfg.hop_s
    largest = round(max(minutes) * per_minute)
    _, test = split_steps(trials, largest)
    if not test:
        total = sum(len(t.steps) for t in trials) / per_minute
        raise EEGStreamError(
            f"subject {trials[0].subject} has {total:.1f} min of labelled steps; "
            f"{{minutes}} up to {max(minutes):g} leaves none to test on: use fewer "
            "minutes",
            param="minutes",
        )
    prior = normaliser.prior_steps
    fresh = RunningNormaliser(normaliser.pop_mean, normaliser.pop_std, prior)
    zero = _per_segment(base, wearer_crops(test, cfg, fresh))
    out: dict[str, list[np.ndarray]] = {
        "base": [zero],
        "personal": [zero],
        "control": [zero],
    }
    rng = np.random.default_rng([settings.seed, trials[0].subject])
    for k in minutes:
        calib, _ = split_steps(trials, round(k * per_minute))
        state = NormaliserState.from_steps(np.concatenate([t.steps for t in calib]))
        warm = RunningNormaliser(normaliser.pop_mean, normaliser.pop_std, prior)
        warm.load_state(state)
        out["base"].append(_per_segment(base, wearer_crops(test, cfg, warm)))
        crops = wearer_crops(test, cfg, wearer_normaliser(state, prior))
        if len({t.label for t in calib}) < 2:
            out["personal"].append(np.empty(0))
            out["control"].append(np.empty(0))
            continue
        shuffled = [
            replace(t, label=int(c))
            for t, c in zip(
                calib, rng.permutation([t.label for t in calib]), strict=True
            )
        ]
        for name, labelled in (("personal", calib), ("control", shuffled)):
            own = wearer_crops(labelled, cfg, wearer_normaliser(state, prior))
            personal = adapt(base, arch, own, method, settings)
            out[name].append(_per_segment(personal, crops))
    return out, sum(len(t.steps) for t in test) / per_minute


def calibration_curve(
    dataset: str,
    root: str | os.PathLike,
    *,
    minutes: Sequence[float] = DEFAULT_MINUTES,
    subjects: Sequence[int] | None = None,
    held_out: Sequence[int] | None = None,
    arch: str = "logreg",
    method: str | None = None,
    settings: AdaptSettings = AdaptSettings(),  # noqa: B008 - frozen
    cache_dir: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    progress: bool = True,
) -> CurveResult:
    """Simulate calibration on a dataset, leave one subject out.

    Parameters
    ----------
    dataset : str
        A SEED-family layout (:data:`eegstream.datasets.DATASETS`).
    root : path-like
        Its folder.
    minutes : sequence of float
        Calibration amounts ``k`` in minutes (> 0).
    subjects : sequence of int | None
        Subjects to use (default all).
    held_out : sequence of int | None
        Subjects held out in turn (default every one of ``subjects``): each
        costs one base model trained on the others.
    arch : "logreg" | "resattentionet"
        The base model trained per held-out subject (live recipe).
    method : str | None
        Adaptation method (default: the architecture's).
    settings : AdaptSettings
        Adaptation settings.
    cache_dir : path-like | None
        Feature cache folder.
    out : path-like | None
        Folder for ``calibration_curve.png``, ``.json`` and ``.md``.
    progress : bool
        Progress bars on stderr.
    """
    from tqdm import tqdm

    from ..training.config import RunOptions, TrainConfig, apply_recipe
    from ..training.fit import train_split
    from ..training.run import prepare_run

    ks = _check_minutes(minutes)
    method = check_method(method, arch)
    values = apply_recipe(
        {"dataset": dataset, "root": Path(root), "protocol": "loso", "arch": arch,
         "feature_config": {}, "train": {}},
        "live",
    )  # fmt: skip
    opts = RunOptions(
        **{
            **values,
            "feature_config": FeatureConfig(**values["feature_config"]),
            "train": TrainConfig(**values["train"]),
        },
        subjects=list(subjects) if subjects else None,
        cache_dir=Path(cache_dir) if cache_dir else None,
        save_model=False,
        progress=progress,
    )
    prepared = prepare_run(opts)
    job = prepared.job
    wanted = set(held_out) if held_out else None
    splits = [
        (i, s) for i, s in enumerate(prepared.splits)
        if wanted is None or s.test[0] in wanted
    ]  # fmt: skip
    if not splits:
        raise EEGStreamError(
            f"{{held_out}} {sorted(wanted or ())} names no subject of the data "
            f"({sorted({t.subject for t in job.trials})})",
            param="held_out",
        )
    curves, test_min, who = [], [], []
    for i, split in tqdm(
        splits, desc="held-out subjects", unit="subject",
        disable=None if progress else True,
    ):  # fmt: skip
        fitted = train_split(job, i, split)
        normaliser = RunningNormaliser(fitted.mean, fitted.std, opts.prior_steps)
        subject = split.test[0]
        trials = [t for t in job.trials if t.subject == subject]
        segments, tm = subject_curve(
            fitted.model, arch, normaliser, trials, job.cfg, ks, method, settings
        )
        curves.append(segments)
        test_min.append(tm)
        who.append(subject)
    means = {
        name: np.array(
            [[s.mean() if len(s) else np.nan for s in c[name]] for c in curves]
        )
        for name in ("base", "personal", "control")
    }
    result = CurveResult(
        minutes=(0.0, *ks),
        subjects=tuple(who),
        base=means["base"],
        personal=means["personal"],
        test_minutes=np.array(test_min),
        chance=1.0 / len(job.classes),
        synthetic=prepared.synthetic,
        method=method,
        control=means["control"],
        intervals={
            name: np.array(
                [_interval([c[name][j] for c in curves]) for j in range(len(ks) + 1)]
            )
            for name in means
        },  # fmt: skip
    )
    if out is not None:
        write_curve(Path(out), result, dataset)
    return result


def _interval(per_segment: list[np.ndarray]) -> tuple[float, float]:
    """95% CI of the mean accuracy, every subject's test segments pooled."""
    values = np.concatenate(per_segment)
    return t_interval(values) if len(values) > 1 else (np.nan, np.nan)


def _check_minutes(minutes: Sequence[float]) -> tuple[float, ...]:
    ks = tuple(sorted({float(k) for k in minutes}))
    if not ks or ks[0] <= 0:
        raise EEGStreamError(
            f"{{minutes}} must be calibration amounts > 0 minutes, e.g. 1,2,4; got "
            f"{list(minutes)}",
            param="minutes",
        )
    return ks


def write_curve(out: Path, result: CurveResult, dataset: str) -> Path:
    """Write ``calibration_curve.png`` (with ``.json`` and ``.md``) into ``out``."""
    import json

    from ..training.report import _figure, _save

    out.mkdir(parents=True, exist_ok=True)
    plt, fig = _figure(figsize=(6, 4))
    ax = fig.add_subplot(111)
    ks = np.array(result.minutes)
    for name, key, rows, style in (
        ("personal model", "personal", result.personal, "o-"),
        ("base model, normaliser warmed", "base", result.base, "s--"),
        ("control: personal, shuffled labels", "control", result.control, "x:"),
    ):
        mean = np.nanmean(rows, axis=0)
        lo, hi = result.intervals[key].T
        err = np.abs(np.vstack([mean - lo, hi - mean]))
        ax.errorbar(ks, mean, yerr=err, fmt=style, capsize=3, label=name)
    ax.axhline(result.chance, color="grey", lw=0.8, ls=":", label="chance")
    tag = " [SYNTHETIC DATA]" if result.synthetic else ""
    ax.set_xlabel("calibration minutes (k = 0: cross-subject model)")
    ax.set_ylabel(f"accuracy on later data ({CI_LEVEL:.0%} CI over segments)")
    ax.set_title(f"{dataset}{tag}: {len(result.subjects)} held-out subjects")
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right", fontsize=8)
    _save(plt, fig, out / "calibration_curve.png")
    atomic_write_text(
        out / "calibration_curve.json", json.dumps(result.to_dict(), indent=2) + "\n"
    )
    atomic_write_text(
        out / "calibration_curve.md",
        "\n".join(["```", *result.lines(), "```"]) + "\n",
    )
    return out / "calibration_curve.png"
