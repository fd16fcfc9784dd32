"""Names of a package imported on first use, so light callers skip heavy libraries."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def load_name(
    package: str, names: Mapping[str, str], namespace: dict[str, Any], name: str
) -> Any:
    """Import ``name`` from its submodule of ``package``; keep it in ``namespace``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : mapping of str to str
        Public name -> the submodule that defines it.
    namespace : dict
        The package's ``globals()``: later look-ups find the name there.
    name : str
        The name asked for (the package's ``__getattr__`` argument).

    Raises
    ------
    AttributeError
        When the package has no such name.
    """
    if name not in names:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{names[name]}", package), name)
    namespace[name] = value
    return value
