"""Ring buffer: monotonic counter, independent cursors, wrap-around, gaps, overrun."""

from __future__ import annotations

import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream.acquisition import Gap, RingBuffer


def _chunk(start: int, n: int, n_channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Make samples whose value is their index (channel c holds index + 1000 c)."""
    idx = np.arange(start, start + n)
    data = idx[:, None] + 1000.0 * np.arange(n_channels)[None, :]
    return data.astype(np.float32), idx / 100.0


def test_readers_see_every_sample_once_across_wraps():
    ring = RingBuffer(3, capacity=50)
    fast, slow = ring.reader(), ring.reader()
    seen_fast, seen_slow, start = [], [], 0
    rng = np.random.default_rng(1)
    for _ in range(40):
        n = int(rng.integers(1, 20))
        ring.write(*_chunk(start, n), arrival=float(start))
        start += n
        seen_fast.append(fast.read())
        if _ % 3 == 0:
            seen_slow.append(slow.read())
    seen_slow.append(slow.read())
    assert ring.total == start
    for blocks in (seen_fast, seen_slow):
        got = np.concatenate([b.data for b in blocks], axis=1)
        # Fast reads each write; the slow one lags (still inside the ring).
        assert not any(b.gaps for b in blocks)
        np.testing.assert_array_equal(got[0], np.arange(start - got.shape[1], start))
        np.testing.assert_array_equal(got[2], got[0] + 2000)
    assert seen_fast[0].start == 0


def test_reader_that_falls_behind_gets_an_overrun_gap():
    ring = RingBuffer(2, capacity=30)
    reader = ring.reader()
    ring.write(*_chunk(0, 25, 2), arrival=0.0)
    ring.write(*_chunk(25, 25, 2), arrival=0.0)
    block = reader.read()
    assert [g.reason for g in block.gaps] == ["overrun"]
    assert block.gaps[0].samples_lost == 20
    assert block.start == 20
    np.testing.assert_array_equal(block.data[0], np.arange(20, 50))


def test_gaps_cut_blocks_and_are_reported_once():
    ring = RingBuffer(2, capacity=100)
    reader = ring.reader()
    ring.write(*_chunk(0, 10, 2), arrival=0.0)
    ring.write(*_chunk(30, 5, 2), arrival=1.0, gap=Gap(0, 0.0, 0.2, 20, "lost"))
    block = reader.read()
    assert [(g.index, g.reason, g.samples_lost) for g in block.gaps] == [
        (10, "lost", 20)
    ]
    pieces = block.split()
    assert [(g is not None, p.n_samples) for g, p in pieces] == [(False, 10), (True, 5)]
    np.testing.assert_array_equal(pieces[1][1].data[0], np.arange(30, 35))
    assert pieces[1][1].arrival.tolist() == [1.0] * 5
    assert reader.read().gaps == []


def test_latest_and_from_start_copy_out():
    ring = RingBuffer(3, capacity=20)
    ring.write(*_chunk(0, 35), arrival=0.0)
    times, data = ring.latest(5)
    np.testing.assert_array_equal(data[0], np.arange(30, 35))
    np.testing.assert_allclose(times, np.arange(30, 35) / 100)
    data[:] = -1  # a copy: the ring is untouched
    assert ring.latest(1)[1][0, 0] == 34
    assert ring.reader(from_start=True).read().start == 15
    assert ring.latest(100)[1].shape == (3, 20)


def test_wait_times_out_without_data_and_wakes_on_write():
    ring = RingBuffer(1, capacity=10)
    reader = ring.reader()
    assert reader.wait(0.01) is False
    ring.write(np.zeros((1, 1)), np.zeros(1), 0.0)
    assert reader.wait(0.01) is True


def test_bad_sizes_are_refused():
    with pytest.raises(EEGStreamError, match="ring buffer needs"):
        RingBuffer(0, 10)
