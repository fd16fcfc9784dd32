"""The per-trial feature cache: reuse, resume, atomic files, no mixing of sources."""

from __future__ import annotations

import numpy as np
import pytest
from _synth import synthetic_release

from eegstream import EEGStreamError
from eegstream.cli import main
from eegstream.datasets import Dataset, Trial, open_dataset
from eegstream.datasets.cache import cache_folder, dataset_features, default_cache_dir
from eegstream.features import FeatureConfig, extract_features


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("seed-vii")
    return synthetic_release("seed-vii", root, trial_seconds=6, seed=1)


def _files(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npy")}


def test_features_equal_the_signal_core_and_are_reused(synthetic, tmp_path):
    ds = open_dataset("seed-vii", synthetic)
    cfg = FeatureConfig(hop_s=2.0)
    first = dataset_features(ds, cfg, tmp_path, progress=False)
    assert list(first) == [t.key for t in ds.trials]
    trial = ds.trials[3]
    expected = extract_features(trial.eeg(), cfg).astype(np.float32)
    np.testing.assert_array_equal(first[trial.key], expected)
    assert first[trial.key].shape == (2, 62, 5)
    folder = cache_folder(ds, cfg, tmp_path)
    assert folder == tmp_path / "seed-vii" / cfg.hash()
    before = _files(folder)
    assert len(before) == len(ds.trials)
    second = dataset_features(ds, cfg, tmp_path, progress=False)
    assert _files(folder) == before, "second run must only read"
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    # Other settings, other folder.
    other = dataset_features(
        ds, cfg.replace(smoothing="none"), tmp_path, progress=False
    )
    assert len(list((tmp_path / "seed-vii").iterdir())) == 2
    assert not np.array_equal(other[trial.key], first[trial.key])


def test_interrupted_run_resumes_and_leaves_no_partial_files(synthetic, tmp_path):
    ds = open_dataset("seed-vii", synthetic)
    cfg = FeatureConfig()
    calls = []

    def interrupt():
        calls.append(1)
        raise KeyboardInterrupt

    trials = list(ds.trials[:5])
    # A real Trial whose EEG read is interrupted (as Ctrl-C would).
    t = trials[3]
    fields = (
        "dataset", "subject", "session", "trial", "label", "label_name",
        "duration_s", "key", "eeg_source", "feature_source",
    )  # fmt: skip
    trials[3] = Trial(**{f: getattr(t, f) for f in fields}, _load_eeg=interrupt)
    stopped = Dataset(ds.name, ds.root, ds.classes, trials)
    with pytest.raises(KeyboardInterrupt):
        dataset_features(stopped, cfg, tmp_path, progress=False)
    folder = cache_folder(ds, cfg, tmp_path)
    done = _files(folder)
    assert len(done) == 3 and calls == [1]
    assert not [p for p in folder.iterdir() if ".tmp-" in p.name]
    # A half-written file under the final name (e.g. from another tool) is not trusted.
    victim = sorted(folder.glob("*.npy"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    full = dataset_features(ds, cfg, tmp_path, progress=False)
    assert len(full) == len(ds.trials)
    after = _files(folder)
    assert len(after) == len(ds.trials)
    untouched = [n for n in done if n != victim.name]
    assert all(after[n] == done[n] for n in untouched), (
        "finished trials are not recomputed"
    )
    np.testing.assert_array_equal(
        np.load(victim),
        extract_features(ds.trial(victim.name.split("-")[0]).eeg(), cfg).astype(
            np.float32
        ),
    )


def test_sources_of_the_same_dataset_never_mix(synthetic, tmp_path):
    other = synthetic_release("seed-vii", tmp_path / "other", trial_seconds=6, seed=2)
    cfg = FeatureConfig()
    a = dataset_features(
        open_dataset("seed-vii", synthetic), cfg, tmp_path / "c", progress=False
    )
    b = dataset_features(
        open_dataset("seed-vii", other), cfg, tmp_path / "c", progress=False
    )
    assert a.keys() == b.keys()
    key = next(iter(a))
    assert not np.array_equal(a[key], b[key])


def test_default_cache_dir_and_errors(synthetic, tmp_path, monkeypatch):
    monkeypatch.setenv("EEGSTREAM_CACHE", str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    ds = open_dataset("seed-vii", synthetic)
    dataset_features(
        Dataset(ds.name, ds.root, ds.classes, ds.trials[:1]),
        FeatureConfig(),
        progress=False,
    )
    assert len(list((tmp_path / "env" / "seed-vii").rglob("*.npy"))) == 1
    monkeypatch.delenv("EEGSTREAM_CACHE")
    assert default_cache_dir().parts[-2:] == (".cache", "eegstream")
    too_long = FeatureConfig(window_s=8.0)
    with pytest.raises(
        EEGStreamError,
        match="seed-vii trial s01_sess1_t01: .*shorter than one 8 s window",
    ):
        dataset_features(ds, too_long, tmp_path, progress=False)


def test_cli_features_dataset(synthetic, tmp_path, capsys):
    rc = main(
        [
            "features",
            "--dataset",
            "seed-vii",
            "--root",
            str(synthetic),
            "--cache",
            str(tmp_path),
        ]
    )
    assert rc == 0
    assert "features of 20 trials" in capsys.readouterr().out
    assert len(list(tmp_path.rglob("*.npy"))) == 20
