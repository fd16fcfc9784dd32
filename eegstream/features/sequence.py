"""Fixed-length step sequences for the classifier, offline and live alike."""

from __future__ import annotations

import numpy as np

from .._errors import EEGStreamError


def to_sequence(
    steps: np.ndarray, seq_len: int, padding: str = "end", keep: str = "first"
) -> np.ndarray:
    """Truncate or zero-pad a step series to ``seq_len`` steps.

    Non-finite values become 0 (the population mean after z-scoring), so the
    classifier never sees NaN.

    Parameters
    ----------
    steps : array of float, shape (n_steps, n_features)
        Normalised feature steps, oldest first.
    seq_len : int
        Steps in the result.
    padding : "end" | "start"
        Where zero steps go when ``n_steps < seq_len`` (the paper pads at the end).
    keep : "first" | "last"
        Which steps survive when ``n_steps > seq_len``: the paper keeps a
        trial's first steps; a live stream keeps its newest.

    Returns
    -------
    array of float32, shape (seq_len, n_features)
    """
    steps = np.asarray(steps)
    if steps.ndim != 2:
        raise EEGStreamError(
            f"steps must be 2-D (n_steps, n_features), got {steps.shape}"
        )
    if padding not in ("end", "start") or keep not in ("first", "last"):
        raise EEGStreamError(
            f"padding must be 'end' or 'start' and keep 'first' or 'last', "
            f"got {padding!r}, {keep!r}"
        )
    kept = steps[:seq_len] if keep == "first" else steps[max(0, len(steps) - seq_len) :]
    out = np.zeros((seq_len, steps.shape[1]), dtype=np.float32)
    n = len(kept)
    if n:
        target = slice(0, n) if padding == "end" else slice(seq_len - n, seq_len)
        out[target] = np.nan_to_num(kept, nan=0.0, posinf=0.0, neginf=0.0)
    return out


class RollingSequence:
    """The newest ``seq_len`` steps of a live stream, padded during warm-up.

    ``array()`` after ``k`` pushes equals ``to_sequence(all_k_steps, seq_len,
    padding, keep="last")``: during warm-up it is exactly the offline
    sequence of a short trial.

    Parameters
    ----------
    seq_len : int
        Steps kept.
    n_features : int
        Features per step.
    padding : "end" | "start"
        Where zero steps go during warm-up.
    """

    def __init__(self, seq_len: int, n_features: int, padding: str = "end") -> None:
        self.seq_len = int(seq_len)
        self.n_features = int(n_features)
        self.padding = padding
        self.reset()

    def reset(self) -> None:
        """Empty the sequence (a new warm-up starts)."""
        self._steps = np.zeros((self.seq_len, self.n_features), dtype=np.float32)
        self._count = 0

    @property
    def count(self) -> int:
        """Steps pushed since the last reset."""
        return self._count

    @property
    def warm(self) -> bool:
        """Whether ``seq_len`` steps have been pushed (warm-up over)."""
        return self._count >= self.seq_len

    def push(self, step: np.ndarray) -> None:
        """Append one step, dropping the oldest once full."""
        row = np.asarray(step, dtype=np.float64).reshape(self.n_features)
        if self._count < self.seq_len:
            slot = self._steps[self._count]
        else:
            self._steps[:-1] = self._steps[1:]
            slot = self._steps[-1]
        slot[:] = row
        # Same cleaning as to_sequence (non-finite -> 0), so array() matches it;
        # not np.nan_to_num, whose Python overhead showed in the live profile.
        slot[~np.isfinite(row)] = 0.0
        self._count += 1

    def array(self) -> np.ndarray:
        """Return the sequence now, array of float32, shape (seq_len, n_features)."""
        n = min(self._count, self.seq_len)
        if n == self.seq_len:
            return self._steps.copy()
        out = np.zeros_like(self._steps)
        target = slice(0, n) if self.padding == "end" else slice(self.seq_len - n, None)
        out[target] = self._steps[:n]
        return out
