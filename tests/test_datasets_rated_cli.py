"""Synthetic DEAP/DREAMER/AMIGOS/FACED releases, and features/train/info on them."""

from __future__ import annotations

import json
import pickle
import re

import numpy as np
import pytest
from _cli import assert_features_refused

from eegstream.cli import main
from eegstream.datasets import open_dataset
from eegstream.datasets import rated_tables as R
from eegstream.datasets.cache import dataset_features
from eegstream.datasets.synth import generate
from eegstream.features import FeatureConfig
from eegstream.montage import SEED_CHANNELS


@pytest.fixture(scope="module")
def dreamer(tmp_path_factory):
    """A small SYNTHETIC DREAMER.mat: 4 subjects x 18 clips of 12 s."""
    out = tmp_path_factory.mktemp("dreamer")
    return generate("dreamer", out, subjects=4, trial_seconds=12, progress=False)


@pytest.mark.parametrize(
    ("name", "kwargs", "n_trials"),
    [
        ("deap", {}, 40),
        ("amigos", {"trial_seconds": 5}, 16),
        ("faced", {"trial_seconds": 4}, 28),
    ],
)
def test_synthetic_releases_read_back_in_their_layout(tmp_path, name, kwargs, n_trials):
    generate(name, tmp_path, subjects=[2], progress=False, **kwargs)
    ds = open_dataset(name, tmp_path)
    assert ds.synthetic and ds.subjects == [2]
    assert len(ds.trials) == n_trials
    assert "SYNTHETIC" in ds.describe()
    eeg = ds.trials[0].eeg()
    present = [SEED_CHANNELS.index(c) for c in R.RELEASES[name].channels]
    assert np.isfinite(eeg[present]).all()
    assert np.isnan(np.delete(eeg, present, axis=0)).all()
    assert 5 < np.std(eeg[present]) < 200  # microvolts


def test_planted_effect_scales_with_valence(dreamer):
    """Lateral temporal beta/gamma DE rises with the valence rating (+0.6 x v)."""
    ds = open_dataset("dreamer", dreamer)
    cfg = FeatureConfig()
    feats = dataset_features(ds, cfg, dreamer / "cache", progress=False)
    sites = [SEED_CHANNELS.index(c) for c in ("T7", "T8")]
    rows = []
    for s in ds.subjects:
        trials = [t for t in ds.trials if t.subject == s]
        de = np.array([feats[t.key][:, sites, 3:5].mean() for t in trials])
        valence = np.array([t.ratings["valence"] for t in trials])
        rows.append(np.corrcoef(de, valence)[0, 1])
    assert np.mean(rows) > 0.3, rows


def test_features_and_loso_training_on_synthetic_dreamer(dreamer, tmp_path, capsys):
    cache = tmp_path / "cache"
    models = tmp_path / "models"
    out = tmp_path / "run"
    args = ["--dataset", "dreamer", "--root", str(dreamer), "--cache-dir", str(cache)]
    assert main(["features", *args, "--target", "arousal"]) == 0
    printed = capsys.readouterr().out
    assert "target: arousal (>= 3 is high on the 1-5 scale)" in printed
    assert "subject 1 classes: low-arousal" in printed
    code = main(
        [
            "train",
            *args,
            "--target",
            "arousal",
            "--protocol",
            "loso",
            "--arch",
            "logreg",
            "--name",
            "dreamer-test",
            "--out",
            str(out),
            "--models-dir",
            str(models),
        ]
    )
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"]["target"]["target"] == "arousal"
    assert metrics["dataset"]["target"]["threshold"] == 3.0
    assert set(metrics["dataset"]["target"]["balance"]) == {"1", "2", "3", "4"}
    assert metrics["classes"] == ["low-arousal", "high-arousal"]
    assert metrics["channels"]["set"] == "emotiv-epoc (14 channels)"
    assert len(metrics["splits"]) == 4  # one per held-out subject
    assert "--target arousal" in metrics["command"]
    card = (models / "dreamer-test.md").read_text()
    assert "**Labels**: arousal (>= 3 is high on the 1-5 scale)" in card
    assert "SYNTHETIC" in card
    capsys.readouterr()
    assert main(["info", "--model", str(models / "dreamer-test.safetensors")]) == 0
    shown = capsys.readouterr().out
    assert "labels     arousal (>= 3 is high on the 1-5 scale)" in shown
    assert "channels   emotiv-epoc (14 channels)" in shown
    # evaluate labels the trials with the model's own target (arousal).
    model = str(models / "dreamer-test.safetensors")
    argv = ["evaluate", "--model", model, *args, "--subjects", "2", "--rest", "0"]
    assert main([*argv, "--streaming", "session"]) == 0
    assert "[session mode] live accuracy" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--threshold", "7"], "threshold 7 is outside DREAMER's 1-5 rating scale"),
        (["--target", "liking"], "DREAMER has no liking rating"),
        (["--target", "category"], "DREAMER has no category labels"),
    ],
)
def test_bad_labels_are_one_line_exit_2_and_nothing_cached(
    dreamer, tmp_path, capsys, argv, message
):
    cache = tmp_path / "cache"
    assert_features_refused("dreamer", dreamer, cache, capsys, message, argv)


def test_a_threshold_leaving_a_class_empty_is_refused(tmp_path, capsys):
    data = np.zeros((3, R.DEAP_ROWS, 8064), np.float32)
    labels = np.array([[7.0, 2, 5, 5], [3.0, 8, 5, 5], [5.0, 5, 1, 9]])
    with open(tmp_path / "s01.dat", "wb") as fh:
        pickle.dump({"data": data, "labels": labels}, fh, protocol=2)
    cache = tmp_path / "cache"
    argv = ["features", "--dataset", "deap", "--root", str(tmp_path)]
    assert main([*argv, "--cache-dir", str(cache), "--threshold", "3.5"]) == 0
    capsys.readouterr()
    message = "--threshold 2 leaves class low-valence empty"
    cache = tmp_path / "cache2"
    assert_features_refused(
        "deap", tmp_path, cache, capsys, message, ["--threshold", "2"]
    )


def test_rated_options_are_refused_for_seed_and_synth_settings(tmp_path, capsys):
    root = ["--root", str(tmp_path), "--cache-dir", str(tmp_path / "c")]
    assert main(["features", "--dataset", "seed", *root, "--target", "arousal"]) == 2
    assert "seed has its own classes; --target is for the rated" in (
        capsys.readouterr().err
    )
    argv = ["synth", "--dataset", "deap", "--out", str(tmp_path / "d")]
    assert main([*argv, "--trial-seconds", "10"]) == 2
    assert "leave out --trial-seconds" in capsys.readouterr().err
    assert main([*argv, "--sessions", "2"]) == 2
    assert "leave out --sessions" in capsys.readouterr().err


def test_replay_plays_a_rated_dataset_at_its_rate_with_ratings(dreamer):
    from eegstream.protocol import format_marker, parse_marker
    from eegstream.replay import dataset_source

    source = dataset_source("dreamer", dreamer, 2, trials=[3, 1], target="arousal")
    assert source.sfreq == 128.0 and len(source.ch_names) == 14
    assert set(source.ch_names) == set(R.EPOC_CHANNELS) and source.synthetic
    trial = next(
        t for t in open_dataset("dreamer", dreamer).trials if t.key == ("s02_sess1_t03")
    )
    seg = source.segments[0]
    eeg = seg.load()
    assert eeg.shape == (14, 12 * 128) == (14, seg.n_samples)
    # The 128 Hz stream is the 200 Hz trial resampled back: the same EEG.
    rows = [SEED_CHANNELS.index(c) for c in source.ch_names]
    np.testing.assert_allclose(eeg[:, ::16], trial.eeg()[rows][:, ::25], atol=2.0)
    marker = parse_marker(format_marker(event="trial_start", **seg.truth()))
    assert marker["ratings"] == trial.ratings
    assert marker["label"] == ("high" if trial.ratings["arousal"] >= 3 else "low") + (
        "-arousal"
    )


@pytest.mark.lsl
def test_a_dreamer_model_runs_live_on_the_replayed_epoc_stream(dreamer, tmp_path):
    """Trained on SYNTHETIC DREAMER, fed its 14-channel 128 Hz replay: no gaps."""
    from _pipeline_helpers import first_steps

    from eegstream.replay import Player, dataset_source

    models = tmp_path / "models"
    argv = ["train", "--dataset", "dreamer", "--root", str(dreamer), "--arch"]
    argv += ["logreg", "--name", "live-dreamer", "--models-dir", str(models)]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 0
    name = f"dreamer-{tmp_path.name}"
    source = dataset_source("dreamer", dreamer, 4, trials=[1])
    player = Player(source, name=name, speed=4.0, loop=True, wait_for_consumer=True)
    player.start()
    model = models / "live-dreamer.safetensors"
    pipe, got = first_steps(model, name, player, 3)
    assert pipe.plan.missing == [] and pipe.plan.ignored == []
    assert pipe.plan.channels == tuple(c for c in SEED_CHANNELS if c in R.EPOC_CHANNELS)
    assert len(got) >= 3 and all(r.probabilities.shape == (2,) for r in got)


def test_replay_cli_streams_a_synthetic_dreamer_subject(dreamer, unique_id, capsys):
    argv = ["replay", "--dataset", "dreamer", "--root", str(dreamer), "--subject", "1"]
    argv += ["--trials", "2", "--speed", "100", "--name", unique_id]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "14 channels" in out and "128 Hz" in out and "SYNTHETIC" in out


def test_cross_dataset_train_on_dreamer_test_on_amigos(dreamer, tmp_path, capsys):
    amigos = generate("amigos", tmp_path / "amigos", subjects=2, trial_seconds=8)
    out, models = tmp_path / "run", tmp_path / "models"
    argv = ["train", "--dataset", "dreamer", "--root", str(dreamer), "--arch", "logreg"]
    argv += ["--test-dataset", "amigos", "--test-root", str(amigos), "--protocol"]
    argv += ["loso", "--out", str(out), "--models-dir", str(models)]
    assert main([*argv, "--cache-dir", str(tmp_path / "cache")]) == 0
    printed = capsys.readouterr().out
    assert "cross-dataset: the saved model on amigos [SYNTHETIC DATA]" in printed
    record = json.loads((out / "cross_dataset.json").read_text())
    assert record["n_trials"] == 32 and record["subjects"] == [1, 2]
    assert record["channels"] == [c for c in SEED_CHANNELS if c in R.EPOC_CHANNELS]
    assert 0.0 <= record["accuracy"] <= 1.0
    metrics = json.loads((out / "metrics.json").read_text())
    assert record["within_dataset_test_accuracy"] == metrics["summary"]["test_accuracy"]
    assert "--test-dataset amigos" in metrics["command"]


def test_cross_dataset_refuses_other_classes(dreamer, tmp_path, capsys):
    faced = generate("faced", tmp_path / "faced", subjects=1, trial_seconds=4)
    argv = ["train", "--dataset", "dreamer", "--root", str(dreamer), "--arch", "logreg"]
    assert main([*argv, "--test-dataset", "faced", "--test-root", str(faced)]) == 2
    err = capsys.readouterr().err
    assert "a model of one cannot be scored on the other; choose a --target" in err
    assert main([*argv, "--test-dataset", "faced"]) == 2
    assert "--test-dataset needs --test-root" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--channels", "FPZ,AF3"],
            "dreamer recorded 14 channels .*it lacks --channels FPZ",
        ),
        (
            ["--channels", "AF3,AF4", "--compare-full"],
            "no 62 to compare with; leave out --compare-full",
        ),
    ],
)
def test_channels_a_rated_dataset_lacks_are_refused(dreamer, capsys, argv, message):
    base = ["train", "--dataset", "dreamer", "--root", str(dreamer), "--no-save"]
    assert main([*base, *argv]) == 2
    assert re.search(message, capsys.readouterr().err)


@pytest.mark.lsl
@pytest.mark.slow
def test_demo_plays_a_synthetic_dreamer_subject_to_its_shipped_model(tmp_path, capsys):
    log = tmp_path / "demo.jsonl"
    argv = ["demo", "--dataset", "dreamer", "--view", "console", "--seconds", "4"]
    argv += ["--speed", "3", "--session-dir", str(tmp_path / "s"), "--log", str(log)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC EEG" in out and "14 channels" in out and "128 Hz" in out
    assert "0 samples lost" in out and "accuracy against markers" in out
    steps = [json.loads(x) for x in log.read_text().splitlines()]
    labels = {s["true_label"] for s in steps if s["type"] == "step"}
    assert labels and labels <= {"low-valence", "high-valence"}
    assert open_dataset("dreamer", tmp_path / "s").subjects == [1]  # not trained on
    assert main([*argv, "--headset", "emotiv-epoc"]) == 2
    assert "leave out --headset" in capsys.readouterr().err


def test_a_sweep_takes_rated_datasets_with_their_target(tmp_path):
    from eegstream.cli.sweep import cell_options
    from eegstream.training.sweep import load_sweep

    spec = tmp_path / "rated.toml"
    spec.write_text(
        "[sweep]\nprotocols = ['loso']\narchs = ['logreg']\n"
        f"[datasets.deap]\nroot = '{tmp_path}'\ntarget = 'arousal'\nthreshold = 6\n"
        f"[datasets.faced]\nroot = '{tmp_path}'\n"
    )
    sweep = load_sweep(spec)
    assert [c.dataset for c in sweep.cells] == ["deap", "faced"]
    deap = cell_options(sweep.cells[0], spec)
    assert (deap.dataset, deap.target, deap.threshold) == ("deap", "arousal", 6.0)
    assert cell_options(sweep.cells[1], spec).target is None
