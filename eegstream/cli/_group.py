"""``eegstream run`` over several streams: the group session's options and loop.

Private to :mod:`eegstream.cli`. ``--stream`` and ``--source-id`` given more
than once, ``--all-streams``, ``--wearers`` or ``--shard`` make a group
session (:class:`~eegstream.group.GroupSession`); everything is checked
before a stream is opened.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ..features.options import line_freq_value
from ._shared import stop_uninterrupted

#: Options of one wearer's session that a group session refuses: flag -> dest.
_SINGLE_ONLY = {
    "--wearer": "wearer",
    "--calibration-record": "calibration_record",
    "--personal-model": "personal_model",
}
_STATUS_EVERY_S = 5.0


class RepeatableStore(argparse.Action):
    """Keep the first value in ``dest`` and every value in ``<dest>_all``.

    One ``--stream NAME`` keeps meaning one stream; given again, the option
    names more streams of a group session.
    """

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: D102
        every = list(getattr(namespace, f"{self.dest}_all", None) or [])
        every.append(values)
        setattr(namespace, f"{self.dest}_all", every)
        if len(every) == 1:
            setattr(namespace, self.dest, values)


class SingleStore(argparse.Action):
    """Store one value; a second one is a parser error (one stream per command)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: D102
        if getattr(namespace, self.dest, None) is not None:
            raise argparse.ArgumentError(
                self, "given more than once: this command follows one stream"
            )
        setattr(namespace, self.dest, values)


def add_group_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--all-streams``, ``--wearers``, ``--shard``, ``--tick-wait``, ..."""
    group = parser.add_argument_group(
        "many wearers (--stream or --source-id more than once, or --all-streams)"
    )
    group.add_argument(
        "--all-streams",
        nargs="?",
        const="EEG",
        default=None,
        metavar="TYPE",
        help="follow every LSL stream of this type (default EEG), also those "
        "that appear later, each with its own chain, in one process",
    )
    group.add_argument(
        "--wearers",
        type=Path,
        default=None,
        metavar="FILE.toml",
        help="wearer names and optional models by source_id or stream name "
        '([wearers.P01] source_id = "cap-1" model = "NAME"; docs/group.md)',
    )
    group.add_argument(
        "--shard",
        default=None,
        metavar="K/N",
        help="follow only share K of N of the streams (split by source_id): N "
        "machines started with 1/N .. N/N take every stream once",
    )
    group.add_argument(
        "--tick-wait",
        type=float,
        default=5.0,
        metavar="MS",
        help="how long a tick waits from its first ready step for the other "
        "wearers' steps, in ms, before their one batched model call",
    )
    group.add_argument(
        "--group-outlet",
        default="eegstream-group",
        metavar="NAME",
        help="name of the LSL outlet publishing every wearer's probabilities per "
        "tick, aligned on LSL time",
    )


def group_requested(args: argparse.Namespace) -> bool:
    """Whether the options ask for a group session."""
    return (
        len(getattr(args, "stream_all", None) or ()) > 1
        or len(getattr(args, "source_id_all", None) or ()) > 1
        or args.all_streams is not None
        or args.wearers is not None
        or args.shard is not None
    )


def group_from_args(args: argparse.Namespace) -> Any:
    """Check every option and build the (not started) group session.

    Raises
    ------
    EEGStreamError
        One line: a stream given twice, a bad wearers file, ``--shard`` out
        of range, an option of a one-wearer session.
    """
    from .._checks import check_number
    from .._errors import EEGStreamError
    from ..calibration.options import MAX_ALPHA
    from ..group import GroupSession, StreamQuery, load_roster, parse_shard

    for flag, dest in _SINGLE_ONLY.items():
        if getattr(args, dest, None) is not None:
            raise EEGStreamError(
                f"{flag} applies to a one-stream session, not to a group session; "
                "leave it out (give wearers with --wearers FILE.toml)"
            )
    check_number(args.tick_wait, "tick-wait", unit="ms", min=0)
    if args.calibrate is not None:
        check_number(args.calibrate, "calibrate", unit="s", min=0, min_inclusive=False)
        check_number(args.alpha, "alpha", min=0, min_inclusive=False, max=MAX_ALPHA)
        if args.model is None:
            raise EEGStreamError(
                "--calibrate needs --model BASE: the model to calibrate from"
            )
        if args.wearers is None:
            raise EEGStreamError(
                "--calibrate in a group session calibrates the wearers of "
                "--wearers FILE.toml (their recordings and personal models are "
                "named after them); give --wearers"
            )
    check_number(args.timeout, "timeout", unit="seconds", min=0, min_inclusive=False)
    shard = parse_shard(args.shard) if args.shard is not None else None
    roster = load_roster(args.wearers) if args.wearers is not None else None
    queries = [
        StreamQuery(name=n, stream_type=args.stream_type)
        for n in (getattr(args, "stream_all", None) or ())
    ] + [
        StreamQuery(source_id=s, stream_type=args.stream_type)
        for s in (getattr(args, "source_id_all", None) or ())
    ]
    if not queries and args.all_streams is None:
        raise EEGStreamError(
            "--wearers and --shard need the streams: --stream/--source-id for "
            "each, or --all-streams"
        )
    return GroupSession(
        args.model,
        streams=queries,
        all_streams=args.all_streams,
        roster=roster,
        shard=shard,
        device=args.device,
        tick_wait_s=args.tick_wait / 1000.0,
        outlets=not args.no_outlets,
        group_name=args.group_outlet,
        log_path=args.log_path,
        resolve_timeout=args.timeout,
        unit=args.unit,
        line_freq=line_freq_value(args.line_freq),
        assume_seed_order=args.assume_seed_order,
        checks=args.artifacts != "off",
        asr=getattr(args, "asr", None),
        markers=args.markers,
        label_map=args.label_map,
    )


def run_group(args: argparse.Namespace) -> int:
    """Run a group session until ``--seconds`` or Ctrl-C; one line per wearer."""
    from .._checks import check_number

    if args.seconds is not None:
        check_number(args.seconds, "seconds", min=0, min_inclusive=False)
    if args.record is not None:
        from ..files.labrecorder import check_record_path

        check_record_path(args.record)  # before anything starts
    session = group_from_args(args)  # every option checked: nothing started yet
    from .web import start_web

    start_web(getattr(args, "web", None), "run")  # each wearer is a session there
    session.start()
    interrupted = False
    try:
        print(
            f"eegstream run: model {session.checkpoint.name} on "
            f"{session.batch.device}, {len(session.members)} stream(s), one batched "
            f"call per tick (wait {session.tick_wait_s * 1e3:g} ms)",
            flush=True,
        )
        for member in session.members:
            s = member.summary
            print(
                f"eegstream run: wearer {member.wearer}: stream {s.name!r} "
                f"(source_id {s.source_id!r}, {s.channel_count} ch at "
                f"{s.nominal_srate:g} Hz)"
                + (f": refused: {member.error}" if member.chain is None else ""),
                flush=True,
            )
        if args.record is not None:
            recorder = session.start_recording(args.record)
            print(
                f"eegstream run: recording {len(recorder.streams)} streams to "
                f"{recorder.path}",
                flush=True,
            )
        start_group_calibration(session, args, "run")
        interrupted = follow_group(session, args.seconds, args.quiet)
    finally:
        stop_uninterrupted(session.stop)
    ticks = session.ticks
    mean = session.steps / ticks if ticks else 0.0
    print(
        f"eegstream run: {ticks} ticks, {mean:.2f} steps per model call on average",
        flush=True,
    )
    print(summary_text(session, "run"), flush=True)
    if session.recording is not None:
        print(f"eegstream run: {session.recording.describe()}", flush=True)
    return 130 if interrupted else 0


def summary_text(session: Any, command: str) -> str:
    """Format the exit summary of a group session: per wearer, as ``run`` alone.

    One status line per wearer, then its accuracy against markers (all,
    onset, steady state) and its per-clip readings when markers labelled its
    steps (:func:`~eegstream.pipeline.console.accuracy_lines`).
    """
    from ..pipeline.console import accuracy_lines, calibration_lines, switch_line

    lines = []
    for member, line in zip(session.members, session.status_lines(), strict=True):
        lines.append(f"eegstream {command}: {line}")
        if member.calibration is not None:
            lines += ["  " + ln for ln in calibration_lines(member.calibration)]
        lines += ["    " + switch_line(switch) for switch in member.switches]
        accuracy = (
            member.stats.accuracy(member.synthetic)
            if member.stats is not None
            else None
        )
        if accuracy is not None:
            lines += ["  " + ln for ln in accuracy_lines(accuracy)]
    if session.log is None and session.log_path is not None:
        lines.append(f"eegstream {command}: session log {session.log_path}")
    return "\n".join(lines)


def start_group_calibration(
    session: Any, args: argparse.Namespace, command: str
) -> None:
    """Start ``--calibrate SECONDS`` for the wearers of ``--wearers``; say so.

    Each running wearer the wearers file names gets what ``--calibrate``
    gives one wearer with ``--wearer NAME``
    (:func:`~eegstream.calibration.wearer_session.personal_session`): its own
    calibration XDF (``calibration-<wearer>-<time>.xdf``), a personal model
    fitted from ``--model`` and named after it, and the switch once fitted.
    """
    if args.calibrate is None:
        return
    from ._personal import personal_session

    plans = {}
    for member in session.members:
        named = session.roster.find(member.summary.name, member.summary.source_id)
        if member.chain is None or named is None:
            continue
        # --personal-model and --calibration-record are refused here: both None
        personal = personal_session(args, wearer=member.wearer)
        # sanity check: --calibrate makes both
        assert personal.calibrate is not None and personal.recording is not None
        plans[member.wearer] = (personal.calibrate, personal.recording)
    for wearer, calibration in session.start_calibration(args.calibrate, plans).items():
        print(
            f"eegstream {command}: {wearer}: calibrating on the next "
            f"{args.calibrate:g} s of labelled EEG (recording to "
            f"{calibration.recorder.path}); the personal model takes over when fitted",
            flush=True,
        )


def follow_group(session: Any, seconds: float | None, quiet: bool) -> bool:
    """Wait for time up or Ctrl-C, printing one line per wearer every 5 s."""
    start = last = time.monotonic()
    try:
        while seconds is None or time.monotonic() - start < seconds:
            time.sleep(0.1)
            if not quiet and time.monotonic() - last >= _STATUS_EVERY_S:
                last = time.monotonic()
                for line in session.status_lines():
                    print(f"  {line}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        return True
    return False
