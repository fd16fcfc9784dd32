"""``eegstream replay --subjects LIST``: a room of headsets from one dataset session.

Private to :mod:`eegstream.cli`. Every subject's session plays as a headset
of its own (stream ``<name>-S01``, source_id ``<source_id>-S01``, ...), all
released at the same instant, with one marker stream for the room
(``<name>-markers``), as a group watching the same clips would be
(:class:`~eegstream.replay.RoomReplay`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_subjects_option(group: Any) -> None:
    """Add ``--subjects LIST`` to the replay's source options."""
    group.add_argument(
        "--subjects",
        metavar="LIST",
        help="with --dataset: play these subjects' sessions at once as separate "
        "headsets (e.g. 1-8), streams NAME-S01 .. with source_ids ID-S01 .., and "
        "one marker stream NAME-markers for the room (the clips are everyone's); "
        "instead of --subject",
    )


def run_group_replay(args: argparse.Namespace, play: dict[str, Any]) -> int:
    """Play every subject of ``--subjects`` at once; return 0 (Ctrl-C too).

    ``play``: the :class:`~eegstream.replay.Player` options of the command
    (``name`` and ``source_id`` become the room's: each headset's prefix).
    """
    import signal

    from .._checks import parse_int_list
    from .._errors import EEGStreamError
    from ..replay import RoomReplay, dataset_source
    from ._options import subjects_arg

    if args.file is not None or args.dataset is None:
        raise EEGStreamError("--subjects plays a --dataset session, not a --file")
    if args.subject is not None:
        raise EEGStreamError("give --subject S or --subjects LIST, not both")
    if args.root is None:
        raise EEGStreamError(f"--dataset {args.dataset} needs --root")
    if args.sfreq is not None or args.stream_name is not None:
        raise EEGStreamError("--sfreq and --stream-name apply to --file")
    subjects = subjects_arg(args.subjects) or []
    trials = parse_int_list(args.trials, "trials") if args.trials is not None else None
    sources = [
        dataset_source(args.dataset, args.root, s, session=args.session, trials=trials)
        for s in subjects
    ]  # every subject is read (and refused) before a stream opens
    room = RoomReplay(
        [(f"S{s:02d}", source) for s, source in zip(subjects, sources, strict=True)],
        **play,
    )

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        room.start()
        print(room.describe(), flush=True)
        room.release()  # together: the same clip at the same time
        while not room.wait(0.25):
            pass
        print(f"played {len(room.players)} headsets to the end", file=sys.stderr)
    except KeyboardInterrupt:
        print(
            f"stopped; {len(room.players)} streams and their marker stream closed",
            file=sys.stderr,
            flush=True,
        )
    finally:
        room.stop()
        signal.signal(signal.SIGTERM, previous)
    return 0
