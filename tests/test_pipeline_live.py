"""The live pipeline over real LSL, end to end: the shell around LiveChain.

The signal paths (gap reset, NaN, volts, rates, channel matching) are tested
without LSL in test_pipeline_chain.py; here only what needs a real stream:
outlets, log, markers, a lost and returning source, errors at start and on
the worker thread.
"""

from __future__ import annotations

import threading

import numpy as np
import pylsl
import pytest
from _pipeline_helpers import (
    ChildSource,
    PlainSource,
    collect,
    n_steps,
    open_inlet,
    stop_all,
    synthetic_eeg,
    wait_until,
)

from eegstream import EEGStreamError
from eegstream.model import StreamingClassifier, load_checkpoint
from eegstream.model._testing import SEED_IV_CLASSES as CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import LivePipeline, read_log
from eegstream.replay import Player, array_source

pytestmark = pytest.mark.lsl
_OURS = ("lsl-inlet-", "lsl-markers", "eegstream-pipeline")


def test_live_probabilities_equal_the_offline_streaming_path(
    tiny_checkpoint, unique_id, tmp_path
):
    eeg = synthetic_eeg(12)
    eeg[5, 1000:1010] = np.nan  # a dropout on one channel (FZ), 50 ms
    source = array_source(
        [eeg],
        200.0,
        SEED_CHANNELS,
        labels=["happy"],
        classes=CLASSES,
        description="synthetic test EEG",
        synthetic=True,
    )
    player = Player(source, name=unique_id, speed=4.0, wait_for_consumer=True).start()
    log = tmp_path / "session.jsonl"
    pipe = LivePipeline(tiny_checkpoint, stream=unique_id, log_path=log, device="cpu")
    try:
        results = pipe.subscribe()
        pipe.start()
        probs_inlet = open_inlet(f"{unique_id}-probabilities")
        got = collect(results, lambda r: len(r) >= n_steps(eeg.shape[1]))
        pushed, _ = probs_inlet.pull_chunk(timeout=1.0, max_samples=100)
        times, received = pipe.eeg_snapshot(30)
        probs_inlet.close_stream()
    finally:
        stop_all(pipe, player)
    # Nothing of the pipeline is left running.
    assert not [t.name for t in threading.enumerate() if t.name.startswith(_OURS)]
    # Every sample arrived once, in order; no gap; the dropout counted.
    np.testing.assert_array_equal(received, eeg)
    health = pipe.health()
    assert health.gaps == 0 and health.state == "stopped"
    assert health.samples_nonfinite == 10
    offline = StreamingClassifier(load_checkpoint(tiny_checkpoint), device="cpu").push(
        eeg
    )
    assert len(got) == len(offline) == n_steps(eeg.shape[1])
    for live, (step, probs) in zip(got, offline, strict=True):
        np.testing.assert_allclose(live.probabilities, probs, atol=1e-6)
        np.testing.assert_allclose(live.band_power, step.de, rtol=1e-12)
        assert live.warm == step.warm and live.classes == CLASSES
        assert live.true_label == "happy"  # the whole replay is one labelled trial
        assert live.latency_s >= 0 and live.window_start < live.timestamp
    # The probabilities outlet carries the same numbers (float32), labelled by class.
    assert pushed and all(
        np.isclose(np.asarray(p), [r.probabilities for r in got], atol=1e-6)
        .all(1)
        .any()
        for p in pushed
    )
    summary = pipe.summary()
    assert summary.accuracy is not None
    assert summary.accuracy.steps == len(got) and summary.accuracy.synthetic
    records = read_log(log)
    kinds = [r["type"] for r in records]
    assert kinds[0] == "session_start" and kinds[-1] == "session_end"
    steps = [r for r in records if r["type"] == "step"]
    assert len(steps) == len(got)
    assert list(steps[0]["probabilities"]) == list(CLASSES)
    assert np.asarray(steps[0]["band_power"]).shape == (62, 5)
    assert [r["time"] for r in steps] == pytest.approx([r.timestamp for r in got])
    assert steps[4]["band_power"][5] == [None] * 5  # NaN DE as null
    # The signal checks' verdict on every step, logged as the step carried it.
    assert [r["quality"] for r in steps] == [r.quality.to_dict() for r in got]
    assert not any(r.quality.bad for r in got) and steps[-1]["quality"]["reliable"]
    assert any(
        r["type"] == "marker" and r["marker"]["event"] == "trial_start" for r in records
    )
    assert records[0]["stream"]["synthetic"] is True
    (unit,) = [r for r in records if r["type"] == "unit"]
    assert (unit["unit"], unit["source"]) == ("uV", "description")  # "microvolts"
    assert records[-1]["summary"]["steps"] == len(got)
    assert records[-1]["summary"]["samples_nonfinite"] == 10


def test_killed_source_is_lost_then_resumed_with_a_gap(
    tiny_checkpoint, unique_id, tmp_path
):
    sid = unique_id + "-sid"
    speed = 4.0
    eeg = synthetic_eeg(60)
    first = ChildSource(
        unique_id,
        eeg.astype(np.float32),
        200.0,
        SEED_CHANNELS,
        source_id=sid,
        speed=speed,
    )
    log = tmp_path / "session.jsonl"
    pipe = LivePipeline(tiny_checkpoint, source_id=sid, log_path=log, device="cpu")
    second = None
    try:
        results = pipe.subscribe()
        pipe.start()
        before = collect(results, lambda r: len(r) >= 2)
        first.stop()  # the source's process dies
        assert wait_until(lambda: pipe.health().state == "lost")
        # Every sample of the first source is stamped before now; steps of it
        # may still be queued (a loaded machine), so the second's are told by time.
        gone = pylsl.local_clock()
        source = array_source([eeg], 200.0, SEED_CHANNELS, synthetic=True)
        second = Player(
            source, name=unique_id, source_id=sid, speed=speed, resolve_timeout=0
        ).start()
        got = collect(results, lambda r: sum(x.timestamp > gone for x in r) >= 2)
        health = pipe.health()
    finally:
        stop_all(pipe, first, second)
    after = [r for r in got if r.timestamp > gone]
    assert len(before) >= 2 and len(after) >= 2
    assert health.state == "ok" and health.gaps == 1
    records = read_log(log)
    (gap,) = [r for r in records if r["type"] == "gap"]
    assert gap["reset"] is True and gap["reason"] in ("reconnect", "lost")
    assert any(r["type"] == "health" and r["state"] == "lost" for r in records)
    # The feature state restarted: the first window after the gap lies wholly after it.
    window_s = load_checkpoint(tiny_checkpoint).feature_config.window_s
    assert after[0].timestamp - gap["time"] >= 0.99 * window_s / speed - 1 / 200
    assert not after[0].warm


def test_a_stream_the_chain_refuses_fails_start_and_leaves_nothing_running(
    tiny_checkpoint, unique_id
):
    # Every refusal of the chain (channels, rate, unit) is raised by start();
    # which stream is refused for what: test_pipeline_chain.py.
    info = pylsl.StreamInfo(unique_id, "EEG", 40, 200.0, pylsl.cf_float32, unique_id)
    info.set_channel_labels(list(SEED_CHANNELS[:40]))
    few = pylsl.StreamOutlet(info)
    pipe = LivePipeline(tiny_checkpoint, source_id=unique_id, device="cpu")
    with pytest.raises(EEGStreamError, match="lacks 22 of the model's channels"):
        pipe.start()
    del few
    assert not [t.name for t in threading.enumerate() if t.name.startswith(_OURS)]
    assert pipe.health().state == "stopped" and pipe.outlets is None


def test_a_source_back_with_other_channels_stops_with_an_error(
    tiny_checkpoint, unique_id
):
    sid = unique_id + "-sid"
    eeg = synthetic_eeg(30, seed=6).astype(np.float32)
    first = ChildSource(unique_id, eeg, 200.0, SEED_CHANNELS, source_id=sid, speed=1.0)
    pipe = LivePipeline(tiny_checkpoint, source_id=sid, device="cpu", outlets=False)
    second = None
    try:
        pipe.start()
        assert wait_until(lambda: pipe.health().state == "ok")
        first.stop()
        assert wait_until(lambda: pipe.health().state == "lost")
        second = PlainSource(
            unique_id, eeg[:32], 200.0, SEED_CHANNELS[:32], source_id=sid, speed=1.0
        ).start()
        assert wait_until(lambda: pipe.health().error is not None)
        health = pipe.health()
    finally:
        stop_all(pipe, first, second)
    assert health.state == "stopped"
    assert "came back with 32 ch" in health.error and "62 ch" in health.error
    assert pipe.summary().error == health.error
