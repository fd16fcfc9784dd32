"""Causal rational-factor resampling of a stream, chunk by chunk, with carried state.

``scipy.signal.resample_poly`` filters with a zero-phase (centred) FIR and
looks ahead; a live stream cannot. This resampler applies the same kind of
anti-aliasing FIR (Kaiser-windowed sinc, 2 x 10 x max(up, down) + 1 taps, as
``resample_poly`` designs it) causally: output sample ``m`` equals
``scipy.signal.upfirdn(h, x, up, down)[m]`` and uses inputs up to
``floor(m * down / up)`` only. The last ``ceil(len(h) / up) - 1`` inputs are
carried between chunks, so any chunking gives the same output. The price is
a constant delay of ``(len(h) - 1) / 2`` samples at ``up`` x the input rate
(50-63 ms for 160-1000 Hz to 200 Hz).

DC offsets. Each output sample is made by one polyphase branch of the FIR
(the taps ``h[p::up]``). In ``resample_poly``'s design the branches' DC gains
differ by up to 1e-3 (0.99966 to 1.00065 for 160 -> 200 Hz), so a constant
input comes out modulated at the branch pattern's period: a 30 mV offset of
a DC-coupled amplifier left a 14.5 µV tone at 40 Hz (and 5 µV at 80 Hz) in
the resampled EEG, inside the gamma band, before any high-pass could remove
the offset. :func:`design_filter` therefore scales each branch so its taps
sum to 1: a constant comes out constant to float precision, at any rate and
any offset. Mirror branches have equal gains, so the FIR stays symmetric
(linear phase, the same delay). This changes the filter's gain
below 50 Hz by less than 3e-6 dB and its stopband peak by under 1.4 dB
(-58 to -64 dB), and puts exact zeros at the DC images (``k`` x the input
rate, -72 to -91 dB before). Removing the offset before resampling instead
would need a running estimate of it (a high-pass with its own delay and
start-up transient) and would still pass the changes of a drifting offset
through the unequal branches; the
filter-side fix has no state, no delay and leaves the causal, chunk-invariant
output as it was. The offline path (:func:`eegstream.files.reading.load_recording`)
resamples with the same filter (:func:`~eegstream._polyphase.design_filter`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .._errors import EEGStreamError
from .._polyphase import design_filter

# Largest up/down factor accepted (256 Hz -> 200 Hz is 25/32; 2048 Hz is 25/256).
_MAX_FACTOR = 320


def rational_factors(sfreq_in: float, sfreq_out: float) -> tuple[int, int]:
    """Smallest ``(up, down)`` with ``sfreq_in * up / down == sfreq_out``.

    Raises
    ------
    EEGStreamError
        When the two rates have no such ratio with factors up to 320.
    """
    ratio = Fraction(sfreq_out / sfreq_in).limit_denominator(_MAX_FACTOR)
    up, down = ratio.numerator, ratio.denominator
    if up > _MAX_FACTOR or abs(sfreq_in * up / down - sfreq_out) > 1e-6 * sfreq_out:
        raise EEGStreamError(
            f"cannot resample {sfreq_in:g} Hz to {sfreq_out:g} Hz by a small rational "
            "factor; the stream's nominal rate should be a standard one such as 128, "
            "160, 250, 256, 500, 512 or 1000 Hz"
        )
    return up, down


class StreamingResampler:
    """Resample ``(n_channels, n)`` chunks from ``sfreq_in`` to ``sfreq_out`` causally.

    Parameters
    ----------
    sfreq_in, sfreq_out : float
        Input and output rates in Hz. Equal rates pass chunks through.
    n_channels : int
        Channels per chunk.

    Attributes
    ----------
    n_in, n_out : int
        Input samples pushed and output samples produced since the last
        :meth:`reset`.
    up, down : int
        The rational factors (``sfreq_out / sfreq_in == up / down``).
    delay_s : float
        The filter's constant delay in seconds.

    Notes
    -----
    Before the first sample, the input is taken to have been constant at the
    first sample's value (not zero), so a DC offset of thousands of µV does
    not ring through the first window, whatever the chunking. Non-finite inputs give
    non-finite outputs for as long as they stay in the filter's memory
    (``taps_per_phase`` input samples), never longer.
    """

    def __init__(self, sfreq_in: float, sfreq_out: float, n_channels: int) -> None:
        self.sfreq_in = float(sfreq_in)
        self.sfreq_out = float(sfreq_out)
        self.n_channels = int(n_channels)
        self.up, self.down = rational_factors(self.sfreq_in, self.sfreq_out)
        self.identity = self.up == self.down == 1
        if self.identity:
            self.taps_per_phase = 1
            self.delay_s = 0.0
        else:
            h = design_filter(self.up, self.down)
            self.taps_per_phase = -(-len(h) // self.up)
            padded = np.zeros(self.taps_per_phase * self.up)
            padded[: len(h)] = h
            # _taps[p, j] = h[p + j * up], reversed along j for oldest-first windows.
            self._taps = padded.reshape(self.taps_per_phase, self.up).T[:, ::-1].copy()
            self.delay_s = (len(h) - 1) / 2 / (self.up * self.sfreq_in)
        self.reset()

    def reset(self) -> None:
        """Forget the carried inputs; the next chunk starts a new segment."""
        self._history: np.ndarray | None = None  # last taps_per_phase - 1 inputs
        self.n_in = 0  # inputs pushed since reset
        self.n_out = 0  # outputs produced since reset

    def last_input(self, out_index: int | np.ndarray) -> int | np.ndarray:
        """Return the index (since reset) of output ``out_index``'s newest input."""
        return out_index * self.down // self.up

    def push_stamped(
        self, chunk: np.ndarray, stamps: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Resample the next chunk and carry its per-sample stamps through.

        Each output sample takes the stamps of its newest input (the sample
        whose arrival made it computable): with LSL timestamps, a result
        computed from outputs is stamped like the input that completed it.

        Parameters
        ----------
        chunk : array of float, shape (n_channels, n_in)
            Input samples, oldest first.
        stamps : array of float, shape (n_in,) or (n_rows, n_in)
            One or more rows of per-sample values (e.g. LSL timestamps and
            arrival times, in seconds).

        Returns
        -------
        data : array of float64, shape (n_channels, n_out)
            As :meth:`push`.
        stamps : array of float64, shape (n_out,) or (n_rows, n_out)
            The stamps of each output's newest input.
        """
        stamps = np.asarray(stamps, dtype=np.float64)
        if stamps.shape[-1:] != np.shape(chunk)[-1:]:
            raise EEGStreamError(
                f"stamps must have one value per sample ({np.shape(chunk)[-1]}), "
                f"got shape {stamps.shape}"
            )
        first_in, first_out = self.n_in, self.n_out
        y = self.push(chunk)
        # An output's newest input always lies in the chunk that completed it.
        newest = self.last_input(np.arange(first_out, self.n_out)) - first_in
        return y, stamps[..., newest]

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Resample the next chunk.

        Parameters
        ----------
        chunk : array of float, shape (n_channels, n_in)
            Input samples, oldest first.

        Returns
        -------
        array of float64, shape (n_channels, n_out)
            Every output sample whose inputs are now all known.
        """
        x = np.asarray(chunk, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise EEGStreamError(
                f"chunk must have shape ({self.n_channels}, n_samples), got {x.shape}"
            )
        if self.identity:
            self.n_in += x.shape[1]
            self.n_out += x.shape[1]
            return x
        if x.shape[1] == 0:
            return np.empty((self.n_channels, 0))
        if self._history is None:
            seed = np.nan_to_num(x[:, 0], nan=0.0, posinf=0.0, neginf=0.0)
            self._history = np.repeat(seed[:, None], self.taps_per_phase - 1, axis=1)
        ext = np.concatenate([self._history, x], axis=1)
        ext_first = self.n_in - (self.taps_per_phase - 1)  # input index of ext[:, 0]
        self.n_in += x.shape[1]
        # Outputs m whose newest input floor(m * down / up) has arrived.
        stop = -(-self.n_in * self.up // self.down)
        m = np.arange(self.n_out, stop)
        if m.size:
            newest = m * self.down // self.up
            phase = m * self.down - newest * self.up
            windows = np.lib.stride_tricks.sliding_window_view(
                ext, self.taps_per_phase, axis=1
            )[:, newest - self.taps_per_phase + 1 - ext_first]
            y = np.einsum("cmj,mj->cm", windows, self._taps[phase])
        else:
            y = np.empty((self.n_channels, 0))
        self.n_out = stop
        self._history = ext[:, ext.shape[1] - (self.taps_per_phase - 1) :].copy()
        return y
