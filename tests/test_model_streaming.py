"""StreamingClassifier: the live chain equals the offline chain, any chunking."""

from __future__ import annotations

import numpy as np
import pytest

from eegstream.features import (
    FeatureConfig,
    extract_features,
    flatten_features,
    to_sequence,
)
from eegstream.model import Predictor, StreamingClassifier, load_checkpoint
from eegstream.model._testing import untrained_checkpoint


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "s.safetensors"
    return load_checkpoint(untrained_checkpoint(path, cfg=FeatureConfig(seq_len=8)))


def _eeg(seconds, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 10, (62, int(200 * seconds)))


@pytest.mark.parametrize("chunk", [10, 77, 1000])
def test_streaming_equals_offline(ckpt, chunk):
    eeg = _eeg(16)
    clf = StreamingClassifier(ckpt, device="cpu")
    results = []
    for i in range(0, eeg.shape[1], chunk):
        results += clf.push(eeg[:, i : i + chunk])
    cfg = ckpt.feature_config
    steps = flatten_features(extract_features(eeg, cfg))
    assert len(results) == len(steps) == 13  # (16 s - 4 s window) / 1 s hop + 1
    normed = ckpt.normaliser().transform(steps)
    predictor = Predictor(ckpt, device="cpu")
    for k, (step, probs) in enumerate(results):
        seq = to_sequence(normed[: k + 1], cfg.seq_len, cfg.padding, keep="last")
        np.testing.assert_allclose(step.sequence, seq, atol=1e-5)
        np.testing.assert_allclose(probs, predictor.predict_proba(seq), atol=1e-5)
        assert step.warm == (k + 1 >= cfg.seq_len)
    assert clf.classes == ckpt.classes and clf.device == "cpu"


def test_reset_starts_over(ckpt):
    eeg = _eeg(6, seed=1)
    clf = StreamingClassifier(ckpt, device="cpu")
    first = clf.push(eeg)
    assert clf.push(eeg[:, :10]) == []
    clf.reset()
    again = clf.push(eeg)
    assert [s.end for s, _ in again] == [s.end for s, _ in first]
    assert not again[0][0].warm


def test_real_eeg_with_missing_channels(ckpt, realdata):
    """Real EEG (PhysioNet, 64-ch cap resampled to 200 Hz; 4 SEED channels absent)."""
    from eegstream.features import n_windows
    from eegstream.files.reading import load_recording

    rec = load_recording(realdata / "S001R02_eyes_closed_60s.edf", sfreq=200.0)
    assert rec.data.shape[0] == 62 and len(rec.missing) == 4
    clf = StreamingClassifier(ckpt, device="cpu")
    results = []
    for i in range(0, rec.data.shape[1], 10):
        results += clf.push(rec.data[:, i : i + 10])
    assert len(results) == n_windows(rec.data.shape[1], ckpt.feature_config)
    probs = np.stack([p for _, p in results])
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    assert all(np.isfinite(s.sequence).all() for s, _ in results)
