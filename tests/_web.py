"""Helpers of the web-view tests: a session's outlets in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
        return float(self.proc.stdout.readline())

    def end(self) -> None:
        """Kill the process: its outlets vanish."""
        self.proc.kill()
        self.proc.wait(10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
