"""``Record.to_dict``: the one conversion of result dataclasses to JSON."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from eegstream._records import Record, jsonable


@dataclass(frozen=True)
class _Inner:
    hz: float
    bands: tuple[str, ...]


@dataclass(frozen=True)
class _Outer(Record):
    omit_none: ClassVar[tuple[str, ...]] = ("split",)

    name: str
    inner: _Inner
    per_subject: dict[int, float]
    path: Path
    note: str | None = None
    split: tuple[int, ...] | None = None


def test_fields_in_order_nested_and_json_typed():
    rec = _Outer("run", _Inner(200.0, ("delta", "theta")), {7: 0.5}, Path("a/b.xdf"))
    out = rec.to_dict()
    assert list(out) == ["name", "inner", "per_subject", "path", "note"]
    assert out["inner"] == {"hz": 200.0, "bands": ["delta", "theta"]}
    assert out["path"] == "a/b.xdf" and out["note"] is None  # None kept unless omitted
    assert json.loads(json.dumps(out))["per_subject"] == {"7": 0.5}
    split = dataclasses.replace(rec, split=(1, 2)).to_dict()["split"]
    assert split == [1, 2]


def test_an_own_to_dict_is_used_for_nested_values():
    class Spelled:
        def to_dict(self) -> dict:
            return {"as": "written"}

    assert jsonable([Spelled(), (1, 2)]) == [{"as": "written"}, [1, 2]]
    assert jsonable(Spelled) is Spelled  # a class is a value, not a record
