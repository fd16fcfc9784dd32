"""Stream a SEED session or an EEG file to LSL like a headset, the truth as markers."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from .._errors import EEGStreamError
from .._options import Option, add_options
from ..datasets.options import RATED_OPTIONS, dataset_option, rated_options
from ..datasets.rated_tables import RATED_DATASETS
from ..datasets.tables import DATASETS
from ._exit import hold_outlets
from ._group_replay import add_subjects_option, run_group_replay

if TYPE_CHECKING:
    from ..replay import Progress, ReplaySource


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show defaults, except the unset ones (the help says what unset means)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


HELP = "stream a SEED session or an EEG file to LSL like a headset"
DESCRIPTION = (
    __doc__ + " The EEG stream is float32 µV at the data's rate with the standard LSL "
    "channel description; the marker stream '<name>-markers' carries one JSON "
    "object per event (trial_start, trial_end, rest_start, annotation, "
    "session_end) stamped at the EEG sample it marks, and repeats the open "
    "trial (trial_state) every 2 s for consumers that join mid-trial. An .xdf "
    "recording plays its EEG stream and sends its markers again at their "
    "samples: a recorded replay's on NAME-markers, any other marker stream "
    "under its own name. Ctrl-C or SIGTERM stops cleanly (exit 0)."
)
FORMATTER = _Formatter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream replay``."""
    _add_source_options(parser)
    add_options(parser, [*RATED_OPTIONS, *_PLAY_OPTIONS])


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    """Add what to play: a dataset's trials or a file."""
    what = parser.add_argument_group("what to play (--dataset or --file)")
    source = what.add_mutually_exclusive_group(required=True)
    dataset_option(
        required=False,
        choices=DATASETS + RATED_DATASETS,
        help="a SEED-family (or rated) release (with --root and --subject)",
    ).add_to(source)
    source.add_argument(
        "--file",
        metavar="REC",
        help="an EEG file MNE reads (EDF, BDF, FIF, BrainVision, EEGLAB, Neuroscan "
        ".cnt, ...) or an XDF recording; its EEG channels are streamed in the "
        "file's order",
    )
    what.add_argument(
        "--stream-name",
        metavar="NAME",
        help="with an .xdf --file: the EEG stream to play; default: the one "
        "stream of type EEG",
    )
    what.add_argument("--root", metavar="DIR", help="the dataset's release folder")
    what.add_argument(
        "--subject", type=int, metavar="S", help="subject number (from 1)"
    )
    add_subjects_option(what)
    what.add_argument(
        "--session",
        type=int,
        metavar="K",
        help="session number (from 1); default: the subject's first session",
    )
    what.add_argument(
        "--trials",
        metavar="LIST",
        help="trials to play, in this order, e.g. 1,3,5-7; default: all of the session",
    )
    what.add_argument(
        "--sfreq",
        type=_number(above=0),
        metavar="HZ",
        help="with --file: resample to this rate (e.g. 200 for the SEED models); "
        "default: the file's rate",
    )


def _number(*, above: float | None = None, at_least: float | None = None) -> Callable:
    """Make an argparse type: a finite float above (or at least) a bound."""
    strict = above is not None
    bound = above if above is not None else at_least
    if bound is None:
        raise TypeError("_number needs a bound: above or at_least")
    rule = f"{'>' if strict else '>='} {bound:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = value > bound if strict else value >= bound
        if not (math.isfinite(value) and ok):
            raise argparse.ArgumentTypeError(f"must be a number {rule}, got {text!r}")
        return value

    return parse


def _integer(*, at_least: int) -> Callable:
    """Make an argparse type: an integer of at least ``at_least``."""

    def parse(text: str) -> int:
        if not text.strip().isdigit() or int(text) < at_least:
            raise argparse.ArgumentTypeError(
                f"must be an integer >= {at_least}, got {text!r}"
            )
        return int(text)

    return parse


_HOW = "how to play"
#: How to play and the outlets' names; each ``dest`` is a :class:`Player` parameter.
_PLAY_OPTIONS = (
    Option(
        "--speed",
        "pace relative to real time (2 = twice as fast)",
        type=_number(above=0),
        default=1.0,
        metavar="X",
        group=_HOW,
    ),
    Option(
        "--loop",
        "play N passes; --loop alone repeats forever",
        type=_integer(at_least=1),
        nargs="?",
        const=True,
        default=1,
        metavar="N",
        group=_HOW,
    ),
    Option(
        "--rest",
        "rest between trials; the EEG stream goes on with the previous trial "
        "played backwards (no label) and a rest_start marker",
        type=_number(at_least=0),
        default=0.0,
        metavar="SECONDS",
        dest="rest_s",
        group=_HOW,
    ),
    Option(
        "--chunk",
        "samples per pushed chunk",
        type=_integer(at_least=1),
        default=10,
        metavar="N",
        dest="chunk_size",
        group=_HOW,
    ),
    Option(
        "--wait",
        "hold the first sample until an inlet connects to the EEG stream",
        action="store_true",
        dest="wait_for_consumer",
        group=_HOW,
    ),
    Option(
        "--name",
        "EEG stream name (the markers stream is NAME-markers); refused if a "
        "visible stream already uses it",
        default="eegstream-replay",
        group="LSL",
    ),
    Option(
        "--source-id",
        "EEG stream source_id; default: NAME-<random>, unique per run",
        metavar="ID",
        group="LSL",
    ),
)


def run(args: argparse.Namespace) -> int:
    """Play until the end (or forever with --loop), Ctrl-C or SIGTERM; return 0."""
    import signal

    from ..replay import Player
    from ._options import option_kwargs

    hold_outlets()  # the player drops its outlets at its end, under readers
    if args.subjects is not None:
        return run_group_replay(args, option_kwargs(args, _PLAY_OPTIONS))

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # SIGTERM ends the replay like Ctrl-C: outlets closed, exit 0.
    previous = signal.signal(signal.SIGTERM, _terminate)
    progress = _ProgressLine(sys.stderr)
    player = None
    try:
        player = Player(_source(args), **option_kwargs(args, _PLAY_OPTIONS))
        player.start()
        print(player.describe(), flush=True)
        if args.wait_for_consumer:
            print("waiting for an inlet to connect ...", file=sys.stderr, flush=True)
        while not player.wait(0.25):
            progress.update(player.progress())
        progress.update(player.progress(), final=True)
    except KeyboardInterrupt:
        if player is not None:
            player.stop()
            progress.update(player.progress(), final=True)
        print(f"stopped; stream {args.name!r} closed", file=sys.stderr, flush=True)
    finally:
        if player is not None:
            player.stop()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _source(args: argparse.Namespace) -> ReplaySource:
    """Build the source the options ask for, or raise a one-line error."""
    from .._checks import parse_int_list
    from ..replay import dataset_source, file_source

    if args.file is not None:
        extra = [
            opt
            for opt, value in (
                ("--root", args.root),
                ("--subject", args.subject),
                ("--session", args.session),
                ("--trials", args.trials),
            )
            if value is not None
        ]
        if extra:
            raise EEGStreamError(
                f"{', '.join(extra)} apply to --dataset, not to --file {args.file}"
            )
        return file_source(args.file, sfreq=args.sfreq, stream_name=args.stream_name)
    missing = [
        opt
        for opt, v in (("--root", args.root), ("--subject", args.subject))
        if v is None
    ]
    if missing:
        raise EEGStreamError(f"--dataset {args.dataset} needs {' and '.join(missing)}")
    if args.sfreq is not None:
        raise EEGStreamError("--sfreq applies to --file; SEED trials play at 200 Hz")
    if args.stream_name is not None:
        raise EEGStreamError("--stream-name applies to an .xdf --file")
    trials = parse_int_list(args.trials, "trials") if args.trials is not None else None
    return dataset_source(
        args.dataset,
        args.root,
        args.subject,
        session=args.session,
        trials=trials,
        **rated_options(args),
    )


class _ProgressLine:
    """A progress line on stderr: in place on a terminal, else one line per segment."""

    def __init__(self, stream: TextIO, every_s: float = 30.0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.every_s = every_s
        self._last_where: object = None
        self._last_time = 0.0

    def update(self, progress: Progress, final: bool = False) -> None:
        """Show ``progress``; ``final`` ends the line."""
        line = progress.line()
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K" + ("\n" if final else ""))
            self.stream.flush()
            return
        where = (progress.pass_index, progress.segment, progress.in_rest)
        now = time.monotonic()
        if final or where != self._last_where or now - self._last_time >= self.every_s:
            self.stream.write(line + "\n")
            self.stream.flush()
            self._last_where, self._last_time = where, now
