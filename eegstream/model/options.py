"""The model's command-line options: which model, and where it runs."""

from __future__ import annotations

from typing import Any

from .._options import Option

#: Where a model runs (``"cuda:1"`` etc. are also understood by the library).
DEVICES = ("auto", "cpu", "cuda")

MODEL = Option("--model", "model name in models/ or checkpoint path", required=True)


def device_option(help: str, **overrides: Any) -> Option:  # noqa: A002
    """``--device``: auto, cpu or cuda."""
    return Option("--device", help, default="auto", choices=DEVICES, **overrides)
