"""Read a session log (``--log``) and plot what the model read, step by step.

Usage::

    python examples/plot_session_log.py SESSION.jsonl [OUT.png]

A session log is JSON Lines, one record per line (schema in
:mod:`eegstream.pipeline.session_log`): ``session_start``, one ``step`` per
hop with the class probabilities and, when a marker stream carried them,
the true label, then ``session_end`` with the summary. This draws each
class's probability against time, the true label underneath, and prints
the accuracy against the markers.
"""

import sys

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt
import numpy as np

from eegstream.pipeline import read_log

log_path = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else "session.png"

records = read_log(log_path)
start = next(r for r in records if r["type"] == "session_start")
steps = [r for r in records if r["type"] == "step"]
if not steps:
    sys.exit(f"{log_path} holds no step records: did the session classify anything?")
classes = start["model"]["classes"]
time = np.array([s["time"] for s in steps]) - steps[0]["time"]  # s since the first step
probabilities = np.array([[s["probabilities"][c] for c in classes] for s in steps])
truth = [s["true_label"] for s in steps]

fig, (ax, strip) = plt.subplots(
    2, 1, sharex=True, figsize=(9, 4), gridspec_kw={"height_ratios": [5, 1]}
)
for k, name in enumerate(classes):
    ax.plot(time, probabilities[:, k], label=name)
ax.set_ylabel("probability")
ax.set_ylim(0, 1)
ax.legend(loc="upper right", ncol=len(classes), fontsize="small")
ax.set_title(f"{start['model']['name']} on stream {start['stream']['name']!r}")
known = [classes.index(t) if t in classes else np.nan for t in truth]
strip.scatter(time, known, marker="|", color="black")
strip.set_yticks(range(len(classes)), classes, fontsize="small")
strip.set_ylabel("true")
strip.set_xlabel("time since the first step (s)")
fig.tight_layout()
fig.savefig(out, dpi=100)
print("saved", out)

labelled = [(s["predicted"], s["true_label"]) for s in steps if s["true_label"]]
if labelled:
    right = sum(p == t for p, t in labelled)
    print(
        f"accuracy against markers: {right / len(labelled):.1%} "
        f"of {len(labelled)} labelled steps"
    )
else:
    print("no step carries a true label (no marker stream)")
