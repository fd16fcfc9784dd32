"""Status bar: stream, rate, latency, gaps, calibration, device, model."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6 import QtWidgets

from . import _theme

if TYPE_CHECKING:
    from ..pipeline import Health


def _ms(seconds: float | None) -> str:
    return (
        "–"
        if seconds is None or not math.isfinite(seconds)
        else f"{1000 * seconds:.0f}"
    )


def _wearer(health: Health) -> str:
    if health.wearer is None:
        return ""
    return (
        f" · personal, wearer {health.wearer}"
        if health.personal
        else (f" · wearer {health.wearer}")
    )


def describe(health: Health, calibration: str) -> dict[str, str]:
    """Describe the health fields as text, one per label of :class:`StatusPanel`.

    The ``signal`` label is set apart (:meth:`StatusPanel.set_signal`).

    Parameters
    ----------
    health : Health
        The pipeline's health snapshot.
    calibration : str
        The classifier's warm-up state (``DashboardModel.calibration``).

    Returns
    -------
    dict of str to str
    """
    rate = (
        f"{health.measured_rate:.1f}"
        if math.isfinite(health.measured_rate or math.nan)
        else "–"
    )
    nominal = "irregular" if not health.nominal_rate else f"{health.nominal_rate:g}"
    return {
        "state": health.state.upper(),
        "stream": f"{health.stream_name or '–'}",
        "rate": f"{rate} / {nominal} Hz",
        "latency": f"latency p50 {_ms(health.latency_p50_s)} · p99 "
        f"{_ms(health.latency_p99_s)} ms",
        "gaps": f"gaps {health.gaps} ({health.samples_lost} samples lost)",
        "calibration": calibration,
        "device": (health.device or "–").upper(),
        "model": f"model {health.model_name or '–'}" + _wearer(health),
    }


class StatusPanel(QtWidgets.QStatusBar):
    """One label per health field; the state label is coloured (red when lost)."""

    FIELDS = (
        "state",
        "stream",
        "rate",
        "latency",
        "gaps",
        "signal",
        "calibration",
        "device",
        "model",
    )

    def __init__(self) -> None:
        super().__init__()
        self.setSizeGripEnabled(False)
        self.labels: dict[str, QtWidgets.QLabel] = {}
        for name in self.FIELDS:
            label = QtWidgets.QLabel("–")
            label.setStyleSheet(f"color: {_theme.FOREGROUND}; padding: 0 8px;")
            self.labels[name] = label
            self.addWidget(label, 1 if name == "model" else 0)
        self.state = "connecting"
        self.state_colour = ""
        self._set_state("connecting")

    def set_synthetic(self) -> None:
        """Show a permanent SYNTHETIC EEG badge: the stream says it is simulated."""
        badge = QtWidgets.QLabel("SYNTHETIC EEG")
        badge.setToolTip("the stream's description says its EEG is simulated")
        badge.setStyleSheet(
            f"background: {_theme.SYNTHETIC}; color: #000000; font-weight: bold;"
            " padding: 0 10px; border-radius: 3px;"
        )
        self.labels["synthetic"] = badge
        self.addPermanentWidget(badge)

    def set_signal(self, text: str, bad: bool) -> None:
        """Show the signal checks' line (``2 bad: O1 flat, T7 noisy``), red when bad."""
        label = self.labels["signal"]
        if label.text() == text:
            return
        label.setText(text)
        colour = _theme.BAD_CHANNEL if bad else _theme.FOREGROUND
        label.setStyleSheet(f"color: {colour}; padding: 0 8px;")

    def set_health(self, health: Health, calibration: str) -> None:
        """Show ``health`` and the calibration state."""
        for name, text in describe(health, calibration).items():
            if self.labels[name].text() != text:
                self.labels[name].setText(text)
        self._set_state(health.state)

    def _set_state(self, state: str) -> None:
        if state == self.state and self.state_colour:
            return
        self.state = state
        self.state_colour = _theme.STATE_COLOURS.get(state, _theme.MUTED)
        self.labels["state"].setText(state.upper())
        self.labels["state"].setStyleSheet(
            f"background: {self.state_colour}; color: #000000; font-weight: bold;"
            " padding: 0 10px; border-radius: 3px;"
        )
