"""The room view on real Qt (offscreen): tiles from snapshots, a wearer's view."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore  # noqa: E402

from eegstream.dashboard.room import RoomWindow, TileState  # noqa: E402

pytestmark = pytest.mark.gui
CLASSES = ("neutral", "sad", "fear", "happy")


def snapshot(states):
    return lambda: states


def test_tiles_show_each_wearers_top_class_and_state(qtbot):
    states = [
        TileState("P01", CLASSES, np.array([0.1, 0.7, 0.1, 0.1]), "ok", 4.0, 12, True),
        TileState("P02", CLASSES, None, "lost", steps=0),
        TileState("P03", CLASSES, None, "refused", note="too few channels"),
    ]
    window = RoomWindow(snapshot(states), refresh_ms=1000)
    qtbot.addWidget(window)
    window.refresh()
    assert list(window.tiles) == ["P01", "P02", "P03"]
    assert window.tiles["P01"].top_label.text() == "SAD 70 %"
    assert window.tiles["P02"].top_label.text() == "–"
    assert "lost" in window.tiles["P02"].status_label.text()
    assert "too few channels" in window.tiles["P03"].status_label.text()
    assert "4 ms" in window.tiles["P01"].status_label.text()


def test_click_or_number_key_opens_a_wearer_and_escape_returns(qtbot):
    states = [
        TileState("P01", CLASSES, np.array([0.1, 0.7, 0.1, 0.1]), "ok", 4.0, 12, True),
        TileState("P02", CLASSES, np.array([0.1, 0.1, 0.1, 0.7]), "ok", 5.0, 12, True),
    ]
    window = RoomWindow(snapshot(states), refresh_ms=1000)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    qtbot.mouseClick(window.tiles["P02"], QtCore.Qt.MouseButton.LeftButton)
    assert window.focused == "P02"
    assert window._gauge is not None
    np.testing.assert_array_equal(window._gauge.values(), [0.1, 0.1, 0.1, 0.7])
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Escape)
    assert window.focused is None
    qtbot.keyClick(window, "1")
    assert window.focused == "P01"
    np.testing.assert_array_equal(window._gauge.values(), [0.1, 0.7, 0.1, 0.1])


def test_a_tile_says_the_true_class_when_markers_label_the_step():
    p = np.array([0.1, 0.7, 0.1, 0.1])
    labelled = TileState("P01", CLASSES, p, "ok", 4.0, 12, True, truth=CLASSES[0])
    assert f"true {CLASSES[0]}" in labelled.status_text()
    assert "true" not in TileState("P01", CLASSES, p, "ok", 4.0, 12, True).status_text()
