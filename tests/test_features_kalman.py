"""Causal Kalman filter vs pykalman, non-finite input, normaliser, sequences."""

from __future__ import annotations

import numpy as np
import pytest
from pykalman import KalmanFilter

from eegstream import EEGStreamError
from eegstream.features import (
    CausalKalman,
    KalmanSettings,
    RollingSequence,
    RunningNormaliser,
    kalman_filter,
    subject_zscore,
    to_sequence,
)


def _pykalman_filter(
    series: np.ndarray, s: KalmanSettings, initial_mean: float
) -> np.ndarray:
    kf = KalmanFilter(
        transition_matrices=1.0,
        observation_matrices=1.0,
        transition_covariance=s.transition_cov,
        observation_covariance=s.observation_cov,
        initial_state_mean=initial_mean,
        initial_state_covariance=s.initial_cov,
    )
    means, _ = kf.filter(np.ma.masked_invalid(series))
    return means[:, 0]


SETTINGS = [
    KalmanSettings(),
    KalmanSettings(transition_cov=0.05, observation_cov=0.3, initial_cov=2.0),
    KalmanSettings(
        transition_cov=1e-4, observation_cov=5.0, initial_cov=0.01, initial_mean=3.0
    ),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["seed-vii", "fast", "fixed-mean"])
def test_matches_pykalman_filter(settings):
    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(0, 0.1, size=(80, 6)), axis=0) + rng.normal(
        size=(80, 6)
    )
    ours = kalman_filter(series, settings)
    for j in range(series.shape[1]):
        start = series[0, j] if settings.initial_mean is None else settings.initial_mean
        ref = _pykalman_filter(series[:, j], settings, start)
        np.testing.assert_allclose(ours[:, j], ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("settings", SETTINGS, ids=["seed-vii", "fast", "fixed-mean"])
def test_non_finite_observations_match_pykalman_masked(settings):
    rng = np.random.default_rng(1)
    series = rng.normal(size=(60, 4)) + 2.0
    series[[5, 6, 30], 0] = np.nan
    series[[10, 59], 1] = np.inf
    series[0:3, 2] = np.nan  # leading gap
    series[20:40, 3] = -np.inf
    ours = kalman_filter(series, settings)
    for j in range(series.shape[1]):
        finite = np.flatnonzero(np.isfinite(series[:, j]))
        if settings.initial_mean is None:
            # Starting at the first finite value = pykalman from there, that prior.
            first = finite[0]
            assert np.all(np.isnan(ours[:first, j]))
            ref = _pykalman_filter(series[first:, j], settings, series[first, j])
            np.testing.assert_allclose(ours[first:, j], ref, rtol=0, atol=1e-9)
        else:
            ref = _pykalman_filter(series[:, j], settings, settings.initial_mean)
            np.testing.assert_allclose(ours[:, j], ref, rtol=0, atol=1e-9)
    assert np.all(np.isfinite(ours[3:]))


def test_skipped_step_predicts_state_forward():
    s = KalmanSettings()
    kf = CausalKalman(3, s)
    kf.step(np.array([1.0, 2.0, 3.0]))
    mean, var = kf.mean, kf.var
    out = kf.step(np.array([np.nan, 5.0, np.inf]))
    # Skipped: mean unchanged, variance grows by the transition noise.
    np.testing.assert_array_equal(out[[0, 2]], mean[[0, 2]])
    np.testing.assert_allclose(kf.var[[0, 2]], var[[0, 2]] + s.transition_cov)
    assert out[1] > mean[1]  # updated toward 5
    # A later finite observation is used as usual (not poisoned).
    after = kf.step(np.array([10.0, 5.0, 3.0]))
    assert np.all(np.isfinite(after)) and after[0] > mean[0]


def test_streaming_steps_equal_batch_filter_and_reset():
    series = np.random.default_rng(2).normal(size=(30, 310))
    kf = CausalKalman(310)
    steps = np.stack([kf.step(row) for row in series])
    np.testing.assert_array_equal(steps, kalman_filter(series))
    kf.reset()
    np.testing.assert_array_equal(kf.step(series[0]), series[0])  # starts afresh


def test_kalman_settings_validate():
    with pytest.raises(EEGStreamError, match="observation_cov must be > 0"):
        KalmanSettings(observation_cov=0)
    with pytest.raises(EEGStreamError, match="must be a number"):
        KalmanSettings(initial_mean="x")


# --- normaliser --------------------------------------------------------------------


def test_subject_zscore():
    x = np.random.default_rng(3).normal(5, 2, size=(200, 10))
    z, mean, std = subject_zscore(x)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(mean, x.mean(axis=0))


def test_running_normaliser_moves_from_population_to_wearer():
    rng = np.random.default_rng(4)
    pop_mean, pop_std = np.zeros(3), np.ones(3)
    wearer = rng.normal(10, 2, size=(3000, 3))
    norm = RunningNormaliser(pop_mean, pop_std, prior_steps=30)
    first = norm.step(wearer[0])
    assert np.all(first > 1)  # far above the population at first
    z = norm.transform(wearer[1:])
    # After many steps the wearer's own statistics dominate.
    np.testing.assert_allclose(z[-500:].mean(axis=0), 0, atol=0.15)
    np.testing.assert_allclose(z[-500:].std(axis=0), 1, atol=0.15)
    # causal: the result at a step never depends on later steps
    again = RunningNormaliser(pop_mean, pop_std, prior_steps=30)
    np.testing.assert_array_equal(
        again.transform(wearer[:50]), np.vstack([first, z[:49]])
    )


def test_running_normaliser_takes_another_prior_and_keeps_the_wearer():
    rng = np.random.default_rng(6)
    wearer = rng.normal(5, 2, size=(40, 3))
    other = RunningNormaliser(np.full(3, 4.0), np.full(3, 3.0), prior_steps=12)
    norm = RunningNormaliser(np.zeros(3), np.ones(3), prior_steps=30)
    norm.transform(wearer[:20])
    norm.use_prior(other)
    # Same as a normaliser with that prior that saw the same wearer steps.
    fresh = RunningNormaliser(np.full(3, 4.0), np.full(3, 3.0), prior_steps=12)
    fresh.transform(wearer[:20])
    np.testing.assert_array_equal(
        norm.transform(wearer[20:]), fresh.transform(wearer[20:])
    )
    with pytest.raises(EEGStreamError, match="4 features"):
        norm.use_prior(RunningNormaliser(np.zeros(4), np.ones(4)))


def test_running_normaliser_round_trip_and_non_finite():
    norm = RunningNormaliser(np.arange(4.0), np.ones(4) * 2, prior_steps=10)
    back = RunningNormaliser.from_dict(norm.to_dict())
    np.testing.assert_array_equal(back.pop_mean, norm.pop_mean)
    assert back.prior_steps == 10
    out = norm.step(np.array([1.0, np.nan, np.inf, 3.0]))
    assert np.isnan(out[1]) and np.isnan(out[2]) and np.all(np.isfinite(out[[0, 3]]))
    with pytest.raises(EEGStreamError, match="mode"):
        RunningNormaliser.from_dict({"mode": "weird", "mean": [0], "std": [1]})
    with pytest.raises(EEGStreamError, match="alike"):
        RunningNormaliser(np.zeros(3), np.ones(4))


# --- sequences ---------------------------------------------------------------------


def test_to_sequence_pads_truncates_and_cleans():
    steps = np.arange(12, dtype=float).reshape(4, 3)
    steps[1, 1] = np.nan
    seq = to_sequence(steps, 6, padding="end")
    assert seq.dtype == np.float32 and seq.shape == (6, 3)
    np.testing.assert_array_equal(seq[4:], 0)
    assert seq[1, 1] == 0
    np.testing.assert_array_equal(to_sequence(steps, 6, padding="start")[2:], seq[:4])
    np.testing.assert_array_equal(
        to_sequence(steps, 2, keep="first"), np.nan_to_num(steps[:2])
    )
    np.testing.assert_array_equal(to_sequence(steps, 2, keep="last"), steps[2:])
    with pytest.raises(EEGStreamError, match="2-D"):
        to_sequence(np.zeros(3), 4)
    with pytest.raises(EEGStreamError, match="padding"):
        to_sequence(steps, 4, padding="middle")


@pytest.mark.parametrize("padding", ["end", "start"])
def test_rolling_sequence_equals_offline_sequence(padding):
    steps = np.random.default_rng(5).normal(size=(9, 4))
    steps[2, 0] = np.inf
    steps[6, 3] = np.nan
    roll = RollingSequence(5, 4, padding)
    for k in range(1, len(steps) + 1):
        roll.push(steps[k - 1])
        np.testing.assert_array_equal(
            roll.array(), to_sequence(steps[:k], 5, padding, keep="last")
        )
        assert roll.warm == (k >= 5) and roll.count == k
    roll.reset()
    assert roll.count == 0 and not roll.array().any()
