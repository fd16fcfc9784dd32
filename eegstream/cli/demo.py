"""Show the whole system working on synthetic EEG: no headset, no SEED licence.

``eegstream demo`` generates one synthetic SEED-IV-style session (a subject the
shipped demo model never saw), replays it over LSL like an amplifier with a
marker stream of the true labels, connects the live pipeline to it, and shows
the dashboard when a display exists, else a console view. It stops after
``--seconds`` or on Ctrl-C and prints a summary: accuracy against the
replayed labels, latency p50/p99, samples received and lost. With
``--headset emotiv-epoc`` the session plays only that headset's channels at
its usual rate (14 at 128 Hz), run by the shipped model trained on them.
With ``--dataset dreamer`` or ``deap`` it plays a synthetic subject of
that dataset at its own rate and channels (14 EPOC or 32 channels at 128
Hz), run by the model shipped for it (``demo-dreamer``, ``demo-deap``).

Everything shown is computed from SIMULATED EEG: the accuracy says the
system works end to end, not how well emotions can be read from real brains.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._errors import EEGStreamError
from ..demo import DEMO_DATASET, DEMO_DATASETS, DEMO_MODEL, DEMO_SESSION_DIR, VIEWS
from ._exit import hold_outlets
from ._options import ARTIFACTS_OPTION, RECORD_OPTION, WEB_OPTION, check_artifacts
from .web import start_web

HELP = "see the whole system run on a synthetic session (no headset needed)"
DESCRIPTION = __doc__
FORMATTER = argparse.RawDescriptionHelpFormatter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream demo``."""
    parser.add_argument(
        "--seconds",
        type=float,
        default=240.0,
        help="stop after this many seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--view",
        choices=VIEWS,
        default="auto",
        help="gui: the dashboard; console: a status line updated in place; auto: "
        "the dashboard when a display exists and Qt can open it (default: "
        "%(default)s)",
    )
    parser.add_argument(
        "--headset",
        default=None,
        metavar="PRESET",
        help="replay only this headset's channels at its usual rate and run its "
        "shipped subset model, e.g. emotiv-epoc (14 ch, 128 Hz); presets: "
        "emotiv-epoc, openbci-16, 10-20-19, seed-62",
    )
    parser.add_argument(
        "--model",
        default=None,
        help=f"checkpoint file or model name in models/ (default: {DEMO_MODEL}, "
        f"with --headset {DEMO_MODEL}-PRESET)",
    )
    parser.add_argument(
        "--session-dir",
        type=Path,
        default=None,
        help=f"where the synthetic session is generated (default: "
        f"{DEMO_SESSION_DIR}, with --dataset replay/demo-DATASET)",
    )
    parser.add_argument(
        "--dataset",
        choices=DEMO_DATASETS,
        default=DEMO_DATASET,
        help="the synthetic session's dataset: dreamer (14 EPOC channels) and "
        "deap (32 channels) play at 128 Hz, run by demo-dreamer / demo-deap "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="replay pace relative to real time (default: %(default)s)",
    )
    parser.add_argument(
        "--log",
        type=Path,
        default=None,
        help="session log (JSON Lines); default: a new file in replay/demo-logs/",
    )
    parser.add_argument(
        "--wearers",
        type=int,
        default=None,
        metavar="N",
        help="a room: N synthetic wearers (subject 15, then 14, 13, ...) replayed "
        "at once and classified by one group session with batched model calls, "
        "one console line per wearer (docs/group.md)",
    )
    for option in (RECORD_OPTION, WEB_OPTION, ARTIFACTS_OPTION):
        option.add_to(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream demo``."""
    from .._checks import check_number
    from ..demo import (
        check_model,
        default_log_path,
        demo_model,
        demo_player,
        prepare_session,
        session_dir,
        want_gui,
    )
    from ..model import load_checkpoint, resolve_model
    from ..pipeline import LivePipeline
    from ..pipeline.console import follow, format_summary, start_recording

    check_number(args.seconds, "seconds", min=0, min_inclusive=False)
    check_number(args.speed, "speed", min=0, min_inclusive=False)
    check_artifacts(args)
    hold_outlets()  # the replay and the pipeline drop their outlets under readers
    if args.wearers is not None:
        from ._group_demo import run_group_demo

        return run_group_demo(args)
    gui = want_gui(args.view)
    if gui:
        from ..dashboard import check_display

        try:
            check_display()
        except EEGStreamError as err:
            if args.view == "gui":
                raise
            print(f"eegstream demo: {err}; showing the console view", file=sys.stderr)
            gui = False
    name = demo_model(args.headset, args.model, args.dataset)
    checkpoint = load_checkpoint(resolve_model(name))
    check_model(checkpoint, args.dataset)
    start_web(args.web, "demo")
    # With --record the replay waits for the recorder too, not only the pipeline.
    player = demo_player(
        prepare_session(args.session_dir or session_dir(args.dataset), args.dataset),
        speed=args.speed,
        headset=args.headset,
        hold=args.record is not None,
        dataset=args.dataset,
    )
    print(
        "eegstream demo: SYNTHETIC EEG (simulated, not a person) replayed over LSL\n"
        + player.describe(),
        flush=True,
    )
    player.start()
    try:
        pipeline = LivePipeline(
            checkpoint,
            stream=player.name,
            source_id=player.source_id,
            log_path=args.log or default_log_path(),
            artifacts=args.artifacts,
        ).start()
        if args.record is not None:
            start_recording(pipeline, args.record, "demo")
            player.release()
        if gui:
            from ..dashboard.app import run_dashboard

            code = run_dashboard(pipeline, checkpoint, exit_after=args.seconds)
            interrupted = code == 130
        else:
            interrupted = follow(pipeline, args.seconds, quiet=False)
        pipeline.stop()
    finally:
        player.stop()
    print(
        format_summary(pipeline.summary(), pipeline, interrupted, command="demo"),
        flush=True,
    )
    return 0
