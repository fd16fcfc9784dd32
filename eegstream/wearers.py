"""The wearer store: a person's normaliser statistics and personal model, by name.

``eegstream calibrate --wearer NAME`` saves them here and a later session
(``eegstream live --wearer NAME``) finds them again, so a second visit starts
calibrated. One folder per wearer::

    $EEGSTREAM_WEARERS/NAME/      (default ~/.eegstream/wearers/NAME/)
        wearer.json               name, model file, base model, when saved
        model.safetensors         the personal model (a copy: self-contained)
        normaliser.npz            mean, var, count of the wearer's feature steps, and
                                  the feature settings and channels they are of

Every file is written atomically. Nothing here reads EEG.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._errors import EEGStreamError
from ._io import atomic_path, atomic_write_bytes, atomic_write_text
from .features.normalise import NormaliserState

#: Environment variable naming the store's folder.
WEARERS_ENV = "EEGSTREAM_WEARERS"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_INFO, _MODEL, _NORMALISER = "wearer.json", "model.safetensors", "normaliser.npz"


@dataclass(frozen=True)
class Wearer:
    """A wearer found in the store.

    Attributes
    ----------
    name : str
        The wearer's name (``--wearer``).
    checkpoint : Path | None
        Their personal model; None when only normaliser statistics are saved.
    normaliser : NormaliserState | None
        Their feature statistics; None when none were saved.
    base : str | None
        The base model the personal model was calibrated from.
    saved : str | None
        ISO 8601 UTC time of the last save.
    """

    name: str
    checkpoint: Path | None
    normaliser: NormaliserState | None
    base: str | None = None
    saved: str | None = None


def wearers_dir() -> Path:
    """Return the store's folder: ``$EEGSTREAM_WEARERS`` or ``~/.eegstream/wearers``."""
    env = os.environ.get(WEARERS_ENV)
    return Path(env) if env else Path.home() / ".eegstream" / "wearers"


def check_wearer_name(name: str) -> str:
    """Return ``name`` if it can name a folder on every system, else raise."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise EEGStreamError(
            f"{{wearer}} name {name!r} is not usable: use 1-64 letters, digits, "
            "'_', '-' or '.', starting with a letter or digit (e.g. 'P07')",
            param="wearer",
        )
    return name


def wearer_dir(name: str) -> Path:
    """Return the folder of wearer ``name`` (it may not exist yet)."""
    return wearers_dir() / check_wearer_name(name)


def known_wearers() -> list[str]:
    """Names of the wearers in the store, sorted."""
    root = wearers_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / _INFO).is_file())


def load_wearer(name: str) -> Wearer:
    """Find wearer ``name`` in the store.

    Raises
    ------
    EEGStreamError
        When the store has no such wearer (the line lists those it has).
    """
    folder = wearer_dir(name)
    info_path = folder / _INFO
    if not info_path.is_file():
        known = known_wearers()
        raise EEGStreamError(
            f"no wearer {name!r} in {wearers_dir()} (known: "
            f"{', '.join(known) or 'none'}); calibrate one with `eegstream calibrate "
            f"... --wearer {name}`"
        )
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise EEGStreamError(f"wearer file {info_path} is unreadable: {err}") from None
    model = folder / _MODEL
    return Wearer(
        name=name,
        checkpoint=model if model.is_file() else None,
        normaliser=_read_state(folder / _NORMALISER),
        base=info.get("base"),
        saved=info.get("saved"),
    )


def save_normaliser_state(name: str, state: NormaliserState) -> Path:
    """Save wearer ``name``'s normaliser statistics (creates the wearer).

    Parameters
    ----------
    name : str
        The wearer.
    state : NormaliserState
        From :meth:`eegstream.features.RunningNormaliser.state` (end of a
        session) or from the calibration steps.

    Returns
    -------
    Path
        The written ``normaliser.npz``.
    """
    folder = wearer_dir(name)
    buf = io.BytesIO()
    np.savez(
        buf,
        mean=np.asarray(state.mean, np.float64),
        var=np.asarray(state.var, np.float64),
        count=np.asarray(state.count, np.float64),
        # What the statistics are of; an empty string when unknown.
        key=np.asarray(state.key or ""),
    )
    path = folder / _NORMALISER
    atomic_write_bytes(path, buf.getvalue())
    _write_info(folder, name)
    return path


def save_wearer_model(name: str, checkpoint: str | os.PathLike, base: str) -> Path:
    """Copy a personal model into wearer ``name``'s folder (creates the wearer).

    Returns
    -------
    Path
        The copy, ``model.safetensors``.
    """
    folder = wearer_dir(name)
    path = folder / _MODEL
    with atomic_path(path) as tmp:
        shutil.copyfile(checkpoint, tmp)
    _write_info(folder, name, base=base)
    return path


def _write_info(folder: Path, name: str, base: str | None = None) -> None:
    info_path = folder / _INFO
    info = {}
    if info_path.is_file():
        info = json.loads(info_path.read_text(encoding="utf-8"))
    info.update(
        name=name,
        saved=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    )
    if base is not None:
        info["base"] = base
    atomic_write_text(info_path, json.dumps(info, indent=2, sort_keys=True) + "\n")


def _read_state(path: Path) -> NormaliserState | None:
    if not path.is_file():
        return None
    try:
        with np.load(path) as z:
            key = str(z["key"]) if "key" in z.files else ""
            return NormaliserState(z["mean"], z["var"], z["count"], key or None)
    except (OSError, KeyError, ValueError) as err:
        raise EEGStreamError(
            f"wearer statistics {path} are unreadable ({err}); calibrate again"
        ) from None
