"""``eegstream check`` and the quality outlet: real LSL, real EEG, planted faults."""

from __future__ import annotations

import mne
import numpy as np
import pylsl
import pytest
from _cli import help_text
from _pipeline_helpers import PlainSource, stop_all, wait_until

from eegstream.cli import main
from eegstream.files.reading import load_recording
from eegstream.montage import normalize_name
from eegstream.pipeline import LivePipeline, read_log
from eegstream.protocol import quality_name
from eegstream.quality import ARTIFACT_KINDS, faults

pytestmark = pytest.mark.lsl

#: The logistic-regression demo model: fast on the CPU; it allows 6 channels
#: missing or bad, and the PhysioNet caps lack 4 of its (PO5, PO6, CB1, CB2).
MODEL = "demo-seed-iv-logreg"
#: Dropped from the recordings as well, so 6 are missing: one bad channel more
#: is one too many, and the check must fail on it.
DROPPED = ("PO7", "PO8")
SFREQ = 160.0


@pytest.fixture(scope="module")
def eeg(realdata):
    """Labels and µV of real run 3 (first 60 s), without the DROPPED channels."""
    rec = load_recording(realdata / "S001R03.edf", sfreq=None, seed_order=False)
    keep = [i for i, n in enumerate(rec.ch_names) if normalize_name(n) not in DROPPED]
    labels = [rec.ch_names[i] for i in keep]
    assert len(labels) == 62 and rec.sfreq == SFREQ
    return labels, rec.data[keep, : int(60 * SFREQ)]


def _row(labels: list[str], name: str) -> int:
    return [normalize_name(n) for n in labels].index(name)


def _check_argv(stream: str, *options: str) -> list[str]:
    argv = ["check", "--model", MODEL, "--stream", stream, "--device", "cpu"]
    return [*argv, "--quiet", "--timeout", "10", *options]


def test_help_lists_every_option(capsys):
    out = help_text("check", capsys)
    for flag in ("--stream", "--type", "--source-id", "--seconds", "--model", "--png"):
        assert flag in out
    assert "--file" in out and "Exit status 0" in out


@pytest.mark.parametrize("flat", [True, False], ids=["flat-O1", "clean"])
def test_check_fails_on_a_flat_channel_the_model_needs(
    eeg, flat, unique_id, tmp_path, capsys
):
    labels, data = eeg
    data = data[:, : int(20 * SFREQ)]
    if flat:
        data = faults.flat(data, [_row(labels, "O1")])
    source = PlainSource(unique_id, data, SFREQ, labels, speed=20.0).start()
    png = tmp_path / "map.png"
    try:
        code = main(_check_argv(unique_id, "--seconds", "10", "--png", str(png)))
    finally:
        stop_all(source)
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line}
    assert rows["O1"][1:3] == (["flat", "no"] if flat else ["ok", "yes"])
    assert float(rows["O1"][4]) < 1.0 if flat else float(rows["O1"][4]) > 5.0
    for name in DROPPED:
        assert rows[name][1] == "missing"
    if flat:
        assert code == 1
        assert "fix: O1 flat: check the electrode's contact / gel" in out
        assert "FAIL: 7 of the model's channels missing or bad" in out
    else:
        assert code == 0 and "PASS: 6 of the model's channels" in out
    # The scalp map: a whole PNG, written atomically (no temporary file left).
    head = png.read_bytes()[:8]
    assert head == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    assert matplotlib.image.imread(png).shape[2] in (3, 4)
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]


def test_check_file_names_planted_faults(eeg, tmp_path, capsys):
    """A flat O1, a railed T7 (marked bad) and a popping C3 (usable) in a FIF file."""
    labels, data = eeg
    data = faults.flat(data, [_row(labels, "O1")])
    data = faults.railed(data, [_row(labels, "T7")])
    data = faults.popping(data, [_row(labels, "C3")], SFREQ)  # a step every 7 s
    path = tmp_path / "faults_raw.fif"
    info = mne.create_info(labels, SFREQ, "eeg")
    mne.io.RawArray(data * 1e-6, info, verbose="error").save(path)
    argv = ["check", "--model", MODEL, "--file", str(path), "--device", "cpu"]
    code = main([*argv, "--quiet"])
    out = capsys.readouterr().out
    assert code == 1, out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line}
    assert rows["O1"][1:3] == ["flat", "no"] and rows["T7"][1:3] == ["railed", "no"]
    # Pops in 7 of 60 segments (from 14 s on, once the baseline is learnt):
    # too rare to mark it bad, frequent enough to name.
    assert rows["C3"][1:3] == ["jumps", "yes"] and 10 <= int(rows["C3"][3]) <= 15
    assert "fix: O1 flat: check the electrode's contact / gel" in out
    assert "fix: T7 railed: the amplifier input is saturated" in out
    assert "FAIL: 8 of the model's channels missing or bad" in out
    # The per-minute table: one minute, O1 and T7 marked bad in it.
    minute = out.split("minute ")[1].splitlines()
    assert minute[0].split()[:4] == ["segments", "muscle", "%", "movement"]
    assert minute[1].split()[:2] == ["0", "60"] and minute[1].split()[-2:] == [
        "T7",
        "O1",
    ]


def test_quality_outlet_agrees_with_the_session_log(eeg, unique_id, tmp_path):
    """Each quality sample is the log's step quality, at the same timestamp."""
    labels, data = eeg
    data = faults.flat(data[:, : int(30 * SFREQ)], [_row(labels, "O1")])  # 7 out
    log = tmp_path / "s.jsonl"
    source = PlainSource(unique_id, data, SFREQ, labels, speed=4.0).start()
    pipe = LivePipeline(MODEL, stream=unique_id, device="cpu", log_path=log)
    inlet = None
    try:
        pipe.start()
        info = pylsl.resolve_byprop("name", quality_name(unique_id), 1, 5.0)
        assert info, "no quality outlet"
        inlet = pylsl.StreamInlet(info[0])
        full = inlet.info(5.0)
        assert full.type() == "Quality" and full.source_id() == quality_name(unique_id)
        channels = full.get_channel_labels()
        samples: list = []
        stamps: list = []

        def pulled() -> bool:
            chunk, ts = inlet.pull_chunk(timeout=0.2)
            samples.extend(chunk)
            stamps.extend(ts)
            return len(samples) >= 15

        wait_until(pulled, 30.0)
    finally:
        if inlet is not None:
            inlet.close_stream()
            del inlet
        stop_all(pipe, source)
    records = read_log(log)
    model_channels = records[0]["channels"]["missing"]
    assert set(DROPPED) <= set(model_channels)
    logged = [r for r in records if r["type"] == "step"]
    times = np.array([r["time"] for r in logged])
    kinds = list(ARTIFACT_KINDS)
    assert channels[-4:] == [*kinds, "reliable"] and "O1" in channels
    n_model = len(channels) - len(kinds) - 1
    matched = 0
    for sample, stamp in zip(samples, stamps, strict=True):
        # Each sample is a logged step (the log rounds times to the microsecond).
        (at,) = np.flatnonzero(np.abs(times - stamp) < 1e-5)
        quality = logged[at]["quality"]
        expected = np.zeros(len(channels))
        for name in model_channels:
            expected[channels.index(name)] = 2
        for bad in quality["bad"]:
            expected[channels.index(bad["name"])] = 1
        for flag in quality["flags"]:
            expected[n_model + kinds.index(flag["kind"])] = 1
        expected[-1] = quality["reliable"]
        np.testing.assert_array_equal(sample, expected)
        matched += 1
    o1 = channels.index("O1")
    states = np.array(samples)
    # O1 marked from its third second on, so every step holds it bad and
    # unreliable: 6 missing + 1 bad, the model allows 6.
    assert matched >= 15 and (states[:, o1] == 1).all() and (states[:, -1] == 0).all()


def test_check_refuses_bad_input_in_one_line(realdata, tmp_path, capsys):
    garbage = tmp_path / "broken.edf"
    garbage.write_bytes(b"0       not an EDF header" * 20)
    edf = str(realdata / "S001R01_eyes_open_60s.edf")
    png = tmp_path / "never.png"
    cases = [
        (
            ["--stream", "eegstream-test-no-such-stream", "--timeout", "0.5"],
            "no LSL stream with name",
        ),
        (["--stream", "x", "--seconds", "0"], "--seconds must be a finite number > 0"),
        (["--stream", "x", "--seconds", "-3"], "--seconds must be a finite number > 0"),
        (["--file", str(garbage)], "cannot read broken.edf as EEG"),
        (["--file", str(tmp_path / "gone.edf")], "EEG file not found"),
        (["--file", edf, "--stream", "Cap"], "--stream applies to a live LSL stream"),
        (["--file", edf, "--seconds", "5"], "--seconds applies to a live LSL"),
        (["--stream-name", "EEG"], "--stream-name picks the EEG stream of an .xdf"),
        (["--file", edf, "--png", str(tmp_path / "map.jpg")], "must name a .png"),
    ]
    for options, message in cases:
        argv = ["check", "--model", MODEL, "--device", "cpu", "--quiet"]
        extra = [] if "--png" in options else ["--png", str(png)]
        assert main([*argv, *options, *extra]) == 2, options
        captured = capsys.readouterr()
        err = captured.err.strip()
        assert len(err.splitlines()) == 1 and message in err, err
        assert err.startswith("eegstream check: error: ") and "Traceback" not in err
        assert not png.exists() and not captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.edf"]


def test_quality_row_states_flags_and_reliability():
    """One sample of the quality outlet, from a step's record and the plan."""
    from eegstream.montage import SEED_CHANNELS
    from eegstream.pipeline import plan_channels
    from eegstream.pipeline.outlets import quality_labels, quality_row
    from eegstream.quality import ArtifactFlag, BadChannel, StepQuality

    labels = [c for c in SEED_CHANNELS if c not in DROPPED]
    plan, _ = plan_channels(
        labels, len(labels), checkpoint_channels=SEED_CHANNELS, max_missing=6
    )
    names = quality_labels(plan.channels)
    assert names[-4:] == ["muscle", "movement", "eye", "reliable"]
    # Checks off: the missing channels only, no flags, reliable.
    off = dict(zip(names, quality_row(None, plan), strict=True))
    assert {n for n, v in off.items() if v} == {*DROPPED, "reliable"}
    assert off["PO7"] == 2
    step = StepQuality(
        bad=(BadChannel("O1", ("flat",)),),
        flags=(ArtifactFlag("muscle", ("T7", "T8")),),
        reliable=False,
        note="7 of the model's channels missing or bad",
    )
    row = dict(zip(names, quality_row(step, plan), strict=True))
    assert row["O1"] == 1 and row["PO8"] == 2 and row["OZ"] == 0
    assert (row["muscle"], row["movement"], row["eye"], row["reliable"]) == (1, 0, 0, 0)
