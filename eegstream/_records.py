"""Result dataclasses as JSON-able dicts: one conversion for every record.

A frozen dataclass that derives from :class:`Record` gets ``to_dict()``: its
fields in declaration order, nested records and dataclasses as dicts,
tuples as lists, paths as strings. A class whose file layout differs (a
renamed key, a value written as text) overrides ``to_dict`` on top of it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any, ClassVar

from ._errors import EEGStreamError


def jsonable(value: Any) -> Any:
    """Return ``value`` in JSON's types, recursively.

    An object with a ``to_dict()`` method is written by it, any other
    dataclass instance as its fields in order; mappings become dicts (keys
    kept), lists and tuples lists, paths strings; everything else is returned
    as it is.
    """
    if isinstance(value, type):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return {f.name: jsonable(getattr(value, f.name)) for f in fields}
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


class Record:
    """Base of a dataclass written as JSON (``evaluation.json``, session logs, ...)."""

    # Declared for type checkers: every subclass is a dataclass.
    __dataclass_fields__: ClassVar[dict[str, Any]]
    #: Fields left out of :meth:`to_dict` while they are ``None``.
    omit_none: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fields, in declaration order (:func:`jsonable` of each)."""
        return {
            f.name: jsonable(value)
            for f in dataclasses.fields(self)
            if (value := getattr(self, f.name)) is not None
            or f.name not in self.omit_none
        }


def check_keys(cls: type, data: Mapping[str, Any], what: str) -> None:
    """Refuse a key of ``data`` that is no field of the dataclass ``cls``.

    Read from a file, an unknown key is named (with the known ones) in one
    line, not left to a ``TypeError`` from ``cls(**data)``.

    Raises
    ------
    EEGStreamError
        ``"unknown {what} [...]; known: [...]"``.
    """
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise EEGStreamError(
            f"unknown {what} {sorted(unknown)}; known: {sorted(known)}"
        )
