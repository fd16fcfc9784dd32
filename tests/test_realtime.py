"""While live: a frozen start-up heap, no automatic gen-2, short GIL switches."""

from __future__ import annotations

import gc
import sys

import pytest

from eegstream import _realtime


@pytest.fixture
def collections():
    """Generations of the collections run while the test body runs."""
    seen: list[int] = []

    def probe(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(probe)
    yield seen
    gc.callbacks.remove(probe)


def test_live_freezes_and_collects_only_young_between_steps(collections):
    before, interval = gc.get_threshold(), sys.getswitchinterval()
    assert interval != _realtime.SWITCH_INTERVAL_S  # Python's own default
    owner, other = object(), object()
    _realtime.live_started(owner)
    try:
        assert sys.getswitchinterval() == _realtime.SWITCH_INTERVAL_S
        _realtime.live_started(other)
        _realtime.live_started(owner)  # idempotent per owner
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[:2] == before[:2]
        collections.clear()
        # Plenty of cyclic garbage: the young generations collect, never gen 2.
        for _ in range(50_000):
            a: list = []
            a.append(a)
        assert collections and 2 not in collections
        collections.clear()
        _realtime.after_step()
        assert collections == [1]
        _realtime.live_stopped(other)
        assert gc.get_threshold() != before  # one pipeline is still live
    finally:
        _realtime.live_stopped(owner)
        _realtime.live_stopped(owner)  # idempotent
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert sys.getswitchinterval() == interval
    collections.clear()
    _realtime.after_step()  # nothing live: no collection scheduled
    assert collections == []


def test_a_full_collection_comes_after_a_step_when_due(collections, monkeypatch):
    monkeypatch.setattr(_realtime, "FULL_EVERY_S", 0.0)
    owner = object()
    _realtime.live_started(owner)
    try:
        collections.clear()
        _realtime.after_step()
        assert collections == [2]
    finally:
        _realtime.live_stopped(owner)


def test_blas_runs_on_one_thread_while_live_and_as_before_after():
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    # The suite runs BLAS on one thread (conftest): two here, as outside it.
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        if not before or max(before) < 2:
            pytest.skip("BLAS runs on one thread here anyway: nothing to limit")
        owner = object()
        _realtime.live_started(owner)
        try:
            assert blas_threads() == [1] * len(before)
        finally:
            _realtime.live_stopped(owner)
        assert blas_threads() == before


def test_freeze_new_freezes_what_was_built_while_live_only():
    owner = object()
    gc.collect()  # no garbage of earlier tests left to freeze: counts compare
    _realtime.freeze_new()  # not live: nothing frozen
    assert gc.get_freeze_count() == 0
    _realtime.live_started(owner)
    try:
        frozen = gc.get_freeze_count()
        built = [[k] for k in range(1000)]  # a new stream's objects
        _realtime.freeze_new()
        assert gc.get_freeze_count() >= frozen + len(built)
    finally:
        _realtime.live_stopped(owner)
    assert gc.get_freeze_count() == 0
