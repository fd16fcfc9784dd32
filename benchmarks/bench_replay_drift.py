"""Replay pacing over a long run: after 10 minutes, samples sent = elapsed x rate.

A :class:`eegstream.replay.Player` streams 62 channels at 200 Hz in chunks of
10 samples (synthetic noise, looped) to an inlet on this machine. Whenever a
chunk arrives the benchmark reads the samples the player has sent, the LSL
clock, and how long after its last sample's timestamp the chunk arrived;
elapsed time counts from the first sample's timestamp, and
``due = elapsed x rate + 1`` samples are due.

The bar:
- at the end of the run the player is ``0 <= due - sent <= chunk`` samples
  behind the schedule: within one chunk and never ahead;
- no drift: the median lag of the last minute exceeds that of the first by
  less than one sample;
- every timestamp is exactly ``t0 + i / rate`` (error below 1 µs).

Run ``python benchmarks/bench_replay_drift.py [SECONDS]`` (default 600).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

SFREQ, N_CHANNELS, CHUNK = 200.0, 62, 10


def main(seconds: float | None = None) -> int:
    """Stream for ``seconds`` (default argv[1] or 600), print figures; 0 on the bar."""
    if seconds is None:
        seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    _machine_only_lsl()
    import pylsl

    from eegstream.replay import Player, array_source

    noise = np.random.default_rng(0).normal(0, 20, (N_CHANNELS, int(10 * SFREQ)))
    source = array_source(noise, SFREQ, description="synthetic noise", synthetic=True)
    name = f"bench-replay-drift-{uuid.uuid4().hex[:8]}"
    player = Player(
        source, name=name, chunk_size=CHUNK, loop=True, wait_for_consumer=True
    )
    print(
        f"  {N_CHANNELS} ch, {SFREQ:g} Hz, chunks of {CHUNK}, {seconds:g} s", flush=True
    )
    rows = []  # (elapsed s, due - sent, arrival - last stamp s) per pulled chunk
    stamp_error = 0.0
    with player:
        info = pylsl.resolve_byprop("source_id", player.source_id, 1, 10)[0]
        inlet = pylsl.StreamInlet(info, max_buflen=30, processing_flags=0)
        inlet.open_stream(10)
        t_first, received = None, 0
        end = time.monotonic() + seconds
        next_report = time.monotonic() + 60
        while time.monotonic() < end:
            # Poll (a blocking pull waits for a full buffer) so that each chunk is
            # seen within 5 ms of its arrival.
            _, stamps = inlet.pull_chunk(timeout=0.0, max_samples=1024)
            # Sent before now: a chunk pushed between the two reads is not counted.
            sent = player.progress().samples_sent
            now = pylsl.local_clock()
            if not stamps:
                time.sleep(0.005)
                continue
            stamps = np.asarray(stamps)
            if t_first is None:
                t_first = stamps[0]
            expected = t_first + (received + np.arange(len(stamps))) / SFREQ
            stamp_error = max(stamp_error, float(np.abs(stamps - expected).max()))
            received += len(stamps)
            due = (now - t_first) * SFREQ + 1
            rows.append((now - t_first, due - sent, now - stamps[-1]))
            if time.monotonic() >= next_report:
                next_report += 60
                print(
                    f"  {now - t_first:5.0f} s: sent {sent}, received {received}, "
                    f"player {due - sent:.1f} samples behind the schedule",
                    flush=True,
                )
        inlet.close_stream()
    return _report(np.array(rows), stamp_error)


def _report(rows: np.ndarray, stamp_error: float) -> int:
    """Print the figures and return 0 when they meet the bar."""
    elapsed, lag, delivery = rows.T
    final = lag[-1]
    minute = min(60.0, elapsed[-1] / 4)
    first = np.median(lag[elapsed < minute])
    last = np.median(lag[elapsed > elapsed[-1] - minute])
    beyond = np.mean(lag > CHUNK)
    ms = 1000 / SFREQ
    print(f"  run {elapsed[-1]:.1f} s, {len(rows)} pulls")
    print(
        f"  player behind the schedule at the end: {final:.2f} samples "
        f"({final * ms:.1f} ms; bar 0..{CHUNK})"
    )
    print(
        f"  lag over the run: median {np.median(lag):.1f}, p99 "
        f"{np.percentile(lag, 99):.1f}, max {lag.max():.1f} samples; "
        f"{100 * beyond:.2f}% of pulls more than a chunk behind; min {lag.min():.2f}"
    )
    print(
        f"  drift: median lag first {minute:.0f} s {first:.2f}, last {minute:.0f} s "
        f"{last:.2f} samples"
    )
    print(
        "  chunk arrival after its last sample's time: median "
        f"{np.median(delivery) * 1000:.1f} ms, "
        f"p99 {np.percentile(delivery, 99) * 1000:.1f} ms, "
        f"max {delivery.max() * 1000:.1f} ms"
    )
    print(f"  largest timestamp error vs t0 + i/rate: {stamp_error:.2e} s")
    ok = (
        -1e-3 <= final <= CHUNK
        and lag.min() >= -1e-3
        and last - first < 1.0
        and stamp_error < 1e-6
    )
    return 0 if ok else 1


def _machine_only_lsl() -> None:
    """Resolve on this machine only, like the tests (before pylsl is imported)."""
    cfg = Path(tempfile.gettempdir()) / "eegstream-bench-lsl_api.cfg"
    cfg.write_text("[ports]\nIPv6 = disable\n\n[multicast]\nResolveScope = machine\n")
    os.environ.setdefault("LSLAPICFG", str(cfg))


if __name__ == "__main__":
    sys.exit(main())
