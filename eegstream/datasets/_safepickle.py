"""Read the releases' Python pickles without running any code they name.

DEAP's ``sNN.dat`` and FACED's ``subNNN.pkl`` are pickles: loading one with
:func:`pickle.load` would import and call whatever it names. This reader
resolves only the few NumPy functions that rebuild arrays; any other class
or function refuses the file, and what comes out may hold only arrays of
numbers and plain containers.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .._errors import EEGStreamError


def _numpy_rebuilders() -> dict[tuple[str, str], Any]:
    """Map what an array pickle names (NumPy 1 and 2 module names) to NumPy."""
    try:
        from numpy._core import multiarray, numeric  # NumPy >= 2
    except ImportError:  # NumPy 1.26
        from numpy.core import multiarray, numeric  # type: ignore[no-redef]

    found: dict[tuple[str, str], Any] = {("numpy", "ndarray"): np.ndarray}
    found[("numpy", "dtype")] = np.dtype
    for package in ("numpy.core", "numpy._core"):
        found[(f"{package}.multiarray", "_reconstruct")] = multiarray._reconstruct
        found[(f"{package}.multiarray", "scalar")] = multiarray.scalar
        found[(f"{package}.numeric", "_frombuffer")] = numeric._frombuffer  # type: ignore[attr-defined]
    # Protocol-2 pickles written by Python 3 spell bytes as encode(text, "latin1").
    found[("_codecs", "encode")] = _latin1
    return found


def _latin1(text: str, encoding: str = "utf-8") -> bytes:
    if encoding != "latin1":
        raise pickle.UnpicklingError(f"it encodes bytes as {encoding!r}")
    return text.encode("latin1")


class _ArraysOnly(pickle.Unpickler):
    allowed = _numpy_rebuilders()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"it names {module}.{name}") from None


def _check_plain(value: Any, where: str = "") -> None:
    """Refuse anything but numeric arrays, numbers, strings and containers of them."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise pickle.UnpicklingError(
                f"it holds an array of {value.dtype} at {where or 'the top'}"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str | bytes | int):
                raise pickle.UnpicklingError(f"it has a {type(key).__name__} key")
            _check_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
    elif not isinstance(value, str | bytes | int | float | np.generic | type(None)):
        raise pickle.UnpicklingError(f"it holds a {type(value).__name__}")


def unpickle_arrays(fh: BinaryIO) -> Any:
    """Unpickle an open file, admitting only NumPy arrays and plain containers.

    Raises
    ------
    pickle.UnpicklingError
        When the pickle names anything but NumPy's array rebuilders, or holds
        anything but arrays of numbers and plain containers.
    """
    value = _ArraysOnly(fh, encoding="latin1").load()
    _check_plain(value)
    return value


def load_arrays(path: Path, expected: str) -> Any:
    """Unpickle ``path``, admitting only NumPy arrays and plain containers.

    Parameters
    ----------
    path : Path
        A pickle file (protocol 0-5; Python 2 pickles are read as Latin-1,
        as NumPy wrote them).
    expected : str
        What the file should hold, for the error (e.g. ``"a dict with 'data'
        and 'labels'"``).

    Returns
    -------
    object
        A NumPy array, or dicts/lists/tuples of arrays, numbers and strings.

    Raises
    ------
    EEGStreamError
        If the file is not a pickle, is truncated, names any class or
        function other than NumPy's array rebuilders, or holds anything
        but arrays of numbers and plain containers. Nothing it names is run.
    """
    try:
        with open(path, "rb") as fh:
            value = unpickle_arrays(fh)
    except OSError as err:
        raise EEGStreamError(f"cannot read {path}: {err.strerror or err}") from None
    except pickle.UnpicklingError as err:
        raise EEGStreamError(
            f"{path} was not loaded: {err}; expected a pickle of NumPy arrays only "
            f"({expected})"
        ) from None
    except Exception as err:  # noqa: BLE001 - a damaged or foreign file, any way
        raise EEGStreamError(
            f"{path} is not a readable pickle ({type(err).__name__}: {err}); "
            f"expected {expected}"
        ) from None
    return value
