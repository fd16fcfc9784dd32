"""Class probabilities from feature sequences, with any registered model."""

from __future__ import annotations

import os

import numpy as np
import torch

from .._errors import EEGStreamError
from .checkpoint import Checkpoint, load_checkpoint, resolve_model
from .traced import Forward, run_traced, trace_exact


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
        self._traced: Forward | None = None

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda"``."""
        return self._device.type

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names, the columns of :meth:`predict_proba`."""
        return self.checkpoint.classes

    @property
    def traced(self) -> bool:
        """Whether calls run the traced graph (:meth:`warm_up`), else the module."""
        return self._traced is not None

    def warm_up(self) -> None:
        """Get ready for live calls: trace the model where exact, run it once.

        On the CPU the forward becomes one TorchScript graph where it gives
        the module's bits (:func:`~eegstream.model.traced.trace_exact`): a
        call then waits for no other thread's Python. Then one call on zeros,
        so that torch's initialisation (hundreds of ms) is not a live step's.
        """
        if self._device.type == "cpu" and self._traced is None:
            self._traced = trace_exact(
                self.model, self.seq_len, self.n_features, self._device
            )
        self.predict_proba(np.zeros((self.seq_len, self.n_features), np.float32))

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
            tensor = torch.from_numpy(x).to(self._device)
            if self._traced is not None:
                logits = run_traced(self._traced, tensor)
            else:
                logits = self.model(tensor)
            probs = (
                torch.softmax(logits.float(), dim=-1).cpu().numpy().astype(np.float64)
            )
        return probs[0] if single else probs
