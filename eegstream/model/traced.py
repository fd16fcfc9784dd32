"""A model's eval forward as one TorchScript graph: the GIL given up once per call.

Run eagerly, the forward makes hundreds of torch calls (ResAttentioNet's eval
forward 530, shape queries included), and every operator among them gives up
the GIL and must take it back. With other threads running
Python at the same time (a group session's wearer workers, the dashboard),
each take-back can wait up to the interpreter's switch interval. A traced
graph runs all its operators in C++ under one release. Measured on the
2-core machine (``benchmarks/model_gil.py``: ``demo-seed-iv``, one sequence,
one intra-op thread, the live switch interval, two other threads running
small numpy work): eager p50 3.0 ms, p99 12.0 ms; traced p50 1.1 ms, p99
4.2 ms; with no other thread, p50 1.2 and 1.0 ms.

The graph is used only where it computes eager's bits: it is checked at
load on probe sequences of other batch sizes than the one traced (one with
zero-padded steps, as a warming sequence has). Where tracing fails or
differs, the eager module runs. ``torch.jit`` is deprecated in favour of
``torch.compile``, whose CPU code still calls its kernels from Python; if a
later torch drops the tracer, the eager module runs.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import torch
from torch import nn

logger = logging.getLogger(__name__)

Forward = Callable[[torch.Tensor], torch.Tensor]


def _probes(seq_len: int, n_features: int, device: torch.device) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    probes = [torch.randn((n, seq_len, n_features), generator=gen) for n in (2, 1, 3)]
    probes[2][1, : seq_len // 2] = 0  # a sequence still warming: zero-padded steps
    return [p.to(device) for p in probes]


def trace_exact(
    model: nn.Module, seq_len: int, n_features: int, device: torch.device
) -> Forward | None:
    """Return ``model``'s forward as a traced graph, or None where it is not exact.

    Parameters
    ----------
    model : torch.nn.Module
        In eval mode; maps (B, seq_len, n_features) to (B, n_classes).
    seq_len, n_features : int
        The sequences' shape.
    device : torch.device
        Where ``model`` is.

    Returns
    -------
    callable | None
        Call it under :func:`run_traced`. None when tracing failed or the
        graph's output differed from ``model``'s in any bit or shape.
    """
    example, *checks = _probes(seq_len, n_features, device)
    try:
        with warnings.catch_warnings():
            # torch.jit's deprecation, and the tracer's notes on values it keeps
            # constant (shapes of weights): the probes below check the result.
            warnings.simplefilter("ignore")
            with torch.no_grad():
                graph = torch.jit.trace(model, example, check_trace=False)
    except Exception as err:  # any failure: the eager module serves
        logger.debug("model not traced (%r); running it eagerly", err)
        return None
    with torch.inference_mode():
        for x in checks:
            if not torch.equal(run_traced(graph, x), model(x)):
                logger.debug("traced model differs from eager; running it eagerly")
                return None
    return graph


def run_traced(graph: Forward, x: torch.Tensor) -> torch.Tensor:
    """Call a graph of :func:`trace_exact` as traced, without the JIT's rewrites.

    The executor's optimisations would profile the first calls of each new
    batch size (tens of ms each) and could reorder what was checked.
    """
    with torch.jit.optimized_execution(False):
        return graph(x)
