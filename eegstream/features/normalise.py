"""Per-feature z-scoring, offline per subject or causally for a live wearer.

Two modes, recorded in every checkpoint:

``"subject"``
    The paper's: each subject's features are z-scored with the mean and
    standard deviation over all of that subject's steps. Needs the whole
    session in advance, so it is an offline protocol only.
``"running"``
    Live-faithful: a causal z-score whose statistics at step ``t`` are those
    of the wearer's own steps ``1..t``, shrunk towards the training
    population's statistics as if ``prior_steps`` population steps had been
    seen first. It needs no look-ahead, so training with it and serving it
    live give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import EEGStreamError

NORMALISER_MODES = ("subject", "running")
_MIN_STD = 1e-6


def subject_zscore(features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z-score features with their own mean and standard deviation.

    Parameters
    ----------
    features : array of float, shape (n_steps, n_features)
        All of one subject's steps (all trials stacked).

    Returns
    -------
    z : array of float64, shape (n_steps, n_features)
    mean, std : arrays of float64, shape (n_features,)
        NaN-aware statistics; ``std`` is floored at 1e-6.
    """
    x = np.asarray(features, dtype=np.float64)
    mean = np.nanmean(x, axis=0)
    std = np.maximum(np.nanstd(x, axis=0), _MIN_STD)
    return (x - mean) / std, mean, std


@dataclass(frozen=True)
class NormaliserState:
    """What a running normaliser has learnt of one wearer: their own statistics.

    Attributes
    ----------
    mean, var : arrays of float64, shape (n_features,)
        Mean and variance of the wearer's finite steps (DE units).
    count : array of float64, shape (n_features,)
        How many finite steps of the wearer each feature has seen.
    key : str | None
        The feature settings and channels the statistics are of
        (:attr:`CheckpointMeta.statistics_key
        <eegstream.model.CheckpointMeta.statistics_key>`); None when unknown.
    """

    mean: np.ndarray
    var: np.ndarray
    count: np.ndarray
    key: str | None = None

    @classmethod
    def from_steps(cls, steps: np.ndarray) -> NormaliserState:
        """Return the statistics of ``steps`` (n_steps, n_features), NaN ignored."""
        x = np.asarray(steps, dtype=np.float64)
        finite = np.isfinite(x)
        count = finite.sum(0).astype(np.float64)
        x0 = np.where(finite, x, 0.0)
        n = np.maximum(count, 1.0)
        mean = x0.sum(0) / n
        var = np.maximum((x0 * x0).sum(0) / n - mean * mean, 0.0)
        return cls(mean, var, count)

    @property
    def std(self) -> np.ndarray:
        """Standard deviation, floored at 1e-6 like the normaliser's."""
        return np.maximum(np.sqrt(self.var), _MIN_STD)


class RunningNormaliser:
    """Causal per-feature z-score of one wearer, starting from population statistics.

    Parameters
    ----------
    mean, std : array of float, shape (n_features,)
        Population statistics from training (each feature's mean and standard
        deviation over all training steps).
    prior_steps : float
        Weight of the population statistics, in steps: after ``t`` of the
        wearer's own steps, the statistics are a ``prior_steps : t`` blend.
    """

    def __init__(
        self, mean: np.ndarray, std: np.ndarray, prior_steps: float = 30.0
    ) -> None:
        self.pop_mean = np.asarray(mean, dtype=np.float64).copy()
        self.pop_std = np.maximum(np.asarray(std, dtype=np.float64), _MIN_STD)
        if self.pop_mean.shape != self.pop_std.shape or self.pop_mean.ndim != 1:
            raise EEGStreamError(
                f"normaliser mean and std must be 1-D and alike, got shapes "
                f"{self.pop_mean.shape} and {self.pop_std.shape}"
            )
        if not prior_steps > 0:
            raise EEGStreamError(f"prior_steps must be > 0, got {prior_steps}")
        self.prior_steps = float(prior_steps)
        self._weigh_prior()
        self.reset()

    def _weigh_prior(self) -> None:
        # The population's statistics as sums over prior_steps pseudo-steps,
        # computed once rather than at every step.
        self._prior_sum = self.prior_steps * self.pop_mean
        self._prior_sumsq = self.prior_steps * (self.pop_std**2 + self.pop_mean**2)

    def use_prior(self, other: RunningNormaliser) -> None:
        """Take ``other``'s population statistics; keep this wearer's own so far."""
        if other.n_features != self.n_features:
            raise EEGStreamError(
                f"normaliser of {other.n_features} features given for one of "
                f"{self.n_features}"
            )
        self.pop_mean, self.pop_std = other.pop_mean, other.pop_std
        self.prior_steps = other.prior_steps
        self._weigh_prior()

    @property
    def n_features(self) -> int:
        """Number of features normalised."""
        return self.pop_mean.size

    def reset(self) -> None:
        """Forget the wearer: back to the population statistics."""
        self._count = np.zeros(self.n_features)
        self._sum = np.zeros(self.n_features)
        self._sumsq = np.zeros(self.n_features)

    def step(self, row: np.ndarray) -> np.ndarray:
        """Add one step of the wearer's features and return it z-scored.

        Parameters
        ----------
        row : array of float, shape (n_features,)
            Non-finite entries are not counted and come back NaN.

        Returns
        -------
        array of float64, shape (n_features,)
        """
        x = np.asarray(row, dtype=np.float64).reshape(self.n_features)
        finite = np.isfinite(x)
        x0 = np.where(finite, x, 0.0)
        self._count += finite
        self._sum += x0
        self._sumsq += x0 * x0
        weight = self.prior_steps + self._count
        mean = (self._prior_sum + self._sum) / weight
        second = (self._prior_sumsq + self._sumsq) / weight
        std = np.sqrt(np.maximum(second - mean * mean, _MIN_STD**2))
        return np.where(finite, (x - mean) / std, np.nan)

    def state(self) -> NormaliserState:
        """Return the wearer's own statistics so far (the prior excluded)."""
        n = np.maximum(self._count, 1.0)
        mean = self._sum / n
        var = np.maximum(self._sumsq / n - mean * mean, 0.0)
        return NormaliserState(mean, var, self._count.copy())

    def load_state(self, state: NormaliserState, key: str | None = None) -> None:
        """Continue from a wearer's saved statistics (a second visit).

        Parameters
        ----------
        state : NormaliserState
            The wearer's statistics.
        key : str | None
            The statistics key of the model this normaliser serves; a state
            with another key is refused (when both are known).

        Raises
        ------
        EEGStreamError
            When the state has another number of features or another key.
        """
        if key is not None and state.key is not None and key != state.key:
            raise EEGStreamError(
                "the wearer's normaliser statistics are of other feature settings "
                "or channels than this model's"
            )
        arrays = [
            np.asarray(a, dtype=np.float64)
            for a in (state.mean, state.var, state.count)
        ]
        if any(a.shape != (self.n_features,) for a in arrays):
            raise EEGStreamError(
                f"normaliser state has {arrays[0].shape} features, this normaliser "
                f"{self.n_features}: the wearer was calibrated for another model's "
                "channels"
            )
        mean, var, count = arrays
        self._count = count.copy()
        self._sum = mean * count
        self._sumsq = (var + mean * mean) * count

    def transform(self, rows: np.ndarray) -> np.ndarray:
        """Apply :meth:`step` to each row in turn (continuing the current state).

        Parameters
        ----------
        rows : array of float, shape (n_steps, n_features)

        Returns
        -------
        array of float64, shape (n_steps, n_features)
        """
        rows = np.asarray(rows, dtype=np.float64)
        return np.stack([self.step(r) for r in rows]) if len(rows) else rows.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able settings and statistics (for a checkpoint header)."""
        return {
            "mode": "running",
            "prior_steps": self.prior_steps,
            "mean": self.pop_mean.tolist(),
            "std": self.pop_std.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunningNormaliser:
        """Rebuild from a checkpoint's normaliser header.

        Both modes carry population ``mean`` and ``std``; a ``"subject"``
        checkpoint runs live with the running estimate, the closest causal
        equivalent (the live path warns about that skew).
        """
        if data.get("mode") not in NORMALISER_MODES:
            raise EEGStreamError(
                f"normaliser mode {data.get('mode')!r} is unknown; "
                f"expected one of {NORMALISER_MODES}"
            )
        return cls(
            np.array(data["mean"]), np.array(data["std"]), data.get("prior_steps", 30.0)
        )
