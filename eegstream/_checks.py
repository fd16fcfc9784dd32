"""Checks of user input at the public boundary, each failing with one clear line.

Every check names the Python parameter it checks (``name``), states the rule
with its unit, repeats the bad value and, for a choice, lists the allowed
values. The command line spells the parameter as its flag (see
:mod:`eegstream._options`), so the same check serves both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from ._errors import EEGStreamError

T = TypeVar("T")


def check_value(value: T, allowed: Iterable[Any], name: str) -> T:
    """Return ``value`` if it is one of ``allowed``, else raise.

    Parameters
    ----------
    value : object
        The value given.
    allowed : iterable
        The values accepted (``None`` may be one of them).
    name : str
        The parameter's name, for the message.

    Examples
    --------
    >>> check_value("cpu", ("auto", "cpu", "cuda"), "device")
    'cpu'
    """
    allowed = tuple(allowed)
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise EEGStreamError(
            f"{{{name}}} must be one of {shown}, got {value!r}", param=name
        )
    return value


def check_number(
    value: float,
    name: str,
    *,
    unit: str = "",
    min: float | None = None,  # noqa: A002 - reads as the rule it states
    max: float | None = None,  # noqa: A002
    min_inclusive: bool = True,
    integer: bool = False,
) -> float:
    """Return ``value`` if it is a finite number within the bounds, else raise.

    Parameters
    ----------
    value : float
        The number given.
    name : str
        The parameter's name, for the message.
    unit : str
        The unit the bounds are in (e.g. ``"s"``, ``"Hz"``, ``"samples"``).
    min, max : float | None
        Bounds; ``min`` is exclusive when ``min_inclusive`` is False (e.g.
        "> 0 s"), ``max`` is always inclusive.
    integer : bool
        Whether the value must be an integer (a bool is refused).

    Examples
    --------
    >>> check_number(2.0, "timeout", unit="s", min=0, min_inclusive=False)
    2.0
    """
    rules = []
    if min is not None:
        rules.append(f"{'>=' if min_inclusive else '>'} {min:g}")
    if max is not None:
        rules.append(f"<= {max:g}")
    rule = "".join(f" {r}" for r in (" and ".join(rules),) if r)
    unit_text = f" {unit}" if unit else ""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    ok = is_number and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if ok and min is not None:
        ok = value >= min if min_inclusive else value > min
    if ok and max is not None:
        ok = value <= max
    if not ok:
        kind = "an integer" if integer else "a finite number"
        raise EEGStreamError(
            f"{{{name}}} must be {kind}{rule}{unit_text}, got {value!r}", param=name
        )
    return value


def parse_int_list(text: str, name: str) -> list[int]:
    """Read numbers and inclusive ranges such as ``"1,3,5-7"`` (order kept).

    Parameters
    ----------
    text : str
        Comma-separated integers >= 1 and ranges ``a-b`` with ``a <= b``.
    name : str
        The parameter's name, for the message (e.g. ``"trials"``).

    Returns
    -------
    list of int
        E.g. ``[1, 3, 5, 6, 7]``, in the order written (repeats kept).

    Examples
    --------
    >>> parse_int_list("1,3,5-7", "trials")
    [1, 3, 5, 6, 7]
    """
    out: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise EEGStreamError(
                f"bad {{{name}}} list {text!r} at {part!r}: expected numbers and "
                "ranges such as 1,3,5-7",
                param=name,
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if first < 1 or last < first:
            raise EEGStreamError(
                f"bad range {part!r} in {{{name}}} {text!r}: numbers count from 1 "
                "and a range a-b needs a <= b",
                param=name,
            )
        out.extend(range(first, last + 1))
    return out
