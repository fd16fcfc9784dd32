"""The traced forward: used only where it gives the module's bits, else eager."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from eegstream.model import Predictor, resolve_model
from eegstream.model.traced import trace_exact

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sequences(n: int, seq_len: int, n_features: int) -> np.ndarray:
    x = np.random.default_rng(n).standard_normal((n, seq_len, n_features))
    x[0, : seq_len // 3] = 0  # warming: zero-padded steps
    return x.astype(np.float32)


@pytest.mark.parametrize("model", ["demo-seed-iv", "demo-seed-iv-logreg"])
def test_warm_up_traces_and_keeps_the_bits(model):
    predictor = Predictor(resolve_model(model), device="cpu")
    assert not predictor.traced
    predictor.warm_up()
    assert predictor.traced
    for n in (1, 5, 16):
        x = _sequences(n, predictor.seq_len, predictor.n_features)
        got = predictor.predict_proba(x)
        with torch.inference_mode():
            logits = predictor.model(torch.from_numpy(x))
        want = torch.softmax(logits, dim=-1).numpy().astype(np.float64)
        assert got.shape == (n, len(predictor.classes))
        np.testing.assert_array_equal(got, want)


class _BatchBranch(nn.Module):
    """Another function for batches of two: a trace on a batch of two keeps that."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(1) if x.shape[0] == 2 else -x.mean(1)


class _Untraceable(nn.Module):
    """Returns a numpy array: the tracer refuses it."""

    def forward(self, x: torch.Tensor) -> np.ndarray:
        return x.mean(1).numpy()


@pytest.mark.parametrize("module", [_BatchBranch(), _Untraceable()])
def test_a_trace_that_is_not_exact_is_not_used(module):
    assert trace_exact(module.eval(), 6, 4, torch.device("cpu")) is None


def test_an_exact_trace_is_used():
    graph = trace_exact(nn.Linear(4, 3).eval(), 6, 4, torch.device("cpu"))
    assert graph is not None
