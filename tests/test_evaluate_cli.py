"""``eegstream evaluate`` (offline, --streaming) and ``info`` on SYNTHETIC data."""

from __future__ import annotations

import json

import pytest

from eegstream.cli import main
from eegstream.model._testing import untrained_checkpoint


@pytest.fixture(scope="module")
def trained(synthetic_seed_iv_small, tmp_path_factory):
    """Train a baseline with the live-faithful normaliser; return it and its metrics."""
    tmp = tmp_path_factory.mktemp("eval")
    code = main(
        [
            "train",
            "--dataset",
            "seed-iv",
            "--root",
            str(synthetic_seed_iv_small),
            "--arch",
            "logreg",
            "--normaliser",
            "running",
            "--name",
            "live",
            "--out",
            str(tmp / "run"),
            "--models-dir",
            str(tmp / "models"),
            "--cache-dir",
            str(tmp / "cache"),
        ]
    )
    assert code == 0
    metrics = json.loads((tmp / "run" / "metrics.json").read_text())
    return tmp, tmp / "models" / "live.safetensors", metrics


def _evaluate(root, tmp, model, *extra):
    out = tmp / ("stream" if "--streaming" in extra else "offline")
    code = main(
        [
            "evaluate",
            "--model",
            str(model),
            "--dataset",
            "seed-iv",
            "--root",
            str(root),
            "--out",
            str(out),
            "--cache-dir",
            str(tmp / "cache"),
            *extra,
        ]
    )
    return code, json.loads(
        (out / "evaluation.json").read_text()
    ) if code == 0 else None


def test_offline_matches_training_report(trained, synthetic_seed_iv_small):
    tmp, model, metrics = trained
    test = metrics["splits"][0]["split"]["test"]
    code, result = _evaluate(
        synthetic_seed_iv_small, tmp, model, "--subjects", ",".join(map(str, test))
    )
    assert code == 0
    assert result["accuracy"] == metrics["splits"][0]["test"]["accuracy"]
    assert result["confusion"] == metrics["splits"][0]["test"]["confusion"]
    assert result["synthetic"] is True


def test_note_names_subjects_the_model_learnt_from(
    trained, synthetic_seed_iv_small, capsys
):
    tmp, model, metrics = trained
    split = metrics["splits"][0]["split"]
    capsys.readouterr()
    _evaluate(synthetic_seed_iv_small, tmp, model, "--subjects", str(split["test"][0]))
    assert "not a fair estimate" not in capsys.readouterr().out
    _evaluate(synthetic_seed_iv_small, tmp, model, "--subjects", str(split["train"][0]))
    assert (
        f"subjects [{split['train'][0]}] were used to train" in capsys.readouterr().out
    )


def test_streaming_one_subject_equals_offline_at_trial_end(
    trained, synthetic_seed_iv_small, capsys
):
    tmp, model, metrics = trained
    subject = str(metrics["splits"][0]["split"]["test"][0])
    code, stream = _evaluate(
        synthetic_seed_iv_small, tmp, model, "--subjects", subject, "--streaming"
    )
    assert code == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    assert stream["n_trials"] == 24 and stream["chunk_samples"] == 10
    # 20 s trials, 4 s windows, 1 s hop: 17 steps, at 4, 5, ..., 20 s into the trial.
    assert stream["time_s"] == [float(t) for t in range(4, 21)]
    assert (tmp / "stream" / "accuracy_vs_time.png").is_file()
    code, offline = _evaluate(
        synthetic_seed_iv_small, tmp, model, "--subjects", subject
    )
    # The live chain at a trial's end sees what training saw for the whole trial.
    right = {t["key"]: t["true"] == t["pred"] for t in offline["trials"]}
    assert {t["key"]: t["final_correct"] for t in stream["trials"]} == right
    assert stream["final_accuracy"] == offline["accuracy"]
    for t in stream["trials"]:
        assert (t["settle_s"] is None) != t["final_correct"]


def test_checkpoint_data_mismatch(tmp_path, synthetic_seed_iv_small, capsys):
    model = untrained_checkpoint(
        tmp_path / "seed.safetensors", classes=("negative", "neutral", "positive")
    )
    code = main(
        [
            "evaluate",
            "--model",
            str(model),
            "--dataset",
            "seed-iv",
            "--root",
            str(synthetic_seed_iv_small),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert (
        "classifies ['negative', 'neutral', 'positive']" in err
        and len(err.splitlines()) == 1
    )


def test_corrupt_model_refused(tmp_path, synthetic_seed_iv_small, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    code = main(
        [
            "evaluate",
            "--model",
            str(bad),
            "--dataset",
            "seed-iv",
            "--root",
            str(synthetic_seed_iv_small),
        ]
    )
    assert code == 2
    assert "truncated" in capsys.readouterr().err


def test_info(trained, capsys):
    _, model, metrics = trained
    assert main(["info", "--model", str(model)]) == 0
    out = capsys.readouterr().out
    assert "parameters 1,864" in out  # 310 x 4 weights + 4 biases + 2 x 310 scaler
    assert "SYNTHETIC" in out and "normaliser running" in out
    assert str(metrics["splits"][0]["split"]["test"]) in out
