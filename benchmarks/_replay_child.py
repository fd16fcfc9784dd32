"""Child process of the live-pipeline benchmarks: replay synthetic EEG over LSL.

Usage: ``python _replay_child.py NAME SECONDS [SPEED] [COUNT]``. Prints
``ready`` once the outlets are open, then streams 62-channel 200 Hz SYNTHETIC
EEG (white noise plus a 10 Hz rhythm, about 10 µV; not recorded from a
person) in labelled 30 s trials until SECONDS have been played. With COUNT,
COUNT headsets named ``NAME-0`` .. play at once (a room of wearers).
"""

from __future__ import annotations

import sys

import numpy as np

from eegstream.montage import SEED_CHANNELS
from eegstream.replay import Player, array_source

CLASSES = ("neutral", "sad", "fear", "happy")


def main() -> int:
    """Play until done or killed."""
    name, seconds = sys.argv[1], float(sys.argv[2])
    speed = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    rng = np.random.default_rng(0)
    n_trials = max(1, int(np.ceil(seconds / 30)))
    t = np.arange(30 * 200) / 200
    trials = [
        10 * rng.standard_normal((62, t.size)) + 5 * np.sin(2 * np.pi * 10 * t)
        for _ in range(n_trials)
    ]
    labels = [CLASSES[i % len(CLASSES)] for i in range(n_trials)]
    source = array_source(
        trials,
        200.0,
        SEED_CHANNELS,
        labels=labels,
        classes=CLASSES,
        description="synthetic benchmark EEG",
        synthetic=True,
    )
    if not count:
        with Player(source, name=name, speed=speed, wait_for_consumer=True) as player:
            print("ready", flush=True)
            player.wait()
        return 0
    players = [
        Player(source, name=f"{name}-{k}", speed=speed, wait_for_consumer=True).start()
        for k in range(count)
    ]
    print("ready", flush=True)
    for player in players:
        player.wait()
    for player in players:
        player.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
