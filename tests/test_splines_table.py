"""The spline weights' shortcuts (issue 25) give the direct computation bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from eegstream import splines


def _direct(to: np.ndarray, source: np.ndarray) -> np.ndarray:
    """The Legendre series of each cosine, evaluated for this subset alone."""
    pos_to = splines._unit_positions(to)
    pos_source = splines._unit_positions(source)
    return splines._g(pos_to @ pos_source.T)


def _subsets(seed: int, count: int = 60):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        source = rng.permutation(rng.choice(62, int(rng.integers(4, 63)), False))
        rest = np.setdiff1d(np.arange(62), source)
        yield source, (rest if rest.size else source[:3])


def test_spline_values_from_the_pair_table_are_the_direct_ones_bit_for_bit():
    for source, to in _subsets(0):
        for a, b in ((source, source), (to, source)):
            got, expected = splines._g_between(a, b), _direct(a, b)
            assert np.array_equal(got.view(np.uint64), expected.view(np.uint64))


def test_cosines_rounded_otherwise_than_the_table_are_evaluated_afresh(monkeypatch):
    # A subset's product of positions may round a cosine unlike the whole
    # montage's: with a table off by one ulp for a third of the pairs (and
    # wrong spline values there) the result is still the direct one.
    cosang, table = splines._pair_table()
    off = np.random.default_rng(1).random(cosang.shape) < 0.3
    nudged = np.where(off, np.nextafter(cosang, 2.0), cosang)
    wrong = np.where(off, table + 1.0, table)
    monkeypatch.setattr(splines, "_pair_table", lambda: (nudged, wrong))
    for source, to in _subsets(2, 10):
        got, expected = splines._g_between(to, source), _direct(to, source)
        assert np.array_equal(got.view(np.uint64), expected.view(np.uint64))


def test_the_shared_system_inverse_cannot_be_changed_by_its_users():
    inverse = splines._system_inverse(tuple(range(10)))
    with pytest.raises(ValueError, match="read-only"):
        inverse[0, 0] = 0.0
