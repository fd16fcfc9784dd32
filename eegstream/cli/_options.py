"""Helpers shared by the commands: pipeline options, lists, errors spelled as flags.

Private to :mod:`eegstream.cli`; no command module imports another.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._options import Option, values_from_args
from ..calibration.options import ALPHA_OPTION
from ..features.options import LINE_FREQ_HELP, line_freq_value
from ..model.options import device_option
from ..protocol import RESOLVE_TIMEOUT_S, UNIT_CHOICES

if TYPE_CHECKING:
    from ..calibration.wearer_session import PersonalSession
    from ..pipeline import LivePipeline
    from ..training.config import RunOptions

#: ``--timeout``: how long the stream may take to appear.
TIMEOUT_OPTION = Option(
    "--timeout",
    "seconds to wait for the stream to appear",
    type=float,
    default=RESOLVE_TIMEOUT_S,
    metavar="SECONDS",
)
#: ``--unit``: the stream's unit (``run``, ``live``, ``check``).
UNIT_OPTION = Option(
    "--unit",
    "the stream's unit; auto: its channel description, else its amplitude "
    "(volts detected with a warning)",
    default="auto",
    choices=UNIT_CHOICES,
)
#: How a followed stream is read (``run``, ``live``), after which stream.
STREAM_READING_OPTIONS: tuple[Option, ...] = (
    Option(
        "--assume-seed-order",
        "take an unlabelled 62-channel stream as the SEED channel order",
        action="store_true",
    ),
    UNIT_OPTION,
    Option(
        "--markers",
        "follow this marker stream (a stimulus program's; repeatable); default: "
        "the replay's <name>-markers when present",
        action="append",
        metavar="NAME",
    ),
    Option(
        "--label-map",
        "TOML rules turning marker strings into true labels (docs/markers.md)",
        type=Path,
        metavar="FILE",
    ),
)
#: ``--record PATH.xdf`` (``run``, ``live``, ``demo``).
RECORD_OPTION = Option(
    "--record",
    "record the session with LabRecorder into this new XDF file: the EEG, its "
    "markers, the probability and band-power outlets",
    type=Path,
    metavar="PATH.xdf",
)
#: ``--web PORT`` (``run``, ``live``, ``demo``): the live web view.
WEB_OPTION = Option(
    "--web",
    "also serve the live web view (as `eegstream web`) on 127.0.0.1:PORT from "
    "this process; see docs/web.md",
    type=int,
    metavar="PORT",
)
#: ``--artifacts``: the policies and the default, as ``quality.policy`` has them
#: (tested equal), without importing the library to parse.
ARTIFACT_POLICIES = ("flag", "hold", "off")
DEFAULT_ARTIFACTS = "flag"
ARTIFACTS_OPTION = Option(
    "--artifacts",
    "what the gauge shows while the signal checks find an artifact or too many "
    "bad channels: flag: every reading, marked contaminated; hold: the last "
    "clean reading, with the reason and since when (also on the "
    "<stream>-probabilities-held outlet; <stream>-probabilities keeps every "
    "step); off: no signal checks. Default flag: on real EEG with planted "
    "faults (benchmarks/bench_policy.py) the shown top class differed from the "
    "clean recording's on 0-9.8 %% of steps with flag, 2.5-20.5 %% with hold: a "
    "held reading goes stale, and 26-62 %% of the steps of clean real "
    "recordings carry a flag (eye flags on 7-59 %%)",
    default=DEFAULT_ARTIFACTS,
    metavar="{" + ",".join(ARTIFACT_POLICIES) + "}",
)
#: ``--asr``/``--no-asr`` (``run``, ``live``).
ASR_OPTION = Option(
    "--asr",
    "artifact subspace reconstruction between the filters and the DE (needs the "
    "asr extra): fitted on the session's first minute (its clean seconds), "
    "cleaning from 10 s later; default: as the model was trained (docs/asr.md)",
    action=argparse.BooleanOptionalAction,
)


def line_freq_option(what: str) -> Option:
    """``--line-freq`` of a command that runs a model: 50, 60 or auto.

    ``what`` says what the command does with it, after the meaning every
    command shares (:data:`~eegstream.features.options.LINE_FREQ_HELP`).
    """
    return Option(
        "--line-freq", f"{LINE_FREQ_HELP}, {what}", choices=("50", "60", "auto")
    )


#: The pipeline's options (``run``, ``live``).
PIPELINE_OPTIONS: tuple[Option, ...] = (
    device_option("where the model runs (auto: CUDA when present)"),
    line_freq_option(
        "notched instead of the model's, for a headset in another country "
        "(default: the model's); auto: estimated from the first second of the "
        "stream, what was found is logged"
    ),
    Option(
        "--log",
        "write a JSON Lines session log to this new file",
        type=Path,
        metavar="PATH",
        dest="log_path",
    ),
    RECORD_OPTION,
    WEB_OPTION,
    ARTIFACTS_OPTION,
    ASR_OPTION,
    Option(
        "--no-outlets",
        "do not publish the probability and band-power LSL streams",
        action="store_true",
    ),
)
#: ``--wearer`` and live calibration (``run``, ``live``).
PERSONAL_OPTIONS: tuple[Option, ...] = (
    Option(
        "--wearer",
        "whose session: start with the wearer's personal model (if any) and "
        "normaliser statistics from the wearer store ($EEGSTREAM_WEARERS, default "
        "~/.eegstream/wearers), save the statistics there at the end",
        metavar="NAME",
    ),
    Option(
        "--calibrate",
        "record the first SECONDS of labelled EEG (markers of --markers, read with "
        "--label-map) into an XDF, calibrate a personal model from --model on them "
        "in the background and switch to it without dropping the stream; with "
        "--wearer the model is stored for the wearer",
        type=float,
        metavar="SECONDS",
    ),
    Option(
        "--calibration-record",
        "the new XDF of the calibration seconds (default: "
        "calibration-<wearer>-<time>.xdf in the current folder)",
        type=Path,
        metavar="PATH.xdf",
    ),
    Option(
        "--personal-model",
        "name of the personal model written to models/ (default: "
        "<model>-<wearer>-<time>)",
        metavar="NAME",
    ),
    replace(
        ALPHA_OPTION,
        help="--calibrate's gain test: the session switches to the personal model "
        "when the permutation test over whole segments gives p <= alpha, in "
        "(0, 0.5]",
    ),
)


def add_pipeline_options(parser: argparse.ArgumentParser, stream_hint: str) -> None:
    """Add stream selection (--stream, --type, --source-id, ...) and pipeline options.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    stream_hint : str
        What happens when no stream option is given, for the group's title.
    """
    stream = parser.add_argument_group(f"stream ({stream_hint})")
    add_stream_choice(stream, repeatable=True)
    for table, group in (
        (STREAM_READING_OPTIONS, stream),
        (PIPELINE_OPTIONS, parser.add_argument_group("pipeline")),
        (PERSONAL_OPTIONS, parser.add_argument_group("wearer and live calibration")),
    ):
        for option in table:
            option.add_to(group)


def add_stream_choice(stream: Any, repeatable: bool = False) -> None:
    """Add ``--stream``, ``--type``, ``--source-id``, ``--timeout``: which stream.

    With ``repeatable`` (``run``, ``live``), ``--stream`` and ``--source-id``
    may name several streams (a group session); else a second one is refused.
    """
    from ._group import RepeatableStore, SingleStore

    store = RepeatableStore if repeatable else SingleStore
    more = " (more than once: a group session)" if repeatable else ""
    for option in (
        Option("--stream", f"LSL stream name{more}", action=store, metavar="NAME"),
        Option(
            "--type", "LSL stream type, e.g. EEG", metavar="TYPE", dest="stream_type"
        ),
        Option(
            "--source-id",
            f"LSL source_id (unique per device){more}",
            action=store,
            metavar="ID",
        ),
        TIMEOUT_OPTION,
    ):
        option.add_to(stream)


def check_artifacts(args: argparse.Namespace) -> None:
    """Refuse an unknown ``--artifacts`` policy before anything starts (exit 2)."""
    from ..quality.policy import check_policy

    check_policy(args.artifacts)


def pipeline_from_args(checkpoint: Any, args: argparse.Namespace, **kwargs: Any) -> Any:
    """Build the :class:`~eegstream.pipeline.LivePipeline` the options ask for.

    It is not started yet. ``kwargs`` go to it as they are (``wearer``,
    ``wearer_state``: :attr:`PersonalSession.pipeline_options`).
    """
    from .._checks import check_number
    from ..pipeline import LivePipeline

    check_number(args.timeout, "timeout", unit="seconds", min=0, min_inclusive=False)
    return LivePipeline(
        checkpoint,
        stream=args.stream,
        stream_type=args.stream_type,
        source_id=args.source_id,
        assume_seed_order=args.assume_seed_order,
        unit=args.unit,
        log_path=args.log_path,
        device=args.device,
        outlets=not args.no_outlets,
        resolve_timeout=args.timeout,
        markers=args.markers,
        label_map=args.label_map,
        line_freq=line_freq_value(args.line_freq),
        artifacts=args.artifacts,
        asr=args.asr,
        **kwargs,
    )


def option_kwargs(
    args: argparse.Namespace, options: Sequence[Option]
) -> dict[str, Any]:
    """Return the parsed values of ``options`` keyed by their ``dest``.

    An option's ``dest`` is the library parameter it sets, so a table passes
    straight through: ``export_bids(path, **option_kwargs(args, OPTIONS))``.
    """
    return {opt.name: getattr(args, opt.name) for opt in options}


def finish_personal(pipe: LivePipeline, session: PersonalSession, command: str) -> None:
    """After the session: let a fit under way end, save the wearer's statistics."""
    calibration = pipe.calibration
    if calibration is not None and calibration.state == "fitting":
        print(
            f"eegstream {command}: the personal model is still being fitted; "
            "waiting for it (Ctrl-C to abandon)",
            flush=True,
        )
        try:
            calibration.wait()
        except KeyboardInterrupt:
            print(f"eegstream {command}: calibration abandoned", flush=True)
        if calibration.personal is not None:
            print(
                f"eegstream {command}: personal model "
                f"{calibration.personal.checkpoint} written (not used in this session)",
                flush=True,
            )
    if session.save_state is not None:
        session.save_state(pipe.wearer_state())
        print(
            f"eegstream {command}: saved the normaliser statistics of wearer "
            f"{session.wearer}",
            flush=True,
        )


def subjects_arg(text: str | None) -> list[int] | None:
    """``--subjects`` as sorted distinct numbers; None when not given."""
    from .._checks import parse_int_list

    return sorted(set(parse_int_list(text, "subjects"))) if text else None


def classes_arg(text: str | None) -> tuple[str, ...] | None:
    """``--classes a,b,c`` as a tuple of names; None when not given."""
    if not text:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip())


def cli_spelling(parser: argparse.ArgumentParser) -> Callable[[str, Any, bool], str]:
    """Spell a library parameter as the flag of ``parser`` that sets it.

    A parameter is matched to the option whose ``dest`` has its name; the
    ones without an option keep their Python spelling.
    """
    from .._errors import python_spelling

    flags = {a.dest: a.option_strings[0] for a in parser._actions if a.option_strings}

    def spell(name: str, value: Any, has_value: bool) -> str:
        if name not in flags:
            return python_spelling(name, value, has_value)
        if not has_value or value is True:
            return flags[name]
        return f"{flags[name]} {value}"

    return spell


def run_options(args: argparse.Namespace) -> RunOptions:
    """Turn parsed ``eegstream train`` arguments into the run's :class:`RunOptions`.

    ``eegstream sweep`` parses each cell's options with the same table.
    ``--channels`` or ``--channels-from`` become the SEED channel names
    (printed with those of the source that have none).
    """
    import os

    from ..features import FeatureConfig
    from ..headsets import resolve_channel_option
    from ..training.config import RunOptions, TrainConfig, apply_recipe
    from ..training.options import TRAIN_OPTIONS

    # Settings not given take the recipe's value (sweep cells too).
    values = apply_recipe(values_from_args(args, TRAIN_OPTIONS), args.recipe)
    choice = resolve_channel_option(args.channels, args.channels_from)
    if choice is not None:
        print(choice.describe(), flush=True)
    return RunOptions(
        **{
            **values,
            "feature_config": FeatureConfig(**values["feature_config"]),
            "train": TrainConfig(**values["train"], device=args.device),
            "subjects": subjects_arg(args.subjects),
            "recordings": tuple(args.recordings) if args.recordings else None,
            "markers": tuple(args.markers) if args.markers else None,
            "classes": classes_arg(args.classes),
            "channels": choice.channels if choice is not None else None,
        },
        out=args.out,
        models_dir=args.models_dir,
        save_model=not args.no_save,
        cache_dir=args.cache_dir,
        workers=args.workers,
        ray_address=args.ray_address or os.environ.get("RAY_ADDRESS") or None,
    )
