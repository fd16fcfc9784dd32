"""What a replay tells its user: where it stands, and what it streams."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ..protocol import markers_name
from .source import ReplaySource, Segment


@dataclass(frozen=True)
class Progress:
    """Where a :class:`Player` stands, from :meth:`Player.progress`.

    Attributes
    ----------
    samples_sent : int
        Samples pushed so far, rests included.
    total_samples : int | None
        Samples of the whole replay (all passes); ``None`` when looping forever.
    sfreq : float
        The source's rate in Hz.
    speed : float
        Pace relative to real time.
    pass_index : int
        Current pass over the source, from 1.
    n_passes : int | None
        Passes planned; ``None`` for forever.
    segment : Segment | None
        The segment being played (during a rest: the one before it).
    in_rest : bool
        Whether a rest between trials is being played.
    paused, running : bool
        Player state.
    """

    samples_sent: int
    total_samples: int | None
    sfreq: float
    speed: float
    pass_index: int
    n_passes: int | None
    segment: Segment | None
    in_rest: bool
    paused: bool
    running: bool

    @property
    def seconds_sent(self) -> float:
        """Seconds of data pushed (at speed 1, seconds of wall time)."""
        return self.samples_sent / self.sfreq

    def line(self) -> str:
        """Summarise in one line, for a progress display."""
        if self.segment is None:
            where = "starting"
        elif self.in_rest:
            where = f"rest after {self.segment.title}"
        else:
            where = self.segment.title
            if self.segment.label is not None:
                where += f" ({self.segment.label})"
        total = (
            _clock(self.total_samples / self.sfreq)
            if self.total_samples is not None
            else "∞"
        )
        passes = f"pass {self.pass_index}/{self.n_passes or '∞'}"
        state = " PAUSED" if self.paused else ("" if self.running else " stopped")
        return (
            f"{where} · {_clock(self.seconds_sent)} of {total} · {passes} · "
            f"{self.samples_sent} samples · x{self.speed:g}{state}"
        )


def describe(
    source: ReplaySource,
    *,
    name: str,
    source_id: str,
    chunk_size: int,
    marker_stem: tuple[str, str],
    send_markers: bool,
    speed: float,
    rest_s: float,
    n_rest: int,
    n_passes: int | None,
    total_samples: int | None,
) -> str:
    """Say what a replay streams: names, rate, channels, segments, durations.

    Parameters are the :class:`~eegstream.replay.Player`'s (``marker_stem``
    and ``send_markers``: its ``marker_stem`` and ``markers``; ``n_rest``:
    samples of rest between two segments; ``total_samples``:
    :attr:`Player.total_samples <eegstream.replay.Player.total_samples>`).
    """
    src = source
    lines = [
        f"EEG stream   {name!r}  source_id {source_id!r}",
        f"             {src.n_channels} channels, float32 µV, "
        f"{src.sfreq:g} Hz nominal, "
        f"chunks of {chunk_size} samples, speed x{speed:g}",
        f"markers      {markers_name(marker_stem[0])!r}  source_id "
        f"{markers_name(marker_stem[1])!r} (JSON strings"
        + (")" if send_markers else ", sent by another headset of the room)"),
        *(
            f"republished  {stream!r}  source_id {source_id + '-' + stream!r} "
            "(recorded markers, as they were)"
            for stream in src.marker_streams
        ),
        f"source       {src.description}"
        + ("  [SYNTHETIC EEG, not recorded from a person]" if src.synthetic else ""),
    ]
    lines += textwrap.wrap(
        ", ".join(src.ch_names),
        width=88,
        initial_indent="channels     ",
        subsequent_indent=" " * 13,
    )
    for seg in src.segments:
        label = "" if seg.label is None else f"  {seg.label}"
        if seg.label_id is not None:
            label += f" (id {seg.label_id})"
        extra = f"  {len(seg.annotations)} annotations" if seg.annotations else ""
        lines.append(
            f"  {seg.title:<14} {_clock(seg.n_samples / src.sfreq):>8}{label}{extra}"
        )
    if n_rest and len(src.segments) * (n_passes or 2) > 1:
        lines.append(
            f"rest         {rest_s:g} s between trials (the previous trial's "
            "EEG played backwards; no label)"
        )
    total = total_samples
    passes = "looping forever" if n_passes is None else f"{n_passes} pass(es)"
    duration = "" if total is None else f", {_clock(total / src.sfreq)} of data"
    wall = (
        "" if total is None else f", {_clock(total / src.sfreq / speed)} at x{speed:g}"
    )
    lines.append(f"total        {passes}{duration}{wall}")
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss``."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
