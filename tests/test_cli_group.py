"""``eegstream run`` over several streams: options, bad input, shards, one run."""

from __future__ import annotations

import pytest
from _cli import help_text
from _pipeline_helpers import PlainSource, stop_all, synthetic_eeg, wait_until

from eegstream.cli import main
from eegstream.group import GroupSession, shard_of
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import read_log

pytestmark = pytest.mark.lsl


def test_help_lists_the_group_options(capsys):
    out = help_text("run", capsys)
    for flag in (
        "--all-streams",
        "--wearers",
        "--shard",
        "--tick-wait",
        "--group-outlet",
    ):
        assert flag in out


def _wearers(tmp_path, text):
    path = tmp_path / "w.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--source-id", "a", "--source-id", "a"], "given twice"),
        (["--stream", "a", "--stream", "a"], "given twice"),
        (["--all-streams", "--shard", "3/2"], "--shard 3/2"),
        (["--all-streams", "--shard", "x"], "--shard must be K/N"),
        (["--all-streams", "--wearers", "TOML:[wearers.P1\n"], "cannot read"),
        (
            ["--all-streams", "--wearers", 'TOML:[wearers.P1]\nsource_id="a"\n'
             '[wearers.P2]\nsource_id="a"\n'],
            "a headset has one wearer",
        ),
        (
            ["--all-streams", "--wearers", 'TOML:[wearers.P1]\nsource_id="a"\n'
             'model="no-such-model"\n'],
            "no model 'no-such-model'",
        ),
        (["--source-id", "a", "--source-id", "b", "--wearer", "P1"], "one-stream"),
        (["--source-id", "a", "--source-id", "b", "--calibrate", "-1"],
         "calibrate must be a finite number > 0 s"),
        (["--source-id", "a", "--source-id", "b", "--calibrate", "60"],
         "--calibrate in a group session calibrates the wearers of --wearers"),
    ],
    ids=["source-twice", "name-twice", "shard-range", "shard-form", "toml",
         "two-wearers", "model", "wearer", "calibrate", "calibrate-wearers"],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2_and_nothing_starts(
    tiny_checkpoint, tmp_path, capsys, extra, fragment
):
    extra = [
        _wearers(tmp_path, word[5:]) if word.startswith("TOML:") else word
        for word in extra
    ]
    log = tmp_path / "never.jsonl"
    argv = ["run", "--model", str(tiny_checkpoint), "--device", "cpu"]
    code = main([*argv, *extra, "--log", str(log), "--timeout", "30"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert fragment in err and len(err.splitlines()) == 1, err
    assert not log.exists()


def _sources(names, stream_type="EEG", seconds=12.0):
    return [
        PlainSource(
            name,
            synthetic_eeg(seconds, seed=k),
            200.0,
            SEED_CHANNELS,
            source_id=name,
            stream_type=stream_type,
        ).start()
        for k, name in enumerate(names)
    ]


def test_one_run_classifies_every_wearer_by_name(tiny_checkpoint, unique_id, tmp_path):
    from _pipeline_helpers import personal_checkpoint

    names = [f"{unique_id}-{k}" for k in range(2)]
    own = personal_checkpoint(tmp_path / "w1-own.safetensors", wearer="W1")
    wearers = _wearers(
        tmp_path,
        f'[wearers.W0]\nsource_id = "{names[0]}"\n'
        f'[wearers.W1]\nsource_id = "{names[1]}"\nmodel = "{own}"\n',
    )
    sources = _sources(names)
    log = tmp_path / "group.jsonl"
    try:
        argv = ["run", "--model", str(tiny_checkpoint), "--device", "cpu", "--quiet"]
        for name in names:
            argv += ["--source-id", name]
        argv += ["--wearers", wearers, "--log", str(log), "--seconds", "5"]
        argv += ["--group-outlet", f"{unique_id}-group"]
        assert main(argv) == 0
    finally:
        stop_all(*sources)
    records = read_log(log)
    starts = {r["wearer"]: r for r in records if r["type"] == "wearer_start"}
    assert {w: r["stream"]["source_id"] for w, r in starts.items()} == {
        "W0": names[0],
        "W1": names[1],
    }
    # W1 runs their own model (other weights: a call of its own), W0 the session's.
    assert starts["W0"]["model"] == "tiny" and starts["W1"]["model"] == "w1-own"
    steps = [r for r in records if r["type"] == "step"]
    assert {r["wearer"] for r in steps} == {"W0", "W1"}
    for wearer in ("W0", "W1"):
        mine = [r["step"] for r in steps if r["wearer"] == wearer]
        assert mine == list(range(len(mine))) and len(mine) >= 3


def test_two_shards_split_the_room_and_take_streams_appearing_later(
    tiny_checkpoint, unique_id
):
    kind = f"EEG-{unique_id[-8:]}"  # only this test's streams have this type
    names = [f"{unique_id}-{k}" for k in range(6)]
    while len({shard_of(n, 2) for n in names}) < 2:  # both shards get some
        names = [n + "x" for n in names]
    # Two streams are there at the start, four appear later (a source gives up
    # when no reader connects within 10 s: the sessions start first).
    sources = _sources(names[:2], kind, seconds=30)
    shards = late = None

    def taken():
        return [{m.summary.source_id for m in s.members} for s in shards]

    try:
        shards = [
            GroupSession(
                tiny_checkpoint, all_streams=kind, shard=(k, 2), device="cpu",
                outlets=False, resolve_timeout=1.0,
            ).start()
            for k in (1, 2)
        ]  # fmt: skip
        late = _sources(names[2:], kind, seconds=30)
        assert wait_until(lambda: set().union(*taken()) == set(names), 15), taken()
        first, second = taken()
        assert first.isdisjoint(second)
        for k, got in enumerate((first, second), start=1):
            assert got and all(shard_of(n, 2) == k for n in got)
        ok = wait_until(
            lambda: all(m.stats.steps > 0 for s in shards for m in s.members), 20
        )
        assert ok, [s.status_lines() for s in shards]
    finally:
        stop_all(*(shards or []))
        stop_all(*sources, *(late or []))


def test_group_replay_plays_subjects_as_separate_headsets(
    tiny_checkpoint, unique_id, synthetic_seed_iv_small, tmp_path
):
    import subprocess
    import sys

    from eegstream.group import StreamQuery

    argv = [
        sys.executable,
        "-m",
        "eegstream",
        "replay",
        "--dataset",
        "seed-iv",
        "--root",
        str(synthetic_seed_iv_small),
    ]
    argv += ["--subjects", "1-3", "--session", "1", "--trials", "2", "--speed", "10"]
    argv += ["--wait", "--name", unique_id, "--source-id", unique_id]
    replay = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    ids = [f"{unique_id}-S0{k}" for k in (1, 2, 3)]
    session = GroupSession(
        tiny_checkpoint,
        streams=[StreamQuery(source_id=i) for i in ids],
        device="cpu",
        outlets=False,
        resolve_timeout=30,
        log_path=tmp_path / "room.jsonl",
    )
    try:
        session.start()
        names = {m.summary.source_id: m.summary.name for m in session.members}
        assert names == {i: i for i in ids}  # name NAME-S0k, source_id ID-S0k
        assert wait_until(
            lambda: all(m.stats.steps >= 3 for m in session.members), 30
        ), session.status_lines()
    finally:
        session.stop()
        out, _ = replay.communicate(timeout=30)
    assert replay.returncode == 0
    assert all(f"'{i}'" in out for i in ids)
    # Each headset's steps inside the clip carry its true label (its markers).
    steps = [r for r in read_log(tmp_path / "room.jsonl") if r["type"] == "step"]
    labelled = {r["wearer"] for r in steps if r["true_label"] is not None}
    assert labelled == set(ids)


def test_record_writes_every_stream_of_the_room_into_one_xdf(
    tiny_checkpoint, unique_id, tmp_path, labrecorder_config
):
    from eegstream.files.labrecorder import read_report

    names = [f"{unique_id}-{k}" for k in range(2)]
    # Long enough for LabRecorder to be started a second time (see Recorder).
    sources = _sources(names, seconds=90)
    xdf = tmp_path / "room.xdf"
    try:
        argv = ["run", "--model", str(tiny_checkpoint), "--device", "cpu", "--quiet"]
        argv += ["--source-id", names[0], "--source-id", names[1], "--seconds", "8"]
        argv += ["--group-outlet", f"{unique_id}-group", "--record", str(xdf)]
        assert main(argv) == 0
    finally:
        stop_all(*sources)
    got = {s.name: s.samples for s in read_report(xdf).streams}
    for name in names:
        assert got[name] > 0  # the EEG of each headset
        assert got[f"{name}-probabilities"] > 0  # each wearer's outlets
        assert f"{name}-bandpower" in got and f"{name}-quality" in got
    assert got[f"{unique_id}-group"] > 0


def test_live_shows_a_tile_per_wearer(tiny_checkpoint, unique_id, tmp_path, capsys):
    names = [f"{unique_id}-{k}" for k in range(2)]
    sources = _sources(names, seconds=30)
    shot = tmp_path / "room.png"
    try:
        argv = ["live", "--model", str(tiny_checkpoint), "--device", "cpu"]
        argv += ["--source-id", names[0], "--source-id", names[1], "--no-outlets"]
        argv += ["--exit-after", "7", "--screenshot", str(shot)]
        assert main(argv) == 0
    finally:
        stop_all(*sources)
    assert shot.stat().st_size > 1000
    out = capsys.readouterr().out
    for name in names:  # the closing lines: each wearer classified
        line = next(ln for ln in out.splitlines() if f"live: {name}:" in ln)
        assert " steps" in line and " 0 steps" not in line


def test_demo_with_wearers_classifies_each_in_one_session(tmp_path, capsys):
    log = tmp_path / "demo.jsonl"
    argv = ["demo", "--wearers", "2", "--seconds", "6", "--speed", "8"]
    argv += ["--session-dir", str(tmp_path / "room"), "--log", str(log)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "subjects 14 were in the demo model's training" in out
    steps = [r for r in read_log(log) if r["type"] == "step"]
    assert {r["wearer"] for r in steps} == {"S15", "S14"}
    # The room's one marker stream labels both wearers' steps; each has its
    # accuracy in the summary.
    labelled = {r["wearer"] for r in steps if r["true_label"] is not None}
    assert labelled == {"S15", "S14"}
    assert out.count("accuracy against markers") == 2, out


@pytest.mark.parametrize("n", ["0", "16"])
def test_demo_refuses_a_room_the_world_cannot_fill(n, capsys):
    assert main(["demo", "--wearers", n]) == 2
    err = capsys.readouterr().err.strip()
    assert "--wearers must be 1 to 15" in err and len(err.splitlines()) == 1


def test_a_one_stream_command_refuses_a_second_stream(capsys):
    with pytest.raises(SystemExit) as done:
        main(["check", "--stream", "a", "--stream", "b"])
    assert done.value.code == 2
    assert "--stream: given more than once" in capsys.readouterr().err
