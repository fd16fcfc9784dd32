"""``eegstream live`` over several streams: the room window over a group session.

Private to :mod:`eegstream.cli`: one tile per wearer (top class, confidence,
state, latency); a click or the wearer's number key opens that wearer's
view (:class:`~eegstream.dashboard.room.RoomWindow`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def tile_states(session: Any) -> list[Any]:
    """Snapshot every wearer of a :class:`~eegstream.group.GroupSession` for a tile."""
    from ..dashboard.room import TileState

    tiles = []
    for m in list(session.members):
        last, stats = m.last, m.stats
        p50 = stats.recent_latency()[0] if stats is not None else float("nan")
        tiles.append(
            TileState(
                m.wearer,
                tuple(session.classes),
                None if last is None else last.probabilities,
                m.state,
                latency_ms=p50 * 1e3,
                steps=stats.steps if stats is not None else 0,
                warm=bool(last is not None and last.warm),
                note=m.error or "",
                truth=None if last is None else last.true_label,
            )
        )
    return tiles


def run_group_live(args: argparse.Namespace) -> int:
    """Open the room window over a group session; return the exit code."""
    from .._errors import EEGStreamError
    from ..dashboard import check_display

    if args.model is None:
        raise EEGStreamError("several streams need --model M (no picker for a room)")
    check_display()
    from ..dashboard.app import qt_application, run_window
    from ..dashboard.room import RoomWindow
    from ._group import group_from_args, start_group_calibration, summary_text

    if args.record is not None:
        from ..files.labrecorder import check_record_path

        check_record_path(args.record)  # before anything starts
    app = qt_application()
    session = group_from_args(args)  # every option checked: nothing started yet
    from .web import start_web

    start_web(getattr(args, "web", None), "live")
    session.start()
    try:
        if args.record is not None:
            session.start_recording(args.record)
        start_group_calibration(session, args, "live")
    except BaseException:
        session.stop()
        raise
    window = RoomWindow(
        lambda: tile_states(session),
        refresh_ms=max(args.refresh_ms, 100),
        on_close=session.stop,
    )
    code = 0

    def on_sigint(*_: object) -> None:
        nonlocal code
        code = 130
        window.close()

    def finish() -> None:
        if args.screenshot is not None:
            path = window.save_screenshot(args.screenshot)
            print(f"eegstream live: screenshot saved to {path}", file=sys.stderr)
        window.close()

    try:
        # Closing the window stops the session once.
        run_window(
            app, window, on_sigint=on_sigint, finish=finish, exit_after=args.exit_after
        )
    finally:
        session.stop()
    print(summary_text(session, "live"), flush=True)
    if session.recording is not None:
        print(f"eegstream live: {session.recording.describe()}", flush=True)
    return code
