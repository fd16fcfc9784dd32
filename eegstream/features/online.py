"""The live feature chain: conditioning, DE, causal Kalman, normaliser, sequence.

``eegstream run``, the dashboard and ``eegstream evaluate --streaming`` all
drive this one class, so what is measured offline in streaming mode is what a
live user gets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .._errors import EEGStreamError
from .asr_stage import ASRStage
from .config import ASRSettings, FeatureConfig
from .kalman import CausalKalman
from .normalise import RunningNormaliser
from .sequence import RollingSequence
from .streaming import StreamingDE


@dataclass(frozen=True)
class FeatureStep:
    """One hop's output of :class:`OnlineFeatures`.

    Attributes
    ----------
    end : int
        Index (since the last reset) one past the window's last sample.
    de : array of float64, shape (n_channels, n_bands)
        Raw DE of the window.
    smoothed : array of float64, shape (n_channels, n_bands)
        DE after the causal Kalman filter (equal to ``de`` without smoothing).
    sequence : array of float32, shape (seq_len, n_channels * n_bands)
        The classifier input after this step, features channel-major
        (channel 0's five bands first).
    warm : bool
        Whether the sequence holds ``seq_len`` real steps (warm-up over).
    """

    end: int
    de: np.ndarray
    smoothed: np.ndarray
    sequence: np.ndarray
    warm: bool


def flatten_features(de: np.ndarray) -> np.ndarray:
    """Flatten (..., n_channels, n_bands) DE to (..., n_channels * n_bands).

    Channel-major: channel 0's bands first.
    """
    return de.reshape(*de.shape[:-2], de.shape[-2] * de.shape[-1])


class OnlineFeatures:
    """Turn EEG chunks into classifier sequences, one step per hop.

    Parameters
    ----------
    cfg : FeatureConfig
        Feature settings (from the checkpoint); the EEG is conditioned as
        ``cfg.conditioning`` says before the DE.
    normaliser : RunningNormaliser | None
        The checkpoint's live normaliser; ``None`` passes features through.
    n_channels : int
        Channels per sample, in the checkpoint's channel order.
    """

    def __init__(
        self,
        cfg: FeatureConfig,
        normaliser: RunningNormaliser | None = None,
        n_channels: int = 62,
    ) -> None:
        self.cfg = self.trained_cfg = cfg
        self.n_channels = n_channels
        self.background_fit = True
        n_features = n_channels * len(cfg.bands)
        self.extractor = StreamingDE(
            cfg, n_channels, condition=True, background_fit=True
        )
        self.kalman = CausalKalman(n_features, cfg.kalman)
        self.normaliser = normaliser
        self.sequence = RollingSequence(cfg.seq_len, n_features, cfg.padding)

    def set_line_freq(self, line_freq: float | None) -> None:
        """Notch another mains frequency than the settings say, and start over.

        For a headset in a country with other mains: the notch removes line
        noise that was never in the training data, so changing it leaves the
        model's input distribution as trained. ``cfg`` becomes the settings
        with this line frequency; the normaliser's statistics are kept.

        Parameters
        ----------
        line_freq : float | None
            50 or 60 Hz; ``None`` goes back to the settings given at construction.

        Raises
        ------
        EEGStreamError
            If the settings have no conditioning (nothing to notch), or the
            frequency is not 50 or 60 Hz.
        """
        cond = self.trained_cfg.conditioning
        if cond is None:
            if line_freq is None:
                return
            raise EEGStreamError(
                f"line frequency {line_freq:g} Hz given, but these features have "
                "no conditioning (the model was trained on unfiltered EEG); leave "
                "the line frequency unset"
            )
        if line_freq is not None:
            cond = replace(cond, line_freq=line_freq)
        self._use(self.cfg.replace(conditioning=cond))

    def set_asr(self, asr: ASRSettings | None) -> None:
        """Run artifact subspace reconstruction or not, whatever the settings say.

        For ``--asr``/``--no-asr`` on a model trained the other way (the
        model then sees cleaned EEG it was not trained on, or the reverse:
        the caller says so). ``cfg`` becomes the settings with ``asr``; the
        chain starts over with a new lead-in.

        Parameters
        ----------
        asr : ASRSettings | None
            The ASR settings, or ``None`` for none.
        """
        self._use(self.cfg.replace(asr=asr))

    def set_background_fit(self, background: bool) -> None:
        """Fit ASR in the child process (live, the default) or in the caller's thread.

        The fit is the same either way (:mod:`~eegstream.features.asr_fit`).
        A run with nothing to keep on time (a file pushed as fast as the CPU
        allows) waits for the fit anyway: in the caller's thread it runs at
        the caller's priority, not the child's lower one, which a loaded
        machine starves.

        Parameters
        ----------
        background : bool
            ``True``: in the child, without holding up :meth:`push`.
        """
        self.background_fit = background
        if self.asr is not None:
            self.asr.background = background and not self.asr.strict

    @property
    def asr(self) -> ASRStage | None:
        """The ASR stage (its state and messages), or ``None`` without ASR."""
        return self.extractor.asr

    def _use(self, cfg: FeatureConfig) -> None:
        """Compute features with ``cfg`` from the next sample on."""
        self.cfg = cfg
        self.extractor = StreamingDE(
            cfg, self.n_channels, condition=True, background_fit=self.background_fit
        )
        self.reset()

    def reset_wearer(self) -> None:
        """Start over for a new person: as :meth:`reset`, and ASR fits again.

        The normaliser's statistics are the caller's to reset (they may be
        the new wearer's own, loaded).
        """
        self.reset()
        if self.asr is not None:
            self.asr.restart()

    def reset(self) -> None:
        """Start over after a gap: buffer, filter, normaliser and sequence.

        The normaliser's wearer statistics are kept (same wearer); everything
        that depends on contiguous samples starts again.
        """
        self.extractor.reset()
        self.kalman.reset()
        self.sequence.reset()

    def push(self, chunk: np.ndarray) -> list[FeatureStep]:
        """Add EEG and return a step for each hop it completes.

        Parameters
        ----------
        chunk : array of float, shape (n_channels, n_new)
            EEG in microvolts at ``cfg.sfreq``, oldest sample first.

        Returns
        -------
        list of FeatureStep
            Oldest first; empty when no window completed.
        """
        rows, ends = self.extractor.push(chunk)
        if not ends.size:  # most chunks complete no window
            return []
        steps = []
        for de, end in zip(rows, ends, strict=True):
            flat = flatten_features(de)
            smooth = self.kalman.step(flat) if self.cfg.smoothing == "kalman" else flat
            norm = (
                self.normaliser.step(smooth) if self.normaliser is not None else smooth
            )
            self.sequence.push(norm)
            steps.append(
                FeatureStep(
                    end=int(end),
                    de=de,
                    smoothed=smooth.reshape(de.shape),
                    sequence=self.sequence.array(),
                    warm=self.sequence.warm,
                )
            )
        return steps
