"""LiveChain without LSL: parity with StreamingClassifier, every signal fault path."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _pipeline_helpers import n_steps, synthetic_eeg

from eegstream import EEGStreamError
from eegstream.files.reading import from_raw, load_recording
from eegstream.model import StreamingClassifier, load_checkpoint
from eegstream.model._testing import SEED_IV_CLASSES as CLASSES
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import (
    LiveChain,
    SessionStats,
    StepResult,
    StreamingResampler,
    run_recording,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def reference(ckpt, eeg: np.ndarray) -> list:
    """StreamingClassifier over the same samples (µV, SEED order, 200 Hz).

    Probabilities agree to float32 precision (the model runs batches of other sizes).
    """
    return StreamingClassifier(ckpt, device="cpu").push(eeg)


def push_chunked(chain: LiveChain, data: np.ndarray, times: np.ndarray, chunk=10):
    results = []
    for i in range(0, data.shape[1], chunk):
        results += chain.push(data[:, i : i + chunk], times[i : i + chunk])
    return results


def seed_chain(ckpt, **kwargs) -> LiveChain:
    kwargs.setdefault("device", "cpu")
    return LiveChain.from_labels(ckpt, SEED_CHANNELS, 200.0, **kwargs)


def as_recording(data_uv: np.ndarray, labels, sfreq: float):
    """A SYNTHETIC Recording with the file's own labels and rate (an MNE RawArray)."""
    import mne

    info = mne.create_info(list(labels), sfreq, "eeg")
    raw = mne.io.RawArray(data_uv * 1e-6, info, verbose="error")
    return from_raw(raw, sfreq=None, seed_order=False)


def test_recording_with_own_labels_equals_streaming_classifier(ckpt):
    eeg = synthetic_eeg(9, seed=1)
    # Another naming and order than SEED's: lower case, reference suffix, shuffled.
    order = np.random.default_rng(0).permutation(62)
    labels = [SEED_CHANNELS[i].lower() + "-ref" for i in order]
    recording = as_recording(eeg[order], labels, 200.0)
    chain = LiveChain.from_recording(ckpt, recording, device="cpu")
    got = run_recording(chain, recording, chunk=7, start=50.0)
    want = reference(ckpt, recording.data[np.argsort(order)])
    assert chain.plan.mode == "names" and not chain.plan.missing
    assert (chain.unit, chain.unit_source) == ("uV", "option")
    assert len(got) == len(want) == n_steps(eeg.shape[1])
    for r, (step, probs) in zip(got, want, strict=True):
        np.testing.assert_allclose(r.probabilities, probs, atol=1e-6)
        np.testing.assert_allclose(r.band_power, step.de, rtol=1e-12)
        assert r.warm == step.warm and r.classes == CLASSES and r.true_label is None
        # Stamped with the times of the window's last and first samples.
        assert r.timestamp == pytest.approx(50.0 + (step.end - 1) / 200)
        assert r.window_start == pytest.approx(50.0 + (step.end - 800) / 200)
        assert np.isnan(r.latency_s)  # nothing measured arrival


def test_a_160_hz_stream_is_resampled_and_its_steps_stamped(ckpt):
    eeg = synthetic_eeg(10, seed=2, sfreq=160.0)
    times = 1000.0 + np.arange(eeg.shape[1]) / 160
    arrival = times + 0.25
    clock_now = 2000.0
    chain = LiveChain.from_labels(
        ckpt, SEED_CHANNELS, 160.0, device="cpu", clock=lambda: clock_now
    )
    got = []
    for i in range(0, eeg.shape[1], 8):
        got += chain.push(eeg[:, i : i + 8], times[i : i + 8], arrival[i : i + 8])
    assert (chain.resampler.up, chain.resampler.down) == (5, 4)
    resampled = StreamingResampler(160.0, 200.0, 62).push(eeg)
    want = reference(ckpt, resampled)
    assert len(got) == len(want) == n_steps(resampled.shape[1]) > 0
    for r, (step, probs) in zip(got, want, strict=True):
        np.testing.assert_allclose(r.probabilities, probs, atol=1e-6)
        # The input sample that completed the window's last output (and first).
        last, first = (step.end - 1) * 4 // 5, (step.end - 800) * 4 // 5
        assert r.timestamp == times[last] and r.window_start == times[first]
        assert r.latency_s == pytest.approx(clock_now - arrival[last])


def test_a_gap_starts_a_new_segment_keeping_the_wearer(ckpt):
    a, b = synthetic_eeg(7, seed=3), synthetic_eeg(8, seed=4)
    chain = seed_chain(ckpt)
    before = push_chunked(chain, a, np.arange(a.shape[1]) / 200)
    chain.reset()
    t_gap = 100.0
    after = push_chunked(chain, b, t_gap + np.arange(b.shape[1]) / 200)
    ref = StreamingClassifier(ckpt, device="cpu")
    want_before = ref.push(a)
    ref.reset()  # features restart; the normaliser's wearer statistics stay
    want_after = ref.push(b)
    assert len(before) == len(want_before) and len(after) == len(want_after)
    for r, (_, probs) in zip(before + after, want_before + want_after, strict=True):
        np.testing.assert_allclose(r.probabilities, probs, atol=1e-6)
    # No window straddles the gap: the first one after it lies wholly after it.
    assert after[0].window_start >= t_gap and not after[0].warm
    assert after[0].timestamp == pytest.approx(t_gap + 799 / 200)


def test_a_gap_within_the_first_second_is_kept_in_order(ckpt):
    eeg = synthetic_eeg(8, seed=5)
    times = np.arange(eeg.shape[1]) / 200
    chain = seed_chain(ckpt)
    assert chain.push(eeg[:, :120], times[:120]) == []  # unit not decided yet
    chain.reset()
    got = push_chunked(chain, eeg[:, 120:], times[120:] + 10)
    want = reference(ckpt, eeg[:, 120:])  # nothing joined across the gap
    assert len(got) == len(want)
    for r, (_, probs) in zip(got, want, strict=True):
        np.testing.assert_allclose(r.probabilities, probs, atol=1e-6)


def test_nan_and_inf_are_counted_and_never_poison_the_state(ckpt):
    eeg = synthetic_eeg(10, seed=3)
    dirty = eeg.copy()
    dirty[5, 1000:1010] = np.nan  # channel FZ, 50 ms
    dirty[:, 1500] = np.inf  # every channel, one sample
    chain = seed_chain(ckpt)
    got = push_chunked(chain, dirty, np.arange(eeg.shape[1]) / 200)
    assert chain.samples_nonfinite == 11
    want = reference(ckpt, np.where(np.isfinite(dirty), dirty, np.nan))
    assert len(got) == len(want) == n_steps(eeg.shape[1])
    for k, (r, (_, probs)) in enumerate(zip(got, want, strict=True)):
        assert np.isfinite(r.probabilities).all()
        np.testing.assert_allclose(r.probabilities, probs, atol=1e-6)
        start, stop = 200 * k, 200 * k + 800
        touched_nan = start < 1010 and stop > 1000
        touched_inf = start <= 1500 < stop
        rows_bad = ~np.isfinite(r.band_power).all(axis=1)
        if touched_inf:
            assert rows_bad.all()
        elif touched_nan:
            assert rows_bad.tolist() == [i == 5 for i in range(62)]
        else:
            assert not rows_bad.any()  # clean windows are clean again


def test_a_stream_in_volts_is_detected_by_amplitude(ckpt):
    eeg = synthetic_eeg(6, seed=4)
    volts = (eeg * 1e-6).astype(np.float32)
    chain = seed_chain(ckpt)  # unit "auto", nothing declared
    times = np.arange(eeg.shape[1]) / 200
    assert chain.push(volts[:, :199], times[:199]) == [] and chain.unit is None
    got = push_chunked(chain, volts[:, 199:], times[199:])
    assert (chain.unit, chain.unit_source, chain.scale) == ("V", "amplitude", 1e6)
    assert any("treating it as volts" in w for w in chain.warnings)
    want = reference(ckpt, eeg)
    assert len(got) == len(want)
    np.testing.assert_allclose(got[0].band_power, want[0][0].de, atol=1e-3)


@pytest.mark.parametrize(
    ("option", "declared", "expected"),
    [
        ("auto", "uV", ("uV", "description")),
        ("uV", "V", ("uV", "option")),
        ("auto", None, ("uV", "default")),
    ],
)
def test_unit_option_and_description_decide_before_amplitude(
    ckpt, option, declared, expected
):
    chain = seed_chain(ckpt, unit=option, declared_unit=declared)
    eeg = synthetic_eeg(1, seed=6)
    chain.push(eeg, np.arange(200) / 200)
    assert (chain.unit, chain.unit_source) == expected


def test_missing_channels_are_interpolated_within_the_allowance(ckpt):
    eeg = synthetic_eeg(6, seed=7)
    lacking = ["PO5", "PO6", "CB1", "CB2"]
    keep = [i for i, c in enumerate(SEED_CHANNELS) if c not in lacking]
    labels = [SEED_CHANNELS[i] for i in keep] + ["VEO"]  # and one to ignore
    stream = np.vstack([eeg[keep], np.zeros((1, eeg.shape[1]))])
    chain = LiveChain.from_labels(ckpt, labels, 200.0, device="cpu")
    assert chain.plan.missing == lacking and chain.plan.ignored == ["VEO"]
    assert any("interpolated" in w for w in chain.warnings)
    got = push_chunked(chain, stream, np.arange(eeg.shape[1]) / 200)
    want = reference(ckpt, chain.plan.expand(eeg[keep]))
    assert len(got) == len(want) > 0
    for r, (_, probs) in zip(got, want, strict=True):
        np.testing.assert_allclose(r.probabilities, probs, atol=1e-6)
        assert np.isfinite(r.band_power).all()  # interpolated rows are real values


def test_a_seed_order_recording_with_nan_rows_counts_them_missing(ckpt):
    eeg = synthetic_eeg(6, seed=8)
    labels = [c for c in SEED_CHANNELS if c not in ("CB1", "CB2")]
    recording = as_recording(eeg[[SEED_CHANNELS.index(c) for c in labels]], labels, 200)
    seed_order = from_raw_seed_order(recording)
    assert np.isnan(seed_order.data[SEED_CHANNELS.index("CB1")]).all()
    chain = LiveChain.from_recording(ckpt, seed_order, device="cpu")
    assert chain.plan.missing == ["CB1", "CB2"]
    got = run_recording(chain, seed_order)
    assert got and all(np.isfinite(r.band_power).all() for r in got)


def from_raw_seed_order(recording):
    """The same SYNTHETIC recording read in SEED order (NaN rows where missing)."""
    import mne

    info = mne.create_info(recording.ch_names, recording.sfreq, "eeg")
    raw = mne.io.RawArray(recording.data * 1e-6, info, verbose="error")
    return from_raw(raw, sfreq=None, seed_order=True)


def test_too_many_missing_channels_unlabelled_or_slow_streams_are_refused(ckpt):
    with pytest.raises(EEGStreamError, match="lacks 22 of the model's channels"):
        LiveChain.from_labels(ckpt, SEED_CHANNELS[:40], 200.0, device="cpu")
    with pytest.raises(EEGStreamError, match="no channel labels"):
        LiveChain.from_labels(ckpt, None, 200.0, n_channels=62, device="cpu")
    with pytest.raises(EEGStreamError, match="64 Hz, too slow"):
        LiveChain.from_labels(ckpt, SEED_CHANNELS, 64.0, device="cpu")
    with pytest.raises(EEGStreamError, match="unit must be one of"):
        seed_chain(ckpt, unit="mV")
    other = StreamingClassifier(load_checkpoint(ckpt.path), device="cpu")
    with pytest.raises(EEGStreamError, match="not the chain's 'tiny'"):
        seed_chain(ckpt, classifier=other)
    chain = seed_chain(ckpt)
    with pytest.raises(EEGStreamError, match=r"shape \(62, n_samples\)"):
        chain.push(np.zeros((61, 10)), np.zeros(10))
    with pytest.raises(EEGStreamError, match="timestamps must have one value"):
        chain.push(np.zeros((62, 10)), np.zeros(9))


def test_an_unlabelled_stream_runs_positionally_when_asked(ckpt):
    eeg = synthetic_eeg(5, seed=5)
    chain = LiveChain.from_labels(
        ckpt, None, 200.0, n_channels=62, assume_seed_order=True, device="cpu"
    )
    assert chain.plan.mode == "positional"
    assert any("by position" in w for w in chain.warnings)
    got = push_chunked(chain, eeg, np.arange(eeg.shape[1]) / 200)
    np.testing.assert_allclose(got[0].probabilities, reference(ckpt, eeg)[0][1])


def test_a_real_recording_at_160_hz_with_64_channels(realdata, ckpt):
    with warnings.catch_warnings():  # the file's last annotation runs past its end
        warnings.simplefilter("ignore", RuntimeWarning)
        full = load_recording(
            realdata / "S001R02_eyes_closed_60s.edf", sfreq=None, seed_order=False
        )
    recording = type(full)(
        full.data[:, : 160 * 16], 160.0, full.ch_names, full.missing, full.path,
        full.annotations,
    )  # fmt: skip
    chain = LiveChain.from_recording(ckpt, recording, device="cpu")
    got = run_recording(chain, recording)
    assert chain.plan.mode == "names" and chain.plan.n_present == 58
    assert chain.plan.missing == ["PO5", "PO6", "CB1", "CB2"]
    assert (chain.resampler.up, chain.resampler.down) == (5, 4)
    assert chain.unit == "uV" and len(got) == n_steps(16 * 200)
    for r in got:
        assert np.isfinite(r.probabilities).all()
        assert abs(r.probabilities.sum() - 1) < 1e-6
        assert r.band_power.shape == (62, 5) and np.isfinite(r.band_power).all()
    # Eyes closed: occipital alpha above frontal alpha, a real effect of this recording.
    alpha = np.mean([r.band_power[:, 2] for r in got], axis=0)
    occipital = [SEED_CHANNELS.index(c) for c in ("O1", "OZ", "O2")]
    frontal = [SEED_CHANNELS.index(c) for c in ("FP1", "FPZ", "FP2")]
    assert alpha[occipital].mean() > alpha[frontal].mean()


def test_run_recording_refuses_a_chain_at_another_rate(ckpt):
    recording = as_recording(synthetic_eeg(1), SEED_CHANNELS, 200.0)
    chain = LiveChain.from_labels(ckpt, SEED_CHANNELS, 250.0, device="cpu")
    with pytest.raises(EEGStreamError, match="expects 250 Hz, the recording is at 200"):
        run_recording(chain, recording)


def _result(
    predicted: int,
    truth: str | None,
    warm: bool,
    latency: float,
    since_onset_s: float | None = None,
):
    probs = np.full(4, 0.1)
    probs[predicted] = 0.7
    return StepResult(
        0.0,
        probs,
        CLASSES,
        np.zeros((62, 5)),
        latency,
        warm,
        truth,
        since_onset_s=since_onset_s,
    )


def test_session_stats_count_accuracy_against_markers():
    stats = SessionStats(CLASSES, latency_window=2)
    assert stats.accuracy(synthetic=False) is None
    assert np.isnan(stats.recent_latency()[0]) and stats.latency().max is None
    for result in [
        _result(0, "neutral", False, 0.01, 5.0),  # right, calibrating, onset
        _result(1, "neutral", True, 0.02, 59.9),  # wrong, warm, onset
        _result(3, "happy", True, 0.03, 60.0),  # right, warm, steady
        _result(2, None, True, 0.04),  # rest: no label
        _result(2, "disgust", True, 0.05, 70.0),  # not a class of the model
    ]:
        stats.count(result)
    assert stats.steps == 5 and stats.warm_steps == 4
    assert stats.predicted_counts == {"neutral": 1, "sad": 1, "fear": 2, "happy": 1}
    acc = stats.accuracy(synthetic=True)
    assert acc is not None
    assert (acc.steps, acc.correct, acc.warm_steps) == (3, 2, 2)
    assert acc.accuracy == pytest.approx(2 / 3) and acc.warm_accuracy == 0.5
    assert (acc.onset_steps, acc.onset_accuracy) == (2, 0.5)
    assert (acc.steady_steps, acc.steady_accuracy) == (1, 1.0)
    assert acc.synthetic is True
    assert stats.labels_not_in_model == ("disgust",)
    assert stats.recent_latency() == pytest.approx((0.045, 0.0499))  # newest two
    assert stats.latency().max == 0.05
    assert stats.latency().mean == pytest.approx(0.03)


# --- signal conditioning and the line frequency ------------------------------------


def _with_line(eeg: np.ndarray, hz: float, sfreq: float = 200.0) -> np.ndarray:
    """Add 30 mV of electrode DC and a 10 µV mains line (SYNTHETIC)."""
    t = np.arange(eeg.shape[1]) / sfreq
    return eeg + 30_000 + 10 * np.sin(2 * np.pi * hz * t)


def test_chain_features_equal_batch_features_on_the_same_samples(ckpt):
    # One code path: what LiveChain computes live is what extract_features
    # (training, features --file) computes on the recording.
    from eegstream.features import compute_de, condition, extract_features

    eeg = _with_line(synthetic_eeg(12, seed=20), 50.0)
    chain = seed_chain(ckpt, unit="uV")
    results = push_chunked(chain, eeg, np.arange(eeg.shape[1]) / 200.0, chunk=7)
    cfg = ckpt.feature_config
    assert cfg.conditioning is not None and chain.line_freq == 50.0
    band_power = np.stack([r.band_power for r in results])
    np.testing.assert_array_equal(band_power, compute_de(condition(eeg, cfg), cfg))
    smoothed = np.stack([s.smoothed for s, _ in reference(ckpt, eeg)])
    np.testing.assert_array_equal(smoothed, extract_features(eeg, cfg))


def test_line_freq_option_overrides_the_checkpoint(ckpt):
    from eegstream.features import compute_de, condition

    eeg = _with_line(synthetic_eeg(8, seed=21), 60.0)
    chain = seed_chain(ckpt, unit="uV", line_freq=60)
    assert (chain.line_freq, chain.line_freq_source) == (60.0, "option")
    assert chain.cfg.conditioning.line_freq == 60.0
    assert ckpt.feature_config.conditioning.line_freq == 50.0  # untouched
    results = push_chunked(chain, eeg, np.arange(eeg.shape[1]) / 200.0)
    expected = compute_de(condition(eeg, chain.cfg), chain.cfg)
    np.testing.assert_array_equal(np.stack([r.band_power for r in results]), expected)
    # A chain without the option, on the same classifier, is back to the checkpoint's.
    again = seed_chain(ckpt, classifier=chain.classifier)
    assert again.line_freq == 50.0 and again.line_freq_source == "checkpoint"


@pytest.mark.parametrize(("line", "expected"), [(60.0, 60.0), (None, 50.0)])
def test_line_freq_auto_estimates_from_the_first_second(ckpt, line, expected):
    # A 250 Hz headset: estimated at the stream's own rate, before resampling.
    eeg = synthetic_eeg(6, seed=22, sfreq=250.0)
    if line is not None:
        eeg = _with_line(eeg, line, sfreq=250.0)
    chain = LiveChain.from_labels(
        ckpt, SEED_CHANNELS, 250.0, unit="uV", line_freq="auto", device="cpu"
    )
    assert chain.line_freq is None  # not decided before the first second
    results = push_chunked(chain, eeg, np.arange(eeg.shape[1]) / 250.0)
    assert results and chain.line_freq == expected
    assert chain.line_freq_source == ("estimated" if line else "checkpoint")
    (message,) = [w for w in chain.warnings if w.startswith("line frequency (auto)")]
    if line:
        assert "60 Hz noise" in message and "instead of the model's 50 Hz" in message
    else:
        assert "no line noise" in message and "the model's 50 Hz" in message


def test_line_freq_bad_values_and_unconditioned_checkpoints(ckpt, tmp_path):
    from eegstream.features import compute_de
    from eegstream.model._testing import untrained_checkpoint

    with pytest.raises(EEGStreamError, match="must be 50 or 60 Hz or 'auto', got 55"):
        seed_chain(ckpt, line_freq=55)
    # A checkpoint saved before conditioning: features of the raw EEG, as before.
    old = load_checkpoint(
        untrained_checkpoint(
            tmp_path / "old.safetensors",
            cfg=ckpt.feature_config.replace(conditioning=None),
        )
    )
    with pytest.raises(EEGStreamError, match="no conditioning") as info:
        seed_chain(old, line_freq=60)
    assert "\n" not in str(info.value)
    eeg = synthetic_eeg(7, seed=23)
    chain = seed_chain(old, unit="uV", line_freq="auto")
    results = push_chunked(chain, eeg, np.arange(eeg.shape[1]) / 200.0)
    np.testing.assert_array_equal(
        np.stack([r.band_power for r in results]), compute_de(eeg, old.feature_config)
    )
    assert chain.line_freq is None
    assert any("nothing is notched" in w for w in chain.warnings)
