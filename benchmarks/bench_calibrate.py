"""Calibration: wall time for 5 minutes of labelled EEG, and what it buys.

``make bench``.

All data is SYNTHETIC. The base models are the shipped demo models
(``models/demo-seed-iv``: ResAttentioNet, ``demo-seed-iv-logreg``: logistic
regression; trained on synthetic SEED-IV subjects 1-14, seed 2026). The new
wearer is synthetic subject 15 of the same simulation, in none of their
training data, recorded as a stimulus program would (3 segments of 25 s per
class, 5 s rests: 5 minutes of labelled EEG), twice: as the simulation draws
them, and with a strong pattern of their own (``individual_rms`` 0.8 DE
units beside the simulation's 0.35).

Figures, on 2 CPU threads:
- wall time of ``calibrate`` (features from the file, blocked
  cross-validation, its gain test with the default relabellings, the final
  model, the files written) per base model and method; bar: under a minute
  for the logistic regression (the network's default method, ``full``,
  refits every weight for each of its 19 relabellings and each fold: its
  time is reported);
- the honest estimate: base versus personal accuracy per window on the same
  held-out segments, and the gain test (gain per segment, 95% CI, p);
- the same two models on a second session of the wearer (another day's
  recording, never seen in calibration).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch

from eegstream.calibration import calibrate
from eegstream.calibration.adapt import ARCH_METHODS, DEFAULT_METHOD
from eegstream.calibration.estimate import predict, wearer_crops
from eegstream.calibration.personal import load_wearer_data
from eegstream.datasets.synth_recording import STIM_LABEL_MAP, write_wearer_recording
from eegstream.model import load_checkpoint, resolve_model

WALL_BAR_S = 60.0
BASES = ("demo-seed-iv-logreg", "demo-seed-iv")
WEARERS = {"typical": 0.0, "strong own pattern": 0.8}


def _second_session(result, base_name: str, rec: Path, lmap: Path, cache: Path) -> str:
    """Return base and personal accuracy per window on a second session."""
    base = load_checkpoint(resolve_model(base_name))
    personal = load_checkpoint(result.checkpoint)
    data = load_wearer_data(personal, [rec], lmap, cache_dir=cache, progress=False)
    out = []
    for ckpt in (base, personal):
        crops = wearer_crops(data.trials, ckpt.feature_config, ckpt.normaliser())
        out.append(float((predict(ckpt.build(), crops) == crops.y).mean()))
    return f"second session: base {out[0]:.1%}, personal {out[1]:.1%}"


def main() -> int:
    """Print the figures; non-zero when the wall-time bar is missed."""
    torch.set_num_threads(2)
    slow = False
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lmap = root / "map.toml"
        lmap.write_text(STIM_LABEL_MAP)
        for label, rms in WEARERS.items():
            recs = [
                write_wearer_recording(
                    root / label.replace(" ", "-") / f"sub-15_ses-{k}_eeg.fif",
                    subject=15,
                    seed=2026,
                    segment_s=25,
                    rest_s=5,
                    individual_rms=rms,
                    session=k,
                )  # fmt: skip
                for k in (1, 2)
            ]
            print(f"wearer: synthetic subject 15, {label} (individual_rms {rms})")
            for base in BASES:
                arch = load_checkpoint(resolve_model(base)).arch
                # The network's other methods: `make bench` time is bounded.
                methods = ARCH_METHODS[arch] if arch == "logreg" else ("full",)
                for method in methods:
                    cache = root / f"cache-{base}-{method}-{label}"
                    start = time.perf_counter()
                    result = calibrate(
                        base, [recs[0]], lmap, out=f"p-{method}", force=True,
                        method=method, models_folder=root / "models",
                        cache_dir=cache, progress=False,
                    )  # fmt: skip
                    wall = time.perf_counter() - start
                    est = result.estimate
                    default = method == DEFAULT_METHOD[arch]
                    slow |= arch == "logreg" and wall > WALL_BAR_S
                    print(
                        f"  {base} / {method}{' (default)' if default else ''}: "
                        f"{result.minutes:.1f} min calibrated in {wall:.1f} s "
                        f"(bar {WALL_BAR_S:.0f} s for logreg); held-out segments "
                        f"({len(est.folds)} folds): base {est.base_accuracy:.1%}, "
                        f"personal {est.personal_accuracy:.1%}; {est.test.describe()}; "
                        + _second_session(result, base, recs[1], lmap, cache),
                        flush=True,
                    )
    print("chance: 25.0% (4 classes); accuracy per window (every step live classifies)")
    return int(slow)


if __name__ == "__main__":
    sys.exit(main())
