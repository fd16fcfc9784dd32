"""A minimal Neuroscan ``.cnt`` writer (MNE reads ``.cnt`` but cannot write it).

Writes exactly the fields ``mne.io.read_raw_cnt`` reads (SEED_FORMATS.md §7,
checked against ``mne/io/cnt/cnt.py``): a 900-byte SETUP header, one 75-byte
ELECTLOC block per channel, sample-interleaved ``int32`` (or ``int16``)
samples, and a type-1 event table. Used for the synthetic SEED-V raw files
and for tests of the raw readers; not a general-purpose exporter.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np

from .._io import atomic_path
from ..montage import SEED_CHANNELS, positions_2d

_SETUP = 900
_ELECTLOC = 75
_XY = dict(zip(SEED_CHANNELS, map(tuple, positions_2d() + 1e-3), strict=True))


def write_cnt(
    path: str | os.PathLike,
    data_uv: np.ndarray | Iterable[np.ndarray],
    sfreq: float,
    ch_names: Sequence[str],
    events: Sequence[tuple[int, int]] = (),
    *,
    n_samples: int | None = None,
    data_format: str = "int32",
    resolution_uv: float = 0.05,
    date: datetime | None = None,
) -> None:
    """Write a Neuroscan continuous file, atomically.

    Parameters
    ----------
    path : path-like
        Destination ``.cnt``.
    data_uv : array of float, shape (n_channels, n_samples), or iterable of them
        Signals in microvolts; an iterable of consecutive chunks is written
        as it comes (for recordings too long to hold in memory).
    sfreq : float
        Sampling rate in Hz (a whole number).
    ch_names : sequence of str
        Channel labels (at most 9 characters).
    events : sequence of (int, int)
        ``(sample, stim_type)`` pairs; MNE reads them as annotations with
        description ``str(stim_type)`` at ``sample / sfreq`` seconds.
    data_format : "int32" | "int16"
        Sample width on disk.
    resolution_uv : float
        Microvolts per integer step (the channels' calibration).
    n_samples : int | None
        Total samples of all chunks; required when ``data_uv`` is an iterable.
    date : datetime | None
        Recording start written to the header (default 2018-01-01 12:00:00).
    """
    chunks: Iterable[np.ndarray]
    if isinstance(data_uv, np.ndarray):
        n_samples, chunks = data_uv.shape[1], [data_uv]
    elif n_samples is None:
        raise ValueError("n_samples is required when data_uv is an iterable of chunks")
    else:
        chunks = data_uv
    n_ch = len(ch_names)
    n_bytes = 4 if data_format == "int32" else 2
    dtype = "<i4" if n_bytes == 4 else "<i2"
    info = np.iinfo(dtype)
    data_start = _SETUP + _ELECTLOC * n_ch
    event_pos = data_start + n_samples * n_ch * n_bytes
    date = date or datetime(2018, 1, 1, 12, 0, 0)

    setup = bytearray(_SETUP)
    setup[0:20] = b"Version 3.0".ljust(20, b"\0")
    setup[205:225] = b"eegstream".ljust(20, b"\0")
    setup[225:235] = date.strftime("%m/%d/%y").encode().ljust(10, b"\0")
    setup[235:247] = date.strftime("%H:%M:%S").encode().ljust(12, b"\0")
    struct.pack_into("<H", setup, 370, n_ch)
    struct.pack_into("<H", setup, 376, int(round(sfreq)))
    struct.pack_into("<i", setup, 864, n_samples)
    struct.pack_into("<i", setup, 886, event_pos)
    struct.pack_into("<f", setup, 890, n_samples / sfreq)
    struct.pack_into("<i", setup, 894, 1)  # plain sample interleaving

    electrodes = bytearray(_ELECTLOC * n_ch)
    for i, name in enumerate(ch_names):
        base = i * _ELECTLOC
        electrodes[base : base + 10] = name.encode()[:9].ljust(10, b"\0")
        # Scalp-map x, y (MNE makes a layout from them; all-zero ones divide by 0).
        x, y = _XY.get(name.upper(), (0.45 * np.cos(i), 0.45 * np.sin(i)))
        struct.pack_into("<ff", electrodes, base + 19, x, -y)
        struct.pack_into("<h", electrodes, base + 47, 0)  # baseline
        struct.pack_into("<f", electrodes, base + 59, 204.8)  # sensitivity
        struct.pack_into("<f", electrodes, base + 71, resolution_uv)  # calibration

    table = b"".join(
        # StimType, KeyBoard, KeyPad_Accept, Offset (byte offset of the sample).
        struct.pack("<HBcl", stim, 0, b"\0", data_start + (int(s) + 1) * n_ch * n_bytes)
        for s, stim in events
    )
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(setup)
        fh.write(electrodes)
        written = 0
        for chunk in chunks:
            ints = np.clip(np.rint(chunk / resolution_uv), info.min, info.max)
            fh.write(np.ascontiguousarray(ints.astype(dtype).T).tobytes())
            written += chunk.shape[1]
        if written != n_samples:
            raise ValueError(
                f"chunks hold {written} samples, n_samples says {n_samples}"
            )
        fh.write(struct.pack("<Bll", 1, len(table), 0))
        fh.write(table)
