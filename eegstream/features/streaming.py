"""Streaming DE extractor: chunks of any size in, one DE row per hop out."""

from __future__ import annotations

import numpy as np

from .._errors import EEGStreamError
from .config import FeatureConfig
from .de import de_of_windows


class StreamingDE:
    """Emit the DE of every complete window as samples arrive.

    Window ``i`` covers samples ``[i * hop, i * hop + window)`` counted from
    the first sample pushed since the last :meth:`reset`, exactly as
    :func:`~eegstream.features.de.compute_de` numbers them, and its row is
    bit-identical to that function's row ``i`` whatever the chunking.

    Parameters
    ----------
    cfg : FeatureConfig
        Feature settings.
    n_channels : int
        Channels per sample (62 for SEED order).
    """

    def __init__(self, cfg: FeatureConfig, n_channels: int) -> None:
        self.cfg = cfg
        self.n_channels = int(n_channels)
        self.reset()

    def reset(self) -> None:
        """Drop buffered samples; the next sample pushed is sample 0 again."""
        self._tail = np.empty((self.n_channels, 0))
        self._tail_start = 0  # absolute index of the first sample in _tail
        self._next_window = 0

    @property
    def n_samples(self) -> int:
        """Samples pushed since the last reset."""
        return self._tail_start + self._tail.shape[1]

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
                f"chunk must have shape ({self.n_channels}, n_samples), got {chunk.shape}"
            )
        cfg = self.cfg
        buf = np.concatenate([self._tail, chunk], axis=1)
        total = self._tail_start + buf.shape[1]
        last = (total - cfg.window) // cfg.hop if total >= cfg.window else -1
        starts = np.arange(self._next_window, last + 1) * cfg.hop
        if starts.size:
            views = np.lib.stride_tricks.sliding_window_view(buf, cfg.window, axis=1)
            windows = views[:, starts - self._tail_start].transpose(1, 0, 2)
            rows = de_of_windows(windows, cfg)
            self._next_window = last + 1
        else:
            rows = np.empty((0, self.n_channels, len(cfg.bands)))
        # Keep only what the next window still needs.
        keep_from = min(self._next_window * cfg.hop, total)
        self._tail = buf[:, keep_from - self._tail_start :].copy()
        self._tail_start = keep_from
        return rows, starts + cfg.window
