"""Redraw rate of the live dashboard with 62 channels streaming (``make bench``).

A replay plays 62-channel, 200 Hz SYNTHETIC EEG over loopback LSL to a real
LivePipeline (untrained checkpoint, so the model's cost is real but its
probabilities mean nothing) under the real MainWindow, offscreen. The GUI
timer then runs as fast as the event loop allows; a redraw is one paint of the
scrolling EEG traces (the panel that changes every tick), each after a refresh
that drained the pipeline and read its EEG snapshot and health. The replay
pushes one sample at a time so that new data is never what limits the rate.

Figures: redraws per second, with the mean cost of one refresh (model update
and setData on every changed plot), and the share of redraws that also
carried a new step (gauge, history, band power, scalp map).

Bar: at least 20 redraws per second on the 2-core machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REDRAW_BAR = 20.0
WARMUP_S = 6.0
MEASURE_S = 15.0


def _synthetic_source():
    """SYNTHETIC 62-channel EEG (alpha plus noise, µV) in two labelled trials."""
    from eegstream.montage import SEED_CHANNELS
    from eegstream.replay import array_source

    rng = np.random.default_rng(0)
    t = np.arange(int(20 * 200)) / 200.0
    alpha = 20 * np.sin(2 * np.pi * 10 * t)[None]
    trials = [alpha + 8 * rng.standard_normal((62, t.size)) for _ in range(2)]
    return array_source(
        trials,
        200.0,
        SEED_CHANNELS,
        labels=["happy", "sad"],
        classes=("neutral", "sad", "fear", "happy"),
        description="synthetic benchmark EEG",
        synthetic=True,
    )


def main() -> int:
    """Measure and print the redraw rate; return 1 when below the bar."""
    from PySide6 import QtCore, QtWidgets

    from eegstream.dashboard.window import MainWindow
    from eegstream.model import load_checkpoint
    from eegstream.model._testing import untrained_checkpoint
    from eegstream.pipeline import LivePipeline
    from eegstream.replay import Player

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    name = f"eegstream-bench-dashboard-{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = load_checkpoint(
            untrained_checkpoint(Path(tmp) / "bench.safetensors")
        )
    # One sample per push: the traces get new data 200 times a second, so the
    # GUI, not the replay's chunk rate (10 samples = 20 chunks/s), limits redraws.
    with Player(
        _synthetic_source(), name=name, source_id=name, loop=True, chunk_size=1
    ):
        pipeline = LivePipeline(
            checkpoint, stream=name, source_id=name, outlets=False
        ).start()
        window = MainWindow.from_checkpoint(pipeline, checkpoint, refresh_ms=0)
        paints = [0]

        class _CountPaints(QtCore.QObject):
            def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
                if event.type() == QtCore.QEvent.Type.Paint:
                    paints[0] += 1
                return False

        counter = _CountPaints()
        window.traces.view.viewport().installEventFilter(counter)
        cost: list[float] = []
        steps = [0]
        refresh = window.refresh

        def timed_refresh():
            start = time.perf_counter()
            changes = refresh()
            cost.append(time.perf_counter() - start)
            steps[0] += bool(changes.steps)
            return changes

        window.timer.timeout.disconnect()
        window.timer.timeout.connect(timed_refresh)
        window.show()
        try:
            _run_for(app, WARMUP_S)
            paints[0], steps[0] = 0, 0
            cost.clear()
            start = time.perf_counter()
            _run_for(app, MEASURE_S)
            elapsed = time.perf_counter() - start
            health = pipeline.health()
        finally:
            window.close()
    rate = paints[0] / elapsed
    print(
        f"stream: 62 ch at {health.nominal_rate:g} Hz "
        f"(measured {health.measured_rate:.1f}), "
        f"state {health.state}, {health.steps} pipeline steps"
    )
    print(f"redraws: {rate:.1f} /s over {elapsed:.1f} s (bar >= {REDRAW_BAR:g} /s)")
    print(
        f"refresh cost: mean {1000 * np.mean(cost):.2f} ms, p99 "
        f"{1000 * np.percentile(cost, 99):.2f} ms over {len(cost)} refreshes; "
        f"{steps[0]} carried a new step"
    )
    return 0 if rate >= REDRAW_BAR else 1


def _run_for(app, seconds: float) -> None:
    """Run the Qt event loop for ``seconds``."""
    from PySide6 import QtCore

    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


if __name__ == "__main__":
    sys.exit(main())
