"""Show the whole system working on synthetic EEG: no headset, no SEED licence.

``eegstream demo`` generates one synthetic SEED-IV-style session (a subject the
shipped demo model never saw), replays it over LSL like an amplifier with a
marker stream of the true labels, connects the live pipeline to it, and shows
the dashboard when a display exists, else a console view. It stops after
``--seconds`` or on Ctrl-C and prints a summary: accuracy against the
replayed labels, latency p50/p99, samples received and lost. With
``--headset emotiv-epoc`` the session plays only that headset's channels at
its usual rate (14 at 128 Hz), run by the shipped model trained on them.

Everything shown is computed from SIMULATED EEG: the accuracy says the
system works end to end, not how well emotions can be read from real brains.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

from .._errors import EEGStreamError

#: The demo session: which synthetic world and which subject of it. The shipped
#: model ``demo-seed-iv`` was trained on subjects 1-14 of the same world (seed).
DEMO_DATASET = "seed-iv"
DEMO_SEED = 2026
DEMO_SUBJECT = 15
DEMO_SESSION = 1
DEMO_TRIAL_SECONDS = 120  # SEED-IV's film clips last about two minutes
DEMO_MODEL = "demo-seed-iv"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``eegstream demo``."""
    p = subparsers.add_parser(
        "demo",
        help="see the whole system run on a synthetic session (no headset needed)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--seconds",
        type=float,
        default=240.0,
        help="stop after this many seconds (default: %(default)s)",
    )
    p.add_argument(
        "--view",
        choices=("auto", "gui", "console"),
        default="auto",
        help="gui: the dashboard; console: a status line updated in place; auto: "
        "the dashboard when a display exists (default: %(default)s)",
    )
    p.add_argument(
        "--headset",
        default=None,
        metavar="PRESET",
        help="replay only this headset's channels at its usual rate and run its "
        "shipped subset model, e.g. emotiv-epoc (14 ch, 128 Hz); presets: "
        "emotiv-epoc, openbci-16, 10-20-19, seed-62",
    )
    p.add_argument(
        "--model",
        default=None,
        help=f"checkpoint file or model name in models/ (default: {DEMO_MODEL}, "
        f"with --headset {DEMO_MODEL}-PRESET)",
    )
    p.add_argument(
        "--session-dir",
        type=Path,
        default=Path("replay") / "demo-seed-iv",
        help="where the synthetic session is generated (default: %(default)s)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="replay pace relative to real time (default: %(default)s)",
    )
    p.add_argument(
        "--log",
        type=Path,
        default=None,
        help="session log (JSON Lines); default: a new file in replay/demo-logs/",
    )
    return p


def prepare_session(root: Path) -> Path:
    """Generate the demo session into ``root`` unless it is already there.

    Returns
    -------
    Path
        ``root``, a synthetic SEED-IV release holding subject 15, session 1.
    """
    from ..datasets import open_dataset
    from ..datasets.synth import generate

    try:
        found = open_dataset(DEMO_DATASET, root)
        if found.synthetic and any(
            t.subject == DEMO_SUBJECT
            and t.session == DEMO_SESSION
            and round(t.duration_s) == DEMO_TRIAL_SECONDS
            for t in found.trials
        ):
            return root
    except EEGStreamError:
        pass  # not there yet, or unusable: write it afresh
    print(f"eegstream demo: generating a synthetic session into {root} ...", flush=True)
    return generate(
        DEMO_DATASET,
        root,
        subjects=[DEMO_SUBJECT],
        sessions=DEMO_SESSION,
        trial_seconds=DEMO_TRIAL_SECONDS,
        seed=DEMO_SEED,
        progress=False,
    )


def _want_gui(view: str) -> bool:
    if view != "auto":
        return view == "gui"
    if os.environ.get("QT_QPA_PLATFORM", "").lower().startswith("offscreen"):
        return False
    return sys.platform in ("win32", "darwin") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream demo``."""
    if not args.seconds > 0:
        raise EEGStreamError(f"--seconds must be > 0, got {args.seconds}")
    if not args.speed > 0:
        raise EEGStreamError(f"--speed must be > 0 (1 = real time), got {args.speed}")
    from ..datasets.tables import CLASSES
    from ..headsets import get_preset
    from ..model import load_checkpoint, resolve_model
    from ..pipeline import LivePipeline
    from ..replay import Player, dataset_source, headset_source
    from .run import follow, format_summary

    gui = _want_gui(args.view)
    if gui:
        from ..dashboard import check_display

        check_display()
    if args.headset is not None:
        get_preset(args.headset)  # an unknown preset: the list, before any work
    full = args.headset in (None, "seed-62")  # the 62-channel model serves the cap
    model = args.model or (DEMO_MODEL if full else f"{DEMO_MODEL}-{args.headset}")
    checkpoint = load_checkpoint(resolve_model(model))
    if tuple(checkpoint.classes) != tuple(CLASSES[DEMO_DATASET]):
        raise EEGStreamError(
            f"model {checkpoint.name!r} has classes {list(checkpoint.classes)}; "
            f"the demo session is {DEMO_DATASET} with {list(CLASSES[DEMO_DATASET])}"
        )
    root = prepare_session(args.session_dir)
    log = args.log or Path("replay") / "demo-logs" / time.strftime(
        "session-%Y%m%d-%H%M%S.jsonl"
    )
    name = f"eegstream-demo-{uuid.uuid4().hex[:6]}"
    source = dataset_source(DEMO_DATASET, root, DEMO_SUBJECT, session=DEMO_SESSION)
    if args.headset is not None:
        source = headset_source(source, args.headset)
    player = Player(
        source, name=name, speed=args.speed, resolve_timeout=0.2, wait_for_consumer=True
    )
    print(
        "eegstream demo: SYNTHETIC EEG (simulated, not a person) replayed over LSL\n"
        + player.describe(),
        flush=True,
    )
    player.start()
    try:
        pipeline = LivePipeline(
            checkpoint, stream=name, source_id=player.source_id, log_path=log
        ).start()
        if gui:
            from .live import show_dashboard

            code = show_dashboard(pipeline, checkpoint, exit_after=args.seconds)
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
