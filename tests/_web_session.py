"""A pipeline's result outlets in a process of their own (see ``_web.WebSession``).

Run as ``python _web_session.py NAME CLASSES WEARER``: opens the real
:class:`~eegstream.pipeline.outlets.ResultOutlets` of EEG stream ``NAME``
(SYNTHETIC, model ``tiny``, 3 channels) and a replay's marker outlet, prints
``ready``, then pushes one step per JSON line read from standard input:
``{"p": [...], "label": "happy" | null, "bad": [channel index, ...]}``,
stamped now, with a ``trial_start`` (or ``trial_end``) marker first where the
label changes, else a ``trial_state`` (a replay repeats the open trial so).
Ends at end of input, without tearing the outlets down (a reader may still be
connected: sccn/liblsl#218). Prints each step's LSL stamp and wall-clock time.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import pylsl

from eegstream.pipeline.outlets import ResultOutlets, quality_labels
from eegstream.protocol import format_marker
from eegstream.replay._lsl import marker_info

CHANNELS = ("FP1", "FPZ", "FP2")
BANDS = ("delta", "theta", "alpha", "beta", "gamma")


def main(name: str, classes: str, wearer: str) -> None:
    names = classes.split(",")
    outlets = ResultOutlets(
        name, name, names, BANDS, "tiny", CHANNELS, wearer=wearer, synthetic=True
    )
    markers = pylsl.StreamOutlet(marker_info(name, name))
    print("ready", flush=True)
    label, started = None, 0.0
    for line in sys.stdin:
        step = json.loads(line)
        now, wall = pylsl.local_clock(), time.time()
        if step.get("label") != label:
            if label is not None:
                end = format_marker(event="trial_end", label=label)
                markers.push_sample([end], now)
            label, started = step.get("label"), now
            if label is not None:
                begin = format_marker(event="trial_start", label=label)
                markers.push_sample([begin], now)
        elif label is not None:  # as a replay repeats it, for late readers
            state = format_marker(
                event="trial_state", label=label, elapsed_s=now - started
            )
            markers.push_sample([state], now)
        bands = np.arange(len(BANDS), dtype=float) + len(step["p"])
        outlets.push(np.asarray(step["p"]), bands, now)
        row = np.zeros(len(quality_labels(CHANNELS)), dtype=np.float32)
        row[step.get("bad", [])] = 1.0
        row[-1] = 1.0
        outlets.push_quality(row, now)
        print(f"{now!r} {wall!r}", flush=True)
    os._exit(0)


if __name__ == "__main__":
    main(*sys.argv[1:4])
