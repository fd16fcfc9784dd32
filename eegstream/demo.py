"""The demo: a synthetic SEED-IV session replayed over LSL to the shipped demo model.

``eegstream demo`` (and ``make demo``) generate one synthetic session of a
subject the model ``demo-seed-iv`` never saw (:func:`prepare_session`),
replay it like an amplifier with a marker stream of the true labels
(:func:`demo_player`) and run the live pipeline on it. Everything it shows is
computed from SIMULATED EEG: it says the system works end to end, not how
well emotions can be read from real brains.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._checks import check_value
from ._errors import EEGStreamError

if TYPE_CHECKING:
    from .model import Checkpoint
    from .replay import Player, RoomReplay

#: The demo session: which synthetic world and which subject of it. The shipped
#: model ``demo-seed-iv`` was trained on subjects 1-14 of the same world (seed).
DEMO_DATASET = "seed-iv"
DEMO_SEED = 2026
DEMO_SUBJECT = 15
DEMO_SESSION = 1
#: One minute a clip, half of SEED-IV's two: the default 240 s run then plays four
#: clips of different emotions (session 1 opens sad, fear, happy, neutral), and
#: the reading, which follows a new clip within about 30 s, visibly changes.
DEMO_TRIAL_SECONDS = 60
DEMO_MODEL = "demo-seed-iv"

#: The rated datasets' demos (``--dataset``): their shipped models, trained on
#: subjects 2-N of the synthetic world of seed DEMO_SEED; the demo plays subject
#: RATED_DEMO_SUBJECT of that world, at the dataset's rate and channels.
RATED_DEMOS: dict[str, str] = {"dreamer": "demo-dreamer", "deap": "demo-deap"}
RATED_DEMO_SUBJECT = 1
#: The datasets ``eegstream demo --dataset`` plays.
DEMO_DATASETS: tuple[str, ...] = (DEMO_DATASET, *RATED_DEMOS)

#: Where the session is generated and session logs go by default.
DEMO_SESSION_DIR = Path("replay") / "demo-seed-iv"
DEMO_LOG_DIR = Path("replay") / "demo-logs"
#: The views ``want_gui`` understands.
VIEWS = ("auto", "gui", "console")


def session_dir(dataset: str = DEMO_DATASET) -> Path:
    """Return the default folder of a dataset's demo session."""
    return (
        DEMO_SESSION_DIR
        if dataset == DEMO_DATASET
        else DEMO_SESSION_DIR.with_name(f"demo-{dataset}")
    )


def prepare_session(
    root: Path,
    dataset: str = DEMO_DATASET,
    subjects: Sequence[int] = (DEMO_SUBJECT,),
) -> Path:
    """Generate the demo session into ``root`` unless it is already there.

    Returns
    -------
    Path
        ``root``, a synthetic SEED-IV release holding session 1 of
        ``subjects`` (default: subject 15, whom the demo model never saw);
        ``dataset="dreamer"`` or ``"deap"``: that release holding subject 1.
    """
    from .datasets import open_dataset
    from .datasets.synth import generate

    check_value(dataset, DEMO_DATASETS, "dataset")
    if dataset != DEMO_DATASET:
        seconds = None if dataset == "deap" else DEMO_TRIAL_SECONDS
        try:
            found = open_dataset(dataset, root)
            if found.synthetic and found.subjects == [RATED_DEMO_SUBJECT]:
                return root
        except EEGStreamError:
            pass  # not there yet, or unusable: write it afresh
        print(f"eegstream demo: generating a synthetic {dataset} subject into {root}")
        return generate(dataset, root, 1, None, seconds, DEMO_SEED, progress=False)

    try:
        found = open_dataset(DEMO_DATASET, root)
        have = {
            t.subject
            for t in found.trials
            if t.session == DEMO_SESSION and round(t.duration_s) == DEMO_TRIAL_SECONDS
        }
        if found.synthetic and set(subjects) <= have:
            return root
    except EEGStreamError:
        pass  # not there yet, or unusable: write it afresh
    print(f"eegstream demo: generating a synthetic session into {root} ...", flush=True)
    return generate(
        DEMO_DATASET,
        root,
        subjects=sorted(subjects),
        sessions=DEMO_SESSION,
        trial_seconds=DEMO_TRIAL_SECONDS,
        seed=DEMO_SEED,
        progress=False,
    )


def group_subjects(n: int) -> list[int]:
    """Return the subjects of a demo with ``n`` wearers: 15, then 14, 13, ...

    Subject 15 is the one the demo model never saw; subjects 1-14 were in its
    training set (``eegstream demo --wearers`` says so).

    Raises
    ------
    EEGStreamError
        ``n`` outside 1..15.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= DEMO_SUBJECT:
        raise EEGStreamError(
            f"--wearers must be 1 to {DEMO_SUBJECT} (the synthetic SEED-IV world "
            f"has {DEMO_SUBJECT} subjects), got {n!r}"
        )
    return [DEMO_SUBJECT - k for k in range(n)]


def check_model(checkpoint: Checkpoint, dataset: str = DEMO_DATASET) -> None:
    """Refuse a model whose classes are not the demo session's."""
    from .datasets.tables import CLASSES
    from .datasets.targets import make_target

    classes = (
        CLASSES[dataset] if dataset == DEMO_DATASET else make_target(dataset).classes
    )
    if tuple(checkpoint.classes) != tuple(classes):
        raise EEGStreamError(
            f"model {checkpoint.name!r} has classes {list(checkpoint.classes)}; "
            f"the demo session is {dataset} with {list(classes)}"
        )


def demo_model(
    headset: str | None = None, model: str | None = None, dataset: str = DEMO_DATASET
) -> str:
    """Name the demo's model: ``model`` if given, else the one shipped for ``headset``.

    Parameters
    ----------
    headset : str | None
        A preset of :data:`eegstream.headsets.PRESETS`; ``None`` (or
        ``"seed-62"``, the full cap): :data:`DEMO_MODEL`, else
        ``DEMO_MODEL-<headset>``, trained on that headset's channels.
    model : str | None
        A checkpoint file or model name that overrides the choice.
    dataset : str
        The demo's dataset: a rated one (:data:`RATED_DEMOS`) has its own
        model and plays its own channels, so it takes no ``headset``.

    Raises
    ------
    EEGStreamError
        An unknown preset (the list of presets), or a headset with a rated
        dataset.
    """
    from .headsets import get_preset

    if dataset != DEMO_DATASET:
        if headset is not None:
            raise EEGStreamError(
                f"the {dataset} demo plays {dataset}'s own channels and rate; leave "
                "out {headset}",
                param="headset",
            )
        return model or RATED_DEMOS[dataset]

    if headset is not None:
        get_preset(headset)  # an unknown preset: the list, before any work
    if model is not None:
        return model
    full = headset in (None, "seed-62")  # the 62-channel model serves the full cap
    return DEMO_MODEL if full else f"{DEMO_MODEL}-{headset}"


def demo_player(
    root: Path,
    *,
    speed: float = 1.0,
    headset: str | None = None,
    hold: bool = False,
    dataset: str = DEMO_DATASET,
    subject: int = DEMO_SUBJECT,
) -> Player:
    """Make a replay of the demo session in ``root`` under a fresh name (not started).

    It holds its first sample until an inlet connects, so the pipeline sees
    the session from its start. With ``headset`` (a preset name) it plays
    only that headset's channels, at its usual rate
    (:func:`eegstream.replay.headset_source`). With ``hold`` it also waits
    for :meth:`~eegstream.replay.Player.release` (``--record``: the recorder
    must be running before the first sample). ``subject``: whose session
    (a group demo plays several).
    """
    from .replay import Player, dataset_source, headset_source

    if dataset == DEMO_DATASET:
        source = dataset_source(dataset, root, subject, session=DEMO_SESSION)
    else:  # its own rate and channels, its trials in file order
        source = dataset_source(dataset, root, RATED_DEMO_SUBJECT)
    if headset is not None:
        source = headset_source(source, headset)
    return Player(
        source,
        name=f"eegstream-demo-{uuid.uuid4().hex[:6]}",
        speed=speed,
        resolve_timeout=0.2,
        wait_for_consumer=True,
        hold=hold,
    )


def demo_room(
    root: Path,
    subjects: Sequence[int],
    *,
    speed: float = 1.0,
    headset: str | None = None,
) -> RoomReplay:
    """Make a room of the demo's subjects under a fresh name (not started).

    One headset per subject (``<room>-S15``, ...) and one marker stream for
    the room (:class:`eegstream.replay.RoomReplay`), every headset holding
    its first sample until :meth:`~eegstream.replay.RoomReplay.release` and
    then until an inlet connects. ``headset``: as :func:`demo_player`.
    """
    from .replay import RoomReplay, dataset_source, headset_source

    sources = []
    for subject in subjects:
        source = dataset_source(DEMO_DATASET, root, subject, session=DEMO_SESSION)
        if headset is not None:
            source = headset_source(source, headset)
        sources.append((f"S{subject:02d}", source))
    return RoomReplay(
        sources,
        name=f"eegstream-demo-{uuid.uuid4().hex[:6]}",
        speed=speed,
        resolve_timeout=0.2,
        wait_for_consumer=True,
    )


def default_log_path() -> Path:
    """Return a new session-log path in :data:`DEMO_LOG_DIR`, named by the time."""
    return DEMO_LOG_DIR / time.strftime("session-%Y%m%d-%H%M%S.jsonl")


def want_gui(view: str) -> bool:
    """Whether ``view`` (``"auto"``, ``"gui"`` or ``"console"``) means the dashboard.

    ``"auto"``: the dashboard when a display exists (not under an offscreen
    ``QT_QPA_PLATFORM``).
    """
    check_value(view, VIEWS, "view")
    if view != "auto":
        return view == "gui"
    if os.environ.get("QT_QPA_PLATFORM", "").lower().startswith("offscreen"):
        return False
    return sys.platform in ("win32", "darwin") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
