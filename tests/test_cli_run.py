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
            "--file",
            "--stream-name",
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
    argv = [sys.executable, "-m", "eegstream"]
    argv += _run_argv(tiny_checkpoint, unique_id, "--log", str(log), "--quiet")
    try:
        code, out, err = _interrupt_after_first_step(argv, log)
    finally:
        player.stop()
    assert code == 130, err  # the CLI's Ctrl-C status, after clean-up
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


# -- run --file: the live chain over a recording ----------------------------------
# A fast real model with the network's feature settings (conditioning, DE, Kalman).
FILE_MODEL = "demo-seed-iv-logreg"
# The log rounds floats to 6 decimals (session_log._clean): half a unit of the last.
LOG_ROUNDING = 5e-7


def _steps(records: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and probabilities (steps x classes) of a session log's steps."""
    steps = [r for r in records if r["type"] == "step"]
    probs = [list(r["probabilities"].values()) for r in steps]
    return np.array([r["time"] for r in steps]), np.array(probs)


def test_run_file_logs_the_steps_of_the_live_chain(realdata, tmp_path, capsys):
    from eegstream.files.reading import load_recording
    from eegstream.pipeline import LiveChain, run_recording

    path, log = realdata / "S001R03.edf", tmp_path / "file.jsonl"
    argv = ["run", "--model", FILE_MODEL, "--file", str(path), "--device", "cpu"]
    assert main([*argv, "--log", str(log), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "over" in out and "64 ch at 160 Hz, 125.0 s" in out and "summary" in out
    records = read_log(log)
    types = [r["type"] for r in records]
    assert types[0] == "session_start" and types[-1] == "session_end"
    assert "unit" in types and "health" in types
    start = records[0]
    assert start["file"] == str(path) and start["stream"]["name"] == path.name
    assert start["resampling"]["from_hz"] == 160 and start["channels"]["n_present"]
    times, probs = _steps(records)
    # The same chain, driven by the library over the same file.
    rec = load_recording(path, sfreq=None, seed_order=False)
    chain = LiveChain.from_recording(FILE_MODEL, rec, device="cpu")
    expected = run_recording(chain, rec)
    assert len(probs) == len(expected) == 122  # (125 s - 4 s window) / 1 s hop + 1
    np.testing.assert_allclose(
        probs, [r.probabilities for r in expected], rtol=0, atol=LOG_ROUNDING
    )
    # Seconds into the recording: the window's last input sample.
    np.testing.assert_allclose(
        times, [r.timestamp for r in expected], rtol=0, atol=LOG_ROUNDING
    )
    assert 3.9 < times[0] < 4.0 and np.allclose(np.diff(times), 1.0)
    summary = records[-1]["summary"]
    assert summary["steps"] == 122 and summary["samples_received"] == 20000
    assert summary["latency_s"]["max"] > 0  # the CPU time of a step


def test_run_file_gives_the_steps_of_a_live_run_over_its_replay(
    realdata, unique_id, tmp_path
):
    """``run --file`` = ``run`` over ``replay --file`` of the same file (real LSL).

    LSL carries float32 (relative rounding 6e-8), the file is read in
    float64: the DE then differs by about 1e-7 log2 units and the
    probabilities by less still; each log rounds them to 1e-6. Tolerance
    1e-5: ten times that, while one sample lost or a different rate, unit
    or channel order moves them by more than 1e-2.
    """
    path = realdata / "S001R01_eyes_open_60s.edf"
    file_log, live_log = tmp_path / "file.jsonl", tmp_path / "live.jsonl"
    argv = ["run", "--model", FILE_MODEL, "--device", "cpu", "--quiet"]
    assert main([*argv, "--file", str(path), "--log", str(file_log)]) == 0
    replay = [sys.executable, "-m", "eegstream", "replay", "--file", str(path)]
    replay += ["--speed", "20", "--wait", "--name", unique_id]
    proc = subprocess.Popen(
        replay, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        live = [*argv, "--stream", unique_id, "--timeout", "30", "--no-outlets"]
        code = main([*live, "--seconds", "8", "--log", str(live_log)])
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0 and proc.returncode == 0, err
    file_times, file_probs = _steps(read_log(file_log))
    live_times, live_probs = _steps(read_log(live_log))
    assert len(file_probs) == len(live_probs) == 57  # (60 s - 4 s) / 1 s + 1
    np.testing.assert_allclose(live_probs, file_probs, rtol=0, atol=1e-5)
    # The replay at 20 x real time stamps its samples 20 x closer together;
    # within a third of a sample (6.25 ms at 160 Hz) of the file's seconds.
    np.testing.assert_allclose(
        20 * (live_times - live_times[0]), file_times - file_times[0], atol=2e-3
    )


def test_run_file_refuses_bad_input_in_one_line_and_leaves_no_log(
    realdata, tmp_path, capsys
):
    import mne

    no_eeg = tmp_path / "ecg_raw.fif"
    info = mne.create_info(["ECG1", "Resp"], 160.0, ["ecg", "resp"])
    mne.io.RawArray(np.zeros((2, 1600)), info, verbose="error").save(no_eeg)
    garbage = tmp_path / "broken.edf"
    garbage.write_bytes(b"0       not an EDF header" * 20)
    edf = str(realdata / "S001R03.edf")
    cases = [
        (["--file", str(tmp_path / "gone.edf")], "EEG file not found"),
        (["--file", str(garbage)], "cannot read broken.edf as EEG"),
        (["--file", str(no_eeg)], "ecg_raw.fif holds no EEG channels"),
        (["--file", edf, "--stream", "Cap"], "--stream applies to a live LSL stream"),
        (["--file", edf, "--seconds", "5"], "--seconds applies to a live LSL"),
        (["--file", edf, "--unit", "V"], "--unit V applies to a live stream"),
        (["--file", edf, "--markers", "Stim"], "has no marker stream 'Stim'"),
        (["--stream-name", "EEG"], "--stream-name picks the EEG stream of an .xdf"),
    ]
    for options, message in cases:
        log = tmp_path / "never.jsonl"
        argv = ["run", "--model", FILE_MODEL, "--device", "cpu", "--quiet"]
        assert main([*argv, *options, "--log", str(log)]) == 2, options
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, err
        assert err.startswith("eegstream run: error: ") and "Traceback" not in err
        assert not log.exists()


def test_ctrl_c_during_run_file_leaves_no_partial_log(realdata, tmp_path):
    import mne

    from eegstream.files.reading import load_recording

    # Real EEG 8 x over (1000 s): the network takes seconds for it, not 0.7 s.
    rec = load_recording(realdata / "S001R03.edf", sfreq=None, seed_order=False)
    info = mne.create_info(rec.ch_names, rec.sfreq, "eeg")
    long = tmp_path / "long_raw.fif"
    mne.io.RawArray(np.tile(rec.data, 8) * 1e-6, info, verbose="error").save(long)
    log = tmp_path / "run.jsonl"
    argv = [sys.executable, "-m", "eegstream", "run", "--model", "demo-seed-iv"]
    argv += ["--device", "cpu", "--file", str(long)]
    code, _, err = _interrupt_after_first_step(
        [*argv, "--log", str(log), "--quiet"], log
    )
    assert code == 130 and "interrupted" in err, err
    assert "Traceback" not in err and not log.exists()


def _interrupt_after_first_step(argv: list[str], log) -> tuple[int, str, str]:
    """Run ``argv``, send Ctrl-C once ``log`` holds a step; return code, out, err."""
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
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
    return proc.returncode, out, err
