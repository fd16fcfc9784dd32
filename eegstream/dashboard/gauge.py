"""Emotion gauge: the current top class, large, and one bar per class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from . import _theme
from ._qt import colour


class _Bars(QtWidgets.QWidget):
    """One horizontal bar per class: name, bar in the class colour, percent."""

    def __init__(self, classes: Sequence[str], colours: dict[str, str]) -> None:
        super().__init__()
        self.classes = tuple(classes)
        self.colours = colours
        self.values = np.full(len(classes), np.nan)
        self.setMinimumHeight(30 * len(classes))

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: D102
        painter = QtGui.QPainter(self)
        font = painter.font()
        font.setPointSize(12)
        painter.setFont(font)
        rect = self.rect()
        row_h = rect.height() / len(self.classes)
        name_w = (
            max(painter.fontMetrics().horizontalAdvance(c) for c in self.classes) + 12
        )
        pct_w = painter.fontMetrics().horizontalAdvance("100 %") + 10
        bar_w = max(rect.width() - name_w - pct_w, 10)
        top = int(np.nanargmax(self.values)) if np.isfinite(self.values).any() else -1
        for i, (name, value) in enumerate(zip(self.classes, self.values, strict=True)):
            y = rect.top() + i * row_h
            bar = QtCore.QRectF(name_w, y + row_h * 0.18, bar_w, row_h * 0.64)
            painter.fillRect(bar, colour("#2c313a"))
            if np.isfinite(value):
                filled = QtCore.QRectF(
                    bar.left(), bar.top(), bar_w * float(value), bar.height()
                )
                painter.fillRect(
                    filled, colour(self.colours[name], 255 if i == top else 150)
                )
            painter.setPen(colour(_theme.FOREGROUND if i == top else _theme.MUTED))
            text_rect = QtCore.QRectF(0, y, name_w - 6, row_h)
            painter.drawText(
                text_rect,
                QtCore.Qt.AlignmentFlag.AlignRight
                | QtCore.Qt.AlignmentFlag.AlignVCenter,
                name,
            )
            pct = "–" if not np.isfinite(value) else f"{100 * value:.0f} %"
            pct_rect = QtCore.QRectF(name_w + bar_w + 4, y, pct_w, row_h)
            painter.drawText(
                pct_rect,
                QtCore.Qt.AlignmentFlag.AlignLeft
                | QtCore.Qt.AlignmentFlag.AlignVCenter,
                pct,
            )
        painter.end()


class EmotionGauge(QtWidgets.QWidget):
    """The current emotion, readable from across a room, above a bar per class.

    Parameters
    ----------
    classes : sequence of str
        Class names in the model's id order.

    Attributes
    ----------
    colours : dict of str to str
        The fixed colour of each class (``_theme.class_colours``).
    """

    def __init__(self, classes: Sequence[str]) -> None:
        super().__init__()
        self.classes = tuple(classes)
        self.colours = _theme.class_colours(self.classes)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.top_label = QtWidgets.QLabel("waiting…")
        self.top_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        font = self.top_label.font()
        font.setPointSize(44)
        font.setBold(True)
        self.top_label.setFont(font)
        self.top_label.setMinimumHeight(80)
        self.detail_label = QtWidgets.QLabel("")
        self.detail_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.detail_label.setStyleSheet(f"color: {_theme.MUTED}; font-size: 12pt;")
        self.detail_label.setWordWrap(True)
        self._detail_colour = _theme.MUTED
        self.bars = _Bars(self.classes, self.colours)
        layout.addWidget(self.top_label)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.bars, 1)
        self._set_top(None, "")

    def set_probabilities(
        self,
        probabilities: np.ndarray,
        warm: bool = True,
        calibrating: str | None = None,
        signal: str = "",
        held: bool = False,
    ) -> None:
        """Show one probability per class.

        Parameters
        ----------
        probabilities : array of float, shape (n_classes,)
            In the model's class order, summing to 1.
        warm : bool
            Whether the classifier's sequence is full; a cold prediction is
            shown greyed with a "warming up" note.
        calibrating : str | None
            A live calibration under way (``Health.calibration``, e.g.
            ``"recording 12/60 s"``): said under the class as "calibrating".
        signal : str
            Why the reading is not clean, under the ``--artifacts`` policy
            (``ShownReading.describe()``: ``"held 4 s: muscle T7 T8"``,
            ``"contaminated: 1 bad: O1 flat; UNRELIABLE"``); ``""`` when clean.
            Said under the class in the contaminated colour.
        held : bool
            ``probabilities`` are an earlier, clean reading held: shown greyed.
        """
        values = np.asarray(probabilities, dtype=float)
        self.bars.values = values.copy()
        top = int(np.argmax(values))
        detail = f"{100 * values[top]:.0f} % confidence"
        if not warm:
            detail += " · warming up"
        if calibrating is not None:
            detail += f" · calibrating ({calibrating})"
        if signal:
            detail += f"\n{signal}"
        self._set_top(self.classes[top], detail, dim=held or not warm)
        colour = _theme.CONTAMINATED if signal else _theme.MUTED
        if colour != self._detail_colour:  # a style sheet re-polishes: on change only
            self._detail_colour = colour
            self.detail_label.setStyleSheet(f"color: {colour}; font-size: 12pt;")
        self.bars.update()

    def values(self) -> np.ndarray:
        """Return the probabilities the bars show, shape (n_classes,)."""
        return self.bars.values.copy()

    def top_text(self) -> str:
        """Return the large class name shown."""
        return self.top_label.text()

    def detail_text(self) -> str:
        """Return the text under the class (confidence, warm-up, signal)."""
        return self.detail_label.text()

    def dimmed(self) -> bool:
        """Whether the class is shown greyed (held, warming up or waiting)."""
        return _theme.MUTED in self.top_label.styleSheet()

    def _set_top(self, name: str | None, detail: str, dim: bool = False) -> None:
        text = "waiting…" if name is None else name.upper()
        hex_code = _theme.MUTED if name is None or dim else self.colours[name]
        if text != self.top_label.text():
            self.top_label.setText(text)
        self.top_label.setStyleSheet(f"color: {hex_code};")
        self.detail_label.setText(detail)
