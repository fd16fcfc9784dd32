"""Find eegstream sessions on the LSL network and read their result outlets.

A session is one running pipeline (``eegstream run``/``live``/``demo``): its
``<name>-probabilities`` outlet, with the ``-probabilities-held``,
``-bandpower`` and ``-quality`` outlets of the same name and host when they
exist, and the replay's ``<name>-markers`` (the truth) when one plays, or
the marker stream the outlets' description names (``markers``: a room's). The
hub watches the network in the background (liblsl's continuous resolver),
opens inlets to every session it finds, and drops a session when its
probability outlet goes away. It never opens the EEG stream itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pylsl
from pylsl.util import LostError
from pylsl.util import TimeoutError as LSLTimeoutError

from ..protocol import (
    BANDPOWER_SUFFIX,
    DESC_MARKERS,
    DESC_MODEL,
    DESC_SYNTHETIC,
    DESC_WEARER,
    HELD_SUFFIX,
    MARKERS_SUFFIX,
    PROBABILITIES_SUFFIX,
    QUALITY_SUFFIX,
)
from ..quality import ARTIFACT_KINDS
from .state import Identity, SessionState

logger = logging.getLogger(__name__)

# The outlet types a session consists of (its probability outlet first).
_PREDICATE = (
    "type='Probabilities' or type='BandPower' or type='Quality' or type='Markers'"
)
#: Seconds between two looks at what the resolver sees.
RESOLVE_EVERY_S = 0.5
#: Seconds between two reads of every open inlet (a step waits this long at
#: most; bench_web: 0.01 s cost 4.2 % of a core at idle, 0.02 s 2.6 %).
POLL_S = 0.02


@dataclass
class _Session:
    slug: str
    state: SessionState
    # suffix ("" for the probabilities) -> inlet
    inlets: dict[str, pylsl.StreamInlet] = field(default_factory=dict)
    uids: dict[str, str] = field(default_factory=dict)
    generation: int = 0

    @property
    def uid(self) -> str:
        return self.uids[""]


def _inlet(info: pylsl.StreamInfo) -> tuple[pylsl.StreamInlet, pylsl.StreamInfo]:
    """Open an inlet and read the stream's full description (blocks ~1 s)."""
    # Clock-synchronised stamps: a session on another machine gets this one's
    # clock, so latency and label alignment hold across the network.
    inlet = pylsl.StreamInlet(
        info, max_buflen=30, recover=False, processing_flags=pylsl.proc_clocksync
    )
    inlet.open_stream(timeout=2.0)  # subscribe now: liblsl would at the first pull
    # The first clock offset takes a while; wait for it here, not in a pull.
    inlet.time_correction(timeout=5.0)
    return inlet, inlet.info(timeout=5.0)


def _desc(info: pylsl.StreamInfo, key: str) -> str:
    return info.desc().child_value(key) or ""


class SessionHub:
    """Every eegstream session visible on LSL, read in a thread of its own.

    Parameters
    ----------
    on_change : callable | None
        Called (from the hub's thread, so it must be quick and thread-safe)
        after anything changed: a step arrived, a session appeared or ended.
    forget_after : float
        Seconds after which a stream the resolver no longer sees is gone.

    Notes
    -----
    :meth:`sessions` and :meth:`view` may be called from any thread.
    """

    def __init__(
        self,
        on_change: Callable[[], None] | None = None,
        forget_after: float = 3.0,
    ) -> None:
        self.on_change = on_change
        self.forget_after = forget_after
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        # Outlets found lost: the resolver lists them a while longer.
        self._gone: set[str] = set()
        # Inlets being opened, by stream uid: (session name, host, suffix,
        # the session's probability uid), and their futures.
        self._opening: dict[str, tuple[str, str, str, str]] = {}
        self._futures: dict[str, Future] = {}
        #: Increases whenever a session appears or ends.
        self.sessions_version = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web-hub", daemon=True)

    # -- the reading thread -------------------------------------------------
    def start(self) -> SessionHub:
        """Start watching the network."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop, closing every inlet."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10.0)

    def _run(self) -> None:
        resolver = pylsl.ContinuousResolver(
            pred=_PREDICATE, forget_after=self.forget_after
        )
        # Opening an inlet waits for its first clock offset (most of a
        # second): done aside, so reading the open ones never stalls.
        opener = ThreadPoolExecutor(4, thread_name_prefix="web-open")
        next_resolve = 0.0
        try:
            while not self._stop.is_set():
                if time.monotonic() >= next_resolve:
                    self._update(resolver.results(), opener)
                    next_resolve = time.monotonic() + RESOLVE_EVERY_S
                if self._install() | self._poll():
                    self._changed()
                self._stop.wait(POLL_S)
        finally:
            opener.shutdown(wait=True, cancel_futures=True)
            self._install()
            with self._lock:
                sessions = list(self._sessions.values())
                self._sessions.clear()
            for session in sessions:
                self._close(session)
            del resolver

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _update(self, infos: list[pylsl.StreamInfo], opener: Executor) -> None:
        """Open what appeared (aside, see :meth:`_install`); drop what vanished."""
        visible = {i.uid() for i in infos}
        self._gone &= visible
        by_key = {
            (i.name(), i.hostname()): i for i in infos if i.uid() not in self._gone
        }
        for session in list(self._sessions.values()):
            if session.uid not in visible:
                self._drop(session)
                self._changed()
        for (name, host), info in by_key.items():
            if info.type() != "Probabilities" or not name.endswith(
                PROBABILITIES_SUFFIX
            ):
                continue
            base = name[: -len(PROBABILITIES_SUFFIX)]
            wanted = {"": info}
            for suffix in (HELD_SUFFIX, BANDPOWER_SUFFIX, QUALITY_SUFFIX):
                other = by_key.get((base + suffix, host))
                if other is not None:
                    wanted[suffix] = other
            found = self._find(base, host)
            # The outlets' description may name the truth (a room's marker
            # stream); a replay on another machine may play it: any host.
            truth = (found and found.state.identity.markers) or base + MARKERS_SUFFIX
            markers = by_key.get((truth, host)) or next(
                (i for (n, _), i in by_key.items() if n == truth), None
            )
            if markers is not None:
                wanted[MARKERS_SUFFIX] = markers
            if found is None:  # its probability outlet first
                wanted = {"": info}
            for suffix, stream in wanted.items():
                uid = stream.uid()
                if found is not None and suffix in found.inlets:
                    continue
                if uid not in self._opening:
                    self._opening[uid] = (base, host, suffix, info.uid())
                    self._futures[uid] = opener.submit(_inlet, stream)

    def _install(self) -> bool:
        """Put the inlets opened aside in place; return whether a session appeared."""
        appeared = False
        for uid, future in list(self._futures.items()):
            if not future.done():
                continue
            del self._futures[uid]
            base, host, suffix, session_uid = self._opening.pop(uid)
            try:
                inlet, full = future.result()
            except (LostError, LSLTimeoutError, RuntimeError):
                self._gone.add(uid)  # gone before it could be read
                continue
            except CancelledError:
                continue
            session = self._find(base, host)
            if suffix == "" and session is None:
                appeared = self._open(base, host, inlet, full, uid) or appeared
            elif session is not None and session.uid == session_uid:
                self._attach(session, suffix, inlet, full, uid)
            else:  # its session ended meanwhile
                inlet.close_stream()
        return appeared

    def _find(self, base: str, host: str) -> _Session | None:
        for session in self._sessions.values():
            ident = session.state.identity
            if ident.name == base and ident.hostname == host:
                return session
        return None

    def _open(
        self,
        base: str,
        host: str,
        inlet: pylsl.StreamInlet,
        full: pylsl.StreamInfo,
        uid: str,
    ) -> bool:
        classes = tuple(full.get_channel_labels() or ())
        if not classes:
            inlet.close_stream()
            self._gone.add(uid)  # not a pipeline's: never look again
            return False
        identity = Identity(
            name=base,
            hostname=host,
            classes=classes,
            model=_desc(full, DESC_MODEL),
            wearer=_desc(full, DESC_WEARER),
            synthetic=_desc(full, DESC_SYNTHETIC) == "true",
            markers=_desc(full, DESC_MARKERS),
        )
        slug = base
        if slug in self._sessions:
            slug = f"{base}@{host}"  # the same stream name on two machines
        session = _Session(slug, SessionState(identity), {"": inlet}, {"": uid})
        with self._lock:
            self._sessions[slug] = session
            self.sessions_version += 1
            session.generation = self.sessions_version
        logger.info("web: session %s (%s) appeared", slug, host)
        return True

    def _attach(
        self,
        session: _Session,
        suffix: str,
        inlet: pylsl.StreamInlet,
        full: pylsl.StreamInfo,
        uid: str,
    ) -> None:
        labels = tuple(full.get_channel_labels() or ())
        with self._lock:
            state = session.state
            if suffix == BANDPOWER_SUFFIX:
                state.bands = labels
            elif suffix == QUALITY_SUFFIX:
                state.channels = labels[: len(labels) - len(ARTIFACT_KINDS) - 1]
            session.inlets[suffix] = inlet
            session.uids[suffix] = uid

    def _drop(self, session: _Session) -> None:
        self._gone.add(session.uid)
        with self._lock:
            self._sessions.pop(session.slug, None)
            self.sessions_version += 1
        self._close(session)
        logger.info("web: session %s ended", session.slug)

    @staticmethod
    def _close(session: _Session) -> None:
        for inlet in session.inlets.values():
            inlet.close_stream()
        session.inlets.clear()

    def _poll(self) -> bool:
        """Read every inlet once; return whether anything arrived."""
        got = False
        for session in list(self._sessions.values()):
            for suffix, inlet in list(session.inlets.items()):
                try:
                    samples, stamps = inlet.pull_chunk(timeout=0.0)
                except LostError:
                    if suffix == "":
                        self._drop(session)
                        got = True
                        break
                    self._gone.add(session.uids[suffix])
                    del session.inlets[suffix]
                    inlet.close_stream()
                    continue
                if stamps:
                    self._feed(session.state, suffix, samples, stamps)
                    got = True
        return got

    def _feed(
        self, state: SessionState, suffix: str, samples: Any, stamps: list[float]
    ) -> None:
        now = pylsl.local_clock()
        with self._lock:
            state.version += 1
            if suffix == MARKERS_SUFFIX:
                for sample, stamp in zip(samples, stamps, strict=True):
                    state.add_marker(sample[0], stamp)
                return
            rows = np.asarray(samples, dtype=float)
            if suffix == "":
                state.add_probabilities(rows, stamps, now)
            elif suffix == HELD_SUFFIX:
                state.add_held(rows)
            elif suffix == BANDPOWER_SUFFIX:
                state.add_band_power(rows)
            else:
                state.add_quality(rows)

    # -- what the web server asks -------------------------------------------
    def sessions(self) -> list[dict[str, Any]]:
        """One summary per visible session (:meth:`SessionState.summary` + ``id``)."""
        with self._lock:
            return [
                {"id": slug, **s.state.summary()}
                for slug, s in sorted(self._sessions.items())
            ]

    def position(self, slug: str) -> tuple[int, int] | None:
        """Return session ``slug``'s (generation, version); None: no such session.

        The generation tells two sessions of one name apart (a restart); the
        version grows with anything the session received.
        """
        with self._lock:
            session = self._sessions.get(slug)
            if session is None:
                return None
            return session.generation, session.state.version

    def view(self, slug: str, since: int) -> dict[str, Any]:
        """Session ``slug`` with the steps after ``since`` (:meth:`SessionState.view`).

        A session not (or no longer) on the network gives ``{"type":
        "session", "state": "waiting"}``.
        """
        with self._lock:
            session = self._sessions.get(slug)
            if session is None:
                return {"type": "session", "state": "waiting", "id": slug}
            return {
                **session.state.view(since),
                "id": slug,
                "generation": session.generation,
                "version": session.state.version,
            }
