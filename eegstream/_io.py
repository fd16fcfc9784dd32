"""File helpers: atomic writes, and TOML files read with one-line errors.

An atomic write leaves a reader the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._errors import EEGStreamError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it into place.

    Write the file at the yielded path (with any library: ``np.savez``,
    ``safetensors``, ``fig.savefig``); when the block ends without an
    exception it replaces ``path`` atomically, otherwise it is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def read_toml(path: str | os.PathLike, what: str, expected: str = "") -> dict[str, Any]:
    """Parse the TOML file at ``path``.

    Parameters
    ----------
    path : path-like
        The file.
    what : str
        What the file is, for errors (``"label map"``).
    expected : str
        What a readable file looks like, appended to a parse error.

    Raises
    ------
    EEGStreamError
        When the file is missing, unreadable or not TOML (one line naming it).
    """
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EEGStreamError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise EEGStreamError(f"cannot read {what} {path}: {err}{expected}") from None
