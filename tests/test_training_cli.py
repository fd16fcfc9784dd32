"""``eegstream train`` end to end on SYNTHETIC SEED-IV data (planted effect)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _cli import help_text
from _synth import feature_cache

from eegstream.cli import main
from eegstream.features import ConditioningSettings, FeatureConfig
from eegstream.model import load_checkpoint

PNG = b"\x89PNG\r\n\x1a\n"
FAST_NET = ["--epochs", "20", "--patience", "20", "--lr", "3e-3", "--base-width", "8",
            "--crops-per-trial", "1"]  # fmt: skip


def _train(root, tmp_path, name, *extra):
    out = tmp_path / f"run-{name}"
    models = tmp_path / "models"
    code = main(
        [
            "train",
            "--dataset",
            "seed-iv",
            "--root",
            str(root),
            "--name",
            name,
            "--out",
            str(out),
            "--models-dir",
            str(models),
            "--cache-dir",
            str(feature_cache(root)),
            *extra,
        ]
    )
    metrics = json.loads((out / "metrics.json").read_text()) if out.exists() else None
    return code, out, models, metrics


@pytest.fixture(scope="module")
def net_run(synthetic_seed_iv_small, tmp_path_factory):
    """ResAttentioNet trained through the CLI: the live recipe, fast settings."""
    tmp = tmp_path_factory.mktemp("net")
    return _train(synthetic_seed_iv_small, tmp, "net", *FAST_NET)


def test_network_trains_end_to_end(net_run):
    code, out, models, metrics = net_run
    assert code == 0
    split = metrics["splits"][0]["split"]
    assert not set(split["test"]) & set(split["train"] + split["val"])
    assert metrics["dataset"]["synthetic"] is True
    history = metrics["splits"][0]["history"]
    # It learns its training subjects (chance 25%) and keeps the best-validation
    # epoch. (Held-out accuracy of this tiny run is not asserted: 4 training
    # subjects are too few for the net; the baseline test below checks that.)
    assert max(history["train_acc"]) >= 0.5
    # (the live recipe's network starts at the baseline's fit: a smaller drop)
    assert history["train_loss"][-1] < 0.95 * history["train_loss"][0]
    acc, loss = np.array(history["val_acc"]), np.array(history["val_loss"])
    best = history["best_epoch"] - 1  # -1: epoch 0, the baseline read-out alone
    if best >= 0:
        assert acc[best] == acc.max() and loss[best] == loss[acc == acc.max()].min()
    else:
        assert acc.max() <= history["best_val_acc"]
    assert metrics["splits"][0]["test"]["n"] == 24 * len(split["test"])


def test_report_and_model_card(net_run):
    _, out, models, metrics = net_run
    report = (out / "report.md").read_text()
    assert "Classic baseline on the same splits" in report
    assert "SYNTHETIC DATA" in report and "same clips" in report
    for c in ("neutral", "sad", "fear", "happy"):
        assert f"| {c} |" in report
    for png in ("learning_curves.png", "confusion.png", "radar.png"):
        assert (out / png).read_bytes()[:8] == PNG
    card = (models / "net.md").read_text()
    assert "SYNTHETIC" in card and "train --dataset seed-iv" in card
    assert "on the data of `eegstream synth --dataset seed-iv" in card
    assert "**Baseline**" in card
    assert str(metrics["splits"][0]["split"]["test"]) in card
    assert sorted(p.name for p in models.iterdir()) == ["net.md", "net.safetensors"]


def test_checkpoint_header_is_complete(net_run):
    _, _, models, metrics = net_run
    ckpt = load_checkpoint(models / "net.safetensors")
    assert ckpt.classes == ("neutral", "sad", "fear", "happy")
    assert ckpt.feature_config.hop_s == 1.0 and ckpt.feature_config.seq_len == 60
    assert ckpt.meta.normaliser.mode == "running"  # the live recipe's
    assert len(ckpt.meta.normaliser.mean) == 310
    assert ckpt.meta.dataset.synthetic is True
    test_subjects = metrics["splits"][0]["split"]["test"]
    assert list(ckpt.meta.metrics.test_subjects or ()) == test_subjects
    assert ckpt.meta.protocol is not None and ckpt.meta.protocol.split is not None
    assert list(ckpt.meta.protocol.split.test) == test_subjects
    assert ckpt.meta.arch_params["base_width"] == 8
    assert ckpt.meta.provenance["recipe"] == "live"
    departed = {d["setting"] for d in ckpt.meta.provenance["departures_from_paper"]}
    assert {"crops", "train.epochs", "train.lr", "train.base_width"} <= departed
    summary = ckpt.meta.metrics.summary
    assert {"test_crop_accuracy", "baseline_test_accuracy"} <= set(summary)


def test_crop_run_reports_trials_crops_and_departures(net_run, capsys):
    _, out, models, metrics = net_run
    assert metrics["recipe"] == "live"
    # overridden by FAST_NET: listed against the recipe
    assert metrics["overrides"]["train.lr"] == {"recipe": 1e-3, "run": 3e-3}
    split = metrics["splits"][0]
    # 20 s trials at a 1 s hop, a crop every 4 s: 4 crops per trial tested
    assert split["test_crops"]["n"] == 4 * split["test"]["n"]
    report = (out / "report.md").read_text()
    assert "| `crops` | 0.0 | 4.0 |" in report
    assert "per crop" in (models / "net.md").read_text()
    assert main(["info", "--model", str(models / "net.safetensors")]) == 0
    info = capsys.readouterr().out
    assert "logreg baseline, same splits" in info and "recipe     live" in info


def test_baseline_same_split(net_run, synthetic_seed_iv_small, tmp_path):
    _, _, _, net = net_run
    code, _, _, base = _train(
        synthetic_seed_iv_small, tmp_path, "base", "--arch", "logreg",
        "--crops-per-trial", "1",  # the crops the network run's baseline drew
    )  # fmt: skip
    assert code == 0
    assert base["splits"][0]["split"] == net["splits"][0]["split"]
    assert base["splits"][0]["test"]["n"] == net["splits"][0]["test"]["n"]
    # The network's report carries the same baseline, fitted on the same split.
    assert net["splits"][0]["baseline"]["test"] == base["splits"][0]["test"]
    assert (
        "minus_baseline" in net["summary"] and "minus_baseline" not in base["summary"]
    )


def test_learns_held_out_subjects_and_shuffled_control(
    synthetic_seed_iv_small, tmp_path
):
    """LOSO tests every subject once: 144 held-out trials, chance 25%."""
    code, _, models, real = _train(
        synthetic_seed_iv_small,
        tmp_path,
        "loso",
        "--arch",
        "logreg",
        "--protocol",
        "loso",
    )
    assert code == 0
    assert real["summary"]["pooled_test"]["n"] == 6 * 24
    for s in real["splits"]:
        assert s["split"]["test"][0] not in s["split"]["train"] + s["split"]["val"]
    # The planted effect generalises across subjects: well above chance (25%;
    # 36% is 3 SD of a chance-level score over 144 trials above it, p < 0.002).
    assert real["summary"]["pooled_test"]["accuracy"] >= 0.36
    code, out, _, ctrl = _train(
        synthetic_seed_iv_small,
        tmp_path,
        "ctrl",
        "--arch",
        "logreg",
        "--protocol",
        "loso",
        "--control",
        "shuffled-labels",
    )
    assert code == 0
    assert [s["split"] for s in ctrl["splits"]] == [s["split"] for s in real["splits"]]
    assert abs(ctrl["summary"]["pooled_test"]["accuracy"] - 0.25) < 0.12
    assert "CONTROL RUN" in (out / "report.md").read_text()
    assert not (models / "ctrl.safetensors").exists()  # controls are never saved


def test_running_normaliser_uses_training_subjects_only(
    synthetic_seed_iv_small, tmp_path
):
    from eegstream.datasets import open_dataset
    from eegstream.features import FeatureConfig
    from eegstream.training.data import load_trial_steps, population_stats

    code, _, models, metrics = _train(
        synthetic_seed_iv_small,
        tmp_path,
        "run",
        "--arch",
        "logreg",
        "--normaliser",
        "running",
    )
    assert code == 0
    ckpt = load_checkpoint(models / "run.safetensors")
    assert ckpt.meta.normaliser.mode == "running"
    trials, _ = load_trial_steps(
        open_dataset("seed-iv", synthetic_seed_iv_small),
        FeatureConfig(),
        cache_dir=feature_cache(synthetic_seed_iv_small),
        progress=False,
    )
    mean, _ = population_stats(trials, metrics["splits"][0]["split"]["train"])
    np.testing.assert_allclose(ckpt.meta.normaliser.mean, mean)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "seed-x"], "unknown dataset 'seed-x'"),
        (["--subjects", "1,2"], "at least 3 subjects"),
        (["--subjects", "1,99"], "subjects [99] not in"),
        (["--epochs", "0"], "--epochs must be an integer >= 1"),
        (["--name", "../evil"], "name must be letters"),
        (["--crops", "0.5"], "--crops stride 0.5 s is out of range"),
        (["--crops", "25"], "at most the shortest trial (20 s)"),
        (["--channels", "AF3,F7,Q9"], "not SEED-montage EEG channels: Q9"),
        (["--channels", "AF3,VEO"], "not SEED-montage EEG channels: VEO"),
        (["--channels", "O1"], "a model needs at least 2"),
        (["--channels-from", "muse-2"], "not a preset (emotiv-epoc, openbci-16"),
        (["--compare-full"], "give the subset with --channels"),
    ],
    ids=[
        "unknown-dataset",
        "too-few-subjects",
        "unknown-subject",
        "zero-epochs",
        "bad-name",
        "crops-below-hop",
        "crops-above-trial",
        "unknown-channel",
        "eog-channel",
        "one-channel",
        "unknown-preset",
        "nothing-to-compare",
    ],
)
def test_bad_input_one_line_exit_2(
    synthetic_seed_iv_small, tmp_path, capsys, args, message
):
    argv = [
        "train",
        "--dataset",
        "seed-iv",
        "--root",
        str(synthetic_seed_iv_small),
        "--models-dir",
        str(tmp_path / "models"),
        "--out",
        str(tmp_path / "run"),
        *args,
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "models").exists()


def test_empty_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    argv = [
        "train",
        "--dataset",
        "seed-iv",
        "--root",
        str(tmp_path / "empty"),
        "--models-dir",
        str(tmp_path / "models"),
    ]
    assert main(argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize("command", ["train", "evaluate", "info"])
def test_help(command, capsys):
    assert "--model" in help_text(command, capsys) or command == "train"


def test_official_features(synthetic_seed_iv_small, tmp_path):
    """The release's de_LDS: recorded as such, stated as non-causal, re-evaluable."""
    root = synthetic_seed_iv_small
    code, out, models, metrics = _train(
        root, tmp_path, "off", "--arch", "logreg", "--features", "official",
        "--crops", "0",
    )  # fmt: skip
    assert code == 0
    ckpt = load_checkpoint(models / "off.safetensors")
    assert str(ckpt.meta.features) == "official:de_LDS"
    assert ckpt.meta.to_dict()["features"] == "official:de_LDS"
    # SEED-IV's official features: 4 s windows, no overlap.
    assert ckpt.feature_config.window_s == ckpt.feature_config.hop_s == 4.0
    # SEED-IV's official extractor is not reproduced: no live use, said with
    # the measured skew, in the report and by the live path.
    assert "Not for live use" in (out / "report.md").read_text()
    test = metrics["splits"][0]["split"]["test"]
    argv = ["evaluate", "--model", str(models / "off.safetensors"), "--dataset",
            "seed-iv", "--root", str(root), "--out", str(tmp_path / "ev"),
            "--subjects", ",".join(map(str, test))]  # fmt: skip
    assert main(argv) == 0
    evaluation = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert evaluation["features"] == "official:de_LDS"
    assert evaluation["accuracy"] == metrics["splits"][0]["test"]["accuracy"]
    assert main([*argv, "--streaming", "session"]) == 2


@pytest.mark.parametrize(
    "cond",
    [None, ConditioningSettings(), ConditioningSettings(None, 45, 4, line_freq=60)],
    ids=["off", "default", "custom"],
)
def test_reproduce_command_carries_the_conditioning(cond):
    import shlex

    from eegstream.cli import build_parser
    from eegstream.cli._options import run_options
    from eegstream.training.config import RunOptions
    from eegstream.training.options import reproduce_command

    opts = RunOptions(
        "seed-iv", Path("/data"), feature_config=FeatureConfig(conditioning=cond)
    )
    args = build_parser().parse_args(shlex.split(reproduce_command(opts))[1:])
    assert run_options(args).feature_config == opts.feature_config
