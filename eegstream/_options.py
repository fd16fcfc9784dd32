"""The option mechanism: tables of command-line options, for parsers and commands.

An :class:`Option` ties a flag to where its value lives in the library's
options object (``attr``, a dotted path such as ``"feature_config.window_s"``)
and takes its default and choices from the library's dataclasses and
constants, so nothing is written twice. :func:`add_options` puts a table into
an argparse parser; :func:`command_line` writes the flags whose values differ
from their defaults. Each table lives beside the code it configures: the
features' in :mod:`eegstream.features.options`, the model's and the device's
in :mod:`eegstream.model.options`, the datasets' in
:mod:`eegstream.datasets.options`, a command's own beside its options
dataclass (e.g. :data:`eegstream.training.options.TRAIN_OPTIONS`).
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import EEGStreamError

# A value at an attr path under a None (e.g. a field of conditioning=None).
_UNDER_NONE = object()


@dataclass(frozen=True)
class Option:
    """One command-line option.

    Parameters
    ----------
    flag : str
        E.g. ``"--window"``.
    help : str
        One line for ``--help``.
    attr : str | None
        Dotted path of the value in the options object the command builds
        (for :func:`command_line`); ``None``: not part of a reproduce line.
    default, type, choices, metavar, action, required, nargs, const
        As for ``argparse.ArgumentParser.add_argument`` (``nargs="?"`` with
        ``const``: a flag whose value may be left out).
    dest : str | None
        The argparse destination; default from the flag. Library errors name
        it (see :mod:`eegstream._checks`), so it is the library's parameter.
    aliases : tuple of str
        Old spellings, accepted but hidden from ``--help``.
    group : str | None
        Title of the help section.
    always : bool
        Written on reproduce lines even at its default.
    none_flag : bool
        A ``store_true`` flag that sets the value at ``attr`` to ``None``
        (``--no-conditioning``), overriding the options below that path; it
        is written on reproduce lines when that value is ``None``.
    """

    flag: str
    help: str
    attr: str | None = None
    default: Any = None
    type: Callable[[str], Any] | None = None
    choices: Sequence[Any] | None = None
    metavar: str | None = None
    action: str | Callable[..., argparse.Action] | None = None
    required: bool = False
    nargs: str | None = None
    const: Any = None
    dest: str | None = None
    aliases: tuple[str, ...] = ()
    group: str | None = None
    always: bool = False
    none_flag: bool = False

    @property
    def name(self) -> str:
        """The argparse destination."""
        return self.dest or self.flag.lstrip("-").replace("-", "_")

    def add_to(self, parser: argparse.ArgumentParser | Any) -> None:
        """Add the option (and its hidden aliases) to a parser or group."""
        kwargs: dict[str, Any] = {"help": self.help, "dest": self.name}
        if self.action is not None:
            kwargs["action"] = self.action
            if self.action not in ("store_true", "store_false"):  # takes a value
                given = {"type": self.type, "metavar": self.metavar}
                kwargs.update({k: v for k, v in given.items() if v is not None})
        else:
            kwargs.update(default=self.default, type=self.type, metavar=self.metavar)
            if self.nargs is not None:
                kwargs.update(nargs=self.nargs, const=self.const)
            if self.choices is not None:
                # None is a default, never a value typed on the command line.
                kwargs["choices"] = tuple(c for c in self.choices if c is not None)
        if self.required:
            kwargs["required"] = True
        parser.add_argument(self.flag, **kwargs)
        for alias in self.aliases:
            parser.add_argument(alias, **{**kwargs, "help": argparse.SUPPRESS})


def add_options(parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    """Add ``options`` to ``parser``, in help sections by their ``group``."""
    groups: dict[str | None, Any] = {None: parser}
    for opt in options:
        if opt.group not in groups:
            groups[opt.group] = parser.add_argument_group(opt.group)
        opt.add_to(groups[opt.group])


def command_line(words: Sequence[str], options: Sequence[Option], values: Any) -> str:
    """Write the command that sets every option of ``values`` off its default.

    Parameters
    ----------
    words : sequence of str
        The command, e.g. ``["eegstream", "train"]``.
    options : sequence of Option
        The command's table; only options with an ``attr`` are written.
    values : object
        The options object (``attr`` paths are read from it).

    Returns
    -------
    str
        A shell-quoted command line.
    """
    args = list(words)
    for opt in options:
        if opt.attr is None:
            continue
        value = _read(values, opt.attr)
        if opt.none_flag:
            args += [opt.flag] if value is None else []
            continue
        if opt.action == "store_true":
            args += [opt.flag] if value else []
            continue
        if value is _UNDER_NONE or (
            value == opt.default and not opt.required | opt.always
        ):
            continue
        if isinstance(value, list | tuple) and opt.nargs is not None:
            args += [opt.flag, *map(str, value)]
            continue
        if opt.action == "append":
            for item in value:
                args += [opt.flag, str(item)]
            continue
        if value is None:
            if opt.default is None:
                continue
            value = "none"  # set off a default that is not None; type reads it
        if isinstance(value, list | tuple):
            value = ",".join(map(str, value))
        args += [opt.flag, str(value)]
    return shlex.join(args)


def _read(values: Any, attr: str) -> Any:
    """Return the value at a dotted ``attr`` path, or ``_UNDER_NONE`` below a None."""
    for part in attr.split("."):
        if values is None:
            return _UNDER_NONE
        values = getattr(values, part)
    return values


def values_from_args(args: argparse.Namespace, options: Sequence[Option]) -> dict:
    """Read parsed ``args`` back into the nested shape of the options' ``attr``.

    ``{"dataset": ..., "feature_config": {"window_s": ...}, "train": {...}}``:
    the keyword arguments of the options dataclasses, in the table's terms.
    Options without an ``attr``, or absent from ``args`` (``argparse.SUPPRESS``:
    left to a recipe, see :func:`eegstream.training.config.apply_recipe`), are
    left out.
    """
    out: dict[str, Any] = {}
    for opt in options:
        if opt.attr is None or opt.none_flag:
            continue
        *parents, leaf = opt.attr.split(".")
        if not hasattr(args, opt.name):
            continue  # absent (argparse.SUPPRESS): left to a recipe
        where = out
        for part in parents:
            where = where.setdefault(part, {})
        where[leaf] = getattr(args, opt.name)
    for opt in options:
        if opt.none_flag and opt.attr is not None and getattr(args, opt.name, False):
            _set_none(out, opt, options, args)
    return out


def _set_none(
    out: dict, flag: Option, options: Sequence[Option], args: argparse.Namespace
) -> None:
    """Put ``None`` at ``flag``'s attr, refusing options set below that path."""
    below = [
        o
        for o in options
        if o.attr is not None
        and o.attr.startswith(f"{flag.attr}.")
        and getattr(args, o.name, o.default) != o.default
    ]
    if below:
        raise EEGStreamError(
            f"{flag.flag} turns off what "
            + ", ".join(o.flag for o in below)
            + " would set; drop one or the other"
        )
    *parents, leaf = str(flag.attr).split(".")
    where = out
    for part in parents:
        where = where.setdefault(part, {})
    where[leaf] = None
