"""``eegstream run`` and ``eegstream streams`` from the command line."""

from __future__ import annotations

import signal
import subprocess
import sys

import numpy as np
import pytest
from _cli import help_text
from _pipeline_helpers import wait_until

from eegstream.cli import main
from eegstream.model._testing import SEED_IV_CLASSES as CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import read_log
from eegstream.replay import Player, array_source

pytestmark = pytest.mark.lsl


def _replay(name: str, seconds: float, speed: float = 4.0) -> Player:
    """Start a labelled SYNTHETIC replay that waits for its first reader."""
    rng = np.random.default_rng(0)
    eeg = 10 * rng.standard_normal((62, int(seconds * 200)))
    source = array_source(
        [eeg], 200.0, SEED_CHANNELS, labels=["sad"], classes=CLASSES, synthetic=True
    )
    return Player(source, name=name, speed=speed, wait_for_consumer=True).start()


def _run_argv(checkpoint, stream: str, *options: str) -> list[str]:
    """Return the words of ``eegstream run`` on the CPU of a model and a stream."""
    return [
        "run",
        "--model",
        str(checkpoint),
        "--stream",
        stream,
        "--device",
        "cpu",
        *options,
    ]


@pytest.mark.parametrize("command", ["run", "streams"])
def test_help_lists_every_option(command, capsys):
    out = help_text(command, capsys)
    options = {
        "run": [
            "--model",
            "--stream",
            "--type",
            "--source-id",
            "--seconds",
            "--log",
            "--assume-seed-order",
            "--unit",
            "--device",
            "--timeout",
            "--line-freq",
            "--wearer",
            "--calibrate",
            "--calibration-record",
            "--personal-model",
        ],
        "streams": ["--timeout", "--json"],
    }[command]
    for option in options:
        assert option in out


def test_run_prints_a_summary_and_writes_the_log(
    tiny_checkpoint, unique_id, tmp_path, capsys
):
    log = tmp_path / "run.jsonl"
    player = _replay(unique_id, 40)
    try:
        code = main(
            _run_argv(
                tiny_checkpoint,
                unique_id,
                "--seconds",
                "3",
                "--log",
                str(log),
                "--quiet",
                "--line-freq",
                "auto",
            )
        )
    finally:
        player.stop()
    out, err = capsys.readouterr()
    assert code == 0
    assert (
        "channels matched by names: 62 of the model's 62" in out
        and "[SYNTHETIC EEG]" in out
    )
    assert "summary" in out and "latency p50" in out
    assert "accuracy against markers" in out and "SYNTHETIC" in out
    records = read_log(log)
    assert (
        records[0]["type"] == "session_start" and records[-1]["type"] == "session_end"
    )
    summary = records[-1]["summary"]
    assert summary["steps"] > 0 and summary["accuracy"]["steps"] > 0
    # --line-freq auto: what the first second showed, in the log and on the console.
    assert records[0]["line_freq"]["option"] == "auto"
    (found,) = [
        r["message"]
        for r in records
        if r["type"] == "warning" and r["message"].startswith("line frequency (auto)")
    ]
    assert "no line noise" in found and found in out + err  # white noise: no line


def test_run_fails_cleanly_without_a_stream_or_with_an_existing_log(
    tiny_checkpoint, unique_id, tmp_path, capsys
):
    code = main(_run_argv(tiny_checkpoint, unique_id, "--timeout", "0.3"))
    err = capsys.readouterr().err
    assert code == 2 and f"no LSL stream with name {unique_id!r}" in err
    assert "Traceback" not in err
    taken = tmp_path / "taken.jsonl"
    taken.write_text("{}\n")
    player = _replay(unique_id, 20)
    try:
        code = main(_run_argv(tiny_checkpoint, unique_id, "--log", str(taken)))
    finally:
        player.stop()
    assert code == 2 and "already exists" in capsys.readouterr().err
    assert taken.read_text() == "{}\n"


def test_ctrl_c_flushes_the_log_and_exits_cleanly(tiny_checkpoint, unique_id, tmp_path):
    log = tmp_path / "run.jsonl"
    player = _replay(unique_id, 120, speed=2.0)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eegstream",
            *_run_argv(tiny_checkpoint, unique_id, "--log", str(log), "--quiet"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(
            lambda: log.exists() and any(r["type"] == "step" for r in read_log(log)),
            timeout=60,
        )
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        player.stop()
    assert proc.returncode == 130, err  # the CLI's Ctrl-C status, after clean-up
    assert "summary (interrupted)" in out and "Traceback" not in err
    records = read_log(log)
    assert records[-1]["type"] == "session_end"
    assert records[-1]["summary"]["steps"] == sum(r["type"] == "step" for r in records)


def test_status_line_shows_every_probability_the_truth_and_calibration():
    from eegstream.pipeline import Health, StepResult
    from eegstream.pipeline.console import status_line

    health = Health(
        state="ok", stream_name="s", source_id="s", nominal_rate=200.0,
        measured_rate=199.8, samples_received=2000, samples_lost=0, gaps=0,
        latency_p50_s=0.002, latency_p99_s=0.004, device="cpu", model_name="m",
        steps=7,
    )  # fmt: skip
    step = StepResult(
        timestamp=1.0, probabilities=np.array([0.1, 0.7, 0.2]),
        classes=("negative", "neutral", "positive"), band_power=np.zeros((62, 5)),
        latency_s=0.002, warm=False, true_label="positive",
    )  # fmt: skip
    line = status_line(health, step, cold=7, seq_len=60, elapsed=10.0)
    assert "NEUTRAL (negative 0.10 neutral 0.70 positive 0.20)" in line
    assert "true positive" in line and "calibrating 7/60" in line
    assert "p99 4.0 ms" in line
