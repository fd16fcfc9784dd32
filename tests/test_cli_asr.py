"""``--asr`` on ``features``, ``run --file`` and ``evaluate``, on real EEG files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eegstream.cli import main
from eegstream.features import ASRSettings, FeatureConfig

pytest.importorskip("meegkit")

TASK = "S001R03.edf"  # 125 s: lead-in to 60 s, cleaning from 70 s


def _features(path, out, *flags):
    assert main(["features", "--file", str(path), "--out", str(out), *flags]) == 0
    with np.load(out) as npz:
        return npz["de"], FeatureConfig.from_json(str(npz["config"]))


def test_features_asr_cleans_after_the_lead_in_and_stores_its_settings(
    realdata, tmp_path
):
    de, cfg = _features(realdata / TASK, tmp_path / "asr.npz", "--asr")
    plain, _ = _features(realdata / TASK, tmp_path / "plain.npz")
    assert cfg.asr == ASRSettings()
    # Window i ends at (i + 4) s; cleaning starts at 70 s.
    np.testing.assert_array_equal(de[:67], plain[:67])
    assert not np.array_equal(de[67:], plain[67:])


def test_features_asr_on_trials_shorter_than_the_lead_in_is_one_line_exit_2(
    synthetic_seed_iv_small, tmp_path, capsys
):
    cache = tmp_path / "cache"
    code = main(
        [
            "features",
            "--dataset",
            "seed-iv",
            "--root",
            str(synthetic_seed_iv_small),
            "--cache-dir",
            str(cache),
            "--asr",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "needs a 60 s lead-in" in err and "lasts 20.0 s" in err
    assert not list(cache.rglob("*.npy"))  # no features cached


def test_run_file_asr_logs_the_fit_once_and_the_settings_in_the_header(
    realdata, tmp_path, capsys
):
    log = tmp_path / "session.jsonl"
    args = ["run", "--file", str(realdata / TASK), "--model", "demo-seed-iv"]
    assert main([*args, "--asr", "--quiet", "--log", str(log)]) == 0
    err = capsys.readouterr().err
    assert err.count("ASR fitted on") == 1  # not printed again by the root logger
    assert "ASR is on (--asr) but the model was trained without it" in err
    records = [json.loads(line) for line in log.read_text().splitlines()]
    header = records[0]
    assert header["feature_config"]["asr"] == ASRSettings().to_dict()
    fitted = [
        r for r in records if r["type"] == "warning" and "ASR fitted" in r["message"]
    ]
    assert len(fitted) == 1 and "cleaning from 70.0 s on" in fitted[0]["message"]


@pytest.mark.parametrize("command", ["run", "live", "evaluate", "features", "train"])
def test_every_command_that_computes_features_offers_asr(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "--asr" in capsys.readouterr().out
