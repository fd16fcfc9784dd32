"""Helpers of the streaming-equals-batch tests: chunk schedules and their strategies."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from hypothesis import strategies as st

#: Hypothesis arguments of a windowing case, in samples: a window, a hop (it
#: may exceed the window or not divide it), a recording length (0 included)
#: and the chunk sizes pushed in turn (0 included, not all 0).
WINDOWING = {
    "window": st.integers(32, 96),
    "hop": st.integers(1, 120),
    "n_samples": st.integers(0, 500),
    "sizes": st.lists(st.integers(0, 90), min_size=1, max_size=8).filter(any),
}


def chunks(x: np.ndarray, sizes: Sequence[int]) -> Iterator[np.ndarray]:
    """Yield consecutive column blocks of ``x`` (C, N), sized by cycling ``sizes``."""
    pos, i = 0, 0
    while pos < x.shape[1]:
        n = sizes[i % len(sizes)]
        yield x[:, pos : pos + n]
        pos, i = pos + n, i + 1
