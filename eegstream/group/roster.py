"""Who wears which headset: the ``--wearers FILE.toml`` of a group session.

::

    # one table per wearer; the stream by source_id (preferred) or by name
    [wearers.P01]
    source_id = "cap-1"
    [wearers.P02]
    stream = "Cap 2"
    model = "demo-seed-iv-P02"    # optional: a personal model (name or file)

A stream matched by no entry is classified under its stream name with the
session's model. The file is checked whole before anything starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .._errors import EEGStreamError
from .._io import read_toml
from ..model.checkpoint import resolve_model
from ..wearers import check_wearer_name

_KEYS = ("source_id", "stream", "model")
_EXPECTED = (
    '; expected tables like [wearers.P01] with source_id = "..." or '
    'stream = "..." and optionally model = "..."'
)


@dataclass(frozen=True)
class WearerEntry:
    """One wearer of the roster.

    Attributes
    ----------
    name : str
        The wearer's name (outlets, log, view).
    source_id, stream : str | None
        Their headset's LSL source_id or stream name (one of them).
    model : Path | None
        Their model file; None: the session's model.
    """

    name: str
    source_id: str | None = None
    stream: str | None = None
    model: Path | None = None

    def matches(self, name: str, source_id: str) -> bool:
        """Whether a stream with this name and source_id is this wearer's."""
        if self.source_id is not None:
            return self.source_id == source_id
        return self.stream == name


@dataclass(frozen=True)
class Roster:
    """The wearers of a session, in the file's order."""

    entries: tuple[WearerEntry, ...] = ()
    source: str = ""

    def find(self, name: str, source_id: str) -> WearerEntry | None:
        """Return the wearer of the stream with this name and source_id, if any."""
        for entry in self.entries:
            if entry.matches(name, source_id):
                return entry
        return None


def load_roster(path: str | os.PathLike) -> Roster:
    """Read and check a wearers file.

    Raises
    ------
    EEGStreamError
        One line: the file missing or not TOML, an entry without a stream or
        with an unknown key, a bad wearer name, an unknown model, two wearers
        on one stream.
    """
    path = Path(path)
    data = read_toml(path, "wearers file", _EXPECTED)
    table = data.get("wearers")
    if not isinstance(table, dict) or not table or set(data) - {"wearers"}:
        raise EEGStreamError(
            f"wearers file {path}: no [wearers.NAME] tables{_EXPECTED}"
        )
    entries = [_entry(path, name, fields) for name, fields in table.items()]
    seen: dict[tuple[str, str], str] = {}
    for entry in entries:
        key = ("source_id", entry.source_id or "")
        if entry.source_id is None:
            key = ("stream", entry.stream or "")
        if key in seen:
            raise EEGStreamError(
                f"wearers file {path}: wearers {seen[key]!r} and {entry.name!r} are "
                f"both on {key[0]} {key[1]!r}; a headset has one wearer"
            )
        seen[key] = entry.name
    return Roster(tuple(entries), str(path))


def _entry(path: Path, name: str, fields: object) -> WearerEntry:
    where = f"wearers file {path}: [wearers.{name}]"
    if not isinstance(fields, dict):
        raise EEGStreamError(f"{where} must be a table{_EXPECTED}")
    try:
        check_wearer_name(name)
    except EEGStreamError as err:
        raise EEGStreamError(f"{where}: {err}") from None
    unknown = sorted(set(fields) - set(_KEYS))
    values = {k: fields.get(k) for k in _KEYS}
    if unknown or any(
        v is not None and not isinstance(v, str) for v in values.values()
    ):
        raise EEGStreamError(
            f"{where}: keys must be strings among {', '.join(_KEYS)}, got "
            f"{', '.join(f'{k}={v!r}' for k, v in fields.items())}"
        )
    if (values["source_id"] is None) == (values["stream"] is None):
        raise EEGStreamError(f"{where}: give exactly one of source_id or stream")
    model = None
    if values["model"] is not None:
        try:
            model = resolve_model(values["model"])
        except EEGStreamError as err:
            raise EEGStreamError(f"{where}: {err}") from None
    return WearerEntry(name, values["source_id"], values["stream"], model)
