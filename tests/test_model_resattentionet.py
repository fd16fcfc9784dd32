"""Model conventions over the registry, shapes and the paper's structure."""

from __future__ import annotations

import inspect

import pytest
import torch

from eegstream import EEGStreamError
from eegstream.model import MODELS, ResAttentioNet, build_model, count_parameters


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_registry_conventions(arch):
    """Every model takes n_features/n_classes and maps (B, T, F) to (B, n_classes)."""
    params = inspect.signature(MODELS[arch]).parameters
    assert {"n_features", "n_classes"} <= set(params)
    torch.manual_seed(0)
    model = build_model(arch, n_features=20, n_classes=5).eval()
    for seq_len in (60, 17):
        out = model(torch.randn(3, seq_len, 20))
        assert out.shape == (3, 5)
        assert torch.isfinite(out).all()
    assert count_parameters(model) > 0


def test_unknown_arch_and_bad_params():
    with pytest.raises(EEGStreamError, match="unknown model architecture 'resnet'"):
        build_model("resnet", n_features=310, n_classes=3)
    with pytest.raises(EEGStreamError, match="bad parameters"):
        build_model("logreg", n_features=310, n_classes=3, depth=4)
    with pytest.raises(EEGStreamError, match="n_heads must divide"):
        ResAttentioNet(310, 3, n_heads=3)


def test_paper_structure_and_parameter_count():
    net = ResAttentioNet(n_features=310, n_classes=4)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv1d)]
    stem = convs[0]
    assert (stem.in_channels, stem.out_channels, stem.kernel_size, stem.stride) == (
        310,
        16,
        (7,),
        (2,),
    )
    assert stem.bias is None
    widths = [b.conv2.out_channels for b in net.encoder]
    assert widths == [16, 16, 32, 32, 64, 64, 128, 128]
    assert net.pool.attention.num_heads == 2 and net.pool.attention.embed_dim == 128
    linears = [m for m in net.classifier if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(128, 128), (128, 4)]
    # Count from the architecture: stem conv + BN, then the attention and head.
    stem_params = 310 * 16 * 7 + 2 * 16
    attention = 3 * 128 * 128 + 3 * 128 + 128 * 128 + 128 + 128  # in/out proj + query
    head = 128 * 128 + 128 + 128 * 4 + 4
    encoder = sum(p.numel() for p in net.encoder.parameters())
    assert count_parameters(net) == stem_params + encoder + attention + head


def test_encoder_time_axis_and_eval_determinism():
    net = ResAttentioNet(n_features=310, n_classes=3).eval()
    x = torch.randn(2, 60, 310)
    encoded = net.encoder(net.stem(x.transpose(1, 2)))
    assert encoded.shape == (2, 128, 2)
    assert torch.equal(net(x), net(x))  # dropout off in eval
    # A batch of one works in eval mode (batch norm uses running statistics).
    assert net(x[:1]).shape == (1, 3)


def test_mean_readout_is_the_baseline_until_trained():
    from eegstream.model import LogRegClassifier

    torch.manual_seed(0)
    base = LogRegClassifier(20, 3)
    with torch.no_grad():
        base.center.normal_()
        base.linear.weight.normal_()
    net = ResAttentioNet(20, 3, base_width=4, readout="mean").eval()
    net.set_mean_readout(base)
    x = torch.randn(4, 17, 20)
    x[:, 12:] = 0  # warm-up padding: the read-out averages the real steps
    torch.testing.assert_close(net(x), base(x))
    assert not any(p.requires_grad for p in net.mean_readout.parameters())
    # The paper's network has no read-out; an unknown read-out is one line.
    assert ResAttentioNet(20, 3).mean_readout is None
    with pytest.raises(EEGStreamError, match="readout must be one of"):
        ResAttentioNet(20, 3, readout="max")
    with pytest.raises(EEGStreamError, match="no mean read-out"):
        ResAttentioNet(20, 3).set_mean_readout(base)
