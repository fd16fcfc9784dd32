"""The web server of the live view: pages, static files and one WebSocket.

Read-only by construction: it serves GET (and HEAD) only, its own files from
a fixed table (no path from a request ever reaches the file system), and
reads what a browser sends on the WebSocket only to keep it open. Safe
defaults:

- bound to 127.0.0.1; any other address needs a token (``--token``, at least
  16 characters, or one generated and printed), which every request and
  WebSocket must carry: ``?token=`` (the page then keeps it in a
  same-site, HTTP-only cookie), or ``Authorization: Bearer``; 401 otherwise;
- on loopback without a token, only ``localhost``/``127.0.0.1``/``[::1]``
  Host headers are served (a page elsewhere cannot rebind its name to this
  server); a WebSocket from another origin is refused;
- no framing, no sniffing, a content security policy allowing only its own
  scripts, styles and WebSocket;
- at most ``max_clients`` WebSockets at once (503 beyond), each closed after
  ``idle_s`` without a message from its page (the page says ``ping`` every
  20 s), and closed alone on a malformed or oversized message.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import ipaddress
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from .._errors import EEGStreamError
from ..dashboard._theme import BAND_COLOURS, class_colours
from .hub import SessionHub

#: Shortest token accepted (``--token``).
MIN_TOKEN_CHARS = 16
_COOKIE = "eegstream_token"
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
# The only files served: static/NAME at /static/NAME, with its content type
# (and the three pages at their routes). Nothing else is ever read.
_STATIC = {
    "app.css": "text/css",
    "common.js": "text/javascript",
    "index.js": "text/javascript",
    "session.js": "text/javascript",
    "participant.js": "text/javascript",
}
_PAGES = ("index.html", "session.html", "participant.html")
_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "img-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
#: Least seconds between two messages to one browser (bursts are coalesced).
MIN_SEND_INTERVAL_S = 0.05


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """Return the token to require, and whether it was generated.

    Parameters
    ----------
    host : str
        The address to bind.
    token : str | None
        The token given (``--token``).

    Returns
    -------
    token : str | None
        ``None`` (no token) only on a loopback address without one given.
    generated : bool
        Whether the token was made here (the caller prints it).
    """
    if token is not None:
        if len(token) < MIN_TOKEN_CHARS:
            raise EEGStreamError(
                f"{{token}} must have at least {MIN_TOKEN_CHARS} characters; got "
                f"{len(token)} (leave it out on another address to get one made)",
                param="token",
            )
        return token, False
    if is_loopback(host):
        return None, False
    return secrets.token_urlsafe(24), True


@dataclass(frozen=True)
class WebSettings:
    """How the web view serves.

    Attributes
    ----------
    host : str
        Address to bind (127.0.0.1: this machine only).
    port : int
        TCP port (0: any free one, see :attr:`WebServer.port`).
    token : str | None
        What every request must carry; None only on loopback.
    max_clients : int
        Most WebSockets open at once.
    idle_s : float
        Seconds a WebSocket may stay silent before it is closed.
    max_message_bytes : int
        Largest message a browser may send.
    """

    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    max_clients: int = 50
    idle_s: float = 120.0
    max_message_bytes: int = 1024


class _Client:
    """One WebSocket: the session it watches and the last step it was sent."""

    def __init__(self, ws: web.WebSocketResponse, session: str | None) -> None:
        self.ws = ws
        self.session = session
        # What it was sent: the session's (generation, version) and last step,
        # or the session list's version.
        self.sent: tuple[int, int] | None = None
        self.sent_seq = 0
        self.sent_state = ""
        self.sent_sessions = -1
        self.wake = asyncio.Event()
        self.wake.set()  # the first message: everything so far


class WebServer:
    """The web view, serving from a thread of its own with its own event loop.

    Parameters
    ----------
    settings : WebSettings
        Address, token and limits.
    hub : SessionHub | None
        Where sessions come from; None: a new one, started and stopped with
        the server.

    Examples
    --------
    >>> server = WebServer(WebSettings(port=0)).start()  # doctest: +SKIP
    >>> server.url                                       # doctest: +SKIP
    'http://127.0.0.1:40123/'
    >>> server.stop()                                    # doctest: +SKIP
    """

    def __init__(self, settings: WebSettings, hub: SessionHub | None = None) -> None:
        if settings.token is None and not is_loopback(settings.host):
            raise EEGStreamError(
                f"serving on {settings.host} needs a {{token}}", param="token"
            )
        self.settings = settings
        self._own_hub = hub is None
        self.hub = hub or SessionHub()
        self.hub.on_change = self._hub_changed
        self._pages = {
            name: resources.files(__package__).joinpath("static", name).read_bytes()
            for name in (*_PAGES, *_STATIC)
        }
        self._clients: set[_Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stopping: asyncio.Event | None = None
        #: The bound port (the chosen one when ``settings.port`` is 0).
        self.port = settings.port

    @property
    def url(self) -> str:
        """The index page's address (with the token, when one is required)."""
        host = self.settings.host
        if host in ("0.0.0.0", "::", ""):  # every interface: this machine's name
            host = socket.gethostname()
        host = f"[{host}]" if ":" in host else host
        query = f"?token={self.settings.token}" if self.settings.token else ""
        return f"http://{host}:{self.port}/{query}"

    @property
    def n_clients(self) -> int:
        """WebSockets open now."""
        return len(self._clients)

    # -- life cycle ---------------------------------------------------------
    def start(self, timeout: float = 10.0) -> WebServer:
        """Bind and serve in a background thread; raise if the address is unusable."""
        sock = _bind(self.settings)
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name="web", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            raise EEGStreamError(f"the web server did not start within {timeout:g} s")
        if self._error is not None:
            error, self._error = self._error, None
            self._thread.join(timeout)
            raise error
        if self._own_hub:
            self.hub.start()
        return self

    def wait(self) -> None:
        """Serve until Ctrl-C (the KeyboardInterrupt reaches the caller), then stop."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        """Close every WebSocket, stop serving (and the hub, if it is its own)."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop just ended
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(10.0)
        if self._own_hub:
            self.hub.stop()

    def _serve(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._main(sock))
        except BaseException as err:  # reported by start()
            self._error = err
            self._ready.set()

    async def _main(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self._ready.set()
        await self._stopping.wait()
        for client in list(self._clients):
            await client.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stops")
        await self._runner.cleanup()

    def _hub_changed(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for client in self._clients:
            client.wake.set()

    # -- the application ----------------------------------------------------
    def app(self) -> web.Application:
        """Build the aiohttp application (routes and security middleware)."""
        app = web.Application(
            middlewares=[self._guard], client_max_size=self.settings.max_message_bytes
        )
        app.router.add_get("/", self._page("index.html"))
        app.router.add_get("/s/{session}", self._page("session.html"))
        app.router.add_get("/s/{session}/participant", self._page("participant.html"))
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/sessions", self._api_sessions)
        app.router.add_get("/ws", self._websocket)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        token = self.settings.token
        try:
            if token is None and not _loopback_host(request.host):
                raise web.HTTPForbidden(text="this server answers to localhost only\n")
            if token is not None and not _carries(request, token):
                raise web.HTTPUnauthorized(
                    text="missing or wrong token: open the address printed by "
                    "`eegstream web` (it ends in ?token=...)\n"
                )
            response = await handler(request)
        except web.HTTPException as err:
            err.headers.update(_HEADERS)
            raise
        if not response.prepared:  # a WebSocket has sent its headers
            response.headers.update(_HEADERS)
            if token is not None and request.query.get("token") == token:
                response.set_cookie(
                    _COOKIE, token, httponly=True, samesite="Strict", path="/"
                )
        return response

    def _page(self, name: str) -> Any:
        async def page(request: web.Request) -> web.Response:
            return web.Response(
                body=self._pages[name], content_type="text/html", charset="utf-8"
            )

        return page

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _STATIC:
            raise web.HTTPNotFound(text="no such file\n")
        return web.Response(
            body=self._pages[name], content_type=_STATIC[name], charset="utf-8"
        )

    async def _api_sessions(self, request: web.Request) -> web.Response:
        return web.json_response({"sessions": self.hub.sessions()})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            raise web.HTTPForbidden(text="a page of another origin\n")
        if len(self._clients) >= self.settings.max_clients:
            raise web.HTTPServiceUnavailable(
                text=f"at most {self.settings.max_clients} viewers at once\n"
            )
        ws = web.WebSocketResponse(
            heartbeat=30.0, max_msg_size=self.settings.max_message_bytes
        )
        ws.headers.update(_HEADERS)
        await ws.prepare(request)
        client = _Client(ws, request.query.get("session") or None)
        self._clients.add(client)
        sender = asyncio.create_task(self._send_loop(client))
        try:
            await self._receive_loop(client)
        finally:
            self._clients.discard(client)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            await ws.close()
        return ws

    async def _receive_loop(self, client: _Client) -> None:
        ws = client.ws
        while True:
            try:
                msg = await asyncio.wait_for(ws.receive(), self.settings.idle_s)
            except TimeoutError:
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"idle")
                return
            if msg.type == WSMsgType.TEXT and _is_ping(msg.data):
                continue
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await ws.close(
                    code=WSCloseCode.UNSUPPORTED_DATA, message=b"unexpected message"
                )
            return  # closed, or an error (oversized: aiohttp closes with 1009)

    async def _send_loop(self, client: _Client) -> None:
        while not client.ws.closed:
            await client.wake.wait()
            client.wake.clear()
            message = self._message(client)
            if message is not None:
                started = time.monotonic()
                await client.ws.send_str(message)
                # Coalesce: what arrives meanwhile goes out in the next message.
                await asyncio.sleep(
                    max(0.0, MIN_SEND_INTERVAL_S - (time.monotonic() - started))
                )

    def _message(self, client: _Client) -> str | None:
        hub = self.hub
        if client.session is None:
            if client.sent_sessions == hub.sessions_version:
                return None
            client.sent_sessions = hub.sessions_version
            return json.dumps({"type": "sessions", "sessions": hub.sessions()})
        sent = client.sent
        position = hub.position(client.session)
        if position is not None and position == sent:
            return None
        # A session it has not seen (or one of the same name after a restart):
        # everything so far, with the colours.
        new = sent is None or position is None or position[0] != sent[0]
        view = hub.view(client.session, 0 if new else client.sent_seq)
        if view["state"] != "live":
            if sent is None and client.sent_state == "waiting":
                return None
            client.sent, client.sent_state = None, "waiting"
        else:
            if new:
                view["colours"] = class_colours(view["meta"]["classes"])
                view["band_colours"] = list(BAND_COLOURS)
            client.sent = (view.pop("generation"), view.pop("version"))
            client.sent_seq, client.sent_state = view["seq"], "live"
        return json.dumps(view, allow_nan=False)


def _loopback_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in _LOOPBACK_NAMES


def _carries(request: web.Request, token: str) -> bool:
    given = (
        request.query.get("token")
        or request.cookies.get(_COOKIE)
        or request.headers.get("Authorization", "").removeprefix("Bearer ")
    )
    return hmac.compare_digest(given.encode(), token.encode())


def _is_ping(text: str) -> bool:
    try:
        message = json.loads(text)
    except ValueError:
        return False
    return message == {"type": "ping"}


def _bind(settings: WebSettings) -> socket.socket:
    """Open a listening socket on the settings' address, or raise one line."""
    host = settings.host
    try:
        family = socket.getaddrinfo(host, settings.port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, settings.port), family=family, backlog=512)
    except OSError as err:
        raise _bind_error(settings, err) from None


def _bind_error(settings: WebSettings, err: OSError) -> EEGStreamError:
    where = f"{settings.host}:{settings.port}"
    if err.errno == errno.EADDRINUSE:
        return EEGStreamError(
            f"{{port}} {settings.port} is in use on {settings.host}: choose another "
            "(or stop the program using it)",
            param="port",
        )
    if isinstance(err, socket.gaierror) or err.errno in (
        errno.EADDRNOTAVAIL,
        errno.EAFNOSUPPORT,
    ):
        return EEGStreamError(
            f"cannot bind {{host}} {settings.host!r}: not an address of this "
            "machine (use 127.0.0.1, 0.0.0.0 for every interface, or one of its "
            "own addresses)",
            param="host",
        )
    return EEGStreamError(f"cannot serve on {where}: {err.strerror or err}")
