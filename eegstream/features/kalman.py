"""Causal Kalman (linear dynamic system) filter over all features at once.

Each feature is an independent random walk observed with noise::

    x[t] = x[t-1] + w,  w ~ N(0, transition_cov)
    z[t] = x[t] + v,    v ~ N(0, observation_cov)

The state is one vector of means and one of variances, so one call updates
all 310 features. Only past and present observations are used (the filter,
not the smoother), which is what a live stream can have. With the same
settings it equals ``pykalman.KalmanFilter(...).filter`` per feature.

Non-finite observations are skipped: the state is predicted forward (its
variance grows by ``transition_cov``) and not updated, exactly as pykalman
treats a masked observation. A feature that has seen no finite value yet
outputs NaN; with ``initial_mean=None`` its first finite observation starts it.
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
        """Forget the state: the next finite observation of each feature starts it."""
        self._mean = np.full(self.n_features, np.nan)
        self._var = np.full(self.n_features, np.nan)
        self._started = np.zeros(self.n_features, dtype=bool)

    @property
    def mean(self) -> np.ndarray:
        """Current state means, shape (n_features,); NaN for features not started."""
        return self._mean.copy()

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
        # Predict: features already running take one random-walk step.
        var_pred = np.where(self._started, self._var + s.transition_cov, np.nan)
        mean_pred = self._mean
        # Features starting now: the prior of pykalman's t = 0.
        starting = finite & ~self._started
        if starting.any():
            prior = z if s.initial_mean is None else np.full_like(z, s.initial_mean)
            mean_pred = np.where(starting, prior, mean_pred)
            var_pred = np.where(starting, s.initial_cov, var_pred)
        gain = var_pred / (var_pred + s.observation_cov)
        update = finite
        self._mean = np.where(update, mean_pred + gain * (z - mean_pred), mean_pred)
        self._var = np.where(update, var_pred - gain * var_pred, var_pred)
        self._started = self._started | finite
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
    flat = features.reshape(features.shape[0], -1)
    return CausalKalman(flat.shape[1], settings).filter(flat).reshape(features.shape)
