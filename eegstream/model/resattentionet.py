"""ResAttentioNet: 1-D ResNet18 over time, attention pooling, MLP classifier.

The network of the seed paper [ResAttentioNet]_, built on a 1-D ResNet18
[ResNet]_. A trial is a sequence of ``seq_len`` steps of
DE features (310 = 62 channels x 5 bands, channel-major); the features are
read as input channels of a 1-D convolution over the time axis.

References
----------
.. [ResAttentioNet] The seed paper, summarised in ``../shared/PAPER.md``.
.. [ResNet] He K., Zhang X., Ren S., Sun J. (2016). Deep residual learning for
   image recognition. CVPR.
"""

from __future__ import annotations

import torch
from torch import nn

from .._errors import EEGStreamError
from .invariant import Conv1d, Linear, attention_pool
from .logreg import LogRegClassifier

#: What the network adds to its deep branch's logits: nothing (the paper), or
#: the logits of a frozen logistic regression on the time-averaged input.
READOUTS = ("none", "mean")


class BasicBlock1d(nn.Module):
    """ResNet basic block over time: two k3 convs with batch norm and a shortcut.

    Parameters
    ----------
    in_ch, out_ch : int
        Input and output channels.
    stride : int
        Temporal stride of the first conv (and of the 1x1 shortcut conv).
    """

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv1d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm1d(out_ch)
        self.conv2 = Conv1d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm1d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(
                Conv1d(in_ch, out_ch, 1, stride, bias=False), nn.BatchNorm1d(out_ch)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class TemporalAttentionPool(nn.Module):
    """Multi-head attention of one learned query over the time steps.

    Keys and values are linear projections of the sequence; the heads are
    concatenated and projected to one ``dim``-d vector. In eval mode a
    sequence's result does not depend on its batch
    (:func:`~eegstream.model.invariant.attention_pool`).

    Parameters
    ----------
    dim : int
        Feature size of each step (and of the output).
    n_heads : int
        Attention heads; must divide ``dim``.
    """

    def __init__(self, dim: int, n_heads: int) -> None:
        super().__init__()
        self.query = nn.Parameter(torch.randn(1, 1, dim) * dim**-0.5)
        self.attention = nn.MultiheadAttention(dim, n_heads, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool ``x`` of shape (B, T, dim) to (B, dim)."""
        if not self.training:
            return attention_pool(self.query[0], x, self.attention)
        query = self.query.expand(x.shape[0], -1, -1)
        pooled, _ = self.attention(query, x, x, need_weights=False)
        return pooled[:, 0]


class ResAttentioNet(nn.Module):
    """The seed paper's classifier of DE feature sequences.

    Parameters
    ----------
    n_features : int
        Features per step (310 = 62 channels x 5 bands).
    n_classes : int
        Number of emotion classes.
    base_width : int
        Width ``w`` of the first stage; stages are ``w, 2w, 4w, 8w`` wide
        (paper: 16, so the encoder yields 128 features per step).
    n_heads : int
        Heads of the attention pooling; must divide ``8 * base_width``.
    dropout : float
        Dropout after the encoder and inside the classifier (paper: 0.5).
    readout : "none" | "mean"
        ``"none"``: the paper's network. ``"mean"``: the logits are those of a
        frozen :class:`LogRegClassifier` on the sequence's time-averaged input
        (:attr:`mean_readout`, set with :meth:`set_mean_readout`) plus the deep
        branch's, whose last layer starts at zero, so an untrained network
        predicts as the read-out does and training learns a correction.

    Notes
    -----
    Input ``x`` is array of shape (B, seq_len, n_features), time first as the
    feature pipeline produces it; output is logits of shape (B, n_classes).
    With ``seq_len=60`` the time axis shrinks 60 -> 30 (stem conv) -> 15
    (max-pool) -> 15, 8, 4, 2 (stages).

    Examples
    --------
    >>> net = ResAttentioNet(n_features=310, n_classes=4)
    >>> net(torch.zeros(2, 60, 310)).shape
    torch.Size([2, 4])
    """

    def __init__(
        self,
        n_features: int = 310,
        n_classes: int = 3,
        base_width: int = 16,
        n_heads: int = 2,
        dropout: float = 0.5,
        readout: str = "none",
    ) -> None:
        super().__init__()
        width = 8 * base_width
        if readout not in READOUTS:
            raise EEGStreamError(
                f"ResAttentioNet readout must be one of {READOUTS}, got {readout!r}"
            )
        if n_classes < 2 or n_features < 1 or base_width < 1:
            raise EEGStreamError(
                "ResAttentioNet needs n_features >= 1, n_classes >= 2, base_width "
                ">= 1; "
                f"got {n_features}, {n_classes}, {base_width}"
            )
        if width % n_heads:
            raise EEGStreamError(
                f"n_heads must divide the encoder width {width}, got {n_heads}"
            )
        self.n_features = n_features
        self.n_classes = n_classes
        self.stem = nn.Sequential(
            Conv1d(n_features, base_width, 7, 2, 3, bias=False),
            nn.BatchNorm1d(base_width),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(3, 2, 1),
        )
        stages, in_ch = [], base_width
        for i, mult in enumerate((1, 2, 4, 8)):
            out_ch, stride = base_width * mult, 1 if i == 0 else 2
            stages += [
                BasicBlock1d(in_ch, out_ch, stride),
                BasicBlock1d(out_ch, out_ch),
            ]
            in_ch = out_ch
        self.encoder = nn.Sequential(*stages)
        self.dropout = nn.Dropout(dropout)
        self.pool = TemporalAttentionPool(width, n_heads)
        self.classifier = nn.Sequential(
            Linear(width, width),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            last := Linear(width, n_classes),
        )
        self.mean_readout: LogRegClassifier | None = None
        if readout == "mean":
            self.mean_readout = LogRegClassifier(n_features, n_classes)
            self.mean_readout.requires_grad_(False)
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    def set_mean_readout(self, fitted: LogRegClassifier) -> None:
        """Copy a fitted baseline into the frozen mean read-out (``readout="mean"``)."""
        if self.mean_readout is None:
            raise EEGStreamError("this ResAttentioNet has no mean read-out")
        self.mean_readout.load_state_dict(fitted.state_dict())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map sequences (B, seq_len, n_features) to encoder steps (B, T', 8w).

        Everything before the attention pooling: what a personal model's
        head is fitted on when the encoder is kept (``eegstream calibrate``).
        """
        x = self.stem(x.transpose(1, 2))  # (B, w, ceil(seq_len / 4))
        x = self.encoder(x)  # (B, 8w, T'), T' = 2 for seq_len 60
        return self.dropout(x.transpose(1, 2))  # (B, T', 8w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map sequences (B, seq_len, n_features) to logits (B, n_classes)."""
        logits = self.classifier(self.pool(self.encode(x)))  # (B, n_classes)
        if self.mean_readout is not None:
            logits = logits + self.mean_readout(x)
        return logits
