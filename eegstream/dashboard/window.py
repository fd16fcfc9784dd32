"""The main window: every panel over one LivePipeline, refreshed by a timer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui, QtWidgets

from ..features.config import BAND_NAMES
from . import _theme
from ._qt import Panel, TimedWindow, configure_pyqtgraph, dark_palette
from .bandpower import BandPowerPlot
from .gauge import EmotionGauge
from .history import ProbabilityHistory
from .model import Changes, DashboardModel, default_traces
from .scalpmap import ScalpMap
from .status import StatusPanel
from .traces import EEGTraces

if TYPE_CHECKING:
    from ..model import Checkpoint
    from ..pipeline import LivePipeline


class MainWindow(TimedWindow):
    """A view over a running :class:`~eegstream.pipeline.LivePipeline`.

    A timer in the GUI thread drains the pipeline's subscriber queue and reads
    its health and EEG snapshot (all non-blocking); the pipeline computes in
    its own threads. Closing the window stops the timer and the pipeline.

    Parameters
    ----------
    pipeline : LivePipeline
        Started (or about to be started) pipeline; the window subscribes to it.
    classes : sequence of str
        The model's class names in id order.
    seq_len : int | None
        The classifier's sequence length (calibration progress).
    band_names : sequence of str
        The checkpoint's bands, low first (``FeatureConfig.band_names``).
    history_s : float
        Span of the probability and band-power histories, in seconds.
    refresh_ms : int
        Timer interval in ms (33 ms: about 30 redraws per second).
    trace_channels : sequence of str | None
        SEED channels drawn as EEG traces; ``None``: the default traces the
        model has (:func:`~eegstream.dashboard.model.default_traces`).

    Signals
    -------
    failed(str)
        Emitted once when the pipeline has stopped on an error (e.g. the stream
        does not fit the model), with the pipeline's reason.
    closed()
        Emitted when the window has closed and the pipeline is stopped.
    """

    failed = QtCore.Signal(str)

    def __init__(
        self,
        pipeline: LivePipeline,
        classes: Sequence[str],
        *,
        seq_len: int | None = None,
        history_s: float = 180.0,
        refresh_ms: int = 33,
        trace_channels: Sequence[str] | None = None,
        band_names: Sequence[str] = BAND_NAMES,
    ) -> None:
        super().__init__()
        # The scalp map and traces show the model's channels (a headset model: its own).
        self.channels = tuple(pipeline.checkpoint.channels)
        if trace_channels is None:
            trace_channels = default_traces(self.channels)
        self.model = DashboardModel(
            classes,
            history_s=history_s,
            seq_len=seq_len,
            trace_channels=trace_channels,
            band_names=band_names,
        )
        self._build_config(refresh_ms)
        self._build_ui()
        self._build_backend(pipeline)
        self._connect_signals()

    @classmethod
    def from_checkpoint(
        cls, pipeline: LivePipeline, checkpoint: Checkpoint, **options: Any
    ) -> MainWindow:
        """Make the window of ``checkpoint``'s model: its classes, sequence and bands.

        ``options`` are the other parameters (``history_s``, ``refresh_ms``,
        ``trace_channels``).
        """
        cfg = checkpoint.feature_config
        return cls(
            pipeline,
            checkpoint.classes,
            seq_len=cfg.seq_len,
            band_names=cfg.band_names,
            **options,
        )

    # -- construction, in named steps ------------------------------------
    def _build_config(self, refresh_ms: int) -> None:
        configure_pyqtgraph()
        self.refresh_ms = int(refresh_ms)
        self.redraws = 0
        self._failed = False
        self._missing: tuple[str, ...] | None = None  # the model channels not streamed
        self.setWindowTitle("eegstream live")
        self.resize(1500, 900)
        self.setPalette(dark_palette())
        self.setStyleSheet(
            f"QComboBox {{ background: {_theme.BACKGROUND}; color: {_theme.FOREGROUND};"
            " border: 1px solid #3a404b; border-radius: 3px; padding: 1px 8px; }"
            f" QComboBox QAbstractItemView {{ background: {_theme.PANEL};"
            f" color: {_theme.FOREGROUND}; selection-background-color: #3a7bd5; }}"
        )

    def _build_ui(self) -> None:
        classes = self.model.classes
        self.gauge = EmotionGauge(classes)
        self.history = ProbabilityHistory(classes, self.model.history_s)
        bands = self.model.band_names
        self.bandpower = BandPowerPlot(self.model.history_s, bands)
        self.scalpmap = ScalpMap(
            bands, band=min(2, len(bands) - 1), channels=self.channels
        )
        self.traces = EEGTraces(self.model.trace_channels, self.model.eeg_s)
        self.status = StatusPanel()
        self.setStatusBar(self.status)
        self.banner = QtWidgets.QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setStyleSheet(
            f"background: {_theme.ERROR}; color: #000000; font-weight: bold;"
            " padding: 6px;"
        )

        minutes = self.model.history_s / 60
        left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        left.addWidget(Panel("Emotion", self.gauge))
        left.addWidget(Panel("Scalp map (DE)", self.scalpmap, [self.scalpmap.selector]))
        left.setSizes([420, 420])
        right = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        right.addWidget(
            Panel(f"Probability history (last {minutes:g} min)", self.history)
        )
        right.addWidget(Panel("Band power (mean over channels)", self.bandpower))
        scale_label = QtWidgets.QLabel("scale")
        scale_label.setStyleSheet(f"color: {_theme.MUTED};")
        right.addWidget(Panel("EEG", self.traces, [scale_label, self.traces.scale]))
        right.setSizes([330, 220, 300])
        body = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(right)
        body.setSizes([480, 1020])
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(body, 1)
        self.setCentralWidget(central)

    def _build_backend(self, pipeline: LivePipeline) -> None:
        self.pipeline = pipeline
        if pipeline.synthetic:
            # Say it where a viewer looks: nothing here is a person's brain.
            self.setWindowTitle("eegstream live [SYNTHETIC EEG]")
            self.status.set_synthetic()
        self.model.attach(pipeline)
        self.timer.setInterval(self.refresh_ms)

    def _connect_signals(self) -> None:
        self.timer.timeout.connect(self._tick)

    # -- running ---------------------------------------------------------
    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: D102
        super().showEvent(event)
        if not self.timer.isActive():
            self.timer.start()

    def _tick(self) -> None:
        # A redraw holds the GIL for 2-10 ms; during a step it would add that
        # to the step's latency. The next tick (one refresh_ms later) draws.
        if not self.pipeline.busy:
            self.refresh()

    def refresh(self) -> Changes:
        """Read the pipeline once and redraw what changed; never blocks.

        Returns
        -------
        Changes
            What the model took in.
        """
        try:
            changes = self.model.update()
        except Exception as err:  # noqa: BLE001 - a view must show, not die on, an error
            self._show_banner(f"dashboard error: {type(err).__name__}: {err}")
            return Changes()
        model = self.model
        latest = model.latest
        if changes.steps and latest is not None:
            health = model.health
            shown = latest.shown
            self.gauge.set_probabilities(
                latest.probabilities if shown is None else shown.probabilities,
                warm=bool(latest.warm),
                calibrating=health.calibration if health is not None else None,
                signal="" if shown is None else shown.describe(),
                held=shown is not None and shown.held,
            )
            self.status.set_signal(f"signal {model.signal}", bool(model.bad))
            times, probs = model.history()
            self.history.set_history(
                times, probs, model.predicted_segments(), model.true_segments()
            )
            self.bandpower.set_history(*model.band_history())
            if model.topo is not None:
                self.scalpmap.set_band_power(model.topo)
        if changes.channels or self._missing is None:
            self._show_channel_states()
        if changes.eeg:
            self.traces.set_eeg(model.eeg_times, model.eeg)
        if model.health is not None:
            self.status.set_health(model.health, model.calibration)
        self._update_banner()
        health = model.health
        if (
            health is not None
            and health.state == "stopped"
            and health.error
            and not self._failed
        ):
            self._failed = True
            self.failed.emit(health.error)
        self.redraws += 1
        return changes

    def _show_channel_states(self) -> None:
        """Mark bad and missing channels on the scalp map and traces (on change)."""
        plan = self.pipeline.plan
        if plan is None:  # not connected yet
            return
        if self._missing is None:
            present = set(plan.present.tolist())
            self._missing = tuple(
                ch for i, ch in enumerate(plan.channels) if i not in present
            )
        self.scalpmap.set_channel_states(self.model.bad, self._missing)
        self.traces.set_channel_states(self.model.bad, self._missing)

    def _update_banner(self) -> None:
        health = self.model.health
        if health is not None and health.error:
            self._show_banner(f"pipeline error: {health.error}")
        elif health is not None and self.model.frozen:
            self._show_banner(
                f"stream {health.stream_name!r} lost: plots frozen until it returns"
            )
        elif self.banner.isVisible():
            self.banner.setVisible(False)

    def _show_banner(self, text: str) -> None:
        if self.banner.text() != text:
            self.banner.setText(text)
        self.banner.setVisible(True)

    def _close_once(self) -> None:
        self.pipeline.stop()
