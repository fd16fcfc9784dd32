"""The replay player over real LSL on loopback: order, markers, pacing, lifecycle."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pylsl
import pytest

from eegstream import EEGStreamError
from eegstream.datasets import open_dataset
from eegstream.montage import SEED_CHANNELS, locations_mm
from eegstream.protocol import parse_marker
from eegstream.replay import (
    Player,
    ReplaySource,
    Segment,
    array_source,
    dataset_source,
    file_source,
)
from eegstream.replay._chunks import Chunker
from eegstream.replay.schedule import rest_samples

pytestmark = pytest.mark.lsl

SFREQ = 200.0
CLASSES = ("negative", "neutral", "positive")
# Resolving is instant when a stream exists; this only bounds the "name free" wait.
RESOLVE = 0.2


def _counter_trials(lengths: list[int], n_channels: int = 4) -> list[np.ndarray]:
    """Trials: channel 0 counts samples across trials, channel 1 is the trial number."""
    rng = np.random.default_rng(0)
    trials, start = [], 0
    for k, n in enumerate(lengths, 1):
        x = rng.normal(0, 20, (n_channels, n))
        x[0] = np.arange(start, start + n)
        x[1] = k
        trials.append(x)
        start += n
    return trials


def _waiting_player(source, name: str, **kwargs) -> Player:
    """Make a player of ``source`` holding its first sample until a reader connects."""
    return Player(
        source, name=name, resolve_timeout=RESOLVE, wait_for_consumer=True, **kwargs
    )


def _connect(
    player: Player, timeout: float = 5.0
) -> tuple[pylsl.StreamInlet, pylsl.StreamInlet]:
    """Open independent inlets: markers first, then the EEG the player waits for."""
    found_markers = pylsl.resolve_byprop(
        "source_id", f"{player.source_id}-markers", 1, timeout
    )
    found_eeg = pylsl.resolve_byprop("source_id", player.source_id, 1, timeout)
    assert found_markers and found_eeg
    markers = pylsl.StreamInlet(found_markers[0])
    markers.open_stream(timeout)
    eeg = pylsl.StreamInlet(found_eeg[0], processing_flags=0)
    eeg.open_stream(timeout)
    return eeg, markers


def _receive(
    eeg: pylsl.StreamInlet,
    markers: pylsl.StreamInlet,
    n: int,
    limit_s: float = 20.0,
    *,
    states: bool = False,
) -> tuple[np.ndarray, np.ndarray, list[dict], np.ndarray]:
    """Pull exactly ``n`` EEG samples (the next ones stay in the inlet).

    Returns data (n, C), stamps (n,), the parsed markers of those samples and
    their stamps; ``trial_state`` repetitions only with ``states``.
    """
    data, stamps, texts, marker_stamps = [], [], [], []
    deadline = time.monotonic() + limit_s
    while len(stamps) < n and time.monotonic() < deadline:
        chunk, ts = eeg.pull_chunk(timeout=0.1, max_samples=n - len(stamps))
        data += chunk
        stamps += ts
        m, mts = markers.pull_chunk(timeout=0.0)
        texts += [row[0] for row in m]
        marker_stamps += mts
    m, mts = markers.pull_chunk(timeout=0.05)  # markers are pushed with their chunk
    texts += [row[0] for row in m]
    marker_stamps += mts
    assert len(stamps) >= n, f"received {len(stamps)} of {n} samples in {limit_s} s"
    parsed = [parse_marker(t) for t in texts]
    assert None not in parsed, texts
    # Keep the markers of the samples returned.
    keep = [
        i
        for i, t in enumerate(marker_stamps)
        if t <= stamps[-1] + 1e-9 and (states or parsed[i]["event"] != "trial_state")
    ]
    return (
        np.array(data),
        np.array(stamps),
        [parsed[i] for i in keep],
        np.array(marker_stamps)[keep],
    )


def _close(*inlets: pylsl.StreamInlet) -> None:
    for inlet in inlets:
        inlet.close_stream()


def test_every_sample_and_marker_arrives_in_order(unique_id: str) -> None:
    lengths = [203, 157, 311]  # not multiples of the chunk: chunks span trials
    trials = _counter_trials(lengths)
    labels = ["positive", "negative", "neutral"]
    names = ["counter", "trial", "Fp1", "Oz"]
    source = array_source(
        trials, SFREQ, names, labels=labels, classes=CLASSES, subject=4, session=2
    )
    speed = 8.0
    player = _waiting_player(source, unique_id, speed=speed, loop=True)
    with player:
        eeg, markers = _connect(player)
        info = eeg.info()
        n_total = 2 * sum(lengths) + 20  # two passes and the start of a third
        data, stamps, got, marker_stamps = _receive(eeg, markers, n_total)
        _close(eeg, markers)

    assert info.name() == unique_id
    assert info.channel_count() == 4
    assert info.nominal_srate() == SFREQ
    assert info.channel_format() == pylsl.cf_float32
    assert info.get_channel_labels() == names
    assert info.get_channel_types() == ["EEG"] * 4
    assert info.get_channel_units() == ["microvolts"] * 4

    one_pass = np.concatenate(trials, axis=1).T
    expected = np.concatenate([one_pass, one_pass, one_pass])[:n_total]
    np.testing.assert_array_equal(
        data[:, 0], expected[:, 0]
    )  # counter: no loss, no repeat
    np.testing.assert_array_equal(data, expected.astype(np.float32))
    # Timestamps are the schedule: evenly spaced at the played pace.
    np.testing.assert_allclose(np.diff(stamps), 1 / (SFREQ * speed), rtol=0, atol=1e-7)

    events = [(m["event"], m.get("trial")) for m in got]
    one = [(e, k) for k in (1, 2, 3) for e in ("trial_start", "trial_end")]
    one.append(("session_end", None))
    assert events == one + one + [("trial_start", 1)]
    for m in got:
        if m["event"] in ("trial_start", "trial_end"):
            assert (m["subject"], m["session"]) == (4, 2)
            assert m["label"] == labels[m["trial"] - 1]
            assert CLASSES[m["label_id"]] == m["label"]
    # Each trial marker carries the timestamp of the sample it marks.
    for m, t in zip(got, marker_stamps, strict=True):
        index = int(np.argmin(np.abs(stamps - t)))
        assert abs(stamps[index] - t) < 1e-6
        trial = data[index, 1]
        if m["event"] == "trial_start":  # the first sample of its trial
            assert trial == m["trial"] and (index == 0 or data[index - 1, 1] != trial)
        else:  # trial_end and session_end: the last sample of a trial
            assert trial == m.get("trial", 3) and data[index + 1, 1] != trial


def test_rest_between_trials_plays_previous_trial_backwards(unique_id: str) -> None:
    lengths = [120, 90]
    trials = _counter_trials(lengths, n_channels=2)
    rest_s = 0.8  # 160 samples: longer than either trial, so the rests reflect
    source = array_source(
        trials, SFREQ, labels=["neutral", "positive"], classes=CLASSES
    )
    player = _waiting_player(source, unique_id, speed=10, rest_s=rest_s, loop=True)
    n_rest = 160
    assert player.total_samples is None
    with player:
        eeg, markers = _connect(player)
        n = 120 + n_rest + 90 + n_rest + 10
        data, stamps, got, marker_stamps = _receive(eeg, markers, n)
        _close(eeg, markers)
    counter = data[:, 0]
    np.testing.assert_array_equal(counter[:120], np.arange(120))
    # Back from the last sample to the first, then forwards again.
    rest1 = np.concatenate([np.arange(119, -1, -1), np.arange(0, 40)])
    np.testing.assert_array_equal(counter[120:280], rest1)
    np.testing.assert_array_equal(counter[280:370], np.arange(120, 210))
    rest2 = np.concatenate([np.arange(209, 119, -1), np.arange(120, 190)])
    np.testing.assert_array_equal(counter[370:530], rest2)
    np.testing.assert_array_equal(counter[530:], np.arange(10))  # the loop starts over

    rests = [
        (m, t)
        for m, t in zip(got, marker_stamps, strict=True)
        if m["event"] == "rest_start"
    ]
    assert [m["trial"] for m, _ in rests[:2]] == [1, 2]
    assert all("label" not in m and m["duration_s"] == rest_s for m, _ in rests)
    assert np.allclose([t for _, t in rests[:2]], stamps[[120, 370]], rtol=0, atol=1e-6)
    order = [m["event"] for m in got][:7]
    assert order == [
        "trial_start", "trial_end", "rest_start", "trial_start", "trial_end",
        "session_end", "rest_start",
    ]  # fmt: skip


def test_pacing_holds_within_a_chunk(unique_id: str) -> None:
    chunk, seconds = 10, 3.0
    n = int(seconds * SFREQ)
    source = array_source(_counter_trials([n], n_channels=2), SFREQ)
    player = _waiting_player(source, unique_id, chunk_size=chunk)
    with player:
        eeg, markers = _connect(player)
        received, stamps, arrivals = 0, [], []
        deadline = time.monotonic() + seconds + 10
        while received < n and time.monotonic() < deadline:
            _, ts = eeg.pull_chunk(timeout=0.2)
            now = pylsl.local_clock()
            if ts:
                received += len(ts)
                stamps += ts
                arrivals.append((now, received))
        _close(eeg, markers)
    assert received == n
    stamps = np.array(stamps)
    # The schedule: sample i is stamped t0 + i / rate, never drifting.
    np.testing.assert_allclose(
        stamps - stamps[0], np.arange(n) / SFREQ, rtol=0, atol=1e-6
    )
    # Samples never arrive before their time (the player sleeps until a chunk's
    # last sample is due), and lag at most a chunk plus delivery jitter behind.
    jitter = 0.5 * SFREQ
    for now, count in arrivals:
        due = (now - stamps[0]) * SFREQ + 1
        assert count <= due + 1e-3, (now, count, due)
        assert count >= min(n, due - chunk - jitter), (now, count, due)
    # "Now" timestamps: the last sample arrives close to its stamp.
    assert arrivals[-1][0] - stamps[-1] < 0.5


def test_speed_keeps_nominal_rate_and_paces_timestamps(unique_id: str) -> None:
    source = array_source(np.zeros((3, 400)), SFREQ)
    player = _waiting_player(source, unique_id, speed=4.0, loop=True)
    with player:
        eeg, markers = _connect(player)
        _, stamps, _, _ = _receive(eeg, markers, 200)
        assert eeg.info().nominal_srate() == SFREQ
        _close(eeg, markers)
    np.testing.assert_allclose(np.diff(stamps), 1 / (4 * SFREQ), rtol=0, atol=1e-7)


def test_pause_and_resume_lose_nothing(unique_id: str) -> None:
    n, pause_s = 600, 0.5
    source = array_source(_counter_trials([n], n_channels=2), SFREQ)
    player = _waiting_player(source, unique_id, speed=4.0)
    with player:
        eeg, markers = _connect(player)
        before, stamps_before, _, _ = _receive(eeg, markers, 40)
        player.pause()  # no sample goes out once this returns
        assert player.paused and player.progress().paused
        sent = player.progress().samples_sent
        data, stamps = [before], [stamps_before]
        if sent > 40:  # what was sent before the pause still arrives
            during, during_stamps, _, _ = _receive(eeg, markers, sent - 40)
            data.append(during)
            stamps.append(during_stamps)
        time.sleep(pause_s)
        assert eeg.pull_chunk(timeout=0.0)[1] == []  # silent while paused
        assert player.progress().samples_sent == sent
        player.resume()
        so_far = sum(len(s) for s in stamps)
        rest, rest_stamps, _, _ = _receive(eeg, markers, n - so_far)
        _close(eeg, markers)
        assert player.wait(10)
    counter = np.concatenate(data + [rest])[:, 0]
    np.testing.assert_array_equal(counter, np.arange(n))  # nothing lost or repeated
    steps = np.diff(np.concatenate(stamps + [rest_stamps]))
    assert steps.max() >= pause_s  # the timestamps jump by about the pause ...
    assert np.sum(steps > 1.5 / (4 * SFREQ)) == 1  # ... once; elsewhere the pace holds


def test_natural_end_closes_the_streams(unique_id: str) -> None:
    source = array_source(np.ones((2, 100)), SFREQ)
    player = Player(source, name=unique_id, speed=10, resolve_timeout=RESOLVE).start()
    assert player.running
    assert player.wait(10)
    assert not player.running
    assert player.progress().samples_sent == 100 == player.total_samples
    assert pylsl.resolve_byprop("name", unique_id, 1, 0.3) == []
    assert pylsl.resolve_byprop("name", f"{unique_id}-markers", 1, 0.3) == []


def test_stop_withdraws_both_streams(unique_id: str) -> None:
    source = array_source(np.ones((2, 400)), SFREQ)
    with Player(source, name=unique_id, loop=True, resolve_timeout=RESOLVE) as player:
        found = pylsl.resolve_byprop("source_id", player.source_id, 1, 5)
        assert [s.name() for s in found] == [unique_id]
        markers = pylsl.resolve_byprop("source_id", f"{player.source_id}-markers", 1, 5)
        assert markers[0].type() == "Markers"
        assert markers[0].name() == f"{unique_id}-markers"
        assert markers[0].channel_format() == pylsl.cf_string
        assert markers[0].nominal_srate() == pylsl.IRREGULAR_RATE
    assert not player.running
    assert player.wait(0)
    assert pylsl.resolve_byprop("source_id", player.source_id, 1, 0.3) == []
    assert pylsl.resolve_byprop("name", f"{unique_id}-markers", 1, 0.3) == []
    player.stop()  # idempotent


@pytest.mark.parametrize("suffix", ["", "-markers"], ids=["eeg-name", "marker-name"])
def test_a_name_in_use_is_refused(unique_id: str, suffix: str) -> None:
    other = pylsl.StreamOutlet(
        pylsl.StreamInfo(
            unique_id + suffix, "EEG", 1, 100, pylsl.cf_float32, "someone-else"
        )
    )
    player = Player(
        array_source(np.ones((1, 50)), SFREQ), name=unique_id, resolve_timeout=2
    )
    with pytest.raises(
        EEGStreamError, match=r"already used by a visible stream.*someone-else"
    ):
        player.start()
    assert not player.running
    # No half-open outlet: only the other stream carries the name.
    assert pylsl.resolve_byprop("source_id", player.source_id, 1, 0.3) == []
    assert (
        pylsl.resolve_byprop("source_id", f"{player.source_id}-markers", 1, 0.3) == []
    )
    del other


def test_the_same_name_and_source_id_twice_is_refused(unique_id: str) -> None:
    source = array_source(np.ones((1, 50)), SFREQ)
    with Player(source, name=unique_id, loop=True, resolve_timeout=RESOLVE) as first:
        second = Player(
            source, name=unique_id, source_id=first.source_id, resolve_timeout=2
        )
        with pytest.raises(EEGStreamError, match="silently mix"):
            second.start()
        assert first.running


def test_a_failing_trial_ends_the_replay_with_its_error(unique_id: str) -> None:
    good = array_source([np.ones((2, 60)), np.ones((2, 60))], SFREQ)

    def broken() -> np.ndarray:
        raise EEGStreamError("trial 2: file damaged")

    segments = (good.segments[0], Segment(n_samples=60, load=broken, trial=2))
    source = ReplaySource(SFREQ, good.ch_names, segments)
    player = Player(source, name=unique_id, speed=10, resolve_timeout=RESOLVE).start()
    with pytest.raises(EEGStreamError, match="file damaged"):
        player.wait(10)
    assert not player.running
    assert pylsl.resolve_byprop("name", unique_id, 1, 0.3) == []


def test_a_failing_first_trial_opens_nothing(unique_id: str) -> None:
    source = array_source(np.ones((2, 60)), SFREQ)
    bad = ReplaySource(SFREQ, ("a", "b", "c"), source.segments)  # 3 names, 2 rows
    player = Player(bad, name=unique_id, resolve_timeout=RESOLVE)
    with pytest.raises(
        EEGStreamError, match=r"shape \(3, n_samples > 0\); got \(2, 60\)"
    ):
        player.start()
    assert pylsl.resolve_byprop("name", unique_id, 1, 0.3) == []


def test_file_replay_arrives_as_64_channels_at_160_hz(
    unique_id: str, realdata: Path
) -> None:
    source = file_source(realdata / "S001R03.edf")
    player = _waiting_player(source, unique_id, speed=20)
    with player:
        eeg, markers = _connect(player)
        info = eeg.info()
        data, _, got, _ = _receive(eeg, markers, 800)
        _close(eeg, markers)
    assert info.channel_count() == 64
    assert info.nominal_srate() == 160
    labels = info.get_channel_labels()
    assert labels[:3] == ["Fc5.", "Fc3.", "Fc1."] and labels[-1] == "Iz.."
    # XDF meta-data conventions: desc/acquisition and per-channel location (mm).
    desc = info.desc()
    assert desc.child("acquisition").child_value("manufacturer") == "eegstream replay"
    fc5 = desc.child("channels").child("channel").child("location")
    expected = locations_mm(["FC5"])[0]
    got_xyz = [float(fc5.child_value(axis)) for axis in "XYZ"]
    np.testing.assert_allclose(got_xyz, expected, atol=0.01)
    assert data.shape == (800, 64)
    np.testing.assert_allclose(data, source.segments[0].load()[:, :800].T, rtol=1e-6)
    # The file's annotations come as markers (run 3 starts with rest, T0).
    assert got and got[0] == {
        "event": "annotation",
        "description": "T0",
        "duration_s": 4.2,
    }


def test_dataset_replay_carries_the_true_labels(
    unique_id: str, synthetic_seed_iv_small: Path
) -> None:
    # SYNTHETIC SEED-IV (20 s trials): the generator's labels, not real emotions.
    source = dataset_source("seed-iv", synthetic_seed_iv_small, 3, trials=[4, 2])
    ds = open_dataset("seed-iv", synthetic_seed_iv_small)
    truth = {t.trial: t for t in ds.trials if t.subject == 3 and t.session == 1}
    player = _waiting_player(source, unique_id, speed=40)
    with player:
        eeg, markers = _connect(player)
        assert eeg.info().get_channel_labels() == list(SEED_CHANNELS)
        data, _, got, _ = _receive(eeg, markers, 8000)
        _close(eeg, markers)
    expected = np.concatenate([truth[4].eeg(), truth[2].eeg()], axis=1).T
    np.testing.assert_array_equal(data, expected.astype(np.float32))
    trial_markers = [m for m in got if m["event"] != "session_end"]
    assert [(m["event"], m["trial"]) for m in trial_markers] == [
        ("trial_start", 4), ("trial_end", 4), ("trial_start", 2), ("trial_end", 2),
    ]  # fmt: skip
    for m in trial_markers:
        t = truth[m["trial"]]
        assert (m["subject"], m["session"]) == (3, 1)
        assert (m["label"], m["label_id"]) == (t.label_name, t.label)


def test_chunker_spans_blocks_and_places_markers() -> None:
    chunker = Chunker(7)
    blocks = [
        np.arange(a, b)[:, None] for a, b in [(0, 3), (3, 20), (20, 21), (21, 50)]
    ]
    out = []
    for block in blocks:
        out += chunker.feed(
            block,
            [(0, f"start {block[0, 0]}", None), (len(block) - 1, "end", "other")],
        )
    out += chunker.flush()
    starts = [start for start, _, _ in out]
    samples = np.concatenate([s for _, s, _ in out])[:, 0]
    assert samples.tolist() == list(range(50))
    assert [len(s) for _, s, _ in out] == [7] * 7 + [1]
    assert starts == list(range(0, 50, 7))
    for start, chunk, markers in out:
        for index, text, stream in markers:
            assert start <= index < start + len(chunk)
            assert stream == (None if text.startswith("start") else "other")
            if text.startswith("start"):
                assert index == int(text.split()[1])


def test_mirror_reflects_from_the_last_sample() -> None:
    data = np.arange(4)[:, None]
    assert rest_samples(data, 10)[:, 0].tolist() == [3, 2, 1, 0, 0, 1, 2, 3, 3, 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"chunk_size": 0}, "chunk size must be an integer >= 1"),
        ({"chunk_size": True}, "chunk size"),
        ({"speed": 0}, "speed must be a finite number > 0"),
        ({"speed": float("inf")}, "speed"),
        ({"loop": 0}, "loop must be True"),
        ({"rest_s": -1}, "rest must be a number of seconds >= 0"),
        ({"name": ""}, "stream name must be a non-empty string"),
        ({"name": "it's"}, "without single quotes"),
        ({"source_id": ""}, "source_id must be a non-empty string"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_bad_settings_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(EEGStreamError, match=message):
        Player(array_source(np.ones((1, 10)), SFREQ), **kwargs)


def test_wait_before_start_and_double_start(unique_id: str) -> None:
    player = Player(
        array_source(np.ones((1, 400)), SFREQ), name=unique_id, resolve_timeout=0
    )
    with pytest.raises(EEGStreamError, match="never started; call start"):
        player.wait()
    with player:
        with pytest.raises(EEGStreamError, match="already streaming; call stop"):
            player.start()


def test_stream_description_follows_xdf_conventions() -> None:
    from eegstream.replay._lsl import eeg_info

    names = ["Fp1", "Cz.", "EOG", "O2"]
    info = eeg_info("n", "sid", names, 200.0, chunk_size=10, description="d",
                    synthetic=True)  # fmt: skip
    channel = info.desc().child("channels").child("channel")
    got = []
    for _ in names:
        location = channel.child("location")
        got.append(
            [float(location.child_value(a) or "nan") for a in "XYZ"]
            if not location.empty()
            else [np.nan] * 3
        )
        channel = channel.next_sibling()
    expected = locations_mm(names)
    np.testing.assert_allclose(got, expected, atol=0.01)
    assert np.isnan(expected[2]).all() and not np.isnan(expected[[0, 1, 3]]).any()
    # On a 90 mm sphere: Cz on the vertex, Fp1 in front and left, O2 behind, right.
    assert np.allclose(np.linalg.norm(expected[[0, 1, 3]], axis=1), 90.0)
    assert expected[1, 2] > 89 and expected[0, 1] > 0 > expected[0, 0]
    assert expected[3, 1] < 0 < expected[3, 0]
    acquisition = info.desc().child("acquisition")
    assert acquisition.child_value("manufacturer") == "eegstream replay"
