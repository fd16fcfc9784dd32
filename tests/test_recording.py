"""Reading EEG files: formats, .cnt sample width, SEED mapping, resampling, units."""

from __future__ import annotations

import mne
import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream.files.reading import from_raw, load_recording, read_raw
from eegstream.montage import SEED_CHANNELS

EDF_OPEN = "S001R01_eyes_open_60s.edf"
MISSING = ["PO5", "PO6", "CB1", "CB2"]


def _write_fif(path, names, types, sfreq, data_volts, annotations=None):
    info = mne.create_info(list(names), sfreq, list(types))
    raw = mne.io.RawArray(data_volts, info, verbose="error")
    if annotations is not None:
        raw.set_annotations(annotations)
    raw.save(path, verbose="error")
    return path


# --- real files --------------------------------------------------------------------


def test_edf_to_seed_order_200hz_microvolts(realdata):
    rec = load_recording(realdata / EDF_OPEN)
    assert rec.sfreq == 200.0 and rec.ch_names == list(SEED_CHANNELS)
    assert rec.data.shape == (62, 60 * 200)
    assert rec.missing == MISSING
    missing_rows = [SEED_CHANNELS.index(ch) for ch in MISSING]
    assert np.all(np.isnan(rec.data[missing_rows]))
    present = np.delete(rec.data, missing_rows, axis=0)
    assert np.all(np.isfinite(present))
    # Scalp EEG in µV: tens of µV, not volts (1e-5) nor nV counts.
    assert (
        5 < np.median(np.abs(present - np.median(present, axis=1, keepdims=True))) < 200
    )


def test_resampled_data_matches_the_file(realdata):
    native = load_recording(realdata / EDF_OPEN, sfreq=None, seed_order=False)
    assert native.sfreq == 160.0 and native.data.shape == (64, 60 * 160)
    assert native.ch_names[0] == "Fc5." and native.missing == MISSING
    rec = load_recording(realdata / EDF_OPEN)
    oz_native = native.data[native.ch_names.index("Oz..")]
    oz = rec.data[SEED_CHANNELS.index("OZ")]
    # Same signal on the 200 Hz grid (edges aside; resampling filters above 80 Hz).
    t200 = np.arange(oz.size) / 200.0
    t160 = np.arange(oz_native.size) / 160.0
    inner = slice(400, -400)
    lowpassed = mne.filter.filter_data(oz_native, 160.0, None, 40.0, verbose="error")
    reference = np.interp(t200, t160, lowpassed)[inner]
    ours = mne.filter.filter_data(oz, 200.0, None, 40.0, verbose="error")[inner]
    assert np.corrcoef(ours, reference)[0, 1] > 0.99


def test_annotations_are_kept_from_the_first_sample(realdata):
    raw = read_raw(realdata / "S001R03.edf")
    rec = from_raw(raw)
    assert set(rec.annotations.description) == {"T0", "T1", "T2"}
    np.testing.assert_allclose(rec.annotations.onset, raw.annotations.onset)
    cropped = from_raw(read_raw(realdata / "S001R03.edf").crop(10.0, 50.0))
    assert cropped.data.shape[1] == pytest.approx(40 * 200, abs=3)
    # Onsets count from the crop's first sample (MNE clips the one running at 10 s).
    onsets = raw.annotations.onset
    inside = onsets[(onsets >= 10.0) & (onsets <= 50.0)] - 10.0
    np.testing.assert_allclose(cropped.annotations.onset[1:], inside)
    assert cropped.annotations.onset[0] == 0.0


def test_real_cnt_reads_with_plausible_amplitudes(real_cnt):
    path = real_cnt
    raw = read_raw(path)
    assert raw.ch_names == ["F8", "FCz"] and raw.info["sfreq"] == 1000.0
    uv = raw.get_data(units="uV")
    assert 5 < np.median(np.abs(uv - np.median(uv, axis=1, keepdims=True))) < 500
    # The wrong sample width opens without error but gives absurd amplitudes.
    wrong = mne.io.read_raw_cnt(path, data_format="int16", verbose="error")
    assert np.median(np.abs(wrong.get_data(units="uV"))) < 0.05
    rec = load_recording(path)
    assert rec.data.shape == (62, 90 * 200) and len(rec.missing) == 60
    present = [SEED_CHANNELS.index("F8"), SEED_CHANNELS.index("FCZ")]
    np.testing.assert_allclose(
        np.nanstd(rec.data[present], axis=1), uv.std(axis=1), rtol=0.2
    )


# --- synthetic files (labelled: NOT real EEG) --------------------------------------


def test_units_rate_and_non_eeg_channels_from_a_fif(tmp_path):
    sfreq = 250.0
    t = np.arange(int(sfreq * 10)) / sfreq
    sine = 50e-6 * np.sin(2 * np.pi * 10 * t)  # synthetic 10 Hz, 50 µV
    names = ["Fp1", "Cz", "O1", "HEO", "ECG", "Status"]
    types = ["eeg"] * 5 + ["stim"]
    path = _write_fif(
        tmp_path / "synthetic_raw.fif", names, types, sfreq, np.tile(sine, (6, 1))
    )
    rec = load_recording(path)
    assert rec.data.shape == (62, 2000) and len(rec.missing) == 59
    cz = rec.data[SEED_CHANNELS.index("CZ")]
    expected = 50 * np.sin(2 * np.pi * 10 * np.arange(2000) / 200.0)
    np.testing.assert_allclose(cz[100:-100], expected[100:-100], atol=0.5)
    own = load_recording(path, seed_order=False, sfreq=None)
    assert own.ch_names == [
        "Fp1",
        "Cz",
        "O1",
    ]  # HEO, ECG typed as EOG/ECG; stim dropped
    assert own.sfreq == sfreq and own.data.shape == (3, 2500)


@pytest.mark.parametrize(
    ("content", "name", "match"),
    [
        (None, "absent.edf", "not found"),
        (b"hello", "notes.xyz", "unknown EEG file type '.xyz'"),
        (b"garbage" * 10, "broken.edf", "cannot read broken.edf"),
        (b"garbage" * 10, "broken.cnt", "cannot read broken.cnt as Neuroscan"),
    ],
    ids=["missing", "unknown-type", "corrupt-edf", "corrupt-cnt"],
)
def test_bad_files_raise_one_line_errors(tmp_path, content, name, match):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(EEGStreamError, match=match) as info:
        load_recording(path)
    assert "\n" not in str(info.value)


def test_truncated_real_edf_is_an_error(realdata, tmp_path):
    path = tmp_path / "cut.edf"
    path.write_bytes((realdata / EDF_OPEN).read_bytes()[:3000])
    with pytest.raises(EEGStreamError, match="cannot read cut.edf"):
        load_recording(path)


def test_file_without_seed_or_eeg_channels(tmp_path):
    data = np.zeros((2, 1000))
    odd = _write_fif(
        tmp_path / "odd_raw.fif", ["A1x", "B2y"], ["eeg", "eeg"], 200.0, data
    )
    with pytest.raises(EEGStreamError, match="none of the 2 channels"):
        load_recording(odd)
    misc = _write_fif(
        tmp_path / "misc_raw.fif", ["Fp1", "Cz"], ["misc", "misc"], 200.0, data
    )
    with pytest.raises(EEGStreamError, match="holds no EEG channels"):
        load_recording(misc)
