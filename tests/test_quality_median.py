"""The signal checks' column median: numpy's nanmedian, exactly, but faster."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eegstream.quality.monitor import nanmedian_columns


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
