"""Every script in examples/ runs as a researcher would run it, and says what it should.

Each runs in its own Python process (as ``python examples/NAME.py``), on the
real recordings in tests/data/ or on data it makes itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from pylsl import StreamInlet, resolve_byprop

from eegstream.labelmap import LabelMap

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# Torch on one intra-op thread, as the one_torch_thread fixture does in the
# suite's own processes: beside the other test workers on 2 cores, a second
# thread only waits (classify_a_recording.py: 3.5 s wall and 3.2 s CPU with
# one, 5.2 s and 7.0 s with two, on the idle machine).
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1"}


def run_example(name: str, *args: str, timeout: float = 240) -> str:
    """Run ``examples/NAME`` with ``args``; return its output, failing on exit != 0."""
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ONE_THREAD,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_classify_a_recording_gives_a_step_per_second(realdata):
    out = run_example("classify_a_recording.py", str(realdata / "S001R03.edf"))
    # 125 s at a 1 s hop: the first 4 s window ends at 4 s, then one per second
    # (the resampler's 50 ms delay takes the last one).
    assert "122 steps of 125 s at 160 Hz" in out
    assert "interpolated from neighbours" in out  # PO5, PO6, CB1, CB2 are missing


def test_de_features_show_occipital_alpha_with_eyes_closed(realdata, tmp_path):
    out_file = tmp_path / "closed.npz"
    out = run_example(
        "de_features_of_a_file.py",
        str(realdata / "S001R02_eyes_closed_60s.edf"),
        str(out_file),
    )
    assert "57 windows x 62 channels x 5 bands" in out  # 60 s, 4 s windows, 1 s hop
    top = out.split("highest alpha DE:")[1].splitlines()[0]
    # Eyes closed: the alpha rhythm is strongest over the back of the head.
    assert {"O1", "OZ", "O2"} & {item.split()[0] for item in top.split(", ")[:3]}
    with np.load(out_file) as saved:
        assert saved["de"].shape == (57, 62, 5)


def test_train_on_synthetic_reports_every_loso_split(tmp_path):
    out = run_example("train_on_synthetic.py", str(tmp_path))
    assert out.startswith("SYNTHETIC data")
    splits = [line for line in out.splitlines() if "test subjects" in line]
    assert [line.split("]")[0].split("[")[1] for line in splits] == ["1", "2", "3", "4"]
    assert (tmp_path / "runs").is_dir()


def test_stimulus_markers_are_read_by_the_label_map(unique_id):
    command = [
        sys.executable,
        str(EXAMPLES / "stimulus_markers.py"),
        "--clips", "2", "--clip-seconds", "0.5", "--rest-seconds", "0.2",
        "--name", unique_id,
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.DEVNULL) as program:
        try:
            (info,) = resolve_byprop("name", unique_id, timeout=10)
            inlet = StreamInlet(info)
            inlet.open_stream(timeout=10)
            markers: list[str] = []
            deadline = time.monotonic() + 15
            while len(markers) < 4 and time.monotonic() < deadline:
                sample, _ = inlet.pull_sample(timeout=0.5)
                if sample:
                    markers.append(sample[0])
            inlet.close_stream()
            del inlet
            assert program.wait(timeout=15) == 0
        finally:
            program.kill()
    label_map = LabelMap.load(EXAMPLES / "stimulus_label_map.toml")
    meanings = [label_map.match(m) for m in markers]
    assert [(m.action, m.label) for m in meanings if m] == [
        ("start", "happy"),
        ("end", None),
        ("start", "sad"),
        ("end", None),
    ]


def test_plot_session_log_draws_a_run_of_a_file(realdata, tmp_path):
    log, png = tmp_path / "run.jsonl", tmp_path / "session.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "eegstream",
            "run",
            "--model",
            "demo-seed-iv",
            "--device",
            "cpu",
            "--file",
            str(realdata / "S001R04.edf"),
            "--log",
            str(log),
            "--quiet",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = run_example("plot_session_log.py", str(log), str(png))
    assert f"saved {png}" in out
    assert "no step carries a true label" in out  # an EDF has no trial markers
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
