"""The signal checks' medians: numpy's, exactly, but faster."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eegstream.quality.monitor import _median_and_spread, nanmedian_columns


@pytest.mark.parametrize("rows", [1, 2, 7, 8, 60, 301])
def test_nanmedian_columns_is_numpys_nanmedian_bit_for_bit(rows):
    rng = np.random.default_rng(rows)
    a = rng.standard_normal((rows, 62)) * 10 ** rng.uniform(-3, 3, 62)
    a[rng.random(a.shape) < 0.3] = np.nan  # the history's unusable segments
    a[:, 5] = np.nan  # a channel never usable
    a[: rows // 2, 9] = np.nan  # one usable only lately
    a[:, 11] = 3.0  # ties
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column
        expected = np.nanmedian(a, axis=0)
    got = nanmedian_columns(a)
    np.testing.assert_array_equal(got, expected)  # NaN where numpy gives NaN


@pytest.mark.parametrize("size", [1, 2, 3, 8, 61, 3720])
def test_pooled_median_and_spread_are_numpys_bit_for_bit(size):
    rng = np.random.default_rng(size)
    for values in (
        rng.standard_normal(size) * 10 ** rng.uniform(-3, 3),
        np.round(rng.standard_normal(size), 1),  # ties
        np.where(np.arange(size) <= size // 2, np.inf, 1.0),  # median infinite
    ):
        median = float(np.median(values))
        with np.errstate(invalid="ignore"):
            spread = 1.4826 * float(np.median(np.abs(values - median)))
        got = _median_and_spread(values)
        np.testing.assert_array_equal(got, (median, spread))  # NaN where numpy's
    assert np.isnan(_median_and_spread(np.empty(0))).all()
