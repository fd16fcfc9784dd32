"""A console view of a live pipeline: header, status line and exit summary.

What ``eegstream run`` shows, and ``eegstream demo`` without a display; the
view only reads what the pipeline publishes (``health()``, its subscriber
queue and ``summary()``).
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TYPE_CHECKING

import numpy as np

from .._errors import EEGStreamError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from .live import LivePipeline
    from .live_calibration import Calibrate, LiveCalibration
    from .results import (
        ClipReading,
        Health,
        MarkerAccuracy,
        ModelSwitch,
        SessionSummary,
        StepResult,
    )

_STATUS_EVERY_S = 0.5
_STATUS_LINE_EVERY_S = 10.0  # when stderr is not a terminal


def follow(pipe: LivePipeline, seconds: float | None, quiet: bool = False) -> bool:
    """Show a started pipeline's status on stderr until time is up, an error or Ctrl-C.

    On a terminal the status line is redrawn in place every 0.5 s; otherwise
    (a log, a pipe) one line is written every 10 s.

    Parameters
    ----------
    pipe : LivePipeline
        A started pipeline.
    seconds : float | None
        Stop after this many seconds; ``None``: until an error or Ctrl-C.
    quiet : bool
        Show no status at all.

    Returns
    -------
    bool
        True when Ctrl-C ended it.
    """
    results = pipe.subscribe(maxsize=1024)
    tty = sys.stderr.isatty() and not quiet
    start = last_line = time.monotonic()
    latest, cold = None, 0
    switches = len(pipe.switches)
    try:
        while True:
            time.sleep(_STATUS_EVERY_S)
            while not results.empty():
                latest = results.get_nowait()
                cold = 0 if latest.warm else cold + 1
            health = pipe.health()
            for switch in pipe.switches[switches:]:  # said once, even when quiet
                if tty:
                    print(file=sys.stderr, flush=True)  # below the status line
                print(f"eegstream: {switch_line(switch)}", flush=True)
            switches = len(pipe.switches)
            now = time.monotonic()
            line = status_line(health, latest, cold, pipe.cfg.seq_len, now - start)
            if tty:
                width = shutil.get_terminal_size().columns - 1
                print(
                    "\r" + line[:width].ljust(width),
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
            elif not quiet and now - last_line >= _STATUS_LINE_EVERY_S:
                print(line, file=sys.stderr, flush=True)
                last_line = now
            if health.error or (seconds is not None and now - start >= seconds):
                return False
    except KeyboardInterrupt:
        return True
    finally:
        if tty:
            print(file=sys.stderr, flush=True)


def status_line(
    health: Health,
    latest: StepResult | None,
    cold: int,
    seq_len: int,
    elapsed: float,
) -> str:
    """One status line: state, rate, steps, prediction, truth, signal, latency, gaps."""
    parts = [
        f"{elapsed:6.0f} s",
        f"[{health.state}]",
        f"{health.measured_rate:5.1f} Hz",
        f"steps {health.steps}",
    ]
    if latest is not None:
        shown = latest.shown
        values = latest.probabilities if shown is None else shown.probabilities
        probs = " ".join(
            f"{c} {p:.2f}" for c, p in zip(latest.classes, values, strict=True)
        )
        top = f"{latest.classes[int(np.argmax(values))].upper()} ({probs})"
        parts.append(f"calibrating {cold}/{seq_len}, {top}" if not latest.warm else top)
        if latest.true_label is not None:
            parts.append(f"true {latest.true_label}")
        if shown is not None and shown.contaminated:  # the reason with the policy
            parts.append(f"signal: {shown.describe()}")
        elif latest.quality is not None and not (
            latest.quality.clean and not latest.quality.bad
        ):
            parts.append(f"signal: {latest.quality.summary()}")
    if health.calibration is not None:
        parts.append(f"calibrating for the wearer: {health.calibration}")
    elif health.personal:
        parts.append(f"personal model of {health.wearer}")
    if health.steps:
        parts.append(
            f"latency p50 {health.latency_p50_s * 1e3:.1f} ms p99 "
            f"{health.latency_p99_s * 1e3:.1f} ms"
        )
    if health.gaps:
        parts.append(f"gaps {health.gaps} ({health.samples_lost} samples lost)")
    if health.error:
        parts.append(f"error: {health.error}")
    return "  ".join(parts)


def switch_line(switch: ModelSwitch) -> str:
    """Say that the pipeline went on with another model (one line, no prefix)."""
    whose = f" (personal model of wearer {switch.wearer})" if switch.wearer else ""
    why = f" after {switch.reason}" if switch.reason else ""
    return f"switched to model {switch.model}{whose} from step {switch.step}{why}"


def header(pipe: LivePipeline, log_hint: str = "") -> str:
    """Describe a started pipeline: model, stream, channels, outputs, log.

    ``log_hint`` follows "log: none" when the session keeps no log (e.g. how
    to ask for one).
    """
    h = pipe.health()
    if pipe.chain is None or pipe.inlet is None:
        raise EEGStreamError("header: the pipeline is not started; call start() first")
    plan, r = pipe.chain.plan, pipe.chain.resampler
    lines = [
        f"eegstream run: model {pipe.checkpoint.name} ({', '.join(pipe.classes)}) on "
        f"{h.device}",
        f"  stream {h.stream_name!r} (source_id {h.source_id!r}), "
        f"{pipe.inlet.n_channels} ch at {h.nominal_rate:g} Hz"
        + (" [SYNTHETIC EEG]" if pipe.synthetic else ""),
        f"  channels matched by {plan.mode}: {plan.present.size} of the model's "
        f"{len(plan.channels)}"
        + (f", interpolated: {', '.join(plan.missing)}" if plan.missing else "")
        + (f", ignored: {', '.join(plan.ignored)}" if plan.ignored else ""),
    ]
    if h.wearer is not None:
        personal = " (personal model)" if h.personal else ""
        lines.append(f"  wearer {h.wearer}{personal}")
    if not r.identity:
        lines.append(
            f"  resampled causally {r.sfreq_in:g} -> {r.sfreq_out:g} Hz "
            f"(delay {r.delay_s * 1e3:.0f} ms)"
        )
    if pipe.outlets is not None:
        lines.append(
            f"  outlets: {h.stream_name}-probabilities, {h.stream_name}-bandpower"
        )
    lines.append(
        f"  log: {pipe.log.path}" if pipe.log is not None else f"  log: none{log_hint}"
    )
    return "\n".join(lines)


def format_summary(
    s: SessionSummary, pipe: LivePipeline, interrupted: bool, command: str = "run"
) -> str:
    """Format the exit summary of ``eegstream COMMAND``, a few lines.

    Parameters
    ----------
    s : SessionSummary
        ``pipe.summary()``.
    pipe : LivePipeline
        The stopped pipeline (for its log).
    interrupted : bool
        Whether Ctrl-C ended the session.
    command : str
        The command named in the first line.
    """
    lat = s.latency_s
    lines = [
        f"eegstream {command}: summary" + (" (interrupted)" if interrupted else ""),
        f"  {s.duration_s:.1f} s, {s.steps} steps ({s.warm_steps} after "
        f"calibration), {s.samples_received} samples, {s.gaps} gap(s), "
        f"{s.samples_lost} samples lost, {s.samples_nonfinite} non-finite",
    ]
    if s.wearer is not None:
        lines.append(f"  wearer {s.wearer}")
    lines += ["  " + switch_line(switch) for switch in s.switches]
    if s.unit is not None:
        lines.append(f"  unit {s.unit} ({s.unit_source})")
    if lat.p50 is not None and lat.p99 is not None and lat.max is not None:
        lines.append(
            f"  latency p50 {lat.p50 * 1e3:.1f} ms, p99 {lat.p99 * 1e3:.1f} "
            f"ms, max {lat.max * 1e3:.1f} ms"
        )
    if s.steps:
        counts = ", ".join(f"{k} {v}" for k, v in s.predicted_counts.items())
        lines.append(f"  predicted: {counts}")
    if s.accuracy is not None:
        lines += accuracy_lines(s.accuracy)
    elif s.labels_not_in_model:
        lines.append(
            f"  marker labels {list(s.labels_not_in_model)} are not among the "
            "model's classes: no accuracy"
        )
    if s.error:
        lines.append(f"  stopped on error: {s.error}")
    if pipe.log is not None:
        lines.append(f"  log: {pipe.log.path} ({pipe.log.lines} lines)")
    if pipe.recording is not None:
        lines += ["  " + line for line in pipe.recording.describe().splitlines()]
    if pipe.calibration is not None:
        lines += calibration_lines(pipe.calibration)
    return "\n".join(lines)


def calibration_lines(calibration: LiveCalibration) -> list[str]:
    """Lines of a summary on a live calibration: its outcome and its recording."""
    if calibration.state == "switched" and calibration.personal is not None:
        lines = [f"  live calibration: {calibration.personal.note}"]
    elif calibration.state == "failed":
        lines = [f"  live calibration failed: {calibration.error}"]
    else:
        lines = [f"  live calibration {calibration.state}"]
    if calibration.recording is not None:
        lines.append(f"  calibration recording: {calibration.recording.path}")
    return lines


def accuracy_lines(acc: MarkerAccuracy) -> list[str]:
    """Lines of a session's accuracy against markers: all, warm, onset, steady."""
    note = (
        " [SYNTHETIC EEG: says nothing about emotion recognition]"
        if acc.synthetic
        else ""
    )
    warm = (
        f"; after calibration {100 * acc.warm_accuracy:.1f}% of {acc.warm_steps}"
        if acc.warm_accuracy is not None
        else ""
    )
    lines = [
        f"  accuracy against markers: {100 * acc.accuracy:.1f}% of "
        f"{acc.steps} labelled steps{warm}{note}"
    ]
    since = f"{acc.steady_from_s:g} s"
    parts = [
        f"{name} {100 * value:.1f}% of {steps}"
        for name, value, steps in (
            (f"onset (first {since} of a trial)", acc.onset_accuracy, acc.onset_steps),
            (
                f"steady state ({since} in to the trial's end)",
                acc.steady_accuracy,
                acc.steady_steps,
            ),
        )
        if value is not None
    ]
    if parts:
        lines.append("    " + "; ".join(parts))
    return lines + clip_lines(acc.clips)


#: Clips listed one per line in a summary; a longer session lists its last ones.
MAX_CLIP_LINES = 30


def clip_lines(clips: Sequence[ClipReading]) -> list[str]:
    """Lines of a summary's per-clip readings: true label, read as, settled when."""
    if not clips:
        return []
    shown = clips[-MAX_CLIP_LINES:]
    first = len(clips) - len(shown) + 1
    lines = ["  per clip (true: read as, right, settled on the truth):"]
    if first > 1:
        lines.append(f"    ... {first - 1} earlier clip(s) in the session log")
    for number, clip in enumerate(shown, start=first):
        settled = (
            "not settled"
            if clip.settled_s is None
            else f"settled {clip.settled_s:.0f} s in"
        )
        lines.append(
            f"    clip {number:>2}  {clip.label}: read as {clip.read}, "
            f"{100 * clip.correct / clip.steps:.0f}% of {clip.steps} steps, {settled}"
        )
    return lines


def start_recording(pipe: LivePipeline, path: Path, command: str) -> None:
    """Start the pipeline's XDF recording and say where and what (``--record``).

    On failure the pipeline is stopped and the error raised.
    """
    try:
        recorder = pipe.start_recording(path)
    except BaseException:
        pipe.stop()
        raise
    print(
        f"eegstream {command}: recording {len(recorder.streams)} stream(s) to "
        f"{recorder.path}: " + ", ".join(s.name for s in recorder.streams),
        flush=True,
    )


def start_calibration(
    pipe: LivePipeline, seconds: float, calibrate: Calibrate, path: Path, command: str
) -> None:
    """Start the live calibration of ``--calibrate`` and say what happens next.

    On failure the pipeline is stopped and the error raised.
    """
    try:
        calibration = pipe.start_calibration(seconds, calibrate, path)
    except BaseException:
        pipe.stop()
        raise
    streams = ", ".join(s.name for s in calibration.recorder.streams)
    print(
        f"eegstream {command}: calibrating on the next {seconds:g} s of labelled EEG "
        f"(recording {streams} to {calibration.recorder.path}); the personal model "
        "takes over when fitted",
        flush=True,
    )
