"""Causal Kalman (linear dynamic system) filter over all features at once.

Each feature is an independent random walk observed with noise::

    x[t] = x[t-1] + w,  w ~ N(0, transition_cov)
    z[t] = x[t] + v,    v ~ N(0, observation_cov)

The state is one vector of means and one of variances, so one call updates
all 310 features. Only past and present observations are used (the filter,
not the smoother), which is what a live stream can have. With the same
settings it equals ``pykalman.KalmanFilter(...).filter`` per feature.

Non-finite observations are skipped, never reset: the state is predicted
forward (its variance grows by ``transition_cov``) and not updated, exactly as
pykalman treats a masked observation. With ``initial_mean=None`` a feature
starts at its first finite observation (the prior of pykalman's first step)
and outputs NaN until then; with a fixed ``initial_mean`` every feature starts
at the first step, finite or not, as in pykalman.
"""

from __future__ import annotations

import numpy as np

from .config import KalmanSettings


class CausalKalman:
    """Vectorised random-walk Kalman filter for ``n_features`` independent series.

    Parameters
    ----------
    n_features : int
        Number of series filtered side by side (310 = 62 channels x 5 bands).
    settings : KalmanSettings
        Noise variances and initial state.
    """

    def __init__(self, n_features: int, settings: KalmanSettings | None = None) -> None:
        self.n_features = int(n_features)
        self.settings = settings if settings is not None else KalmanSettings()
        self.reset()

    def reset(self) -> None:
        """Forget the state: each feature starts again at its next observation."""
        self._mean = np.full(self.n_features, np.nan)
        self._var = np.full(self.n_features, np.nan)
        self._started = np.zeros(self.n_features, dtype=bool)
        self._all_started = False

    def restart(self, features: np.ndarray) -> None:
        """Forget some features' state: each starts again at its next observation.

        Parameters
        ----------
        features : array of int or bool
            The features (indices, or a mask of shape (n_features,)).
        """
        self._mean[features] = np.nan
        self._var[features] = np.nan
        self._started[features] = False
        self._all_started = False

    @property
    def mean(self) -> np.ndarray:
        """Current state means, shape (n_features,); NaN for features not started."""
        return self._mean.copy()

    @property
    def var(self) -> np.ndarray:
        """Current state variances, shape (n_features,); NaN where not started."""
        return self._var.copy()

    def step(self, observation: np.ndarray) -> np.ndarray:
        """Take one observation per feature and return the filtered means.

        Parameters
        ----------
        observation : array of float, shape (n_features,)
            One new value per feature (e.g. a DE row flattened); non-finite
            entries are skipped.

        Returns
        -------
        array of float64, shape (n_features,)
            Filtered state means after this step.
        """
        s = self.settings
        z = np.asarray(observation, dtype=np.float64).reshape(self.n_features)
        finite = np.isfinite(z)
        if self._all_started and finite.all():
            # Common case, kept to a few vector operations (hot path).
            var = self._var + s.transition_cov
            gain = var / (var + s.observation_cov)
            self._mean = self._mean + gain * (z - self._mean)
            self._var = var - gain * var
            return self._mean.copy()
        # Predict: features already running take one random-walk step.
        var_pred = np.where(self._started, self._var + s.transition_cov, np.nan)
        mean_pred = self._mean
        # Features starting now get the prior of pykalman's t = 0.
        if s.initial_mean is None:
            starting = finite & ~self._started
            prior = z
        else:
            starting = ~self._started
            prior = np.full_like(z, s.initial_mean)
        if starting.any():
            mean_pred = np.where(starting, prior, mean_pred)
            var_pred = np.where(starting, s.initial_cov, var_pred)
        with np.errstate(invalid="ignore"):
            gain = var_pred / (var_pred + s.observation_cov)
            self._mean = np.where(finite, mean_pred + gain * (z - mean_pred), mean_pred)
            self._var = np.where(finite, var_pred - gain * var_pred, var_pred)
        self._started = self._started | starting
        self._all_started = bool(self._started.all())
        return self._mean.copy()

    def filter(self, observations: np.ndarray) -> np.ndarray:
        """Filter a whole series, continuing from the current state.

        Parameters
        ----------
        observations : array of float, shape (n_steps, n_features)

        Returns
        -------
        array of float64, shape (n_steps, n_features)
            Filtered means at every step.
        """
        obs = np.asarray(observations, dtype=np.float64)
        out = np.empty((obs.shape[0], self.n_features))
        for t in range(obs.shape[0]):
            out[t] = self.step(obs[t])
        return out


def kalman_filter(
    features: np.ndarray, settings: KalmanSettings | None = None
) -> np.ndarray:
    """Causally smooth a feature series along its first axis.

    Parameters
    ----------
    features : array of float, shape (n_steps, ...)
        E.g. DE of shape (n_windows, n_channels, n_bands).
    settings : KalmanSettings | None
        Filter settings; defaults to the SEED-VII LDS values.

    Returns
    -------
    array of float64, same shape as ``features``
        Filtered means, each feature filtered independently from a fresh state.
    """
    features = np.asarray(features, dtype=np.float64)
    flat = features.reshape(features.shape[0], int(np.prod(features.shape[1:])))
    return CausalKalman(flat.shape[1], settings).filter(flat).reshape(features.shape)


def kalman_smooth(
    series: np.ndarray, settings: KalmanSettings | None = None
) -> np.ndarray:
    """Forward-backward (Rauch-Tung-Striebel) smoothing of every feature at once.

    This is how the official ``de_LDS`` features are made (MAET
    ``smooth_feature``: ``pykalman.KalmanFilter(...).smooth`` per feature, with
    the initial state mean set to the series' mean). It looks at the whole
    series, future included, so it cannot run live; eegstream uses it only to
    write release-like feature files. The live path uses :func:`kalman_filter`.

    Parameters
    ----------
    series : array of float, shape (n_steps, ...)
        E.g. DE of one trial, shape (n_windows, n_channels, n_bands).
    settings : KalmanSettings | None
        Noise variances and initial variance (defaults: the SEED-VII LDS
        values). ``initial_mean=None`` (the default) starts each feature from
        its mean over the series, as the official smoother does.

    Returns
    -------
    array of float64, same shape as ``series``
        Smoothed state means. Non-finite observations are skipped (treated as
        missing, as pykalman treats masked values).
    """
    s = settings if settings is not None else KalmanSettings()
    series = np.asarray(series, dtype=np.float64)
    n_steps = series.shape[0]
    z = series.reshape(n_steps, -1)
    if n_steps == 0:
        return series.copy()
    finite = np.isfinite(z)
    if s.initial_mean is None:
        counts = finite.sum(axis=0)
        sums = np.where(finite, z, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sums / counts
    else:
        mean = np.full(z.shape[1], float(s.initial_mean))
    var = np.full(z.shape[1], float(s.initial_cov))
    filt_mean = np.empty_like(z)
    filt_var = np.empty_like(z)
    for t in range(n_steps):
        if t > 0:
            var = var + s.transition_cov
        gain = var / (var + s.observation_cov)
        ok = finite[t]
        mean = np.where(ok, mean + gain * (np.where(ok, z[t], 0.0) - mean), mean)
        var = np.where(ok, var - gain * var, var)
        filt_mean[t], filt_var[t] = mean, var
    out = np.empty_like(z)
    out[-1] = filt_mean[-1]
    for t in range(n_steps - 2, -1, -1):
        predicted_var = filt_var[t] + s.transition_cov
        gain = filt_var[t] / predicted_var
        out[t] = filt_mean[t] + gain * (out[t + 1] - filt_mean[t])
    return out.reshape(series.shape)
