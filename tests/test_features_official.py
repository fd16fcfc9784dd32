"""Official-feature models live: served with the release's extractor, or refused."""

from __future__ import annotations

import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream.datasets.tables import CLASSES
from eegstream.features import FeatureConfig
from eegstream.features.official import feature_skew, release_features
from eegstream.model import (
    DatasetInfo,
    FeatureSource,
    StreamingClassifier,
    load_checkpoint,
)
from eegstream.model._testing import untrained_checkpoint
from eegstream.pipeline import LiveChain

#: What --features official stores: the release's 4 s windows at a 4 s stride.
# Unconditioned, so live rows can equal the release's exactly on the same EEG.
OFFICIAL_CFG = FeatureConfig(window_s=4.0, hop_s=4.0, conditioning=None)


def _official_model(path, dataset: str, kind: str):
    """A logistic-regression checkpoint that says it learnt ``dataset``'s ``kind``."""
    saved = untrained_checkpoint(
        path,
        CLASSES[dataset],
        OFFICIAL_CFG,
        arch="logreg",
        dataset=DatasetInfo(dataset, synthetic=True, subjects=(1, 2)),
        features=FeatureSource("official", kind),
    )
    return load_checkpoint(saved)


def test_own_de_is_far_from_seed_vii_official_de():
    # The project's DE and the SEED-VII release's differ by a definition, not
    # by noise: several DE units (log2 power) on the same EEG.
    assert feature_skew(OFFICIAL_CFG.replace(smoothing="none"), "seed-vii", "de") > 2
    served = OFFICIAL_CFG.replace(compat="seed-vii", smoothing="none")
    assert feature_skew(served, "seed-vii", "de") < 1e-9


def test_seed_vii_model_is_served_the_release_de(tmp_path):
    ckpt = _official_model(tmp_path / "vii.safetensors", "seed-vii", "de")
    chain = LiveChain.from_labels(ckpt, ckpt.channels, 200.0, unit="uV")
    assert chain.cfg.compat == "seed-vii" and chain.cfg.smoothing == "none"
    assert any("compat='seed-vii'" in w for w in chain.warnings)
    eeg = 10.0 * np.random.default_rng(3).standard_normal((62, 200 * 20))
    steps = chain.classifier.push(eeg)
    # Every live step is the release's own row for that window.
    np.testing.assert_allclose(
        np.stack([s.de for s, _ in steps]),
        release_features(eeg, "seed-vii", "de"),
        rtol=0,
        atol=1e-9,
    )


def test_seed_vii_lds_model_uses_the_causal_kalman(tmp_path):
    ckpt = _official_model(tmp_path / "lds.safetensors", "seed-vii", "de_LDS")
    clf = StreamingClassifier(ckpt)
    assert clf.cfg.compat == "seed-vii" and clf.cfg.smoothing == "kalman"
    assert clf.note is not None and "forward-backward" in clf.note


@pytest.mark.parametrize(
    ("dataset", "kind"), [("seed-iv", "de_LDS"), ("seed-vii", "psd")]
)
def test_unreproduced_official_features_are_refused(tmp_path, dataset, kind):
    ckpt = _official_model(tmp_path / "m.safetensors", dataset, kind)
    with pytest.raises(EEGStreamError, match="cannot compute") as err:
        StreamingClassifier(ckpt)
    text = str(err.value)
    assert "\n" not in text and "--features own" in text and dataset in text
    if kind == "de_LDS":
        assert "DE units" in text
