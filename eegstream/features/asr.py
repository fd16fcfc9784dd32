"""Artifact Subspace Reconstruction (ASR), chunk by chunk, offline and live.

ASR [1]_ learns, from a calibration stretch of clean EEG, how much variance
each spatial component normally carries; afterwards, a component of the
incoming EEG whose variance exceeds ``cutoff`` standard deviations of that
calibration distribution is treated as an artifact (a blink, a jaw clench, a
head movement) and reconstructed from the other components (which cutoffs
keep brain activity was measured in [2]_). The algorithm
is meegkit's :class:`meegkit.asr.ASR` (BSD-3, 0.2.0 or later: the release
with the 2026 fixes for chunks of unequal size, a real matrix square root
and MATLAB rounding; ``pip install 'eegstream[asr]'``); why meegkit, and
not asrpy or eegprep, is in ``docs/internals.md``.

meegkit updates its reconstruction once per call, from the covariance of the
samples of that call, so its output depends on how a stream is cut into
chunks. :class:`StreamingASR` therefore feeds it fixed blocks of
``block_seconds``, counted from the first sample since :meth:`~StreamingASR.fit`
or :meth:`~StreamingASR.reset`, whatever the chunks pushed: the output is
bit-identical for any chunking, and :meth:`~StreamingASR.clean`, the offline
path, is the same :meth:`~StreamingASR.push` over the whole recording. The
price is a delay: a sample comes out when its block is complete, 0 to
``block - 1`` samples after it went in (a block's reconstruction uses the
covariance of the whole block). With blocks that divide the feature hop
(0.5 s into 1 s), every block a window needs is complete when the window is.

References
----------
.. [1] Kothe, C. A. E., & Jung, T. P. (2016). Artifact removal techniques with
   signal reconstruction. US Patent Application 14/895,440.
.. [2] Chang, C.-Y., Hsu, S.-H., Pion-Tonachini, L., & Jung, T.-P. (2020).
   Evaluation of Artifact Subspace Reconstruction for automatic artifact
   components removal in multi-channel EEG recordings. IEEE Transactions on
   Biomedical Engineering, 67(4), 1114-1121.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from .._errors import EEGStreamError
from .config import ASRSettings
from .de import as_eeg_array

INSTALL_HINT = "pip install 'eegstream[asr]'"


class ASRFit(NamedTuple):
    """What :meth:`StreamingASR.fit` found in its calibration EEG.

    Attributes
    ----------
    total_seconds : float
        Length of the calibration EEG given, in seconds.
    clean_seconds : float
        How much of it was judged clean and used, in seconds.
    clean_mask : array of bool, shape (n_samples,)
        Which samples were used.
    """

    total_seconds: float
    clean_seconds: float
    clean_mask: np.ndarray


def _meegkit_asr() -> Any:
    """Import :mod:`meegkit.asr`, or say in one line how to install it."""
    try:
        from meegkit import asr
    except ImportError:
        raise EEGStreamError(
            f"artifact subspace reconstruction (--asr) needs meegkit: {INSTALL_HINT}"
        ) from None
    return asr


@contextlib.contextmanager
def _root_logger_left_alone() -> Iterator[None]:
    """Keep meegkit's ``logging.debug`` calls from configuring the root logger.

    A module-level ``logging.debug`` with no root handler calls
    ``logging.basicConfig``, after which every eegstream warning was printed
    twice (once more by the root's new stderr handler).
    """
    root = logging.getLogger()
    if root.handlers:
        yield
        return
    guard = logging.NullHandler()
    root.addHandler(guard)
    try:
        yield
    finally:
        root.removeHandler(guard)


class StreamingASR:
    """Fit ASR on clean EEG, then clean a stream chunk by chunk.

    Parameters
    ----------
    sfreq : float
        Sampling rate of the EEG in Hz (any rate; the chain's is 200 Hz).
    n_channels : int
        Channels per sample. A row must carry EEG: interpolate or drop
        missing channels (NaN rows) first.
    settings : ASRSettings | None
        ``None`` takes the defaults.
    blas_threads : int | None
        BLAS threads for each block (1, the default: see Notes); ``None``
        leaves the process's setting.

    Notes
    -----
    The EEG must be zero-mean (high-passed, as the chain's conditioning
    does) and in microvolts. Importing meegkit takes seconds (it loads
    scikit-learn, statsmodels and pyRiemann): it happens here, never on a
    step. Each block runs with one BLAS thread: on the shared 2-core test
    machine (three runs, load average 4.7-6.0), a 1 s hop of 62 channels at
    200 Hz took 1.7-3.3 ms on average and at most 9.8-17.3 ms with one; with
    OpenBLAS's two, 3.3-10.3 ms and at most 72-370 ms
    (``benchmarks/bench_asr.py``, ``docs/asr.md``).

    Examples
    --------
    >>> asr = StreamingASR(sfreq=200.0, n_channels=62)  # doctest: +SKIP
    >>> asr.fit(lead_in)  # doctest: +SKIP
    >>> cleaned = asr.push(chunk)  # doctest: +SKIP
    """

    def __init__(
        self,
        sfreq: float,
        n_channels: int,
        settings: ASRSettings | None = None,
        blas_threads: int | None = 1,
    ) -> None:
        from threadpoolctl import ThreadpoolController

        self._asr_module = _meegkit_asr()
        if isinstance(sfreq, bool) or not (
            isinstance(sfreq, int | float) and 0 < sfreq < np.inf
        ):
            raise EEGStreamError(f"ASR sfreq must be a rate > 0 Hz, got {sfreq!r}")
        self.sfreq = float(sfreq)
        self.n_channels = int(n_channels)
        self.settings = settings if settings is not None else ASRSettings()
        self.block = max(int(round(self.settings.block_seconds * self.sfreq)), 1)
        self._threads = ThreadpoolController()
        self._blas_threads = blas_threads
        self._asr: Any = None
        #: What the last successful :meth:`fit` found, or ``None``.
        self.calibration: ASRFit | None = None
        self._buf = np.empty((self.n_channels, self.block))
        self._fill = 0

    @property
    def fitted(self) -> bool:
        """Whether :meth:`fit` has succeeded."""
        return self._asr is not None

    @property
    def pending(self) -> int:
        """Samples pushed that wait for their block to complete."""
        return self._fill

    def _check(self, eeg: np.ndarray, what: str) -> np.ndarray:
        x = as_eeg_array(eeg)
        if x.shape[0] != self.n_channels:
            raise EEGStreamError(
                f"ASR {what} must have shape ({self.n_channels}, n_samples), got "
                f"{x.shape}"
            )
        return x

    def fit(self, eeg: np.ndarray) -> ASRFit:
        """Calibrate on the clean part of ``eeg``; forget any stream state.

        The clean part is found as clean_rawdata and meegkit do: windows of
        ``window_seconds`` where more than ``max_bad_channels`` of the
        channels have a power outside -3.5 to 5 robust z-scores of their own
        distribution are left out.

        Parameters
        ----------
        eeg : array of float, shape (n_channels, n_samples)
            Zero-mean (high-passed) EEG in microvolts at ``sfreq``: a
            session's first minute, a calibration recording, or a wearer's
            stored data.

        Returns
        -------
        ASRFit
            How much EEG was given and how much of it was clean.

        Raises
        ------
        EEGStreamError
            When ``eeg`` holds non-finite samples, carries an offset (not
            high-passed), or has fewer clean seconds than
            ``min_clean_seconds``; the message says how many it found.
        """
        x = self._check(eeg, "calibration EEG")
        total = x.shape[1] / self.sfreq
        need = self.settings.min_clean_seconds
        bad_rows = np.flatnonzero(~np.isfinite(x).all(axis=1))
        if bad_rows.size:
            raise EEGStreamError(
                f"ASR calibration EEG has non-finite samples on {bad_rows.size} "
                f"channel(s) (rows {bad_rows[:5].tolist()}); interpolate or drop "
                "them before fitting"
            )
        self._check_zero_mean(x)
        if total < need:
            raise EEGStreamError(
                f"ASR calibration found {total:.1f} s of EEG, needs at least "
                f"{need:g} s of clean EEG ({{min_clean_seconds}}); record a longer "
                "calibration or lead-in",
                param="min_clean_seconds",
            )
        s = self.settings
        asr = self._asr_module.ASR(
            sfreq=self.sfreq,
            cutoff=s.cutoff,
            win_len=s.window_seconds,
            max_bad_chans=s.max_bad_channels,
            memory=int(round(s.memory_seconds * self.sfreq)),
            method="euclid",  # "riemann" needs pymanopt and is marked TODO upstream
            estimator="scm",
        )
        try:
            with (
                self._threads.limit(limits=self._blas_threads, user_api="blas"),
                _root_logger_left_alone(),
            ):
                _, mask = asr.fit(x)
        except (ValueError, np.linalg.LinAlgError) as err:
            raise EEGStreamError(
                f"ASR calibration failed on {total:.1f} s of EEG: {err}"
            ) from None
        mask = np.asarray(mask, dtype=bool).reshape(-1)
        found = mask.sum() / self.sfreq
        if found < need:
            raise EEGStreamError(
                f"ASR calibration found {found:.1f} s of clean EEG in {total:.1f} s, "
                f"needs {need:g} s ({{min_clean_seconds}}); record a longer or "
                "quieter calibration (sit still, relax the jaw)",
                param="min_clean_seconds",
            )
        self._asr = asr
        self.calibration = ASRFit(total, float(found), mask)
        self.reset()
        return self.calibration

    @staticmethod
    def _check_zero_mean(x: np.ndarray) -> None:
        """Refuse EEG whose offset dwarfs its spread: ASR's statistics need none."""
        median = np.median(x, axis=1)
        spread = 1.4826 * np.median(np.abs(x - median[:, None]), axis=1)
        # High-passed EEG has |median| well under its spread; a DC-coupled
        # amplifier's offset (tens of mV) is thousands of times it.
        offset = np.abs(median) > 3 * np.maximum(spread, 1e-6)
        if offset.any():
            row = int(np.flatnonzero(offset)[0])
            raise EEGStreamError(
                f"ASR calibration EEG must be zero-mean (high-passed): row {row} "
                f"has an offset of {median[row]:.4g} µV against a spread of "
                f"{spread[row]:.3g} µV; condition it first (a 0.5 Hz high-pass)"
            )

    def fitted_state(self) -> tuple[Any, ASRFit]:
        """Return what :meth:`fit` learnt, to hand to another instance.

        A fit done in another process (:mod:`eegstream.features.asr_stage`)
        comes back this way: meegkit's fitted ``ASR`` pickles.
        """
        if self._asr is None or self.calibration is None:
            raise EEGStreamError("StreamingASR.fitted_state() before fit()")
        return self._asr, self.calibration

    def load_fitted_state(self, state: tuple[Any, ASRFit]) -> None:
        """Take another instance's :meth:`fitted_state` (same settings); reset."""
        self._asr, self.calibration = state
        self.reset()

    def reset(self) -> None:
        """Forget the stream (after a gap); keep the calibration.

        The next sample pushed starts a block, as after :meth:`fit`.
        """
        self._fill = 0
        if self._asr is not None:
            self._asr.zi_ = None  # the shaping filter restarts from the next sample
            self._asr.cov_ = []
            self._asr._counter = []
            self._asr.state_["R"] = None

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Clean the next samples; return those whose block is now complete.

        Parameters
        ----------
        chunk : array of float, shape (n_channels, n_new)
            Zero-mean EEG in microvolts at ``sfreq``, continuing the previous
            chunk.

        Returns
        -------
        array of float64, shape (n_channels, n_out)
            Cleaned EEG in microvolts: the samples of every block completed by
            this chunk, oldest first (``n_out`` is a multiple of the block
            length; :attr:`pending` samples wait). A block holding a
            non-finite sample comes out unchanged and leaves the state as it
            was (the chain resets after a gap anyway).
        """
        if self._asr is None:
            raise EEGStreamError("StreamingASR.push() before fit(): call fit() first")
        x = self._check(chunk, "chunk")
        n_out = (self._fill + x.shape[1]) // self.block * self.block
        out = np.empty((self.n_channels, n_out))
        done = 0
        used = 0
        if self._fill and self._fill + x.shape[1] >= self.block:
            used = self.block - self._fill
            self._buf[:, self._fill :] = x[:, :used]
            out[:, : self.block] = self._process(self._buf)
            done, self._fill = self.block, 0
        while x.shape[1] - used >= self.block:
            out[:, done : done + self.block] = self._process(
                x[:, used : used + self.block]
            )
            done += self.block
            used += self.block
        rest = x.shape[1] - used
        self._buf[:, self._fill : self._fill + rest] = x[:, used:]
        self._fill += rest
        return out

    def flush(self) -> np.ndarray:
        """Clean the :attr:`pending` samples as a short block and return them.

        Returns
        -------
        array of float64, shape (n_channels, pending)
            The end of the stream; the next push starts a block.
        """
        if self._asr is None:
            raise EEGStreamError("StreamingASR.flush() before fit(): call fit() first")
        out = (
            self._process(self._buf[:, : self._fill])
            if self._fill
            else self._buf[:, :0]
        )
        self._fill = 0
        return out.copy()

    def clean(self, eeg: np.ndarray) -> np.ndarray:
        """Clean a whole recording: :meth:`reset`, :meth:`push`, :meth:`flush`.

        Parameters
        ----------
        eeg : array of float, shape (n_channels, n_samples)
            Zero-mean EEG in microvolts at ``sfreq``.

        Returns
        -------
        array of float64, shape (n_channels, n_samples)
            Equal, bit for bit, to the concatenated output of :meth:`push`
            over the same samples in chunks of any size, then :meth:`flush`.
        """
        self.reset()
        return np.concatenate([self.push(eeg), self.flush()], axis=1)

    def _process(self, block: np.ndarray) -> np.ndarray:
        if not np.isfinite(block).all():
            return block.copy()
        with self._threads.limit(limits=self._blas_threads, user_api="blas"):
            out: np.ndarray = self._asr.transform(block)
        return out
