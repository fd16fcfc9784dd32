"""The dashboard shows the signal checks: bad channels, the status count, a held gauge.

Real Qt (offscreen), real LSL and the real PhysioNet recording with a planted
flat channel; the model is UNTRAINED (its probabilities mean nothing).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _pipeline_helpers import PlainSource, stop_all
from _realdata import run3

pytest.importorskip("pytestqt")

from eegstream.dashboard import _theme  # noqa: E402
from eegstream.dashboard.gauge import EmotionGauge  # noqa: E402
from eegstream.dashboard.scalpmap import ScalpMap  # noqa: E402
from eegstream.dashboard.traces import EEGTraces  # noqa: E402
from eegstream.montage import SEED_CHANNELS, map_channels  # noqa: E402
from eegstream.quality import faults  # noqa: E402

pytestmark = pytest.mark.gui
CLASSES = ("neutral", "sad", "fear", "happy")


def test_gauge_greys_a_held_reading_and_says_why(qtbot):
    gauge = EmotionGauge(CLASSES)
    qtbot.addWidget(gauge)
    gauge.set_probabilities(np.array([0.1, 0.2, 0.6, 0.1]))
    assert not gauge.dimmed() and _theme.MUTED in gauge.detail_label.styleSheet()
    gauge.set_probabilities(
        np.array([0.1, 0.2, 0.6, 0.1]), signal="held 3 s: muscle T7 T8", held=True
    )
    assert gauge.dimmed() and gauge.top_text() == "FEAR"
    assert "held 3 s: muscle T7 T8" in gauge.detail_text()
    assert _theme.CONTAMINATED in gauge.detail_label.styleSheet()
    gauge.set_probabilities(  # flag: the reading in its colour, marked
        np.array([0.1, 0.7, 0.1, 0.1]), signal="contaminated: muscle T7"
    )
    assert not gauge.dimmed() and "contaminated: muscle T7" in gauge.detail_text()
    gauge.set_probabilities(np.array([0.1, 0.7, 0.1, 0.1]))
    assert "contaminated" not in gauge.detail_text()
    assert _theme.MUTED in gauge.detail_label.styleSheet()


def brushes_of(scalp: ScalpMap, channel: str) -> str:
    return scalp.dots.data["brush"][SEED_CHANNELS.index(channel)].color().name()


def test_scalp_map_and_traces_name_bad_and_interpolated_channels(qtbot):
    scalp, traces = ScalpMap(), EEGTraces(("FP1", "T7", "O1"))
    qtbot.addWidget(scalp)
    qtbot.addWidget(traces)
    scalp.set_channel_states({"O1": "flat"}, missing=("CB1",))
    assert scalp.states == {"O1": "bad: flat", "CB1": "missing"}
    assert brushes_of(scalp, "CB1") == _theme.MUTED
    assert [label.toPlainText() for label in scalp._labels] == ["O1 flat"]
    assert brushes_of(scalp, "O1") == _theme.BAD_CHANNEL
    assert brushes_of(scalp, "O2") == "#000000"
    traces.set_channel_states({"O1": "flat"}, missing=("T7",))
    ticks = [t[1] for t in traces.plot.getAxis("left")._tickLevels[0]]
    assert ticks == ["FP1", "T7 · interpolated", "O1 flat · interpolated"]
    assert traces.curves[2].opts["pen"].color().name() == _theme.BAD_CHANNEL
    assert traces.curves[0].opts["pen"].color().name() != _theme.BAD_CHANNEL
    traces.set_channel_states({})  # cleared
    assert [t[1] for t in traces.plot.getAxis("left")._tickLevels[0]] == [
        "FP1",
        "T7",
        "O1",
    ]
    scalp.set_channel_states({})
    assert not scalp._labels


@pytest.fixture(scope="module")
def flat_o1(realdata):
    """The first 20 s of run 3 with O1 at 0 µV (unplugged) from the start."""
    rec = run3(realdata)
    index, _ = map_channels(rec.ch_names)
    data = faults.flat(rec.data[:, : 20 * 160], [int(index[SEED_CHANNELS.index("O1")])])
    return dataclasses.replace(rec, data=data)


def test_the_window_marks_a_flat_channel_and_counts_it(
    qapp, qtbot, tiny_checkpoint, flat_o1, unique_id
):
    from eegstream.dashboard.window import MainWindow
    from eegstream.model import load_checkpoint
    from eegstream.pipeline import LivePipeline

    checkpoint = load_checkpoint(tiny_checkpoint)
    source = PlainSource(unique_id, flat_o1.data, 160.0, flat_o1.ch_names, speed=4.0)
    pipeline = window = None
    try:
        pipeline = LivePipeline(
            checkpoint, stream=unique_id, device="cpu", outlets=False
        ).start()
        source.start()
        window = MainWindow.from_checkpoint(
            pipeline, checkpoint, history_s=60, trace_channels=("FP1", "T7", "O1")
        )
        window.timer.setInterval(10_000)  # the test drives refresh() itself
        window.show()

        def marked() -> None:
            window.refresh()
            assert "O1" in window.model.bad

        qtbot.waitUntil(marked, timeout=30_000)
        status = window.status.labels["signal"]
        assert status.text().startswith("signal 1 bad: O1 flat")
        assert _theme.BAD_CHANNEL in status.styleSheet()
        assert window.scalpmap.states["O1"] == "bad: flat"
        assert window.scalpmap.states["CB1"] == "missing"  # not in this montage
        ticks = [t[1] for t in window.traces.plot.getAxis("left")._tickLevels[0]]
        assert ticks[2] == "O1 flat · interpolated"
    finally:
        if window is not None:
            window.close()  # stops the pipeline
        stop_all(pipeline, source)
