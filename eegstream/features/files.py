"""DE features of one EEG file, computed by the offline path in blocks, and saved.

What ``eegstream features --file`` runs: the file is read with
:func:`eegstream.recording.load_recording` (SEED channel order, 200 Hz, µV),
its windows go through :func:`compute_de` and, with ``smoothing="kalman"``,
one causal Kalman filter carried across blocks, so the rows equal one call
of :func:`extract_features` on the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from .._io import atomic_path
from ..montage import SEED_CHANNELS
from .config import FeatureConfig
from .de import compute_de, n_windows, window_end_times
from .kalman import CausalKalman

# Windows per block (and progress-bar step).
_WINDOWS_PER_BLOCK = 256


@dataclass(frozen=True)
class FileFeatures:
    """DE features of one file.

    Attributes
    ----------
    de : array of float32, shape (n_windows, 62, n_bands)
        DE per window, SEED channel and band (smoothed as ``cfg`` says); NaN
        rows for ``missing`` channels.
    times : array of float, shape (n_windows,)
        End of each window, in seconds from the file's first sample.
    missing : list of str
        SEED channels the file lacks.
    cfg : FeatureConfig
        The settings used.
    path : Path
        The file read.
    """

    de: np.ndarray
    times: np.ndarray
    missing: list[str]
    cfg: FeatureConfig
    path: Path

    def save(self, out: str | Path) -> Path:
        """Write an ``.npz`` atomically; return its path.

        It holds ``de``, ``times``, ``channels``, ``bands``, ``missing`` and
        ``config`` (the settings as JSON).
        """
        out = Path(out)
        if out.suffix != ".npz":
            raise EEGStreamError(f"{{out}} must end in .npz, got {out}", param="out")
        with atomic_path(out) as tmp, open(tmp, "wb") as fh:
            np.savez(
                fh,
                de=self.de,
                times=self.times,
                channels=np.array(SEED_CHANNELS),
                bands=np.array(self.cfg.bands),
                missing=np.array(self.missing, dtype=str),
                config=np.array(self.cfg.to_json()),
            )
        return out


def file_features(
    path: str | Path, cfg: FeatureConfig, *, progress: bool = True
) -> FileFeatures:
    """Compute the DE features of an EEG file MNE reads.

    Parameters
    ----------
    path : str | Path
        EDF, BDF, FIF, BrainVision, EEGLAB, Neuroscan ``.cnt``, ...
    cfg : FeatureConfig
        Window, hop, bands, smoothing.
    progress : bool
        Show a progress bar on stderr (when it is a terminal).

    Returns
    -------
    FileFeatures
    """
    from tqdm import tqdm

    from ..recording import load_recording

    path = Path(path)
    rec = load_recording(path, sfreq=cfg.sfreq, seed_order=True)
    count = n_windows(rec.data.shape[1], cfg)
    if count == 0:
        raise EEGStreamError(
            f"{path.name} lasts {rec.duration_s:.2f} s, shorter than one "
            f"{cfg.window_s:g} s window"
        )
    de = np.empty((count, len(SEED_CHANNELS), len(cfg.bands)), dtype=np.float32)
    kalman = CausalKalman(de.shape[1] * de.shape[2], cfg.kalman)
    with tqdm(
        total=count,
        unit="win",
        desc=path.name,
        disable=None if progress else True,
        leave=False,
    ) as bar:
        # Blocks of whole windows: compute_de numbers windows from the block's
        # first sample, so block rows equal the rows of one call on the file.
        for first in range(0, count, _WINDOWS_PER_BLOCK):
            stop = min(first + _WINDOWS_PER_BLOCK, count)
            segment = rec.data[:, first * cfg.hop : (stop - 1) * cfg.hop + cfg.window]
            rows = compute_de(segment, cfg)
            if cfg.smoothing == "kalman":
                flat = rows.reshape(len(rows), -1)
                rows = kalman.filter(flat).reshape(rows.shape)
            de[first:stop] = rows
            bar.update(stop - first)
    return FileFeatures(de, window_end_times(count, cfg), list(rec.missing), cfg, path)
