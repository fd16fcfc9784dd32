"""The signal checks inside LiveChain, on a real recording with planted faults.

The model is UNTRAINED (its probabilities mean nothing); what is checked is
which channels are marked, replaced and flagged, and when.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _realdata import run3

from eegstream.montage import SEED_CHANNELS, map_channels
from eegstream.pipeline import LiveChain, run_recording
from eegstream.quality import QualitySettings, faults

SECONDS = 30


@pytest.fixture(scope="module")
def real(realdata):
    """The first 30 s of run 3: 64 channels at 160 Hz, 58 of them SEED channels."""
    rec = run3(realdata)
    return dataclasses.replace(rec, data=rec.data[:, : SECONDS * 160])


def row(recording, name: str) -> int:
    index, _ = map_channels(recording.ch_names)
    return int(index[SEED_CHANNELS.index(name)])


def unplugged(recording, names, start_s: float, stop_s: float):
    """The recording with these channels at 0 µV from start_s to stop_s."""
    data = recording.data.copy()
    rows = [row(recording, n) for n in names]
    data[np.ix_(rows, np.arange(round(start_s * 160), round(stop_s * 160)))] = 0.0
    return dataclasses.replace(recording, data=data)


def bad_names(result) -> set[str]:
    return {b.name for b in result.quality.bad}


def test_a_channel_unplugged_mid_recording_is_marked_replaced_and_cleared(ckpt, real):
    clean = run_recording(LiveChain.from_recording(ckpt, real, device="cpu"), real)
    faulty = unplugged(real, ["O1"], 12.0, 20.0)
    chain = LiveChain.from_recording(ckpt, faulty, device="cpu")
    got = run_recording(chain, faulty)
    assert len(got) == len(clean)
    marked = np.array(["O1" in bad_names(r) for r in got])
    times = np.array([r.timestamp for r in got])
    assert not marked[times < 12].any()
    first = times[marked].min()
    assert first <= 12 + 5  # within 5 s of the unplugging
    assert marked[(times >= first) & (times < 20)].all()
    assert not marked[times >= 20 + 5].any()  # cleared once it is back
    reasons = {b.reasons for r in got for b in r.quality.bad if b.name == "O1"}
    assert reasons == {("flat",)}
    assert not (set().union(*map(bad_names, got)) - {"O1"})
    o1 = SEED_CHANNELS.index("O1")
    # Marked: its feature chain restarts (NaN DE for one window), then it carries
    # the interpolation of its neighbours, which resembles the real O1.
    interpolated = (times >= first + 4) & (times < 20)
    de = np.array([r.band_power[o1] for r in got])
    assert np.isnan(de[times == first + 1]).all()
    real_de = np.array([r.band_power[o1] for r in clean])
    assert np.isfinite(de[interpolated]).all()
    assert np.abs(de[interpolated] - real_de[interpolated]).mean() < 1.0
    # Flat O1 fed as it is would read as no power at all.
    assert (de[interpolated] > real_de[interpolated].min() - 3).all()
    # The other channels are untouched while it is marked.
    others = [
        i for i in range(62) if i != o1 and SEED_CHANNELS[i] in chain.plan.taken_names
    ]
    np.testing.assert_allclose(
        np.array([r.band_power[others] for r in got])[times < 12],
        np.array([r.band_power[others] for r in clean])[times < 12],
    )


def test_offline_and_live_chunking_give_the_same_steps_and_flags(ckpt, real):
    names = ("FT7", "FT8", "T7", "T8", "TP7", "TP8")
    data, _ = faults.muscle_bursts(real.data, [row(real, n) for n in names], 160.0)
    faulty = unplugged(dataclasses.replace(real, data=data), ["P3"], 12.0, 20.0)
    offline = run_recording(
        LiveChain.from_recording(ckpt, faulty, device="cpu"), faulty
    )
    chain = LiveChain.from_recording(ckpt, faulty, device="cpu")
    rng = np.random.default_rng(3)
    times = np.arange(faulty.data.shape[1]) / 160
    live, i = [], 0
    while i < faulty.data.shape[1]:
        n = int(rng.integers(1, 300))
        live += chain.push(faulty.data[:, i : i + n], times[i : i + n])
        i += n
    assert len(live) == len(offline)
    assert [r.quality for r in live] == [r.quality for r in offline]
    for a, b in zip(live, offline, strict=True):
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-6)
        np.testing.assert_allclose(a.band_power, b.band_power)
    assert any(r.quality.flagged("muscle") for r in live)
    assert any("P3" in bad_names(r) for r in live)


def test_more_bad_channels_than_the_model_allows_make_steps_unreliable(ckpt, real):
    # 4 channels are missing from this montage; the checkpoint allows 6.
    short = dataclasses.replace(real, data=real.data[:, : 8 * 160])
    faulty = unplugged(short, ["O1", "OZ", "O2"], 0.0, 8.0)
    got = run_recording(LiveChain.from_recording(ckpt, faulty, device="cpu"), faulty)
    last = got[-1].quality
    assert bad_names(got[-1]) == {"O1", "OZ", "O2"}
    assert not last.reliable and last.note.startswith("7 of the model's channels")
    assert "UNRELIABLE" in last.summary()
    assert ckpt.meta.max_missing_channels == 6


def test_a_new_wearer_starts_with_no_channel_marked(ckpt, real):
    short = dataclasses.replace(real, data=real.data[:, : 6 * 160])
    faulty = unplugged(short, ["O1"], 0.0, 6.0)
    chain = LiveChain.from_recording(ckpt, faulty, device="cpu")
    assert "O1" in bad_names(run_recording(chain, faulty)[-1])
    chain.reset_wearer()
    assert not chain.monitor.marked.any() and chain.active_plan is chain.plan
    assert not run_recording(chain, short)[-1].quality.bad


def test_checks_off_or_with_other_settings(ckpt, real):
    short = dataclasses.replace(real, data=real.data[:, : 12 * 160])
    faulty = unplugged(short, ["O1"], 5.0, 12.0)
    off = LiveChain.from_recording(ckpt, faulty, device="cpu", checks=False)
    assert off.monitor is None
    assert all(r.quality is None for r in run_recording(off, faulty))

    def first_marked(**kwargs) -> float:
        chain = LiveChain.from_recording(ckpt, faulty, device="cpu", **kwargs)
        return min(r.timestamp for r in run_recording(chain, faulty) if r.quality.bad)

    # Marked after 4 flat segments of 4 instead of 2: two hops later.
    slow = QualitySettings(bad_after=4, bad_window=4)
    assert first_marked(checks=slow) - first_marked() == pytest.approx(2.0)


def test_the_console_line_names_bad_channels_and_flags():
    from eegstream.pipeline.console import status_line
    from eegstream.pipeline.results import Health, StepResult
    from eegstream.quality import ArtifactFlag, BadChannel, StepQuality

    health = Health(
        "ok", "Cap", "sid", 160.0, 160.0, 1600, 0, 0, 0.003, 0.005, "cpu", "tiny"
    )
    quality = StepQuality(
        (BadChannel("O1", ("flat",)),), (ArtifactFlag("muscle", ("T7", "T8")),)
    )
    step = StepResult(
        0.0, np.array([0.1, 0.2, 0.3, 0.4]), ("neutral", "sad", "fear", "happy"),
        np.zeros((62, 5)), 0.003, True, quality=quality,
    )  # fmt: skip
    line = status_line(health, step, cold=0, seq_len=60, elapsed=10.0)
    assert "signal: 1 bad: O1 flat; muscle T7 T8" in line
    clean = dataclasses.replace(step, quality=StepQuality())
    assert "signal" not in status_line(health, clean, 0, 60, 10.0)
