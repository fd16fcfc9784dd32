"""Artifact subspace reconstruction on the real PhysioNet recordings (64 ch, 160 Hz)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from _chunks import chunks

from eegstream._errors import EEGStreamError
from eegstream.features import FeatureConfig, condition
from eegstream.features.asr import ASRSettings, StreamingASR
from eegstream.files.reading import load_recording

EYES_OPEN = "S001R01_eyes_open_60s.edf"  # 60 s at rest: the calibration
TASK = "S001R03.edf"  # 125 s of a motor task, same subject and session
# Jaw-clench sites: a muscle burst lands on the lateral temporal channels.
BURST_SITES = ("T7..", "T8..", "Ft7.", "Ft8.")


def _conditioned(path: Path) -> tuple[np.ndarray, float, list[str]]:
    """EEG as the chain gives it to ASR: native rate, high-passed, in µV."""
    rec = load_recording(path, sfreq=None, seed_order=False)
    return condition(rec.data, FeatureConfig(sfreq=rec.sfreq)), rec.sfreq, rec.ch_names


@pytest.fixture(scope="module")
def calibration(realdata: Path) -> tuple[np.ndarray, float, list[str]]:
    return _conditioned(realdata / EYES_OPEN)


@pytest.fixture(scope="module")
def task(realdata: Path) -> np.ndarray:
    return _conditioned(realdata / TASK)[0][:, : 70 * 160]  # 70 s keep it fast


@pytest.fixture(scope="module")
def fitted(calibration) -> StreamingASR:
    pytest.importorskip("meegkit")
    eeg, sfreq, _ = calibration
    asr = StreamingASR(sfreq, eeg.shape[0])
    asr.fit(eeg)
    return asr


def _bursts(task: np.ndarray, names: list[str], sfreq: float) -> tuple:
    """200 µV-rms 25-60 Hz noise, 1 s at 10, 30 and 50 s, on the temporal sites."""
    from scipy.signal import butter, sosfilt

    rows = [names.index(n) for n in BURST_SITES]
    rng = np.random.default_rng(7)
    sos = butter(4, [25, 60], "bandpass", fs=sfreq, output="sos")
    planted = np.zeros_like(task)
    inside = np.zeros(task.shape[1], dtype=bool)
    n = int(sfreq)
    for onset in (10, 30, 50):
        noise = sosfilt(sos, rng.standard_normal((len(rows), n)), axis=1)
        start = int(onset * sfreq)
        planted[rows, start : start + n] = 200 * noise / noise.std()
        inside[start : start + n] = True
    return planted, inside


def test_fit_uses_the_clean_part_of_the_calibration(calibration, fitted):
    eeg, sfreq, _ = calibration
    # The eyes-open minute is mostly clean; ASR keeps most of it.
    report = fitted.calibration
    assert report is not None
    assert report.total_seconds == pytest.approx(60.0)
    assert 45.0 < report.clean_seconds < 60.0
    assert report.clean_mask.shape == (eeg.shape[1],)
    # 10 s of 500 µV broadband noise on 30 channels are left out of the fit.
    dirty = eeg.copy()
    noisy = slice(int(20 * sfreq), int(30 * sfreq))
    dirty[:30, noisy] += 500 * np.random.default_rng(0).standard_normal((30, 1600))
    asr = StreamingASR(sfreq, eeg.shape[0])
    dirty_report = asr.fit(dirty)
    assert not dirty_report.clean_mask[noisy].any()
    assert dirty_report.clean_seconds < report.clean_seconds - 5.0
    # Elsewhere the verdicts mostly stay (the robust statistics moved a little).
    elsewhere = np.ones(eeg.shape[1], dtype=bool)
    elsewhere[int(19 * sfreq) : int(31 * sfreq)] = False
    same = dirty_report.clean_mask[elsewhere] == report.clean_mask[elsewhere]
    assert same.mean() > 0.9


def test_asr_reduces_bursts_and_leaves_clean_stretches(calibration, task, fitted):
    _, sfreq, names = calibration
    planted, inside = _bursts(task, names, sfreq)
    base = fitted.clean(task)
    out = fitted.clean(task + planted)
    # What ASR leaves of the burst: its output with the burst minus without.
    left = out - base
    factor = np.linalg.norm(planted[:, inside]) / np.linalg.norm(left[:, inside])
    assert factor > 1.3  # measured 1.49 (docs/internals.md)
    # 3 s from any burst (past the 2 s covariance memory) nothing differs.
    near = np.convolve(inside, np.ones(int(6 * sfreq)), "same") > 0
    far = ~near
    rel = np.linalg.norm(out[:, far] - base[:, far]) / np.linalg.norm(base[:, far])
    assert rel < 1e-9
    # On the clean task recording most 1 s stretches come out unchanged: ASR
    # at cutoff 20 acts on the few large events (blinks) only.
    seconds = task.shape[1] // int(sfreq)
    change = [
        np.linalg.norm((base - task)[:, i * 160 : (i + 1) * 160])
        / np.linalg.norm(task[:, i * 160 : (i + 1) * 160])
        for i in range(seconds)
    ]
    assert np.mean(np.array(change) > 0.01) < 0.25  # measured 0.14
    assert np.median(change) < 1e-12


@pytest.mark.parametrize("sizes", [[1], [37, 3, 250], [80], [1000]], ids=str)
def test_chunked_output_equals_offline_bit_for_bit(task, fitted, sizes):
    x = task[:, : 20 * 160]
    offline = fitted.clean(x)
    fitted.reset()
    pieces = []
    pushed = 0
    for chunk in chunks(x, sizes):
        out = fitted.push(chunk)
        pushed += chunk.shape[1]
        # Whole blocks of 0.5 s come out; the rest waits (the delay).
        assert out.shape[1] % fitted.block == 0
        assert fitted.pending == pushed - sum(p.shape[1] for p in pieces) - out.shape[1]
        assert fitted.pending < fitted.block
        pieces.append(out)
    pieces.append(fitted.flush())
    np.testing.assert_array_equal(np.concatenate(pieces, axis=1), offline)


def test_a_block_with_nan_passes_unchanged(task, fitted):
    x = task[:, : 4 * 160].copy()
    x[5, 40] = np.nan
    out = fitted.clean(x)
    np.testing.assert_array_equal(out[:, :80], x[:, :80])  # the block with NaN
    assert np.isfinite(out[:, 80:]).all()


def test_too_little_calibration_says_found_and_needed(calibration):
    pytest.importorskip("meegkit")
    eeg, sfreq, _ = calibration
    asr = StreamingASR(sfreq, eeg.shape[0])
    with pytest.raises(
        EEGStreamError, match=r"found 20\.0 s of EEG, needs at least 30"
    ):
        asr.fit(eeg[:, : int(20 * sfreq)])
    # Enough EEG but not enough of it clean: how much was found, and needed.
    picky = StreamingASR(sfreq, eeg.shape[0], ASRSettings(min_clean_seconds=58))
    with pytest.raises(EEGStreamError) as err:
        picky.fit(eeg)
    message = str(err.value)
    assert "\n" not in message
    assert "s of clean EEG in 60.0 s, needs 58 s" in message
    assert not picky.fitted


def test_bad_input_is_one_line(calibration, fitted):
    eeg, sfreq, _ = calibration
    with pytest.raises(EEGStreamError, match=r"shape \(64, n_samples\)"):
        fitted.push(eeg[:10])
    nan_rows = eeg.copy()
    nan_rows[3] = np.nan
    with pytest.raises(EEGStreamError, match="non-finite samples on 1 channel"):
        StreamingASR(sfreq, 64).fit(nan_rows)
    with pytest.raises(EEGStreamError, match="must be zero-mean .high-passed.: row 0"):
        StreamingASR(sfreq, 64).fit(eeg + 30_000.0)  # a DC-coupled amplifier's offset
    with pytest.raises(EEGStreamError, match=r"before fit\(\)"):
        StreamingASR(sfreq, 64).push(eeg[:, :10])


def test_settings_round_trip():
    settings = ASRSettings(cutoff=10, block_seconds=0.25, lead_in_seconds=90)
    data = settings.to_dict()
    assert data["cutoff"] == 10.0
    assert ASRSettings.from_dict(data) == settings
    assert ASRSettings.from_dict({}) == ASRSettings()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cutoff": 0.5}, "ASR cutoff must be a number from 1 to 100 SD, got 0.5"),
        ({"cutoff": True}, "cutoff"),
        ({"block_seconds": 0}, r"block_seconds must be a number from 0.1 to 2 s"),
        ({"max_bad_channels": 0.9}, "max_bad_channels must be a number from 0.01"),
        ({"min_clean_seconds": "30"}, "min_clean_seconds must be a number"),
        ({"memory_seconds": float("nan")}, "memory_seconds"),
        ({"lead_in_seconds": 20}, "lead_in_seconds 20 s must be at least"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_settings_are_refused_in_one_line(changes, message):
    with pytest.raises(EEGStreamError, match=message) as err:
        ASRSettings(**changes)
    assert "\n" not in str(err.value)


def test_unknown_setting_in_a_checkpoint_is_named():
    with pytest.raises(EEGStreamError, match="unknown ASRSettings keys"):
        ASRSettings.from_dict({"cutof": 20})


def test_without_meegkit_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "meegkit", None)  # import meegkit then fails
    with pytest.raises(EEGStreamError, match=r"pip install 'eegstream\[asr\]'"):
        StreamingASR(160.0, 64)
