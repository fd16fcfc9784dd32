r"""A stimulus program that marks its clips over LSL, for ``--markers`` and a label map.

Usage::

    python examples/stimulus_markers.py [--clips 4] [--clip-seconds 20]

It opens an LSL marker stream ``example-stimulus`` (type ``Markers``, one
string channel) and sends ``stim_<emotion>`` at each clip's first frame and
``stim_end`` at its last, as PsychoPy or any program with pylsl would. Run
eegstream beside it with the label map ``examples/stimulus_label_map.toml``::

    eegstream live --model demo-seed-iv --stream NAME \
        --markers example-stimulus --label-map examples/stimulus_label_map.toml

and the dashboard's "true" row, the accuracy summary and the session log
take their labels from these markers.
"""

import argparse
import time
import uuid

from pylsl import StreamInfo, StreamOutlet, local_clock

parser = argparse.ArgumentParser(description="Send clip markers over LSL.")
parser.add_argument("--clips", type=int, default=4, help="clips to play (default 4)")
parser.add_argument(
    "--clip-seconds", type=float, default=20.0, help="length of a clip in s"
)
parser.add_argument(
    "--rest-seconds", type=float, default=5.0, help="rest between clips in s"
)
parser.add_argument(
    "--name", default="example-stimulus", help="the marker stream's name"
)
parser.add_argument(
    "--wait", type=float, default=30.0, help="s to wait for a reader (eegstream)"
)
args = parser.parse_args()

# A source_id of this run's own: two streams of one name and source_id mix silently.
source_id = f"{args.name}-{uuid.uuid4().hex[:8]}"
outlet = StreamOutlet(StreamInfo(args.name, "Markers", 1, 0, "string", source_id))
emotions = ["happy", "sad", "fear", "neutral"]

# A marker sent before a reader connects reaches no one.
if not outlet.wait_for_consumers(args.wait):
    print(f"no reader connected within {args.wait:g} s; sending anyway", flush=True)
for clip in range(args.clips):
    emotion = emotions[clip % len(emotions)]
    # In PsychoPy, at the clip's first frame:
    # win.callOnFlip(outlet.push_sample, [f"stim_{emotion}"])
    outlet.push_sample([f"stim_{emotion}"], local_clock())
    print(f"clip {clip + 1}: stim_{emotion}", flush=True)
    time.sleep(args.clip_seconds)
    outlet.push_sample(["stim_end"], local_clock())
    time.sleep(args.rest_seconds)
print("done", flush=True)
