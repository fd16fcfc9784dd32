"""What the gauge shows on a contaminated step: the ``--artifacts`` policy.

One pure piece used by the live pipeline (its held outlet and session log),
the console and the dashboard alike, so they never disagree:

- ``flag``: show every step's reading; a step that is not clean (an artifact
  flagged, or unreliable) is marked contaminated, with the reason;
- ``hold``: show the last clean reading (reliable, no artifact) while steps
  are not clean, saying why and since when; resume on the next clean step;
- ``off``: the checks are off (``LiveChain(checks=False)``); show every step.

Under every policy an unreliable step (more channels missing or bad than the
model allows) holds the last reliable reading: its own probabilities come
from too few real channels to be shown as a reading. The default is chosen
from ``benchmarks/bench_policy.py`` (docs/headset.md, "Artifacts").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .._errors import EEGStreamError
from .record import StepQuality

#: The ``--artifacts`` policies.
ARTIFACT_POLICIES = ("flag", "hold", "off")
#: The policy a session runs under unless told otherwise (see docs/headset.md).
DEFAULT_POLICY = "flag"


class _Step(Protocol):
    """What the policy reads of a step (a ``pipeline.StepResult``)."""

    @property
    def timestamp(self) -> float: ...

    @property
    def probabilities(self) -> np.ndarray: ...

    @property
    def quality(self) -> StepQuality | None: ...


@dataclass(frozen=True)
class ShownReading:
    """What the gauge shows for one step.

    Attributes
    ----------
    probabilities : array of float64, shape (n_classes,)
        The reading shown: the step's own, or the held one.
    timestamp : float
        When the shown reading was computed (the held step's time when held).
    held : bool
        Whether an earlier reading is shown instead of this step's.
    contaminated : bool
        Whether the step itself is not clean (artifact or unreliable).
    reason : str | None
        Why the step is not clean (:meth:`StepQuality.summary`, or the
        unreliable step's note); None when it is clean.
    since : float | None
        With ``held``: the time of the first step of the current hold.
    policy : str
        Of :data:`ARTIFACT_POLICIES`.
    at : float
        The step's own time.
    """

    probabilities: np.ndarray
    timestamp: float
    held: bool
    contaminated: bool
    reason: str | None
    since: float | None
    policy: str
    at: float

    def describe(self) -> str:
        """One short line for a view: ``held 4 s: muscle T7 T8``; ``""`` when clean.

        The seconds are the age of the reading held (from its step to this one).
        """
        if self.held:
            return f"held {self.at - self.timestamp:.0f} s: {self.reason}"
        if self.contaminated:
            return f"contaminated: {self.reason}"
        return ""

    def to_dict(self) -> dict:
        """JSON-ready: the session log's ``shown`` (probabilities only when held)."""
        out: dict = {"policy": self.policy, "held": self.held}
        if self.contaminated:
            out["contaminated"] = True
            out["reason"] = self.reason
        if self.held:
            out["since"] = self.since
            out["held_from"] = self.timestamp
            out["probabilities"] = self.probabilities.tolist()
        return out


def check_policy(policy: str) -> str:
    """Return ``policy`` when known; else raise a one-line :class:`EEGStreamError`."""
    if policy not in ARTIFACT_POLICIES:
        raise EEGStreamError(
            f"{{artifacts}} {policy!r} is not an artifact policy; choose one of "
            f"{', '.join(ARTIFACT_POLICIES)}",
            param="artifacts",
        )
    return policy


class ArtifactPolicy:
    """Turns each step into what the gauge shows; remembers the last clean reading.

    Parameters
    ----------
    policy : "flag" | "hold" | "off"
        See the module's description.

    Notes
    -----
    No threads, no I/O: one instance per pipeline, fed every step in order
    (:meth:`apply`); :meth:`reset` forgets the held reading (a new wearer).
    """

    def __init__(self, policy: str = DEFAULT_POLICY) -> None:
        self.policy = check_policy(policy)
        self._clean: tuple[np.ndarray, float] | None = None
        self._reliable: tuple[np.ndarray, float] | None = None
        self._since: float | None = None
        self._at = float("nan")

    def reset(self) -> None:
        """Forget the last clean reading."""
        self._clean = self._reliable = None
        self._since = None

    def apply(self, step: _Step) -> ShownReading:
        """Return what to show for ``step`` (the next step of the session)."""
        self._at = step.timestamp
        own = (np.asarray(step.probabilities, dtype=np.float64), step.timestamp)
        q = step.quality
        if q is None:  # checks off
            return self._show(own, False, False, None)
        reason = None if q.clean else (q.note or q.summary())
        if q.reliable:
            self._reliable = own
        if q.clean:
            self._clean = own
            self._since = None
            return self._show(own, False, False, None)
        keep = self._clean if self.policy == "hold" else None
        if not q.reliable and self.policy != "hold":
            keep = self._reliable
        if keep is None:  # nothing to hold yet: show it, marked
            self._since = None
            return self._show(own, False, True, reason)
        if self._since is None:
            self._since = step.timestamp
        return self._show(keep, True, True, reason)

    def _show(
        self,
        reading: tuple[np.ndarray, float],
        held: bool,
        contaminated: bool,
        reason: str | None,
    ) -> ShownReading:
        return ShownReading(
            probabilities=reading[0],
            timestamp=reading[1],
            held=held,
            contaminated=contaminated,
            reason=reason,
            since=self._since if held else None,
            policy=self.policy,
            at=self._at,
        )
