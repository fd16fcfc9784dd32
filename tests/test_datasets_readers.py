"""Readers against files written by independent minimal writers, and bad input."""

from __future__ import annotations

import pickle
import shutil

import numpy as np
import pytest
import scipy.io
from _synth import synthetic_release

from eegstream import EEGStreamError
from eegstream.datasets import open_dataset
from eegstream.datasets import tables as T

RNG = np.random.default_rng(0)


def _eeg(seconds: int, extra: int = 1) -> np.ndarray:
    return RNG.normal(0, 20, (62, 200 * seconds + extra))


# ------------------------------------------------------------------ SEED
def _write_seed(root, subject_dates, prefix_by_subject, seconds=2, features=True):
    """Write a minimal SEED release with plain scipy.io.savemat; return its EEG."""
    written = {}
    for folder in ("Preprocessed_EEG", "ExtractedFeatures"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        scipy.io.savemat(
            root / folder / "label.mat",
            {"label": np.array([T.SEED_LABEL_MAT], np.int16)},
        )
    for subject, dates in subject_dates.items():
        for date in dates:
            name = f"{subject}_{date}.mat"
            eeg = {
                f"{prefix_by_subject[subject]}_eeg{n}": _eeg(seconds)
                for n in range(1, 16)
            }
            scipy.io.savemat(root / "Preprocessed_EEG" / name, eeg)
            written[(subject, date)] = eeg
            if features:
                feats = {}
                for n in range(1, 16):
                    for kind in T.SEED_FEATURE_KINDS:
                        rows = T.SEED_FEATURE_ROWS[kind.split("_")[0]]
                        feats[f"{kind}{n}"] = RNG.normal(size=(rows, seconds, 5))
                scipy.io.savemat(root / "ExtractedFeatures" / name, feats)
                written[(subject, date, "features")] = feats
    return written


def test_seed_reader_on_independent_files(tmp_path):
    # Subject 2's dates are not the official ones: sessions come from date order.
    dates = {1: ("20131027", "20131107"), 2: ("20150102", "20150101")}
    written = _write_seed(tmp_path, dates, {1: "djc", 2: "abc"})
    ds = open_dataset("seed", tmp_path)
    assert not ds.synthetic
    assert len(ds.trials) == 4 * 15
    # Official dates give the session number even with session 2 absent.
    assert sorted({(t.subject, t.session) for t in ds.trials}) == [
        (1, 1),
        (1, 3),
        (2, 1),
        (2, 2),
    ]
    trial = next(t for t in ds.trials if (t.subject, t.session, t.trial) == (2, 1, 9))
    assert trial.eeg_source.name == "2_20150101.mat"
    assert trial.label == T.SEED_LABEL_MAT[8] + 1 and trial.label_name == "positive"
    assert trial.duration_s == 2.0
    expected = written[(2, "20150101")]["abc_eeg9"]
    np.testing.assert_array_equal(trial.eeg(), expected[:, 1:])  # extra sample dropped
    feats = written[(2, "20150101", "features")]
    np.testing.assert_array_equal(
        trial.official_features(), feats["de_LDS9"].transpose(1, 0, 2)
    )
    np.testing.assert_array_equal(
        trial.official_features("psd_movingAve"),
        feats["psd_movingAve9"].transpose(1, 0, 2),
    )
    with pytest.raises(EEGStreamError, match="unknown feature kind 'dasm_LDS'"):
        trial.official_features("dasm_LDS")
    text = ds.describe()
    assert "subjects 3-15 of 1-15" in text and "subject 1 sessions 2" in text
    # The newer release's 4 s feature folder; EEG from the same files.
    (tmp_path / "ExtractedFeatures").rename(tmp_path / "ExtractedFeatures_4s")
    ds = open_dataset("seed", tmp_path)
    assert any("ExtractedFeatures_4s/: 4 subject-session files (4 s windows)" in line
               for line in ds.found)  # fmt: skip
    assert ds.trials[0].feature_source.parent.name == "ExtractedFeatures_4s"
    with pytest.raises(EEGStreamError, match="feature folder not found"):
        open_dataset("seed", tmp_path, features="ExtractedFeatures_1s")


def test_generator_and_independent_writer_give_the_same_trials(tmp_path):
    """Re-write a generated SEED-IV release with plain savemat: identical trials."""
    gen = synthetic_release(
        "seed-iv", tmp_path / "gen", subjects=2, trial_seconds=8, seed=2
    )
    copy = tmp_path / "copy"
    for part in ("eeg_raw_data", "eeg_feature_smooth"):
        for src in sorted((gen / part / "1").iterdir()):
            data = scipy.io.loadmat(src)
            keys = [k for k in data if not k.startswith("__")]  # file order
            dst = copy / part / "1" / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            scipy.io.savemat(dst, {k: data[k] for k in keys}, do_compression=True)
    a, b = open_dataset("seed-iv", gen), open_dataset("seed-iv", copy)
    assert not b.synthetic  # no marker file in the copy
    fields = ("subject", "session", "trial", "label", "label_name", "duration_s", "key")
    assert [[getattr(t, f) for f in fields] for t in a.trials] == [
        [getattr(t, f) for f in fields] for t in b.trials
    ]
    for ta, tb in zip(a.trials[::7], b.trials[::7], strict=True):
        np.testing.assert_array_equal(ta.eeg(), tb.eeg())
        np.testing.assert_array_equal(ta.official_features(), tb.official_features())


# --------------------------------------------------------------- SEED-IV
def _write_seed_iv(root, subject=3, session=2, seconds=8):
    prefix, date = T.SEED_IV_PREFIX[subject], T.SEED_IV_DATES[subject][session - 1]
    eeg = {f"{prefix}_eeg{n}": _eeg(seconds) for n in range(1, 25)}
    feats = {}
    for n in range(1, 25):
        for kind in T.SEED_IV_FEATURE_KINDS:
            feats[f"{kind}{n}"] = RNG.normal(size=(62, seconds // 4, 5))
    for part, data in (("eeg_raw_data", eeg), ("eeg_feature_smooth", feats)):
        (root / part / str(session)).mkdir(parents=True, exist_ok=True)
        scipy.io.savemat(root / part / str(session) / f"{subject}_{date}.mat", data)
    return root / "eeg_raw_data" / str(session) / f"{subject}_{date}.mat", eeg


def test_seed_iv_session_comes_from_the_folder(tmp_path):
    path, eeg = _write_seed_iv(tmp_path, subject=3, session=2)
    ds = open_dataset("seed-iv", tmp_path)
    assert {(t.subject, t.session) for t in ds.trials} == {(3, 2)}
    assert [t.label for t in ds.trials] == list(T.SEED_IV_LABELS[2])
    np.testing.assert_array_equal(ds.trials[4].eeg(), eeg["hql_eeg5"][:, 1:])


# ---------------------------------------------------------------- SEED-V
def _write_seed_v(root, subject=4, sessions=(1,), order="channel"):
    data, labels, bands = {}, {}, {}
    for k in sessions:
        for n in range(15):
            key = (k - 1) * 15 + n
            w = 3 + n % 2
            de = RNG.normal(size=(w, 62, 5))
            bands[key] = de
            flat = (
                de.reshape(w, 310)
                if order == "channel"
                else de.transpose(0, 2, 1).reshape(w, 310)
            )
            data[key] = flat
            labels[key] = np.full(w, T.SEED_V_LABELS[k][n])
    (root / "EEG_DE_features").mkdir(parents=True, exist_ok=True)
    np.savez(
        root / "EEG_DE_features" / f"{subject}_123.npz",
        data=pickle.dumps(data),
        label=pickle.dumps(labels),
    )
    return bands


@pytest.mark.parametrize("order", ["channel", "band"])
def test_seed_v_npz_and_column_order(tmp_path, order):
    bands = _write_seed_v(tmp_path, subject=4, sessions=(2,), order=order)
    ds = open_dataset("seed-v", tmp_path, column_order=order)
    assert [(t.subject, t.session) for t in ds.trials] == [(4, 2)] * 15
    t = ds.trials[3]
    assert t.label == T.SEED_V_LABELS[2][3] and t.label_name == "disgust"
    assert t.duration_s == T.SEED_V_ENDS[2][3] - T.SEED_V_STARTS[2][3]
    np.testing.assert_array_equal(t.official_features(), bands[18])
    assert (
        "trial_start_end_timestamp.txt (used the official trial times)" in ds.describe()
    )
    with pytest.raises(EEGStreamError, match="no EEG found"):
        t.eeg()
    with pytest.raises(EEGStreamError, match="only DE features"):
        t.official_features("de_LDS")


def test_seed_v_npz_refuses_code_and_foreign_layouts(tmp_path):
    folder = tmp_path / "EEG_DE_features"
    folder.mkdir()

    class Evil:
        def __reduce__(self):
            return (shutil.rmtree, (str(tmp_path / "victim"),))

    (tmp_path / "victim").mkdir()
    np.savez(
        folder / "1_123.npz", data=pickle.dumps({0: 1}), label=pickle.dumps({0: Evil()})
    )
    with pytest.raises(EEGStreamError, match="1_123.npz.*not a pickled dict of arrays"):
        open_dataset("seed-v", tmp_path)
    assert (tmp_path / "victim").is_dir()
    np.savez(folder / "1_123.npz", data=np.zeros(3), features=np.zeros(3))
    with pytest.raises(EEGStreamError, match="expected exactly 'data' and 'label'"):
        open_dataset("seed-v", tmp_path)
    np.savez(
        folder / "1_123.npz",
        data=pickle.dumps({"a": 1}),
        label=pickle.dumps({"1": np.zeros(2)}),
    )
    with pytest.raises(EEGStreamError, match="dict keyed 0 ... 44"):
        open_dataset("seed-v", tmp_path)
    (folder / "1_123.npz").unlink()
    (folder / "subject1.npz").write_bytes(b"x")
    with pytest.raises(
        EEGStreamError, match="subject1.npz; expected <subject>_123.npz"
    ):
        open_dataset("seed-v", tmp_path)


def test_seed_v_timestamp_file_is_parsed_and_checked(tmp_path):
    _write_seed_v(tmp_path, subject=1, sessions=(1,))
    starts = ", ".join(str(10 * i) for i in range(15))
    ends = ", ".join(str(10 * i + 7) for i in range(15))
    block = "".join(
        f"Session {k}:\nstart_second: [{starts}]\nend_second: [{ends}]\n\n"
        for k in (1, 2, 3)
    )
    (tmp_path / "trial_start_end_timestamp.txt").write_text(block)
    assert {t.duration_s for t in open_dataset("seed-v", tmp_path).trials} == {7.0}
    (tmp_path / "trial_start_end_timestamp.txt").write_text(
        block.replace("Session 3", "Session 9")
    )
    with pytest.raises(
        EEGStreamError, match="trial_start_end_timestamp.txt: expected blocks"
    ):
        open_dataset("seed-v", tmp_path)


# -------------------------------------------------------------- SEED-VII
def test_seed_vii_digit_keys_and_label_mapping(tmp_path):
    eeg = {str(v): _eeg(4, extra=0) for v in range(21, 41)}  # session 2 only
    feats = {}
    for v in range(21, 41):
        for kind in ("psd", "de", "de_LDS"):
            feats[f"{kind}_{v}"] = RNG.normal(size=(1, 5, 62))
    for part, data in (("EEG_preprocessed", eeg), ("EEG_features", feats)):
        (tmp_path / part).mkdir()
        scipy.io.savemat(tmp_path / part / "7.mat", data)
    ds = open_dataset("seed-vii", tmp_path)
    assert [t.trial for t in ds.trials] == list(range(21, 41))
    assert {t.session for t in ds.trials} == {2}
    names = [t.label_name for t in ds.trials[:10]]
    assert names == [
        "anger",
        "sad",
        "fear",
        "neutral",
        "surprise",
        "surprise",
        "neutral",
        "fear",
        "sad",
        "anger",
    ]
    t = ds.trials[4]
    np.testing.assert_array_equal(t.eeg(), eeg["25"])
    np.testing.assert_array_equal(
        t.official_features("de"), feats["de_25"].transpose(0, 2, 1)
    )
    assert "subject 7 sessions 1, 3-4" in ds.describe()


def test_seed_vii_table_matches_the_published_counts():
    names = T.SEED_VII_VIDEO_EMOTIONS
    assert len(names) == 80 and names[:3] == ("Happy", "Neutral", "Disgust")
    counts = {n: names.count(n) for n in set(names)}
    assert counts.pop("Neutral") == 8 and set(counts.values()) == {12}


# ------------------------------------------------------------- bad input
def test_missing_wrong_and_empty_roots(tmp_path):
    with pytest.raises(
        EEGStreamError, match="SEED-IV root folder not found: .*nowhere"
    ):
        open_dataset("seed-iv", tmp_path / "nowhere")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(EEGStreamError, match="root must be a folder"):
        open_dataset("seed", tmp_path / "file.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        EEGStreamError, match="holds no SEED-V data: expected one of EEG_DE_features/"
    ):
        open_dataset("seed-v", tmp_path / "empty")
    _write_seed_iv(tmp_path / "iv")
    with pytest.raises(
        EEGStreamError, match="looks like a SEED-IV release .*open it as 'seed-iv'"
    ):
        open_dataset("seed", tmp_path / "iv")
    (tmp_path / "vii" / "EEG_features").mkdir(parents=True)
    (tmp_path / "vii" / "EEG_raw").mkdir()
    with pytest.raises(EEGStreamError, match="looks like a SEED-VII release"):
        open_dataset("seed-v", tmp_path / "vii")
    with pytest.raises(EEGStreamError, match="unknown dataset 'mahnob'"):
        open_dataset("mahnob", tmp_path)
    with pytest.raises(EEGStreamError, match="seed-iv reader: .*unexpected keyword"):
        open_dataset("seed-iv", tmp_path / "iv", column_order="band")


def test_root_may_be_the_folder_above(tmp_path):
    _write_seed_iv(tmp_path / "SEED_IV")
    assert open_dataset("seed-iv", tmp_path).root == tmp_path / "SEED_IV"


@pytest.fixture
def seed_iv_file(tmp_path):
    path, _ = _write_seed_iv(tmp_path)
    return tmp_path, path


def test_truncated_mat_names_the_file(seed_iv_file):
    root, path = seed_iv_file
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(EEGStreamError, match=f"{path.name} is truncated"):
        open_dataset("seed-iv", root)


def test_non_mat_file_names_the_file(seed_iv_file):
    root, path = seed_iv_file
    path.write_text("<html>404 not found</html>" * 20)
    with pytest.raises(
        EEGStreamError, match=f"cannot read .*{path.name}: not a MATLAB"
    ):
        open_dataset("seed-iv", root)
    scipy.io.savemat(path, {"hql_eeg1": np.zeros((62, 401))}, format="4")
    with pytest.raises(EEGStreamError, match=f"{path.name}: a MATLAB v4 file; .*v5/v7"):
        open_dataset("seed-iv", root)


def test_unexpected_keys_and_shapes(seed_iv_file):
    root, path = seed_iv_file
    eeg = {k: v for k, v in scipy.io.loadmat(path).items() if not k.startswith("__")}
    scipy.io.savemat(path, eeg | {"notes": np.zeros(3)})
    with pytest.raises(
        EEGStreamError, match="unexpected variable 'notes'; expected <prefix>_eeg1"
    ):
        open_dataset("seed-iv", root)
    scipy.io.savemat(path, eeg | {"hql_eeg3": np.zeros((61, 1601))})
    with pytest.raises(
        EEGStreamError,
        match=r"'hql_eeg3' has shape \(61, 1601\).*expected \(62, samples",
    ):
        open_dataset("seed-iv", root)
    del eeg["hql_eeg24"]
    scipy.io.savemat(path, eeg)
    with pytest.raises(EEGStreamError, match="holds 23 trials .*expected 1 ... 24"):
        open_dataset("seed-iv", root)


def test_extra_file_names_the_file(seed_iv_file):
    root, path = seed_iv_file
    shutil.copy(path, path.parent / "backup.mat")
    with pytest.raises(
        EEGStreamError, match="unexpected file .*backup.mat.*<subject>_<YYYYMMDD>.mat"
    ):
        open_dataset("seed-iv", root)
    (path.parent / "backup.mat").unlink()
    shutil.copy(path, path.parent / "3_20990101.mat")
    with pytest.raises(EEGStreamError, match="holds 2 files of subject 3"):
        open_dataset("seed-iv", root)


def test_partial_dataset_loads_and_says_what_is_missing(tmp_path):
    _write_seed_iv(tmp_path, subject=3, session=2)
    shutil.rmtree(tmp_path / "eeg_feature_smooth")
    ds = open_dataset("seed-iv", tmp_path)
    text = ds.describe()
    assert (
        "24 trials of 1 subject, 1 session " in text
        and "24 with EEG, 0 with official features" in text
    )
    assert "eeg_feature_smooth/ (the whole folder)" in text
    assert "subjects 1-2, 4-15 of 1-15" in text and "subject 3 sessions 1, 3" in text
    with pytest.raises(EEGStreamError, match="no official feature file"):
        ds.trials[0].official_features()


def test_seed_label_mat_is_checked(tmp_path):
    _write_seed(tmp_path, {1: ("20131027",)}, {1: "djc"}, features=False)
    scipy.io.savemat(
        tmp_path / "Preprocessed_EEG" / "label.mat", {"label": np.full((1, 15), 3)}
    )
    with pytest.raises(EEGStreamError, match="label.mat: labels must be -1"):
        open_dataset("seed", tmp_path)
    (tmp_path / "Preprocessed_EEG" / "label.mat").unlink()
    (tmp_path / "ExtractedFeatures" / "label.mat").unlink()
    ds = open_dataset("seed", tmp_path)
    assert "label.mat (used the official labels)" in ds.describe()
    assert [t.label for t in ds.trials] == [v + 1 for v in T.SEED_LABEL_MAT]
