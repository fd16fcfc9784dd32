"""The live pipeline over real LSL: same numbers as offline, real EEG, faults."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pylsl
import pytest
from _pipeline_helpers import PlainSource, collect, wait_until

from eegstream import EEGStreamError
from eegstream.model import StreamingClassifier, load_checkpoint
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import LivePipeline, read_log
from eegstream.replay import Player, array_source

pytestmark = pytest.mark.lsl
CLASSES = ("neutral", "sad", "fear", "happy")  # the tiny checkpoint's


def synthetic_eeg(seconds: float, seed: int = 0) -> np.ndarray:
    """Make SYNTHETIC EEG (noise + 10 Hz rhythm, ~10 µV), exact in float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 200)) / 200
    x = 10 * rng.standard_normal((62, t.size)) + 6 * np.sin(2 * np.pi * 10 * t)
    return x.astype(np.float32).astype(np.float64)


def n_steps(n_samples: int, window: int = 800, hop: int = 200) -> int:
    return (n_samples - window) // hop + 1


def test_live_probabilities_equal_the_offline_streaming_path(
    tiny_checkpoint, unique_id, tmp_path
):
    eeg = synthetic_eeg(12)
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
        probs_inlet = pylsl.StreamInlet(
            pylsl.resolve_byprop("name", f"{unique_id}-probabilities", timeout=5)[0]
        )
        probs_inlet.open_stream(timeout=5)
        got = collect(results, lambda r: len(r) >= n_steps(eeg.shape[1]))
        pushed, _ = probs_inlet.pull_chunk(timeout=1.0, max_samples=100)
        times, received = pipe.eeg_snapshot(30)
        probs_inlet.close_stream()
    finally:
        pipe.stop()
        player.stop()
    # Nothing of the pipeline is left running.
    ours = ("lsl-inlet-", "lsl-markers", "eegstream-pipeline")
    assert not [t.name for t in threading.enumerate() if t.name.startswith(ours)]
    # Every sample arrived once, in order; no gap.
    np.testing.assert_array_equal(received, eeg)
    assert pipe.health().gaps == 0 and pipe.health().state == "stopped"
    offline = StreamingClassifier(load_checkpoint(tiny_checkpoint), device="cpu").push(
        eeg
    )
    assert len(got) == len(offline) == n_steps(eeg.shape[1])
    for live, (step, probs) in zip(got, offline, strict=True):
        np.testing.assert_allclose(live.probabilities, probs, atol=1e-6)
        np.testing.assert_allclose(live.band_power, step.de, rtol=1e-12)
        assert live.warm == step.warm and live.classes == CLASSES
        assert live.true_label == "happy"  # the whole replay is one labelled trial
        assert live.latency_s >= 0
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
    assert any(
        r["type"] == "marker" and r["marker"]["event"] == "trial_start" for r in records
    )
    assert records[0]["stream"]["synthetic"] is True
    (unit,) = [r for r in records if r["type"] == "unit"]
    assert (unit["unit"], unit["source"]) == ("uV", "description")  # "microvolts"
    assert records[-1]["summary"]["steps"] == len(got)


def test_real_recording_at_160_hz_with_64_channels(
    realdata, tiny_checkpoint, unique_id
):
    import mne

    with warnings.catch_warnings():  # the file's last annotation runs past its end
        warnings.simplefilter("ignore", RuntimeWarning)
        raw = mne.io.read_raw_edf(
            realdata / "S001R02_eyes_closed_60s.edf", preload=True, verbose="error"
        )
    eeg = raw.get_data()[:, : 160 * 16] * 1e6
    source = array_source([eeg], 160.0, raw.ch_names, description="PhysioNet S001R02")
    player = Player(source, name=unique_id, speed=4.0, wait_for_consumer=True).start()
    pipe = LivePipeline(tiny_checkpoint, stream=unique_id, device="cpu", outlets=False)
    try:
        results = pipe.subscribe()
        pipe.start()
        got = collect(results, lambda r: len(r) >= 10)
    finally:
        pipe.stop()
        player.stop()
    assert pipe.plan.mode == "names" and pipe.plan.n_present == 58
    assert pipe.plan.missing == ["PO5", "PO6", "CB1", "CB2"]
    assert (pipe.resampler.up, pipe.resampler.down) == (5, 4)
    assert pipe.unit == "uV"
    assert len(got) >= 10
    for r in got:
        assert (
            np.isfinite(r.probabilities).all() and abs(r.probabilities.sum() - 1) < 1e-6
        )
        assert r.band_power.shape == (62, 5) and np.isfinite(r.band_power).all()
    # Eyes closed: occipital alpha above frontal alpha, a real effect of this recording.
    alpha = np.mean([r.band_power[:, 2] for r in got], axis=0)
    occipital = [SEED_CHANNELS.index(c) for c in ("O1", "OZ", "O2")]
    frontal = [SEED_CHANNELS.index(c) for c in ("FP1", "FPZ", "FP2")]
    assert alpha[occipital].mean() > alpha[frontal].mean()


def test_killed_source_is_lost_then_resumed_with_a_gap(
    tiny_checkpoint, unique_id, tmp_path
):
    sid = unique_id + "-sid"
    speed = 4.0
    source = array_source([synthetic_eeg(60)], 200.0, SEED_CHANNELS, synthetic=True)
    first = Player(
        source, name=unique_id, source_id=sid, speed=speed, wait_for_consumer=True
    ).start()
    log = tmp_path / "session.jsonl"
    pipe = LivePipeline(tiny_checkpoint, source_id=sid, log_path=log, device="cpu")
    second = None
    try:
        results = pipe.subscribe()
        pipe.start()
        before = collect(results, lambda r: len(r) >= 2)
        first.stop()  # the source dies
        assert wait_until(lambda: pipe.health().state == "lost")
        second = Player(
            source, name=unique_id, source_id=sid, speed=speed, resolve_timeout=0
        ).start()
        after = collect(results, lambda r: len(r) >= 2)
        health = pipe.health()
    finally:
        pipe.stop()
        first.stop()
        if second is not None:
            second.stop()
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


def test_nan_and_inf_never_poison_the_state(tiny_checkpoint, unique_id):
    eeg = synthetic_eeg(10, seed=3)
    dirty = eeg.copy()
    dirty[5, 1000:1010] = np.nan  # channel FZ... one channel, 50 ms
    dirty[:, 1500] = np.inf  # every channel, one sample
    source = PlainSource(unique_id, dirty, 200.0, SEED_CHANNELS, speed=4.0).start()
    pipe = LivePipeline(tiny_checkpoint, stream=unique_id, device="cpu", outlets=False)
    try:
        results = pipe.subscribe()
        pipe.start()
        got = collect(results, lambda r: len(r) >= n_steps(eeg.shape[1]))
    finally:
        pipe.stop()
        source.close()
    assert pipe.health().samples_nonfinite == 11
    offline = StreamingClassifier(load_checkpoint(tiny_checkpoint), device="cpu").push(
        np.where(np.isfinite(dirty), dirty, np.nan)
    )
    assert len(got) == len(offline)
    for k, (live, (_, probs)) in enumerate(zip(got, offline, strict=True)):
        assert np.isfinite(live.probabilities).all()
        np.testing.assert_allclose(live.probabilities, probs, atol=1e-6)
        start, stop = 200 * k, 200 * k + 800
        touched_nan = start < 1010 and stop > 1000
        touched_inf = start <= 1500 < stop
        rows_bad = ~np.isfinite(live.band_power).all(axis=1)
        if touched_inf:
            assert rows_bad.all()
        elif touched_nan:
            assert rows_bad.tolist() == [i == 5 for i in range(62)]
        else:
            assert not rows_bad.any()  # clean windows are clean again


def test_volts_are_detected_by_amplitude(tiny_checkpoint, unique_id):
    eeg = synthetic_eeg(6, seed=4)
    volts = (eeg * 1e-6).astype(np.float32)
    source = PlainSource(unique_id, volts, 200.0, SEED_CHANNELS, unit=None, speed=4.0)
    source.start()
    pipe = LivePipeline(tiny_checkpoint, stream=unique_id, device="cpu", outlets=False)
    try:
        results = pipe.subscribe()
        pipe.start()
        got = collect(results, lambda r: len(r) >= 2)
    finally:
        pipe.stop()
        source.close()
    assert (pipe.unit, pipe.unit_source) == ("V", "amplitude")
    assert any("volts" in w for w in pipe.warnings)
    offline = StreamingClassifier(load_checkpoint(tiny_checkpoint), device="cpu").push(
        eeg
    )
    np.testing.assert_allclose(got[0].band_power, offline[0][0].de, atol=1e-3)


def test_unusable_streams_are_refused_with_a_clear_message(tiny_checkpoint, unique_id):
    def info(sid, fmt=pylsl.cf_float32, rate=200.0, n=62):
        i = pylsl.StreamInfo(unique_id, "EEG", n, rate, fmt, sid)
        i.set_channel_labels(list(SEED_CHANNELS[:n]))
        return i

    a = pylsl.StreamOutlet(info(unique_id + "-a"))
    b = pylsl.StreamOutlet(info(unique_id + "-b"))
    with pytest.raises(EEGStreamError, match="2 streams match") as err:
        LivePipeline(tiny_checkpoint, stream=unique_id, device="cpu").start()
    assert unique_id + "-a" in str(err.value) and unique_id + "-b" in str(err.value)
    del a, b
    text = pylsl.StreamOutlet(
        info(unique_id + "-s", fmt=pylsl.cf_string, rate=0.0, n=1)
    )
    with pytest.raises(EEGStreamError, match="carries string values"):
        LivePipeline(tiny_checkpoint, source_id=unique_id + "-s", device="cpu").start()
    del text
    few = pylsl.StreamOutlet(info(unique_id + "-f", n=40))
    with pytest.raises(EEGStreamError, match="lacks 22 of the model's channels"):
        LivePipeline(tiny_checkpoint, source_id=unique_id + "-f", device="cpu").start()
    slow = pylsl.StreamOutlet(info(unique_id + "-r", rate=64.0))
    with pytest.raises(EEGStreamError, match="64 Hz, too slow"):
        LivePipeline(tiny_checkpoint, source_id=unique_id + "-r", device="cpu").start()
    del few, slow


def test_unlabelled_stream_runs_positionally_only_when_asked(
    tiny_checkpoint, unique_id
):
    eeg = synthetic_eeg(6, seed=5)
    source = PlainSource(unique_id, eeg.astype(np.float32), 200.0, None, speed=4.0)
    with pytest.raises(EEGStreamError, match="no channel labels"):
        LivePipeline(tiny_checkpoint, stream=unique_id, device="cpu").start()
    source.start()
    pipe = LivePipeline(
        tiny_checkpoint, stream=unique_id, device="cpu", outlets=False,
        assume_seed_order=True,
    )  # fmt: skip
    try:
        results = pipe.subscribe()
        pipe.start()
        got = collect(results, lambda r: len(r) >= 1)
    finally:
        pipe.stop()
        source.close()
    assert pipe.plan.mode == "positional"
    assert any("by position" in w for w in pipe.warnings)
    offline = StreamingClassifier(load_checkpoint(tiny_checkpoint), device="cpu").push(
        eeg
    )
    np.testing.assert_allclose(got[0].probabilities, offline[0][1], atol=1e-6)


def test_a_source_back_with_other_channels_stops_with_an_error(
    tiny_checkpoint, unique_id
):
    sid = unique_id + "-sid"
    eeg = synthetic_eeg(30, seed=6).astype(np.float32)
    first = PlainSource(unique_id, eeg, 200.0, SEED_CHANNELS, source_id=sid, speed=1.0)
    first.start()
    pipe = LivePipeline(tiny_checkpoint, source_id=sid, device="cpu", outlets=False)
    second = None
    try:
        pipe.start()
        assert wait_until(lambda: pipe.health().state == "ok")
        first.close()
        assert wait_until(lambda: pipe.health().state == "lost")
        second = PlainSource(
            unique_id, eeg[:32], 200.0, SEED_CHANNELS[:32], source_id=sid, speed=1.0
        ).start()
        assert wait_until(lambda: pipe.health().error is not None)
        health = pipe.health()
    finally:
        pipe.stop()
        first.close()
        if second is not None:
            second.close()
    assert health.state == "stopped"
    assert "came back with 32 ch" in health.error and "62 ch" in health.error
    assert pipe.summary().error == health.error
