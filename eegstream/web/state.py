"""What the web view knows of one session: plain data, no LSL, no web server.

A :class:`SessionState` is fed the samples of a session's outlets (the hub
reads them from LSL) and answers :meth:`SessionState.view`: a JSON-ready
summary of the steps a browser has not seen yet. Only per-step summaries
reach a browser (tens of numbers a step), never raw EEG.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..pipeline.outlets import CHANNEL_BAD, CHANNEL_MISSING, CHANNEL_OK
from ..protocol import parse_marker
from ..quality import ARTIFACT_KINDS

#: Steps kept per session (10 min at the default 1 s hop).
HISTORY_STEPS = 600
#: Label changes kept per session for aligning steps with the truth.
_LABEL_CHANGES = 2000
#: Names of a quality outlet's channel states, by value (docs/outputs.md).
CHANNEL_STATES = {CHANNEL_OK: "ok", CHANNEL_BAD: "bad", CHANNEL_MISSING: "missing"}


@dataclass
class Identity:
    """Who and what a session is, from its outlets' descriptions.

    Attributes
    ----------
    name : str
        The EEG stream's name (the outlets' names without their suffix).
    hostname : str
        The machine the pipeline runs on.
    classes : tuple of str
        Class names in the model's order.
    model, wearer : str
        The model's and the wearer's names (``""`` when unknown or none).
    synthetic : bool
        Whether the EEG is synthetic (not recorded from a person).
    markers : str
        The marker stream holding the truth when it is not ``<name>-markers``
        (a room's, for every wearer of a group session); ``""``: that one.
    """

    name: str
    hostname: str
    classes: tuple[str, ...]
    model: str = ""
    wearer: str = ""
    synthetic: bool = False
    markers: str = ""


@dataclass
class SessionState:
    """The recent steps, band power, signal state and truth of one session.

    Parameters
    ----------
    identity : Identity
        The session's identity (from its probability outlet).
    """

    identity: Identity
    bands: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    #: Increases with every step received (a browser asks for steps after one).
    seq: int = 0
    #: Increases with anything received (steps, held, band power, quality, markers).
    version: int = 0
    steps: deque[dict[str, Any]] = field(
        default_factory=lambda: deque(maxlen=HISTORY_STEPS)
    )
    band_power: list[float] | None = None
    quality: dict[str, Any] | None = None
    held: list[float] | None = None
    _label_times: list[float] = field(default_factory=list)
    _labels: list[str | None] = field(default_factory=list)

    def add_probabilities(
        self, samples: np.ndarray, stamps: Sequence[float], now: float
    ) -> None:
        """Add steps: ``samples`` (n_steps, n_classes) stamped ``stamps`` (LSL s).

        ``now`` is the LSL time they arrived: each step's latency (ms) is
        ``now - stamp``, the age of the window's last sample when the step
        reached this server (pipeline step plus transport).
        """
        for row, stamp in zip(np.asarray(samples, float), stamps, strict=True):
            self.seq += 1
            self.steps.append(
                {
                    "seq": self.seq,
                    "t": float(stamp),
                    "p": [round(float(v), 4) for v in row],
                    "latency_ms": round(1000.0 * (now - float(stamp)), 1),
                }
            )

    def add_held(self, samples: np.ndarray) -> None:
        """Keep the last sample of the held outlet: what the gauge shows."""
        if len(samples):
            self.held = [round(float(v), 4) for v in np.asarray(samples)[-1]]

    def add_band_power(self, samples: np.ndarray) -> None:
        """Keep the last band-power sample (mean DE per band)."""
        if len(samples):
            self.band_power = [round(float(v), 3) for v in np.asarray(samples)[-1]]

    def add_quality(self, samples: np.ndarray) -> None:
        """Keep the last quality sample, decoded (model channels, flags, reliable)."""
        if not len(samples):
            return
        row = np.asarray(samples, float)[-1]
        n = len(self.channels)
        states = np.rint(row[:n]).astype(int)
        flags = row[n : n + len(ARTIFACT_KINDS)]
        self.quality = {
            # A state this version does not know reads as bad: the safe side.
            "channels": [CHANNEL_STATES.get(s, "bad") for s in states],
            "flags": {k: bool(v) for k, v in zip(ARTIFACT_KINDS, flags, strict=True)},
            "reliable": bool(row[-1]) if row.size > n else True,
        }

    def add_marker(self, text: str, stamp: float) -> None:
        """Read one marker of the session's marker stream: when the truth changes.

        ``trial_start`` and ``trial_state`` open a labelled stretch (the
        latter from ``stamp - elapsed_s``, for a viewer that joined
        mid-trial); ``trial_end``, ``rest_start`` and ``session_end`` close it.
        Foreign markers are skipped.
        """
        fields = parse_marker(text)
        if fields is None:
            return
        event = fields["event"]
        label = fields.get("label")
        if event == "trial_start":
            self._set_label(stamp, None if label is None else str(label))
        elif event == "trial_state":
            start = stamp - float(fields.get("elapsed_s") or 0.0)
            if label is not None and self.label_at(stamp) != label:
                self._set_label(start, str(label))
        elif event in ("trial_end", "rest_start", "session_end"):
            # A trial's end marks its last sample: the label holds through it.
            self._set_label(np.nextafter(stamp, np.inf), None)

    def _set_label(self, start: float, label: str | None) -> None:
        k = bisect.bisect_right(self._label_times, start)
        del self._label_times[k:], self._labels[k:]  # a later truth replaces
        self._label_times.append(start)
        self._labels.append(label)
        if len(self._label_times) > _LABEL_CHANGES:
            del self._label_times[0], self._labels[0]

    def label_at(self, stamp: float) -> str | None:
        """Return the true label at LSL time ``stamp`` (None: rest, or no markers)."""
        k = bisect.bisect_right(self._label_times, stamp)
        return self._labels[k - 1] if k else None

    def truth(self) -> list[tuple[float, str | None]]:
        """Return the label changes over the steps kept: ``(LSL time, label)``.

        Sent whole with every view, not per step: a marker that arrives after
        the steps it labels (another inlet, read a moment later) still counts.
        """
        first = self.steps[0]["t"] if self.steps else np.inf
        k = max(bisect.bisect_right(self._label_times, first) - 1, 0)
        return list(zip(self._label_times[k:], self._labels[k:], strict=True))

    def view(self, since: int) -> dict[str, Any]:
        """Return the session as a browser needs it, with the steps after ``since``.

        Returns
        -------
        dict
            ``meta`` (identity, classes, bands, channels), ``seq``, ``steps``
            (at most :data:`HISTORY_STEPS`, oldest first; each ``seq``, ``t``
            (LSL s), ``p`` (n_classes probabilities) and ``latency_ms``),
            ``truth`` (:meth:`truth`), ``shown`` (what the gauge shows:
            the held probabilities when the pipeline holds, else the last
            step's), ``bands`` (mean DE per band), ``quality``.
        """
        ident = self.identity
        steps = [s for s in self.steps if s["seq"] > since]
        shown = self.steps[-1]["p"] if self.steps else None
        return {
            "type": "session",
            "state": "live",
            "meta": {
                "name": ident.name,
                "host": ident.hostname,
                "classes": list(ident.classes),
                "model": ident.model,
                "wearer": ident.wearer,
                "synthetic": ident.synthetic,
                "bands": list(self.bands),
                "channels": list(self.channels),
            },
            "seq": self.seq,
            "steps": steps,
            "truth": self.truth(),
            "shown": self.held if self.held is not None else shown,
            "bands": self.band_power,
            "quality": self.quality,
        }

    def summary(self) -> dict[str, Any]:
        """One line of the index page: name, host, model, wearer, synthetic, steps."""
        ident = self.identity
        last = self.steps[-1] if self.steps else None
        top = None
        if last is not None:
            top = ident.classes[int(np.argmax(last["p"]))]
        return {
            "name": ident.name,
            "host": ident.hostname,
            "model": ident.model,
            "wearer": ident.wearer,
            "synthetic": ident.synthetic,
            "steps": self.seq,
            "top": top,
        }
