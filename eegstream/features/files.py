"""DE features of one EEG file, computed by the offline path in blocks, and saved.

What ``eegstream features --file`` runs: the file is read with
:func:`eegstream.recording.load_recording` (SEED channel order, 200 Hz, µV),
it is conditioned (:func:`condition`, the filters of ``cfg.conditioning``), its
windows go through :func:`compute_de` and, with ``smoothing="kalman"``,
one causal Kalman filter carried across blocks, so the rows equal one call
of :func:`extract_features` on the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import EEGStreamError
from .._io import atomic_path
from .._xdf import EXTRAS_STREAM
from ..montage import SEED_CHANNELS
from .asr_stage import asr_clean
from .conditioning import condition
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
    markers : tuple of (float, str, str)
        The file's annotations (an XDF file's markers) as ``(onset_s, stream,
        text)`` in time order, onsets in seconds from the first sample (as
        ``times``); ``stream`` is the XDF marker stream's name, ``""`` for an
        annotation of another file.
    """

    de: np.ndarray
    times: np.ndarray
    missing: list[str]
    cfg: FeatureConfig
    path: Path
    markers: tuple[tuple[float, str, str], ...] = ()

    def save(self, out: str | Path) -> Path:
        """Write an ``.npz`` atomically; return its path.

        It holds ``de``, ``times``, ``channels``, ``bands``, ``missing``,
        ``config`` (the settings as JSON) and the markers beside the windows:
        ``marker_onset`` (s), ``marker_stream``, ``marker_text`` and
        ``marker_window`` (index of the first window whose end is at or after
        the marker, ``len(de)`` when none is).
        """
        out = Path(out)
        if out.suffix != ".npz":
            raise EEGStreamError(f"{{out}} must end in .npz, got {out}", param="out")
        onsets = np.array([m[0] for m in self.markers], dtype=float)
        with atomic_path(out) as tmp, open(tmp, "wb") as fh:
            np.savez(
                fh,
                de=self.de,
                times=self.times,
                channels=np.array(SEED_CHANNELS),
                bands=np.array(self.cfg.bands),
                missing=np.array(self.missing, dtype=str),
                config=np.array(self.cfg.to_json()),
                marker_onset=onsets,
                marker_stream=np.array([m[1] for m in self.markers], dtype=str),
                marker_text=np.array([m[2] for m in self.markers], dtype=str),
                marker_window=np.searchsorted(self.times, onsets),
            )
        return out


def file_features(
    path: str | Path,
    cfg: FeatureConfig,
    *,
    progress: bool = True,
    stream_name: str | None = None,
) -> FileFeatures:
    """Compute the DE features of an EEG file MNE reads.

    Parameters
    ----------
    path : str | Path
        EDF, BDF, FIF, BrainVision, EEGLAB, Neuroscan ``.cnt``, ..., XDF
    cfg : FeatureConfig
        Conditioning, window, hop, bands, smoothing.
    progress : bool
        Show a progress bar on stderr (when it is a terminal).
    stream_name : str | None
        XDF only: the EEG stream (default: the one of type ``EEG``).

    Returns
    -------
    FileFeatures
    """
    from tqdm import tqdm

    from ..recording import load_recording

    path = Path(path)
    rec = load_recording(
        path, sfreq=cfg.sfreq, seed_order=True, stream_name=stream_name
    )
    count = n_windows(rec.data.shape[1], cfg)
    if count == 0:
        raise EEGStreamError(
            f"{path.name} lasts {rec.duration_s:.2f} s, shorter than one "
            f"{cfg.window_s:g} s window"
        )
    # As extract_features and the live chain do.
    eeg = asr_clean(condition(rec.data, cfg), cfg)
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
            segment = eeg[:, first * cfg.hop : (stop - 1) * cfg.hop + cfg.window]
            rows = compute_de(segment, cfg)
            if cfg.smoothing == "kalman":
                flat = rows.reshape(len(rows), -1)
                rows = kalman.filter(flat).reshape(rows.shape)
            de[first:stop] = rows
            bar.update(stop - first)
    ann = rec.annotations
    markers = tuple(
        (float(onset), str(extras.get(EXTRAS_STREAM, "")), str(text))
        for onset, text, extras in zip(
            ann.onset, ann.description, ann.extras, strict=True
        )
    )
    return FileFeatures(
        de, window_end_times(count, cfg), list(rec.missing), cfg, path, markers
    )
