"""Serve the live web view of every eegstream session on the LSL network."""

from __future__ import annotations

import argparse
import atexit
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

    from ..web import WebSettings

HELP = "serve a read-only live view of every running session to browsers"
DESCRIPTION = (
    "Find the eegstream sessions on the LSL network (the outlets of `run`, "
    "`live` and `demo`) and serve a page per session to browsers: the gauge, "
    "the probability history with the true labels, band power, each channel's "
    "signal state, latency, wearer and model. Read-only. Binds to 127.0.0.1 "
    "(this machine) unless --host says otherwise; any other address needs a "
    "token, given or generated and printed, that every request must carry. "
    "Needs the `web` extra: pip install 'eegstream[web]'. See docs/web.md."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``eegstream web``."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on: 127.0.0.1 for this machine only, 0.0.0.0 for "
        "every network interface (then a token is required)",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="TCP port to serve on (0: any free)"
    )
    parser.add_argument(
        "--token",
        default=None,
        help="secret every request must carry (?token=...), at least 16 "
        "characters; default: none on 127.0.0.1, a generated one (printed) "
        "on any other address",
    )
    parser.add_argument(
        "--max-clients",
        type=int,
        default=50,
        help="most browser connections (WebSockets) at once",
    )
    # For `--web PORT` of run/live/demo: end when the parent's pipe closes.
    parser.add_argument(
        "--stop-with-stdin", action="store_true", help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=120.0,
        help="seconds after which a silent browser connection is closed (an "
        "open page keeps itself alive)",
    )


def server_settings(
    host: str, port: int, token: str | None, max_clients: int, idle_s: float
) -> tuple[WebSettings, str | None]:
    """Check the options; return the settings and the token if one was generated."""
    from .._checks import check_number
    from .._errors import EEGStreamError

    check_number(port, "port", min=0, max=65535, integer=True)
    check_number(max_clients, "max_clients", min=1, integer=True)
    check_number(idle_s, "idle_timeout", unit="seconds", min=0, min_inclusive=False)
    try:
        from ..web import WebSettings, check_token
    except ModuleNotFoundError as err:
        raise EEGStreamError(
            f"the web view needs {err.name}: pip install 'eegstream[web]'"
        ) from None
    token, generated = check_token(host, token)
    settings = WebSettings(host, port, token, max_clients, idle_s)
    return settings, token if generated else None


def start_web(port: int | None, command: str) -> None:
    """Start ``eegstream web --port PORT`` beside this command (``--web PORT``).

    For ``run``, ``live`` and ``demo``: the server is a child process on
    127.0.0.1, so it takes nothing from the pipeline's process (nor holds
    inlets on its outlets there); it stops when this process exits (or its
    standard input closes, if this one is killed). ``None``: nothing.

    Raises
    ------
    EEGStreamError
        The server's own one line (a port in use, ...), prefixed ``--web PORT``.
    """
    if port is None:
        return
    import subprocess
    import sys
    import threading

    from .._errors import EEGStreamError

    argv = [sys.executable, "-m", "eegstream", "web", "--port", str(port)]
    child = subprocess.Popen(
        [*argv, "--stop-with-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a Ctrl-C reaches this process, which stops it
    )
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if " serving " not in line:
        child.communicate(timeout=10)  # its end, and the pipes closed
        reason = line.removeprefix("eegstream web: error: ")
        raise EEGStreamError(f"--web {port}: {reason or 'the server did not start'}")
    threading.Thread(target=child.stdout.read, daemon=True).start()
    atexit.register(_stop_child, child)
    url = line.split(" serving ", 1)[1].split()[0]
    print(f"eegstream {command}: live web view at {url}", flush=True)


def _stop_child(child: subprocess.Popen) -> None:
    import subprocess

    assert child.stdin is not None
    child.stdin.close()  # it stops at the end of its input (--stop-with-stdin)
    try:
        child.wait(10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _interrupt_at_eof() -> None:
    import os
    import signal
    import sys

    sys.stdin.read()
    os.kill(os.getpid(), signal.SIGINT)


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream web``."""
    settings, generated = server_settings(
        args.host, args.port, args.token, args.max_clients, args.idle_timeout
    )
    from ..web import WebServer

    server = WebServer(settings)
    server.start()
    if args.stop_with_stdin:
        threading.Thread(target=_interrupt_at_eof, daemon=True).start()
    if generated:
        print(f"eegstream web: generated token {generated} (give --token to choose)")
    print(f"eegstream web: serving {server.url} (Ctrl-C to stop)", flush=True)
    server.wait()
    return 0
