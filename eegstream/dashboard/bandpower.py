"""Band power over time: the channel-mean DE of the five bands."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import cycle

import numpy as np
import pyqtgraph as pg

from ..features import BAND_NAMES
from . import _theme
from ._qt import configure_pyqtgraph, fixed_plot


class BandPowerPlot(pg.PlotWidget):
    """Five curves, delta to gamma, of the mean DE over channels per step.

    DE is ``log2(100 * power)`` of the band (SEED convention), so one unit is a
    doubling of band power in µV².

    Parameters
    ----------
    history_s : float
        Width of the time axis, in seconds.
    band_names : sequence of str
        Legend names, low band first.
    """

    def __init__(
        self, history_s: float = 180.0, band_names: Sequence[str] = BAND_NAMES
    ) -> None:
        configure_pyqtgraph()
        super().__init__()
        self.history_s = float(history_s)
        plot = fixed_plot(
            self.getPlotItem(), x_label="time (s)", y_label="DE (log₂ 100·µV²)"
        )
        plot.setXRange(-self.history_s, 0, padding=0)
        plot.setYRange(0, 10)
        legend = plot.addLegend(offset=(5, 5), colCount=len(band_names))
        legend.setBrush(pg.mkBrush(_theme.BACKGROUND + "c0"))
        self.curves = [
            plot.plot(pen=pg.mkPen(c, width=2), name=name)
            for name, c in zip(band_names, cycle(_theme.BAND_COLOURS), strict=False)
        ]

    def set_history(self, times: np.ndarray, values: np.ndarray) -> None:
        """Redraw from ``times`` (n,) in s (<= 0) and ``values`` (n, 5) in DE units."""
        values = np.asarray(values)
        for curve, column in zip(self.curves, values.T, strict=True):
            curve.setData(times, column, connect="finite")
        finite = values[np.isfinite(values)]
        if finite.size:
            # Auto-range is off (it costs a full data pass per paint); set it
            # here, once per step, with a margin so it rarely moves.
            lo, hi = float(finite.min()), float(finite.max())
            view = self.getPlotItem().getViewBox().viewRange()[1]
            if lo < view[0] or hi > view[1] or (hi - lo) < 0.3 * (view[1] - view[0]):
                pad = max(0.5, 0.15 * (hi - lo))
                self.getPlotItem().setYRange(lo - pad, hi + pad, padding=0)
