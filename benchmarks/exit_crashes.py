"""Count crashes of processes that end while an LSL reader is still connected.

liblsl can crash the process that destroys an outlet while an inlet reads it
(sccn/liblsl#218). Each run starts a publisher in a child process, connects a
reader in another process that pulls until the publisher is gone, ends the
publisher and records how it ended: a crash is a negative return code (a
signal: SIGSEGV, SIGABRT) or ``terminate called`` / ``Segmentation fault``
on its stderr; a publisher that has not ended 90 s later counts too (a hang:
it gets SIGABRT, and Python's stacks are kept in ``$TMPDIR/<name>.hang.txt``).

Publishers (``--case``; several allowed, default all):

- ``replay-end``: ``eegstream replay`` of a 60 s file at --speed 40, to its end;
- ``replay-sigint``, ``replay-sigterm``: ``eegstream replay --loop`` ended by
  the signal once the reader has data;
- ``outlet-del``: a plain pylsl outlet pushing 64 channels at 1 kHz, destroyed
  (``del``) under the reader, then ``os._exit(0)``;
- ``outlet-exit``: the same outlet left to the interpreter's exit;
- ``outlet-held``: the same outlet dropped as the ``eegstream`` program drops
  it (:mod:`eegstream.cli._exit`: left open, the process ended by
  ``end_program``).

Run: ``python benchmarks/exit_crashes.py --runs 30 [--case replay-end ...]``.
Not a ``bench_*`` script (``make bench`` skips it): a run takes minutes.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

_FILE = Path(__file__).parents[1] / "tests" / "data" / "S001R01_eyes_open_60s.edf"

_READER = """
import os, sys, pylsl
found = pylsl.resolve_byprop("name", sys.argv[1], 1, 30)
if not found:
    print("no stream", flush=True); os._exit(3)
inlet = pylsl.StreamInlet(found[0])
inlet.open_stream(timeout=10)
print("connected", flush=True)
got = 0
while True:  # pull until killed: connected while the publisher ends
    data, _ = inlet.pull_chunk(timeout=0.2)
    got += len(data)
    if got and not os.path.exists(sys.argv[2]):
        open(sys.argv[2], "w").close()
        print("data", flush=True)
"""

_OUTLET = """
import os, sys, time, numpy as np, pylsl
from eegstream.cli import _exit
if sys.argv[2] == "held":
    _exit.as_program()
    _exit.hold_outlets()
info = pylsl.StreamInfo(sys.argv[1], "EEG", 64, 1000, pylsl.cf_float32, sys.argv[1])
outlet = pylsl.StreamOutlet(info, chunk_size=10)
print("ready", flush=True)
while not outlet.have_consumers():
    time.sleep(0.01)
x = np.random.default_rng(0).standard_normal((10, 64)).astype(np.float32)
end = time.monotonic() + 1.0
while time.monotonic() < end:
    outlet.push_chunk(x)
    time.sleep(0.01)
if sys.argv[2] == "del":
    del outlet  # destroyed under the reader
    sys.stdout.flush()
    os._exit(0)
if sys.argv[2] == "held":
    del outlet  # left open
    _exit.end_program(0)
"""

CASES = (
    "replay-end",
    "replay-sigint",
    "replay-sigterm",
    "outlet-del",
    "outlet-exit",
    "outlet-held",
)


def _publisher(case: str, name: str) -> list[str]:
    if case.startswith("outlet"):
        return [sys.executable, "-c", _OUTLET, name, case.split("-")[1]]
    argv = [sys.executable, "-m", "eegstream", "replay", "--file", str(_FILE)]
    argv += ["--name", name, "--wait", "--speed", "40"]
    return argv + ([] if case == "replay-end" else ["--loop"])


def run_once(case: str, tmp: Path) -> tuple[int, str]:
    """Run ``case`` once; return the publisher's return code and stderr."""
    name = f"exitcrash-{uuid.uuid4().hex[:8]}"
    flag = tmp / f"{name}.data"
    pub = subprocess.Popen(
        _publisher(case, name),
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, name, str(flag)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        if case in ("replay-sigint", "replay-sigterm"):
            deadline = time.monotonic() + 60
            while not flag.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)  # mid-stream
            pub.send_signal(
                signal.SIGINT if case == "replay-sigint" else signal.SIGTERM
            )
        try:
            _, err = pub.communicate(timeout=90)
        except subprocess.TimeoutExpired:  # a hang: Python's stacks, then count it
            pub.send_signal(signal.SIGABRT)
            _, err = pub.communicate(timeout=10)
            (tmp / f"{name}.hang.txt").write_text(err)
            err = f"no end in 90 s, stacks in {tmp / name}.hang.txt\n{err}"
    finally:
        for proc in (pub, reader):
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        flag.unlink(missing_ok=True)
    return pub.returncode, err


def crashed(returncode: int, err: str) -> bool:
    """Whether a publisher that ended with ``returncode`` and ``err`` crashed."""
    return returncode < 0 or "terminate called" in err or "Segmentation" in err


def main() -> int:
    """Run each case ``--runs`` times; print the crash counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--case", action="append", choices=CASES)
    args = parser.parse_args()
    # Started in the background by a shell without job control, this process
    # and its children ignore SIGINT: the replay-sigint case would never end.
    # A handled signal is reset to the default in a child.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    total = 0
    for case in args.case or CASES:
        codes: dict[int, int] = {}
        crashes = 0
        start = time.monotonic()
        for _ in range(args.runs):
            code, err = run_once(case, tmp)
            codes[code] = codes.get(code, 0) + 1
            if crashed(code, err):
                crashes += 1
                last = err.strip().splitlines()[:1] + err.strip().splitlines()[-2:]
                print(f"  {case}: crash, rc {code}: {' | '.join(last)}", flush=True)
        total += crashes
        print(
            f"{case}: {crashes}/{args.runs} crashed; return codes {codes} "
            f"({time.monotonic() - start:.0f} s)",
            flush=True,
        )
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
