"""``eegstream demo --wearers N``: a room of synthetic wearers, one group session.

Private to :mod:`eegstream.cli`. Subject 15 of the demo's synthetic world,
then 14, 13, ... play at once as separate headsets, released together, with
one marker stream for the room (:class:`~eegstream.replay.RoomReplay`); one
:class:`~eegstream.group.GroupSession` classifies them with batched model
calls and prints one line per wearer.
"""

from __future__ import annotations

import argparse


def run_group_demo(args: argparse.Namespace) -> int:
    """Run the group demo in the console; return 0 (130 on Ctrl-C)."""
    from ..demo import (
        DEMO_DATASET,
        DEMO_SESSION_DIR,
        check_model,
        default_log_path,
        demo_model,
        demo_room,
        group_subjects,
        prepare_session,
    )
    from ..group import GroupSession, Roster, StreamQuery, WearerEntry
    from ..model import load_checkpoint, resolve_model
    from ._group import follow_group, summary_text

    subjects = group_subjects(args.wearers)
    if args.dataset != DEMO_DATASET:
        from .._errors import EEGStreamError

        raise EEGStreamError(
            f"--wearers plays a room of synthetic SEED-IV wearers; leave out "
            f"--dataset {args.dataset}"
        )
    if args.record is not None:
        from .._errors import EEGStreamError

        raise EEGStreamError(
            "--record with --wearers: record the room with `eegstream run "
            "--all-streams --record` beside `eegstream replay --subjects`"
        )
    checkpoint = load_checkpoint(resolve_model(demo_model(args.headset, args.model)))
    check_model(checkpoint)
    root = args.session_dir or DEMO_SESSION_DIR.with_name(
        f"{DEMO_SESSION_DIR.name}-group"
    )
    root = prepare_session(root, subjects=subjects)
    room = demo_room(root, subjects, speed=args.speed, headset=args.headset)
    players = room.players
    seen = [s for s in subjects if s != subjects[0]]
    print(
        f"eegstream demo: SYNTHETIC EEG (simulated, not people) of {len(subjects)} "
        "wearers replayed over LSL at once"
        + (
            f"; subjects {', '.join(map(str, seen))} were in the demo model's "
            "training set: their readings are optimistic"
            if seen
            else ""
        ),
        flush=True,
    )
    roster = Roster(
        tuple(
            WearerEntry(f"S{s:02d}", source_id=p.source_id)
            for s, p in zip(subjects, players, strict=True)
        )
    )
    session = None
    try:
        room.start()
        session = GroupSession(
            checkpoint,
            streams=[StreamQuery(source_id=p.source_id) for p in players],
            roster=roster,
            log_path=args.log or default_log_path(),
            checks=args.artifacts != "off",
        ).start()
        room.release()  # together: the same clip at the same time
        interrupted = follow_group(session, args.seconds, quiet=False)
        session.stop()
    finally:
        if session is not None:
            session.stop()
        room.stop()
    mean = session.steps / max(1, session.ticks)
    print(
        f"eegstream demo: {session.ticks} model calls, {mean:.2f} wearers per call",
        flush=True,
    )
    print(summary_text(session, "demo"), flush=True)
    return 130 if interrupted else 0
