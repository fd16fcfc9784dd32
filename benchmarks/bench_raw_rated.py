"""One DEAP-sized raw recording through the raw reader (SYNTHETIC data, not DEAP).

Bar: scanning one ``data_original/sNN.bdf`` of DEAP's size (48 channels at
512 Hz, a 2 min baseline and 40 videos of 60 s: 54 min, 239 MB) and reading
its 40 trials' EEG takes under 5 s, so the 32 subjects of a raw release are
read in under 3 minutes on 2 cores (the features then cost as for the
preprocessed release, ``bench_rated``). The file is written by the tests'
byte-level BDF writer (``tests/_bdf.py``) and read back from the page
cache; writing it is timed too, with no bar.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_SFREQ = 512


def _write(root: Path) -> float:
    """Write ``root/data_original/s01.bdf`` and its ratings; return its seconds."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _bdf import eeg_signal, status_signal, write_bdf

    from eegstream.datasets.deap_raw import TWENTE_CHANNELS

    codes = [(1, 1), (0, 1), (1, 120), (2, 1)]
    codes += [(3, 5), (4, 60), (5, 3), (1, 10)] * 40  # fixation, video, rating
    status = np.concatenate([np.full(n * _SFREQ, c) for c, n in codes + [(7, 1)]])
    eeg = np.random.default_rng(0).normal(0, 20, len(status))
    signals = [eeg_signal(c, eeg) for c in TWENTE_CHANNELS]
    signals += [eeg_signal(f"EXG{i}", np.zeros(len(status))) for i in range(1, 16)]
    write_bdf(
        root / "data_original" / "s01.bdf", [*signals, status_signal(status)], _SFREQ
    )
    rows = ["Participant_id,Trial,Experiment_id,Start_time,Valence,Arousal,"
            "Dominance,Liking,Familiarity"]  # fmt: skip
    rows += [f"1,{k},{k},0,{1 + k % 9},5,5,5,3" for k in range(1, 41)]
    (root / "metadata_csv").mkdir()
    (root / "metadata_csv" / "participant_ratings.csv").write_text("\n".join(rows))
    return len(status) / _SFREQ


def main() -> int:
    """Print the figures; return 1 when the bar is missed."""
    from eegstream.datasets import open_dataset

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "DEAP"
        start = time.perf_counter()
        seconds = _write(root)
        size = (root / "data_original" / "s01.bdf").stat().st_size / 1e6
        written = time.perf_counter() - start
        start = time.perf_counter()
        ds = open_dataset("deap", root)
        scanned = time.perf_counter() - start
        for trial in ds.trials:
            trial.eeg()
        total = time.perf_counter() - start
    print(f"write one raw DEAP file ({seconds:.0f} s, {size:.0f} MB): {written:.1f} s")
    print(
        f"scan it ({scanned:.2f} s) and read its {len(ds.trials)} trials' EEG: "
        f"{total:.2f} s (bar 5 s)"
    )
    return int(total > 5.0)


if __name__ == "__main__":
    raise SystemExit(main())
