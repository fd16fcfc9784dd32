"""``eegstream demo`` end to end: synthetic session, replay over LSL, live pipeline.

Everything here is SYNTHETIC EEG; the test checks that the system runs and
reports, not how accurate it is.
"""

from __future__ import annotations

import json
import sys

import pytest

from eegstream.cli import main
from eegstream.datasets import open_dataset
from eegstream.demo import DEMO_DATASET, DEMO_SUBJECT, prepare_session

pytestmark = [pytest.mark.lsl, pytest.mark.slow]
# 4 s at three times real time: 12 s of the session, several steps, all labelled.
FAST = ["--seconds", "4", "--speed", "3"]


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory):
    """The demo's synthetic session, generated once: every demo here reuses it."""
    return prepare_session(tmp_path_factory.mktemp("demo") / "session")


def test_demo_falls_back_to_the_console_and_summarises(
    session_dir, tmp_path, capsys, monkeypatch
):
    # A display whose Qt platform plugin cannot load (as xcb without
    # libxcb-cursor0), simulated by a platform that does not exist.
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "nosuchplatform")
    log = tmp_path / "demo.jsonl"
    code = main(
        ["demo", *FAST, "--session-dir", str(session_dir), "--log", str(log)]
    )  # fmt: skip
    assert code == 0
    out, err = capsys.readouterr()
    if sys.platform not in ("win32", "darwin"):
        (line,) = [x for x in err.splitlines() if "dashboard cannot open" in x]
        assert "sudo apt-get install libxcb-cursor0" in line
        assert line.endswith("showing the console view")
    assert "SYNTHETIC EEG" in out
    assert "eegstream demo: summary" in out
    assert "0 samples lost" in out and "latency p50" in out
    assert "accuracy against markers" in out
    assert "onset (first 60 s of a trial)" in out  # 12 s: no steady state yet
    assert "steady state" not in out
    records = [json.loads(line) for line in log.read_text().splitlines()]
    steps = [r for r in records if r["type"] == "step"]
    # 12 s of the session with 4 s windows and a 1 s hop: several steps, all labelled.
    assert len(steps) >= 5
    assert {s["true_label"] for s in steps} <= {"neutral", "sad", "fear", "happy"}
    assert records[-1]["type"] == "session_end"
    assert records[-1]["summary"]["samples_lost"] == 0


def test_demo_session_is_a_held_out_synthetic_subject(session_dir, capsys):
    dataset = open_dataset(DEMO_DATASET, session_dir)
    assert dataset.synthetic and dataset.subjects == [DEMO_SUBJECT]
    capsys.readouterr()
    assert prepare_session(session_dir) == session_dir
    assert "generating" not in capsys.readouterr().out  # reused, not regenerated
    from eegstream.model import load_checkpoint, resolve_model

    meta = load_checkpoint(resolve_model("demo-seed-iv")).meta
    assert DEMO_SUBJECT not in meta.dataset.subjects


def test_demo_refuses_a_model_of_other_classes(tmp_path, capsys):
    from eegstream.model._testing import untrained_checkpoint

    seed_model = untrained_checkpoint(
        tmp_path / "seed.safetensors", classes=("negative", "neutral", "positive")
    )
    code = main(["demo", "--view", "console", "--model", str(seed_model),
                 "--session-dir", str(tmp_path / "s")])  # fmt: skip
    assert code == 2
    assert "the demo session is seed-iv" in capsys.readouterr().err


def test_demo_on_a_headset_plays_its_channels_with_its_model(
    session_dir, tmp_path, capsys
):
    log = tmp_path / "demo.jsonl"
    code = main(
        ["demo", "--headset", "emotiv-epoc", "--view", "console", *FAST,
         "--session-dir", str(session_dir), "--log", str(log)]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC EEG" in out and "Emotiv EPOC" in out
    records = [json.loads(line) for line in log.read_text().splitlines()]
    start = records[0]
    assert start["model"]["name"] == "demo-seed-iv-emotiv-epoc"
    assert start["stream"]["channel_count"] == 14
    assert start["stream"]["nominal_rate"] == 128.0
    assert start["channels"]["missing"] == [] and start["channels"]["ignored"] == []
    steps = [r for r in records if r["type"] == "step"]
    assert len(steps) >= 5
    assert all(len(s["band_power"]) == 14 for s in steps)


def test_demo_names_the_presets_for_an_unknown_headset(capsys):
    assert main(["demo", "--headset", "muse-2", "--view", "console"]) == 2
    err = capsys.readouterr().err.strip()
    assert "presets: emotiv-epoc, openbci-16" in err and len(err.splitlines()) == 1
