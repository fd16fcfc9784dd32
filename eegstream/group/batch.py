"""One stacked model call for the wearers that share a model.

Wearers whose checkpoints hold the same architecture and the same weights
(byte for byte: the same file, or a personal model whose weights did not
change) share one :class:`~eegstream.model.Predictor`; their ready sequences
are classified in one call per tick. Different weights run in calls of their
own.

A batched call is bit-identical to each wearer's call alone, on the CPU
for any batch size: in eval mode the models compute every product one
sample at a time (:mod:`eegstream.model.invariant`), where torch's own
convolutions and matrix products round a sample otherwise in a batch of
another size. Everything before the model (features, sequences, quality,
timestamps) is bit-identical too (``tests/test_group_batch.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import torch

from ..model import Checkpoint, Predictor


def weights_key(checkpoint: Checkpoint) -> str:
    """Return a digest of a checkpoint's architecture and weights (not its header).

    Two checkpoints with the same key compute the same function, so their
    wearers can share one batched call.
    """
    h = hashlib.sha256(f"{checkpoint.arch}\0{checkpoint.meta.arch_params}".encode())
    for name in sorted(checkpoint.state_dict):
        t = checkpoint.state_dict[name].contiguous()
        h.update(f"\0{name}\0{t.dtype}\0{tuple(t.shape)}\0".encode())
        if t.numel():
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


class BatchClassifier:
    """Classify many wearers' sequences, one stacked call per model.

    Parameters
    ----------
    device : "auto" | "cpu" | "cuda"
        Where the models run (``"auto"``: CUDA when present).

    Attributes
    ----------
    calls : int
        Model calls made (one per distinct model per :meth:`classify`).
    """

    def __init__(self, device: str = "auto") -> None:
        self.device_option = device
        self._predictors: dict[str, Predictor] = {}
        self._keys: dict[int, str] = {}  # id(checkpoint) -> weights key
        self.calls = 0

    @property
    def n_models(self) -> int:
        """Distinct models (architecture and weights) loaded."""
        return len(self._predictors)

    def add(self, checkpoint: Checkpoint) -> str:
        """Load ``checkpoint``'s model unless one with its weights is loaded.

        Returns
        -------
        str
            Its :func:`weights_key`, to pass to :meth:`classify`.
        """
        key = self._keys.get(id(checkpoint))
        if key is None:
            key = self._keys[id(checkpoint)] = weights_key(checkpoint)
        if key not in self._predictors:
            predictor = Predictor(checkpoint, device=self.device_option)
            predictor.warm_up()  # traced, initialised: not on a live tick
            self._predictors[key] = predictor
        return key

    def predictor(self, key: str) -> Predictor:
        """Return the model of ``key`` (:meth:`add`), shared by its wearers."""
        return self._predictors[key]

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda"`` (of the models loaded; the option before any)."""
        for predictor in self._predictors.values():
            return predictor.device
        return self.device_option

    def classify(
        self, keys: Sequence[str], sequences: Sequence[np.ndarray]
    ) -> list[np.ndarray]:
        """Class probabilities of each sequence, with the model of its key.

        Parameters
        ----------
        keys : sequence of str
            Each sequence's model (:meth:`add`).
        sequences : sequence of array of float32, shape (seq_len, n_features)
            The wearers' ready sequences
            (:attr:`ReadyStep.sequence <eegstream.pipeline.ReadyStep>`).

        Returns
        -------
        list of array of float64, shape (n_classes,)
            In the order given.
        """
        out: list[np.ndarray] = [np.empty(0)] * len(sequences)
        rows: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            rows.setdefault(key, []).append(i)
        for key, index in rows.items():
            probs = self._predictors[key].predict_proba(
                np.stack([sequences[i] for i in index])
            )
            self.calls += 1
            for i, p in zip(index, probs, strict=True):
                out[i] = p
        return out
