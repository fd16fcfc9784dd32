"""The live web view: a real server on loopback, real LSL outlets, real WebSockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("aiohttp")
import aiohttp  # noqa: E402
from _web import CLASSES, WebSession  # noqa: E402

from eegstream import EEGStreamError  # noqa: E402
from eegstream.cli import main  # noqa: E402
from eegstream.protocol import format_marker  # noqa: E402
from eegstream.web import (  # noqa: E402
    Identity,
    SessionState,
    WebServer,
    WebSettings,
    check_token,
)

pytestmark = pytest.mark.lsl
TOKEN = "a-test-token-of-32-characters-xx"


# -- plain data: no server ----------------------------------------------------
def _state() -> SessionState:
    state = SessionState(Identity("s", "host", CLASSES, "tiny", "P07", True))
    state.channels = ("FP1", "FPZ", "FP2")
    return state


def test_markers_give_each_step_its_true_label() -> None:
    state = _state()
    state.add_marker(format_marker(event="trial_start", label="happy"), 10.0)
    state.add_marker(format_marker(event="trial_end", label="happy"), 20.0)
    state.add_marker("stimulus 7", 21.0)  # a foreign marker is skipped
    assert state.label_at(9.99) is None
    assert state.label_at(10.0) == state.label_at(20.0) == "happy"
    assert state.label_at(20.01) is None
    # A viewer that joins mid-trial learns the trial from its repetition.
    state.add_marker(
        format_marker(event="trial_state", label="sad", elapsed_s=5.0), 30.0
    )
    assert state.label_at(25.0) == "sad" and state.label_at(24.9) is None


def test_a_marker_read_after_its_steps_still_labels_them() -> None:
    state = _state()
    state.add_probabilities(np.eye(4)[[3, 3]], [10.0, 11.0], now=11.01)
    state.add_marker(format_marker(event="trial_start", label="happy"), 10.0)
    view = state.view(since=0)
    assert view["truth"] == [(10.0, "happy")]
    assert [s["seq"] for s in view["steps"]] == [1, 2]
    assert view["steps"][1]["latency_ms"] == pytest.approx(10.0)
    assert state.view(since=1)["steps"][0]["seq"] == 2


def test_quality_rows_are_decoded_per_channel() -> None:
    state = _state()
    # FP1 ok, FPZ bad, FP2 missing; muscle, no movement, eye; not reliable
    state.add_quality(np.array([[0, 1, 2, 1, 0, 1, 0]], dtype=np.float32))
    assert state.quality == {
        "channels": ["ok", "bad", "missing"],
        "flags": {"muscle": True, "movement": False, "eye": True},
        "reliable": False,
    }


def test_the_gauge_shows_the_held_reading_when_there_is_one() -> None:
    state = _state()
    state.add_probabilities(np.eye(4)[[1]], [1.0], now=1.0)
    assert state.view(0)["shown"] == [0.0, 1.0, 0.0, 0.0]
    state.add_held(np.eye(4)[[2]])
    assert state.view(0)["shown"] == [0.0, 0.0, 1.0, 0.0]


def test_tokens() -> None:
    assert check_token("127.0.0.1", None) == (None, False)
    assert check_token("localhost", TOKEN) == (TOKEN, False)
    token, generated = check_token("0.0.0.0", None)
    assert generated and token is not None and len(token) >= 16
    with pytest.raises(EEGStreamError, match="at least 16 characters"):
        check_token("0.0.0.0", "short")
    with pytest.raises(EEGStreamError, match="needs a"):
        WebServer(WebSettings(host="0.0.0.0", token=None))
    # Every interface: the address to open names this machine (not bound here).
    url = WebServer(WebSettings(host="0.0.0.0", port=8765, token=TOKEN)).url
    assert url == f"http://{socket.gethostname()}:8765/?token={TOKEN}"


# -- bad input on the command line -------------------------------------------
def test_bad_addresses_and_tokens_are_one_line_exit_2(capsys, tiny_checkpoint) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["web", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"--port {port} is in use on 127.0.0.1" in err and err.count("\n") == 1
    assert main(["web", "--host", "203.0.113.7", "--token", TOKEN]) == 2
    err = capsys.readouterr().err
    assert "cannot bind --host '203.0.113.7'" in err and err.count("\n") == 1
    assert main(["web", "--host", "0.0.0.0", "--token", "short"]) == 2
    err = capsys.readouterr().err
    assert "--token must have at least 16 characters" in err
    assert err.count("\n") == 1
    assert main(["web", "--port", "70000"]) == 2
    assert "port" in capsys.readouterr().err
    # run/live/demo --web PORT: the same line, before anything starts.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = ["run", "--model", str(tiny_checkpoint), "--web", str(port)]
        handlers = list(logging.getLogger("eegstream").handlers)
        assert main([*argv, "--stream", "nowhere", "--timeout", "1"]) == 2
    err = capsys.readouterr().err
    assert f"--web {port}: --port {port} is in use" in err and err.count("\n") == 1
    # No stderr handler of this run is left behind to print later runs' warnings.
    assert logging.getLogger("eegstream").handlers == handlers


# -- a real server ------------------------------------------------------------
@pytest.fixture
def server() -> Iterator[WebServer]:
    web = WebServer(WebSettings(port=0, max_clients=20)).start()
    yield web
    web.stop()


@pytest.fixture
def session(server: WebServer, unique_id: str) -> Iterator[WebSession]:
    live = WebSession(unique_id)
    yield live
    live.end()


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def _until(ws, check, timeout: float = 15.0, step=None):
    """Receive messages until ``check(message)``; call ``step()`` between tries."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if step is not None:
            step()
        try:
            message = await ws.receive_json(timeout=0.3)
        except TimeoutError:
            continue
        if check(message):
            return message
    raise AssertionError("the expected message never came")


def _ws_url(server: WebServer, query: str = "") -> str:
    return f"http://127.0.0.1:{server.port}/ws{query}"


def test_the_index_follows_sessions_that_appear_and_end(server, session) -> None:
    async def go() -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(_ws_url(server)) as ws,
        ):

            def listed(m):
                return any(s["id"] == session.name for s in m["sessions"])

            message = await _until(ws, listed)
            (mine,) = [s for s in message["sessions"] if s["id"] == session.name]
            assert mine["wearer"] == "P07" and mine["model"] == "tiny"
            assert mine["synthetic"] is True
            session.end()
            await _until(ws, lambda m: not listed(m))

    _run(go())


def test_a_session_page_gets_steps_truth_bands_and_signal(server, session) -> None:
    async def go() -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(_ws_url(server, f"?session={session.name}")) as ws,
        ):
            first = await _until(ws, lambda m: m["state"] == "live")
            assert first["meta"]["classes"] == list(CLASSES)
            assert first["colours"]["happy"].startswith("#")
            stamps: list[float] = []

            def push() -> None:
                stamps.append(session.step("happy", label="happy", bad=[1]))

            # Steps, band power and quality come on three outlets, read by
            # three inlets: wait for a message that has all three.
            def complete(m) -> bool:
                return bool(m["steps"]) and None not in (m["quality"], m["bands"])

            got = await _until(ws, complete, step=push)
            step = got["steps"][-1]
            assert CLASSES[int(np.argmax(step["p"]))] == "happy"
            assert min(abs(step["t"] - t) for t in stamps) < 0.01
            assert step["latency_ms"] >= 0
            assert got["bands"] == [4.0, 5.0, 6.0, 7.0, 8.0]
            assert got["meta"]["bands"][0] == "delta"
            assert got["quality"]["channels"] == ["ok", "bad", "ok"]
            await _until(
                ws,
                lambda m: m["truth"] and m["truth"][-1][1] == "happy",
                step=push,
            )

    _run(go())


def test_a_session_restarted_under_its_name_starts_afresh(server, unique_id) -> None:
    first = WebSession(unique_id, wearer="P07")
    second = None

    async def go() -> None:
        nonlocal second
        url = _ws_url(server, f"?session={unique_id}")
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            await _until(
                ws, lambda m: bool(m.get("steps")), step=lambda: first.step("sad")
            )
            first.end()
            await _until(ws, lambda m: m["state"] == "waiting")
            second = WebSession(unique_id, wearer="P08")
            again = await _until(ws, lambda m: m["state"] == "live")
            assert again["meta"]["wearer"] == "P08" and "colours" in again
            fresh = await _until(
                ws, lambda m: bool(m.get("steps")), step=lambda: second.step("fear")
            )
            assert fresh["steps"][0]["seq"] == 1

    try:
        _run(go())
    finally:
        first.end()
        if second is not None:
            second.end()


def test_an_absent_session_waits_and_the_server_keeps_serving(server) -> None:
    async def go() -> None:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(_ws_url(server, "?session=nobody")) as ws:
                message = await ws.receive_json(timeout=5)
                assert message == {
                    "type": "session",
                    "state": "waiting",
                    "id": "nobody",
                }
            page = await http.get(f"http://127.0.0.1:{server.port}/s/nobody")
            assert page.status == 200
            assert "waiting for a session" in await page.text()

    _run(go())


# -- security -----------------------------------------------------------------
def _raw(port: int, request: bytes) -> tuple[int, bytes]:
    """Send ``request`` as is (no client normalises the path); status and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../etc/passwd",
        "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/app.css/../../../../etc/passwd",
        "/static//etc/passwd",
        "/static/..\\..\\etc\\passwd",
        "/../../etc/passwd",
    ],
)
def test_path_traversal_finds_nothing(server, path) -> None:
    status, body = _raw(
        server.port,
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode(),
    )
    assert status in (400, 403, 404)
    assert b"root:" not in body


def test_static_files_headers_and_methods(server) -> None:
    async def go() -> None:
        base = f"http://127.0.0.1:{server.port}"
        async with aiohttp.ClientSession() as http:
            for path, status in (("/static/app.css", 200), ("/nothing", 404)):
                response = await http.get(base + path)
                assert response.status == status
                headers = response.headers
                assert headers["X-Frame-Options"] == "DENY"
                assert headers["X-Content-Type-Options"] == "nosniff"
                assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
                assert "script-src 'self'" in headers["Content-Security-Policy"]
            assert (await http.get(base + "/static/app.css")).content_type == "text/css"
            for method in ("POST", "PUT", "DELETE"):
                assert (await http.request(method, base + "/")).status == 405
            # Another name for this server (DNS rebinding) is refused.
            evil = await http.get(base + "/", headers={"Host": "evil.example"})
            assert evil.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(
                    base + "/ws", headers={"Origin": "http://evil.example"}
                )
            assert refused.value.status == 403

    _run(go())


def test_a_token_is_required_everywhere_when_set(unique_id) -> None:
    web = WebServer(WebSettings(port=0, token=TOKEN)).start()
    base = f"http://127.0.0.1:{web.port}"

    async def go() -> None:
        async with aiohttp.ClientSession() as http:
            for path in ("/", "/static/app.css", "/api/sessions", "/s/x", "/nothing"):
                assert (await http.get(base + path)).status == 401
                wrong = await http.get(base + path + "?token=" + "x" * 32)
                assert wrong.status == 401
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(base + "/ws")
            assert refused.value.status == 401
            bearer = {"Authorization": f"Bearer {TOKEN}"}
            assert (
                await http.get(base + "/api/sessions", headers=bearer)
            ).status == 200
        # The page's address carries it once; a cookie carries it after.
        jar = aiohttp.CookieJar(unsafe=True)  # keeps cookies of an IP address
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            first = await browser.get(f"{base}/?token={TOKEN}")
            assert first.status == 200 and "eegstream_token" in first.cookies
            assert (await browser.get(base + "/static/session.js")).status == 200
            async with browser.ws_connect(base + "/ws") as ws:
                assert (await ws.receive_json(timeout=5))["type"] == "sessions"

    try:
        _run(go())
    finally:
        web.stop()


def _handshake(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn.sendall(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    assert b" 101 " in conn.recv(4096)
    return conn


def _closed(conn: socket.socket) -> bool:
    """Whether the server ends the connection (a close frame, then EOF)."""
    try:
        while conn.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return True


def test_bad_messages_close_only_their_client(server, session) -> None:
    async def go() -> None:
        url = _ws_url(server, f"?session={session.name}")
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as watcher:
            await _until(watcher, lambda m: m["state"] == "live")
            for bad in ("not json", '{"type": "shutdown"}', "x" * 100_000, b"\x00"):
                async with http.ws_connect(url) as ws:
                    if isinstance(bad, bytes):
                        await ws.send_bytes(bad)
                    else:
                        await ws.send_str(bad)
                    while (await ws.receive(timeout=5)).type not in (
                        aiohttp.WSMsgType.CLOSE,
                        aiohttp.WSMsgType.CLOSED,
                        aiohttp.WSMsgType.CLOSING,
                    ):
                        pass
                    assert ws.close_code in (1003, 1009)
            # A frame no client would send (unmasked, opcode 3, 64 KiB length).
            conn = _handshake(server.port)
            conn.sendall(b"\x83\x7f" + (1 << 16).to_bytes(8, "big") + b"\x00" * 64)
            assert await asyncio.to_thread(_closed, conn)
            conn.close()
            # The watcher was never closed and still gets steps.
            await _until(
                watcher,
                lambda m: bool(m.get("steps")),
                step=lambda: session.step("sad"),
            )
            assert not watcher.closed

    _run(go())


def test_idle_clients_are_closed_and_pinging_ones_kept() -> None:
    server = WebServer(WebSettings(port=0, idle_s=2.0)).start()

    async def go() -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(_ws_url(server)) as idle,
            http.ws_connect(_ws_url(server)) as alive,
        ):
            started = time.monotonic()
            while time.monotonic() - started < 3.5:  # idle_s is 2
                await alive.send_str('{"type": "ping"}')
                await asyncio.sleep(0.5)
            # Sessions of other programs on this machine may come and go.
            while (await idle.receive(timeout=1)).type == aiohttp.WSMsgType.TEXT:
                pass
            assert idle.close_code == 1008
            assert not alive.closed
            await alive.send_str('{"type": "ping"}')

    try:
        _run(go())
    finally:
        server.stop()


def test_a_burst_of_200_connections_leaves_the_others_served(server, session) -> None:
    async def go() -> None:
        url = _ws_url(server, f"?session={session.name}")
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as watcher:
            await _until(watcher, lambda m: m["state"] == "live")
            burst = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, force_close=True)
            )

            async def one():
                try:
                    return await burst.ws_connect(url)
                except aiohttp.WSServerHandshakeError as err:
                    return err.status
                except (aiohttp.ClientError, OSError) as err:  # a loaded machine
                    return err

            results = await asyncio.gather(*(one() for _ in range(200)))
            opened = [
                r for r in results if isinstance(r, aiohttp.ClientWebSocketResponse)
            ]
            others = [r for r in results if r not in opened]
            # max_clients is 20: the watcher and 19 more; the rest get 503.
            assert len(opened) == 19
            assert all(r == 503 or isinstance(r, Exception) for r in others)
            assert others.count(503) > 100
            await _until(
                watcher,
                lambda m: bool(m.get("steps")),
                step=lambda: session.step("fear"),
            )
            page = await http.get(f"http://127.0.0.1:{server.port}/")
            assert page.status == 200
            await asyncio.gather(*(ws.close() for ws in opened))
            await burst.close()
            # Once they are gone, a newcomer is let in again.
            async with http.ws_connect(url) as late:
                assert (await late.receive_json(timeout=5))["state"] == "live"

    _run(go())


def test_the_server_stops_cleanly_with_clients_connected(unique_id) -> None:
    web = WebServer(WebSettings(port=0)).start()

    async def go() -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"http://127.0.0.1:{web.port}/ws") as ws,
        ):
            assert json.loads((await ws.receive()).data)["type"] == "sessions"
            await asyncio.to_thread(web.stop)
            message = await ws.receive(timeout=5)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)

    _run(go())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _run_with_web(
    checkpoint: Path, source, *options: str
) -> Iterator[tuple[subprocess.Popen, int]]:
    """Run ``eegstream run --web PORT OPTIONS`` in a process; yield it and PORT.

    Its first line must give the web view's address: a busy port stops the
    command before the pipeline starts. On leaving, Ctrl-C ends it and
    ``source`` (the replay) stops; the server must have gone with the run.
    """
    port = _free_port()
    argv = [sys.executable, "-m", "eegstream", "run", "--model", str(checkpoint)]
    argv += [*options, "--device", "cpu", "--quiet", "--web", str(port)]
    run = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout is not None
        assert f"live web view at http://127.0.0.1:{port}/" in run.stdout.readline()
        yield run, port
    finally:
        run.send_signal(signal.SIGINT)
        run.communicate(timeout=60)
        source.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_run_web_serves_the_session_of_the_run(
    tiny_checkpoint, unique_id, tmp_path, monkeypatch
) -> None:
    from eegstream.model._testing import SEED_IV_CLASSES
    from eegstream.montage import SEED_CHANNELS
    from eegstream.replay import Player, array_source

    eeg = 10 * np.random.default_rng(0).standard_normal((62, 200 * 60))
    source = array_source(
        [eeg], 200.0, SEED_CHANNELS, labels=["sad"], classes=SEED_IV_CLASSES,
        synthetic=True,
    )  # fmt: skip
    player = Player(source, name=unique_id, speed=2.0, wait_for_consumer=True)
    player.start()
    monkeypatch.setenv("EEGSTREAM_WEARERS", str(tmp_path / "wearers"))
    # P09 is new to the store: named, nothing loaded.
    options = ["--stream", unique_id, "--wearer", "P09"]
    with _run_with_web(tiny_checkpoint, player, *options) as (_, port):

        async def go() -> None:
            url = f"http://127.0.0.1:{port}/ws?session={unique_id}"
            async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
                got = await _until(ws, lambda m: bool(m.get("steps")), timeout=60)
                assert got["meta"]["model"] == tiny_checkpoint.stem
                assert got["meta"]["wearer"] == "P09"
                assert got["meta"]["synthetic"] is True
                assert got["meta"]["classes"] == list(SEED_IV_CLASSES)
                # The replay's markers give the truth.
                await _until(ws, lambda m: "sad" in [t[1] for t in m["truth"]])

        _run(go())


def test_run_web_lists_every_wearer_of_a_room_with_its_steps_and_truth(
    tiny_checkpoint, unique_id
) -> None:
    from _room import synthetic_room

    from eegstream.model._testing import SEED_IV_CLASSES

    rng = np.random.default_rng(1)
    trials = {k: [10 * rng.standard_normal((62, 200 * 60))] for k in (1, 2)}
    room = synthetic_room(unique_id, trials, ["fear"], speed=2.0, resolve_timeout=0.2)
    wearers = [p.name for p in room.players]
    options = [f"--source-id={player.source_id}" for player in room.players]
    options += ["--group-outlet", f"{unique_id}-group"]
    room.start()
    with _run_with_web(tiny_checkpoint, room, *options) as (run, port):
        for line in run.stdout:  # the session runs: the room may start
            if "eegstream run: model" in line:
                break
        room.release()

        async def go() -> None:
            base = f"http://127.0.0.1:{port}/ws"
            async with aiohttp.ClientSession() as http:
                async with http.ws_connect(base) as ws:  # the index: every wearer

                    def listed(m):
                        ids = {s["id"] for s in m.get("sessions", ())}
                        return set(wearers) <= ids

                    index = await _until(ws, listed, timeout=60)
                    mine = [s for s in index["sessions"] if s["id"] in wearers]
                    assert {s["wearer"] for s in mine} == set(wearers)
                    assert all(s["synthetic"] is True for s in mine)
                for wearer in wearers:  # each wearer's page: steps and the truth
                    url = f"{base}?session={wearer}"
                    async with http.ws_connect(url) as ws:
                        got = await _until(ws, lambda m: bool(m.get("steps")), 60)
                        assert got["meta"]["classes"] == list(SEED_IV_CLASSES)
                        # The room's one marker stream gives every wearer's truth.
                        await _until(ws, lambda m: "fear" in [t[1] for t in m["truth"]])

        _run(go())
