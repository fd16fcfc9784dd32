"""Checkpoint round trip, refusal of damaged or foreign files, model lookup."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from eegstream import EEGStreamError
from eegstream.features import FeatureConfig
from eegstream.model import (
    REQUIRED_KEYS,
    CheckpointMeta,
    Predictor,
    load_checkpoint,
    resolve_model,
    save_checkpoint,
)
from eegstream.model._testing import untrained_checkpoint


@pytest.fixture
def ckpt_path(tmp_path):
    return untrained_checkpoint(
        tmp_path / "tiny.safetensors", cfg=FeatureConfig(hop_s=2.0)
    )


@pytest.mark.parametrize("arch", ["resattentionet", "logreg"])
def test_round_trip(tmp_path, arch):
    path = untrained_checkpoint(tmp_path / f"{arch}.safetensors", arch=arch, seed=3)
    ckpt = load_checkpoint(path)
    assert set(REQUIRED_KEYS) <= set(ckpt.meta.to_dict())
    assert ckpt.arch == arch
    assert ckpt.classes == ("neutral", "sad", "fear", "happy")
    assert len(ckpt.channels) == 62 and ckpt.n_features == 310
    model = ckpt.build()
    # Same weights as a fresh build with the same seed.
    torch.manual_seed(3)
    x = torch.randn(2, 60, 310)
    probs = Predictor(ckpt, device="cpu").predict_proba(x.numpy())
    with torch.inference_mode():
        expected = torch.softmax(model(x), -1).numpy()
    np.testing.assert_allclose(probs, expected, rtol=1e-5)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    assert Predictor(path).predict_proba(x[0].numpy()).shape == (4,)


def test_header_settings_survive(ckpt_path):
    ckpt = load_checkpoint(ckpt_path)
    assert ckpt.feature_config == FeatureConfig(hop_s=2.0)
    norm = ckpt.normaliser()
    assert norm.n_features == 310 and norm.prior_steps == 30.0


def test_truncated_file_refused(ckpt_path):
    data = ckpt_path.read_bytes()
    for size in (0, 5, 100, len(data) // 2, len(data) - 1):
        ckpt_path.write_bytes(data[:size])
        with pytest.raises(EEGStreamError, match="truncated|not a"):
            load_checkpoint(ckpt_path)


def test_tampered_weights_refused(ckpt_path):
    data = bytearray(ckpt_path.read_bytes())
    data[-3] ^= 0xFF  # one byte of the last tensor
    ckpt_path.write_bytes(bytes(data))
    with pytest.raises(EEGStreamError, match="integrity"):
        load_checkpoint(ckpt_path)


def test_tampered_header_refused(ckpt_path):
    data = ckpt_path.read_bytes()
    tampered = data.replace(b'\\"sad\\"', b'\\"mad\\"')
    assert tampered != data
    ckpt_path.write_bytes(tampered)
    with pytest.raises(EEGStreamError, match="integrity"):
        load_checkpoint(ckpt_path)


def test_foreign_files_refused(tmp_path):
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(3)}, str(foreign), metadata={"format": "pt"})
    with pytest.raises(EEGStreamError, match="not an eegstream checkpoint"):
        load_checkpoint(foreign)
    pickle_file = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(3)}, pickle_file)
    with pytest.raises(EEGStreamError, match="not a"):
        load_checkpoint(pickle_file)
    text = tmp_path / "notes.safetensors"
    text.write_text("hello, this is not a model at all " * 10)
    with pytest.raises(EEGStreamError, match="not a"):
        load_checkpoint(text)
    with pytest.raises(EEGStreamError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_incomplete_header_refused():
    with pytest.raises(EEGStreamError, match=r"lacks \['arch_params'"):
        CheckpointMeta.from_dict({"arch": "logreg"})


def test_weights_must_fit_arch(tmp_path, ckpt_path):
    ckpt = load_checkpoint(ckpt_path)
    params = dict(ckpt.meta.arch_params, n_classes=7)
    meta = dataclasses.replace(ckpt.meta, arch_params=params)
    bad = save_checkpoint(tmp_path / "bad.safetensors", ckpt.state_dict, meta)
    with pytest.raises(EEGStreamError, match="do not fit"):
        load_checkpoint(bad).build()


def test_predictor_rejects_wrong_shape(ckpt_path):
    with pytest.raises(EEGStreamError, match=r"shape \(B, 60, 310\)"):
        Predictor(ckpt_path, device="cpu").predict_proba(np.zeros((60, 62)))


def test_resolve_model(tmp_path, monkeypatch, ckpt_path):
    monkeypatch.setenv("EEGSTREAM_MODELS", str(tmp_path))
    assert resolve_model("tiny") == ckpt_path
    assert resolve_model(ckpt_path) == ckpt_path
    with pytest.raises(EEGStreamError, match=r"available: \['tiny'\]"):
        resolve_model("nonexistent")
    assert load_checkpoint(resolve_model("tiny")).meta.normaliser.mode == "running"
