"""DE: batch vs streaming parity, band placement, slow references, seed-vii."""

from __future__ import annotations

import numpy as np
import pytest
from _chunks import WINDOWING, chunks
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal.windows import hann

from eegstream import EEGStreamError
from eegstream.features import (
    FeatureConfig,
    OnlineFeatures,
    StreamingDE,
    compute_de,
    extract_features,
    kalman_filter,
    n_windows,
    window_end_times,
)

SFREQ = 200.0


def _eeg(n_channels: int, n_samples: int, seed: int = 0) -> np.ndarray:
    """Synthetic EEG-like noise (NOT real EEG): white noise plus a 10 Hz rhythm, µV."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / SFREQ
    return 15 * rng.normal(size=(n_channels, n_samples)) + 20 * np.sin(
        2 * np.pi * 10 * t
    )


def _stream(cfg: FeatureConfig, eeg: np.ndarray, sizes: list[int]) -> tuple:
    ex = StreamingDE(cfg, eeg.shape[0])
    rows = [np.empty((0, eeg.shape[0], len(cfg.bands)))]
    ends = [np.empty(0, int)]
    for chunk in chunks(eeg, sizes):
        r, e = ex.push(chunk)
        rows.append(r)
        ends.append(e)
    return np.concatenate(rows), np.concatenate(ends)


# --- parity ------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(**WINDOWING, compat=st.booleans())
def test_streaming_is_bit_identical_to_batch(window, hop, n_samples, sizes, compat):
    # Covers hop > window, hop not dividing the window, empty and huge chunks.
    sfreq = 64.0
    bands = ((1.0, 6.0), (6.0, 12.0), (12.0, 31.0))
    cfg = FeatureConfig(
        sfreq=sfreq,
        bands=bands,
        window_s=window / sfreq,
        hop_s=hop / sfreq,
        n_fft=window // 2 if compat else None,
        compat="seed-vii" if compat else None,
        smoothing="none",
    )
    eeg = np.random.default_rng(window * 1000 + hop).normal(size=(3, n_samples))
    rows, ends = _stream(cfg, eeg, sizes)
    count = n_windows(n_samples, cfg)
    assert rows.shape == (count, 3, 3)
    np.testing.assert_array_equal(ends, np.arange(count) * cfg.hop + cfg.window)
    if count:
        np.testing.assert_array_equal(rows, compute_de(eeg, cfg))  # bit-identical


@pytest.mark.parametrize("sizes", [[1], [10], [7, 200, 3, 0, 801], [5000]], ids=str)
def test_streaming_parity_at_seed_settings(sizes):
    cfg = FeatureConfig()
    eeg = _eeg(62, 200 * 20)
    rows, ends = _stream(cfg, eeg, sizes)
    np.testing.assert_array_equal(rows, compute_de(eeg, cfg))
    np.testing.assert_allclose(ends / SFREQ, window_end_times(len(rows), cfg))


def test_online_chain_equals_offline_extract():
    cfg = FeatureConfig()
    eeg = _eeg(62, 200 * 15, seed=3)
    online = OnlineFeatures(cfg, normaliser=None)
    steps = [
        s for p in range(0, eeg.shape[1], 37) for s in online.push(eeg[:, p : p + 37])
    ]
    smoothed = np.stack([s.smoothed for s in steps])
    np.testing.assert_array_equal(smoothed, extract_features(eeg, cfg))
    assert [s.warm for s in steps] == [False] * len(steps)  # 12 steps < seq_len 60


def test_streaming_reset_restarts_numbering():
    cfg = FeatureConfig()
    eeg = _eeg(4, 1200)
    ex = StreamingDE(cfg, 4)
    ex.push(eeg[:, :1000])
    ex.reset()
    assert ex.n_samples == 0
    rows, ends = ex.push(eeg[:, 200:1200])
    np.testing.assert_array_equal(rows, compute_de(eeg[:, 200:1200], cfg))
    np.testing.assert_array_equal(ends, [800, 1000])


# --- physics -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "band"), [(2.5, 0), (6.0, 1), (11.0, 2), (22.5, 3), (40.0, 4)]
)
def test_pure_sine_lands_in_its_band(freq, band):
    t = np.arange(800 * 3) / SFREQ
    eeg = 10 * np.sin(2 * np.pi * freq * t)[None, :]
    de = compute_de(eeg, FeatureConfig(hop_s=4.0))[:, 0, :]
    assert np.all(np.argmax(de, axis=1) == band)
    others = np.delete(de, band, axis=1)
    assert np.all(de[:, band] - others.max(axis=1) > 10)  # > 1000x the power


def test_de_scales_with_amplitude_as_log2_power():
    eeg = _eeg(2, 800)
    cfg = FeatureConfig()
    np.testing.assert_allclose(
        compute_de(3 * eeg, cfg), compute_de(eeg, cfg) + 2 * np.log2(3), atol=1e-9
    )


# --- references --------------------------------------------------------------------


def _slow_de(eeg, sfreq, window, hop, bands):
    """Independent reference: explicit loops, np.fft per window, bins lo <= f < hi."""
    n_ch, n = eeg.shape
    taper = hann(window, sym=True)
    freqs = np.fft.fftfreq(window, 1 / sfreq)
    out = []
    start = 0
    while start + window <= n:
        row = np.empty((n_ch, len(bands)))
        for c in range(n_ch):
            spectrum = np.fft.fft(eeg[c, start : start + window] * taper)
            for b, (lo, hi) in enumerate(bands):
                sel = (freqs >= lo) & (freqs < hi)
                row[c, b] = np.log2(100 * np.mean(np.abs(spectrum[sel]) ** 2))
        out.append(row)
        start += hop
    return np.array(out)


@pytest.mark.parametrize(("window_s", "hop_s"), [(4.0, 1.0), (4.0, 4.0), (1.0, 0.5)])
def test_de_matches_slow_reference(window_s, hop_s):
    cfg = FeatureConfig(window_s=window_s, hop_s=hop_s)
    eeg = _eeg(5, 200 * 12, seed=1)
    ref = _slow_de(eeg, SFREQ, cfg.window, cfg.hop, cfg.bands)
    np.testing.assert_allclose(compute_de(eeg, cfg), ref, rtol=0, atol=1e-9)


def _official_seed_vii_de(eeg):
    """Restate the official SEED-VII extractor's DE (SEED_FORMATS.md §5.3)."""
    bands = [(1, 4), (4, 8), (8, 14), (14, 31), (31, 49)]
    fs, stftn, window = 200, 256, 800
    n_windows_ = eeg.shape[1] // window
    out = np.empty((n_windows_, len(bands), eeg.shape[0]))
    for w in range(n_windows_):
        data = eeg[:, w * window : (w + 1) * window] * hann(window, sym=True)
        energy = np.abs(np.fft.fft(data, n=stftn)[:, : stftn // 2])
        for b, (lo, hi) in enumerate(bands):
            lo_bin = int(np.floor(lo / fs * stftn)) - 1
            hi_bin = int(np.floor(hi / fs * stftn))
            out[w, b] = np.log2(100 * np.mean(energy[:, lo_bin:hi_bin] ** 2, axis=1))
    return out  # (windows, bands, channels), as the release stores it


def test_seed_vii_compat_matches_official_formula():
    cfg = FeatureConfig(hop_s=4.0, compat="seed-vii", smoothing="none")
    assert cfg.bands[-1] == (31.0, 49.0) and cfg.fft_length == 256
    eeg = _eeg(62, 200 * 40, seed=2)
    ours = compute_de(eeg, cfg)
    np.testing.assert_allclose(
        ours.transpose(0, 2, 1), _official_seed_vii_de(eeg), rtol=0, atol=1e-9
    )
    # and it is a different feature from the default one
    assert np.abs(ours - compute_de(eeg, FeatureConfig(hop_s=4.0))).max() > 0.1


# --- non-finite input --------------------------------------------------------------


def test_nan_samples_give_nan_windows_only():
    eeg = _eeg(3, 200 * 10)
    eeg[1, 1000] = np.nan
    eeg[2, 1500] = np.inf
    cfg = FeatureConfig()
    de = compute_de(eeg, cfg)
    hit1 = [(i * 200 <= 1000 < i * 200 + 800) for i in range(len(de))]
    hit2 = [(i * 200 <= 1500 < i * 200 + 800) for i in range(len(de))]
    assert np.all(np.isnan(de[hit1, 1])) and np.all(
        np.isfinite(de[np.logical_not(hit1), 1])
    )
    assert np.all(np.isnan(de[hit2, 2])) and np.all(np.isfinite(de[:, 0]))
    smooth = kalman_filter(de)
    assert np.all(np.isfinite(smooth))  # skipped, not poisoning the state


def test_flat_channel_gives_minus_inf_without_warning():
    eeg = _eeg(2, 800)
    eeg[0] = 0.0
    de = compute_de(eeg, FeatureConfig())
    assert np.all(de[:, 0] == -np.inf) and np.all(np.isfinite(de[:, 1]))


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eeg", "match"),
    [
        (np.zeros(1000), "2-D"),
        (np.zeros((2, 3, 1000)), "2-D"),
        (np.zeros((62, 799)), "shorter than one 4 s window"),
        ([["a", "b"]], "numeric"),
    ],
    ids=["1d", "3d", "short", "strings"],
)
def test_compute_de_rejects_bad_input(eeg, match):
    with pytest.raises(EEGStreamError, match=match):
        compute_de(eeg, FeatureConfig())


def test_streaming_rejects_wrong_channel_count():
    with pytest.raises(EEGStreamError, match=r"shape \(62, n_samples\)"):
        StreamingDE(FeatureConfig(), 62).push(np.zeros((61, 10)))


def test_band_without_bins_is_an_error():
    cfg = FeatureConfig(bands=((1.2, 1.8),), window_s=1.0)
    with pytest.raises(EEGStreamError, match="holds no FFT bin"):
        compute_de(np.zeros((1, 200)), cfg)


# --- real EEG ----------------------------------------------------------------------


def test_alpha_is_higher_with_eyes_closed_on_real_eeg(realdata):
    from eegstream.files.reading import load_recording
    from eegstream.montage import SEED_CHANNELS

    cfg = FeatureConfig(hop_s=2.0)
    alpha = cfg.band_names.index("alpha")
    picks = [SEED_CHANNELS.index(ch) for ch in ("O1", "OZ", "O2")]
    open_, closed = (
        extract_features(load_recording(realdata / name).data, cfg)[:, picks, alpha]
        for name in ("S001R01_eyes_open_60s.edf", "S001R02_eyes_closed_60s.edf")
    )
    # Eyes closed: about 10x the occipital alpha power, i.e. about +3.3 in log2 units.
    difference = closed.mean(axis=0) - open_.mean(axis=0)
    assert np.all(difference > 1.5), difference
    # and it holds window by window for most windows, not just on average
    assert np.mean(closed.mean(axis=1) > open_.mean(axis=1).max()) > 0.8
