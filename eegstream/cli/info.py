"""Show a saved model's architecture, parameter count and settings."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``eegstream info``."""
    p = subparsers.add_parser(
        "info",
        help="a model's parameter count, feature settings, classes and metrics",
        description="Print what a checkpoint holds: architecture and parameter "
        "count, classes, feature and normaliser settings, training data and "
        "protocol, metrics.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--model", required=True, help="model name in models/ or checkpoint path"
    )
    p.add_argument("--json", action="store_true", help="print the whole header as JSON")
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream info``."""
    import json

    from ..headsets import describe_channels
    from ..model import count_parameters, load_checkpoint, resolve_model

    ckpt = load_checkpoint(resolve_model(args.model))
    meta = ckpt.meta
    if args.json:
        print(json.dumps(meta, indent=1))
        return 0
    cfg = ckpt.feature_config
    norm = meta["normaliser"]
    dataset = meta["dataset"]
    synthetic = isinstance(dataset, dict) and dataset.get("synthetic")
    params = ", ".join(f"{k}={v}" for k, v in meta["arch_params"].items())
    bands = ", ".join(f"{lo:g}-{hi:g}" for lo, hi in cfg.bands)
    lines = [
        f"model      {ckpt.path}",
        f"arch       {ckpt.arch} ({params})",
        f"parameters {count_parameters(ckpt.build()):,}",
        f"classes    {', '.join(ckpt.classes)}",
        f"channels   {describe_channels(ckpt.channels)} (may interpolate up to "
        f"{meta['max_missing_channels']} missing)",
        f"features   {meta.get('features', 'own')}: {cfg.sfreq:g} Hz, window "
        f"{cfg.window_s:g} s, hop {cfg.hop_s:g} s, bands {bands} Hz, "
        f"smoothing {cfg.smoothing}, compat {cfg.compat}",
        f"sequence   {cfg.seq_len} steps, zero-padded at the {cfg.padding}",
        f"normaliser {norm['mode']} (live: running, prior "
        f"{norm.get('prior_steps', 30):g} steps)",
        f"dataset    {dataset.get('name') if isinstance(dataset, dict) else dataset}"
        + (" [SYNTHETIC DATA]" if synthetic else ""),
        f"protocol   {json.dumps(meta['protocol'])}",
    ]
    metrics = meta.get("metrics") or {}
    if "test" in metrics:
        lines.append(
            f"accuracy   {metrics['test']['accuracy']:.1%} (macro-F1 "
            f"{metrics['test']['macro_f1']:.1%}) on held-out subjects "
            f"{metrics.get('test_subjects')}"
        )
    lines += [f"created    {meta['created']} (eegstream {meta['eegstream_version']})"]
    print("\n".join(lines))
    return 0
