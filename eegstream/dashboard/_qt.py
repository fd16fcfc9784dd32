"""Shared Qt helpers of the dashboard widgets: theme set-up and panel frames."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .._errors import EEGStreamError
from .._io import atomic_path
from . import _theme

_configured = False
_DEVICE_CACHE = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache


def configure_pyqtgraph() -> None:
    """Dark theme and speed options for every plot; once per process."""
    global _configured
    if not _configured:
        pg.setConfigOptions(
            background=_theme.PANEL,
            foreground=_theme.FOREGROUND,
            antialias=False,
            imageAxisOrder="col-major",
        )
        _configured = True


def colour(hex_code: str, alpha: int = 255) -> QtGui.QColor:
    """Make a QColor from ``"#rrggbb"`` and an alpha in 0-255."""
    out = QtGui.QColor(hex_code)
    out.setAlpha(alpha)
    return out


def dark_palette() -> QtGui.QPalette:
    """Build the window palette of the dark theme (labels, combo boxes, dialogs)."""
    palette = QtGui.QPalette()
    roles = QtGui.QPalette.ColorRole
    for role, hex_code in (
        (roles.Window, _theme.BACKGROUND),
        (roles.WindowText, _theme.FOREGROUND),
        (roles.Base, _theme.PANEL),
        (roles.AlternateBase, _theme.BACKGROUND),
        (roles.Text, _theme.FOREGROUND),
        (roles.Button, _theme.PANEL),
        (roles.ButtonText, _theme.FOREGROUND),
        (roles.Highlight, "#3a7bd5"),
        (roles.HighlightedText, "#ffffff"),
        (roles.ToolTipBase, _theme.PANEL),
        (roles.ToolTipText, _theme.FOREGROUND),
    ):
        palette.setColor(role, QtGui.QColor(hex_code))
    return palette


def save_png(window: QtWidgets.QWidget, path: str | Path) -> Path:
    """Write a PNG of ``window`` to ``path`` atomically; return the path."""
    path = Path(path)
    # Let the layouts settle on the texts just set before grabbing.
    QtWidgets.QApplication.processEvents()
    pixmap = window.grab()
    with atomic_path(path) as tmp:
        if not pixmap.save(str(tmp), "PNG"):
            raise EEGStreamError(
                f"could not write the screenshot to {path}; "
                "check that the folder is writable"
            )
    return path


class TimedWindow(QtWidgets.QMainWindow):
    """A main window that ``timer`` redraws with :meth:`refresh`.

    Closing it stops the timer and, the first time, calls :meth:`_close_once`
    and emits ``closed``.
    """

    closed = QtCore.Signal()

    def __init__(self) -> None:
        super().__init__()
        self.timer = QtCore.QTimer(self)
        self._closed = False

    def refresh(self) -> object:
        """Redraw from what the window shows; subclasses implement it."""
        raise NotImplementedError

    def _close_once(self) -> None:
        """Stop what the window watches; called once, on the first close."""

    def save_screenshot(self, path: str | Path) -> Path:
        """Write a PNG of the window to ``path`` atomically; return the path."""
        self.refresh()
        return save_png(self, path)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: D102
        self.timer.stop()
        if not self._closed:
            self._closed = True
            self._close_once()
            self.closed.emit()
        super().closeEvent(event)


def fixed_plot(
    plot: pg.PlotItem, *, x_label: str | None = None, y_label: str | None = None
) -> pg.PlotItem:
    """Turn off auto-range and mouse interaction; the views set ranges themselves."""
    plot.disableAutoRange()
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.showGrid(x=True, y=True, alpha=_theme.GRID_ALPHA)
    if x_label:
        plot.setLabel("bottom", x_label)
    if y_label:
        plot.setLabel("left", y_label)
    # An axis (its grid spans the plot) is redrawn, holding the GIL, whenever
    # a curve under it changes: a third of the dashboard's time at 30 frames/s,
    # and the live worker waited for it. Cached, it is redrawn only when the
    # axis itself changes, and otherwise copied from a pixmap.
    for side in ("left", "bottom", "right", "top"):
        plot.getAxis(side).setCacheMode(_DEVICE_CACHE)
    return plot


def combo_box(items: Sequence[str], current: int, tooltip: str) -> QtWidgets.QComboBox:
    """Make a combo box of ``items`` showing ``items[current]`` (a panel's control)."""
    box = QtWidgets.QComboBox()
    box.addItems(list(items))
    box.setCurrentIndex(current)
    box.setToolTip(tooltip)
    return box


def fill_with(parent: QtWidgets.QWidget, child: QtWidgets.QWidget) -> None:
    """Make ``child`` the whole content of ``parent``, without margins."""
    layout = QtWidgets.QVBoxLayout(parent)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(child)


class Panel(QtWidgets.QFrame):
    """A titled frame around one widget, with optional controls in its header.

    Parameters
    ----------
    title : str
        Header text.
    body : QWidget
        The panel's content.
    controls : list of QWidget
        Widgets placed right of the title.
    """

    def __init__(
        self,
        title: str,
        body: QtWidgets.QWidget,
        controls: Sequence[QtWidgets.QWidget] = (),
    ) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.setStyleSheet(
            f"#panel {{ background: {_theme.PANEL}; border: 1px solid #2c313a;"
            " border-radius: 4px; }"
        )
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        header = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel(title)
        self.title.setStyleSheet(f"color: {_theme.FOREGROUND}; font-weight: bold;")
        header.addWidget(self.title)
        header.addStretch(1)
        for control in controls:
            header.addWidget(control)
        layout.addLayout(header)
        layout.addWidget(body, 1)
        self.body = body
