"""The one exception type whose message is meant for the user."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

#: How a parameter is spelled in a message: ``spell(name, value, has_value)``.
Speller = Callable[[str, Any, bool], str]


def python_spelling(name: str, value: Any, has_value: bool) -> str:
    """Spell a parameter as Python code: ``unit`` or ``unit='uV'``."""
    return f"{name}={value!r}" if has_value else name


class EEGStreamError(Exception):
    """Bad input or an unmet condition, explained in one line.

    The command line prints the message after ``eegstream: error:`` and exits
    non-zero, without a traceback. Raise it at the public boundary with a
    message that names the problem, the offending value and what would be
    right.

    Parameters
    ----------
    message : str
        The line. ``{name}`` stands for a parameter named in ``param`` or
        ``suggest``, so that the library speaks of Python parameters
        (``unit='uV'``) and the command line of its flags (``--unit uV``).
    param : str | tuple of str | None
        Parameters the message names (spelled without a value).
    suggest : mapping | None
        Parameters the message suggests a value for (``name -> value``).
    """

    def __init__(
        self,
        message: str = "",
        *,
        param: str | tuple[str, ...] | None = None,
        suggest: Mapping[str, Any] | None = None,
    ) -> None:
        self.template = message
        names = (param,) if isinstance(param, str) else tuple(param or ())
        self.params: dict[str, tuple[Any, bool]] = {n: (None, False) for n in names}
        self.params.update({n: (v, True) for n, v in (suggest or {}).items()})
        super().__init__(self.render())

    @property
    def param(self) -> str | None:
        """The first parameter the message names, if any."""
        return next(iter(self.params), None)

    def render(self, spell: Speller = python_spelling) -> str:
        """Return the message with each ``{name}`` spelled by ``spell``."""
        if not self.params:
            return self.template
        pattern = "|".join(re.escape(n) for n in self.params)
        return re.sub(
            r"\{(" + pattern + r")\}",
            lambda m: spell(m.group(1), *self.params[m.group(1)]),
            self.template,
        )
