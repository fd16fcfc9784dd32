"""Batch-invariant layers: a sequence's outputs do not depend on its batch.

On the CPU, torch's ``nn.Linear`` (MKL sgemm) and ``nn.Conv1d`` (oneDNN,
NNPACK from batch 16) give a sample's rows another rounding in a batch of
another size: sgemm picks its kernel and blocking by the matrix's row count,
so a row's sums are accumulated in another order. Eight wearers classified
in one call would then differ from each wearer's own call in the last bits.

Here every product is one matrix product per sample, of a shape that does
not depend on the batch (``torch.bmm`` over the batch, the weight broadcast
to every sample): a sample's result is the same bits in a batch of any size,
as alone. :class:`Linear` and :class:`Conv1d` compute so in eval mode and
keep torch's own kernels for training (fast, with the same parameters and
state-dict keys). :func:`attention_pool` is
:class:`torch.nn.MultiheadAttention` with one query computed the same way.

What it costs and what torch's kernels differ by: ``docs/group.md``
("Batched inference"); the tests: ``tests/test_model_invariant.py``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def linear(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None
) -> torch.Tensor:
    """``x @ weight.T + bias`` with one matrix product per sample.

    Parameters
    ----------
    x : tensor of shape (B, ..., in_features)
        Samples along the first axis.
    weight : tensor of shape (out_features, in_features)
    bias : tensor of shape (out_features,) | None

    Returns
    -------
    tensor of shape (B, ..., out_features)
    """
    n = x.shape[0]
    rows = x.reshape(n, -1, x.shape[-1])  # (B, rows per sample, in)
    w = weight.T.expand(n, -1, -1)  # (B, in, out), a view
    if bias is None:
        out = torch.bmm(rows, w)
    else:
        out = torch.baddbmm(bias.expand(n, 1, -1), rows, w)
    return out.reshape(*x.shape[:-1], weight.shape[0])


def conv1d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
) -> torch.Tensor:
    """:func:`torch.nn.functional.conv1d` (zero padding) as one product per sample.

    Parameters
    ----------
    x : tensor of shape (B, in_channels, L)
    weight : tensor of shape (out_channels, in_channels, kernel)
    bias : tensor of shape (out_channels,) | None
    stride, padding : int
        In samples of the time axis.

    Returns
    -------
    tensor of shape (B, out_channels, L_out)
        ``L_out = (L + 2 * padding - kernel) // stride + 1``.
    """
    n, (out_ch, in_ch, k) = x.shape[0], weight.shape
    if in_ch > out_ch:
        # A wide input (the stem: 310 channels): im2col in time-major order,
        # copying runs of k * in_ch numbers (measured: 0.14 ms for 16
        # sequences against 1.3-1.5 ms in runs of k); the weight is reordered.
        x = F.pad(x.transpose(1, 2), (0, 0, padding, padding))  # (B, L + 2p, in)
        cols = x.unfold(1, k, stride).transpose(2, 3)  # (B, L_out, k, in)
        w = weight.transpose(1, 2)  # (out, k, in)
    else:  # the weight, the larger operand, as stored (no copy)
        x = F.pad(x, (padding, padding))  # (B, in, L + 2p)
        cols = x.unfold(2, k, stride).transpose(1, 2)  # (B, L_out, in, k)
        w = weight
    cols = cols.reshape(n, cols.shape[1], k * in_ch)
    return linear(cols, w.reshape(out_ch, k * in_ch), bias).transpose(1, 2)


class Linear(nn.Linear):
    """:class:`torch.nn.Linear`, batch-invariant in eval mode (:func:`linear`)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (B, ..., in_features) to (B, ..., out_features)."""
        if self.training:
            return super().forward(x)
        return linear(x, self.weight, self.bias)


class Conv1d(nn.Conv1d):
    """:class:`torch.nn.Conv1d`, batch-invariant in eval mode (:func:`conv1d`).

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding : int
        As for :class:`torch.nn.Conv1d` (zero padding, no dilation, no groups).
    bias : bool
        Whether to add a learned bias.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, bias=bias
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (B, in_channels, L) to (B, out_channels, L_out)."""
        if self.training:
            return super().forward(x)
        return conv1d(x, self.weight, self.bias, self.stride[0], int(self.padding[0]))


def attention_pool(
    query: torch.Tensor, x: torch.Tensor, attention: nn.MultiheadAttention
) -> torch.Tensor:
    """One learned query attending over each sequence, batch-invariantly.

    What ``attention(query, x, x)`` (batch first, no mask, no dropout)
    computes, with its parameters; the query's projection is computed once,
    the keys', values' and output's per sample (:func:`linear`).

    Parameters
    ----------
    query : tensor of shape (1, dim)
    x : tensor of shape (B, T, dim)
        Keys and values.
    attention : torch.nn.MultiheadAttention
        With ``embed_dim == dim``, a packed input projection and biases.

    Returns
    -------
    tensor of shape (B, dim)
    """
    n, steps, dim = x.shape
    heads, head_dim = attention.num_heads, attention.head_dim
    w, b = attention.in_proj_weight, attention.in_proj_bias
    q = F.linear(query, w[:dim], b[:dim])  # (1, dim)
    kv = linear(x, w[dim:], b[dim:])  # (B, T, 2 dim)
    k, v = kv.view(n, steps, 2, heads, head_dim).permute(2, 0, 3, 1, 4)  # (B, h, T, d)
    q = q.view(1, heads, 1, head_dim).expand(n, -1, -1, -1)  # (B, h, 1, d)
    pooled = F.scaled_dot_product_attention(q, k, v)  # (B, h, 1, d)
    out = attention.out_proj
    return linear(pooled.reshape(n, dim), out.weight, out.bias)  # (B, dim)
