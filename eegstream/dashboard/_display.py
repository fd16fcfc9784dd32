"""Can Qt open a window here? Checked before a QApplication exists, so no Qt abort."""

from __future__ import annotations

import os
import sys

from .._errors import EEGStreamError

# Platforms that draw without a display server.
_HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")


def check_display() -> None:
    """Raise unless Qt has somewhere to draw.

    On Linux and other X11/Wayland systems Qt aborts the whole process when
    neither ``DISPLAY`` nor ``WAYLAND_DISPLAY`` is set and no headless
    platform plugin was asked for; this turns that into a one-line error.

    Raises
    ------
    EEGStreamError
        When there is no display and ``QT_QPA_PLATFORM`` is not a headless
        platform.
    """
    if sys.platform in ("win32", "darwin"):
        return
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if platform in _HEADLESS_PLATFORMS:
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    raise EEGStreamError(
        "no display available (DISPLAY and WAYLAND_DISPLAY are unset): run headless "
        "with `eegstream run --model M`, or set QT_QPA_PLATFORM=offscreen to draw "
        "off screen (e.g. with --screenshot OUT.png --exit-after SECONDS)"
    )
