"""Dashboard widgets on real Qt (offscreen): what they display for given data."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from eegstream.dashboard._theme import class_colours  # noqa: E402
from eegstream.dashboard.gauge import EmotionGauge  # noqa: E402
from eegstream.dashboard.history import ProbabilityHistory  # noqa: E402
from eegstream.dashboard.model import Segment  # noqa: E402
from eegstream.dashboard.scalpmap import ScalpMap  # noqa: E402
from eegstream.dashboard.status import StatusPanel  # noqa: E402
from eegstream.dashboard.traces import SCALES_UV, EEGTraces  # noqa: E402
from eegstream.montage import positions_2d  # noqa: E402
from eegstream.pipeline.results import Health  # noqa: E402

pytestmark = pytest.mark.gui
CLASSES = ("neutral", "sad", "fear", "happy")


def test_gauge_shows_classes_values_and_top_class(qtbot):
    gauge = EmotionGauge(CLASSES)
    qtbot.addWidget(gauge)
    assert gauge.bars.classes == CLASSES
    gauge.set_probabilities(np.array([0.1, 0.2, 0.6, 0.1]))
    np.testing.assert_array_equal(gauge.values(), [0.1, 0.2, 0.6, 0.1])
    assert gauge.top_text() == "FEAR"
    assert class_colours(CLASSES)["fear"] in gauge.top_label.styleSheet()
    gauge.set_probabilities(np.array([0.1, 0.2, 0.3, 0.4]), warm=False)
    assert gauge.top_text() == "HAPPY" and "warming up" in gauge.detail_label.text()
    gauge.show()
    qtbot.waitExposed(gauge)
    assert not gauge.grab().toImage().isNull()


def test_gauge_and_status_say_calibrating_then_whose_personal_model(qtbot):
    gauge, status = EmotionGauge(CLASSES), StatusPanel()
    qtbot.addWidget(gauge)
    qtbot.addWidget(status)
    gauge.set_probabilities(np.array([0.1, 0.2, 0.6, 0.1]), calibrating="fitting")
    assert "calibrating (fitting)" in gauge.detail_label.text()
    base = Health(
        "ok", "eeg-1", "sid", 200.0, 200.0, 10, 0, 0, 0.01, 0.02, "cpu", "base",
        wearer="alice",
    )  # fmt: skip
    status.set_health(base, "calibrated")
    assert status.labels["model"].text() == "model base · wearer alice"
    personal = Health(
        **{**base.to_dict(), "model_name": "alice-live", "personal": True}
    )
    status.set_health(personal, "calibrated")
    assert status.labels["model"].text() == "model alice-live · personal, wearer alice"
    gauge.set_probabilities(np.array([0.1, 0.2, 0.6, 0.1]))
    assert "calibrating" not in gauge.detail_label.text()


def test_history_draws_label_bands_in_class_colours(qtbot):
    history = ProbabilityHistory(CLASSES, history_s=60)
    qtbot.addWidget(history)
    times = -np.arange(10.0)[::-1]
    probs = np.tile([0.7, 0.1, 0.1, 0.1], (10, 1))
    true = [Segment(-9.0, -5.0, "happy"), Segment(-3.0, 0.0, "sad")]
    history.set_history(times, probs, [Segment(-10.0, 0.0, "neutral")], true)
    x, y = history.curves[0].getData()
    np.testing.assert_array_equal(x, times)
    np.testing.assert_array_equal(y, probs[:, 0])
    bars = history.bars["true"]
    assert bars.isVisible()
    assert list(bars.opts["x0"]) == [-9.0, -3.0] and list(bars.opts["x1"]) == [
        -5.0,
        0.0,
    ]
    colours = [b.color().name() for b in bars.opts["brushes"]]
    assert colours == [class_colours(CLASSES)[c].lower() for c in ("happy", "sad")]
    history.set_history(times, probs, [], [])
    assert not bars.isVisible()


def test_scalp_map_follows_the_chosen_band(qtbot):
    scalp = ScalpMap()
    qtbot.addWidget(scalp)
    x = positions_2d()[:, 0]
    band_power = np.column_stack([x * k for k in range(1, 6)])  # band k: k * x
    scalp.set_band_power(band_power)
    assert scalp.band == 2
    image = scalp.image.image
    left, right = np.nanmean(image[:10]), np.nanmean(image[-10:])
    assert right > left  # larger values to the right, as the electrodes say
    assert scalp.colorbar.levels() == pytest.approx((3 * x.min(), 3 * x.max()))
    scalp.selector.setCurrentIndex(4)
    assert scalp.colorbar.levels() == pytest.approx((5 * x.min(), 5 * x.max()))


def test_traces_scale_control_sets_lane_height(qtbot):
    traces = EEGTraces(("FP1", "O1"), seconds=2.0)
    qtbot.addWidget(traces)
    times = np.arange(400) / 200.0
    data = np.vstack([np.sin(2 * np.pi * 10 * times), np.zeros(400)]) * 50.0  # ±50 µV
    traces.set_eeg(times, data)
    traces.scale.setCurrentIndex(SCALES_UV.index(100))
    _, lane = traces.curves[0].getData()
    assert np.ptp(lane) == pytest.approx(1.0, abs=0.01)  # 100 µV peak-to-peak = 1 lane
    traces.scale.setCurrentIndex(SCALES_UV.index(50))
    x, lane = traces.curves[0].getData()
    assert np.ptp(lane) == pytest.approx(2.0, abs=0.02)
    assert x[-1] == 0 and x[0] == pytest.approx(-399 / 200)
    _, second = traces.curves[1].getData()
    assert np.allclose(second, -1.0)  # second lane one below


def test_status_turns_red_when_lost(qtbot):
    status = StatusPanel()
    qtbot.addWidget(status)
    ok = Health(
        "ok", "eeg-1", "sid", 200.0, 199.4, 10, 0, 0, 0.012, 0.03, "cpu", "tiny"
    )
    status.set_health(ok, "calibrated")
    assert status.labels["rate"].text() == "199.4 / 200 Hz"
    assert "p50 12" in status.labels["latency"].text()
    assert status.labels["stream"].text() == "eeg-1"
    green = status.state_colour
    lost = Health(
        "lost",
        "eeg-1",
        "sid",
        200.0,
        0.0,
        10,
        0,
        1,
        float("nan"),
        float("nan"),
        "cpu",
        "tiny",
    )
    status.set_health(lost, "calibrated")
    assert status.labels["state"].text() == "LOST"
    assert status.state_colour != green and status.state_colour.lower() == "#f85149"
    assert "–" in status.labels["latency"].text()


def test_new_traces_repaint_the_curves_but_not_the_cached_axes(qtbot, monkeypatch):
    """An axis (its grid spans the plot) is copied from its cache, not redrawn."""
    import pyqtgraph as pg

    painted: list[str] = []
    for cls in (pg.AxisItem, pg.PlotCurveItem):
        original = cls.paint

        def counting(self, *args, _original=original, _name=cls.__name__):
            painted.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(cls, "paint", counting)
    traces = EEGTraces(("FP1", "O1"), seconds=2.0)
    qtbot.addWidget(traces)
    traces.resize(400, 300)
    with qtbot.waitExposed(traces):
        traces.show()
    times = np.arange(400) / 200.0
    for frame in range(2):
        painted.clear()
        traces.set_eeg(times + frame, np.sin(times + frame)[None].repeat(2, 0) * 50)
        traces.view.viewport().repaint()
        assert "PlotCurveItem" in painted  # the new traces were drawn
    assert "AxisItem" not in painted  # the second frame drew no axis
