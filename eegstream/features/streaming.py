"""Streaming DE extractor: chunks of any size in, one DE row per hop out."""

from __future__ import annotations

import numpy as np

from .._errors import EEGStreamError
from .asr_stage import ASRStage
from .conditioning import StreamingConditioner
from .config import FeatureConfig
from .de import _de_in_blocks


class StreamingDE:
    """Emit the DE of every complete window as samples arrive.

    Window ``i`` covers samples ``[i * hop, i * hop + window)`` counted from
    the first sample pushed since the last :meth:`reset`, exactly as
    :func:`~eegstream.features.de.compute_de` numbers them, and its row is
    bit-identical to that function's row ``i`` whatever the chunking (with
    ``condition=True``: to ``compute_de(condition(eeg, cfg), cfg)``).

    Parameters
    ----------
    cfg : FeatureConfig
        Feature settings.
    n_channels : int
        Channels per sample (62 for SEED order).
    condition : bool
        Filter the samples as ``cfg.conditioning`` says before the DE
        (:class:`~eegstream.features.conditioning.StreamingConditioner`).
        They are filtered in place in the buffer, once per completed window
        rather than once per push: on one core of the loaded 2-core test
        machine, an hour of 62 channels took 2.5 s of filtering in 10-sample
        calls and 0.3-0.5 s in 200-sample ones. With ``cfg.asr`` set, the
        filtered samples then go through
        :class:`~eegstream.features.asr_stage.ASRStage` (to
        ``compute_de(asr_clean(condition(eeg, cfg), cfg), cfg)``).
    background_fit : bool
        Fit ASR in a child process (live); the rows are the same.

    Attributes
    ----------
    asr : ASRStage | None
        The ASR stage, when ``condition`` and ``cfg.asr`` are set.
    """

    def __init__(
        self,
        cfg: FeatureConfig,
        n_channels: int,
        condition: bool = False,
        background_fit: bool = False,
    ) -> None:
        self.cfg = cfg
        self.n_channels = int(n_channels)
        self.conditioner = (
            StreamingConditioner(cfg, n_channels)
            if condition and cfg.conditioning is not None
            else None
        )
        self.asr = (
            ASRStage(cfg, self.n_channels, background=background_fit)
            if self.conditioner is not None and cfg.asr is not None
            else None
        )
        self._window, self._hop = cfg.window, cfg.hop
        self._no_rows = np.empty((0, self.n_channels, len(cfg.bands)))
        self._no_ends = np.empty(0, dtype=int)
        for empty in (self._no_rows, self._no_ends):
            empty.setflags(write=False)
        self.reset()

    def reset(self) -> None:
        """Drop buffered samples; the next sample pushed is sample 0 again."""
        # Samples live in a preallocated buffer and a push copies only its own
        # samples: concatenating the buffer on every 10-sample push cost as
        # much as the DE itself at live settings.
        self._buf = np.empty((self.n_channels, 2 * self._window + self._hop))
        self._fill = 0  # valid samples in _buf
        self._buf_start = 0  # absolute index of _buf[:, 0]
        self._next_window = 0
        self._filtered = 0  # absolute index of the first sample not yet filtered
        self._cleaned = 0  # ... not yet out of the ASR stage (blocks wait there)
        if self.conditioner is not None:
            self.conditioner.reset()
        if self.asr is not None:
            self.asr.reset()

    @property
    def n_samples(self) -> int:
        """Samples pushed since the last reset."""
        return self._buf_start + self._fill

    def push(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add samples and compute the windows they complete.

        Parameters
        ----------
        chunk : array of float, shape (n_channels, n_new)
            New EEG samples in microvolts, oldest first.

        Returns
        -------
        rows : array of float64, shape (n_done, n_channels, n_bands)
            DE of each window completed by this chunk, oldest first.
        ends : array of int, shape (n_done,)
            For each row, the index (since reset) one past its last sample.
        """
        chunk = np.asarray(chunk, dtype=np.float64)
        if chunk.ndim != 2 or chunk.shape[0] != self.n_channels:
            raise EEGStreamError(
                f"chunk must have shape ({self.n_channels}, n_samples), "
                f"got {chunk.shape}"
            )
        n_new = chunk.shape[1]
        if self._fill + n_new > self._buf.shape[1]:
            self._compact(n_new)
        self._buf[:, self._fill : self._fill + n_new] = chunk
        self._fill += n_new
        window, hop = self._window, self._hop
        total = self._buf_start + self._fill
        if total < self._next_window * hop + window:
            return self._no_rows, self._no_ends
        if self.conditioner is not None:
            todo = self._buf[:, self._filtered - self._buf_start : self._fill]
            todo[:] = self.conditioner.push(todo)
            self._filtered = total
            if self.asr is not None:
                cleaned = self.asr.push(todo)
                at = self._cleaned - self._buf_start
                self._buf[:, at : at + cleaned.shape[1]] = cleaned
                self._cleaned += cleaned.shape[1]
                total = self._cleaned  # windows end on hops, blocks divide hops
        last = (total - window) // hop
        count = last + 1 - self._next_window
        if count < 1:
            return self._no_rows, self._no_ends
        first = self._next_window * hop - self._buf_start
        if count == 1:  # the live case; sliding_window_view alone costs 10-15 µs
            windows = self._buf[None, :, first : first + window]
        else:
            # Basic slicing (no copy): windows start every hop samples from `first`.
            views = np.lib.stride_tricks.sliding_window_view(
                self._buf[:, : self._fill], window, axis=1
            )
            windows = views[:, first : first + (count - 1) * hop + 1 : hop].transpose(
                1, 0, 2
            )
        rows = _de_in_blocks(windows, self.cfg)
        ends = (np.arange(self._next_window, last + 1) * hop) + window
        self._next_window = last + 1
        return rows, ends

    def _compact(self, n_new: int) -> None:
        """Drop samples no window needs any more; grow the buffer if still short."""
        # Samples not yet filtered stay too: the filter must see every sample.
        keep_from = min(
            self._next_window * self._hop,
            self._buf_start + self._fill,
            self._filtered
            if self.conditioner is not None
            else self._buf_start + self._fill,
            self._cleaned if self.asr is not None else self._buf_start + self._fill,
        )
        drop = keep_from - self._buf_start
        kept = self._fill - drop
        size = max(self._buf.shape[1], kept + n_new)
        buf = (
            self._buf
            if size == self._buf.shape[1]
            else np.empty((self.n_channels, size))
        )
        buf[:, :kept] = self._buf[:, drop : self._fill]
        self._buf, self._fill, self._buf_start = buf, kept, keep_from
