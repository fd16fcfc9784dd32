"""``eegstream replay`` on the command line: help, start-up summary, errors, signals."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pylsl
import pytest
from _cli import help_text

from eegstream.cli import build_parser, main
from eegstream.datasets import DATASETS, RATED_DATASETS, open_dataset
from eegstream.replay import file_source

pytestmark = pytest.mark.lsl


def test_help_lists_every_option(capsys: pytest.CaptureFixture) -> None:
    out = help_text("replay", capsys)
    options = (
        "dataset file root subject session trials sfreq speed loop rest chunk wait"
    )
    for option in [*options.split(), "name", "source-id"]:
        assert f"--{option}" in out
    assert "(default: 10)" in out  # defaults shown


def test_dataset_choices_are_the_readers() -> None:
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    option = next(a for a in commands.choices["replay"]._actions if a.dest == "dataset")
    assert tuple(option.choices) == DATASETS + RATED_DATASETS


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--speed", "0"], "--speed: must be a number > 0, got '0'"),
        (["--speed", "inf"], "--speed: must be a number > 0, got 'inf'"),
        (["--chunk", "0"], "--chunk: must be an integer >= 1, got '0'"),
        (["--loop", "0"], "--loop: must be an integer >= 1, got '0'"),
        (["--rest", "-1"], "--rest: must be a number >= 0, got '-1'"),
        (["--sfreq", "x"], "--sfreq: must be a number > 0, got 'x'"),
    ],
    ids=["speed", "speed-inf", "chunk", "loop", "rest", "sfreq"],
)
def test_bad_numbers_are_refused_by_the_parser(
    capsys: pytest.CaptureFixture, argv: list, message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["replay", "--file", "x.edf", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_dataset_replay_prints_what_it_streams(
    unique_id: str, synthetic_seed_iv_small: Path, capsys: pytest.CaptureFixture
) -> None:
    root = str(synthetic_seed_iv_small)
    argv = ["replay", "--dataset", "seed-iv", "--root", root, "--subject", "2"]
    argv += ["--trials", "3,1", "--speed", "100", "--rest", "1", "--name", unique_id]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    truth = {
        t.trial: t.label_name
        for t in open_dataset("seed-iv", root).trials
        if (t.subject, t.session) == (2, 1)
    }
    assert f"'{unique_id}'" in out and f"'{unique_id}-markers'" in out
    assert "62 channels" in out and "200 Hz" in out
    assert "SYNTHETIC" in out
    lines = out.splitlines()
    for trial in (3, 1):
        assert any(f"trial {trial} " in ln and truth[trial] in ln for ln in lines)
    assert "rest         1 s between trials" in out
    assert "0:41 of data" in out  # 2 x 20 s trials + 1 s rest
    # Not a terminal: progress lines (one per segment and the final one), no \r.
    assert err.splitlines()[-1].startswith("trial 1 (")
    assert "0:41 of 0:41" in err and "8200 samples" in err and "\r" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--subject", "9"], "no subject 9 .*subjects found: 1-6"),
        (["--subject", "1", "--trials", "30"], "no trial 30; trials found: 1-24"),
        (["--subject", "1", "--trials", "x"], "bad --trials list 'x'"),
        (["--subject", "1", "--sfreq", "100"], "--sfreq applies to --file"),
        ([], "needs --subject"),
    ],
    ids=["subject", "trial", "trial-list", "sfreq", "no-subject"],
)
def test_bad_dataset_options_exit_2(
    synthetic_seed_iv_small: Path,
    capsys: pytest.CaptureFixture,
    argv: list,
    message: str,
) -> None:
    base = ["replay", "--dataset", "seed-iv", "--root", str(synthetic_seed_iv_small)]
    assert main(base + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("eegstream replay: error: ")
    assert len(err.strip().splitlines()) == 1
    assert re.search(message, err)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--file", "no/such.edf"], "EEG file not found"),
        (["--file", "x.edf", "--subject", "1"], "--subject apply to --dataset"),
        (["--dataset", "seed"], "needs --root and --subject"),
    ],
    ids=["missing-file", "file-with-subject", "no-root"],
)
def test_bad_options_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, argv: list, message: str
) -> None:
    (tmp_path / "x.edf").write_bytes(b"")
    argv = [a if a != "x.edf" else str(tmp_path / a) for a in argv]
    assert main(["replay", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_name_in_use_exits_2(
    unique_id: str, realdata: Path, capsys: pytest.CaptureFixture
) -> None:
    other = pylsl.StreamOutlet(
        pylsl.StreamInfo(unique_id, "EEG", 2, 100, pylsl.cf_float32, "another-amp")
    )
    argv = ["replay", "--file", str(realdata / "S001R03.edf"), "--name", unique_id]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "already used by a visible stream" in err and "another-amp" in err
    # Only the other stream carries the name: nothing of ours was left open.
    assert [s.source_id() for s in pylsl.resolve_byprop("name", unique_id, 2, 0.3)] == [
        "another-amp"
    ]
    del other


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"]
)
def test_a_signal_ends_the_replay_cleanly(
    unique_id: str, realdata: Path, signum: int
) -> None:
    path = realdata / "S001R03.edf"
    argv = [sys.executable, "-m", "eegstream", "replay", "--file", str(path)]
    argv += ["--loop", "--wait", "--name", unique_id]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        found = pylsl.resolve_byprop("name", unique_id, 1, 30)
        assert found, "the replay's stream never appeared"
        assert found[0].channel_count() == 64 and found[0].nominal_srate() == 160
        inlet = pylsl.StreamInlet(found[0])
        data, _ = inlet.pull_chunk(timeout=5.0, max_samples=80)
        inlet.close_stream()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # --wait: the inlet gets the file from its first sample.
    assert len(data) == 80
    expected = file_source(path).segments[0].load()[:, :80].T
    np.testing.assert_allclose(data, expected, rtol=1e-6)
    assert proc.returncode == 0, err
    assert f"'{unique_id}'" in out and "64 channels" in out
    assert "stopped" in err
    assert pylsl.resolve_byprop("name", unique_id, 1, 0.3) == []
    assert pylsl.resolve_byprop("name", f"{unique_id}-markers", 1, 0.3) == []
