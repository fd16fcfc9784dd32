"""ASR as a stage of the feature chain: a lead-in, a fit, then cleaning.

``FeatureConfig(asr=ASRSettings())`` (``--asr``) puts artifact subspace
reconstruction between the conditioning and the DE, offline
(:func:`asr_clean`, called by :func:`~eegstream.features.extract_features`)
and live (:class:`~eegstream.features.StreamingDE`), through this one class:

1. **Lead-in.** The first ``lead_in_seconds`` of conditioned EEG pass through
   unchanged and are kept.
2. **Fit.** ASR is fitted on their clean part
   (:meth:`StreamingASR.fit <eegstream.features.asr.StreamingASR.fit>`):
   live, in a child process started with the stage
   (:mod:`~eegstream.features.asr_fit`; a minute of 62 channels
   takes seconds, far more than a step may, and in a thread it held the
   interpreter lock the steps need), waited on by a background thread;
   offline, in the caller's thread.
3. **Cleaning** starts ``fit_grace_seconds`` later, at the first block
   boundary since the last reset: a fixed sample, so that the output does not
   depend on how fast the fit ran, and offline equals live bit for bit. Live,
   a fit still running then is waited for.

A fit that finds too little clean EEG turns ASR off for the session and says
why in :attr:`ASRStage.messages` (``strict=True``, offline: raises instead).
A gap (:meth:`ASRStage.reset`) keeps the fit; blocks count from the new
segment's first sample, as the DE windows do.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .._errors import EEGStreamError
from .asr import ASRFit, StreamingASR
from .asr_fit import fit_in_child, fit_lead_in, warm_up
from .config import FeatureConfig

#: What the stage is doing: keeping the lead-in, waiting to clean, cleaning,
#: or off for the session (the fit failed).
STATES = ("lead-in", "fitting", "cleaning", "off")


class ASRStage:
    """Pass a session's lead-in through, fit ASR on it, then clean.

    Parameters
    ----------
    cfg : FeatureConfig
        Settings with ``asr`` set; the EEG is at ``cfg.sfreq``.
    n_channels : int
        Channels per sample.
    background : bool
        Fit in a child process, waited on by a background thread (live),
        without holding up :meth:`push`; the output is the same either way.
    strict : bool
        Raise :class:`~eegstream.EEGStreamError` when the fit fails, or when
        :meth:`finish` finds the EEG shorter than the lead-in (offline
        extraction: a model must not be trained on features half of which
        were cleaned); otherwise ASR turns off with a message.

    Attributes
    ----------
    state : str
        One of :data:`STATES`.
    messages : list of str
        What the user should be told (the fit's outcome), oldest first; the
        caller takes and clears them.
    """

    def __init__(
        self,
        cfg: FeatureConfig,
        n_channels: int,
        *,
        background: bool = False,
        strict: bool = False,
    ) -> None:
        if cfg.asr is None:
            raise EEGStreamError("ASRStage needs FeatureConfig(asr=ASRSettings())")
        self.settings = cfg.asr
        self.sfreq = cfg.sfreq
        self.asr = StreamingASR(cfg.sfreq, n_channels, cfg.asr)
        self.background, self.strict = background and not strict, strict
        self._lead_in = round(self.settings.lead_in_seconds * self.sfreq)
        self._start = self._lead_in + round(
            self.settings.fit_grace_seconds * self.sfreq
        )
        self._seen = 0  # samples pushed since construction, across resets
        self._position = 0  # samples since the last reset
        # The lead-in, written in place: no copy of a minute on a live step.
        self._lead = np.empty((n_channels, self._lead_in))
        self._thread: threading.Thread | None = None
        self._fitted: tuple[Any, ASRFit] | str | None = None
        self.state = "lead-in"
        self.messages: list[str] = []
        if self.background:
            warm_up()  # its imports take seconds: done by the lead-in's end

    def restart(self) -> None:
        """Start over with a new lead-in and fit (a new wearer)."""
        self._join_quietly()
        self._seen = self._position = 0
        self._fitted = None
        self.state = "lead-in"

    def reset(self) -> None:
        """Start a new segment (after a gap); keep the lead-in or the fit."""
        self._position = 0
        if self.state == "cleaning":
            self.asr.reset()

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Take conditioned samples; return those that are ready.

        Parameters
        ----------
        chunk : array of float, shape (n_channels, n_new)
            Conditioned (zero-mean) EEG in microvolts, continuing the last
            chunk.

        Returns
        -------
        array of float64, shape (n_channels, n_out)
            Before cleaning starts, the chunk itself (``n_out == n_new``);
            while cleaning, the samples of the blocks completed
            (:meth:`StreamingASR.push <eegstream.features.asr.StreamingASR.push>`),
            so the output ends on a block boundary counted from the last reset.
        """
        x = np.asarray(chunk, dtype=np.float64)
        parts: list[np.ndarray] = []
        i, n = 0, x.shape[1]
        while i < n:
            if self.state == "cleaning":
                parts.append(self.asr.push(x[:, i:]))
                self._advance(n - i)
                break
            if self.state == "lead-in":
                stop = i + min(n - i, self._lead_in - self._seen)
                self._lead[:, self._seen : self._seen + stop - i] = x[:, i:stop]
            elif self.state == "fitting":
                stop = i + min(n - i, self._cleaning_starts() - self._position)
            else:
                stop = n
            parts.append(x[:, i:stop])
            self._advance(stop - i)
            i = stop
            if self.state == "lead-in" and self._seen == self._lead_in:
                self._begin_fit()
            elif self.state == "fitting" and self._position == self._cleaning_starts():
                self._join()  # the fitted ASR's blocks count from here
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts, axis=1) if parts else x[:, :0]

    def flush(self) -> np.ndarray:
        """Return the samples waiting for their block, cleaned as a short block."""
        if self.state == "cleaning":
            return self.asr.flush()
        return np.empty((self.asr.n_channels, 0))

    def finish(self) -> None:
        """End of the EEG: report a lead-in never completed or a failed fit.

        With ``strict``, raises :class:`~eegstream.EEGStreamError` for an EEG
        shorter than the lead-in; a fit started is waited for.
        """
        if self.state == "lead-in" and self.strict:
            raise EEGStreamError(
                f"--asr needs a {self.settings.lead_in_seconds:g} s lead-in to fit "
                f"on ({{lead_in_seconds}}), the EEG lasts {self._seen / self.sfreq:.1f}"
                " s; use longer recordings or a shorter lead-in",
                param="lead_in_seconds",
            )
        if self.state == "fitting":
            self._join()

    def _advance(self, n: int) -> None:
        self._seen += n
        self._position += n

    def _cleaning_starts(self) -> int:
        """Position (since the last reset) of the sample cleaning starts at."""
        earliest = self._position + max(self._start - self._seen, 0)
        return -(-earliest // self.asr.block) * self.asr.block

    def _begin_fit(self) -> None:
        self.state = "fitting"
        args = (self._lead, self.sfreq, self.settings)
        if self.background:
            self._thread = threading.Thread(
                target=self._fit_elsewhere,
                args=args,
                name="eegstream-asr-fit",
                daemon=True,
            )
            self._thread.start()
        else:
            self._fitted = fit_lead_in(*args)
            if isinstance(self._fitted, str) and self.strict:
                raise EEGStreamError(self._fitted)

    def _fit_elsewhere(self, *args: Any) -> None:
        """Have the child process fit; keep its outcome (the session goes on)."""
        self._fitted = fit_in_child(*args)

    def _join_quietly(self) -> None:
        """Wait for a fit under way in the background; keep its outcome."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _join(self) -> None:
        """Wait for the fit; say what it found; start cleaning or turn off."""
        self._join_quietly()
        fitted, lead_s = self._fitted, self._lead_in / self.sfreq
        if fitted is None or isinstance(fitted, str):
            self.state = "off"
            self.messages.append(f"ASR is off for this session: {fitted}")
            return
        self.asr.load_fitted_state(fitted)  # its blocks count from here
        self.state = "cleaning"
        self.messages.append(
            f"ASR fitted on {fitted[1].clean_seconds:.1f} s of clean EEG in the first "
            f"{lead_s:g} s (cutoff {self.settings.cutoff:g} SD); cleaning from "
            f"{self._seen / self.sfreq:.1f} s on"
        )


def asr_clean(eeg: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Clean a whole conditioned recording as the live chain would.

    Parameters
    ----------
    eeg : array of float, shape (n_channels, n_samples)
        Conditioned EEG in microvolts at ``cfg.sfreq``. Rows that are all
        NaN (channels a file lacks) pass through; ASR sees the others.
    cfg : FeatureConfig
        Settings; with ``asr=None`` the EEG is returned as it is.

    Returns
    -------
    array of float64, shape (n_channels, n_samples)
        The lead-in and the grace unchanged, the rest cleaned; equal, bit for
        bit, to what :class:`~eegstream.features.StreamingDE` computes its
        windows from, whatever the chunking (the live chain interpolates
        missing channels first, so it has no NaN rows).

    Raises
    ------
    EEGStreamError
        When the EEG is shorter than the lead-in, or its lead-in holds too
        little clean EEG to fit (the message says how much it found).
    """
    if cfg.asr is None:
        return eeg
    rows = np.flatnonzero(~np.isnan(eeg).all(axis=1))
    stage = ASRStage(cfg, rows.size, strict=True)
    out = stage.push(eeg[rows])
    stage.finish()
    cleaned = np.array(eeg, dtype=np.float64)
    cleaned[rows] = np.concatenate([out, stage.flush()], axis=1)
    return cleaned
