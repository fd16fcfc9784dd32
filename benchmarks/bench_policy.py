"""The ``--artifacts`` policies on REAL EEG with faults added: what the gauge shows.

The setups of ``bench_quality`` (the PhysioNet recordings in ``tests/data``,
64 channels at 160 Hz, real human EEG, not SEED data; ``models/demo-seed-iv``;
10-sample chunks; faults of :mod:`eegstream.quality.faults`) run once with the
checks on; each policy of :class:`~eegstream.quality.policy.ArtifactPolicy`
then turns the same steps into what the gauge shows (the policy is pure, so
one run serves all). The figure is the share of steps whose *shown* top
class differs from the top class of the clean recording run with the checks
off (the model's reading of the brain alone): over all steps, and over the
steps that are not clean. ``off`` is the faulted recording with the checks
off. Setups: muscle bursts (40 µV RMS 25-75 Hz on FT7, FT8, T7, T8, TP7, TP8,
10 s in every 30 s) on runs 3 and 4; flat O1, railed P3 and popping C3 from
30 s on run 3; and the four clean recordings (what holding costs on false
alarms).

No bar: the figures choose the default policy (README, "Artifacts").
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run_all loads us by path
from bench_quality import (  # noqa: E402
    MODEL,
    RECORDINGS,
    TEMPORAL,
    _faulted,
    _load,
    _rows,
    _run,
)

POLICIES = ("off", "flag", "hold")


def _shown_top(steps, policy: str) -> np.ndarray:
    from eegstream.quality.policy import ArtifactPolicy

    apply = ArtifactPolicy(policy).apply
    return np.array([int(np.argmax(apply(s).probabilities)) for s in steps])


def _compare(checkpoint, recording, clean_off) -> dict[str, tuple[float, float]]:
    """Per policy: (share of all steps, share of unclean steps) shown wrong."""
    on, _, _ = _run(checkpoint, recording)
    off, _, _ = _run(checkpoint, recording, checks=False)
    ref = np.array([int(np.argmax(s.probabilities)) for s in clean_off])
    unclean = np.array([not s.quality.clean for s in on])
    out = {}
    for policy in POLICIES:
        if policy == "off":
            top = np.array([int(np.argmax(s.probabilities)) for s in off])
        else:
            top = _shown_top(on, policy)
        wrong = top != ref
        out[policy] = (
            float(wrong.mean()),
            float(wrong[unclean].mean()) if unclean.any() else float("nan"),
        )
    out["unclean"] = (float(unclean.mean()), float(unclean.sum()))
    out["eye"] = (float(np.mean([s.quality.flagged("eye") for s in on])), 0.0)
    return out


def _line(label: str, res: dict) -> str:
    share, n = res["unclean"]
    cells = "  ".join(
        f"{p} {100 * res[p][0]:5.1f} % ({100 * res[p][1]:5.1f} %)" for p in POLICIES
    )
    eye = 100 * res["eye"][0]
    return (
        f"   {label:27s} not clean {100 * share:5.1f} % ({n:.0f}; eye flag "
        f"{eye:4.1f} %):  {cells}"
    )


def main() -> int:
    """Print the shown-top-class figures per setup and policy."""
    import torch

    from eegstream.model.predict import as_checkpoint
    from eegstream.quality import faults

    torch.set_num_threads(1)
    checkpoint = as_checkpoint(MODEL)
    print(
        f"model {MODEL}; REAL EEG (PhysioNet S001), 10-sample chunks; steps whose "
        "shown top class differs from the clean recording's (checks off): all "
        "steps (the steps that are not clean)"
    )
    clean = {name: _load(name) for name in RECORDINGS}
    reference = {
        name: _run(checkpoint, rec, checks=False)[0] for name, rec in clean.items()
    }
    print("muscle bursts, temporal sites, 10 s in every 30 s")
    for name in ("S001R03.edf", "S001R04.edf"):
        rec = clean[name]
        data, _ = faults.muscle_bursts(rec.data, _rows(rec, TEMPORAL), rec.sfreq)
        res = _compare(checkpoint, dataclasses.replace(rec, data=data), reference[name])
        print(_line(name, res), flush=True)
    print("bad channels from 30 s, run 3")
    for kind in ("flat O1", "railed P3", "popping C3"):
        rec = _faulted(clean["S001R03.edf"], kind, onset_s=30.0)
        print(_line(kind, _compare(checkpoint, rec, reference["S001R03.edf"])))
    print("the clean recordings (false alarms)")
    for name, rec in clean.items():
        print(_line(name, _compare(checkpoint, rec, reference[name])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
