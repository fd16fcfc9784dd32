"""The --artifacts policy: the pure rule, the pipeline over real EEG, the command line.

The model is UNTRAINED (its probabilities mean nothing); what is checked is
which reading is shown, held or marked, and when.
"""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pylsl
import pytest
from _pipeline_helpers import PlainSource, stop_all
from _realdata import run3

from eegstream.cli import _options as cli_options
from eegstream.cli import main
from eegstream.montage import SEED_CHANNELS, map_channels
from eegstream.pipeline import FilePipeline, LivePipeline
from eegstream.pipeline.results import StepResult
from eegstream.protocol import held_name
from eegstream.quality import (
    ARTIFACT_POLICIES,
    DEFAULT_POLICY,
    ArtifactFlag,
    ArtifactPolicy,
    BadChannel,
    StepQuality,
    faults,
)

CLASSES = ("neutral", "sad", "fear", "happy")
CLEAN = StepQuality()
MUSCLE = StepQuality(flags=(ArtifactFlag("muscle", ("T7", "T8")),))
UNRELIABLE = StepQuality(
    bad=(BadChannel("O1", ("flat",)),), reliable=False, note="7 of 62 missing or bad"
)
TEMPORAL = ("FT7", "FT8", "T7", "T8", "TP7", "TP8")


def _step(t: float, quality: StepQuality | None) -> StepResult:
    rng = np.random.default_rng(int(t))
    probs = rng.dirichlet(np.ones(len(CLASSES)))
    return StepResult(t, probs, CLASSES, np.zeros((62, 5)), 0.0, True, quality=quality)


def _shown(policy: str, qualities) -> tuple[list[StepResult], list]:
    steps = [_step(float(t), q) for t, q in enumerate(qualities)]
    apply = ArtifactPolicy(policy).apply
    return steps, [apply(s) for s in steps]


def test_hold_keeps_the_last_clean_reading_while_contaminated_and_resumes():
    steps, shown = _shown("hold", [CLEAN, CLEAN, MUSCLE, UNRELIABLE, CLEAN])
    for i in (0, 1, 4):
        assert not shown[i].held and not shown[i].contaminated
        np.testing.assert_array_equal(shown[i].probabilities, steps[i].probabilities)
    for i in (2, 3):
        assert shown[i].held and shown[i].contaminated
        np.testing.assert_array_equal(shown[i].probabilities, steps[1].probabilities)
        assert shown[i].timestamp == 1.0 and shown[i].since == 2.0
    assert shown[2].reason == "muscle T7 T8"
    assert shown[3].reason == "7 of 62 missing or bad"
    assert shown[3].describe() == "held 2 s: 7 of 62 missing or bad"  # step 1's
    assert shown[4].describe() == "" and shown[4].since is None
    logged = shown[3].to_dict()
    assert logged["held"] and logged["since"] == 2.0 and logged["held_from"] == 1.0
    assert logged["probabilities"] == steps[1].probabilities.tolist()


def test_flag_shows_every_reading_marked_but_holds_an_unreliable_one():
    steps, shown = _shown("flag", [CLEAN, MUSCLE, UNRELIABLE, MUSCLE])
    assert not shown[0].contaminated
    for i in (1, 3):  # a flagged but reliable step: its own reading, marked
        assert shown[i].contaminated and not shown[i].held
        np.testing.assert_array_equal(shown[i].probabilities, steps[i].probabilities)
        assert shown[i].describe() == "contaminated: muscle T7 T8"
    # Unreliable: the last reliable reading (the flagged step 1), held.
    assert shown[2].held
    np.testing.assert_array_equal(shown[2].probabilities, steps[1].probabilities)


def test_nothing_to_hold_yet_shows_the_reading_marked_and_off_shows_it_plain():
    steps, shown = _shown("hold", [MUSCLE, CLEAN])
    assert shown[0].contaminated and not shown[0].held
    np.testing.assert_array_equal(shown[0].probabilities, steps[0].probabilities)
    _, off = _shown("off", [None, None])
    assert not any(s.contaminated or s.held for s in off)
    assert off[0].to_dict() == {"policy": "off", "held": False}


def test_the_command_line_offers_the_library_s_policies():
    assert cli_options.ARTIFACT_POLICIES == ARTIFACT_POLICIES
    assert cli_options.DEFAULT_ARTIFACTS == DEFAULT_POLICY


@pytest.mark.parametrize("command", ["run", "live", "demo"])
def test_an_unknown_policy_is_one_line_naming_the_flag_and_exit_2(command, capsys):
    args = [command, "--artifacts", "drop"]
    if command != "demo":
        args += ["--model", "no-such-model"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--artifacts 'drop'" in err and "flag, hold, off" in err


def test_help_states_the_default_and_its_figures(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--artifacts {flag,hold,off}" in text
    assert f"Default {DEFAULT_POLICY}" in text and "bench_policy" in text


# -- the pipeline over real EEG --------------------------------------------------
@pytest.fixture(scope="module")
def real(realdata):
    """The first 40 s of run 3 with 40 µV muscle bursts on the temporal sites.

    Bursts from 12 to 22 s; the recording: 64 channels at 160 Hz.
    """
    rec = run3(realdata)
    index, _ = map_channels(rec.ch_names)
    rows = [int(index[SEED_CHANNELS.index(n)]) for n in TEMPORAL]
    data, bursts = faults.muscle_bursts(
        rec.data[:, : 40 * 160], rows, 160.0, start_s=12.0, duration_s=10.0
    )
    assert bursts == [(12.0, 22.0)]
    return dataclasses.replace(rec, data=data)


def _file_steps(ckpt, rec, policy, tmp_path):
    log = tmp_path / f"{policy}.jsonl"
    FilePipeline(ckpt, rec, log_path=log, device="cpu", artifacts=policy).run()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    header = records[0]
    assert header["type"] == "session_start" and header["artifacts"] == policy
    return [r for r in records if r["type"] == "step"]


def test_flag_marks_the_burst_steps_in_the_log(tiny_checkpoint, real, tmp_path):
    steps = _file_steps(tiny_checkpoint, real, "flag", tmp_path)
    muscle = [
        s for s in steps if any(f["kind"] == "muscle" for f in s["quality"]["flags"])
    ]
    assert muscle, "no step of the burst was flagged"
    assert all(12.0 < s["time"] < 22.0 + 4.0 for s in muscle)  # windows on the burst
    for s in steps:  # every step's own reading, marked when it is not clean
        q = s["quality"]
        dirty = bool(q["flags"]) or not q["reliable"]
        assert s["shown"]["held"] is False
        assert s["shown"].get("contaminated", False) is dirty
        if dirty:
            assert "muscle" in s["shown"]["reason"] or s not in muscle


def test_off_runs_without_checks(tiny_checkpoint, real, tmp_path):
    steps = _file_steps(tiny_checkpoint, real, "off", tmp_path)
    assert steps and all(s["quality"] is None for s in steps)
    assert all(s["shown"] == {"policy": "off", "held": False} for s in steps)


def test_hold_holds_on_screen_and_outlet_while_the_burst_lasts(
    tiny_checkpoint, real, unique_id
):
    """Real LSL: the held outlet carries the shown reading, the raw one every step."""
    source = PlainSource(unique_id, real.data, 160.0, real.ch_names, speed=8.0)
    pipe = held = raw = None
    try:
        pipe = LivePipeline(
            tiny_checkpoint, stream=unique_id, device="cpu", artifacts="hold"
        )
        q = pipe.start().subscribe(maxsize=1024)
        held = pylsl.StreamInlet(pylsl.resolve_byprop("name", held_name(unique_id))[0])
        raw = pylsl.StreamInlet(
            pylsl.resolve_byprop("name", f"{unique_id}-probabilities")[0]
        )
        held.open_stream(5.0)
        raw.open_stream(5.0)
        source.start()
        source.wait(60.0)
        deadline = time.monotonic() + 20.0
        steps: list[StepResult] = []
        while time.monotonic() < deadline and len(steps) < 37:  # 40 s: 37 steps
            steps += [q.get(timeout=20.0)]
        held_out = _pull(held)
        raw_out = _pull(raw)
    finally:
        for inlet in (held, raw):
            if inlet is not None:
                inlet.close_stream()
        stop_all(pipe, source)
    # Seconds into the recording (the source plays at 8x: LSL times are compressed).
    times = 4.0 + np.arange(len(steps))
    clean = np.array([s.quality.clean for s in steps])
    muscle = np.array([s.quality.flagged("muscle") for s in steps])
    assert muscle.any() and (times[muscle] > 12.0).all()  # on the burst only
    last_clean = None
    for s, ok in zip(steps, clean, strict=True):
        if ok:
            last_clean = s
        expect = s if ok or last_clean is None else last_clean
        assert s.shown.held is (expect is not s)
        np.testing.assert_array_equal(s.shown.probabilities, expect.probabilities)
    assert all(
        s.shown.held and "muscle" in s.shown.reason for s in np.array(steps)[muscle]
    )
    after = [s for s, t, ok in zip(steps, times, clean, strict=True) if ok and t > 26]
    assert after, "no clean step after the burst"
    assert not after[0].shown.held  # resumed
    for s in steps:  # what LSL consumers got, stamp by stamp
        if s.timestamp in held_out:
            np.testing.assert_allclose(
                held_out[s.timestamp], s.shown.probabilities, rtol=1e-6
            )
        if s.timestamp in raw_out:
            np.testing.assert_allclose(raw_out[s.timestamp], s.probabilities, rtol=1e-6)
    assert any(s.shown.held and s.timestamp in held_out for s in steps)
    assert len(raw_out) >= len(steps) - 2  # the raw outlet: every step


def _pull(inlet: pylsl.StreamInlet) -> dict[float, np.ndarray]:
    samples, stamps = inlet.pull_chunk(timeout=1.0, max_samples=1000)
    return {float(t): np.array(x) for x, t in zip(samples, stamps, strict=True)}


def test_the_console_line_shows_the_held_reading_and_why():
    from eegstream.pipeline.console import status_line
    from eegstream.pipeline.results import Health

    health = Health(
        "ok", "Cap", "sid", 160.0, 160.0, 1600, 0, 0, 0.003, 0.005, "cpu", "tiny"
    )
    policy = ArtifactPolicy("hold")
    clean = _step(1.0, CLEAN)
    policy.apply(clean)
    dirty = _step(4.0, MUSCLE)
    dirty = dataclasses.replace(dirty, shown=policy.apply(dirty))
    line = status_line(health, dirty, cold=0, seq_len=60, elapsed=10.0)
    top = CLASSES[int(np.argmax(clean.probabilities))]
    assert f" {top.upper()} (" in line  # the held reading, not the step's own
    assert f"{clean.probabilities[0]:.2f}" in line
    assert "signal: held 3 s: muscle T7 T8" in line
