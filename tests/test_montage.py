"""The SEED montage and channel-name mapping."""

from __future__ import annotations

import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream.montage import (
    N_CHANNELS,
    SEED_CHANNELS,
    map_channels,
    normalize_name,
    positions_2d,
    positions_3d,
)


def test_seed_channel_order():
    assert N_CHANNELS == 62 == len(set(SEED_CHANNELS))
    assert SEED_CHANNELS[:3] == ("FP1", "FPZ", "FP2")
    assert SEED_CHANNELS[57:] == ("CB1", "O1", "OZ", "O2", "CB2")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Fc5.", "FC5"),
        ("Iz..", "IZ"),
        ("EEG Fp1-REF", "FP1"),
        ("EEG:Cz", "CZ"),
        ("o1-LE", "O1"),
        (" poz ", "POZ"),
        ("T3", "T7"),
        ("T4", "T8"),
        ("T5", "P7"),
        ("t6", "P8"),
        ("Fp1-F7", "FP1F7"),  # a bipolar derivation is not a referential channel
    ],
)
def test_normalize_name(label, expected):
    assert normalize_name(label) == expected


def test_map_channels_by_name_in_any_order():
    rng = np.random.default_rng(0)
    shuffled = list(rng.permutation([c.lower() + "." for c in SEED_CHANNELS]))
    shuffled.insert(5, "ECG")
    index, missing = map_channels(shuffled)
    assert missing == []
    assert [normalize_name(shuffled[i]) for i in index] == list(SEED_CHANNELS)


def test_map_channels_reports_missing_in_seed_order():
    names = [c for c in SEED_CHANNELS if c not in ("OZ", "FP1", "T7")] + ["T3"]
    index, missing = map_channels(names)
    assert missing == ["FP1", "OZ"]
    assert (
        index[SEED_CHANNELS.index("FP1")] == -1
        and index[SEED_CHANNELS.index("T7")] >= 0
    )


def test_map_channels_errors():
    with pytest.raises(EEGStreamError, match="none of the 3 channels"):
        map_channels(["A", "B", "C"])
    with pytest.raises(EEGStreamError, match="both map to SEED channel T7"):
        map_channels(["T3", "T7", "Cz"])


def test_positions():
    xy, xyz = positions_2d(), positions_3d()
    assert xy.shape == (62, 2) and xyz.shape == (62, 3)
    np.testing.assert_allclose(np.linalg.norm(xyz, axis=1), 1.0)
    at = {name: i for i, name in enumerate(SEED_CHANNELS)}
    np.testing.assert_allclose(xyz[at["CZ"]], [0, 0, 1], atol=1e-12)
    assert xy[at["FPZ"], 1] > 0.49 and xy[at["OZ"], 1] < -0.49  # nose up, occiput down
    assert xy[at["T7"], 0] < 0 < xy[at["T8"], 0]  # left is negative x
    assert abs(xyz[at["T7"], 2]) < 0.1  # radius ~0.5 lies on the equator
