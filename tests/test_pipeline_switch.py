"""Switching the running model for another (a personal one) without a gap.

First on the synchronous LiveChain (fast, no LSL), then once through the
threaded LivePipeline over real LSL: outlets, subscribers and the session log
carry on, and the steps after the switch are the new model's.
"""

from __future__ import annotations

import numpy as np
import pytest
from _pipeline_helpers import (
    collect,
    n_steps,
    open_inlet,
    personal_checkpoint,
    synthetic_eeg,
)

from eegstream import EEGStreamError
from eegstream.features import FeatureConfig, RunningNormaliser
from eegstream.model import Predictor, StreamingClassifier, load_checkpoint
from eegstream.model._testing import SEED_IV_CLASSES as CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import LiveChain, LivePipeline, read_log
from eegstream.replay import Player, array_source


@pytest.fixture(scope="module")
def base(tiny_checkpoint):
    return load_checkpoint(tiny_checkpoint)


@pytest.fixture(scope="module")
def personal(tmp_path_factory):
    """A stand-in personal model of wearer alice: another network, same statistics."""
    path = tmp_path_factory.mktemp("personal") / "alice-personal.safetensors"
    return load_checkpoint(personal_checkpoint(path, wearer="alice"))


def _chain(ckpt) -> LiveChain:
    return LiveChain.from_labels(ckpt, SEED_CHANNELS, 200.0, device="cpu")


def _push(chain: LiveChain, eeg: np.ndarray, start: int = 0, chunk: int = 10) -> list:
    times = (start + np.arange(eeg.shape[1])) / 200.0
    return [
        r
        for i in range(0, eeg.shape[1], chunk)
        for r in chain.push(eeg[:, i : i + chunk], times[i : i + chunk])
    ]


def _probs(results) -> np.ndarray:
    return np.stack([r.probabilities for r in results])


def test_a_switch_between_pushes_loses_no_step_and_runs_the_new_network(base, personal):
    eeg = synthetic_eeg(20, seed=5)
    cut = 12 * 200 + 30  # inside a hop, well after the first second
    whole = _push(_chain(base), eeg)
    chain = _chain(base)
    before = _push(chain, eeg[:, :cut])
    chain.switch_classifier(StreamingClassifier(personal, device="cpu"))
    after = _push(chain, eeg[:, cut:], start=cut)
    got = before + after
    assert chain.checkpoint is personal and chain.classes == CLASSES
    # Every step of the uninterrupted run, at the same times, from the same signal.
    assert [r.timestamp for r in got] == [r.timestamp for r in whole]
    assert [r.warm for r in got] == [r.warm for r in whole]
    for r, w in zip(got, whole, strict=True):
        np.testing.assert_array_equal(r.band_power, w.band_power)
    np.testing.assert_allclose(_probs(before), _probs(whole[: len(before)]), atol=1e-6)
    # After it: the personal network on the sequences the stream had built
    # (same population statistics here, so the same sequences).
    steps = StreamingClassifier(base, device="cpu").push(eeg)[len(before) :]
    want = Predictor(personal, device="cpu").predict_proba(
        np.stack([s.sequence for s, _ in steps])
    )
    np.testing.assert_allclose(_probs(after), want, atol=1e-6)
    assert not np.allclose(_probs(after), _probs(whole[len(before) :]), atol=1e-3)


def test_the_wearers_statistics_carry_over_under_the_new_prior(base, tmp_path):
    other = load_checkpoint(
        personal_checkpoint(tmp_path / "bob.safetensors", wearer="bob", mean=4, std=3)
    )
    eeg = synthetic_eeg(10, seed=6)
    chain = _chain(base)
    _push(chain, eeg)
    chain.switch_classifier(StreamingClassifier(other, device="cpu"))
    # The same steps seen by a normaliser with the new population statistics.
    seen = StreamingClassifier(base, device="cpu").push(eeg)
    oracle = RunningNormaliser(np.full(310, 4.0), np.full(310, 3.0), 30.0)
    oracle.transform(np.stack([s.smoothed.reshape(-1) for s, _ in seen]))
    probe = np.random.default_rng(0).normal(5, 2, 310)
    normaliser = chain.classifier.features.normaliser
    assert normaliser is not None
    np.testing.assert_allclose(normaliser.step(probe), oracle.step(probe), rtol=1e-12)


def test_other_classes_features_or_channels_are_refused_and_the_chain_runs_on(
    base, tmp_path
):
    refused = {
        "same classes": personal_checkpoint(
            tmp_path / "seed.safetensors", classes=("negative", "neutral", "positive")
        ),
        r"feature settings differ \(window_s\)": personal_checkpoint(
            tmp_path / "short.safetensors", cfg=FeatureConfig(window_s=2)
        ),
        r"feature settings differ \(channels\)": personal_checkpoint(
            tmp_path / "cap.safetensors", channels=SEED_CHANNELS[:20]
        ),
    }
    eeg = synthetic_eeg(12, seed=7)
    chain = _chain(base)
    got = _push(chain, eeg[:, :1200])
    for match, path in refused.items():
        with pytest.raises(EEGStreamError, match=match) as err:
            chain.switch_classifier(StreamingClassifier(path, device="cpu"))
        assert "\n" not in str(err.value)
    got += _push(chain, eeg[:, 1200:], start=1200)
    assert chain.checkpoint is base
    want = StreamingClassifier(base, device="cpu").push(eeg)
    assert len(got) == len(want)
    np.testing.assert_allclose(_probs(got), np.stack([p for _, p in want]), atol=1e-6)


@pytest.mark.lsl
def test_the_pipeline_switches_without_dropping_the_stream(
    tiny_checkpoint, base, personal, unique_id, tmp_path
):
    eeg = synthetic_eeg(16, seed=8)
    source = array_source(
        [eeg], 200.0, SEED_CHANNELS, labels=["sad"], classes=CLASSES, synthetic=True
    )
    player = Player(
        source, name=unique_id, speed=4.0, resolve_timeout=0.2, wait_for_consumer=True
    ).start()
    other = personal_checkpoint(
        tmp_path / "three.safetensors", classes=("negative", "neutral", "positive")
    )
    log = tmp_path / "session.jsonl"
    pipe = LivePipeline(tiny_checkpoint, stream=unique_id, log_path=log, device="cpu")
    total = n_steps(eeg.shape[1])
    try:
        results = pipe.subscribe()
        pipe.start()
        outlet = open_inlet(f"{unique_id}-probabilities")
        got = collect(results, lambda r: len(r) >= 3)
        with pytest.raises(EEGStreamError, match="same classes"):
            pipe.switch_model(other)  # refused: the outlet's channels are classes
        switch = pipe.switch_model(personal.path, reason="a test")
        health = pipe.health()
        got += collect(results, lambda r: len(got) + len(r) >= total)
        pushed, _ = outlet.pull_chunk(timeout=2.0, max_samples=4 * total)
        outlet.close_stream()
    finally:
        pipe.stop()
        player.stop()
    assert health.model_name == "alice-personal" and health.error is None
    assert health.personal and health.wearer == "alice"
    # Every step of the replay, one hop apart.
    assert len(got) == total
    hops = np.diff([r.timestamp for r in got])
    np.testing.assert_allclose(hops, hops[0], rtol=1e-3)
    # Base model before the switch's step, the personal one from it on.
    k = switch.step
    assert 3 <= k < total
    # The outlet went on: every step of the new model went out on it (how many
    # of the base model's it carried depends on when its inlet connected).
    assert total - k <= len(pushed) <= total
    np.testing.assert_allclose(pushed, _probs(got[-len(pushed) :]), atol=1e-6)
    steps = StreamingClassifier(base, device="cpu").push(eeg)
    np.testing.assert_allclose(
        _probs(got[:k]), np.stack([p for _, p in steps[:k]]), atol=1e-6
    )
    want = Predictor(personal, device="cpu").predict_proba(
        np.stack([s.sequence for s, _ in steps[k:]])
    )
    np.testing.assert_allclose(_probs(got[k:]), want, atol=1e-6)
    # The log says when and to what; the summary names the model at the end.
    records = read_log(log)
    (model,) = [r for r in records if r["type"] == "model"]
    assert model["step"] == k and model["model"] == "alice-personal"
    assert model["wearer"] == "alice" and model["previous"] == base.name
    assert model["reason"] == "a test"
    before = records[: records.index(model)]
    assert sum(r["type"] == "step" for r in before) == k  # logged at its step
    summary = records[-1]["summary"]
    assert summary["model"] == "alice-personal" and summary["wearer"] == "alice"
    assert [s["step"] for s in summary["switches"]] == [k]
