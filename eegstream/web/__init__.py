"""The live web view: every running session, read-only, in a browser.

- :class:`SessionHub`: finds eegstream sessions on LSL (their probability,
  held, band-power, quality and marker outlets) and reads them in a thread.
- :class:`SessionState`: what the view knows of one session (plain data).
- :class:`WebServer` and :class:`WebSettings`: the aiohttp server of the
  pages and their WebSocket, safe by default (see :mod:`eegstream.web.server`).

Needs the optional extra ``web`` (aiohttp): ``pip install "eegstream[web]"``.
``eegstream web`` runs it; see docs/web.md.
"""

from .hub import SessionHub
from .server import MIN_TOKEN_CHARS, WebServer, WebSettings, check_token
from .state import Identity, SessionState

__all__ = [
    "MIN_TOKEN_CHARS",
    "Identity",
    "SessionHub",
    "SessionState",
    "WebServer",
    "WebSettings",
    "check_token",
]
