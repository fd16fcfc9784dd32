"""From segment verdicts to steps: which segments a window covers, offline flags.

The live chain (:class:`~eegstream.pipeline.LiveChain`) judges one segment
per feature hop and gives each step the artifacts of the segments its window
covers (:func:`covered_segments`, :func:`covered_flags`).
:func:`window_quality` runs the same :class:`QualityMonitor` over a whole
recording at the model's rate and decides every DE window the same way, so
training can leave out what the live chain would flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .monitor import QualityMonitor, SegmentVerdict
from .record import ARTIFACT_KINDS
from .settings import QualitySettings

#: Fewest good channels a chain interpolates bad ones from (else keeps its plan).
MIN_GOOD_CHANNELS = 4


def segment_samples(hop: int, model_sfreq: float, sfreq: float) -> int:
    """Return the stream samples per judged segment: one feature hop, at least 8.

    Parameters
    ----------
    hop : int
        The feature hop in samples at ``model_sfreq`` (Hz).
    model_sfreq, sfreq : float
        The model's and the stream's rates (Hz).
    """
    return max(8, round(hop / model_sfreq * sfreq))


def covered_segments(newest_input: int, span: float, segment: int) -> tuple[int, int]:
    """First and last index of the judged segments a step's window covers.

    Parameters
    ----------
    newest_input : int
        Index (stream samples since the last reset) of the window's newest input.
    span : float
        The window's length in stream samples.
    segment : int
        Samples per segment.

    Returns
    -------
    first, last : int
        Segments that overlap the window and were complete when its newest
        input arrived (``last < first`` when none was).
    """
    last = (newest_input + 1) // segment - 1
    first = int(np.floor((newest_input + 1 - span) / segment))
    return first, last


def covered_flags(
    verdicts: Iterable[SegmentVerdict], first: int, last: int
) -> np.ndarray | None:
    """Artifacts of each kind per channel over segments ``first`` to ``last``.

    Returns
    -------
    array of bool, shape (len(ARTIFACT_KINDS), n_channels) | None
        Any covered verdict's flags; None when no verdict is covered.
    """
    covering = [v.flags for v in verdicts if first <= v.index <= last]
    return np.logical_or.reduce(covering) if covering else None


@dataclass(frozen=True)
class WindowQuality:
    """What the signal checks say about each DE window of a recording.

    Attributes
    ----------
    kinds : array of uint8, shape (n_windows,)
        Bit ``i`` set: an artifact of ``ARTIFACT_KINDS[i]`` in the window.
    n_bad : array of int16, shape (n_windows,)
        Channels marked bad (interpolated) when the window's step is computed.
    n_missing : int
        Channels the recording lacks (interpolated throughout).
    """

    kinds: np.ndarray
    n_bad: np.ndarray
    n_missing: int = 0

    def flagged(self, max_missing_channels: int) -> np.ndarray:
        """Windows a live step would not call clean, shape (n_windows,), bool.

        Flagged: an artifact, or more channels missing or bad than the model
        may interpolate (the step is unreliable).
        """
        out = self.n_missing + self.n_bad > max_missing_channels
        return (self.kinds != 0) | out

    def n_kind(self, kind: str) -> int:
        """Windows with an artifact of ``kind``."""
        return int((self.kinds >> ARTIFACT_KINDS.index(kind) & 1).sum())


def window_quality(
    eeg: np.ndarray,
    channels: Sequence[str],
    sfreq: float,
    window: int,
    hop: int,
    settings: QualitySettings | None = None,
) -> WindowQuality:
    """Judge a recording as the live chain does and decide each DE window.

    The recording is one contiguous stream at the model's rate, as a new
    wearer's (a fresh :class:`QualityMonitor`). Window ``i`` covers samples
    ``[i * hop, i * hop + window)``, as :func:`eegstream.features.compute_de`
    numbers them; like the live step that ends with it, it carries the
    artifacts of every segment it covers and the channels marked bad before
    the segment its last sample belongs to.

    Parameters
    ----------
    eeg : array of float, shape (n_channels, n_samples)
        µV at ``sfreq`` Hz; NaN samples make a channel's segment unjudged.
    channels : sequence of str
        SEED names of the rows.
    sfreq : float
        Rate in Hz (the model's: window and hop are counted in its samples).
    window, hop : int
        DE window and hop in samples.
    settings : QualitySettings | None
        The checks' settings (defaults when None).

    Returns
    -------
    WindowQuality
    """
    eeg = np.asarray(eeg, dtype=np.float64)
    segment = segment_samples(hop, sfreq, sfreq)
    monitor = QualityMonitor(channels, sfreq, segment, settings)
    n = eeg.shape[1]
    verdicts: list[SegmentVerdict] = []
    n_bad_before: list[int] = []  # per segment: channels interpolated before it
    active = 0
    for start in range(0, n - segment + 1, segment):
        n_bad_before.append(active)
        verdict = monitor.push(eeg[:, start : start + segment])
        assert verdict is not None, "sanity check: a whole segment was pushed"
        verdicts.append(verdict)
        marked = int(verdict.marked.sum())
        if verdict.changed.any() and len(channels) - marked >= MIN_GOOD_CHANNELS:
            active = marked
    count = 0 if n < window else (n - window) // hop + 1
    kinds = np.zeros(count, dtype=np.uint8)
    n_bad = np.zeros(count, dtype=np.int16)
    bits = (1 << np.arange(len(ARTIFACT_KINDS))).astype(np.uint8)
    for i in range(count):
        end = i * hop + window
        first, last = covered_segments(end - 1, window, segment)
        seen = covered_flags(verdicts[max(first, 0) : last + 1], first, last)
        if seen is not None:
            kinds[i] = bits[seen.any(axis=1)].sum()
        piece = (end - 1) // segment
        n_bad[i] = n_bad_before[piece] if piece < len(n_bad_before) else active
    return WindowQuality(kinds, n_bad)
