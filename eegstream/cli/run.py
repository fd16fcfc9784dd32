"""Classify a live LSL EEG stream headless: console status, outlets, session log."""

from __future__ import annotations

import argparse
import shutil
import sys
import time

from ._pipeline_options import add_pipeline_options, pipeline_from_args

_STATUS_EVERY_S = 0.5
_STATUS_LINE_EVERY_S = 10.0  # when stderr is not a terminal


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``eegstream run``."""
    p = subparsers.add_parser(
        "run",
        help="classify a live LSL EEG stream without a GUI (outlets, log, summary)",
        description="Connect to an LSL EEG stream, check it against the model "
        "(channels by name, missing channels, rate, unit), and publish class "
        "probabilities and band power as LSL streams every hop, with a live status "
        "line, an optional JSON Lines session log and a summary at exit (latency "
        "p50/p99; accuracy when a replay's marker stream carries true labels). "
        "Stops after --seconds or on Ctrl-C (which still writes the summary; exit "
        "status 0, 2 on a stream failure, 130 on Ctrl-C).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--model", required=True, help="checkpoint file, or a model name in models/"
    )
    add_pipeline_options(p, "with none given: the one stream of type EEG")
    p.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="stop after this many seconds; None: run until Ctrl-C",
    )
    p.add_argument("--quiet", action="store_true", help="no live status line")
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream run``."""
    import logging
    import signal

    from .._errors import EEGStreamError

    if args.seconds is not None and not args.seconds > 0:
        raise EEGStreamError(f"--seconds must be > 0, got {args.seconds}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("eegstream run: %(levelname)s: %(message)s"))
    root = logging.getLogger("eegstream")
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        pipe = pipeline_from_args(args.model, args).start()
        try:
            print(_header(pipe), flush=True)
            interrupted = follow(pipe, args.seconds, quiet=args.quiet)
        finally:
            # A second Ctrl-C must not cut the log's summary short.
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                pipe.stop()
            finally:
                signal.signal(signal.SIGINT, previous)
        print(format_summary(pipe.summary(), pipe, interrupted), flush=True)
        if pipe.health().error:
            return 2
        return 130 if interrupted else 0
    finally:
        root.removeHandler(handler)


def follow(pipe, seconds: float | None, quiet: bool) -> bool:
    """Show the status until time is up, an error or Ctrl-C; True on Ctrl-C."""
    results = pipe.subscribe(maxsize=1024)
    tty = sys.stderr.isatty() and not quiet
    start = last_line = time.monotonic()
    latest, cold = None, 0
    try:
        while True:
            time.sleep(_STATUS_EVERY_S)
            while not results.empty():
                latest = results.get_nowait()
                cold = 0 if latest.warm else cold + 1
            health = pipe.health()
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


def status_line(health, latest, cold: int, seq_len: int, elapsed: float) -> str:
    """One status line: state, rate, steps, prediction, truth, latency, gaps."""
    parts = [
        f"{elapsed:6.0f} s",
        f"[{health.state}]",
        f"{health.measured_rate:5.1f} Hz",
        f"steps {health.steps}",
    ]
    if latest is not None:
        probs = " ".join(
            f"{c} {p:.2f}"
            for c, p in zip(latest.classes, latest.probabilities, strict=True)
        )
        top = f"{latest.predicted.upper()} ({probs})"
        parts.append(f"calibrating {cold}/{seq_len}, {top}" if not latest.warm else top)
        if latest.true_label is not None:
            parts.append(f"true {latest.true_label}")
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


def _header(pipe) -> str:
    h = pipe.health()
    plan, r = pipe.plan, pipe.resampler
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
        f"  log: {pipe.log.path}"
        if pipe.log is not None
        else "  log: none (--log PATH)"
    )
    return "\n".join(lines)


def format_summary(s: dict, pipe, interrupted: bool, command: str = "run") -> str:
    """Format the exit summary of ``eegstream COMMAND``, a few lines."""
    lat = s["latency_s"]
    lines = [
        f"eegstream {command}: summary" + (" (interrupted)" if interrupted else ""),
        f"  {s['duration_s']:.1f} s, {s['steps']} steps ({s['warm_steps']} after "
        f"calibration), {s['samples_received']} samples, {s['gaps']} gap(s), "
        f"{s['samples_lost']} samples lost, {s['samples_nonfinite']} non-finite",
    ]
    if s["unit"] is not None:
        lines.append(f"  unit {s['unit']} ({s['unit_source']})")
    if lat["p50"] is not None:
        lines.append(
            f"  latency p50 {lat['p50'] * 1e3:.1f} ms, p99 {lat['p99'] * 1e3:.1f} "
            f"ms, max {lat['max'] * 1e3:.1f} ms"
        )
    if s["steps"]:
        counts = ", ".join(f"{k} {v}" for k, v in s["predicted_counts"].items())
        lines.append(f"  predicted: {counts}")
    acc = s["accuracy"]
    if acc is not None:
        note = (
            " [SYNTHETIC EEG: says nothing about emotion recognition]"
            if acc["synthetic"]
            else ""
        )
        warm = (
            f"; after calibration {100 * acc['warm_accuracy']:.1f}% of "
            f"{acc['warm_steps']}"
            if acc["warm_accuracy"] is not None
            else ""
        )
        lines.append(
            f"  accuracy against markers: {100 * acc['accuracy']:.1f}% of "
            f"{acc['steps']} labelled steps{warm}{note}"
        )
    elif s["labels_not_in_model"]:
        lines.append(
            f"  marker labels {s['labels_not_in_model']} are not among the "
            "model's classes: no accuracy"
        )
    if s["error"]:
        lines.append(f"  stopped on error: {s['error']}")
    if pipe.log is not None:
        lines.append(f"  log: {pipe.log.path} ({pipe.log.lines} lines)")
    return "\n".join(lines)
