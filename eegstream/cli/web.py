"""Serve the live web view of every eegstream session on the LSL network."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream web``."""
    settings, generated = server_settings(
        args.host, args.port, args.token, args.max_clients, args.idle_timeout
    )
    from ..web import WebServer

    server = WebServer(settings)
    server.start()
    if generated:
        print(f"eegstream web: generated token {generated} (give --token to choose)")
    print(f"eegstream web: serving {server.url} (Ctrl-C to stop)", flush=True)
    server.wait()
    return 0
