"""Batch-invariant inference: a sequence's outputs are the same bits in any batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from eegstream.model import Predictor, load_checkpoint, resolve_model
from eegstream.model.invariant import Conv1d, Linear, attention_pool
from eegstream.model.resattentionet import TemporalAttentionPool

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SIZES = (1, 2, 3, 16, 17)


def each_alone(f, x):
    return torch.cat([f(x[i : i + 1]) for i in range(len(x))])


def assert_batch_invariant(f, x):
    """``f`` of the first B samples, for every B in SIZES, is ``f`` of each alone."""
    with torch.inference_mode():
        alone = each_alone(f, x)
        for b in SIZES:
            np.testing.assert_array_equal(f(x[:b]).numpy(), alone[:b].numpy())


@pytest.mark.parametrize(
    ("in_ch", "kernel", "stride", "padding", "length"),
    [(310, 7, 2, 3, 60), (16, 3, 1, 1, 15), (32, 1, 2, 0, 8), (64, 3, 2, 1, 4)],
)
def test_conv1d_is_torchs_to_rounding_and_batch_invariant(
    in_ch, kernel, stride, padding, length
):
    torch.manual_seed(0)
    conv = Conv1d(in_ch, 24, kernel, stride, padding, bias=True).eval()
    x = torch.randn(17, in_ch, length)
    with torch.inference_mode():
        torch_out = F.conv1d(x, conv.weight, conv.bias, stride, padding)
        torch.testing.assert_close(conv(x), torch_out, rtol=1e-5, atol=1e-5)
        # Training keeps torch's kernel itself.
        assert torch.equal(conv.train()(x), torch_out)
    assert_batch_invariant(conv.eval(), x)


def test_linear_over_rows_and_steps():
    torch.manual_seed(0)
    layer = Linear(128, 40).eval()
    for x in (torch.randn(17, 128), torch.randn(17, 2, 128)):
        with torch.inference_mode():
            ref = F.linear(x, layer.weight, layer.bias)
            torch.testing.assert_close(layer(x), ref)
            assert torch.equal(layer.train()(x), ref)  # training: torch's kernel
        assert_batch_invariant(layer.eval(), x)


def test_attention_pool_is_multihead_attention():
    torch.manual_seed(0)
    pool = TemporalAttentionPool(128, 2).eval()
    x = torch.randn(17, 2, 128)
    with torch.inference_mode():
        query = pool.query.expand(len(x), -1, -1)
        ref, _ = pool.attention(query, x, x, need_weights=False)
        got = attention_pool(pool.query[0], x, pool.attention)
        torch.testing.assert_close(got, ref[:, 0], rtol=1e-5, atol=1e-6)
        assert torch.equal(pool(x), got)
        assert torch.equal(pool.train()(x), ref[:, 0])  # training: torch's own
    assert_batch_invariant(pool.eval(), x)


def torch_kernels(model):
    """``model`` in eval mode computing with torch's kernels (the training path)."""
    for m in model.modules():
        if isinstance(m, Linear | Conv1d | TemporalAttentionPool):
            m.train()  # their own forward only: batch norm and dropout stay off
    return model


@pytest.fixture(scope="module", params=["tiny", "demo-seed-iv", "demo-seed-iv-logreg"])
def model_ckpt(request, ckpt):
    return (
        ckpt
        if request.param == "tiny"
        else load_checkpoint(resolve_model(request.param))
    )


def sequences(n_features, n=17, seed=0):
    """Normalised feature sequences; the first has the live path's warm-up padding."""
    x = np.random.default_rng(seed).standard_normal((n, 60, n_features)).astype("f4")
    x[0, :40] = 0
    return x


def test_a_sequence_has_the_same_probabilities_in_any_batch(model_ckpt):
    predictor = Predictor(model_ckpt, device="cpu")
    x = sequences(predictor.n_features)
    alone = np.stack([predictor.predict_proba(s) for s in x])
    for b in SIZES:
        np.testing.assert_array_equal(predictor.predict_proba(x[:b]), alone[:b])


def test_checkpoints_compute_what_they_did(model_ckpt):
    """Same state-dict keys; the invariant forward is torch's to rounding."""
    model = model_ckpt.build()
    assert set(model.state_dict()) == set(model_ckpt.state_dict)
    x = torch.from_numpy(sequences(model_ckpt.n_features))
    with torch.inference_mode():
        got = model(x)
        ref = torch_kernels(model)(x)
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-5)
    assert torch.equal(got.argmax(1), ref.argmax(1))
