"""DEAP, DREAMER, AMIGOS and FACED readers on files written here from the docs.

Every fixture is written in the test with plain ``pickle`` or
``scipy.io.savemat`` in the layout the datasets document (not by the
project's own synthetic writer). Each EEG row holds a constant (its channel
number times 10), so channel order survives resampling to 200 Hz exactly
(the resampler passes DC exactly) and is checked row by row.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import scipy.io

from eegstream import EEGStreamError
from eegstream.datasets import open_dataset
from eegstream.datasets import rated_tables as R
from eegstream.montage import SEED_CHANNELS


def _rows(n_rows: int, n_samples: int) -> np.ndarray:
    """Row i is the constant 10 * (i + 1): which channel it is stays visible."""
    return np.repeat(10.0 * np.arange(1, n_rows + 1)[:, None], n_samples, axis=1)


def _check_rows(eeg: np.ndarray, channels, seconds: float) -> None:
    assert eeg.shape == (62, int(round(seconds * 200)))
    for i, name in enumerate(channels):
        np.testing.assert_allclose(eeg[SEED_CHANNELS.index(name)], 10.0 * (i + 1))
    others = [j for j, c in enumerate(SEED_CHANNELS) if c not in channels]
    assert np.isnan(eeg[others]).all()


# ------------------------------------------------------------------ DEAP
def _write_deap(folder, subject, labels, n_trials=3, protocol=2):
    """``sNN.dat``: {'data': (trials, 40, 8064), 'labels': (trials, 4)}."""
    data = np.stack([_rows(40, 8064) for _ in range(n_trials)]).astype(np.float32)
    data[:, :, :384] = -500.0  # the 3 s pre-trial baseline
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"s{subject:02d}.dat", "wb") as fh:
        pickle.dump({"labels": np.asarray(labels, float), "data": data}, fh, protocol)


def test_deap_reader_channels_labels_and_trial_bounds(tmp_path):
    folder = tmp_path / "data_preprocessed_python"
    _write_deap(folder, 1, [[7, 2, 5, 5], [3, 8, 5, 5], [5, 5, 1, 9]])
    _write_deap(folder, 4, [[1, 1, 1, 1], [9, 9, 9, 9], [4.9, 5.1, 5, 5]])
    ds = open_dataset("deap", tmp_path)
    assert ds.subjects == [1, 4] and len(ds.trials) == 6
    assert ds.classes == ("low-valence", "high-valence")
    # >= 5 is high: 7, 3, 5 | 1, 9, 4.9
    assert [t.label for t in ds.trials] == [1, 0, 1, 0, 1, 0]
    assert ds.trials[2].ratings == {
        "valence": 5.0,
        "arousal": 5.0,
        "dominance": 1.0,
        "liking": 9.0,
    }
    assert ds.trials[0].duration_s == 60.0
    _check_rows(ds.trials[0].eeg(), R.DEAP_CHANNELS, 60.0)  # baseline left out
    text = ds.describe()
    assert "subjects 2-3, 5-32 of 1-32" in text
    assert "subject 4 classes: low-valence 2, high-valence 1" in text
    assert "valence (>= 5 is high on the 1-9 scale)" in text
    arousal = open_dataset("deap", tmp_path, target="arousal", threshold=6)
    assert [t.label for t in arousal.trials] == [0, 1, 0, 0, 1, 0]
    quad = open_dataset("deap", tmp_path, target="quadrant")
    assert [t.label_name for t in quad.trials][:3] == ["HVLA", "LVHA", "HVHA"]


def test_deap_baseline_subtraction(tmp_path):
    _write_deap(tmp_path, 2, [[2, 2, 2, 2], [8, 8, 8, 8], [2, 8, 2, 8]])
    ds = open_dataset("deap", tmp_path, baseline="subtract")
    eeg = ds.trials[0].eeg()
    channel = SEED_CHANNELS.index(R.DEAP_CHANNELS[0])
    np.testing.assert_allclose(eeg[channel], 10.0 + 500.0)
    assert "its 3 s pre-trial subtracted" in ds.describe()


def test_deap_refuses_a_pickle_that_runs_code(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    folder = tmp_path / "data_preprocessed_python"
    folder.mkdir()
    with open(folder / "s01.dat", "wb") as fh:
        pickle.dump({"data": Evil(), "labels": np.ones((40, 4))}, fh)
    with pytest.raises(EEGStreamError, match=r"s01.dat was not loaded: it names"):
        open_dataset("deap", tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ({"data": np.zeros((2, 40, 100)), "labels": np.ones((2, 4))}, "expected a"),
        ({"labels": np.ones((2, 4))}, r"holds \['labels'\]"),
        ({"data": {1, 2}, "labels": np.ones((2, 4))}, "holds a set"),
        ([np.array(["a"], dtype=object)], "array of object"),
    ],
)
def test_deap_refuses_files_that_are_not_deap(tmp_path, content, match):
    with open(tmp_path / "s01.dat", "wb") as fh:
        pickle.dump(content, fh)
    with pytest.raises(EEGStreamError, match=match):
        open_dataset("deap", tmp_path)


def test_rated_settings_are_refused_in_one_line(tmp_path):
    _write_deap(tmp_path, 1, [[10, 2, 5, 5], [3, 8, 5, 5], [5, 5, 1, 9]])
    with pytest.raises(EEGStreamError, match="rating 10 is outside the DEAP scale"):
        open_dataset("deap", tmp_path)
    _write_deap(tmp_path, 1, [[7, 2, 5, 5], [3, 8, 5, 5], [5, 5, 1, 9]])
    with pytest.raises(EEGStreamError, match="leaves class low-valence empty"):
        open_dataset("deap", tmp_path, threshold=2)
    with pytest.raises(EEGStreamError, match="outside DEAP's 1-9 rating scale"):
        open_dataset("deap", tmp_path, threshold=11)
    with pytest.raises(EEGStreamError, match="unknown target"):
        open_dataset("deap", tmp_path, target="joy")
    with pytest.raises(EEGStreamError, match="DEAP has no category labels"):
        open_dataset("deap", tmp_path, target="category")


# --------------------------------------------------------------- DREAMER
def _dreamer_subject(scores, seconds=(5, 6)):
    n = len(scores)
    stimuli = np.empty((n, 1), dtype=object)
    baseline = np.empty((n, 1), dtype=object)
    for i in range(n):
        stimuli[i, 0] = _rows(14, 128 * seconds[i % len(seconds)]).T
        baseline[i, 0] = np.full((128 * 4, 14), 3.0)
    scores = np.asarray(scores, float)
    return {
        "Age": 25.0,
        "Gender": "male",
        "EEG": {"stimuli": stimuli, "baseline": baseline},
        "ECG": {"stimuli": stimuli[:, :], "baseline": baseline},
        "ScoreValence": scores[:, :1],
        "ScoreArousal": scores[:, 1:2],
        "ScoreDominance": scores[:, 2:3],
    }


def _write_dreamer(path, subjects):
    data = np.empty((1, len(subjects)), dtype=object)
    for i, s in enumerate(subjects):
        data[0, i] = s
    top = {
        "Data": data,
        "EEG_SamplingRate": 128.0,
        "ECG_SamplingRate": 256.0,
        "EEG_Electrodes": np.array(R.EPOC_CHANNELS, dtype=object)[None, :],
        "noOfSubjects": float(len(subjects)),
        "noOfVideoSequences": 18.0,
    }
    scipy.io.savemat(path, {"DREAMER": top})


def test_dreamer_reader_struct_scores_and_baseline(tmp_path):
    scores = [[(i % 5) + 1, ((i + 2) % 5) + 1, 3] for i in range(18)]
    _write_dreamer(tmp_path / "DREAMER.mat", [_dreamer_subject(scores)] * 2)
    ds = open_dataset("dreamer", tmp_path, target="arousal")
    assert len(ds.trials) == 36 and ds.subjects == [1, 2]
    assert [t.label for t in ds.trials[:5]] == [1, 1, 1, 0, 0]  # 3 4 5 1 2 >= 3
    assert ds.trials[1].duration_s == 6.0
    assert ds.trials[1].ratings == {"valence": 2.0, "arousal": 4.0, "dominance": 3.0}
    _check_rows(ds.trials[1].eeg(), R.EPOC_CHANNELS, 6.0)
    assert ds.channels == tuple(c for c in SEED_CHANNELS if c in R.EPOC_CHANNELS)
    sub = open_dataset("dreamer", tmp_path, baseline="subtract")
    eeg = sub.trials[0].eeg()
    np.testing.assert_allclose(eeg[SEED_CHANNELS.index("AF3")], 10.0 - 3.0)
    with pytest.raises(EEGStreamError, match="DREAMER has no liking rating"):
        open_dataset("dreamer", tmp_path, target="liking")


def test_dreamer_refuses_a_wrong_struct_and_bad_scores(tmp_path):
    scipy.io.savemat(tmp_path / "DREAMER.mat", {"Data": np.zeros(3)})
    with pytest.raises(EEGStreamError, match=r"DREAMER.mat: variables \['Data'\]"):
        open_dataset("dreamer", tmp_path)
    scores = [[6, 1, 1]] + [[1, 5, 1]] * 17
    _write_dreamer(tmp_path / "DREAMER.mat", [_dreamer_subject(scores)])
    with pytest.raises(EEGStreamError, match="rating 6 is outside the DREAMER"):
        open_dataset("dreamer", tmp_path)


# ---------------------------------------------------------------- AMIGOS
def _write_amigos(path, ratings, seconds=5, empty=()):
    joined = np.empty((1, 20), dtype=object)
    labels = np.empty((1, 20), dtype=object)
    ids = np.empty((1, 20), dtype=object)
    for v in range(20):
        x = np.zeros((128 * seconds, 17))
        x[:, :14] = _rows(14, 128 * seconds).T
        if v + 1 == 5:
            x[100, 3] = np.nan  # as some participants' preprocessed EEG
        joined[0, v] = np.zeros((0, 0)) if v + 1 in empty else x
        row = np.zeros((1, 12))
        row[0, :5] = ratings[v]
        labels[0, v] = np.zeros((0, 0)) if v + 1 in empty else row
        ids[0, v] = f"P{v}"
    scipy.io.savemat(
        path,
        {
            "joined_data": joined,
            "labels_selfassessment": labels,
            "labels_ext_annotation": labels,
            "VideoIDs": ids,
        },
    )


def test_amigos_reader_arousal_first_and_missing_videos(tmp_path):
    folder = tmp_path / "data_preprocessed"
    folder.mkdir()
    # (arousal, valence, dominance, liking, familiarity): arousal comes first.
    ratings = [(2.0, 8.0, 5, 5, 5) if v % 2 else (8.0, 2.0, 5, 5, 5) for v in range(20)]
    _write_amigos(folder / "Data_Preprocessed_P03.mat", ratings, empty=(17, 18))
    ds = open_dataset("amigos", tmp_path)
    assert [t.trial for t in ds.trials] == [1, 2, 3, 4, *range(6, 17)]  # short
    assert [t.label for t in ds.trials[:4]] == [0, 1, 0, 1]  # valence 2, 8, ...
    _check_rows(ds.trials[0].eeg(), R.EPOC_CHANNELS, 5.0)
    every = open_dataset("amigos", tmp_path, videos="all")
    assert [t.trial for t in every.trials][-2:] == [19, 20]
    assert len(every.trials) == 17
    assert every.trials[-1].session == 2
    assert "participant 3: videos [5, 17, 18] (empty, unrated or NaN" in (
        every.describe()
    )
    with pytest.raises(EEGStreamError, match="AMIGOS provides no baseline"):
        open_dataset("amigos", tmp_path, baseline="subtract")


def test_amigos_refuses_a_wrong_file(tmp_path):
    scipy.io.savemat(tmp_path / "Data_Preprocessed_P01.mat", {"joined_data": 1.0})
    with pytest.raises(EEGStreamError, match="expected joined_data"):
        open_dataset("amigos", tmp_path)


# ----------------------------------------------------------------- FACED
def test_faced_reader_categories_and_channel_order(tmp_path):
    folder = tmp_path / "Processed_data"
    folder.mkdir()
    clips = np.stack([_rows(32, 1000) for _ in range(28)]).astype(np.float32)
    for n in (0, 7):
        with open(folder / f"sub{n:03d}.pkl", "wb") as fh:
            pickle.dump(clips, fh)
    ds = open_dataset("faced", tmp_path)
    assert ds.subjects == [1, 8] and len(ds.trials) == 56
    assert ds.classes == R.FACED_CATEGORIES
    names = [t.label_name for t in ds.trials[:28]]
    assert names[:3] == ["anger"] * 3 and names[12:16] == ["neutral"] * 4
    assert names[-1] == "tenderness"
    _check_rows(ds.trials[5].eeg(), R.FACED_CHANNELS, 4.0)
    valence = open_dataset("faced", tmp_path, target="valence")
    assert [t.label_name for t in valence.trials[11:17]] == (
        ["negative"] + ["neutral"] * 4 + ["positive"]
    )
    with pytest.raises(EEGStreamError, match="FACED has no arousal ratings"):
        open_dataset("faced", tmp_path, target="arousal")
    with open(folder / "sub009.pkl", "wb") as fh:
        pickle.dump(clips[:, :30], fh)
    with pytest.raises(EEGStreamError, match=r"sub009.pkl holds \(28, 30, 1000\)"):
        open_dataset("faced", tmp_path)


def test_baseline_subtraction_is_cached_apart(tmp_path):
    from eegstream.datasets.cache import cache_folder, dataset_features
    from eegstream.features import FeatureConfig

    _write_deap(tmp_path / "d", 1, [[2, 2, 2, 2], [8, 8, 8, 8], [2, 8, 2, 8]])
    cfg = FeatureConfig()
    plain = open_dataset("deap", tmp_path / "d")
    subtracted = open_dataset("deap", tmp_path / "d", baseline="subtract")
    dataset_features(plain, cfg, tmp_path / "c", progress=False)
    dataset_features(subtracted, cfg, tmp_path / "c", progress=False)
    files = sorted(cache_folder(plain, cfg, tmp_path / "c").glob("*.npy"))
    assert len(files) == 6  # 3 trials x 2 baselines: never read for one another
