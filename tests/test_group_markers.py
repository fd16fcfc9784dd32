"""A room's one marker stream and a group session's truth: real LSL on loopback."""

from __future__ import annotations

import threading

import numpy as np
import pylsl
import pytest
from _pipeline_helpers import PlainSource, stop_all, synthetic_eeg, wait_until
from _room import room_session

from eegstream import EEGStreamError
from eegstream.acquisition import list_streams
from eegstream.cli import main
from eegstream.group import GroupSession, StreamQuery
from eegstream.model._testing import SEED_IV_CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import read_log
from eegstream.replay import RoomReplay, array_source
from eegstream.replay.room import same_clips

pytestmark = pytest.mark.lsl

#: The clips every wearer of the test room watches, in this order.
CLIPS = ["sad", "happy"]


def _subject(subject: int, seconds=(12.0, 12.0)) -> object:
    trials = [synthetic_eeg(s, seed=10 * subject + k) for k, s in enumerate(seconds)]
    return array_source(
        trials, 200.0, SEED_CHANNELS, labels=CLIPS, classes=SEED_IV_CLASSES,
        subject=subject, synthetic=True,
    )  # fmt: skip


# -- the room's sources, no LSL ---------------------------------------------------
def test_a_room_plays_each_clip_at_its_shortest_length():
    a, b = same_clips([_subject(1, (12.0, 10.0)), _subject(2, (11.0, 12.0))])
    for source in (a, b):
        assert [s.n_samples for s in source.segments] == [2200, 2000]
        assert [s.load().shape[1] for s in source.segments] == [2200, 2000]
    # The room's markers are everyone's: the first source's carry no subject.
    assert [s.subject for s in a.segments] == [None, None]
    assert [s.subject for s in b.segments] == [2, 2]


def test_a_room_refuses_sources_of_other_clips():
    other = array_source(
        [np.zeros((62, 400))] * 2, 200.0, SEED_CHANNELS, labels=["sad", "fear"],
        description="subject 9",
    )  # fmt: skip
    with pytest.raises(EEGStreamError, match="subject 9 plays other clips"):
        RoomReplay([("S01", _subject(1)), ("S09", other)], name="never")


# -- one marker stream over LSL ---------------------------------------------------
def test_a_room_replay_has_one_marker_stream_that_labels_every_wearer(
    tiny_checkpoint, unique_id, tmp_path
):
    room = RoomReplay(
        [(f"S0{k}", _subject(k)) for k in (1, 2, 3)],
        name=unique_id,
        source_id=unique_id,
        speed=4.0,
    )
    log = tmp_path / "room.jsonl"
    session = room_session(tiny_checkpoint, room, log)
    try:
        room.start()
        mine = [s for s in list_streams(timeout=1.0) if unique_id in s.source_id]
        markers = [s for s in mine if s.type == "Markers"]
        assert [(s.name, s.source_id) for s in markers] == [
            (f"{unique_id}-markers", f"{unique_id}-markers")
        ]
        assert len(mine) == 4  # three headsets, one marker stream
        session.start()
        assert len(session.markers.shared()) == 1  # followed once for the room
        room.release()
        assert room.wait(30)
    finally:
        session.stop()
        room.stop()
    records = read_log(log)
    steps = [r for r in records if r["type"] == "step"]
    wearers = {f"{unique_id}-S0{k}" for k in (1, 2, 3)}
    assert {r["wearer"] for r in steps} == wearers
    for wearer in wearers:  # every wearer's steps carry both clips' labels
        truth = [r["true_label"] for r in steps if r["wearer"] == wearer]
        assert {t for t in truth if t is not None} == set(CLIPS), (wearer, truth)
    # In order: no step of the first clip after one of the second.
    for wearer in wearers:
        truth = [r["true_label"] for r in steps if r["wearer"] == wearer]
        labelled = [t for t in truth if t is not None]
        assert labelled == sorted(labelled, key=CLIPS.index)
    # The room's markers are logged once, with their stream, not per wearer.
    marks = [r for r in records if r["type"] == "marker"]
    starts = [r for r in marks if r["marker"]["event"] == "trial_start"]
    assert len(starts) == len(CLIPS)
    assert all(r["stream"] == f"{unique_id}-markers" for r in marks)
    assert all("wearer" not in r for r in marks)
    assert all(r["marker"]["subject"] is None for r in starts)


def test_run_follows_a_stimulus_programs_markers_for_every_wearer(
    tiny_checkpoint, unique_id, tmp_path, capsys
):
    names = [f"{unique_id}-{k}" for k in range(2)]
    sources = [
        PlainSource(n, synthetic_eeg(40.0, seed=k), 200.0, SEED_CHANNELS, speed=4.0)
        for k, n in enumerate(names)
    ]
    stim = pylsl.StreamOutlet(
        pylsl.StreamInfo(
            f"{unique_id}-stim", "Markers", 1, 0, pylsl.cf_string, f"{unique_id}-stim"
        )
    )
    label_map = tmp_path / "map.toml"
    label_map.write_text(
        '[[rule]]\nmatch = "clip_(sad|happy)"\nclass = "$1"\naction = "start"\n'
    )
    stop = threading.Event()

    def stimulus() -> None:  # a stimulus program: the clip starts, once watched
        while not stim.have_consumers():
            if stop.wait(0.05):
                return
        stim.push_sample(["clip_happy"])

    log = tmp_path / "room.jsonl"
    argv = ["run", "--model", str(tiny_checkpoint), "--device", "cpu", "--quiet"]
    argv += ["--source-id", names[0], "--source-id", names[1], "--no-outlets"]
    argv += ["--markers", f"{unique_id}-stim", "--label-map", str(label_map)]
    argv += ["--seconds", "9", "--log", str(log)]
    thread = threading.Thread(target=stimulus, daemon=True)
    try:
        for source in sources:
            source.start()
        thread.start()
        assert main(argv) == 0
    finally:
        stop.set()
        thread.join(5)
        stop_all(*sources)
    out = capsys.readouterr().out
    steps = [r for r in read_log(log) if r["type"] == "step"]
    for name in names:
        labels = {r["true_label"] for r in steps if r["wearer"] == name}
        assert "happy" in labels, (name, labels)
    # The summary says each wearer's accuracy against the markers, per clip too.
    assert out.count("accuracy against markers") == 2, out
    assert out.count("per clip (true: read as") == 2, out


def test_a_bad_label_map_stops_a_group_run_before_it_starts(
    tiny_checkpoint, tmp_path, capsys
):
    label_map = tmp_path / "map.toml"
    label_map.write_text('[[rule]]\nexact = "x"\nclass = "joy"\naction = "start"\n')
    argv = ["run", "--model", str(tiny_checkpoint), "--device", "cpu"]
    argv += ["--source-id", "a", "--source-id", "b", "--label-map", str(label_map)]
    assert main([*argv, "--timeout", "30"]) == 2
    err = capsys.readouterr().err.strip()
    assert "'joy' is not a class of the model" in err and len(err.splitlines()) == 1


def test_a_wearer_without_markers_beside_a_room_stays_unlabelled(
    tiny_checkpoint, unique_id
):
    room = RoomReplay([("S01", _subject(1))], name=unique_id, speed=4.0)
    plain = PlainSource(
        f"{unique_id}-plain", synthetic_eeg(30.0, seed=5), 200.0, SEED_CHANNELS,
        speed=4.0,
    )  # fmt: skip
    session = GroupSession(
        tiny_checkpoint,
        streams=[
            StreamQuery(source_id=room.players[0].source_id),
            StreamQuery(source_id=f"{unique_id}-plain"),
        ],
        device="cpu",
        outlets=False,
    )
    try:
        room.start()
        plain.start()
        session.start()
        room.release()
        by = {m.summary.source_id: m for m in session.members}
        assert wait_until(lambda: all(m.stats.steps >= 8 for m in by.values()), 30)
    finally:
        session.stop()
        stop_all(room, plain)
    assert by[room.players[0].source_id].stats.accuracy(True) is not None
    assert by[f"{unique_id}-plain"].stats.accuracy(True) is None
