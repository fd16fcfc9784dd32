"""Show a saved model's architecture, parameter count and settings."""

from __future__ import annotations

import argparse

from .._options import Option
from ..model.options import MODEL

HELP = "a model's parameter count, feature settings, classes and metrics"
DESCRIPTION = (
    "Print what a checkpoint holds: architecture and parameter "
    "count, classes, feature and normaliser settings, training data and "
    "protocol, metrics."
)


#: The options of ``eegstream info``.
OPTIONS: tuple[Option, ...] = (
    MODEL,
    Option("--json", "print the whole header as JSON", action="store_true"),
)


def run(args: argparse.Namespace) -> int:
    """Run ``eegstream info``."""
    import json

    from ..headsets import describe_channels
    from ..model import count_parameters, load_checkpoint, resolve_model

    ckpt = load_checkpoint(resolve_model(args.model))
    meta = ckpt.meta
    if args.json:
        print(json.dumps(meta.to_dict(), indent=1, sort_keys=True))  # as stored
        return 0
    cfg = ckpt.feature_config
    norm = meta.normaliser
    params = ", ".join(f"{k}={v}" for k, v in meta.arch_params.items())
    bands = ", ".join(f"{lo:g}-{hi:g}" for lo, hi in cfg.bands)
    protocol = meta.protocol.to_dict() if meta.protocol is not None else "none"
    lines = [
        f"model      {ckpt.path}",
        f"arch       {ckpt.arch} ({params})",
        f"parameters {count_parameters(ckpt.build()):,}",
        f"classes    {', '.join(ckpt.classes)}",
        f"channels   {describe_channels(ckpt.channels)} (may interpolate up to "
        f"{meta.max_missing_channels} missing)",
        f"features   {meta.features}: {cfg.sfreq:g} Hz, window "
        f"{cfg.window_s:g} s, hop {cfg.hop_s:g} s, bands {bands} Hz, "
        f"smoothing {cfg.smoothing}, compat {cfg.compat}",
        "filters    "
        + (
            cfg.conditioning.describe()
            if cfg.conditioning is not None
            else "none (trained on unfiltered EEG)"
        ),
        f"sequence   {cfg.seq_len} steps, zero-padded at the {cfg.padding}",
        f"normaliser {norm.mode} (live: running, prior {norm.prior_steps:g} steps)",
        f"dataset    {meta.dataset.name}"
        + (" [SYNTHETIC DATA]" if meta.dataset.synthetic else ""),
        f"protocol   {json.dumps(protocol, sort_keys=True)}",
    ]
    test = meta.metrics.test
    if test is not None:
        lines.append(
            f"accuracy   {test.accuracy:.1%} (macro-F1 {test.macro_f1:.1%}) on "
            f"held-out subjects {list(meta.metrics.test_subjects or ())}"
        )
    lines += _side_by_side(ckpt.arch, meta.metrics.summary)
    cal = meta.calibration
    if cal is not None:
        est = cal.estimate
        lines.append(
            f"personal   wearer {meta.wearer}: {cal.method} on {cal.minutes:g} min "
            f"({', '.join(cal.classes)}) from base {cal.base}; held-out segments: "
            f"base {est['base_accuracy']:.1%}, personal "
            f"{est['personal_accuracy']:.1%}, difference "
            f"{est['difference']['mean']:+.1%} ± {est['difference']['sd']:.1%}"
            + _gain_test(est)
        )
    recipe = meta.provenance.get("recipe")
    if recipe:
        departures = meta.provenance.get("departures_from_paper") or []
        lines.append(
            f"recipe     {recipe}; departs from the paper in "
            + (", ".join(d["setting"] for d in departures) or "nothing")
        )
    lines += [f"created    {meta.created} (eegstream {meta.eegstream_version})"]
    print("\n".join(lines))
    return 0


def _gain_test(estimate) -> str:
    """Return the gain test's figures (cards made before it have none)."""
    test = estimate.get("test")
    if not test:
        return " (SD over folds; no gain test: calibrated before it was made)"
    return (
        f"; gain {test['gain']:+.1%} per segment, p = {test['p_value']:.3g} "
        f"(alpha {test['alpha']:g}, {test['n_segments']} segments)"
    )


def _side_by_side(arch: str, summary) -> list[str]:
    """Return the network's and the baseline's over-splits figures, a line each."""
    if "test_accuracy" not in summary:
        return []

    def figure(key: str) -> str:
        s = summary[key]
        return f"{s['mean']:.1%} ± {s['sd']:.1%} (n={s['n']})"

    crops = " per trial (mean of crops)" if "test_crop_accuracy" in summary else ""
    lines = [f"splits     {arch}: {figure('test_accuracy')}{crops}"]
    if "baseline_test_accuracy" in summary:
        lines.append(
            f"           logreg baseline, same splits: "
            f"{figure('baseline_test_accuracy')}{crops}"
        )
    if "test_crop_accuracy" in summary:
        base = summary.get("baseline_test_crop_accuracy")
        lines.append(
            f"           per crop: {arch} {figure('test_crop_accuracy')}"
            + (f", baseline {base['mean']:.1%}" if base else "")
        )
    return lines
