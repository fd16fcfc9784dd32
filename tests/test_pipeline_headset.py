"""A consumer headset live: a 14-channel 128 Hz EPOC-like stream over real LSL.

The EEG is SYNTHETIC and the checkpoints UNTRAINED: these tests check which
channels flow where and what is refused, never accuracy.
"""

from __future__ import annotations

import numpy as np
import pytest
from _pipeline_helpers import first_steps

from eegstream import EEGStreamError
from eegstream.headsets import PRESETS
from eegstream.model import StreamingClassifier, load_checkpoint
from eegstream.model._testing import untrained_checkpoint
from eegstream.montage import SEED_CHANNELS, ChannelSet
from eegstream.pipeline import LivePipeline
from eegstream.pipeline.channels import plan_channels
from eegstream.pipeline.resample import StreamingResampler
from eegstream.replay import Player, array_source

EPOC = PRESETS["emotiv-epoc"]
MODEL_CHANNELS = tuple(sorted(EPOC.channels, key=SEED_CHANNELS.index))


@pytest.fixture(scope="module")
def epoc_checkpoint(tmp_path_factory):
    """An UNTRAINED 14-channel (Emotiv EPOC) checkpoint."""
    path = tmp_path_factory.mktemp("models") / "epoc.safetensors"
    return untrained_checkpoint(path, channels=MODEL_CHANNELS)


def _epoc_eeg(seconds: float, seed: int = 0) -> np.ndarray:
    """SYNTHETIC 14-channel EEG at 128 Hz in EPOC order, µV, exact in float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * EPOC.sfreq)) / EPOC.sfreq
    amp = np.linspace(3, 10, 14)[:, None]
    x = 10 * rng.standard_normal((14, t.size)) + amp * np.sin(2 * np.pi * 10 * t)
    return x.astype(np.float32).astype(np.float64)


def _player(name: str, eeg: np.ndarray) -> Player:
    source = array_source(
        [eeg], EPOC.sfreq, EPOC.channels, description="synthetic EPOC", synthetic=True
    )
    return Player(source, name=name, speed=4.0, loop=True, wait_for_consumer=True)


def test_a_14_channel_128_hz_stream_runs_live_with_a_14_channel_model(
    epoc_checkpoint, unique_id
):
    eeg = _epoc_eeg(10)
    player = _player(unique_id, eeg).start()
    pipe, got = first_steps(epoc_checkpoint, unique_id, player, 4)
    assert pipe.plan.missing == [] and pipe.plan.ignored == []
    assert pipe.plan.channels == MODEL_CHANNELS
    assert len(got) >= 4 and all(r.band_power.shape == (14, 5) for r in got)
    # The same numbers as the offline chain on the model's channels: EPOC order
    # to SEED order, causal resampling 128 -> 200 Hz, 14-channel features.
    order = [list(EPOC.channels).index(c) for c in MODEL_CHANNELS]
    x = StreamingResampler(EPOC.sfreq, 200.0, 14).push(eeg[order])
    offline = StreamingClassifier(load_checkpoint(epoc_checkpoint), "cpu").push(x)
    for live, (step, probs) in zip(got, offline, strict=False):
        np.testing.assert_allclose(live.band_power, step.de, rtol=1e-9)
        np.testing.assert_allclose(live.probabilities, probs, atol=1e-6)


def test_the_62_channel_model_refuses_it_and_suggests_a_subset_model(
    tiny_checkpoint, unique_id
):
    player = _player(unique_id, _epoc_eeg(4)).start()
    try:
        with pytest.raises(EEGStreamError) as err:
            LivePipeline(tiny_checkpoint, stream=unique_id, outlets=False).start()
    finally:
        player.stop()
    message = str(err.value)
    assert "lacks 48 of the model's channels" in message and "FP1" in message
    assert f"eegstream train --channels-from {unique_id}" in message
    assert "\n" not in message


def test_a_full_cap_feeds_a_subset_model_its_own_channels():
    labels = [c.lower() for c in SEED_CHANNELS[::-1]] + ["HEO"]
    plan, warnings = plan_channels(labels, 63, checkpoint_channels=MODEL_CHANNELS)
    assert warnings == [] and plan.missing == [] and len(plan.ignored) == 49
    data = np.arange(63.0)[:, None] * np.ones((1, 3))
    rows = plan.expand(plan.select(data))
    # Each model channel comes from its own stream row (the stream is reversed).
    np.testing.assert_array_equal(rows[:, 0], 61 - ChannelSet.of(MODEL_CHANNELS).rows)


def test_a_missing_model_channel_is_interpolated_from_the_streams_others():
    labels = [c for c in SEED_CHANNELS if c != "AF3"]
    plan, warnings = plan_channels(
        labels, 61, checkpoint_channels=MODEL_CHANNELS, max_missing=1
    )
    assert plan.missing == ["AF3"] and "AF3" in warnings[0]
    # Interpolation support: the stream's other SEED channels, not only the model's.
    assert plan.n_present == 61 and plan.interpolation.shape == (1, 61)
    from eegstream.montage import positions_3d

    field = 20 * positions_3d()[:, 1:2]  # a smooth front-back gradient, µV
    data = field[[SEED_CHANNELS.index(c) for c in labels]]
    rows = plan.expand(plan.select(data))
    np.testing.assert_allclose(rows[:, 0], field[ChannelSet.of(MODEL_CHANNELS).rows, 0],
                               atol=0.1 * np.ptp(field))  # fmt: skip
    with pytest.raises(EEGStreamError, match=r"lacks 1 of the model's channels \(AF3"):
        plan_channels(labels, 61, checkpoint_channels=MODEL_CHANNELS, max_missing=0)


def test_an_unlabelled_headset_stream_can_be_taken_in_model_order():
    plan, _ = plan_channels(
        None, 14, checkpoint_channels=MODEL_CHANNELS, assume_seed_order=True
    )
    assert plan.mode == "positional"
    np.testing.assert_array_equal(plan.source, np.arange(14))


@pytest.mark.gui
def test_the_dashboard_shows_the_models_channels(epoc_checkpoint, unique_id, qtbot):
    pytest.importorskip("pytestqt")
    from eegstream.dashboard.window import MainWindow

    player = _player(unique_id, _epoc_eeg(8)).start()
    pipe = LivePipeline(epoc_checkpoint, stream=unique_id, device="cpu", outlets=False)
    try:
        window = MainWindow(pipe.start(), pipe.classes, history_s=60)
        qtbot.addWidget(window)
        window.timer.setInterval(10_000)  # the test drives refresh() itself

        def drawn() -> None:
            window.refresh()
            assert window.model.topo is not None and window.model.eeg.size

        qtbot.waitUntil(drawn, timeout=20_000)
        # Scalp dots at the 14 EPOC sites; traces of EPOC channels, all measured.
        assert window.scalpmap.topomap.positions.shape == (14, 2)
        assert window.model.topo.shape == (14, 5)
        assert set(window.model.trace_channels) <= set(MODEL_CHANNELS)
        assert len(window.model.trace_channels) >= 4
        assert np.isfinite(window.model.eeg).all()
    finally:
        pipe.stop()
        player.stop()
