"""Live calibration in a group session: each wearer records, fits and switches."""

from __future__ import annotations

import pytest
from _pipeline_helpers import (
    labrecorder_lsl_config,
    personal_checkpoint,
    synthetic_eeg,
    wait_until,
)
from _room import room_session, synthetic_room

from eegstream import EEGStreamError
from eegstream.model._testing import SEED_IV_CLASSES
from eegstream.pipeline import PersonalModel, read_log
from eegstream.replay import RoomReplay

pytestmark = pytest.mark.lsl


@pytest.fixture(autouse=True)
def _labrecorder_finds_the_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    labrecorder_lsl_config(monkeypatch)


def _room(name: str) -> RoomReplay:
    """Two SYNTHETIC wearers watching four 8 s clips, at 4x speed."""
    trials = {
        s: [synthetic_eeg(8.0, seed=10 * s + k) for k in range(4)] for s in (1, 2)
    }
    labels = [SEED_IV_CLASSES[k % 4] for k in range(4)]
    # Looping: a replay that ends drops what the run had not pulled yet.
    return synthetic_room(
        name, trials, labels, speed=4.0, resolve_timeout=0.2, loop=True
    )


def test_each_wearer_calibrates_on_its_own_recording_and_switches(
    tiny_checkpoint, unique_id, tmp_path
):
    room = _room(unique_id)
    wearers = [p.name for p in room.players]
    seen: dict[str, str] = {}

    def stand_in(wearer: str, seed: int):
        """A calibration function: checks the recording, returns a personal model."""

        def calibrate(xdf):
            seen[wearer] = str(xdf)
            path = tmp_path / f"{wearer}.safetensors"
            return PersonalModel(personal_checkpoint(path, wearer=wearer, seed=seed))

        return calibrate

    log = tmp_path / "room.jsonl"
    session = room_session(tiny_checkpoint, room, log)
    try:
        room.start()
        session.start()
        base = {m.wearer: m.key for m in session.members}
        plans = {
            w: (stand_in(w, seed=k + 2), tmp_path / f"{w}.xdf")
            for k, w in enumerate(wearers)
        }
        with pytest.raises(EEGStreamError, match="no running wearer 'nobody'"):
            session.start_calibration(2.0, {"nobody": plans[wearers[0]]})
        calibrations = session.start_calibration(2.0, plans)
        room.release()
        assert all(c.wait(60) for c in calibrations.values())
        assert [c.state for c in calibrations.values()] == ["switched"] * 2, [
            c.error for c in calibrations.values()
        ]
        by = {m.wearer: m for m in session.members}
        # Steps go on with the personal models.
        after = {w: by[w].stats.steps for w in wearers}
        assert wait_until(
            lambda: all(by[w].stats.steps >= after[w] + 2 for w in wearers), 30
        )
    finally:
        session.stop()
        room.stop()
    for wearer in wearers:
        member, calibration = by[wearer], calibrations[wearer]
        # Its own recording: its EEG and the room's marker stream.
        assert seen[wearer] == str(tmp_path / f"{wearer}.xdf")
        names = {s.name for s in calibration.recording.streams}
        assert names == {wearer, f"{unique_id}-markers"}
        (switch,) = member.switches
        assert switch.wearer == wearer and switch.reason == "live calibration"
        assert member.key != base[wearer]  # the personal model classifies it
    assert by[wearers[0]].key != by[wearers[1]].key  # each its own model
    records = read_log(log)
    models = [r for r in records if r["type"] == "model"]
    assert sorted(r["wearer"] for r in models) == sorted(wearers)
    for record in models:  # the switch's step is classified with the new model
        steps = [
            r
            for r in records
            if r["type"] == "step" and r["wearer"] == record["wearer"]
        ]
        assert any(r["step"] >= record["step"] for r in steps)


def test_run_calibrates_every_wearer_of_a_room(
    tiny_checkpoint, unique_id, tmp_path, monkeypatch, capsys
):
    from types import SimpleNamespace

    from eegstream.calibration import wearer_session
    from eegstream.cli import main

    calls = []

    def calibrate(base, recordings, label_map, *, out, wearer=None, **_):
        """A stand-in of ``eegstream.calibration.calibrate``, as the run reads it."""
        calls.append((wearer, [str(r) for r in recordings]))
        path = personal_checkpoint(tmp_path / f"{out}.safetensors", wearer=wearer)
        verdict = "stand-in: not a measured estimate"
        return SimpleNamespace(
            checkpoint=path,
            improves=True,
            estimate=SimpleNamespace(
                verdict=lambda: verdict, test=SimpleNamespace(p_value=0.01)
            ),
        )

    from eegstream import wearers as store

    monkeypatch.setenv("EEGSTREAM_WEARERS", str(tmp_path / "wearers"))
    library = wearer_session.PersonalLibrary(
        calibrate, store.load_wearer, store.save_normaliser_state, store.wearer_dir
    )
    monkeypatch.setattr(wearer_session, "personal_library", lambda: library)
    monkeypatch.chdir(tmp_path)  # the calibration recordings land here
    room = _room(unique_id)
    for player in room.players:
        player.wait_for_consumer = True
    wearers = ["P01", "P02"]
    roster = tmp_path / "room.toml"
    roster.write_text(
        "".join(
            f'[wearers.{w}]\nsource_id = "{p.source_id}"\n'
            for w, p in zip(wearers, room.players, strict=True)
        )
    )
    argv = ["run", "--model", str(tiny_checkpoint), "--device", "cpu", "--quiet"]
    for player in room.players:
        argv += ["--source-id", player.source_id]
    argv += ["--wearers", str(roster), "--no-outlets"]
    argv += ["--calibrate", "2", "--seconds", "10"]
    try:
        room.start()
        room.release()  # each headset waits for the run's inlet
        code = main(argv)
    finally:
        room.stop()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert sorted(w for w, _ in calls) == sorted(wearers)
    for wearer, recordings in calls:  # each its own recording, in the folder
        (xdf,) = recordings
        assert f"calibration-{wearer}-" in xdf and xdf.startswith(str(tmp_path))
        assert f"{wearer}: calibrating on the next 2 s of labelled EEG" in out
    assert out.count("live calibration: stand-in: not a measured estimate") == 2
    assert out.count("switched to model") == 2, out
