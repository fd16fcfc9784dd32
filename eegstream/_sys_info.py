"""``sys_info``: versions and hardware of this installation, for bug reports."""

from __future__ import annotations

import importlib
import os
import platform
import sys

from ._version import __version__


def sys_info() -> list[tuple[str, str]]:
    """(name, version or state) pairs describing this installation.

    A package that is missing or fails to import is reported as such instead
    of raising, since a broken installation is what a bug report may be about.
    """
    rows = [
        ("platform", platform.platform()),
        ("python", sys.version.split()[0] + f" ({sys.executable})"),
        ("cpu cores", _cores()),
        ("eegstream", __version__),
    ]
    for module in ("numpy", "scipy", "mne"):
        rows.append((module, _version(module)))
    rows.append(("pylsl", _pylsl()))
    rows.append(("torch", _torch()))
    rows.append(("PySide6", _version("PySide6")))
    rows.append(("pyqtgraph", _version("pyqtgraph")))
    return rows


def _version(module: str) -> str:
    try:
        return str(importlib.import_module(module).__version__)
    except Exception as err:  # noqa: BLE001 - report any import failure
        return f"not available ({type(err).__name__}: {err})"


def _cores() -> str:
    logical = os.cpu_count()
    usable = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    )
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
    except Exception:  # noqa: BLE001 - psutil is only a nicety here
        physical = None
    text = f"{logical} logical"
    if physical:
        text += f", {physical} physical"
    if usable != logical:
        text += f", {usable} usable by this process"
    return text


def _pylsl() -> str:
    try:
        import pylsl
    except Exception as err:  # noqa: BLE001 - liblsl may be missing
        return f"not available ({type(err).__name__}: {err})"
    version = getattr(pylsl, "__version__", "?")
    try:
        liblsl = pylsl.library_version()
        lib = f"{liblsl // 100}.{liblsl % 100}"
    except Exception as err:  # noqa: BLE001
        lib = f"unknown ({err})"
    return f"{version} (liblsl {lib})"


def _torch() -> str:
    try:
        import torch
    except Exception as err:  # noqa: BLE001
        return f"not available ({type(err).__name__}: {err})"
    if torch.cuda.is_available():
        cuda = f"CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}"
    else:
        cuda = "CUDA not available, running on CPU"
    return f"{torch.__version__} ({cuda}; {torch.get_num_threads()} CPU threads)"
