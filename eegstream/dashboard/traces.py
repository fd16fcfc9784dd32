"""A few scrolling EEG traces with a µV scale control."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from . import _theme
from ._qt import combo_box, configure_pyqtgraph, fill_with, fixed_plot
from .model import finite_mean

#: Offered trace spacings in µV (one channel's lane height).
SCALES_UV: tuple[int, ...] = (10, 20, 50, 100, 200, 500, 1000)
# A 5 s, 200 Hz trace is 1000 points; more than ~1 point per pixel only costs time.
_MAX_POINTS = 1200
_TRACE = "#7fd4ff"


def _mean_downsample(
    times: np.ndarray, data: np.ndarray, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """Average blocks of samples so that at most ``max_points`` remain."""
    factor = int(np.ceil(len(times) / max_points))
    if factor <= 1:
        return times, data
    n = len(times) // factor * factor
    start = len(times) - n  # drop the oldest, keep the newest sample's block whole
    times = times[start:].reshape(-1, factor).mean(axis=1)
    data = data[:, start:].reshape(data.shape[0], -1, factor).mean(axis=2)
    return times, data


class EEGTraces(QtWidgets.QWidget):
    """Stacked EEG traces, newest sample at the right edge (time 0).

    Parameters
    ----------
    channels : sequence of str
        Channel names, top to bottom.
    seconds : float
        Visible time span, in seconds.
    scale_uv : int
        Initial lane height in µV (one of ``SCALES_UV``).
    """

    def __init__(
        self, channels: Sequence[str], seconds: float = 5.0, scale_uv: int = 100
    ) -> None:
        configure_pyqtgraph()
        super().__init__()
        self.channels = tuple(channels)
        self.seconds = float(seconds)
        self.scale = combo_box(
            [f"{s} µV" for s in SCALES_UV],
            SCALES_UV.index(scale_uv),
            "height of one channel's lane, in µV",
        )
        self.view = pg.PlotWidget()
        self.plot = fixed_plot(self.view.getPlotItem(), x_label="time (s)")
        self.plot.setXRange(-self.seconds, 0, padding=0)
        n = len(self.channels)
        self.plot.setYRange(-n + 0.5, 0.5, padding=0)
        self.plot.getAxis("left").setTicks(
            [[(-i, ch) for i, ch in enumerate(self.channels)]]
        )
        self.plot.showGrid(x=True, y=False, alpha=_theme.GRID_ALPHA)
        self.curves = [self.plot.plot(pen=pg.mkPen(_TRACE, width=1)) for _ in channels]
        #: Channel states drawn: name -> "bad: <reasons>" or "missing".
        self.states: dict[str, str] = {}
        self._times = np.zeros(0)
        self._data = np.zeros((n, 0))
        fill_with(self, self.view)
        self.scale.currentIndexChanged.connect(self._redraw)

    def set_channel_states(
        self, bad: Mapping[str, str], missing: Sequence[str] = ()
    ) -> None:
        """Draw bad channels red and name their state in the lane's label.

        Bad channels are drawn as the stream has them and labelled
        ``O1 flat · interpolated`` (the model gets their interpolation);
        channels the stream lacks read ``F7 · interpolated``. Call it when
        the states change (rare), not per frame.
        """
        states = {ch: "missing" for ch in missing if ch in self.channels}
        states.update({ch: f"bad: {why}" for ch, why in bad.items()})
        if states == self.states:
            return
        self.states = states
        ticks = []
        for i, (ch, curve) in enumerate(zip(self.channels, self.curves, strict=True)):
            state = states.get(ch)
            if state is None:
                ticks.append((-i, ch))
            elif state == "missing":
                ticks.append((-i, f"{ch} · interpolated"))
            else:
                ticks.append((-i, f"{ch} {state[5:]} · interpolated"))
            bad_now = state is not None and state != "missing"
            curve.setPen(pg.mkPen(_theme.BAD_CHANNEL if bad_now else _TRACE, width=1))
        self.plot.getAxis("left").setTicks([ticks])

    @property
    def scale_uv(self) -> int:
        """Lane height in µV."""
        return SCALES_UV[self.scale.currentIndex()]

    def set_eeg(self, times: np.ndarray, data: np.ndarray) -> None:
        """Show ``data`` (n_channels, n_samples) in µV at LSL ``times`` (n_samples,)."""
        self._times = np.asarray(times, dtype=float)
        self._data = np.asarray(data, dtype=float)
        self._redraw()

    def _redraw(self) -> None:
        if not len(self._times):
            return
        times, data = _mean_downsample(
            self._times - self._times[-1], self._data, _MAX_POINTS
        )
        # Each lane shows its own mean-removed signal (no DC offset off-screen),
        # one lane height per scale_uv µV.
        centred = data - finite_mean(data, axis=1, keepdims=True)
        lanes = centred / self.scale_uv - np.arange(len(self.channels))[:, None]
        for curve, lane in zip(self.curves, lanes, strict=True):
            curve.setData(times, lane, connect="finite")
