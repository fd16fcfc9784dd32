"""The room view: one compact tile per wearer; a click or key opens a wearer's view.

What ``eegstream live`` shows over several streams. The window only reads
snapshots (:class:`TileState`, made by whoever runs the session) on a timer;
it never touches LSL or the session's threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from . import _theme
from ._qt import TimedWindow
from .gauge import EmotionGauge


@dataclass(frozen=True)
class TileState:
    """What a wearer's tile shows (Qt-free).

    Attributes
    ----------
    wearer : str
        The wearer's name.
    classes : tuple of str
        The model's classes.
    probabilities : array of float, shape (n_classes,) | None
        The newest step's; None before the first.
    state : str
        ``ok``, ``connecting``, ``lost``, ``stopped`` or ``refused``.
    latency_ms : float
        Recent step latency, median, in ms (NaN before any step).
    steps : int
        Steps so far.
    warm : bool
        Whether the model's sequence is full.
    note : str
        Why the stream stopped or was refused, or ``""``.
    truth : str | None
        The newest step's true class from the markers (the room's clip), or
        None when no marker labels it.
    """

    wearer: str
    classes: tuple[str, ...]
    probabilities: np.ndarray | None
    state: str
    latency_ms: float = float("nan")
    steps: int = 0
    warm: bool = False
    note: str = ""
    truth: str | None = None

    @property
    def top(self) -> tuple[str, float] | None:
        """The most probable class and its probability, or None."""
        p = self.probabilities
        if p is None or not np.isfinite(p).any():
            return None
        k = int(np.nanargmax(p))
        return self.classes[k], float(p[k])

    def status_text(self) -> str:
        """Return the tile's small line: state, latency, steps, truth, note."""
        parts = [self.state]
        if math.isfinite(self.latency_ms):
            parts.append(f"{self.latency_ms:.0f} ms")
        parts.append(f"{self.steps} steps")
        if self.steps and not self.warm:
            parts.append("warming up")  # the top class is shown greyed
        if self.truth is not None:
            parts.append(f"true {self.truth}")
        if self.note:
            parts.append(self.note)
        return " · ".join(parts)


class WearerTile(QtWidgets.QFrame):
    """A compact tile: wearer, top class in its colour, confidence, state, latency.

    Emits :attr:`clicked` with the wearer's name.
    """

    clicked = QtCore.Signal(str)

    def __init__(self, wearer: str, key: str = "") -> None:
        super().__init__()
        self.wearer = wearer
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(f"background: {_theme.PANEL}; color: {_theme.FOREGROUND};")
        self._name = f"{key}  {wearer}".strip()
        self.name_label = QtWidgets.QLabel(self._name)
        self.top_label = QtWidgets.QLabel("–")
        font = self.top_label.font()
        font.setPointSize(18)
        font.setBold(True)
        self.top_label.setFont(font)
        self.status_label = QtWidgets.QLabel("")
        self.status_label.setStyleSheet(f"color: {_theme.MUTED};")
        self.status_label.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        for label in (self.name_label, self.top_label, self.status_label):
            layout.addWidget(label)
        self.setMinimumSize(180, 110)

    def set_state(self, tile: TileState) -> None:
        """Show a snapshot."""
        top = tile.top
        if top is None:
            self.top_label.setText("–")
            self.top_label.setStyleSheet(f"color: {_theme.MUTED};")
        else:
            name, p = top
            colour = _theme.class_colours(tile.classes)[name]
            if not tile.warm:
                colour = _theme.MUTED
            self.top_label.setText(f"{name.upper()} {100 * p:.0f} %")
            self.top_label.setStyleSheet(f"color: {colour};")
        dot = _theme.STATE_COLOURS.get(tile.state, _theme.ERROR)
        self.name_label.setText(f"<span style='color:{dot}'>●</span> {self._name}")
        self.status_label.setText(tile.status_text())

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: D102
        self.clicked.emit(self.wearer)
        super().mousePressEvent(event)


class RoomWindow(TimedWindow):
    """Tiles of every wearer; a click on a tile, or its number key, opens its view.

    Parameters
    ----------
    snapshot : callable
        ``snapshot() -> list[TileState]``, called on the GUI thread every
        ``refresh_ms``; it must be cheap (read what the session keeps).
    refresh_ms : int
        Redraw interval in milliseconds.
    on_close : callable | None
        Called once when the window closes (e.g. stop the session).

    Notes
    -----
    In a wearer's view, Escape or a click on "all wearers" goes back to the
    tiles.
    """

    def __init__(
        self,
        snapshot: Callable[[], Sequence[TileState]],
        *,
        refresh_ms: int = 250,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.on_close = on_close
        self.setWindowTitle("eegstream live: room")
        self.setStyleSheet(
            f"background: {_theme.BACKGROUND}; color: {_theme.FOREGROUND};"
        )
        self.tiles: dict[str, WearerTile] = {}
        self.focused: str | None = None
        self._grid_widget = QtWidgets.QWidget()
        self._grid = QtWidgets.QGridLayout(self._grid_widget)
        self._detail = QtWidgets.QWidget()
        detail = QtWidgets.QVBoxLayout(self._detail)
        self._back = QtWidgets.QPushButton("◀ all wearers")
        self._back.clicked.connect(self.show_room)
        self._detail_title = QtWidgets.QLabel("")
        self._detail_status = QtWidgets.QLabel("")
        self._gauge: EmotionGauge | None = None
        for widget in (self._back, self._detail_title, self._detail_status):
            detail.addWidget(widget)
        self._stack = QtWidgets.QStackedWidget()
        self._stack.addWidget(self._grid_widget)
        self._stack.addWidget(self._detail)
        self.setCentralWidget(self._stack)
        self.resize(900, 560)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(int(refresh_ms))

    # -- views ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Read a snapshot and show it (tiles, or the focused wearer's view)."""
        states = list(self.snapshot())
        for tile in states:
            if tile.wearer not in self.tiles:
                self._add_tile(tile.wearer, len(self.tiles))
            self.tiles[tile.wearer].set_state(tile)
            if tile.wearer == self.focused:
                self._show_detail(tile)

    def _add_tile(self, wearer: str, index: int) -> None:
        key = str(index + 1) if index < 9 else ""
        tile = WearerTile(wearer, key)
        tile.clicked.connect(self.show_wearer)
        columns = 4
        self._grid.addWidget(tile, index // columns, index % columns)
        self.tiles[wearer] = tile

    def show_wearer(self, wearer: str) -> None:
        """Open ``wearer``'s view: every class's probability, state and latency."""
        if wearer not in self.tiles:
            return
        self.focused = wearer
        self._stack.setCurrentWidget(self._detail)
        self.refresh()

    def show_room(self) -> None:
        """Go back to the tiles."""
        self.focused = None
        self._stack.setCurrentWidget(self._grid_widget)

    def _show_detail(self, tile: TileState) -> None:
        if self._gauge is None or self._gauge.bars.classes != tile.classes:
            if self._gauge is not None:
                self._gauge.setParent(None)
            self._gauge = EmotionGauge(tile.classes)
            layout = self._detail.layout()
            assert layout is not None  # sanity check: set in __init__
            layout.addWidget(self._gauge)
        self._detail_title.setText(f"wearer {tile.wearer}")
        self._detail_status.setText(tile.status_text())
        if tile.probabilities is not None:
            self._gauge.set_probabilities(tile.probabilities, warm=tile.warm)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: D102
        text = event.text()
        if event.key() == QtCore.Qt.Key.Key_Escape:
            self.show_room()
        elif text.isdigit() and text != "0":
            names = list(self.tiles)
            if int(text) <= len(names):
                self.show_wearer(names[int(text) - 1])
        else:
            super().keyPressEvent(event)

    # -- lifecycle ------------------------------------------------------------------
    def _close_once(self) -> None:
        if self.on_close is not None:
            self.on_close()
