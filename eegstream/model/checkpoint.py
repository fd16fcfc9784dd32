"""Checkpoint files: safetensors weights plus a JSON header, never pickle.

A checkpoint is one ``.safetensors`` file. Its ``__metadata__`` holds:

``format``
    ``"eegstream-checkpoint"`` (a foreign safetensors file lacks it).
``format_version``
    ``"1"``.
``meta``
    JSON of everything the live path must reproduce and the training
    provenance, parsed at load into a :class:`~eegstream.model.meta.CheckpointMeta`
    (keys in :data:`~eegstream.model.meta.REQUIRED_KEYS`).
``sha256``
    Digest of ``meta`` and every tensor's name, dtype, shape and bytes, so a
    tampered header or weight is refused at load time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .._errors import EEGStreamError
from .._io import atomic_path
from ..features import FeatureConfig, RunningNormaliser
from .meta import CheckpointMeta
from .registry import build_model

FORMAT = "eegstream-checkpoint"
FORMAT_VERSION = "1"
#: Where ``eegstream train`` writes and ``resolve_model`` looks by default.
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def _digest(meta_json: str, tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256(meta_json.encode())
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"\0{name}\0{t.dtype}\0{tuple(t.shape)}\0".encode())
        h.update(
            t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        )
    return h.hexdigest()


def save_checkpoint(
    path: str | os.PathLike, state_dict: dict[str, torch.Tensor], meta: CheckpointMeta
) -> Path:
    """Write a checkpoint atomically.

    Parameters
    ----------
    path : path-like
        Destination ``.safetensors`` file; its folder is created.
    state_dict : dict of str to tensor
        The model's weights (``model.state_dict()``).
    meta : CheckpointMeta
        The header (:func:`~eegstream.model.checkpoint_meta` builds one).

    Returns
    -------
    Path
        The written file.
    """
    from safetensors.torch import save_file

    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in state_dict.items()}
    meta_json = json.dumps(meta.to_dict(), sort_keys=True)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "meta": meta_json,
        "sha256": _digest(meta_json, tensors),
    }
    path = Path(path)
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=header)
    return path


class Checkpoint:
    """A loaded checkpoint: verified weights and header.

    Attributes
    ----------
    path : Path
        The file it was read from.
    meta : CheckpointMeta
        The parsed header.
    state_dict : dict of str to tensor
        The weights, on CPU.
    """

    def __init__(
        self, path: Path, meta: CheckpointMeta, state_dict: dict[str, torch.Tensor]
    ) -> None:
        self.path = path
        self.meta = meta
        self.state_dict = state_dict

    @property
    def name(self) -> str:
        """The model's name (file stem)."""
        return self.path.stem

    @property
    def arch(self) -> str:
        """Registered architecture name."""
        return self.meta.arch

    @property
    def feature_config(self) -> FeatureConfig:
        """The feature settings the model was trained on."""
        return self.meta.feature_config

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names in label-id order."""
        return self.meta.classes

    @property
    def channels(self) -> tuple[str, ...]:
        """EEG channel names in the order the features use."""
        return self.meta.channels

    @property
    def n_features(self) -> int:
        """Features per step (channels x bands)."""
        return self.meta.n_features

    def normaliser(self) -> RunningNormaliser:
        """Build a fresh live normaliser from the training population's statistics."""
        spec = self.meta.normaliser
        return RunningNormaliser(
            np.asarray(spec.mean), np.asarray(spec.std), spec.prior_steps
        )

    def build(self) -> nn.Module:
        """Build the model with its weights loaded, in eval mode, on CPU."""
        model = build_model(self.arch, **self.meta.arch_params)
        try:
            model.load_state_dict(self.state_dict)
        except RuntimeError as err:
            first = str(err).splitlines()[1].strip() if "\n" in str(err) else str(err)
            raise EEGStreamError(
                f"checkpoint {self.path} weights do not fit a {self.arch} with "
                f"{dict(self.meta.arch_params)}: {first}"
            ) from None
        return model.eval()

    def __repr__(self) -> str:
        return f"<Checkpoint {self.name!r} {self.arch} classes={list(self.classes)}>"


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read and verify a checkpoint without executing any code from it.

    Raises
    ------
    EEGStreamError
        When the file is missing, truncated, not a safetensors file, not an
        eegstream checkpoint, or altered since it was written.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load

    path = Path(path)
    if not path.is_file():
        raise EEGStreamError(
            f"checkpoint {path} does not exist (expected a .safetensors file)"
        )
    data = path.read_bytes()
    header = _read_header(path, data)
    if header.get("format") != FORMAT:
        raise EEGStreamError(
            f"{path} is a safetensors file but not an eegstream checkpoint "
            f"(no '{FORMAT}' header); train one with `eegstream train`"
        )
    if header.get("format_version") != FORMAT_VERSION:
        raise EEGStreamError(
            f"checkpoint {path} has format version {header.get('format_version')!r}; "
            f"this eegstream reads version {FORMAT_VERSION}"
        )
    try:
        tensors = load(data)
    except (SafetensorError, ValueError, RuntimeError) as err:
        raise EEGStreamError(
            f"checkpoint {path} is corrupt (weights unreadable: {err})"
        ) from None
    meta_json = header.get("meta", "")
    if _digest(meta_json, tensors) != header.get("sha256"):
        raise EEGStreamError(
            f"checkpoint {path} fails its integrity check (header or weights altered "
            "since it was written); re-train or restore it"
        )
    try:
        data = json.loads(meta_json)
    except json.JSONDecodeError:
        raise EEGStreamError(
            f"checkpoint {path} has an unreadable JSON header"
        ) from None
    if not isinstance(data, dict):
        raise EEGStreamError(f"checkpoint {path} header is not a JSON object")
    try:
        meta = CheckpointMeta.from_dict(data)
    except EEGStreamError as err:
        raise EEGStreamError(f"{path}: {err}") from None
    return Checkpoint(path, meta, tensors)


def _read_header(path: Path, data: bytes) -> dict[str, str]:
    """Return the safetensors ``__metadata__`` of ``data``, checked for truncation."""
    if len(data) < 8:
        raise EEGStreamError(
            f"checkpoint {path} is truncated or empty ({len(data)} bytes)"
        )
    n = int.from_bytes(data[:8], "little")
    if n > len(data) - 8:
        raise EEGStreamError(
            f"{path} is not a complete safetensors file (header of {n} bytes, file of "
            f"{len(data)} bytes): truncated or not a checkpoint"
        )
    try:
        header = json.loads(data[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise EEGStreamError(
            f"{path} is not a safetensors checkpoint (unreadable header)"
        ) from None
    if not isinstance(header, dict):
        raise EEGStreamError(f"{path} is not a safetensors checkpoint")
    ends = [
        v["data_offsets"][1]
        for k, v in header.items()
        if k != "__metadata__" and isinstance(v, dict) and "data_offsets" in v
    ]
    if ends and max(ends) > len(data) - 8 - n:
        raise EEGStreamError(
            f"checkpoint {path} is truncated ({len(data)} bytes, weights need "
            f"{8 + n + max(ends)})"
        )
    metadata = header.get("__metadata__") or {}
    return metadata if isinstance(metadata, dict) else {}


def resolve_model(name_or_path: str | os.PathLike) -> Path:
    """Find the checkpoint file for a path or a model name in ``models/``.

    Parameters
    ----------
    name_or_path : str | path-like
        An existing file, or a name ``NAME`` for ``models/NAME.safetensors``
        (folder: ``$EEGSTREAM_MODELS`` or the repository's ``models/``).
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    folder = models_dir()
    for candidate in (folder / f"{path.name}.safetensors", folder / path.name):
        if candidate.is_file():
            return candidate
    known = (
        sorted(p.stem for p in folder.glob("*.safetensors")) if folder.is_dir() else []
    )
    raise EEGStreamError(
        f"no model {str(name_or_path)!r}: not a file and not in {folder}; "
        f"available: {known or 'none (train one with `eegstream train`)'}"
    )


def models_dir() -> Path:
    """Return the models folder: ``$EEGSTREAM_MODELS`` or the repo's ``models/``."""
    env = os.environ.get("EEGSTREAM_MODELS")
    return Path(env) if env else MODELS_DIR
