"""Your own recordings as a dataset: files, markers, label map, train and evaluate.

The recordings are real FIF files written with MNE from a SYNTHETIC SEED-IV
release: each subject's session is its trials one after the other, 4 s of
rest between them, and a stimulus program's markers (``stim_<emotion>`` at
each clip's first sample, ``stim_end`` after its last, ``fixation`` in the
rest) as annotations.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mne
import numpy as np
import pytest
from _synth import feature_cache

from eegstream import EEGStreamError
from eegstream.cli import main
from eegstream.datasets import open_dataset
from eegstream.datasets.recordings import open_recordings
from eegstream.datasets.synth_recording import STIM_LABEL_MAP
from eegstream.montage import SEED_CHANNELS

LABEL_MAP = STIM_LABEL_MAP  # stim_<class> ... stim_end
REST_S = 4.0


def write_session(trials, path) -> None:
    """Write one session of trials as a FIF file with marker annotations."""
    pieces, onsets, markers, t = [], [], [], 0.0
    for trial in trials:
        eeg = trial.eeg()
        rest = eeg[:, ::-1][:, : int(REST_S * 200)]
        seconds = eeg.shape[1] / 200
        onsets += [t, t + seconds, t + seconds + REST_S / 2]
        markers += [f"stim_{trial.label_name}", "stim_end", "fixation"]
        pieces += [eeg, rest]
        t += seconds + REST_S
    info = mne.create_info(list(SEED_CHANNELS), 200.0, "eeg")
    raw = mne.io.RawArray(np.concatenate(pieces, 1) * 1e-6, info, verbose="error")
    raw.set_annotations(mne.Annotations(onsets, [0.0] * len(onsets), markers))
    raw.save(path, fmt="double", verbose="error")


@pytest.fixture(scope="module")
def recordings(synthetic_seed_iv_small, tmp_path_factory):
    """One FIF per subject (BIDS names), beside a SYNTHETIC_DATA.txt, and a map."""
    folder = tmp_path_factory.mktemp("recordings")
    shutil.copy(synthetic_seed_iv_small / "SYNTHETIC_DATA.txt", folder)
    release = open_dataset("seed-iv", synthetic_seed_iv_small)
    for s in release.subjects:
        trials = [t for t in release.trials if t.subject == s]
        write_session(trials, folder / f"sub-{s:02d}_ses-1_task-emotion_eeg.fif")
    (folder / "map.toml").write_text(LABEL_MAP)
    return folder


def test_labelled_segments_are_the_trials_of_the_session(
    recordings, synthetic_seed_iv_small
):
    ds = open_recordings([recordings], recordings / "map.toml")
    release = open_dataset("seed-iv", synthetic_seed_iv_small)
    assert ds.name == "recordings" and ds.synthetic
    assert ds.subjects == release.subjects  # from sub-XX
    assert ds.classes == tuple(sorted(release.classes))  # found, sorted
    assert len(ds.trials) == len(release.trials) and not ds.missing
    picked = [0, 1, 2, -2, -1]
    for ours, theirs in zip(
        [ds.trials[i] for i in picked], [release.trials[i] for i in picked], strict=True
    ):
        assert ours.key == theirs.key and ours.label_name == theirs.label_name
        np.testing.assert_allclose(ours.eeg(), theirs.eeg(), atol=1e-9)
    # --classes fixes the label ids (a model's order).
    ordered = open_recordings(
        [recordings / "sub-02_ses-1_task-emotion_eeg.fif"],
        recordings / "map.toml",
        classes=release.classes,
    )
    assert ordered.classes == release.classes and ordered.subjects == [2]
    assert [t.label for t in ordered.trials] == [
        t.label for t in release.trials if t.subject == 2
    ]


def test_subject_and_session_from_a_pattern(recordings, tmp_path):
    shutil.copy(
        recordings / "sub-03_ses-1_task-emotion_eeg.fif", tmp_path / "P07_day2.fif"
    )
    shutil.copy(
        recordings / "sub-04_ses-1_task-emotion_eeg.fif", tmp_path / "P07_day1.fif"
    )
    ds = open_recordings(
        [tmp_path],
        recordings / "map.toml",
        subject_pattern=r"P(?P<subject>\d+)_day(?P<session>\d+)",
    )
    assert ds.subjects == [7] and ds.sessions == [(7, 1), (7, 2)]
    assert not ds.synthetic  # no SYNTHETIC_DATA.txt above this folder
    with pytest.raises(
        EEGStreamError,
        match=r"P07_day1.fif: subject_pattern 'S\(\\d\+\)' does not match",
    ):
        open_recordings([tmp_path], recordings / "map.toml", subject_pattern=r"S(\d+)")
    # Without BIDS names or a pattern: one subject, sessions in name order.
    plain = open_recordings([tmp_path], recordings / "map.toml")
    assert plain.sessions == [(1, 1), (1, 2)]


def _train(*args: str) -> tuple[int, dict]:
    code = main(["train", "--arch", "logreg", "--no-save", *args])
    if code != 0:
        return code, {}
    out = Path(args[args.index("--out") + 1])
    return code, json.loads((out / "metrics.json").read_text())


def test_train_on_one_subjects_recording_is_within_subject_and_learns(
    recordings, synthetic_seed_iv_small, tmp_path, capsys
):
    """One subject: blocks of whole segments held out; the same run as the release's."""
    cache = str(feature_cache(recordings))
    code, ours = _train(
        "--recordings", str(recordings / "sub-01_ses-1_task-emotion_eeg.fif"),
        "--label-map", str(recordings / "map.toml"),
        "--classes", "neutral,sad,fear,happy",
        "--repeats", "3", "--cache-dir", cache, "--out", str(tmp_path / "rec-run"),
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert ours["protocol"]["name"] == "within" and ours["dataset"]["synthetic"]
    pooled = ours["summary"]["pooled_test"]
    assert pooled["accuracy"] > 0.5 and ours["summary"]["chance"] == 0.25
    for split in ours["splits"]:  # whole segments: each test trial once, no overlap
        keys = split["test_trials"]["keys"]
        assert len(keys) == len(set(keys)) and split["split"]["name"].startswith(
            "within"
        )
        assert not set(split["split"]["test"]) & set(split["split"]["train"])
    report = (tmp_path / "rec-run" / "report.md").read_text()
    assert "Within-subject protocol" in report and "held out" in report
    assert "--recordings" in ours["command"] and "--protocol within" in ours["command"]
    # The same subject from the release: the same splits and predictions.
    code, theirs = _train(
        "--dataset", "seed-iv", "--root", str(synthetic_seed_iv_small),
        "--subjects", "1", "--repeats", "3",
        "--cache-dir", str(feature_cache(synthetic_seed_iv_small)),
        "--out", str(tmp_path / "release-run"),
    )  # fmt: skip
    assert code == 0
    assert [s["split"] for s in ours["splits"]] == [
        s["split"] for s in theirs["splits"]
    ]
    assert [s["test_trials"] for s in ours["splits"]] == [
        s["test_trials"] for s in theirs["splits"]
    ]


def test_train_and_evaluate_across_subjects_from_a_folder(recordings, tmp_path, capsys):
    models = tmp_path / "models"
    code = main(
        [
            "train", "--recordings", str(recordings),
            "--label-map", str(recordings / "map.toml"),
            "--arch", "logreg", "--protocol", "loso", "--name", "rec",
            "--models-dir", str(models), "--out", str(tmp_path / "run"),
            "--cache-dir", str(feature_cache(recordings)),
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["summary"]["pooled_test"]["n"] == 6 * 24
    assert metrics["summary"]["pooled_test"]["accuracy"] > 0.3  # chance 0.25
    capsys.readouterr()
    code = main(
        [
            "evaluate", "--model", str(models / "rec.safetensors"),
            "--recordings", str(recordings / "sub-06_ses-1_task-emotion_eeg.fif"),
            "--label-map", str(recordings / "map.toml"),
            "--cache-dir", str(feature_cache(recordings)),
            "--out", str(tmp_path / "ev"),
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "on recordings [SYNTHETIC DATA]" in out
    assert json.loads((tmp_path / "ev" / "evaluation.json").read_text())["n"] == 24


def test_bad_recordings_input_is_one_line_and_exit_2(recordings, tmp_path, capsys):
    one = str(recordings / "sub-01_ses-1_task-emotion_eeg.fif")
    nothing = tmp_path / "nothing.toml"
    nothing.write_text(
        '[[rule]]\nexact = "trigger 7"\nclass = "happy"\naction = "start"\n'
    )
    cases = [
        (
            ["--label-map", str(nothing)],
            ["nothing.toml matches no marker", "'stim_sad'"],
        ),
        (
            ["--label-map", str(recordings / "map.toml"), "--classes", "happy,sad"],
            ["_eeg.fif: marker 'stim_", "not one of happy, sad", "to --classes"],
        ),
        ([], ["no labelled segments", "--label-map FILE"]),
    ]
    for extra, expected in cases:
        code = main(
            ["train", "--recordings", one, "--out", str(tmp_path / "x"), *extra]
        )
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1, err
        assert all(e in err for e in expected), err
    code = main(["train", "--recordings", one, "--dataset", "seed-iv"])
    err = capsys.readouterr().err
    assert code == 2 and "--recordings" in err and "not both" in err
    code = main(["train", "--arch", "logreg"])
    err = capsys.readouterr().err
    assert code == 2 and "--dataset and --root" in err
