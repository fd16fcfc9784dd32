"""Causal chunked resampling: one output whatever the chunking, the right spectrum."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy.signal import resample_poly, upfirdn

from eegstream import EEGStreamError
from eegstream.pipeline.resample import (
    StreamingResampler,
    design_filter,
    rational_factors,
)

RATES = [160.0, 250.0, 500.0, 1000.0]


def _chunked(r: StreamingResampler, x: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out, i = [], 0
    while i < x.shape[1]:
        n = int(rng.integers(0, 37))  # empty chunks included
        out.append(r.push(x[:, i : i + n]))
        i += n
    return np.concatenate(out, axis=1)


@pytest.mark.parametrize("rate", RATES, ids=lambda r: f"{r:g}Hz")
def test_chunking_does_not_change_the_output_and_matches_upfirdn(rate):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, int(rate * 3))) + 50.0  # DC offset, as amplifiers have
    whole = StreamingResampler(rate, 200.0, 3).push(x)
    pieces = _chunked(StreamingResampler(rate, 200.0, 3), x, seed=int(rate))
    np.testing.assert_allclose(pieces, whole, rtol=0, atol=1e-10)
    assert whole.shape[1] == 600  # 3 s at 200 Hz, nothing held back at the end
    # The causal definition: upfirdn of the input preceded by its first value.
    r = StreamingResampler(rate, 200.0, 3)
    lead = (r.taps_per_phase - 1) * r.down  # whole output samples of lead-in
    padded = np.concatenate([np.repeat(x[:, :1], lead, axis=1), x], axis=1)
    ref = upfirdn(design_filter(r.up, r.down), padded, r.up, r.down)
    skip = lead * r.up // r.down
    np.testing.assert_allclose(whole, ref[:, skip : skip + 600], atol=1e-9)


@pytest.mark.parametrize("rate", RATES, ids=lambda r: f"{r:g}Hz")
def test_passes_eeg_bands_and_removes_what_would_alias(rate):
    t = np.arange(int(rate * 4)) / rate
    r = StreamingResampler(rate, 200.0, 2)
    # A tone at f > 100 Hz would fold to 200 - f; 160 Hz would land in gamma (40 Hz).
    # At 160 and 250 Hz no input frequency can fold below 75 Hz.
    high = 160.0 if rate >= 500 else 0.0
    x = np.vstack([np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * high * t)])
    y = _chunked(r, x, seed=1)[:, 200:]  # skip the filter's start
    assert abs(np.sqrt(2) * y[0].std() - 1) < 0.01  # 10 Hz kept at unit gain
    assert np.sqrt(2) * y[1].std() < 0.01  # > 40 dB down
    # 45 Hz (gamma) still passes within 1 %
    g = StreamingResampler(rate, 200.0, 1).push(np.sin(2 * np.pi * 45 * t)[None])[
        :, 200:
    ]
    assert abs(np.sqrt(2) * g.std() - 1) < 0.01


def test_a_nan_leaves_the_filter_memory():
    r = StreamingResampler(1000.0, 200.0, 1)
    x = np.zeros((1, 3000))
    x[0, 1000] = np.nan
    y = r.push(x)
    bad = np.flatnonzero(~np.isfinite(y[0]))
    assert bad.size and bad.max() - bad.min() <= r.taps_per_phase // r.down + 1
    assert np.isfinite(y[0, bad.max() + 1 :]).all()


def test_identity_and_reset():
    r = StreamingResampler(200.0, 200.0, 2)
    x = np.arange(10.0).reshape(2, 5)
    assert r.identity and r.push(x) is not None and r.n_out == 5
    r.reset()
    assert r.n_in == r.n_out == 0


def test_rates_without_a_small_ratio_are_refused():
    assert rational_factors(256.0, 200.0) == (25, 32)
    with pytest.raises(EEGStreamError, match="cannot resample 199.97 Hz"):
        rational_factors(199.97, 200.0)


@pytest.mark.parametrize("rate", [160.0, 200.0, 1000.0], ids=lambda r: f"{r:g}Hz")
def test_outputs_carry_the_stamps_of_their_newest_input(rate):
    rng = np.random.default_rng(2)
    n = int(rate * 2)
    x = rng.standard_normal((2, n))
    stamps = np.vstack([100.0 + np.arange(n) / rate, np.arange(n) + 0.5])
    whole = StreamingResampler(rate, 200.0, 2)
    y, t = whole.push_stamped(x, stamps)
    assert t.shape == (2, y.shape[1]) == (2, 400)
    # Output m (at m / 200 s) needs inputs up to floor(m x rate / 200), no later one.
    newest = np.floor(np.arange(400) * rate / 200 + 1e-9).astype(int)
    np.testing.assert_array_equal(t, stamps[:, newest])
    # Any chunking gives the same samples and the same stamps.
    r, ys, ts, i = StreamingResampler(rate, 200.0, 2), [], [], 0
    for size in rng.integers(0, 23, size=10_000):
        part_y, part_t = r.push_stamped(x[:, i : i + size], stamps[:, i : i + size])
        ys.append(part_y)
        ts.append(part_t)
        i += size
        if i >= n:
            break
    np.testing.assert_allclose(np.concatenate(ys, 1), y, atol=1e-10)
    np.testing.assert_array_equal(np.concatenate(ts, 1), t)
    with pytest.raises(EEGStreamError, match="one value per sample"):
        r.push_stamped(x[:, :5], stamps[:, :4])


# -- DC offsets (issue 22): a DC-coupled amplifier's tens of mV ------------------
DC_RATES = [128.0, 160.0, 250.0, 256.0, 500.0, 1000.0]
OFFSET_UV = 30_000.0  # 30 mV


def _rounding_bound(rate: float) -> float:
    """Float64 rounding a resampled 30 mV offset can carry, in µV: one eps per tap."""
    up, down = rational_factors(rate, 200.0)
    return len(design_filter(up, down)) * np.finfo(float).eps * OFFSET_UV


@pytest.mark.parametrize("rate", DC_RATES, ids=lambda r: f"{r:g}Hz")
def test_every_branch_passes_dc_exactly_and_a_constant_stays_constant(rate):
    up, down = rational_factors(rate, 200.0)
    h = design_filter(up, down)
    gains = np.array([h[p::up].sum() for p in range(up)])
    # resample_poly's own design spreads these over 0.99966-1.00065 at 160 Hz.
    np.testing.assert_allclose(gains, 1.0, rtol=0, atol=8 * np.finfo(float).eps)
    # Mirror branches have equal gains: the FIR stays symmetric (linear phase),
    # so the documented delay (len(h) - 1) / 2 holds.
    np.testing.assert_allclose(h, h[::-1], rtol=0, atol=1e-15)
    x = np.full((2, int(rate * 3)), OFFSET_UV)
    x[1] = -OFFSET_UV
    x[:, 1::7] += 5.0  # something to resample besides the offset
    y = _chunked(StreamingResampler(rate, 200.0, 2), x, seed=3)
    np.testing.assert_array_equal(y, StreamingResampler(rate, 200.0, 2).push(x))
    x[:, 1::7] -= 5.0
    y = _chunked(StreamingResampler(rate, 200.0, 2), x, seed=3)
    # Before the fix: a 14.5 µV tone at 40 Hz at 160 Hz; now rounding only.
    np.testing.assert_allclose(
        y, np.broadcast_to(x[:, :1], y.shape), rtol=0, atol=_rounding_bound(rate)
    )


def _real_eeg_at(realdata, rate: float, seconds: float) -> tuple[list[str], np.ndarray]:
    """Real EEG (PhysioNet, 64 channels, 160 Hz) in µV, brought to ``rate`` (input)."""
    from eegstream.files.reading import load_recording

    rec = load_recording(realdata / "S001R03.edf", sfreq=None, seed_order=False)
    x = rec.data[:, : int(seconds * rec.sfreq)]
    if rate != rec.sfreq:  # only makes the test's input; not the path under test
        ratio = Fraction(rate / rec.sfreq).limit_denominator(100)
        x = resample_poly(x, ratio.numerator, ratio.denominator, axis=1)
    return rec.ch_names, x


@pytest.mark.parametrize("rate", DC_RATES, ids=lambda r: f"{r:g}Hz")
def test_a_30_mv_offset_leaves_gamma_de_of_real_eeg_unchanged(realdata, rate):
    """The live chain's DE of real EEG + 30 mV equals that of the EEG alone.

    The logistic-regression demo model has the same feature settings
    (conditioning, bands, Kalman) as the network and runs in milliseconds.

    Tolerance 1e-6 log2 units: with exact branches the offset leaves only
    float64 rounding (about 1e-9 µV, ``_rounding_bound``) against gamma-band
    amplitudes of tenths of µV and more, i.e. DE changes far below 1e-6; the
    bug lifted gamma DE by 1.7 log2 units at 160 Hz.
    """
    from eegstream.pipeline import LiveChain

    names, x = _real_eeg_at(realdata, rate, seconds=20.0)
    times = np.arange(x.shape[1]) / rate
    de = []
    for offset in (0.0, OFFSET_UV):
        chain = LiveChain.from_labels(
            "demo-seed-iv-logreg", names, rate, unit="uV", device="cpu"
        )
        steps = []
        for i in range(0, x.shape[1], 37):
            steps += chain.push(x[:, i : i + 37] + offset, times[i : i + 37])
        de.append(np.stack([s.band_power for s in steps]))
    plain, shifted = de
    assert len(plain) >= 16 and np.isfinite(plain[:, :, -1]).mean() > 0.9
    np.testing.assert_allclose(shifted, plain, rtol=0, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("rate", DC_RATES, ids=lambda r: f"{r:g}Hz")
def test_files_resampled_offline_carry_a_30_mv_offset_unchanged(
    realdata, tmp_path, rate
):
    """load_recording (features --file, replay --sfreq) resamples the same way.

    The offset comes out as the offset plus the EEG, the ends included
    (edge padding, not zeros), to rounding of the 30 mV value.
    """
    import mne

    from eegstream.files.reading import load_recording

    names, x = _real_eeg_at(realdata, rate, seconds=10.0)
    names, x = names[:8], x[:8]
    loaded = []
    for offset in (0.0, OFFSET_UV):
        info = mne.create_info(names, rate, "eeg")
        path = tmp_path / f"offset{offset:g}_raw.fif"
        raw = mne.io.RawArray((x + offset) * 1e-6, info, verbose="error")
        raw.save(path, fmt="double")  # float32 steps of 2 nV at 30 mV
        loaded.append(load_recording(path, sfreq=200.0, seed_order=False).data)
    plain, shifted = loaded
    assert plain.shape == (8, 2000)
    np.testing.assert_allclose(
        shifted - OFFSET_UV, plain, rtol=0, atol=4 * _rounding_bound(rate)
    )
