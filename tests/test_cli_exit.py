"""The program ends with its outlets open under their readers (sccn/liblsl#218).

liblsl can crash a process that destroys an outlet while an inlet is still
connected; ``eegstream`` keeps the outlets a publishing command drops until
the process ends (:mod:`eegstream.cli._exit`). Here the replay and ``run``
end under a reader and must still exit 0 with nothing lost.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pylsl
import pytest

from eegstream.model._testing import SEED_IV_CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import read_log
from eegstream.protocol import probabilities_name
from eegstream.replay import Player, array_source

pytestmark = pytest.mark.lsl

# A publisher child: opens an outlet, drops it, waits for its stdin to close,
# then ends as the program does, with status 3.
_CHILD = textwrap.dedent(
    """
    import sys
    import pylsl
    from eegstream.cli import _exit

    if sys.argv[2] == "program":
        _exit.as_program()
    _exit.hold_outlets()
    info = pylsl.StreamInfo(sys.argv[1], "EEG", 2, 100, pylsl.cf_float32, sys.argv[1])
    outlet = pylsl.StreamOutlet(info)
    del outlet
    print("dropped", flush=True)
    sys.stdin.read()
    _exit.end_program(3)
    """
)


def _visible(name: str) -> bool:
    return bool(pylsl.resolve_byprop("name", name, 1, 1.0))


@pytest.mark.parametrize("mode", ["program", "in-process"])
def test_the_program_keeps_a_dropped_outlet_until_it_ends(
    unique_id: str, mode: str
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, unique_id, mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "dropped\n"
        # The program leaves the outlet open; a caller of main() withdraws it.
        assert _visible(unique_id) == (mode == "program")
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3
    assert not pylsl.resolve_byprop("name", unique_id, 1, 0.3)


@pytest.mark.parametrize("end", ["last sample", "SIGINT"])
def test_replay_ends_cleanly_under_a_connected_reader(
    unique_id: str, realdata: Path, end: str
) -> None:
    argv = [sys.executable, "-m", "eegstream", "replay", "--name", unique_id]
    argv += ["--file", str(realdata / "S001R01_eyes_open_60s.edf"), "--wait"]
    argv += ["--speed", "60"] if end == "last sample" else ["--loop"]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    inlet = None
    try:
        found = pylsl.resolve_byprop("name", unique_id, 1, 30)
        assert found, "the replay's stream never appeared"
        inlet = pylsl.StreamInlet(found[0])
        data, _ = inlet.pull_chunk(timeout=5.0, max_samples=80)
        assert len(data) > 0
        if end == "SIGINT":
            proc.send_signal(signal.SIGINT)
        # The inlet stays connected, pulling, while the replay ends.
        while proc.poll() is None:
            inlet.pull_chunk(timeout=0.05)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if inlet is not None:
            inlet.close_stream()
    assert proc.returncode == 0, err
    assert "terminate called" not in err and "Traceback" not in err
    assert f"'{unique_id}'" in out
    assert ("stopped; stream" in err) == (end == "SIGINT")
    assert not pylsl.resolve_byprop("name", unique_id, 1, 0.3)


def test_run_ends_cleanly_under_a_reader_of_its_outlets(
    unique_id: str, tiny_checkpoint: Path, tmp_path: Path
) -> None:
    eeg = 10 * np.random.default_rng(0).standard_normal((62, 200 * 40))
    source = array_source(
        [eeg],
        200.0,
        SEED_CHANNELS,
        labels=["sad"],
        classes=SEED_IV_CLASSES,
        synthetic=True,
    )
    player = Player(source, name=unique_id, speed=4.0, wait_for_consumer=True)
    log = tmp_path / "run.jsonl"
    argv = [sys.executable, "-m", "eegstream", "run", "--model", str(tiny_checkpoint)]
    argv += ["--stream", unique_id, "--device", "cpu", "--seconds", "3", "--quiet"]
    argv += ["--log", str(log)]
    inlet = proc = None
    try:
        player.start()
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        found = pylsl.resolve_byprop("name", probabilities_name(unique_id), 1, 60)
        assert found, "the run's probability stream never appeared"
        inlet = pylsl.StreamInlet(found[0])
        steps = 0
        while proc.poll() is None:  # connected, pulling, while the run ends
            steps += len(inlet.pull_chunk(timeout=0.05)[0])
        out, err = proc.communicate(timeout=20)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if inlet is not None:
            inlet.close_stream()
        player.stop()
    assert proc.returncode == 0, err
    assert "terminate called" not in err and "summary" in out
    records = read_log(log)  # nothing lost: the log ends with its summary
    assert records[-1]["type"] == "session_end" and steps > 0
    assert not pylsl.resolve_byprop("name", probabilities_name(unique_id), 1, 0.3)
