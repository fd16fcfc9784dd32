"""The one chunk-to-probabilities path, shared by live use and streaming evaluation."""

from __future__ import annotations

import os

import numpy as np

from .._errors import EEGStreamError
from ..features import FeatureStep, OnlineFeatures
from ..features.official import serve_config
from .checkpoint import Checkpoint
from .predict import Predictor, as_checkpoint


class StreamingClassifier:
    """EEG chunks in, class probabilities out, one result per hop.

    :class:`~eegstream.features.OnlineFeatures` with the checkpoint's feature
    settings and live normaliser, followed by :class:`Predictor`.

    Parameters
    ----------
    checkpoint : Checkpoint | str | path-like
        A loaded checkpoint, a file, or a model name in ``models/``.
    device : "auto" | "cpu" | "cuda"
        Where the model runs.

    Attributes
    ----------
    cfg : FeatureConfig
        The features served: the checkpoint's, or for a model trained on a
        release's official features, the extractor that matches them
        (:func:`eegstream.features.official.serve_config`).
    note : str | None
        How those differ from what the model was trained on, if they do.

    Raises
    ------
    EEGStreamError
        For a model trained on official features the live path cannot
        compute (the line gives the measured skew).
    """

    def __init__(
        self, checkpoint: Checkpoint | str | os.PathLike, device: str = "auto"
    ) -> None:
        self.checkpoint = as_checkpoint(checkpoint)
        meta = self.checkpoint.meta
        self.cfg, self.note = serve_config(
            self.checkpoint.feature_config,
            meta.dataset.name,
            str(meta.features),
            f"model {self.checkpoint.name!r}",
        )
        self.predictor = Predictor(self.checkpoint, device=device)
        self.features = OnlineFeatures(
            self.cfg,
            self.checkpoint.normaliser(),
            len(self.checkpoint.channels),
        )

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names, the columns of the probabilities."""
        return self.checkpoint.classes

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda"``."""
        return self.predictor.device

    def push(self, chunk: np.ndarray) -> list[tuple[FeatureStep, np.ndarray]]:
        """Add EEG and classify every hop it completes.

        Parameters
        ----------
        chunk : array of float, shape (n_channels, n_new)
            EEG in microvolts at the checkpoint's rate (200 Hz), in its
            channel order (SEED order), oldest sample first.

        Returns
        -------
        list of (FeatureStep, array of float64 of shape (n_classes,))
            Oldest first; empty when no window completed.
        """
        steps = self.features.push(chunk)
        if not steps:
            return []
        probs = self.predictor.predict_proba(np.stack([s.sequence for s in steps]))
        return list(zip(steps, probs, strict=True))

    def warm_up(self) -> None:
        """Get the model ready for live steps (:meth:`Predictor.warm_up`).

        Call it before live data flows, so the first live step is not the
        one that pays torch's initialisation. The feature state is untouched.
        """
        self.predictor.warm_up()

    def check_continues(self, previous: StreamingClassifier) -> None:
        """Check that this classifier can take over ``previous``'s stream mid-way.

        It must serve the same features (every feature setting and channel),
        so that the signal state carries over (:meth:`continue_from`).

        Raises
        ------
        EEGStreamError
            One line naming the settings that differ.
        """
        old, new = previous.cfg.to_dict(), self.cfg.to_dict()
        keys = sorted(old.keys() | new.keys())
        differ = [key for key in keys if old.get(key) != new.get(key)]
        if tuple(previous.checkpoint.channels) != tuple(self.checkpoint.channels):
            differ.append("channels")
        if differ:
            raise EEGStreamError(
                f"model {self.checkpoint.name!r} cannot take over from "
                f"{previous.checkpoint.name!r} live: its feature settings differ "
                f"({', '.join(differ)}); use a model calibrated from "
                f"{previous.checkpoint.name!r}"
            )

    def continue_from(self, previous: StreamingClassifier) -> None:
        """Take over ``previous``'s stream without a gap in steps.

        The signal state (conditioning filters, DE buffer, Kalman filter and
        the model's sequence) and the wearer's running normaliser statistics
        carry over; the normaliser's population statistics (its prior) and
        the model become this checkpoint's. The next hop gives a step as
        ``previous`` would have. ``previous`` must not be used afterwards.

        Raises
        ------
        EEGStreamError
            The features differ (:meth:`check_continues`).
        """
        self.check_continues(previous)
        features, mine = previous.features, self.features.normaliser
        if features.normaliser is None or mine is None:
            features.normaliser = mine
        else:  # the same wearer: their statistics so far stay, the prior is ours
            features.normaliser.use_prior(mine)
        self.features = features

    def reset(self) -> None:
        """Start the feature chain over (after a gap); the wearer statistics stay."""
        self.features.reset()

    def reset_wearer(self) -> None:
        """Also forget the wearer's statistics and ASR fit (a new person)."""
        self.features.reset_wearer()
        if self.features.normaliser is not None:
            self.features.normaliser.reset()
