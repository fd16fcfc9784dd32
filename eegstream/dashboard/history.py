"""Probability history of the last minutes, with predicted and true labels as bands."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

from . import _theme
from ._qt import colour, configure_pyqtgraph, fixed_plot
from .model import Segment

# Rows of the label band: y of each row's bottom edge.
_ROWS = {"true": 0.0, "predicted": 1.0}


class ProbabilityHistory(pg.GraphicsLayoutWidget):
    """Class probabilities over time above a band of predicted and true labels.

    The band's "true" row is filled only where the stream carries labels (a
    replay's marker stream), so a replayed session shows predicted against true.

    Parameters
    ----------
    classes : sequence of str
        Class names in the model's id order.
    history_s : float
        Width of the time axis, in seconds.
    """

    def __init__(self, classes: Sequence[str], history_s: float = 180.0) -> None:
        configure_pyqtgraph()
        super().__init__()
        self.classes = tuple(classes)
        self.colours = _theme.class_colours(self.classes)
        self.history_s = float(history_s)
        self.plot = fixed_plot(self.addPlot(row=0, col=0), y_label="probability")
        self.plot.setXRange(-self.history_s, 0, padding=0)
        self.plot.setYRange(0, 1, padding=0.02)
        self.plot.getAxis("bottom").setStyle(showValues=False)
        self.curves = [
            self.plot.plot(pen=pg.mkPen(self.colours[name], width=2), name=name)
            for name in self.classes
        ]
        self.band = fixed_plot(self.addPlot(row=1, col=0), x_label="time (s)")
        self.band.setXLink(self.plot)
        self.band.setYRange(0, 2, padding=0)
        self.band.showGrid(x=True, y=False)
        self.band.getAxis("left").setTicks([[(0.5, "true"), (1.5, "predicted")]])
        for plot in (self.plot, self.band):  # aligned time axes
            plot.getAxis("left").setWidth(70)
        self.ci.layout.setRowStretchFactor(0, 4)
        self.ci.layout.setRowStretchFactor(1, 1)
        self.bars = {
            row: pg.BarGraphItem(x0=[0], x1=[0], y0=[y], height=[0.9])
            for row, y in _ROWS.items()
        }
        for item in self.bars.values():
            item.setVisible(False)
            self.band.addItem(item)
        self.segments: dict[str, list[Segment]] = {row: [] for row in _ROWS}

    def set_history(
        self,
        times: np.ndarray,
        probabilities: np.ndarray,
        predicted: list[Segment],
        true: list[Segment],
    ) -> None:
        """Redraw from the model's history.

        Parameters
        ----------
        times : array of float, shape (n_steps,)
            Seconds relative to the newest step (<= 0).
        probabilities : array of float, shape (n_steps, n_classes)
        predicted, true : list of Segment
            Runs of the predicted top class and of the true label, relative times.
        """
        for curve, column in zip(self.curves, np.asarray(probabilities).T, strict=True):
            curve.setData(times, column)
        for row, segments in (("predicted", predicted), ("true", true)):
            self._set_band(row, segments)

    def _set_band(self, row: str, segments: list[Segment]) -> None:
        self.segments[row] = segments
        item = self.bars[row]
        if not segments:
            item.setVisible(False)
            return
        brushes = [
            pg.mkBrush(colour(self.colours.get(s.label, _theme.UNKNOWN_LABEL)))
            for s in segments
        ]
        item.setOpts(
            x0=np.array([s.start for s in segments]),
            x1=np.array([s.end for s in segments]),
            y0=np.full(len(segments), _ROWS[row] + 0.05),
            height=np.full(len(segments), 0.9),
            brushes=brushes,
            pens=[pg.mkPen(None)] * len(segments),
        )
        item.setVisible(True)
