"""Scalp map of one band's DE over the model's electrodes, drawn like an MNE topomap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ..features import BAND_NAMES
from ..montage import SEED_CHANNELS, positions_2d
from . import _theme
from ._qt import combo_box, configure_pyqtgraph, fill_with, fixed_plot
from ._topomap import HEAD_RADIUS, MAP_RADIUS, Topomap


def _head_outline() -> list[tuple[np.ndarray, np.ndarray]]:
    """Head circle, nose and ears as (x, y) polylines in head coordinates."""
    angle = np.linspace(0, 2 * np.pi, 121)
    r = HEAD_RADIUS
    head = (r * np.cos(angle), r * np.sin(angle))
    nose = (np.array([-0.09, 0.0, 0.09]) * r, np.array([0.995, 1.15, 0.995]) * r)
    ear_y = np.array([0.18, 0.22, 0.16, -0.14, -0.22, -0.18]) * r
    ear_x = np.array([0.995, 1.06, 1.09, 1.09, 1.05, 0.99]) * r
    return [head, nose, (ear_x, ear_y), (-ear_x, ear_y)]


class ScalpMap(QtWidgets.QWidget):
    """Interpolated image of one band's DE, electrode dots and head outline.

    Parameters
    ----------
    band_names : sequence of str
        Bands offered in the selector, low first (index into the DE's last axis).
    band : int
        Initially shown band (default alpha).
    channels : sequence of str
        The model's SEED channels (the rows of the band power), drawn at their
        SEED positions.
    """

    def __init__(
        self,
        band_names: Sequence[str] = BAND_NAMES,
        band: int = 2,
        channels: Sequence[str] = SEED_CHANNELS,
    ) -> None:
        configure_pyqtgraph()
        super().__init__()
        rows = [SEED_CHANNELS.index(ch) for ch in channels]
        self.topomap = Topomap(positions_2d()[rows], resolution=96)
        self.selector = combo_box(band_names, band, "band shown on the scalp map")
        self.view = pg.PlotWidget()
        plot = fixed_plot(self.view.getPlotItem())
        plot.showGrid(x=False, y=False)
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setAspectLocked(True)
        lim = MAP_RADIUS * 1.15
        plot.setRange(xRange=(-lim, lim), yRange=(-lim, lim), padding=0)
        self.image = pg.ImageItem()
        plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            colorMap=pg.colormap.get("viridis"), interactive=False, width=12, label="DE"
        )
        self.colorbar.setImageItem(self.image, insert_in=plot)
        for x, y in _head_outline():
            plot.plot(x, y, pen=pg.mkPen(_theme.FOREGROUND, width=2))
        pos = self.topomap.positions
        self.dots = pg.ScatterPlotItem(
            pos[:, 0],
            pos[:, 1],
            size=5,
            brush=pg.mkBrush("#000000"),
            pen=pg.mkPen(_theme.FOREGROUND, width=0.5),
        )
        plot.addItem(self.dots)
        self._plot = plot
        self.channels = tuple(channels)
        #: Channel states drawn: name -> "bad: <reasons>" or "missing".
        self.states: dict[str, str] = {}
        self._labels: list[pg.TextItem] = []
        self._label_font = QtGui.QFont()
        self._label_font.setBold(True)
        self.band_power: np.ndarray | None = None
        fill_with(self, self.view)
        self.selector.currentIndexChanged.connect(self._redraw)

    @property
    def band(self) -> int:
        """Index of the band shown."""
        return self.selector.currentIndex()

    def set_channel_states(
        self, bad: Mapping[str, str], missing: Sequence[str] = ()
    ) -> None:
        """Mark channels: bad ones red and named, missing ones grey.

        Both are interpolated from their good neighbours. Redraws the dots
        and names only; call it when the states change (rare), not per step.

        Parameters
        ----------
        bad : mapping of str to str
            SEED name -> why it is bad (``"flat"``, ``"noisy"``...).
        missing : sequence of str
            Channels the stream lacks.
        """
        states = {ch: "missing" for ch in missing if ch in self.channels}
        states.update({ch: f"bad: {why}" for ch, why in bad.items()})
        if states == self.states:
            return
        self.states = states
        fill = [
            _theme.BAD_CHANNEL
            if states.get(ch, "").startswith("bad")
            else (_theme.MUTED if ch in states else "#000000")
            for ch in self.channels
        ]
        self.dots.setBrush([pg.mkBrush(c) for c in fill])
        self.dots.setSize([9 if c == _theme.BAD_CHANNEL else 5 for c in fill])
        for label in self._labels:
            self._plot.removeItem(label)
        self._labels = []
        pos = self.topomap.positions
        for ch, why in bad.items():
            if ch not in self.channels:
                continue
            i = self.channels.index(ch)
            label = pg.TextItem(
                f"{ch} {why}", color=_theme.BAD_CHANNEL, anchor=(0.5, 1.1)
            )
            label.setFont(self._label_font)
            label.setPos(float(pos[i, 0]), float(pos[i, 1]))
            self._plot.addItem(label)
            self._labels.append(label)

    def set_band_power(self, band_power: np.ndarray) -> None:
        """Show the chosen band of ``band_power`` (n_channels, n_bands), DE."""
        self.band_power = np.asarray(band_power, dtype=float)
        self._redraw()

    def _redraw(self) -> None:
        if self.band_power is None:
            return
        values = self.band_power[:, self.band]
        finite = values[np.isfinite(values)]
        if not finite.size:
            return
        # Levels from the electrodes, not the interpolated image, as MNE does.
        lo, hi = float(finite.min()), float(finite.max())
        if hi - lo < 1e-6:
            hi = lo + 1e-6
        self.image.setImage(
            self.topomap.image(values),
            autoLevels=False,
            rect=QtCore.QRectF(*self.topomap.extent),
        )
        self.colorbar.setLevels((lo, hi))
