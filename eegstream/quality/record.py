"""What the signal checks say about one step: a small typed record."""

from __future__ import annotations

from dataclasses import dataclass

from .._records import Record

#: Why a channel is judged bad, in the order they are reported.
BAD_REASONS = ("flat", "railed", "jumps", "line_noise", "noisy")
#: Kinds of artifact flagged on a step.
ARTIFACT_KINDS = ("muscle", "movement", "eye")


@dataclass(frozen=True)
class BadChannel(Record):
    """A channel marked bad and replaced by interpolation.

    Attributes
    ----------
    name : str
        Its SEED (10-20) name.
    reasons : tuple of str
        Of :data:`BAD_REASONS`: what its latest bad segment showed.
    """

    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ArtifactFlag(Record):
    """An artifact in the step's window.

    Attributes
    ----------
    kind : "muscle" | "movement" | "eye"
    channels : tuple of str
        The channels that showed it (SEED names), in the stream's order.
    """

    kind: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class StepQuality(Record):
    """The signal checks' verdict on one step (``StepResult.quality``).

    Attributes
    ----------
    bad : tuple of BadChannel
        Channels marked bad when the step was computed (interpolated from
        their good neighbours, as missing channels are).
    flags : tuple of ArtifactFlag
        Artifacts in any segment of the step's window, at most one per kind.
    reliable : bool
        False when more channels are missing or bad than the checkpoint
        allows to interpolate (``max_missing_channels``).
    note : str | None
        Why the step is unreliable; None when it is reliable.
    """

    bad: tuple[BadChannel, ...] = ()
    flags: tuple[ArtifactFlag, ...] = ()
    reliable: bool = True
    note: str | None = None

    @property
    def clean(self) -> bool:
        """Reliable and without artifact flags."""
        return self.reliable and not self.flags

    def flagged(self, kind: str) -> bool:
        """Whether an artifact of ``kind`` is flagged."""
        return any(f.kind == kind for f in self.flags)

    def summary(self) -> str:
        """One short line: ``2 bad: O1 flat, T7 noisy; muscle T7 T8``; ``ok``."""
        parts = []
        if self.bad:
            names = ", ".join(f"{b.name} {'/'.join(b.reasons)}" for b in self.bad)
            parts.append(f"{len(self.bad)} bad: {names}")
        parts += [f"{f.kind} {' '.join(f.channels)}" for f in self.flags]
        if not self.reliable:
            parts.append("UNRELIABLE")
        return "; ".join(parts) or "ok"
