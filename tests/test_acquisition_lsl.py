"""Acquisition over real LSL (loopback): resolution, every sample once, loss, return."""

from __future__ import annotations

import json

import numpy as np
import pylsl
import pytest
from _pipeline_helpers import ChildSource, PlainSource, stop_all, wait_until

from eegstream import EEGStreamError
from eegstream.acquisition import (
    InletThread,
    check_numeric,
    resolve_stream,
)
from eegstream.cli import main

pytestmark = pytest.mark.lsl


def _info(name, source_id, n=2, rate=100.0, fmt=pylsl.cf_float32, kind="EEG"):
    return pylsl.StreamInfo(name, kind, n, rate, fmt, source_id)


def test_resolve_one_none_or_several(unique_id):
    a = pylsl.StreamOutlet(_info(unique_id, f"{unique_id}-a"))
    info = resolve_stream(name=unique_id, timeout=5)
    assert info.source_id() == f"{unique_id}-a"
    b = pylsl.StreamOutlet(_info(unique_id, f"{unique_id}-b"))
    with pytest.raises(EEGStreamError, match="2 streams match") as err:
        resolve_stream(name=unique_id, timeout=5)
    assert f"{unique_id}-a" in str(err.value) and f"{unique_id}-b" in str(err.value)
    assert (
        resolve_stream(source_id=f"{unique_id}-b", timeout=5).source_id().endswith("-b")
    )
    with pytest.raises(EEGStreamError, match="no LSL stream with name") as err:
        resolve_stream(name=unique_id + "-absent", timeout=0.3)
    assert unique_id in str(err.value)  # the visible streams are listed
    del a, b


def test_a_stream_past_the_first_32_outlets_is_found(unique_id):
    # Parallel test workers can hold more outlets than liblsl's default port
    # range; the test configuration widens it (conftest), so the 34th is found.
    outlets = [
        pylsl.StreamOutlet(_info(unique_id, f"{unique_id}-{i}")) for i in range(40)
    ]
    assert resolve_stream(source_id=f"{unique_id}-33", timeout=5)
    del outlets


def test_string_and_irregular_streams_are_refused(unique_id):
    markers = _info(
        unique_id + "-m", unique_id + "-m", 1, 0.0, pylsl.cf_string, "Markers"
    )
    with pytest.raises(EEGStreamError, match="carries string values"):
        check_numeric(markers)
    irregular = _info(unique_id, unique_id, 4, pylsl.IRREGULAR_RATE)
    with pytest.raises(EEGStreamError, match="irregular sampling rate"):
        InletThread(irregular)


def test_every_sample_arrives_once_in_order(unique_id):
    n = 1200
    data = np.vstack([np.arange(n), -np.arange(n)]).astype(np.float32)
    source = PlainSource(unique_id, data, 1000.0, ["idx", "neg"], speed=1.0, chunk=7)
    source.start()
    inlet = InletThread(resolve_stream(name=unique_id, timeout=5)).start()
    try:
        reader = inlet.ring.reader(from_start=True)
        assert wait_until(lambda: inlet.ring.total >= n)
        block = reader.read()
        assert inlet.info.get_channel_labels() == ["idx", "neg"]
    finally:
        stop_all(inlet, source)
    np.testing.assert_array_equal(block.data[0], np.arange(n))
    np.testing.assert_array_equal(block.data[1], -np.arange(n))
    assert block.gaps == [] and inlet.gaps == 0
    assert np.all(np.diff(block.timestamps) > 0)
    assert np.all(block.arrival >= block.arrival[0])
    assert inlet.state == "stopped"


def test_lost_source_is_reported_and_followed_by_source_id(unique_id):
    sid = unique_id + "-sid"
    data = np.ones((2, 100000), dtype=np.float32)
    first = ChildSource(unique_id, data, 200.0, ["a", "b"], source_id=sid, speed=1.0)
    inlet = InletThread(resolve_stream(source_id=sid, timeout=5)).start()
    second = None
    try:
        assert wait_until(lambda: inlet.state == "ok" and inlet.ring.total > 20)
        first.stop()  # the source's process dies
        assert wait_until(lambda: inlet.state == "lost")
        before = inlet.ring.total
        second = PlainSource(
            unique_id, data, 200.0, ["a", "b"], source_id=sid, speed=1.0
        )
        second.start()
        assert wait_until(
            lambda: inlet.state == "ok" and inlet.ring.total > before + 20
        )
        block = inlet.ring.reader(from_start=True).read()
    finally:
        stop_all(inlet, first, second)
    assert inlet.reconnects == 1 and inlet.gaps == 1
    (gap,) = block.gaps
    assert gap.reason in ("reconnect", "lost") and gap.index == before
    assert gap.duration_s > 0


def test_streams_command_lists_a_stream(unique_id, capsys):
    outlet = pylsl.StreamOutlet(_info(unique_id, unique_id + "-sid", 3, 250.0))
    assert main(["streams", "--timeout", "2", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (row,) = [r for r in rows if r["name"] == unique_id]
    assert (row["channel_count"], row["nominal_srate"], row["source_id"]) == (
        3,
        250.0,
        unique_id + "-sid",
    )
    assert row["hostname"]
    del outlet


def test_a_silent_source_is_lost_and_its_return_is_a_gap(unique_id):
    outlet = pylsl.StreamOutlet(_info(unique_id, unique_id + "-sid", 2, 100.0))
    inlet = InletThread(
        resolve_stream(name=unique_id, timeout=5), lost_after_s=0.2
    ).start()
    try:
        assert outlet.wait_for_consumers(5)
        t0 = pylsl.local_clock()
        outlet.push_chunk(np.zeros((20, 2), np.float32), t0)
        assert wait_until(lambda: inlet.state == "ok")
        assert wait_until(lambda: inlet.state == "lost")  # silence, not a disconnect
        outlet.push_chunk(np.ones((20, 2), np.float32), pylsl.local_clock())
        assert wait_until(lambda: inlet.state == "ok" and inlet.ring.total == 40)
        block = inlet.ring.reader(from_start=True).read()
    finally:
        inlet.stop()
        del outlet
    assert inlet.reconnects == 0  # the same outlet was kept
    (gap,) = block.gaps
    assert gap.reason == "lost" and gap.index == 20 and gap.duration_s >= 0.2
    assert gap.samples_lost == round(gap.duration_s * 100)


def _push_and_read(unique_id, chunks):
    """Push (n_samples, value, stamp of the last sample) chunks; read all back."""
    outlet = pylsl.StreamOutlet(_info(unique_id, unique_id + "-sid", 2, 100.0))
    inlet = InletThread(resolve_stream(name=unique_id, timeout=5)).start()
    try:
        assert outlet.wait_for_consumers(5)
        t0 = pylsl.local_clock()
        for n, value, dt in chunks:
            outlet.push_chunk(np.full((n, 2), value, np.float32), t0 + dt)
        total = sum(n for n, _, _ in chunks)
        assert wait_until(lambda: inlet.ring.total == total)
        block = inlet.ring.reader(from_start=True).read()
    finally:
        inlet.stop()
        del outlet
    return block, inlet


def test_a_jump_in_the_source_timestamps_is_a_gap(unique_id):
    # The source dropped 1 s of samples: the next ones are stamped 1 s later.
    block, _ = _push_and_read(unique_id, [(10, 0, 0.0), (10, 1, 1.1)])
    (gap,) = block.gaps
    assert gap.reason == "timestamps" and gap.index == 10
    assert (
        gap.samples_lost == round(gap.duration_s * 100)
        and 95 <= gap.samples_lost <= 101
    )


def test_a_backward_jump_is_a_gap_and_jitter_is_held(unique_id):
    """Without proc_monotonize a clock stepping back is seen, not flattened."""
    # Jitter: the 2nd chunk ends 50 ms after the 1st (starts 40 ms before its
    # end); then the source's clock steps back by 2 s.
    chunks = [(10, 0, 0.0), (10, 1, 0.05), (10, 2, -1.9)]
    block, inlet = _push_and_read(unique_id, chunks)
    (gap,) = block.gaps
    assert gap.reason == "timestamps" and gap.index == 20 and gap.samples_lost == 0
    assert inlet.gaps == 1
    # Jitter is held at the previous stamp: no decrease before the gap.
    assert np.all(np.diff(block.timestamps[:20]) >= 0)
    assert block.timestamps[20] < block.timestamps[19] - 1.5
