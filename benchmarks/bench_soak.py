"""Soak: the live pipeline for 10 min on replayed SYNTHETIC EEG; memory must not grow.

Not a CI test (it takes ``BENCH_SOAK_S`` seconds, default 600). A child
process replays 62-channel 200 Hz synthetic EEG at real-time pace; this
process runs :class:`~eegstream.pipeline.LivePipeline` with an untrained
paper-size ResAttentioNet on the CPU, a session log and both outlets, and a
subscriber that drains results as the dashboard would. The resident memory
is sampled every 10 s; the bar is less than 10 MB of growth from the end of
the first minute (allocator and torch warm-up) to the end.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run_all loads us by path
from bench_latency import paper_size_checkpoint, run_replay  # noqa: E402

BAR_GROWTH_MB = 10.0


def main() -> int:
    """Soak, print the memory curve, and whether it grew."""
    import queue

    import psutil

    from eegstream.pipeline import LivePipeline

    seconds = float(os.environ.get("BENCH_SOAK_S", "600"))
    name = f"bench-soak-{uuid.uuid4().hex[:8]}"
    proc = psutil.Process()
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = paper_size_checkpoint(Path(tmp))
        child = run_replay(name, seconds + 30)
        try:
            pipe = LivePipeline(
                ckpt, stream=name, device="cpu", log_path=Path(tmp) / "log.jsonl"
            )
            results = pipe.subscribe()
            pipe.start()
            start = time.monotonic()
            while (elapsed := time.monotonic() - start) < seconds:
                time.sleep(min(10.0, seconds - elapsed))
                while True:
                    try:
                        results.get_nowait()
                    except queue.Empty:
                        break
                samples.append(
                    (time.monotonic() - start, proc.memory_info().rss / 2**20)
                )
            log_mb = (Path(tmp) / "log.jsonl").stat().st_size / 2**20
            pipe.stop()
        finally:
            child.kill()
            child.wait()
    s = pipe.summary()
    base = next((m for t, m in samples if t >= min(60.0, seconds / 2)), samples[0][1])
    growth = samples[-1][1] - base
    print(
        f"SYNTHETIC EEG replayed for {seconds:.0f} s: {s.steps} steps, "
        f"{s.gaps} gaps, latency p99 {(s.latency_s.p99 or 0.0) * 1e3:.1f} ms, "
        f"log {log_mb:.1f} MB"
    )
    print("RSS (MB) every 10 s: " + " ".join(f"{m:.0f}" for _, m in samples))
    print(f"growth after warm-up: {growth:+.1f} MB (bar: < {BAR_GROWTH_MB:.0f} MB)")
    return 0 if growth < BAR_GROWTH_MB and s.steps else 1


if __name__ == "__main__":
    sys.exit(main())
