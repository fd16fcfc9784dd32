"""Raw Neuroscan .cnt trials: SEED-V timestamps, SEED-VII triggers, SEED clip times."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy.signal import resample_poly

from eegstream import EEGStreamError
from eegstream.datasets import open_dataset
from eegstream.datasets import tables as T
from eegstream.datasets._cnt import write_cnt
from eegstream.datasets.synth import seed_v_timestamp_text
from eegstream.montage import SEED_CHANNELS

FS = 1000


def _timestamps(root, starts, ends):
    text = seed_v_timestamp_text(
        dict.fromkeys((1, 2, 3), starts), dict.fromkeys((1, 2, 3), ends)
    )
    (root / "trial_start_end_timestamp.txt").write_text(text)


def _expected(signal, start_s, end_s):
    """Cut, resample 1000 -> 200 Hz and demean one channel as the reader must."""
    # Edges padded with the edge samples (recording._resample): a raw file's
    # DC offset must not ramp in from zero at the trial's ends.
    cut = resample_poly(
        signal[round(start_s * FS) : round(end_s * FS)], 1, 5, padtype="edge"
    )
    return cut - cut.mean()


def test_real_cnt_through_the_seed_v_raw_path(tmp_path, real_cnt):
    """A real 32-bit Neuroscan recording (2 channels, 90 s) cut by a timestamp file."""
    import mne

    (tmp_path / "EEG_raw").mkdir()
    source = real_cnt
    (tmp_path / "EEG_raw" / "1_1_20180804.cnt").symlink_to(source)
    starts = tuple(2 + 5 * i for i in range(15))
    _timestamps(tmp_path, starts, tuple(b + 4 for b in starts))
    ds = open_dataset("seed-v", tmp_path)
    assert len(ds.trials) == 15 and ds.trials[0].eeg_source.name == "1_1_20180804.cnt"
    trial = ds.trials[6]
    eeg = trial.eeg()
    assert eeg.shape == (62, 800) and eeg.dtype == np.float64
    present = [SEED_CHANNELS.index("F8"), SEED_CHANNELS.index("FCZ")]
    assert np.isfinite(eeg[present]).all()
    assert np.isnan(np.delete(eeg, present, axis=0)).all()
    reference = mne.io.read_raw_cnt(source, data_format="int32", verbose="error")
    data = reference.get_data(picks=["F8", "FCz"], units="uV")
    for row, channel in zip(present, data, strict=True):
        np.testing.assert_allclose(eeg[row], _expected(channel, 32, 36), atol=1e-6)
    assert 0.5 < np.nanstd(eeg) < 500, "plausible scalp microvolts"


def test_seed_v_repaired_file_wins_and_bad_files_are_named(tmp_path):
    folder = tmp_path / "EEG_raw"
    folder.mkdir()
    rng = np.random.default_rng(0)
    names = ("FP1", "OZ", "M1", "VEO")
    starts = tuple(1 + 3 * i for i in range(15))
    _timestamps(tmp_path, starts, tuple(b + 2 for b in starts))
    broken = rng.normal(0, 10, (4, 50 * FS))
    good = rng.normal(0, 10, (4, 50 * FS))
    write_cnt(folder / "7_1_20180411.cnt", broken, FS, names)
    write_cnt(folder / "7_1_20180411_repaired.cnt", good, FS, names)
    ds = open_dataset("seed-v", tmp_path)
    assert {t.eeg_source.name for t in ds.trials} == {"7_1_20180411_repaired.cnt"}
    eeg = ds.trials[2].eeg()
    np.testing.assert_allclose(
        eeg[SEED_CHANNELS.index("OZ")], _expected(good[1], 7, 9), atol=0.05
    )
    # Trials beyond the end of the recording.
    _timestamps(tmp_path, tuple(b + 40 for b in starts), tuple(b + 42 for b in starts))
    late = open_dataset("seed-v", tmp_path).trials[-1]
    with pytest.raises(
        EEGStreamError, match="7_1_20180411_repaired.cnt: trial 83-85 s lies outside"
    ):
        late.eeg()
    # A file that is not a Neuroscan recording.
    (folder / "7_1_20180411_repaired.cnt").write_bytes(b"\x00\x01" * 5000)
    with pytest.raises(EEGStreamError, match="7_1_20180411_repaired.cnt"):
        open_dataset("seed-v", tmp_path).trials[0].eeg()
    (folder / "7_1_2018.cnt").write_bytes(b"")
    with pytest.raises(EEGStreamError, match="unexpected file .*7_1_2018.cnt"):
        open_dataset("seed-v", tmp_path)


def test_seed_raw_int16_cnt_cut_at_the_fixed_clip_times(tmp_path):
    folder = tmp_path / "SEED_RAW_EEG"
    folder.mkdir()
    seconds = T.SEED_RAW_ENDS[-1] + 2
    rng = np.random.default_rng(1)
    signal = rng.normal(0, 15, (2, seconds * FS))
    write_cnt(
        folder / "4_2.cnt",
        signal,
        FS,
        ("CZ", "HEO"),
        data_format="int16",
        resolution_uv=0.1,
    )
    ds = open_dataset("seed", tmp_path)
    assert [(t.subject, t.session) for t in ds.trials] == [(4, 2)] * 15
    assert "Preprocessed_EEG" not in " ".join(ds.found)
    last = ds.trials[-1]
    assert last.duration_s == T.SEED_TRIAL_SECONDS[-1]
    eeg = last.eeg()
    assert eeg.shape == (62, 200 * T.SEED_TRIAL_SECONDS[-1])
    np.testing.assert_allclose(
        eeg[SEED_CHANNELS.index("CZ")],
        _expected(signal[0], T.SEED_RAW_STARTS[-1], T.SEED_RAW_ENDS[-1]),
        atol=0.1,
    )


def test_seed_vii_triggers_and_the_trigger_file_exceptions(tmp_path):
    folder = tmp_path / "EEG_raw"
    folder.mkdir()
    rng = np.random.default_rng(2)
    names = ("FP1", "O2", "ECG", "HEO", "VEO")
    # Subject 3, session 1: 20 clips of 2.6 s (trimmed to 2 s) between triggers.
    starts = 1.0 + 4.0 * np.arange(20)
    signal = rng.normal(0, 10, (5, 85 * FS))
    events = [(int(s * FS), 1) for s in starts] + [
        (int((s + 2.6) * FS), 2) for s in starts
    ]
    write_cnt(folder / "3_20221002_1.cnt", signal, FS, names, sorted(events))
    # Subject 9, session 3: its triggers are wrong; times come from save_info/.
    write_cnt(folder / "9_20221111_3.cnt", signal, FS, names, [(100, 1)])
    save_info = tmp_path / "save_info"
    save_info.mkdir()
    origin = datetime(2022, 11, 11, 14, 1, 27)
    rows = ["event,datetime"]
    for s in starts:
        rows.append(f"1,{origin + timedelta(seconds=s + 0.5)}")
        rows.append(f"2,{origin + timedelta(seconds=s + 3.4)}")
    (save_info / "9_20221111_3_trigger_info.csv").write_text("\n".join(rows) + "\n")
    ds = open_dataset("seed-vii", tmp_path)
    assert "no EEG" not in ds.describe()
    assert sorted({(t.subject, t.session) for t in ds.trials}) == [(3, 1), (9, 3)]
    by_id = {(t.subject, t.trial): t for t in ds.trials}
    assert sorted(v for s, v in by_id if s == 9) == list(range(41, 61))
    assert {t.duration_s for t in ds.trials} == {2.0}
    assert (
        by_id[(9, 42)].label_name == "surprise"
        and by_id[(3, 2)].label_name == "neutral"
    )
    o2 = SEED_CHANNELS.index("O2")
    np.testing.assert_allclose(
        by_id[(3, 5)].eeg()[o2],
        _expected(signal[1], starts[4], starts[4] + 2),
        atol=0.05,
    )
    np.testing.assert_allclose(
        by_id[(9, 45)].eeg()[o2],
        _expected(signal[1], starts[4] + 0.5, starts[4] + 2.5),
        atol=0.05,
    )
    # Without its trigger file the exception recording cannot be cut.
    (save_info / "9_20221111_3_trigger_info.csv").unlink()
    with pytest.raises(EEGStreamError, match="9_20221111_3_trigger_info.csv not found"):
        open_dataset("seed-vii", tmp_path)
    # Too few triggers in an ordinary file.
    write_cnt(folder / "9_20221111_3.cnt", signal, FS, names, sorted(events)[:10])
    (folder / "9_20221111_3.cnt").rename(folder / "9_20221111_2.cnt")
    with pytest.raises(
        EEGStreamError, match="9_20221111_2.cnt: 10 triggers, expected at least 40"
    ):
        open_dataset("seed-vii", tmp_path)
