"""``eegstream evaluate`` (offline, --streaming) and ``info`` on SYNTHETIC data."""

from __future__ import annotations

import json

import pytest
from _synth import feature_cache

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
            "--crops",  # a sequence per trial, as evaluate scores offline
            "0",
            "--name",
            "live",
            "--out",
            str(tmp / "run"),
            "--models-dir",
            str(tmp / "models"),
            "--cache-dir",
            str(feature_cache(synthetic_seed_iv_small)),
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
            str(feature_cache(root)),
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


def _three_class_model(path):
    return untrained_checkpoint(path, classes=("negative", "neutral", "positive"))


def _truncated_file(path):
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    return path


@pytest.mark.parametrize(
    ("make_model", "message"),
    [
        (_three_class_model, "classifies ['negative', 'neutral', 'positive']"),
        (_truncated_file, "truncated"),
    ],
    ids=["classes-of-other-data", "corrupt-file"],
)
def test_unusable_model_refused_in_one_line(
    make_model, message, tmp_path, synthetic_seed_iv_small, capsys
):
    model = make_model(tmp_path / "model.safetensors")
    root = str(synthetic_seed_iv_small)
    code = main(
        ["evaluate", "--model", str(model), "--dataset", "seed-iv", "--root", root]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.splitlines()) == 1


def test_info(trained, capsys):
    _, model, metrics = trained
    assert main(["info", "--model", str(model)]) == 0
    out = capsys.readouterr().out
    assert "parameters 1,864" in out  # 310 x 4 weights + 4 biases + 2 x 310 scaler
    assert "SYNTHETIC" in out and "normaliser running" in out
    assert "filters    high-pass 0.5 Hz (order 2), notch 50 Hz" in out  # the default
    assert str(metrics["splits"][0]["split"]["test"]) in out


def test_streaming_session_is_one_recording_per_session(
    trained, synthetic_seed_iv_small, capsys
):
    tmp, model, metrics = trained
    subject = str(metrics["splits"][0]["split"]["test"][0])
    out = tmp / "session"
    code = main(
        ["evaluate", "--model", str(model), "--dataset", "seed-iv", "--root",
         str(synthetic_seed_iv_small), "--subjects", subject, "--streaming",
         "session", "--rest", "5", "--out", str(out), "--cache-dir",
         str(feature_cache(synthetic_seed_iv_small))]
    )  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "[session mode]" in text and "offline-vs-live gap" in text
    result = json.loads((out / "evaluation.json").read_text())
    assert result["mode"] == "session" and result["streaming"] is True
    # One continuous recording: 24 clips of 20 s with 23 rests of 5 s between
    # them; 4 s windows at a 1 s hop over all of it, never reset.
    n_samples = 24 * 20 * 200 + 23 * 5 * 200
    assert result["n_steps"] == (n_samples - 800) // 200 + 1
    # A step ending in a rest is unlabelled: 5 per rest, in no accuracy.
    assert result["n_rest_steps"] == 23 * 5
    clips = result["trials"]
    assert [c["key"][-3:] for c in clips] == [f"t{n:02d}" for n in range(1, 25)]
    assert sum(c["n_steps"] for c in clips) + 23 * 5 == result["n_steps"]
    # Only the first clip starts cold (a new wearer); after a rest the window
    # and the filters carry on, so every later clip has a step 1 s after onset.
    assert clips[0]["n_steps"] == 17 and {c["n_steps"] for c in clips[1:]} == {20}
    assert result["time_s"] == [float(t) for t in range(1, 21)]
    assert result["n_steps_at"][0] == 23 and result["n_steps_at"][-1] == 24
    assert result["steady_accuracy"] is None  # no clip reaches 60 s
    assert result["onset_accuracy"] == pytest.approx(result["live_accuracy"])
    assert result["offline_accuracy"] is not None
    assert result["gap"] == pytest.approx(
        result["offline_accuracy"] - result["live_accuracy"]
    )
    assert (out / "accuracy_vs_time.png").is_file()


def test_streaming_session_refuses_sessions_with_holes(
    trained, synthetic_seed_iv_small
):
    import dataclasses

    from eegstream import EEGStreamError
    from eegstream.datasets import open_dataset
    from eegstream.evaluation import evaluate_session
    from eegstream.model import load_checkpoint

    _, model, _ = trained
    ds = open_dataset("seed-iv", synthetic_seed_iv_small)
    holed = dataclasses.replace(
        ds, trials=[t for t in ds.trials if t.subject == 1 and t.trial != 7]
    )
    with pytest.raises(EEGStreamError, match="lacks trials \\[7\\] of 1-24") as err:
        evaluate_session(load_checkpoint(model), holed, progress=False)
    assert "streaming='trial'" in str(err.value) and "\n" not in str(err.value)
    unknown = dataclasses.replace(ds, name="my-lab")
    with pytest.raises(EEGStreamError, match="'my-lab' does not define"):
        evaluate_session(load_checkpoint(model), unknown, progress=False)


def test_streaming_session_bad_rest(trained, synthetic_seed_iv_small, capsys):
    _, model, _ = trained
    code = main(
        ["evaluate", "--model", str(model), "--dataset", "seed-iv", "--root",
         str(synthetic_seed_iv_small), "--streaming", "session", "--rest", "-1"]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "--rest" in err and "-1" in err and len(err.splitlines()) == 1
