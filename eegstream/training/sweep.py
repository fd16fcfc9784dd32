"""A grid of training runs from one TOML file, and the paper-style results table.

A sweep file names datasets (with their roots) and lists protocols, recipes,
architectures and seeds; every combination is one *cell*, one training run
as ``eegstream train`` does it. All cells' splits are scheduled together
(:func:`~eegstream.training.schedule.train_runs`, on Ray with ``workers > 1`` or
a cluster address). The sweep folder holds ``runs/<cell>/`` (each cell's
report), ``results.md`` and ``results.csv`` (one row per cell: mean ± SD
test accuracy and macro-F1 over its splits, the logistic-regression
baseline on the same splits beside the network, chance level, protocol) and
``results.png``. Example::

    [sweep]
    name = "seed-iv-table"            # default: the file's name
    protocols = ["paper", "loso"]     # default ["paper"]
    archs = ["resattentionet"]        # default ["resattentionet"]
    seeds = [42]                      # default [42]

    [datasets.seed-iv]                # one table per dataset: its root and
    root = "data/SEED_IV"             # any train option for its cells

    [recipes.paper]                   # named sets of train options
    [recipes.fast]                    # (default: one recipe "paper")
    epochs = 20
    lr = 3e-3

    [train]                           # train options of every cell
    repeats = 5

Keys of ``[train]``, a dataset or a recipe are ``eegstream train`` options
without the dashes (``batch-size`` or ``batch_size``).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .._io import atomic_write_text, read_toml
from .config import RunOptions
from .job import PreparedRun
from .results import finish_run
from .run import prepare_run
from .schedule import train_runs

# ``train`` options that the grid, [sweep] or the sweep command set, not a cell.
SWEEP_SET = (
    "dataset", "root", "protocol", "arch", "seed", "name", "out", "workers",
    "ray_address", "models_dir", "no_save",
)  # fmt: skip
_SWEEP_KEYS = ("name", "out", "protocols", "archs", "seeds")
TABLE_COLUMNS = (
    "dataset", "classes", "protocol", "recipe", "arch", "seed", "splits",
    "accuracy_mean", "accuracy_sd", "macro_f1_mean", "macro_f1_sd",
    "baseline_accuracy_mean", "baseline_accuracy_sd", "baseline_macro_f1_mean",
    "baseline_macro_f1_sd", "chance", "synthetic", "report",
)  # fmt: skip


@dataclass(frozen=True)
class SweepCell:
    """One training run of the grid.

    Attributes
    ----------
    key : str
        ``<dataset>-<protocol>-<recipe>-<arch>-seed<seed>``: the run's name
        and its folder under ``runs/``.
    dataset, protocol, recipe, arch : str
    seed : int
    options : dict
        ``eegstream train`` options (underscored names) of this run, grid
        options included.
    """

    key: str
    dataset: str
    protocol: str
    recipe: str
    arch: str
    seed: int
    options: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class Sweep:
    """A parsed sweep file: its name, output folder and cells."""

    name: str
    out: Path
    cells: list[SweepCell]
    source: Path


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file; expand its grid into cells.

    Raises
    ------
    EEGStreamError
        For an unreadable file, an unknown section, setting or dataset, a
        missing data root, or a grid list that is empty.
    """
    from ..datasets import DATASETS

    path = Path(path)
    spec = read_toml(path, "sweep file")
    unknown = sorted(set(spec) - {"sweep", "datasets", "recipes", "train"})
    if unknown:
        raise EEGStreamError(
            f"{path.name}: unknown section [{unknown[0]}]; sections are [sweep], "
            "[datasets.NAME], [recipes.NAME] and [train]"
        )
    head = _table(spec, "sweep", path)
    for key in head:
        if key not in _SWEEP_KEYS:
            raise EEGStreamError(
                f"{path.name} [sweep]: unknown setting {key!r}; settings are "
                f"{', '.join(_SWEEP_KEYS)}"
            )
    datasets = _table(spec, "datasets", path)
    if not datasets:
        raise EEGStreamError(
            f"{path.name}: no dataset; add e.g. [datasets.seed-iv] with root = 'PATH'"
        )
    for name, settings in datasets.items():
        if name not in DATASETS:
            raise EEGStreamError(
                f"{path.name}: unknown dataset [datasets.{name}]; datasets are "
                f"{', '.join(DATASETS)}"
            )
        root = settings.get("root") if isinstance(settings, dict) else None
        if not root:
            raise EEGStreamError(f"{path.name} [datasets.{name}]: root is missing")
        if not Path(root).expanduser().is_dir():
            raise EEGStreamError(
                f"{path.name} [datasets.{name}]: root {root!r} is not a folder; "
                "give the folder of the dataset release"
            )
    recipes = _table(spec, "recipes", path) or {"paper": {}}
    train = _table(spec, "train", path)
    grid = {
        "protocols": head.get("protocols", ["paper"]),
        "archs": head.get("archs", ["resattentionet"]),
        "seeds": head.get("seeds", [42]),
    }
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise EEGStreamError(
                f"{path.name} [sweep]: {key} must be a non-empty list, got {values!r}"
            )
    sections = [("[train]", train, False)]
    sections += [(f"[datasets.{n}]", o, True) for n, o in datasets.items()]
    sections += [(f"[recipes.{n}]", o, False) for n, o in recipes.items()]
    for where, options, is_dataset in sections:
        if not isinstance(options, dict):
            raise EEGStreamError(f"{path.name} {where} must be a table of options")
        for key, value in options.items():
            if _underscored(key) in SWEEP_SET and not (is_dataset and key == "root"):
                raise EEGStreamError(
                    f"{path.name} {where}: {key} = {value!r} is set by the sweep "
                    "(its grid, [sweep] or the sweep command), not per cell"
                )
    name = str(head.get("name") or path.stem)
    cells = []
    for dataset, protocol, recipe, arch, seed in itertools.product(
        datasets, grid["protocols"], recipes, grid["archs"], grid["seeds"]
    ):
        key = f"{dataset}-{protocol}-{recipe}-{arch}-seed{seed}"
        options = {
            **_underscore_keys(train),
            **_underscore_keys(datasets[dataset]),
            **_underscore_keys(recipes[recipe]),
            "dataset": dataset,
            "protocol": protocol,
            "arch": arch,
            "seed": seed,
            "name": key,
        }
        cells.append(SweepCell(key, dataset, protocol, recipe, arch, seed, options))
    out = Path(head.get("out") or Path("sweeps") / name)
    return Sweep(name, out, cells, path)


def _table(spec: dict, key: str, path: Path) -> dict:
    value = spec.get(key, {})
    if not isinstance(value, dict):
        raise EEGStreamError(f"{path.name}: {key} must be a [section], got {value!r}")
    return value


def _underscored(key: str) -> str:
    return key.replace("-", "_")


def _underscore_keys(options: dict[str, Any]) -> dict[str, Any]:
    return {_underscored(k): v for k, v in options.items()}


def cell_dir(sweep: Sweep, cell: SweepCell) -> Path:
    """Return the report folder of one cell: ``<sweep out>/runs/<cell key>``."""
    return sweep.out / "runs" / cell.key


def run_sweep(
    sweep: Sweep,
    options_of: Callable[[SweepCell], RunOptions],
    workers: int = 1,
    ray_address: str | None = None,
    resume: bool = False,
    progress: bool = True,
) -> Path:
    """Run every cell (all splits scheduled together); write the results table.

    Parameters
    ----------
    sweep : Sweep
        From :func:`load_sweep`.
    options_of : callable
        ``cell -> RunOptions`` (``eegstream sweep`` parses the cell's options
        as ``eegstream train`` does); called for every cell before any
        training, so a bad option fails the sweep at once.
    workers, ray_address : int, str | None
        As for :func:`~eegstream.training.schedule.train_runs`.
    resume : bool
        Skip cells whose report is complete (``report.md`` is written last).

    Returns
    -------
    Path
        ``results.md``; ``results.csv`` and ``results.png`` lie beside it.
    """
    import dataclasses

    options = [
        dataclasses.replace(
            options_of(c), out=cell_dir(sweep, c), save_model=False, progress=progress
        )
        for c in sweep.cells
    ]
    todo = [
        o for c, o in zip(sweep.cells, options, strict=True)
        if not (resume and (cell_dir(sweep, c) / "report.md").exists())
    ]  # fmt: skip
    prepared: list[PreparedRun] = []
    shared: dict[Any, Any] = {}
    for o in todo:
        prep = prepare_run(o)
        # Cells on the same features share one copy (and one in Ray's store).
        key = (o.dataset, str(o.root), o.features, o.official_kind,
               prep.job.cfg.hash(), tuple(o.subjects or ()), o.normaliser)  # fmt: skip
        first = shared.setdefault(key, prep.job)
        prep.job.trials, prep.job.sequences = first.trials, first.sequences
        prepared.append(prep)
    if prepared:
        results = train_runs(prepared, workers, ray_address, progress)
        for prep, res in zip(prepared, results, strict=True):
            finish_run(prep, res)
    return write_results(sweep)


def write_results(sweep: Sweep) -> Path:
    """Write ``results.md``, ``results.csv`` and ``results.png`` of a finished sweep."""
    import json

    rows = []
    for cell in sweep.cells:
        folder = cell_dir(sweep, cell)
        metrics = json.loads((folder / "metrics.json").read_text())
        rows.append(_row(cell, metrics, folder))
    sweep.out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, TABLE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(sweep.out / "results.csv", buf.getvalue())
    md = sweep.out / "results.md"
    atomic_write_text(md, render_table(sweep, rows))
    _plot(sweep.out / "results.png", sweep, rows)
    return md


def _row(cell: SweepCell, metrics: dict[str, Any], folder: Path) -> dict[str, Any]:
    s = metrics["summary"]
    base_acc = s.get("baseline_test_accuracy", {})
    base_f1 = s.get("baseline_test_macro_f1", {})
    return {
        "dataset": cell.dataset,
        "classes": " ".join(metrics["classes"]),
        "protocol": _protocol_label(metrics["protocol"]),
        "recipe": cell.recipe,
        "arch": cell.arch,
        "seed": cell.seed,
        "splits": s["test_accuracy"]["n"],
        "accuracy_mean": s["test_accuracy"]["mean"],
        "accuracy_sd": s["test_accuracy"]["sd"],
        "macro_f1_mean": s["test_macro_f1"]["mean"],
        "macro_f1_sd": s["test_macro_f1"]["sd"],
        "baseline_accuracy_mean": base_acc.get("mean", ""),
        "baseline_accuracy_sd": base_acc.get("sd", ""),
        "baseline_macro_f1_mean": base_f1.get("mean", ""),
        "baseline_macro_f1_sd": base_f1.get("sd", ""),
        "chance": s["chance"],
        "synthetic": metrics["dataset"]["synthetic"],
        "report": str(folder / "report.md"),
    }


def _protocol_label(protocol: dict[str, Any]) -> str:
    """``paper ×5, own features, subject z-score`` and the like."""
    name = protocol["name"]
    if name == "paper" and protocol["repeats"] > 1:
        name += f" ×{protocol['repeats']}"
    parts = [name, f"{protocol['features']} features", f"{protocol['normaliser']} norm"]
    if protocol.get("control"):
        parts.append(protocol["control"])
    return ", ".join(parts)


def _pm(mean, sd) -> str:
    return "–" if mean == "" else f"{mean:.1%} ± {sd:.1%}"


def render_table(sweep: Sweep, rows: list[dict[str, Any]]) -> str:
    """Render the results table in the seed paper's layout, one row per cell."""
    synthetic = any(r["synthetic"] for r in rows)
    lines = [
        f"# {sweep.name}: results" + (" (SYNTHETIC DATA)" if synthetic else ""),
        "",
        f"From `eegstream sweep {sweep.source}`. Test accuracy and macro-F1 are the "
        "mean ± SD over each cell's splits (held-out subjects); the baseline is "
        "the logistic regression on DE means fitted on the very same splits.",
        "",
        "| dataset | classes | protocol | recipe | model | seed | splits | accuracy "
        "| macro F1 | baseline accuracy | baseline macro F1 | chance |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['classes'].replace(' ', ', ')} | {r['protocol']} "
            f"| {r['recipe']} | {r['arch']} | {r['seed']} | {r['splits']} "
            f"| {_pm(r['accuracy_mean'], r['accuracy_sd'])} "
            f"| {_pm(r['macro_f1_mean'], r['macro_f1_sd'])} "
            f"| {_pm(r['baseline_accuracy_mean'], r['baseline_accuracy_sd'])} "
            f"| {_pm(r['baseline_macro_f1_mean'], r['baseline_macro_f1_sd'])} "
            f"| {r['chance']:.1%} |"
        )
    if synthetic:
        lines += [
            "",
            "SYNTHETIC DATA: the datasets were generated with a planted class "
            "effect; these numbers say nothing about real EEG.",
        ]
    return "\n".join(lines) + "\n"


def _plot(path: Path, sweep: Sweep, rows: list[dict[str, Any]]) -> None:
    """Bars of mean test accuracy ± SD per cell, baseline beside, chance dashed."""
    from .report import _figure, _save

    plt, fig = _figure(figsize=(max(6.0, 0.9 * len(rows) + 2), 4.5))
    ax = fig.subplots()
    x = np.arange(len(rows))
    acc = [r["accuracy_mean"] for r in rows]
    ax.bar(x - 0.2, acc, 0.4, yerr=[r["accuracy_sd"] for r in rows], label="model")
    with_base = [i for i, r in enumerate(rows) if r["baseline_accuracy_mean"] != ""]
    if with_base:
        ax.bar(
            x[with_base] + 0.2,
            [rows[i]["baseline_accuracy_mean"] for i in with_base],
            0.4,
            yerr=[rows[i]["baseline_accuracy_sd"] for i in with_base],
            label="baseline (logistic regression, same splits)",
            color="0.7",
        )
    for i, r in enumerate(rows):
        ax.hlines(r["chance"], i - 0.45, i + 0.45, colors="k", linestyles="--", lw=1)
    ax.set_xticks(
        x,
        [f"{r['dataset']}\n{r['protocol'].split(',')[0]}\n{r['recipe']}/"
         f"{r['arch']}/{r['seed']}" for r in rows],
        fontsize=7,
    )  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_ylabel("test accuracy (mean ± SD over splits); dashes: chance")
    ax.legend(fontsize=8, loc="upper right")
    tag = " (SYNTHETIC DATA)" if any(r["synthetic"] for r in rows) else ""
    ax.set_title(f"{sweep.name}: results{tag}")
    _save(plt, fig, path)
