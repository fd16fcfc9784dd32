"""Calibration from a live session: record the first seconds, fit, switch.

Real LSL over loopback and the real LabRecorderCLI. The calibration itself
(``eegstream.calibration.calibrate``) is stood in for by a function that
reads the recording's labelled segments and writes an UNTRAINED personal
checkpoint: what is tested here is the live side (recording, background
fit, switch, log, console), not the adaptation.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from _pipeline_helpers import collect, personal_checkpoint

from eegstream import EEGStreamError
from eegstream.calibration import wearer_session
from eegstream.cli import main
from eegstream.datasets.recordings import open_recordings
from eegstream.model._testing import SEED_IV_CLASSES as CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import (
    Health,
    LivePipeline,
    ModelSwitch,
    PersonalModel,
    read_log,
)
from eegstream.pipeline.console import status_line, switch_line
from eegstream.replay import Player, array_source

pytestmark = [pytest.mark.lsl, pytest.mark.usefixtures("labrecorder_config")]
TRIAL_S = 3


def _replay(name: str, n_trials: int, *, hold: bool = False) -> Player:
    """SYNTHETIC labelled trials of TRIAL_S s, classes in turn, at 4x speed."""
    rng = np.random.default_rng(1)
    trials = [10 * rng.standard_normal((62, TRIAL_S * 200)) for _ in range(n_trials)]
    labels = [CLASSES[i % len(CLASSES)] for i in range(n_trials)]
    source = array_source(
        trials, 200.0, SEED_CHANNELS, labels=labels, classes=CLASSES, synthetic=True
    )
    return Player(
        source,
        name=name,
        speed=4.0,
        resolve_timeout=0.2,
        wait_for_consumer=True,
        hold=hold,
    ).start()


def _library(calibrate, wearers=None) -> wearer_session.PersonalLibrary:
    """The calls --wearer/--calibrate make: a stand-in calibrate, the real store."""
    if wearers is None:
        return wearer_session.PersonalLibrary(calibrate, None, None, None)
    return wearer_session.PersonalLibrary(
        calibrate,
        wearers.load_wearer,
        wearers.save_normaliser_state,
        wearers.wearer_dir,
    )


def _result(checkpoint: Path | None, improves: bool = True) -> SimpleNamespace:
    """What eegstream.calibration.calibrate returns, as far as the live side reads."""
    verdict = "stand-in: not a measured estimate"
    return SimpleNamespace(
        checkpoint=checkpoint,
        improves=improves,
        estimate=SimpleNamespace(
            verdict=lambda: verdict,
            test=SimpleNamespace(p_value=0.01 if improves else 0.4),
        ),
    )


def _run(model: Path, stream: str, log: Path, *options: str) -> int:
    """``eegstream run`` in this process, quiet, on the CPU."""
    return main(
        ["run", "--model", str(model), "--stream", stream, "--device", "cpu"]
        + ["--quiet", "--log", str(log), *options]
    )


@pytest.mark.slow
def test_a_failed_calibration_is_one_line_and_the_session_goes_on(
    tiny_checkpoint, unique_id, tmp_path, caplog
):
    player = _replay(unique_id, 20, hold=True)
    pipe = LivePipeline(
        tiny_checkpoint, stream=unique_id, source_id=player.source_id, device="cpu"
    )
    seen: list = []

    def too_few(xdf: Path) -> PersonalModel:
        seen.append(open_recordings([xdf]))  # the recording's labelled segments
        raise EEGStreamError("the recording holds 1 labelled segment of 1 class")

    try:
        results = pipe.subscribe()
        pipe.start()
        failing = pipe.start_calibration(4, too_few, tmp_path / "first.xdf")
        assert pipe.health().calibration == "recording 0/4 s"
        with pytest.raises(EEGStreamError, match="already under way"):
            pipe.start_calibration(4, too_few, tmp_path / "again.xdf")
        player.release()  # LabRecorder collects: the calibration starts at sample 0
        assert failing.wait(60)
        before = len(collect(results, lambda r: False, timeout=0.2))
        after = collect(results, lambda r: len(r) >= 2)  # the stream goes on
        health = pipe.health()
    finally:
        pipe.stop()
        player.stop()
    assert failing.state == "failed" and "\n" not in failing.error
    (warning,) = [r.getMessage() for r in caplog.records if "failed" in r.msg]
    assert warning == (
        "live calibration failed: the recording holds 1 labelled segment of 1 "
        "class; the session goes on with its model"
    )
    assert health.error is None and health.model_name == "tiny"
    assert health.calibration is None and not health.personal
    assert before > 0 and len(after) == 2 and not pipe.switches
    # The recording began with the replay's first trial and went on past 4 s
    # to the end of the second: both whole.
    assert failing.recording.samples(unique_id) >= 2 * TRIAL_S * 200
    (dataset,) = seen
    first, second = dataset.trials[:2]
    assert (first.label_name, second.label_name) == ("neutral", "sad")
    assert first.duration_s == second.duration_s == pytest.approx(TRIAL_S, abs=0.01)


@pytest.mark.slow
def test_run_calibrates_in_the_background_and_switches_without_a_gap(
    tiny_checkpoint, unique_id, tmp_path, monkeypatch, capsys
):
    calls = []

    def calibrate(base, recordings, label_map, *, out, wearer=None, progress=True, **_):
        calls.append((base, label_map, out, wearer, progress))
        assert open_recordings(recordings).trials  # labelled EEG
        path = personal_checkpoint(tmp_path / f"{out}.safetensors", wearer="alice")
        return _result(path)

    monkeypatch.setattr(wearer_session, "personal_library", lambda: _library(calibrate))
    player = _replay(unique_id, 60)  # longer than LabRecorder may take to start
    log, xdf = tmp_path / "run.jsonl", tmp_path / "calibration.xdf"
    try:
        code = _run(tiny_checkpoint, unique_id, log, "--calibrate", "4",
                    "--seconds", "10", "--calibration-record", str(xdf),
                    "--personal-model", "alice-live")  # fmt: skip
    finally:
        player.stop()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert calls == [(str(tiny_checkpoint), None, "alice-live", None, False)]
    assert f"calibrating on the next 4 s of labelled EEG (recording {unique_id}" in out
    records = read_log(log)
    (model,) = [r for r in records if r["type"] == "model"]
    k = model["step"]
    assert (
        f"switched to model alice-live (personal model of wearer alice) from step {k}"
        " after live calibration" in out
    )
    assert "live calibration: stand-in: not a measured estimate" in out  # summary
    states = [r["state"] for r in records if r["type"] == "calibration"]
    assert states == ["recording", "recorded", "switched"]
    (switch,) = [r for r in records if r.get("state") == "switched"]
    assert switch["p_value"] == 0.01  # the gain test's p, logged with the switch
    assert model["reason"] == "live calibration" and model["wearer"] == "alice"
    # No step lost: every step logged, numbered in turn, one hop apart.
    steps = [r for r in records if r["type"] == "step"]
    assert [r["step"] for r in steps] == list(range(len(steps))) and len(steps) > k
    hops = np.diff([r["time"] for r in steps])
    np.testing.assert_allclose(hops, hops[0], rtol=1e-3)
    assert records.index(model) < records.index(steps[k])
    assert records[-1]["summary"]["model"] == "alice-live"


def test_the_live_calibrate_function_refuses_a_model_that_does_not_gain(tmp_path):
    made = personal_checkpoint(tmp_path / "p.safetensors", wearer="P07")
    seen = {}

    def calibrate(base, recordings, label_map, *, out, wearer=None, **kwargs):
        seen.update(kwargs)
        return _result(None if wearer == "P08" else made, improves=wearer == "P07")

    record, label_map = tmp_path / "cal.xdf", tmp_path / "map.toml"
    session = wearer_session.personal_session(
        "base", calibrate_s=60.0, calibration_record=record, label_map=label_map,
        alpha=0.1, markers=["Stim"], library=_library(calibrate),
    )  # fmt: skip
    assert session.model == "base" and session.recording == record
    with pytest.raises(EEGStreamError, match="stand-in") as err:
        session.calibrate(record)
    # --alpha and --markers reach the calibration and its command line.
    assert seen["alpha"] == 0.1 and seen["markers"] == ["Stim"]
    assert "\n" not in str(err.value)
    assert (
        f"`eegstream calibrate --model base --recording {record} --out "
        f"base-personal-" in str(err.value)
    )
    assert f"--label-map {label_map} --alpha 0.1 --markers Stim --force`" in str(
        err.value
    )


def test_calibrate_options_are_checked_before_anything_starts(tmp_path):
    library = wearer_session.PersonalLibrary(None, None, None, None)
    prepare = wearer_session.personal_session
    with pytest.raises(EEGStreamError, match="--calibrate needs --model"):
        prepare(None, calibrate_s=30.0, library=library)
    with pytest.raises(EEGStreamError, match="calibrate"):
        prepare("base", calibrate_s=-1.0, library=library)
    with pytest.raises(EEGStreamError, match="alpha"):
        prepare("base", calibrate_s=30.0, alpha=0.7, library=library)
    taken = tmp_path / "taken.xdf"
    taken.write_bytes(b"")
    with pytest.raises(EEGStreamError, match="already exists"):
        prepare("base", calibrate_s=30.0, calibration_record=taken, library=library)


def test_live_and_run_take_alpha_for_their_calibration(capsys):
    for command in ("run", "live"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--alpha ALPHA" in capsys.readouterr().out


def test_status_and_summary_lines_say_calibrating_and_whose_model():
    health = Health(
        state="ok", stream_name="s", source_id="s", nominal_rate=200.0,
        measured_rate=200.0, samples_received=2000, samples_lost=0, gaps=0,
        latency_p50_s=0.002, latency_p99_s=0.004, device="cpu", model_name="base",
        steps=7, calibration="recording 12/60 s",
    )  # fmt: skip
    line = status_line(health, None, cold=0, seq_len=60, elapsed=12.0)
    assert "calibrating for the wearer: recording 12/60 s" in line
    switched = Health(**{**health.to_dict(), "calibration": None, "personal": True,
                         "wearer": "alice", "model_name": "alice-live"})  # fmt: skip
    line = status_line(switched, None, cold=0, seq_len=60, elapsed=80.0)
    assert "personal model of alice" in line and "calibrating" not in line
    switch = ModelSwitch(61, "alice-live", "/m/alice-live.safetensors", "base",
                         "alice", "live calibration")  # fmt: skip
    assert switch_line(switch) == (
        "switched to model alice-live (personal model of wearer alice) from step 61 "
        "after live calibration"
    )


@pytest.mark.slow
def test_a_wearer_is_found_again_by_name_with_model_and_statistics(
    tiny_checkpoint, unique_id, tmp_path, monkeypatch, capsys
):
    """--wearer: a later session starts calibrated and carries the statistics on."""
    wearers = pytest.importorskip("eegstream.wearers")  # the calibration branch's
    monkeypatch.setenv("EEGSTREAM_WEARERS", str(tmp_path / "wearers"))
    monkeypatch.setattr(
        wearer_session, "personal_library", lambda: _library(None, wearers)
    )
    # What `eegstream calibrate ... --wearer alice` stores.
    personal = personal_checkpoint(tmp_path / "alice.safetensors", wearer="alice")
    wearers.save_wearer_model("alice", personal, base="tiny")
    counts = []
    for visit in range(2):
        name, log = f"{unique_id}-{visit}", tmp_path / f"visit{visit}.jsonl"
        player = _replay(name, 20)
        try:  # 2 s: steps even on a loaded machine (1 s once gave none)
            code = _run(tiny_checkpoint, name, log, "--wearer", "alice",
                        "--seconds", "2")  # fmt: skip
        finally:
            player.stop()
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "wearer alice: starting with their personal model" in out
        assert "wearer alice (personal model)" in out
        assert "saved the normaliser statistics of wearer alice" in out
        records = read_log(log)
        assert records[0]["model"]["wearer"] == "alice"
        assert records[0]["wearer"] == {"name": "alice", "notes": []}
        steps = records[-1]["summary"]["steps"]
        count = np.asarray(wearers.load_wearer("alice").normaliser.count)
        # Every step counted once per feature, on top of the earlier visit's.
        np.testing.assert_array_equal(count, (counts[-1] if counts else 0) + steps)
        counts.append(count)
    assert counts[1][0] > counts[0][0] > 0
