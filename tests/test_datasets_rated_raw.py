"""DEAP's and FACED's raw BDF recordings, read from files written here from the docs.

The fixtures are BDF files written byte by byte (``tests/_bdf.py``, from the
format spec, not by MNE or the project) in the layout DEAP and FACED
document, with short trials. Every EEG channel carries a sine at its own
frequency (2 Hz + its index in the dataset's channel list) whose amplitude
is 10 µV times the trial's video number, and nothing outside the videos:
the spectral peak of each output row names its channel whatever the file's
order, the amplitude names the trial, and a trial cut at the wrong place
would take in silence.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from _bdf import eeg_signal, status_signal, write_annotations_bdf, write_bdf
from _cli import assert_features_refused

from eegstream import EEGStreamError
from eegstream.cli import main
from eegstream.datasets import open_dataset
from eegstream.datasets import rated_tables as R
from eegstream.datasets.deap_raw import TWENTE_CHANNELS
from eegstream.montage import SEED_CHANNELS

DEAP_SFREQ = 512
PERIPHERAL = (
    "EXG1", "EXG2", "EXG3", "EXG4", "EXG5", "EXG6", "EXG7", "EXG8", "GSR1",
    "GSR2", "Erg1", "Erg2", "Resp", "Plet", "Temp",
)  # fmt: skip
_SPELLING = {"FP1": "Fp1", "FP2": "Fp2", "OZ": "Oz", "PZ": "Pz", "FZ": "Fz"}
_SPELLING |= {"CZ": "Cz"}


def _label(seed_name: str) -> str:
    return _SPELLING.get(seed_name, seed_name)


def _frequency(channels, name: str) -> int:
    """2 Hz + the channel's index; 1 Hz for a label not in ``channels``."""
    return 2 + channels.index(name) if name in channels else 1


def _check_trial(eeg, channels, video: int, seconds: int, *, reref: bool) -> None:
    """Rows by frequency, amplitude 10 x video, silence nowhere: exact bounds."""
    assert eeg.shape == (62, seconds * 200)
    spectrum = np.abs(np.fft.rfft(np.nan_to_num(eeg), axis=1)) * 2 / eeg.shape[1]
    # After an average reference a channel keeps (1 - 1/n) of its own sine.
    own = 10.0 * video * ((1 - 1 / len(channels)) if reref else 1.0)
    for name in channels:
        row = SEED_CHANNELS.index(name)
        f = _frequency(channels, name)
        assert np.argmax(spectrum[row]) == f * seconds, name
        np.testing.assert_allclose(spectrum[row, f * seconds], own, rtol=0.02)
        edges = np.r_[eeg[row, 10:60], eeg[row, -60:-10]]
        assert np.sqrt(np.mean(edges**2)) > 0.6 * own, "silence inside the trial"
    others = [j for j, c in enumerate(SEED_CHANNELS) if c not in channels]
    assert np.isnan(eeg[others]).all()


# ------------------------------------------------------------------ DEAP
def _deap_bdf(
    path, order, videos, seconds=4, *, status_label="Status", n_peripheral=15
):
    """A DEAP raw recording: EEG in ``order``, Status codes as DEAP documents.

    Status: 1 (experiment start), 1 (baseline), 2 (sync), then per video 3
    (5 s fixation), 4 (video), 5 (3 s fixation), 1 (rating); 7 at the end.
    Bit 16 (a BioSemi system flag) is set throughout.
    """
    fs = DEAP_SFREQ
    codes: list[tuple[int, int]] = [(1, 1), (0, 1), (1, 2), (0, 1), (2, 1), (0, 1)]
    for _ in videos:
        codes += [(3, 5), (4, seconds), (5, 3), (1, 2), (0, 1)]
    codes += [(7, 1), (0, 1)]
    status = np.concatenate([np.full(n * fs, c) for c, n in codes]) | (1 << 16)
    t = np.arange(len(status)) / fs
    in_video = np.flatnonzero(np.diff(np.r_[0, (status & 0xFF) == 4, 0]))
    amplitude = np.zeros(len(status))
    for video, (a, b) in zip(videos, in_video.reshape(-1, 2), strict=True):
        amplitude[a:b] = 10.0 * video
    signals = [
        eeg_signal(
            _label(c),
            amplitude * np.sin(2 * np.pi * _frequency(R.DEAP_CHANNELS, c) * t),
        )
        for c in order
    ]
    signals += [eeg_signal(p, np.zeros(len(t))) for p in PERIPHERAL[:n_peripheral]]
    signals.append(status_signal(status, status_label))
    return write_bdf(path, signals, fs)


def _deap_ratings(path: Path, rows) -> None:
    """``participant_ratings.csv``: (subject, trial, video, valence, arousal)."""
    lines = ["Participant_id,Trial,Experiment_id,Start_time,Valence,Arousal,"
             "Dominance,Liking,Familiarity"]  # fmt: skip
    for s, trial, video, v, a in rows:
        lines.append(f"{s},{trial},{video},{1000 * trial},{v},{a},5,5,3")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _check_processed_first(
    dataset: str, root: Path, processed: tuple[int, str], raw_files: str, n_raw: int
) -> None:
    """``root`` reads as its processed files, and as its raw ones with eeg="raw".

    ``processed``: the number of trials and their files' suffix; ``raw_files``
    starts the description's line of the raw recordings not read.
    """
    ds = open_dataset(dataset, root)
    assert (len(ds.trials), ds.trials[0].eeg_source.suffix) == processed
    assert f"{raw_files} raw recordings (not read" in ds.describe()
    raw = open_dataset(dataset, root, eeg="raw")
    assert len(raw.trials) == n_raw and raw.trials[0].eeg_source.suffix == ".bdf"


@pytest.fixture()
def deap_raw(tmp_path):
    """Subjects 1 (Twente order) and 23 (Geneva order), three videos each."""
    root = tmp_path / "DEAP"
    _deap_bdf(root / "data_original" / "s01.bdf", TWENTE_CHANNELS, [3, 1, 2])
    _deap_bdf(root / "data_original" / "s23.bdf", R.DEAP_CHANNELS, [2, 3, 1])
    _deap_ratings(
        root / "metadata_csv" / "participant_ratings.csv",
        [(1, 1, 3, 7, 2), (1, 2, 1, 3, 8), (1, 3, 2, 5, 5),
         (23, 1, 2, 1.5, 9), (23, 2, 3, 8.2, 4.9), (23, 3, 1, 4.9, 5)],
    )  # fmt: skip
    return root


def test_deap_raw_channels_samples_labels_and_trial_bounds(deap_raw):
    ds = open_dataset("deap", deap_raw, target="valence")
    assert ds.subjects == [1, 23] and len(ds.trials) == 6
    # Numbered by video (Experiment_id), as the preprocessed files are.
    assert [(t.subject, t.trial) for t in ds.trials] == [
        (1, 1), (1, 2), (1, 3), (23, 1), (23, 2), (23, 3)
    ]  # fmt: skip
    # valence >= 5 is high: s1 videos 1-3 rated 3, 5, 7; s23 rated 4.9, 1.5, 8.2
    assert [t.label for t in ds.trials] == [0, 1, 1, 0, 0, 1]
    assert ds.trials[4].ratings == {
        "valence": 1.5, "arousal": 9.0, "dominance": 5.0, "liking": 5.0
    }  # fmt: skip
    assert all(t.duration_s == 4.0 for t in ds.trials)
    for t in ds.trials:
        assert t.eeg_source.name == f"s{t.subject:02d}.bdf"
        _check_trial(t.eeg(), R.DEAP_CHANNELS, t.trial, 4, reref=True)
    text = ds.describe()
    assert "data_original/: 2 raw recordings (sNN.bdf)" in text
    assert "metadata_csv/participant_ratings.csv: ratings of 2 subjects" in text
    assert "missing: data_original/: subjects 2-22, 24-32 of 1-32" in text


def test_deap_prefers_the_preprocessed_files_and_reads_raw_when_asked(deap_raw):
    import pickle

    pre = deap_raw / "data_preprocessed_python"
    pre.mkdir()
    data = np.zeros((2, R.DEAP_ROWS, 8064), np.float32)
    with open(pre / "s01.dat", "wb") as fh:
        pickle.dump(
            {"data": data, "labels": np.array([[3, 5, 5, 5], [7, 5, 5, 5]])}, fh, 2
        )
    _check_processed_first("deap", deap_raw, (2, ".dat"), "data_original/: 2", 6)
    # --root naming data_original/ itself reads only the raw recordings.
    assert len(open_dataset("deap", deap_raw / "data_original").trials) == 6


def test_deap_raw_without_ratings_says_what_is_missing(deap_raw):
    (deap_raw / "metadata_csv" / "participant_ratings.csv").unlink()
    with pytest.raises(EEGStreamError) as err:
        open_dataset("deap", deap_raw)
    assert "metadata_csv/participant_ratings.csv" in str(err.value)


def test_deap_raw_subtracts_the_pre_trial_baseline(deap_raw):
    ds = open_dataset("deap", deap_raw, baseline="subtract")
    plain = open_dataset("deap", deap_raw)
    t, p = ds.trials[0], plain.trials[0]
    # The pre-trial is silent but the window's mean and the average
    # reference move it: exactly its mean second is taken off each second.
    assert not np.allclose(t.eeg(), p.eeg(), equal_nan=True)
    row = SEED_CHANNELS.index("FP1")
    diff = (p.eeg() - t.eeg())[row]
    np.testing.assert_allclose(diff[:200], diff[200:400])


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            lambda p: _deap_bdf(p, TWENTE_CHANNELS, [3, 1, 2], status_label="EXG9"),
            "s01.bdf has no Status channel; expected DEAP's 48 channels",
        ),
        (
            lambda p: _deap_bdf(p, TWENTE_CHANNELS, [3, 1, 2], n_peripheral=14),
            "s01.bdf has 47 channels; expected DEAP's 48",
        ),
        (
            lambda p: _deap_bdf(p, ("X1", *TWENTE_CHANNELS[1:]), [3, 1, 2]),
            "s01.bdf lacks the EEG channel(s) FP1; expected DEAP's 32",
        ),
        (
            lambda p: _deap_bdf(p, TWENTE_CHANNELS, [3, 1]),
            "s01.bdf: 2 videos (Status code 4 to 5), expected 3 as "
            "participant_ratings.csv lists for subject 1",
        ),
    ],
)
def test_bad_deap_raw_is_one_line_exit_2_nothing_cached(
    deap_raw, tmp_path, capsys, write, message
):
    write(deap_raw / "data_original" / "s01.bdf")
    assert_features_refused("deap", deap_raw, tmp_path / "cache", capsys, message)


def test_deap_raw_unpaired_video_events_are_refused(tmp_path):
    root = tmp_path / "DEAP"
    path = root / "data_original" / "s01.bdf"
    _deap_ratings(root / "participant_ratings.csv", [(1, 1, 1, 5, 5), (1, 2, 2, 5, 5)])
    fs = DEAP_SFREQ
    # The first video (from 6 s) has no code 5 before the next code 4.
    status = np.concatenate(
        [np.full(fs, c) for c in (0, 0, 0, 3, 3, 3, 4, 4, 4, 4, 0, 4, 4, 5, 5, 0)]
    )
    t = np.arange(len(status)) / fs
    signals = [eeg_signal(_label(c), np.sin(t)) for c in TWENTE_CHANNELS]
    signals += [eeg_signal(p, np.zeros(len(t))) for p in PERIPHERAL]
    write_bdf(path, [*signals, status_signal(status)], fs)
    with pytest.raises(EEGStreamError, match=r"s01.bdf: the video starting at 6.000 s"):
        open_dataset("deap", root)


# ------------------------------------------------------------------ FACED
def _faced(sub: Path, clips, rate: int, *, seconds=2, labels=None, events=None):
    """``data.bdf`` (30 EEG + A1, A2 at ``rate``) and ``evt.bdf`` for ``clips``.

    Events: 100 at 0.5 s; per clip, its number, 101 half a second later, 102
    ``seconds`` after that; 1 s between clips.
    """
    labels = labels or [_label(c) for c in R.FACED_CHANNELS] + ["A1", "A2"]
    if events is None:
        events, t = [(0.5, "100")], 1.0
        for clip in clips:
            events += [(t, str(clip)), (t + 0.5, "101"), (t + 0.5 + seconds, "102")]
            t += seconds + 1.5
    n = int(np.ceil(max(e[0] for e in events) + 1)) * rate
    t = np.arange(n) / rate
    amplitude = np.zeros(n)
    starts = [e[0] for e in events if e[1] == "101"]
    for clip, start in zip(clips, starts, strict=False):
        a = round(start * rate)
        amplitude[a : a + seconds * rate] = 10.0 * clip
    signals = []
    for label in labels:
        f = _frequency(R.FACED_CHANNELS, label.upper())
        signals.append(eeg_signal(label, amplitude * np.sin(2 * np.pi * f * t)))
    write_bdf(sub / "data.bdf", signals, rate)
    write_annotations_bdf(sub / "evt.bdf", events)


@pytest.fixture()
def faced_raw(tmp_path):
    """Three FACED subject folders, one incomplete, one stopped early.

    sub000: all 28 clips (shuffled) at 250 Hz; sub001: no evt.bdf; sub002:
    1000 Hz, stopped after five clips.
    """
    root = tmp_path / "FACED"
    order = list(np.random.default_rng(0).permutation(np.arange(1, 29)))
    _faced(root / "Data" / "sub000", [int(c) for c in order], 250)
    _faced(root / "Data" / "sub001", [1], 250)
    (root / "Data" / "sub001" / "evt.bdf").unlink()
    _faced(root / "Data" / "sub002", [5, 17, 2, 28, 13], 1000)
    return root


def test_faced_raw_channels_samples_clips_and_categories(faced_raw):
    ds = open_dataset("faced", faced_raw)
    assert ds.subjects == [1, 3]
    assert [t.trial for t in ds.trials] == list(range(1, 29)) + [2, 5, 13, 17, 28]
    assert [t.label for t in ds.trials] == [
        R.FACED_CLIP_CATEGORY[t.trial - 1] for t in ds.trials
    ]
    assert (
        ds.trials[0].label_name == "anger" and ds.trials[-1].label_name == "tenderness"
    )
    for t in ds.trials:
        assert t.duration_s == 2.0
        _check_trial(t.eeg(), R.FACED_CHANNELS, t.trial, 2, reref=False)
    text = ds.describe()
    assert "Data/: 2 raw recordings (subNNN/data.bdf)" in text
    assert "missing: Data/sub001/: evt.bdf" in text
    assert "missing: Data/sub002/evt.bdf: clips 1, 3-4, 6-12, 14-16, 18-27" in text
    assert "missing: Data/ (as subject NNN + 1): subjects 2, 4-123 of 1-123" in text


def test_faced_prefers_processed_files_and_reads_raw_when_asked(faced_raw):
    import pickle

    processed = faced_raw / "Processed_data"
    processed.mkdir()
    with open(processed / "sub000.pkl", "wb") as fh:
        pickle.dump(np.zeros((28, 32, 7500), np.float32), fh)
    _check_processed_first("faced", faced_raw, (28, ".pkl"), "Data/: 3", 33)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("deap", "data_preprocessed_python/: not found (the preprocessed files)"),
        ("faced", "Processed_data/: not found (the processed files)"),
    ],
)
def test_asking_for_the_absent_processed_part_names_it(request, name, message):
    root = request.getfixturevalue(f"{name}_raw")  # raw recordings only
    with pytest.raises(EEGStreamError, match=re.escape(message)):
        open_dataset(name, root, eeg="preprocessed")


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            lambda sub: _faced(
                sub, [1], 250, events=[(1.0, "1"), (3.0, "102"), (4.0, "101")]
            ),
            "sub000/evt.bdf: a clip end (102) at 3.000 s without its 101 before it",
        ),
        (
            lambda sub: _faced(
                sub, [1], 250, events=[(1.0, "1"), (1.5, "101"), (4.0, "2")]
            ),
            "sub000/evt.bdf: clip 1 starts at 1.500 s and meets clip 2's number at "
            "4.000 s before its end",
        ),
        (
            lambda sub: _faced(sub, [1], 250, labels=["Fp1", "Fp2"]),
            "sub000/data.bdf lacks the EEG channel(s) FZ, F3",
        ),
        (
            lambda sub: _faced(sub, [3, 3], 250),
            "sub000/evt.bdf: clip 3 plays twice (again at 5.000 s)",
        ),
    ],
)
def test_bad_faced_raw_is_one_line_exit_2_nothing_cached(
    faced_raw, tmp_path, capsys, write, message
):
    write(faced_raw / "Data" / "sub000")
    assert_features_refused("faced", faced_raw, tmp_path / "cache", capsys, message)


def test_features_train_and_info_on_deap_raw(tmp_path, capsys):
    """The command line reads the raw release as it reads the preprocessed one."""
    import json

    root = tmp_path / "DEAP"
    rows = []
    for s in (1, 2, 3):
        order = [[1, 2, 3, 4], [4, 3, 2, 1], [2, 4, 1, 3]][s - 1]
        _deap_bdf(root / "data_original" / f"s{s:02d}.bdf", TWENTE_CHANNELS, order, 8)
        # Videos 1 and 2 rated low on valence, 3 and 4 high.
        rows += [(s, n, v, 2 * v, 5) for n, v in enumerate(order, 1)]
    _deap_ratings(root / "metadata_csv" / "participant_ratings.csv", rows)
    cache, models = tmp_path / "cache", tmp_path / "models"
    args = ["--dataset", "deap", "--root", str(root), "--cache-dir", str(cache)]
    assert main(["features", *args, "--eeg", "raw"]) == 0
    printed = capsys.readouterr().out
    assert "EEG: the raw recordings" in printed
    assert "subject 1 classes: low-valence 2, high-valence 2" in printed
    assert len(list(cache.rglob("*.npy"))) == 12
    train = ["train", *args, "--protocol", "loso", "--arch", "logreg"]
    train += ["--name", "deap-raw", "--out", str(tmp_path / "run")]
    assert main([*train, "--models-dir", str(models)]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["dataset"]["target"]["eeg"] == "raw"
    assert len(metrics["splits"]) == 3
    capsys.readouterr()
    assert main(["info", "--model", str(models / "deap-raw.safetensors")]) == 0
    assert "EEG: the raw recordings" in capsys.readouterr().out


def test_eeg_choice_is_refused_for_a_dataset_with_one_kind(tmp_path, capsys):
    argv = ["features", "--dataset", "dreamer", "--root", str(tmp_path), "--eeg", "raw"]
    assert main([*argv, "--cache-dir", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert (
        "dreamer has one kind of EEG; --eeg is for seed, seed-vii, deap, faced" in err
    )
