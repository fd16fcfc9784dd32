r"""A BDF (BioSemi 24-bit EDF) writer for test fixtures, written from the format spec.

Independent of MNE and of the project: the header is 256 bytes plus 256 per
signal (fixed-width ASCII fields), then data records, each holding every
signal's samples of one record as 24-bit little-endian two's complement.
An annotation signal (``BDF Annotations``) holds EDF+ TALs:
``+onset\x14text\x14\x00``, each record starting with a time-keeping TAL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: One digital step of an EEG signal: BioSemi's 1/32 µV (to within 1e-6).
UV_PER_STEP = 1 / 32
_DIGITAL = (-(2**23), 2**23 - 1)
_EEG_UV = (-(2**18), 2**18 - 1)  # BioSemi's header: -262144 to 262143 µV


@dataclass
class Signal:
    """One BDF signal: its label and digital samples, or TAL bytes."""

    label: str
    digital: np.ndarray | None = None  # int, shape (n_samples,)
    unit: str = "uV"
    physical: tuple[int, int] = _EEG_UV


def eeg_signal(label: str, microvolts: np.ndarray) -> Signal:
    """An EEG signal at BioSemi's 1/32 µV resolution."""
    return Signal(label, np.round(np.asarray(microvolts) / UV_PER_STEP).astype(int))


def status_signal(codes: np.ndarray, label: str = "Status") -> Signal:
    """A trigger channel: its digital values are the codes (gain 1)."""
    return Signal(label, np.asarray(codes, dtype=int), "Boolean", _DIGITAL)


def _field(value: object, width: int) -> bytes:
    text = str(value).encode("ascii")
    assert len(text) <= width, (value, width)
    return text.ljust(width)


def _header(labels, units, physical, samples, n_records, record_s, plus) -> bytes:
    n = len(labels)
    head = b"\xffBIOSEMI" + _field("X X X X", 80) + _field("Startdate X X X X", 80)
    head += _field("01.01.12", 8) + _field("10.00.00", 8) + _field(256 * (n + 1), 8)
    head += _field("BDF+C" if plus else "24BIT", 44) + _field(n_records, 8)
    head += _field(record_s, 8) + _field(n, 4)
    head += b"".join(_field(x, 16) for x in labels)
    head += b"".join(_field("", 80) for _ in labels)
    head += b"".join(_field(u, 8) for u in units)
    head += b"".join(_field(p[0], 8) for p in physical)
    head += b"".join(_field(p[1], 8) for p in physical)
    head += b"".join(_field(_DIGITAL[0], 8) for _ in labels)
    head += b"".join(_field(_DIGITAL[1], 8) for _ in labels)
    head += b"".join(_field("", 80) for _ in labels)
    head += b"".join(_field(s, 8) for s in samples)
    head += b"".join(_field("", 32) for _ in labels)
    assert len(head) == 256 * (n + 1)
    return head


def _int24(values: np.ndarray) -> bytes:
    v = np.asarray(values, dtype=np.int64)
    assert v.min() >= _DIGITAL[0] and v.max() <= _DIGITAL[1]
    u = (v & 0xFFFFFF).astype(np.uint32)
    return np.stack([u & 0xFF, (u >> 8) & 0xFF, u >> 16], axis=1).astype("u1").tobytes()


def write_bdf(path: Path, signals: Sequence[Signal], sfreq: int) -> Path:
    """Write ``signals`` (same length, ``sfreq`` Hz) in 1 s records."""
    n_samples = len(signals[0].digital)
    assert n_samples % sfreq == 0 and all(len(s.digital) == n_samples for s in signals)
    n_records = n_samples // sfreq
    head = _header(
        [s.label for s in signals],
        [s.unit for s in signals],
        [s.physical for s in signals],
        [sfreq] * len(signals),
        n_records,
        1,
        False,
    )
    blocks = np.stack([np.asarray(s.digital) for s in signals])  # (n_sig, n_samples)
    body = b"".join(
        _int24(blocks[:, r * sfreq : (r + 1) * sfreq].ravel()) for r in range(n_records)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + body)
    return path


def write_annotations_bdf(path: Path, events: Sequence[tuple[float, str]]) -> Path:
    """Write a BDF+ file holding only a ``BDF Annotations`` signal (one record).

    ``events`` are (onset s, text); the record starts with its time-keeping TAL.
    """
    tals = b"+0\x14\x14\x00" + b"".join(
        f"+{onset:g}\x14{text}\x14\x00".encode() for onset, text in events
    )
    n = -(-len(tals) // 3)
    tals = tals.ljust(3 * n, b"\x00")
    head = _header(["BDF Annotations"], [""], [(-1, 1)], [n], 1, 1, True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + tals)
    return path
