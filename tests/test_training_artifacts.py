"""Artifacts offline: window flags, ``--drop-artifacts`` and clean/flagged accuracy.

On SYNTHETIC SEED-IV data with faults of :mod:`eegstream.quality.faults`
planted in its EEG files; the model of the parity test is UNTRAINED (only
its steps' quality is compared).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
from _synth import synthetic_release

from eegstream.cli import main
from eegstream.datasets import open_dataset
from eegstream.datasets.cache import dataset_features, dataset_quality, quality_hash
from eegstream.features import FeatureConfig
from eegstream.model import load_checkpoint
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import LiveChain
from eegstream.quality import ARTIFACT_KINDS, QualitySettings, faults, window_quality

SFREQ = 200.0
TEMPORAL = [SEED_CHANNELS.index(c) for c in ("T7", "T8", "FT7", "FT8")]


def planted(eeg: np.ndarray) -> np.ndarray:
    """A 5 s jaw clench from 12 s and O1 unplugged from 20 to 26 s."""
    x, _ = faults.muscle_bursts(
        eeg, TEMPORAL, SFREQ, start_s=12, duration_s=5, every_s=1e9
    )
    x[SEED_CHANNELS.index("O1"), round(20 * SFREQ) : round(26 * SFREQ)] = 0.0
    return x


def rewrite(root: Path, change) -> None:
    """Apply ``change(variable, eeg) -> eeg`` to every trial of every EEG file."""
    for path in sorted((root / "eeg_raw_data").rglob("*.mat")):
        mat = sio.loadmat(path)
        eeg = {k: v for k, v in mat.items() if not k.startswith("__")}
        sio.savemat(path, {k: change(path, k, v) for k, v in eeg.items()})


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """Two subjects, 24 trials of 30 s; trials 1-6 carry planted faults."""
    root = synthetic_release(
        "seed-iv",
        tmp_path_factory.mktemp("artifacts") / "SEED_IV",
        subjects=2,
        trial_seconds=30,
    )
    faulty = {f"cz_eeg{i}" for i in range(1, 7)}
    rewrite(root, lambda _, k, v: planted(v) if k in faulty else v)
    return root


def test_offline_window_flags_equal_the_live_steps_quality(tiny_checkpoint, release):
    ckpt = load_checkpoint(tiny_checkpoint)
    cfg = ckpt.feature_config
    trial = open_dataset("seed-iv", release).trials[0]
    eeg = trial.eeg()
    offline = window_quality(eeg, SEED_CHANNELS, cfg.sfreq, cfg.window, cfg.hop)
    chain = LiveChain.from_labels(ckpt, SEED_CHANNELS, cfg.sfreq, unit="uV")
    index = np.arange(eeg.shape[1], dtype=float)
    steps = []
    for i in range(0, eeg.shape[1], 10):
        steps += chain.push(eeg[:, i : i + 10], index[i : i + 10])
    assert len(steps) == len(offline.kinds)
    live_kinds = [
        sum(1 << k for k, kind in enumerate(ARTIFACT_KINDS) if s.quality.flagged(kind))
        for s in steps
    ]
    np.testing.assert_array_equal(offline.kinds, live_kinds)
    np.testing.assert_array_equal(offline.n_bad, [len(s.quality.bad) for s in steps])
    allowed = ckpt.meta.max_missing_channels
    clean = np.array([s.quality.clean for s in steps])
    np.testing.assert_array_equal(offline.flagged(allowed), ~clean)
    # With no channel allowed bad, O1's steps are unreliable: flagged too.
    assert (offline.flagged(0) & ~offline.flagged(allowed)).sum() >= 5
    # The planted faults are seen, and the clean start is not flagged.
    assert offline.n_kind("muscle") >= 5 and offline.n_bad.max() == 1
    assert not offline.flagged(0)[:8].any()


def test_flags_are_cached_per_quality_settings(release, tmp_path):
    dataset = open_dataset("seed-iv", release)
    dataset.trials = dataset.trials[:2]
    cfg = FeatureConfig()
    # A cache written before the flags existed: the features alone.
    features = dataset_features(dataset, cfg, tmp_path, progress=False)
    folder = next((tmp_path / dataset.name).iterdir())
    before = sorted(p.name for p in folder.iterdir())
    quality = dataset_quality(dataset, cfg, QualitySettings(), tmp_path, False)
    for trial in dataset.trials:
        q = quality[trial.key]
        assert len(q.kinds) == len(features[trial.key])
        direct = window_quality(trial.eeg(), SEED_CHANNELS, 200.0, cfg.window, cfg.hop)
        np.testing.assert_array_equal(q.kinds, direct.kinds)
        np.testing.assert_array_equal(q.n_bad, direct.n_bad)
    key = quality_hash(QualitySettings())
    added = sorted(set(p.name for p in folder.iterdir()) - set(before))
    assert len(added) == 3 and f"quality-{key}.json" in added
    # The features are untouched and read back as before.
    again = dataset_features(dataset, cfg, tmp_path, progress=False)
    assert all(np.array_equal(again[k], features[k]) for k in features)
    # Other settings never reuse these flags.
    other = QualitySettings(muscle_uv=1000.0)
    assert quality_hash(other) != key
    loose = dataset_quality(dataset, cfg, other, tmp_path, False)
    assert loose[dataset.trials[0].key].n_kind("muscle") == 0
    assert quality[dataset.trials[0].key].n_kind("muscle") > 0


def _train(root: Path, tmp_path: Path, *extra: str) -> tuple[int, Path, Path]:
    out, models = tmp_path / "run", tmp_path / "models"
    cache = tmp_path.parent / "cache"
    argv = ["train", "--dataset", "seed-iv", "--root", str(root), "--arch", "logreg",
            "--protocol", "within", "--out", str(out), "--models-dir", str(models),
            "--cache-dir", str(cache), "--name", "art", *extra]  # fmt: skip
    return main(argv), out, models


def test_drop_artifacts_leaves_out_exactly_the_flagged_windows(
    release, tmp_path, capsys
):
    code, out, models = _train(release, tmp_path, "--drop-artifacts")
    assert code == 0
    printed = capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    dataset = open_dataset("seed-iv", release)
    cache = tmp_path.parent / "cache"
    flags = dataset_quality(dataset, FeatureConfig(), QualitySettings(), cache, False)
    classes = dataset.classes
    expected: dict[str, dict[str, list[int]]] = {}
    for t in dataset.trials:
        flagged = flags[t.key].flagged(6)
        cell = expected.setdefault(str(t.subject), {}).setdefault(
            classes[t.label], [0, 0]
        )
        cell[0] += int(flagged.sum())
        cell[1] += flagged.size
    got = {
        s: {c: [v["dropped"], v["windows"]] for c, v in per.items()}
        for s, per in metrics["artifacts"]["by_subject"].items()
    }
    assert got == expected
    dropped = sum(d for per in expected.values() for d, _ in per.values())
    assert metrics["artifacts"]["dropped"] == dropped > 0
    assert f"left out {dropped} of" in printed
    assert "Windows left out as artifacts" in (out / "report.md").read_text()
    # Held-out figures count the kept windows' sequences: every trial kept.
    assert metrics["artifacts"]["trials_dropped"] == 0
    ckpt = load_checkpoint(models / "art.safetensors")
    assert ckpt.meta.quality_settings == QualitySettings()


def test_every_window_of_a_class_flagged_is_refused(release, tmp_path, capsys):
    dataset = open_dataset("seed-iv", release)
    # Subject 2's trials of class 0 keep 4 channels: 58 bad, unreliable throughout.
    lost = {
        t._load_eeg.args[1] for t in dataset.trials if t.subject == 2 and t.label == 0
    }
    copy = tmp_path / "SEED_IV"
    shutil.copytree(release, copy)
    rewrite(
        copy,
        lambda path, k, v: (
            faults.flat(v, range(4, 62))
            if path.name.startswith("2_") and k in lost
            else v
        ),
    )
    code, out, models = _train(copy, tmp_path, "--drop-artifacts")
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"class {dataset.classes[0]!r} for subject 2" in err
    assert not out.exists() and not models.exists()


@pytest.mark.parametrize("mode", ["session", "trial"])
def test_evaluate_streaming_scores_clean_and_flagged_steps_apart(
    release, tmp_path, capsys, mode
):
    code, _, models = _train(release, tmp_path, "--crops", "0")
    assert code == 0
    out, cache = tmp_path / "evaluation", tmp_path.parent / "cache"
    argv = ["evaluate", "--model", str(models / "art.safetensors"), "--dataset",
            "seed-iv", "--root", str(release), "--subjects", "1", "--streaming",
            mode, "--out", str(out), "--cache-dir", str(cache)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    result = json.loads((out / "evaluation.json").read_text())
    q = result["quality"]
    if mode == "session":
        labelled = result["n_steps"] - result["n_rest_steps"]
        overall = result["live_accuracy"]
    else:
        labelled = sum(t["n_steps"] for t in result["trials"])
        overall = None
    assert q["n_clean"] + q["n_flagged"] == labelled
    # The planted clench and unplugged O1 (trials 1-6) give flagged steps.
    assert q["n_flagged"] >= 6 * 5 and q["n_clean"] > q["n_flagged"]
    if overall is not None:
        hits = (
            q["clean_accuracy"] * q["n_clean"] + q["flagged_accuracy"] * q["n_flagged"]
        )
        assert hits == pytest.approx(overall * labelled)
    assert f"[{mode} mode] by signal quality" in text
    flagged_line = next(line for line in text.splitlines() if "  flagged |" in line)
    assert flagged_line.split("|")[-1].strip() == str(q["n_flagged"])


def test_features_drop_artifacts_caches_flags_and_counts_them(
    release, tmp_path, capsys
):
    cache = tmp_path.parent / "cache"
    argv = ["features", "--dataset", "seed-iv", "--root", str(release),
            "--cache-dir", str(cache), "--drop-artifacts"]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    dataset = open_dataset("seed-iv", release)
    flags = dataset_quality(dataset, FeatureConfig(), QualitySettings(), cache, False)
    total = sum(q.flagged(6).size for q in flags.values())
    dropped = sum(int(q.flagged(6).sum()) for q in flags.values())
    assert f"--drop-artifacts: {dropped} of {total} windows flagged" in text
    subject_1 = [t for t in dataset.trials if t.subject == 1 and t.label == 0]
    cell = f"{sum(int(flags[t.key].flagged(6).sum()) for t in subject_1)}/"
    row = next(line for line in text.splitlines() if line.split("|")[0].strip() == "1")
    assert row.split("|")[1].strip().startswith(cell)
    # With a file, the option is refused in one line.
    argv = ["features", "--file", str(tmp_path / "x.edf"), "--out",
            str(tmp_path / "x.npz"), "--drop-artifacts"]  # fmt: skip
    assert main(argv) == 2
    assert "--drop-artifacts go with --dataset" in capsys.readouterr().err


def test_the_quality_settings_of_a_run_judge_its_windows_and_travel(release, tmp_path):
    from eegstream.training.config import RunOptions
    from eegstream.training.run import run_training

    settings = QualitySettings(muscle_uv=1000.0)  # no muscle flag
    cache = tmp_path.parent / "cache"
    opts = RunOptions("seed-iv", release, protocol="within", arch="logreg",
                      out=tmp_path / "run", models_dir=tmp_path / "models",
                      cache_dir=cache, progress=False, drop_artifacts=True,
                      quality=settings, name="loose")  # fmt: skip
    result = run_training(opts)
    dataset = open_dataset("seed-iv", release)
    loose = dataset_quality(dataset, FeatureConfig(), settings, cache, False)
    strict = dataset_quality(dataset, FeatureConfig(), QualitySettings(), cache, False)

    def dropped(flags) -> int:
        return sum(int(q.flagged(6).sum()) for q in flags.values())

    assert result.metrics.artifacts["dropped"] == dropped(loose) < dropped(strict)
    assert load_checkpoint(result.model_path).meta.quality_settings == settings


def test_real_recording_with_missing_channels_parity(tiny_checkpoint, realdata):
    """Real EEG (58 of the 62 SEED channels) at 200 Hz with a planted clench."""
    import dataclasses
    import warnings

    from eegstream.files.reading import load_recording
    from eegstream.pipeline import run_recording

    ckpt = load_checkpoint(tiny_checkpoint)
    with warnings.catch_warnings():  # the file's last annotation runs past its end
        warnings.simplefilter("ignore", RuntimeWarning)
        rec = load_recording(realdata / "S001R03.edf", sfreq=200, seed_order=True)
    present = [i for i, c in enumerate(rec.ch_names) if c not in rec.missing]
    names = [rec.ch_names[i] for i in present]
    eeg, _ = faults.muscle_bursts(
        rec.data[present, : 20 * 200],
        [names.index("T7"), names.index("T8")],
        SFREQ,
        start_s=9,
        duration_s=6,
    )
    data = rec.data[:, : 20 * 200].copy()
    data[present] = eeg
    rec = dataclasses.replace(rec, data=data)
    cfg = ckpt.feature_config
    offline = window_quality(eeg, names, SFREQ, cfg.window, cfg.hop)
    offline = dataclasses.replace(offline, n_missing=len(rec.missing))
    steps = run_recording(LiveChain.from_recording(ckpt, rec, device="cpu"), rec)
    clean = np.array([s.quality.clean for s in steps])
    assert len(rec.missing) == 4 and offline.n_kind("muscle") >= 6
    np.testing.assert_array_equal(
        offline.flagged(ckpt.meta.max_missing_channels), ~clean
    )
    # Four channels missing: a fifth bad one is more than 4 allowed.
    assert offline.flagged(3).all()


def test_a_trial_lacking_channels_counts_them_missing(release, tmp_path):
    copy = tmp_path / "SEED_IV"
    shutil.copytree(release, copy)

    def lacking(path, k, v):
        if path.name.startswith("1_") and k == "cz_eeg7":
            v = v.copy()
            v[:7] = np.nan  # 7 channels absent: more than 6 interpolated
        return v

    rewrite(copy, lacking)
    dataset = open_dataset("seed-iv", copy)
    dataset.trials = [t for t in dataset.trials if t.trial in (7, 8) and t.subject == 1]
    flags = dataset_quality(
        dataset, FeatureConfig(), QualitySettings(), tmp_path, False
    )
    by_trial = {t.trial: flags[t.key] for t in dataset.trials}
    lacks, whole = by_trial[7], by_trial[8]
    assert (lacks.n_missing, whole.n_missing) == (7, 0)
    assert lacks.flagged(6).all() and not whole.flagged(6).all()
    # Read back from the cache, the count of missing channels stays.
    again = dataset_quality(
        dataset, FeatureConfig(), QualitySettings(), tmp_path, False
    )
    assert {q.n_missing for q in again.values()} == {0, 7}
