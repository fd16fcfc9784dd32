"""What a replay plays: dataset trials, files and arrays (no LSL here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream.datasets import open_dataset
from eegstream.montage import SEED_CHANNELS
from eegstream.replay import array_source, dataset_source, file_source
from eegstream.replay.sessions import _ranges


def test_ranges_compress_runs() -> None:
    assert _ranges([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"
    assert _ranges([]) == ""


def test_dataset_source_plays_the_chosen_trials_in_order(
    synthetic_seed_iv_small: Path,
) -> None:
    source = dataset_source("seed-iv", synthetic_seed_iv_small, 2, trials=[5, 1, 2])
    ds = open_dataset("seed-iv", synthetic_seed_iv_small)
    truth = {t.trial: t for t in ds.trials if (t.subject, t.session) == (2, 1)}
    assert source.synthetic  # the generator's folder says so
    assert source.sfreq == 200
    assert source.ch_names == SEED_CHANNELS
    assert [s.trial for s in source.segments] == [5, 1, 2]
    for seg in source.segments:
        t = truth[seg.trial]
        assert (seg.subject, seg.session) == (2, 1)
        assert (seg.label, seg.label_id) == (t.label_name, t.label)
        assert ds.classes[seg.label_id] == seg.label
        assert seg.n_samples == round(t.duration_s * 200)
    np.testing.assert_array_equal(source.segments[0].load(), truth[5].eeg())
    assert "seed-iv subject 2 session 1" in source.description


def test_dataset_source_defaults_to_the_whole_first_session(
    synthetic_seed_iv_small: Path,
) -> None:
    source = dataset_source("seed-iv", synthetic_seed_iv_small, 1)
    assert [s.trial for s in source.segments] == list(range(1, 25))
    assert {s.session for s in source.segments} == {1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"subject": 9}, r"no subject 9 .*subjects found: 1-6"),
        (
            {"subject": 1, "session": 3},
            r"subject 1 has no session 3; sessions found: 1",
        ),
        ({"subject": 1, "trials": [2, 25, 30]}, r"no trial 25, 30; trials found: 1-24"),
    ],
    ids=["subject", "session", "trials"],
)
def test_what_does_not_exist_is_listed(
    synthetic_seed_iv_small: Path, kwargs: dict, message: str
) -> None:
    with pytest.raises(EEGStreamError, match=message):
        dataset_source("seed-iv", synthetic_seed_iv_small, **kwargs)


def test_unknown_dataset_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EEGStreamError, match="unknown dataset 'seed-x'"):
        dataset_source("seed-x", tmp_path, 1)


def test_file_source_keeps_the_file_channels_and_rate(realdata: Path) -> None:
    source = file_source(realdata / "S001R03.edf")
    assert source.sfreq == 160
    assert source.n_channels == 64 and source.ch_names[0] == "Fc5."
    assert not source.synthetic
    (segment,) = source.segments
    assert not segment.is_trial
    assert segment.n_samples == 125 * 160
    assert len(segment.annotations) == 30
    assert {d for _, _, d in segment.annotations} == {"T0", "T1", "T2"}
    data = segment.load()
    assert data.shape == (64, 125 * 160)
    assert 1 < np.median(np.abs(data)) < 200  # microvolts


def test_file_source_resamples_when_asked(realdata: Path) -> None:
    source = file_source(realdata / "S001R01_eyes_open_60s.edf", sfreq=200)
    assert source.sfreq == 200
    assert source.segments[0].load().shape == (64, 60 * 200)


def test_a_file_under_a_synthetic_release_is_marked_synthetic(
    realdata: Path, tmp_path: Path
) -> None:
    from eegstream.datasets.synth import SYNTHETIC_MARKER

    folder = tmp_path / "SEED-V" / "EEG_raw"
    folder.mkdir(parents=True)
    (folder / "rec.edf").write_bytes(
        (realdata / "S001R01_eyes_open_60s.edf").read_bytes()
    )
    assert not file_source(folder / "rec.edf").synthetic
    (tmp_path / "SEED-V" / SYNTHETIC_MARKER).write_text("SYNTHETIC")
    assert file_source(folder / "rec.edf").synthetic


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EEGStreamError, match="EEG file not found"):
        file_source(tmp_path / "nothing.edf")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (
            ([np.ones((2, 5)), np.ones((3, 5))], 200),
            {},
            r"trial 2: .*2 channels like trial 1; got shape \(3, 5\)",
        ),
        ((np.ones((2, 0)), 200), {}, "non-empty array"),
        ((np.ones((2, 5)), 200, ["a"]), {}, "1 channel names given for 2 channels"),
        ((np.ones((2, 5)), 200), {"labels": ["x", "y"]}, "2 labels given for 1 trials"),
        (
            (np.ones((2, 5)), 200),
            {"labels": ["x"], "classes": ["a"]},
            "label 'x' is not one of",
        ),
        ((np.ones((2, 5)), 0), {}, "sampling rate must be > 0 Hz, got 0"),
        (([], 200), {}, "at least one trial array"),
    ],
    ids=["channels", "empty", "names", "labels", "classes", "sfreq", "none"],
)
def test_bad_arrays_are_refused(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(EEGStreamError, match=message):
        array_source(*args, **kwargs)
