"""The synthetic generator: official layouts, counts, EEG realism, planted effect."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import scipy.io
from _cli import help_text
from _synth import synthetic_release

from eegstream import EEGStreamError
from eegstream.cli import main
from eegstream.datasets import CLASSES, DATASETS, open_dataset
from eegstream.datasets import tables as T
from eegstream.datasets.synth import SYNTHETIC_MARKER, generate, synth_command
from eegstream.features import FeatureConfig, KalmanSettings, compute_de, kalman_smooth
from eegstream.montage import SEED_CHANNELS


def _official_label(name: str, session: int, trial: int) -> int:
    if name == "seed":
        return T.SEED_LABEL_MAT[trial - 1] + 1
    if name == "seed-iv":
        return T.SEED_IV_LABELS[session][trial - 1]
    if name == "seed-v":
        return T.SEED_V_LABELS[session][trial - 1]
    return T.SEED_VII_LABELS[trial - 1]


def test_kalman_smooth_matches_pykalman():
    pykalman = pytest.importorskip("pykalman")
    rng = np.random.default_rng(4)
    series = rng.normal(size=(40, 3, 5)).cumsum(axis=0) + 12.0
    settings = KalmanSettings(transition_cov=0.01, observation_cov=0.5, initial_cov=0.2)
    ours = kalman_smooth(series, settings)
    flat = series.reshape(40, -1)
    for j in range(flat.shape[1]):
        kf = pykalman.KalmanFilter(
            transition_matrices=1,
            observation_matrices=1,
            transition_covariance=0.01,
            observation_covariance=0.5,
            initial_state_covariance=0.2,
            initial_state_mean=flat[:, j].mean(),
        )
        expected = kf.smooth(flat[:, j])[0][:, 0]
        np.testing.assert_allclose(
            ours.reshape(40, -1)[:, j], expected, rtol=0, atol=1e-9
        )
    # Non-causal: the first output depends on later inputs.
    changed = series.copy()
    changed[-1] += 5.0
    assert not np.allclose(kalman_smooth(changed, settings)[0], ours[0])


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Write one small synthetic release per dataset (2 subjects, 8 s trials)."""
    out = {}
    for name in DATASETS:
        root = tmp_path_factory.mktemp(name)
        sessions = 2 if name == "seed-vii" else 1
        generate(
            name,
            root,
            subjects=2,
            sessions=sessions,
            trial_seconds=8,
            seed=5,
            progress=False,
        )
        out[name] = root
    return out


@pytest.mark.parametrize("name", DATASETS)
def test_round_trip(small, name):
    ds = open_dataset(name, small[name])
    assert ds.synthetic and (ds.root / SYNTHETIC_MARKER).is_file()
    assert "SYNTHETIC" in ds.describe()
    sessions = 2 if name == "seed-vii" else 1
    assert len(ds.trials) == 2 * sessions * T.N_TRIALS[name]
    assert ds.subjects == [1, 2]
    assert ds.classes == CLASSES[name]
    for trial in ds.trials:
        assert trial.label == _official_label(name, trial.session, trial.trial)
        assert trial.label_name == ds.classes[trial.label]
        assert trial.duration_s == 8.0
    trial = ds.trials[-1]
    eeg = trial.eeg()
    assert eeg.shape == (62, 1600) and eeg.dtype == np.float64
    official = trial.official_features()
    if name == "seed":
        cfg = FeatureConfig(window_s=1.0, hop_s=1.0, smoothing="none")
    elif name == "seed-vii":
        cfg = FeatureConfig(
            window_s=4.0, hop_s=4.0, compat="seed-vii", smoothing="none"
        )
    else:
        cfg = FeatureConfig(window_s=4.0, hop_s=4.0, smoothing="none")
    de = compute_de(eeg, cfg)
    assert official.shape == de.shape
    if name == "seed-v":
        # The .cnt stores 0.05 µV integer steps: DE agrees to quantisation error.
        np.testing.assert_allclose(official, de, atol=0.02)
    else:
        np.testing.assert_allclose(official, kalman_smooth(de), atol=1e-9)


@pytest.mark.parametrize("name", DATASETS)
def test_full_size_counts_equal_the_official_tables(tmp_path, name):
    root = generate(name, tmp_path / name, trial_seconds=4, raw=False, progress=False)
    ds = open_dataset(name, root)
    assert ds.missing == [] or ds.missing == ["EEG_raw/ (the whole folder)"]
    assert ds.subjects == list(range(1, T.N_SUBJECTS[name] + 1))
    per_subject = Counter(t.subject for t in ds.trials)
    assert set(per_subject.values()) == {T.N_SESSIONS[name] * T.N_TRIALS[name]}
    per_session = Counter((t.subject, t.session) for t in ds.trials)
    assert len(per_session) == T.N_SUBJECTS[name] * T.N_SESSIONS[name]
    assert set(per_session.values()) == {T.N_TRIALS[name]}
    classes = Counter(t.label_name for t in ds.trials if t.subject == 1)
    if name == "seed-vii":
        assert classes["neutral"] == 8
        assert all(n == 12 for c, n in classes.items() if c != "neutral")
    else:
        assert len(set(classes.values())) == 1  # balanced per subject
    assert len({t.key for t in ds.trials}) == len(ds.trials)


def test_files_follow_the_official_structure(small):
    # SEED: prefixed variables in order 1..15, 200 T + 1 samples, label.mat (1, 15).
    seed = small["seed"]
    names = [
        n for n, _, _ in scipy.io.whosmat(seed / "Preprocessed_EEG" / "2_20140404.mat")
    ]
    assert names == [f"jl_eeg{n}" for n in range(1, 16)]
    assert scipy.io.whosmat(seed / "Preprocessed_EEG" / "2_20140404.mat")[0][1] == (
        62,
        1601,
    )
    label = scipy.io.loadmat(seed / "ExtractedFeatures" / "label.mat")["label"]
    assert label.shape == (1, 15) and label.ravel().tolist() == list(T.SEED_LABEL_MAT)
    feats = scipy.io.whosmat(seed / "ExtractedFeatures" / "1_20131027.mat")
    assert [n for n, _, _ in feats[:12]] == [f"{k}1" for k in T.SEED_FEATURE_KINDS]
    assert [s for _, s, _ in feats[:12:2]] == [
        (62, 8, 5),
        (62, 8, 5),
        (27, 8, 5),
        (27, 8, 5),
        (54, 8, 5),
        (23, 8, 5),
    ]
    # SEED-IV: session folders, 4 feature kinds per trial, (62, W, 5).
    seed_iv = small["seed-iv"]
    feats = scipy.io.whosmat(seed_iv / "eeg_feature_smooth" / "1" / "1_20160518.mat")
    assert [n for n, _, _ in feats[:4]] == [
        "de_movingAve1",
        "de_LDS1",
        "psd_movingAve1",
        "psd_LDS1",
    ]
    assert feats[0][1] == (62, 2, 5) and len(feats) == 96
    assert "session1_label = [1,2,3,0" in (seed_iv / "ReadMe.txt").read_text()
    # SEED-V: np.savez of two pickled dicts in 0-d byte arrays, keys 0..14.
    npz = np.load(small["seed-v"] / "EEG_DE_features" / "1_123.npz")
    assert sorted(npz.files) == ["data", "label"]
    assert npz["data"].dtype.kind == "S" and npz["data"].shape == ()
    import pickle

    data = pickle.loads(npz["data"])
    assert sorted(data) == list(range(15)) and data[0].shape == (2, 310)
    assert (small["seed-v"] / "EEG_raw" / "2_1_20180416.cnt").is_file()
    # SEED-VII: digit keys, (W, 5, 62) features in MAET's order.
    seed_vii = small["seed-vii"]
    assert [
        n for n, _, _ in scipy.io.whosmat(seed_vii / "EEG_preprocessed" / "1.mat")
    ] == [str(v) for v in range(1, 41)]
    feats = scipy.io.whosmat(seed_vii / "EEG_features" / "1.mat")
    assert [n for n, _, _ in feats[:3]] == ["psd_1", "de_1", "de_LDS_1"]
    assert feats[0][1] == (2, 5, 62)


def test_eeg_looks_like_eeg():
    from eegstream.datasets._eeg_sim import make_subject, population_effect, simulate

    rng = np.random.default_rng(2)
    subject = make_subject(population_effect(CLASSES["seed-iv"], rng), rng)
    eeg = simulate(subject, 1, 200 * 120, 200.0, rng)
    rms = eeg.std(axis=1)
    assert np.all((rms > 5) & (rms < 100)), "scalp EEG is tens of µV"
    spectrum = np.abs(np.fft.rfft(eeg - eeg.mean(1, keepdims=True), axis=1)) ** 2
    freqs = np.fft.rfftfreq(eeg.shape[1], 1 / 200)

    def band(lo, hi):
        return spectrum[:, (freqs >= lo) & (freqs < hi)].mean(axis=1)

    occipital = [SEED_CHANNELS.index(c) for c in ("O1", "OZ", "O2")]
    frontal = [SEED_CHANNELS.index(c) for c in ("F3", "FZ", "F4")]
    # 1/f: power falls with frequency (above ~30 Hz a sensor-noise floor and
    # the planted gamma effect may flatten it on single channels).
    assert np.all(band(2, 4) > 5 * band(20, 30))
    assert np.median(band(20, 30) / band(40, 50)) > 1.2
    # Alpha is a peak over occipital sites, stronger there than frontally.
    alpha_ratio = band(8, 13) / (0.5 * (band(5, 7) + band(15, 20)))
    assert alpha_ratio[occipital].mean() > 2 * alpha_ratio[frontal].mean()
    assert alpha_ratio[occipital].min() > 1.5
    # Neighbouring channels correlate (volume conduction), far ones less.
    corr = np.corrcoef(eeg)
    assert (
        corr[SEED_CHANNELS.index("O1"), SEED_CHANNELS.index("OZ")]
        > corr[SEED_CHANNELS.index("O1"), SEED_CHANNELS.index("FP2")]
    )


def test_blinks_are_frontal():
    from eegstream.datasets._eeg_sim import _blinks, make_subject, population_effect

    rng = np.random.default_rng(1)
    subject = make_subject(population_effect(CLASSES["seed"], rng), rng)
    blinks = _blinks(subject, 200 * 120, 200.0, rng)
    peak = np.abs(blinks).max(axis=1)
    assert peak[SEED_CHANNELS.index("FP1")] > 50
    assert peak[SEED_CHANNELS.index("OZ")] < 0.05 * peak[SEED_CHANNELS.index("FPZ")]


def test_planted_effect_generalises_across_subjects_but_not_perfectly(tmp_path):
    """Leave-one-subject-out logistic regression on per-trial mean DE (synthetic)."""
    from sklearn.linear_model import LogisticRegression

    root = synthetic_release("seed-iv", tmp_path, subjects=6, trial_seconds=20, seed=11)
    ds = open_dataset("seed-iv", root)
    cfg = FeatureConfig(hop_s=4.0, smoothing="none")
    x = np.array([compute_de(t.eeg(), cfg).mean(axis=0).ravel() for t in ds.trials])
    y = np.array([t.label for t in ds.trials])
    groups = np.array([t.subject for t in ds.trials])
    for s in ds.subjects:  # the paper's per-subject z-score
        m = groups == s
        x[m] = (x[m] - x[m].mean(axis=0)) / x[m].std(axis=0)

    def loso(labels):
        return np.mean(
            [
                LogisticRegression(C=0.1, max_iter=2000)
                .fit(x[groups != s], labels[groups != s])
                .score(x[groups == s], labels[groups == s])
                for s in ds.subjects
            ]
        )

    accuracy = loso(y)
    assert 0.4 < accuracy < 0.95, accuracy  # chance is 0.25
    shuffled = np.random.default_rng(0).permutation(y)
    assert loso(shuffled) < 0.4


def test_same_seed_same_files_other_seed_other_eeg(tmp_path):
    a = synthetic_release("seed-vii", tmp_path / "a", seed=3)
    b = synthetic_release("seed-vii", tmp_path / "b", seed=3)
    c = synthetic_release("seed-vii", tmp_path / "c", seed=4)
    ea, eb, ec = (open_dataset("seed-vii", r).trials[0].eeg() for r in (a, b, c))
    np.testing.assert_array_equal(ea, eb)
    assert not np.allclose(ea, ec)


def test_a_listed_subject_is_the_same_subject_as_in_the_full_set(tmp_path):
    # The demo replays a subject held out of training by generating it alone.
    args = {"sessions": 1, "trial_seconds": 4, "seed": 5, "progress": False}
    alone = open_dataset("seed-iv", generate("seed-iv", tmp_path / "a", [3], **args))
    full = open_dataset("seed-iv", generate("seed-iv", tmp_path / "b", 3, **args))
    assert alone.subjects == [3] and full.subjects == [1, 2, 3]
    theirs = {t.trial: t.eeg() for t in full.trials if t.subject == 3}
    for trial in alone.trials:
        np.testing.assert_array_equal(trial.eeg(), theirs[trial.trial])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dataset": "seed-x"}, "unknown dataset 'seed-x'"),
        ({"subjects": 0}, "subjects must be an integer from 1 to 15"),
        ({"subjects": 16}, "subjects must be an integer from 1 to 15"),
        ({"subjects": [0, 3]}, "subject numbers must lie in 1..15"),
        ({"sessions": 4}, "sessions must be an integer from 1 to 3"),
        ({"trial_seconds": 2}, "trial_seconds must be a whole number"),
        ({"trial_seconds": 6.5}, "trial_seconds must be a whole number"),
    ],
    ids=[
        "dataset",
        "subjects-0",
        "subjects-16",
        "subject-list",
        "sessions",
        "short",
        "fraction",
    ],
)
def test_generate_rejects_bad_arguments(tmp_path, kwargs, match):
    args = {"dataset": "seed-iv", "out": tmp_path, "progress": False} | kwargs
    with pytest.raises(EEGStreamError, match=match):
        generate(**args)


def test_cli_synth(tmp_path, capsys):
    args = ["--subjects", "1", "--sessions", "1", "--trial-seconds", "4", "--seed", "1"]
    rc = main(["synth", "--dataset", "seed", "--out", str(tmp_path / "s"), *args])
    assert rc == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "15 trials" in out
    rc = main(
        ["synth", "--dataset", "seed", "--out", str(tmp_path / "t"), "--subjects", "99"]
    )
    assert rc == 2
    assert "subjects must be an integer from 1 to 15" in capsys.readouterr().err
    rc = main(["synth", "--dataset", "seed-v", "--out", str(tmp_path / "v"), *args,
               "--no-raw"])  # fmt: skip
    assert rc == 0 and not (tmp_path / "v" / "EEG_raw").exists()
    assert (tmp_path / "v" / "EEG_DE_features" / "1_123.npz").is_file()
    # The release remembers the command that wrote it (model cards quote it).
    command = synth_command(tmp_path / "v")
    assert command is not None and command.split()[:4] == [
        "eegstream",
        "synth",
        "--dataset",
        "seed-v",
    ]
    assert command.endswith(
        "--subjects 1 --sessions 1 --trial-seconds 4 --seed 1 --no-raw"
    )
    assert synth_command(tmp_path) is None  # not a synthetic release
    capsys.readouterr()
    assert "--trial-seconds" in help_text("synth", capsys)


def test_never_writes_into_a_folder_of_other_files(tmp_path):
    (tmp_path / "eeg_raw_data").mkdir()
    with pytest.raises(EEGStreamError, match="refusing to write synthetic data into"):
        generate("seed-iv", tmp_path, subjects=1, sessions=1, trial_seconds=4)
    assert list(tmp_path.iterdir()) == [tmp_path / "eeg_raw_data"]
    # A previous synthetic run may be overwritten.
    again = tmp_path / "again"
    synthetic_release("seed-vii", again)
    synthetic_release("seed-vii", again)
    assert "NOT REAL EEG" in (again / SYNTHETIC_MARKER).read_text()
