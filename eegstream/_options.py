"""The one table of command-line options, for the parsers and reproduce lines.

An :class:`Option` ties a flag to where its value lives in the library's
options object (``attr``, a dotted path such as ``"feature_config.window_s"``)
and takes its default and choices from the library's dataclasses and
constants, so nothing is written twice. :func:`add_options` puts a table into
an argparse parser; :func:`command_line` writes the flags whose values differ
from their defaults. Options shared by several commands are defined once:
the features' and devices' here, the datasets' beside them
(:mod:`eegstream.datasets.options`); a command's own table lives beside its
options dataclass (e.g. :data:`eegstream.training.config.TRAIN_OPTIONS`).
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import EEGStreamError
from .features.config import (
    COMPAT_MODES,
    SMOOTHING_MODES,
    ConditioningSettings,
    FeatureConfig,
)

#: Where a model runs (``"cuda:1"`` etc. are also understood by the library).
DEVICES = ("auto", "cpu", "cuda")

_FEATURES = FeatureConfig()
_CONDITIONING = ConditioningSettings()
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
            if self.action == "append":  # a repeatable option
                kwargs.update(type=self.type, metavar=self.metavar)
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


MODEL = Option("--model", "model name in models/ or checkpoint path", required=True)


def _hz_or_none(text: str) -> float | None:
    """Read a frequency in Hz, or ``"none"`` for None."""
    return None if text.lower() == "none" else float(text)


def device_option(help: str, **overrides: Any) -> Option:  # noqa: A002
    """``--device``: auto, cpu or cuda."""
    return Option("--device", help, default="auto", choices=DEVICES, **overrides)


_COND_GROUP = (
    "signal conditioning (causal filters before the DE, stored with the feature "
    "settings)"
)


def _conditioning(flag: str, field: str, help: str, **kw: Any) -> Option:  # noqa: A002
    """Make the option of a ConditioningSettings field, its dest and default."""
    return Option(
        flag,
        help,
        attr=f"feature_config.conditioning.{field}",
        dest=field,
        default=getattr(_CONDITIONING, field),
        group=_COND_GROUP,
        **kw,
    )


#: The filters before the DE (:class:`~eegstream.features.ConditioningSettings`);
#: each ``dest`` is the settings' field, so its errors name the flag.
CONDITIONING_OPTIONS: tuple[Option, ...] = (
    _conditioning(
        "--highpass",
        "highpass_hz",
        "high-pass edge in Hz, or 'none'",
        type=_hz_or_none,
        metavar="HZ",
    ),
    _conditioning(
        "--lowpass",
        "lowpass_hz",
        "low-pass edge in Hz, or 'none'",
        type=_hz_or_none,
        metavar="HZ",
    ),
    _conditioning(
        "--filter-order",
        "order",
        "Butterworth order of the high- and low-pass, 1-8",
        type=int,
        metavar="N",
    ),
    _conditioning(
        "--line-freq",
        "line_freq",
        "mains frequency in Hz, notched with its harmonics below Nyquist",
        type=float,
        metavar="{50,60}",
    ),
    Option(
        "--no-conditioning",
        "no filtering: the DE of the EEG as it is (e.g. to reproduce a "
        "release's features from its preprocessed EEG)",
        attr="feature_config.conditioning",
        action="store_true",
        group=_COND_GROUP,
        none_flag=True,
    ),
)

#: The feature settings a user may change (the rest follow the checkpoint).
FEATURE_OPTIONS: tuple[Option, ...] = (
    Option(
        "--window",
        "DE window in seconds",
        attr="feature_config.window_s",
        type=float,
        default=_FEATURES.window_s,
    ),
    Option(
        "--hop",
        "step between windows in seconds",
        attr="feature_config.hop_s",
        type=float,
        default=_FEATURES.hop_s,
    ),
    Option(
        "--smoothing",
        "causal Kalman smoothing of each feature over windows, or none",
        attr="feature_config.smoothing",
        default=_FEATURES.smoothing,
        choices=SMOOTHING_MODES,
    ),
    Option(
        "--compat",
        "reproduce the official SEED-VII extractor (256-point FFT of each "
        "window's first 1.28 s, gamma 31-49 Hz) instead of the standard DE",
        attr="feature_config.compat",
        default=_FEATURES.compat,
        choices=COMPAT_MODES,
    ),
    *CONDITIONING_OPTIONS,
    Option(
        "--asr",
        "artifact subspace reconstruction after the filters (needs the asr "
        "extra): fitted on each recording's first minute, cleaning from 10 s "
        "later, as live; stored with the feature settings (docs/asr.md)",
        attr="feature_config.asr",
        action="store_true",
        group=_COND_GROUP,
    ),
)


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
