"""Class probabilities from feature sequences, with any registered model."""

from __future__ import annotations

import os

import numpy as np
import torch

from .._errors import EEGStreamError
from .checkpoint import Checkpoint, load_checkpoint, resolve_model


def resolve_device(device: str = "auto") -> torch.device:
    """Turn ``"auto"`` into CUDA when available, else CPU; refuse CUDA without a GPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise EEGStreamError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise EEGStreamError(
            f"device {device!r} asked for but no CUDA GPU is available; use 'cpu'"
        )
    return torch.device(device)


def as_checkpoint(checkpoint: Checkpoint | str | os.PathLike) -> Checkpoint:
    """Load a checkpoint given as a :class:`Checkpoint`, a path or a model name."""
    if isinstance(checkpoint, Checkpoint):
        return checkpoint
    return load_checkpoint(resolve_model(checkpoint))


class Predictor:
    """Run a checkpoint's model on feature sequences.

    Parameters
    ----------
    checkpoint : Checkpoint | str | path-like
        A loaded checkpoint, a file, or a model name in ``models/``.
    device : "auto" | "cpu" | "cuda"
        Where the model runs; ``"auto"`` uses CUDA when present.
    """

    def __init__(
        self, checkpoint: Checkpoint | str | os.PathLike, device: str = "auto"
    ) -> None:
        self.checkpoint = as_checkpoint(checkpoint)
        self._device = resolve_device(device)
        self.model = self.checkpoint.build().to(self._device)
        self.seq_len = self.checkpoint.feature_config.seq_len
        self.n_features = self.checkpoint.n_features

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda"``."""
        return self._device.type

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names, the columns of :meth:`predict_proba`."""
        return self.checkpoint.classes

    def predict_proba(self, seq: np.ndarray) -> np.ndarray:
        """Class probabilities of one or more sequences.

        Parameters
        ----------
        seq : array of float, shape (B, seq_len, n_features) or (seq_len, n_features)
            Normalised feature sequences (``FeatureStep.sequence``).

        Returns
        -------
        array of float64, shape (B, n_classes) or (n_classes,)
            Rows sum to 1.
        """
        x = np.asarray(seq, dtype=np.float32)
        single = x.ndim == 2
        if single:
            x = x[None]
        if x.ndim != 3 or x.shape[1:] != (self.seq_len, self.n_features):
            raise EEGStreamError(
                f"sequences must have shape (B, {self.seq_len}, {self.n_features}) or "
                f"({self.seq_len}, {self.n_features}), got {np.shape(seq)}"
            )
        with torch.inference_mode():
            logits = self.model(torch.from_numpy(x).to(self._device))
            probs = (
                torch.softmax(logits.float(), dim=-1).cpu().numpy().astype(np.float64)
            )
        return probs[0] if single else probs
