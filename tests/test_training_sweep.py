"""``eegstream sweep`` on SYNTHETIC SEED-IV data: grid, table, resume, bad files."""

from __future__ import annotations

import csv
import json

import pytest
from _synth import feature_cache

from eegstream.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


def _spec(tmp_path, root, body="", sweep='archs = ["logreg"]'):
    path = tmp_path / "spec.toml"
    path.write_text(
        f'[sweep]\nout = "{tmp_path / "out"}"\nprotocols = ["paper", "loso"]\n'
        f'{sweep}\n\n[datasets.seed-iv]\nroot = "{root}"\nsubjects = "1-4"\n\n'
        f'[train]\ncache-dir = "{feature_cache(root)}"\n{body}'
    )
    return path


@pytest.fixture(scope="module")
def swept(synthetic_seed_iv_small, tmp_path_factory):
    """A two-cell sweep (paper and LOSO protocols, baseline model), run once."""
    tmp = tmp_path_factory.mktemp("sweep")
    spec = _spec(tmp, synthetic_seed_iv_small)
    assert main(["sweep", str(spec)]) == 0
    return spec, tmp / "out"


def test_sweep_writes_one_row_per_cell_from_the_cell_runs(swept):
    _, out = swept
    rows = list(csv.DictReader((out / "results.csv").read_text().splitlines()))
    assert [(r["protocol"].split(",")[0], r["arch"]) for r in rows] == [
        ("paper", "logreg"),
        ("loso", "logreg"),
    ]
    for row in rows:
        metrics = json.loads(
            (out / "runs" / f"seed-iv-{row['protocol'].split(',')[0]}-paper-logreg-"
             "seed42" / "metrics.json").read_text()
        )  # fmt: skip
        acc = metrics["summary"]["test_accuracy"]
        assert float(row["accuracy_mean"]) == acc["mean"]
        assert float(row["accuracy_sd"]) == acc["sd"]
        assert int(row["splits"]) == acc["n"]
        assert float(row["chance"]) == 0.25
    assert [int(r["splits"]) for r in rows] == [1, 4]  # LOSO: one split per subject
    table = (out / "results.md").read_text()
    assert "SYNTHETIC DATA" in table
    assert table.count("| seed-iv | neutral, sad, fear, happy |") == 2
    assert (out / "results.png").read_bytes().startswith(PNG)


def test_resume_skips_finished_cells(swept, capsys):
    spec, out = swept
    reports = sorted((out / "runs").glob("*/report.md"))
    before = {p: p.stat().st_mtime_ns for p in reports}
    assert main(["sweep", str(spec), "--resume"]) == 0
    assert {p: p.stat().st_mtime_ns for p in reports} == before
    assert "| loso, own features" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "sweep", "message"),
    [
        ("colour = 3\n", 'archs = ["logreg"]', "unknown train option colour = 3"),
        ("", 'archs = ["logreg"]\nfoo = 1', "[sweep]: unknown setting 'foo'"),
        ("[datasets.seed-x]\nroot = '.'\n", "", "unknown dataset [datasets.seed-x]"),
        ("epochs = 'many'\n", 'archs = ["logreg"]', "--epochs: invalid int value"),
        ("workers = 2\n", "", "[train]: workers = 2 is set by the sweep"),
    ],
)
def test_bad_sweep_files_fail_in_one_line(
    body, sweep, message, synthetic_seed_iv_small, tmp_path, capsys
):
    spec = _spec(tmp_path, synthetic_seed_iv_small, body, sweep)
    assert main(["sweep", str(spec)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_missing_data_root_names_the_dataset(tmp_path, capsys):
    spec = _spec(tmp_path, tmp_path / "nowhere")
    assert main(["sweep", str(spec), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "[datasets.seed-iv]: root" in err and "nowhere" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"no_conditioning": True}, None),
        (
            {"highpass": "none", "lowpass": 40, "line_freq": 60},
            {"highpass_hz": None, "lowpass_hz": 40.0, "line_freq": 60.0},
        ),
    ],
    ids=["off", "custom"],
)
def test_sweep_cells_carry_the_conditioning_options(tmp_path, options, expected):
    from eegstream.cli.sweep import cell_options
    from eegstream.features import ConditioningSettings
    from eegstream.training.sweep import SweepCell

    base = {"dataset": "seed-iv", "root": str(tmp_path)}
    cell = SweepCell(
        "k", "seed-iv", "paper", "paper", "logreg", 42, {**base, **options}
    )
    got = cell_options(cell, tmp_path / "spec.toml").feature_config.conditioning
    assert got == (None if expected is None else ConditioningSettings(**expected))
