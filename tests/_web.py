"""Helpers of the web-view tests: a session's outlets in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

CLASSES = ("neutral", "sad", "fear", "happy")


class WebSession:
    """A pipeline's real result outlets (SYNTHETIC) run by ``_web_session.py``.

    :meth:`step` pushes one step; :meth:`end` kills the process, so the
    session's outlets vanish as when a pipeline ends.
    """

    def __init__(self, name: str, wearer: str = "P07") -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("_web_session.py")),
                name,
                ",".join(CLASSES),
                wearer,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent,
        )
        #: Wall-clock time (``time.time()``) of each pushed step, by LSL stamp.
        self.walls: dict[float, float] = {}
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            self.end()
            raise RuntimeError("the session's outlets did not open")

    def step(self, top: str, label: str | None = None, bad: list[int] = ()) -> float:
        """Push one step whose top class is ``top``; return its LSL stamp."""
        p = [0.1] * len(CLASSES)
        p[CLASSES.index(top)] = 1.0 - 0.1 * (len(CLASSES) - 1)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"p": p, "label": label, "bad": list(bad)}))
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        stamp, wall = map(float, self.proc.stdout.readline().split())
        self.walls[stamp] = wall
        return stamp

    def end(self) -> None:
        """Kill the process: its outlets vanish (again: nothing)."""
        if self.proc.returncode is not None:
            return
        self.proc.kill()
        self.proc.wait(10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


#: Debian's browser and its driver (``apt-get install chromium chromium-driver``).
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Headless, and nothing that reaches out of this machine.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


def chromium(profile: Path):
    """Start headless Chromium under Selenium with a fresh profile in ``profile``.

    The system's chromedriver is named, so Selenium Manager downloads nothing.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def dom_latencies_ms(driver, walls: dict[float, float]) -> list[float]:
    """Milliseconds from each step's push to the page's drawing of it.

    ``walls`` maps pushed steps' LSL stamps to the wall-clock time they were
    pushed (:attr:`WebSession.walls`); the page records the wall-clock time
    it drew each step (``window.eegstream.updates``). Stamps reach the page
    clock-corrected (microseconds apart): matched within 1 ms.
    """
    drawn = driver.execute_script("return window.eegstream.updates")
    times = np.array([u["t"] for u in drawn])
    out = []
    for stamp, wall in walls.items():
        k = np.flatnonzero(np.abs(times - stamp) < 1e-3)
        if k.size:
            out.append(drawn[k[0]]["wall"] - 1000.0 * wall)
    return out
