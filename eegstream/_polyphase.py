"""The anti-aliasing FIR of rational-factor resampling, one design for every path.

The live resampler (:class:`eegstream.pipeline.StreamingResampler`) applies it
causally, the offline readers (:func:`eegstream.files.reading.load_recording`)
through ``scipy.signal.resample_poly``. Kept apart from :mod:`eegstream.pipeline`
so that reading a file does not import the live pipeline (torch, LSL).
"""

from __future__ import annotations

import numpy as np


def design_filter(up: int, down: int) -> np.ndarray:
    """Design the anti-aliasing FIR, each polyphase branch with DC gain exactly 1.

    The FIR of ``resample_poly`` (Kaiser-windowed sinc, beta 5, cutoff at
    ``1 / max(up, down)`` of the upsampled Nyquist frequency), with each
    branch ``h[p::up]`` (the taps that make every ``up``-th output) scaled so
    that its taps sum to 1: a constant input, such as a DC-coupled
    amplifier's offset, comes out constant to float precision (see
    :mod:`eegstream.pipeline.resample`).

    Parameters
    ----------
    up, down : int
        The rational factors (output rate / input rate = up / down).

    Returns
    -------
    array of float64, shape (2 x 10 x max(up, down) + 1,)
        The taps; they sum to ``up`` (gain ``up``, as zero-stuffing needs).
    """
    from scipy.signal import firwin  # seconds to import; the CLI parses without it

    max_rate = max(up, down)
    half_len = 10 * max_rate
    h = firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0))
    branches = np.zeros(-(-len(h) // up) * up)
    branches[: len(h)] = h
    gains = branches.reshape(-1, up).sum(axis=0)  # gains[p] == h[p::up].sum()
    return h / np.resize(gains, len(h))
