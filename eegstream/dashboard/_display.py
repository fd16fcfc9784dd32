"""Can Qt open a window here? Checked before a QApplication exists, so no Qt abort."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .._errors import EEGStreamError

# Platforms that draw without a display server.
_HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")
#: System packages (Debian, Ubuntu) that Qt 6's xcb platform plugin needs and
#: that minimal desktops, WSL and remote X setups often lack.
XCB_PACKAGES = (
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
)
# Seconds a child process may take to start Qt (PySide6 import included).
_PROBE_TIMEOUT_S = 30.0
_PROBE = (
    "import sys\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication(sys.argv[:1])\n"
)


def check_display() -> None:
    """Raise unless Qt can open the dashboard here.

    On Linux and other X11/Wayland systems Qt aborts the whole process when
    there is no display, or when its platform plugin cannot load (the xcb
    plugin needs system libraries that minimal installs lack); this turns
    both into a one-line error. Where a display is set, a child process
    starts a ``QGuiApplication`` first (about a second).

    Raises
    ------
    EEGStreamError
        When there is no display and ``QT_QPA_PLATFORM`` is not a headless
        platform, or when Qt cannot start its platform plugin; the message
        names the missing system packages and the command that installs them.
    """
    if sys.platform in ("win32", "darwin"):
        return
    if _platform() in _HEADLESS_PLATFORMS:
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise EEGStreamError(
            "no display available (DISPLAY and WAYLAND_DISPLAY are unset): run "
            "headless with `eegstream run --model M`, or set QT_QPA_PLATFORM="
            "offscreen to draw off screen (e.g. with --screenshot OUT.png "
            "--exit-after SECONDS)"
        )
    problem = probe_dashboard()
    if problem is not None:
        raise EEGStreamError(problem)


def probe_dashboard(timeout: float = _PROBE_TIMEOUT_S) -> str | None:
    """Start Qt's GUI application in a child process, with this environment.

    Parameters
    ----------
    timeout : float
        Seconds the child may take.

    Returns
    -------
    str | None
        ``None`` when Qt started; else one line saying why not, naming the
        missing system packages and the ``apt-get`` command that installs
        them.
    """
    try:
        child = subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        said = f"it did not start within {timeout:g} s"
    else:
        if child.returncode == 0:
            return None
        lines = [line.strip() for line in child.stderr.splitlines() if line.strip()]
        said = next((line for line in lines if "plugin" in line), None) or (
            lines[-1] if lines else f"exit status {child.returncode}"
        )
    platform = _platform() or "xcb"
    missing = missing_xcb_packages() if platform == "xcb" else []
    packages = missing or list(XCB_PACKAGES)
    what = (
        f"system libraries of Qt's xcb plugin are missing ({', '.join(missing)})"
        if missing
        else f"Qt could not start its {platform!r} platform plugin ({said.rstrip('.')})"
    )
    return (
        f"the dashboard cannot open: {what}; on Debian/Ubuntu install them with "
        f"`sudo apt-get install {' '.join(packages)}`, or run headless with "
        "`eegstream run --model M`"
    )


def missing_xcb_packages() -> list[str]:
    """Debian package names of the libraries Qt's xcb plugin cannot find.

    Returns
    -------
    list of str
        E.g. ``["libxcb-cursor0"]``; empty when nothing is missing, or when it
        cannot be told (no ``ldd``, no PySide6 plugin).
    """
    spec = importlib.util.find_spec("PySide6")
    ldd = shutil.which("ldd")
    if spec is None or not spec.submodule_search_locations or ldd is None:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))
    plugin = root / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        return []
    out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True).stdout
    libraries = re.findall(r"^\s*(\S+)\s+=>\s+not found", out, flags=re.MULTILINE)
    return sorted({debian_package(lib) for lib in libraries})


def debian_package(soname: str) -> str:
    """Name the Debian package that ships a library, by Debian's naming policy.

    ``libxcb-cursor.so.0`` is in ``libxcb-cursor0``; a name ending in a digit
    takes a hyphen: ``libxkbcommon-x11.so.0`` is in ``libxkbcommon-x11-0``.
    """
    name, _, version = soname.partition(".so.")
    name, version = name.lower(), version.split(".")[0]
    return f"{name}-{version}" if name[-1:].isdigit() else f"{name}{version}"


def _platform() -> str:
    """Return the platform plugin ``QT_QPA_PLATFORM`` asks for (lower case), or ''."""
    return os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
