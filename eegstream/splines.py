"""Spherical-spline interpolation over the SEED scalp positions.

The splines of Perrin et al. (1989) as MNE-Python's ``interpolate_bads``
computes them (Legendre series of 50 terms, stiffness 4, regularisation
1e-5 on the diagonal, a constant term), written out so that weights for a new
set of bad channels cost well under a millisecond (MNE's public call takes
about 0.3 s) and the leave-one-out prediction of every channel comes from one
inverse (Rippa, 1999). The weights are checked against MNE's own matrix
(``tests/test_pipeline_channels.py``), the leave-one-out rows against them
(``tests/test_quality.py``).

References
----------
Perrin F., Pernier J., Bertrand O., Echallier J.F. (1989). Spherical splines
for scalp potential and current density mapping. Electroencephalography and
Clinical Neurophysiology 72(2):184-187.
Rippa S. (1999). An algorithm for selecting a good value for the parameter c
in radial basis function interpolation. Advances in Computational
Mathematics 11:193-210.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.polynomial.legendre import legval

from .montage import SEED_CHANNELS, positions_3d

_N_TERMS, _STIFFNESS, _ALPHA = 50, 4, 1e-5
_FACTORS = [0.0] + [
    (2 * n + 1) / (n**_STIFFNESS * (n + 1) ** _STIFFNESS * 4 * np.pi)
    for n in range(1, _N_TERMS + 1)
]


def _unit_positions(index: np.ndarray) -> np.ndarray:
    pos = positions_3d()[index]
    return pos / np.linalg.norm(pos, axis=1, keepdims=True)


def _g(cosang: np.ndarray) -> np.ndarray:
    return legval(np.clip(cosang, -1.0, 1.0), _FACTORS)


@functools.lru_cache(maxsize=1)
def _pair_table() -> tuple[np.ndarray, np.ndarray]:
    """Cosines between all SEED channels and their ``_g``, (62, 62) each, read-only."""
    pos = _unit_positions(np.arange(len(SEED_CHANNELS)))
    cosang = pos @ pos.T
    table = _g(cosang)
    cosang.setflags(write=False)
    table.setflags(write=False)
    return cosang, table


def _g_between(to: np.ndarray, source: np.ndarray) -> np.ndarray:
    """``_g`` of the cosines from SEED channels ``source`` to ``to``, exactly.

    The Legendre series costs about 0.3 ms a call whatever its size (50
    terms of small array operations), once or twice each time the checks'
    usable channels change (issue 25), so its values come from a table of
    all channel pairs. The product of a subset's positions can round a
    cosine differently from the whole montage's; those few are evaluated
    afresh, so the result is ``_g(pos_to @ pos_source.T)`` bit for bit.

    Returns
    -------
    array of float, shape (len(to), len(source))
    """
    cosang = _unit_positions(to) @ _unit_positions(source).T
    all_cos, table = _pair_table()
    pairs = np.ix_(to, source)
    g = table[pairs]
    differ = cosang != all_cos[pairs]
    if differ.any():
        g[differ] = _g(cosang[differ])
    return g


@functools.lru_cache(maxsize=32)
def _system_inverse(index: tuple[int, ...]) -> np.ndarray:
    """Inverse of the spline system [[G + alpha I, 1], [1, 0]], (n + 1, n + 1).

    Cached per set of SEED channel indices: the signal checks ask for the
    leave-one-out rows and the interpolation weights of the same usable
    channels, each time their set changes (issue 25). Read-only.
    """
    seed = np.array(index, dtype=int)
    n = seed.size
    system = np.zeros((n + 1, n + 1))
    system[:n, :n] = _g_between(seed, seed)
    system.flat[: n * (n + 1) : n + 2] += _ALPHA
    system[:n, n] = system[n, :n] = 1.0
    inverse = np.linalg.pinv(system)
    inverse.setflags(write=False)
    return inverse


def interpolation_weights(present: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Weights from the present to the missing SEED channels.

    Parameters
    ----------
    present, missing : array of int
        SEED channel indices.

    Returns
    -------
    array of float, shape (n_missing, n_present)
        ``missing_data = weights @ present_data``.
    """
    present, missing = np.asarray(present), np.asarray(missing)
    inverse = _system_inverse(tuple(present.tolist()))
    to = np.hstack([_g_between(missing, present), np.ones((missing.size, 1))])
    return to @ inverse[:, :-1]


@functools.lru_cache(maxsize=16)
def leave_one_out_weights(channels: tuple[str, ...]) -> np.ndarray:
    """Prediction of each channel from all the others, cached per montage.

    Row ``i`` equals :func:`interpolation_weights` from every other channel
    to channel ``i`` (with 0 for itself): Rippa's closed form gives all rows
    from one inverse, the residual of channel ``i`` being
    ``(C⁻¹ y)_i / (C⁻¹)_ii``.

    Parameters
    ----------
    channels : tuple of str
        SEED channel names.

    Returns
    -------
    array of float, shape (n, n), read-only
        ``prediction = weights @ data``; zero diagonal.
    """
    index = np.array([SEED_CHANNELS.index(c) for c in channels])
    inverse = _system_inverse(tuple(index.tolist()))[:-1, :-1]
    weights = np.eye(index.size) - inverse / np.diag(inverse)[:, None]
    np.fill_diagonal(weights, 0.0)
    weights.setflags(write=False)
    return weights
