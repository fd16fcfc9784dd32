"""Conditioning: chunked == batch, no start-up ringing, NaN, line noise, line estimate.

Every signal here is synthetic (NOT real EEG).
"""

from __future__ import annotations

import numpy as np
import pytest
from _chunks import WINDOWING, chunks
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from eegstream import EEGStreamError
from eegstream.datasets._eeg_sim import make_subject, population_effect, simulate
from eegstream.features import (
    ConditioningSettings,
    FeatureConfig,
    OnlineFeatures,
    StreamingConditioner,
    StreamingDE,
    compute_de,
    condition,
    conditioning_sos,
    estimate_line_freq,
    extract_features,
    kalman_filter,
)
from eegstream.features.conditioning import _BLOCK

SFREQ = 200.0
RAW = FeatureConfig(smoothing="none")  # default conditioning, no Kalman


def _sim_eeg(seconds: float, seed: int = 0, sfreq: float = SFREQ) -> np.ndarray:
    """Synthetic EEG (1/f background, alpha, blinks), 62 channels, µV, zero mean."""
    rng = np.random.default_rng(seed)
    subject = make_subject(population_effect(("neutral", "happy"), rng), rng)
    eeg = simulate(subject, 0, int(seconds * sfreq), sfreq, rng)
    return eeg - eeg.mean(axis=1, keepdims=True)


def _chunks(push, x: np.ndarray, sizes: list[int]) -> np.ndarray:
    return np.concatenate([x[:, :0], *(push(c) for c in chunks(x, sizes))], axis=1)


# --- chunked == batch ----------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    n_channels=st.integers(1, 5),
    n_samples=st.integers(0, 400),
    sizes=st.lists(st.integers(0, 90), min_size=1, max_size=6).filter(any),
    holes=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 399)), max_size=6),
    line=st.sampled_from([50.0, 60.0]),
    lowpass=st.sampled_from([None, 70.0]),
)
def test_streaming_conditioner_is_bit_identical_to_batch(
    n_channels, n_samples, sizes, holes, line, lowpass
):
    cfg = FeatureConfig(
        conditioning=ConditioningSettings(lowpass_hz=lowpass, line_freq=line)
    )
    rng = np.random.default_rng(n_samples)
    x = 3000 + 20 * rng.normal(size=(n_channels, n_samples))
    for ch, at in holes:  # NaN and inf in any channel, anywhere
        if ch < n_channels and at < n_samples:
            x[ch, at] = np.nan if at % 2 else np.inf
    streamer = StreamingConditioner(cfg, n_channels)
    streamed = _chunks(streamer.push, x, sizes)
    np.testing.assert_array_equal(streamed, condition(x, cfg))  # NaN == NaN here
    assert np.isnan(streamed[~np.isfinite(x)]).all()


def test_a_long_input_is_filtered_in_blocks_bit_identical_to_chunks():
    # condition() of more than one block filters block by block (for speed);
    # holes on both sides of each block boundary, and one inside a block.
    cfg = FeatureConfig(conditioning=ConditioningSettings(lowpass_hz=70.0))
    x = 3000 + 20 * np.random.default_rng(3).normal(size=(4, 3 * _BLOCK + 123))
    x[0, _BLOCK - 1 : _BLOCK + 2] = np.nan
    x[2, 2 * _BLOCK] = np.inf
    x[3, 100] = np.nan
    whole = condition(x, cfg)
    np.testing.assert_array_equal(
        whole, _chunks(StreamingConditioner(cfg, 4).push, x, [37])
    )
    assert (
        np.isnan(whole[~np.isfinite(x)]).all()
        and np.isfinite(whole[np.isfinite(x)]).all()
    )


@settings(max_examples=25, deadline=None)
@given(**WINDOWING, hole=st.integers(0, 600))
def test_streaming_de_with_conditioning_is_bit_identical_to_batch(
    window, hop, n_samples, sizes, hole
):
    # As the DE's own property test, with the filter in front: hop > window
    # (samples between windows), hops not dividing the window, a NaN anywhere.
    sfreq = 128.0
    cfg = FeatureConfig(
        sfreq=sfreq,
        bands=((1.0, 6.0), (6.0, 12.0), (12.0, 31.0)),
        window_s=window / sfreq,
        hop_s=hop / sfreq,
        smoothing="none",
    )
    eeg = 500 + np.random.default_rng(window * 1000 + hop).normal(size=(3, n_samples))
    if hole < n_samples:
        eeg[1, hole] = np.nan
    rows = _stream_rows(StreamingDE(cfg, 3, condition=True), eeg, sizes)
    if len(rows):
        np.testing.assert_array_equal(rows, compute_de(condition(eeg, cfg), cfg))


@pytest.mark.parametrize("sizes", [[1], [10], [7, 200, 3, 0, 801], [5000]], ids=str)
def test_streaming_de_with_conditioning_equals_batch(sizes):
    # OnlineFeatures' extractor: filtered lazily in its buffer, once per window.
    eeg = _sim_eeg(20, seed=2) + 30_000
    eeg[3, 1234] = np.nan
    ex = StreamingDE(RAW, 62, condition=True)
    ex.push(eeg[:, :900])
    ex.reset()  # the conditioner restarts with the extractor
    rows = _stream_rows(ex, eeg, sizes)
    expected = compute_de(condition(eeg, RAW), RAW)
    np.testing.assert_array_equal(rows, expected)


def _stream_rows(ex: StreamingDE, eeg: np.ndarray, sizes: list[int]) -> np.ndarray:
    empty = np.empty((0, ex.n_channels, len(ex.cfg.bands)))
    return np.concatenate([empty, *(ex.push(c)[0] for c in chunks(eeg, sizes))])


def test_streaming_de_with_hop_longer_than_window_filters_every_sample():
    # Samples between windows are never in a window but must pass the filter.
    cfg = FeatureConfig(window_s=1.0, hop_s=3.0, smoothing="none")
    eeg = _sim_eeg(30, seed=4)
    rows = _stream_rows(StreamingDE(cfg, 62, condition=True), eeg, [37])
    np.testing.assert_array_equal(rows, compute_de(condition(eeg, cfg), cfg))


def test_extract_features_is_conditioning_then_de_then_kalman():
    cfg = FeatureConfig()
    eeg = _sim_eeg(12, seed=5)
    expected = kalman_filter(compute_de(condition(eeg, cfg), cfg), cfg.kalman)
    np.testing.assert_array_equal(extract_features(eeg, cfg), expected)
    off = cfg.replace(conditioning=None)  # old checkpoints: raw EEG, as before
    np.testing.assert_array_equal(condition(eeg, off), eeg)
    np.testing.assert_array_equal(
        extract_features(eeg, off), kalman_filter(compute_de(eeg, off), off.kalman)
    )


# --- start-up and faults -------------------------------------------------------------


def test_dc_offset_from_the_first_sample_disturbs_only_the_first_window():
    eeg = _sim_eeg(40, seed=6)
    offset = 30_000.0  # 30 mV, a dry electrode's DC
    # Reference: the same EEG after 20 s of history, so the filter has settled.
    warm = condition(np.concatenate([_sim_eeg(20, seed=7), eeg], 1) + offset, RAW)
    reference = compute_de(warm[:, 20 * 200 :], RAW)
    cold = compute_de(condition(eeg + offset, RAW), RAW)
    error = np.abs(cold - reference).max(axis=(1, 2))
    assert error[1:].max() < 0.02  # log2 units: nothing beyond window 0
    # The test can fail: a filter started from zero state rings for seconds.
    zero = signal.sosfilt(conditioning_sos(RAW), eeg + offset, axis=-1)
    ringing = np.abs(compute_de(zero, RAW) - reference).max(axis=(1, 2))
    assert ringing[1] > 1.0


def test_reset_restarts_from_the_next_sample_without_ringing():
    eeg = _sim_eeg(30, seed=8)
    chain = OnlineFeatures(FeatureConfig(), n_channels=62)
    chain.push(eeg[:, :2000] + 5_000)
    chain.reset()  # a reconnect; the offset has changed meanwhile
    after = [
        s.de
        for c in np.array_split(eeg[:, 2000:] + 30_000, 40, 1)
        for s in chain.push(c)
    ]
    fresh = compute_de(condition(eeg[:, 2000:], RAW), RAW)
    np.testing.assert_allclose(np.stack(after), fresh, atol=1e-6)


def test_nan_passes_as_nan_and_the_channel_restarts_at_the_next_finite_sample():
    eeg = _sim_eeg(10, seed=9) + 1_000
    hole = eeg.copy()
    hole[0, 500:520] = np.nan
    out = condition(hole, RAW)
    assert np.isnan(out[0, 500:520]).all() and np.isfinite(out[0, 520:]).all()
    # After the hole: a fresh start from sample 520, like after a gap.
    np.testing.assert_array_equal(out[0, 520:], condition(eeg[:1, 520:], RAW)[0])
    # Other channels never notice.
    np.testing.assert_array_equal(out[1:], condition(eeg, RAW)[1:])
    # DE: only windows holding the hole are NaN, later ones are finite again.
    de = compute_de(out, RAW)
    assert np.isnan(de[:3, 0]).all() and np.isfinite(de[3:]).all()


def test_wrong_shape_is_refused():
    with pytest.raises(EEGStreamError, match=r"shape \(4, n_samples\)"):
        StreamingConditioner(RAW, 4).push(np.zeros((3, 10)))
    with pytest.raises(EEGStreamError, match="2-D array"):
        condition(np.zeros(10), RAW)


# --- what it is for ------------------------------------------------------------------


@pytest.mark.parametrize("line", [50.0, 60.0])
def test_line_noise_is_notched_and_drift_removed(line):
    eeg = _sim_eeg(60, seed=10)
    t = np.arange(eeg.shape[1]) / SFREQ
    noisy = eeg + 10 * np.sin(2 * np.pi * line * t) + 300 * np.sin(0.1 * np.pi * t)
    on = RAW.replace(conditioning=ConditioningSettings(line_freq=line))
    off = RAW.replace(conditioning=None)
    clean_on = compute_de(condition(eeg, on), on)
    lift_on = compute_de(condition(noisy, on), on) - clean_on
    assert np.abs(lift_on[1:]).max() < 0.05  # every band, channel and window
    if line == 50.0:  # 60 Hz lies outside the bands; 49.75 Hz inside gamma
        gamma_off = compute_de(noisy, off)[..., 4] - compute_de(eeg, off)[..., 4]
        assert gamma_off.mean() > 0.3


def test_line_frequency_is_estimated_from_synthetic_eeg():
    # Two seconds at a headset's own rate, a 60 Hz line of 3 µV (an American lab).
    eeg = _sim_eeg(8, seed=11, sfreq=500.0)[:, :1000]
    t = np.arange(eeg.shape[1]) / 500.0
    found = estimate_line_freq(eeg + 3 * np.sin(2 * np.pi * 60 * t + 1), 500.0)
    assert found.freq == 60.0 and found.ratios[60.0] > 4 * found.ratios[50.0]
    found = estimate_line_freq(eeg + 3 * np.sin(2 * np.pi * 50 * t), 500.0)
    assert found.freq == 50.0
    assert estimate_line_freq(eeg, 500.0).freq is None  # no line: nothing claimed
    assert estimate_line_freq(eeg[:, :100], 500.0) == (None, {})  # under 1 s
