"""A recording through the live chain, offline: :func:`run_recording`.

The recording is pushed as a stream would send it (its own channels,
:func:`~eegstream.pipeline.channels.recording_rows`), in blocks, through
:meth:`LiveChain.push_array <eegstream.pipeline.LiveChain.push_array>`: the
very path the live pipeline runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._errors import EEGStreamError
from .chain import LiveChain
from .channels import recording_rows
from .results import StepResult

if TYPE_CHECKING:
    from ..files.reading import Recording


def run_recording(
    chain: LiveChain, recording: Recording, *, chunk: int = 10, start: float = 0.0
) -> list[StepResult]:
    """Stream a recording through a chain, ``chunk`` samples at a time.

    Parameters
    ----------
    chain : LiveChain
        Made for this recording's channels and rate
        (:meth:`LiveChain.from_recording`); its state carries on (call
        :meth:`LiveChain.reset` first for a new segment).
    recording : Recording
        EEG in µV at any rate, any channel naming.
    chunk : int
        Samples per block, like an amplifier's (the results do not depend on it).
    start : float
        Timestamp of the first sample, in seconds.

    Returns
    -------
    list of StepResult
        Stamped in seconds (``start`` + sample index / rate); ``latency_s`` NaN.

    Examples
    --------
    A file at its own rate and channel names, through the live chain::

        recording = load_recording("S001R02.edf", sfreq=None, seed_order=False)
        chain = LiveChain.from_recording("demo-seed-iv", recording)
        results = run_recording(chain, recording)
        probabilities = np.stack([r.probabilities for r in results])
    """
    if abs(recording.sfreq - chain.sfreq) > 1e-9 * chain.sfreq:
        raise EEGStreamError(
            f"the chain expects {chain.sfreq:g} Hz, the recording is at "
            f"{recording.sfreq:g} Hz; build it with LiveChain.from_recording"
        )
    _, data = recording_rows(recording)
    times = start + np.arange(data.shape[1]) / recording.sfreq
    return chain.push_array(data, times, chunk=chunk)
