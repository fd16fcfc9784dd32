"""Stream checks at connect: channel matching, interpolation of missing ones, units."""

from __future__ import annotations

import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream.montage import SEED_CHANNELS, positions_3d
from eegstream.pipeline.channels import plan_channels
from eegstream.pipeline.units import decide_unit, unit_from_description


def test_names_are_matched_in_any_order_with_extras_ignored():
    rng = np.random.default_rng(0)
    order = rng.permutation(62)
    labels = [SEED_CHANNELS[i].title() + "." for i in order] + ["EOG", "Trigger"]
    plan, warnings = plan_channels(labels, 64)
    assert plan.mode == "names" and plan.missing == [] and warnings == []
    assert plan.ignored == ["EOG", "Trigger"]
    data = np.vstack([order[:, None] * np.ones((1, 5)), np.full((2, 5), -1.0)])
    seed = plan.expand(plan.select(data))
    np.testing.assert_array_equal(seed[:, 0], np.arange(62))


def test_missing_channels_are_interpolated_from_neighbours():
    drop = {"PO5", "PO6", "CB1", "CB2"}
    labels = [c for c in SEED_CHANNELS if c not in drop]
    plan, warnings = plan_channels(labels, 58, max_missing=4)
    assert plan.missing == ["PO5", "PO6", "CB1", "CB2"]
    assert "interpolated" in warnings[0] and "PO5" in warnings[0]
    # A smooth scalp field (a dipole-like gradient) is reconstructed closely.
    pos = positions_3d()
    field = 20 * pos[:, 1:2] + 10 * pos[:, 2:3] ** 2  # (62, 1) µV
    present = np.array([SEED_CHANNELS.index(c) for c in labels])
    full = plan.expand(field[present])
    missing = [SEED_CHANNELS.index(c) for c in plan.missing]
    err = np.abs(full[missing] - field[missing])
    assert err.max() < 0.1 * np.ptp(field)
    np.testing.assert_array_equal(full[present], field[present])


def test_too_many_missing_channels_are_refused_by_name():
    labels = list(SEED_CHANNELS[:55])
    with pytest.raises(EEGStreamError, match="lacks 7 of the model's channels") as err:
        plan_channels(labels, 55, max_missing=6)
    assert "CB1" in str(err.value) and "at most 6" in str(err.value)


def test_unlabelled_streams_need_assume_seed_order():
    with pytest.raises(EEGStreamError, match="assume_seed_order=True"):
        plan_channels(None, 62)
    with pytest.raises(EEGStreamError, match="assume_seed_order=True"):
        plan_channels([f"Ch{i}" for i in range(62)], 62)
    plan, warnings = plan_channels(None, 62, assume_seed_order=True)
    assert plan.mode == "positional" and "by position" in warnings[0]
    with pytest.raises(EEGStreamError, match="exactly 62 channels, .* has 32"):
        plan_channels(None, 32, assume_seed_order=True)


def test_checkpoint_with_another_montage_is_refused():
    for channels in (("C3", "X1"), ("C4", "C3")):  # a foreign name; not SEED order
        with pytest.raises(EEGStreamError, match="not SEED channels in SEED order"):
            plan_channels(list(SEED_CHANNELS), 62, checkpoint_channels=channels)


def test_units_from_option_description_or_amplitude():
    rng = np.random.default_rng(0)
    uv = 20 * rng.standard_normal((4, 200))
    assert decide_unit("auto", None, uv)[:2] == ("uV", "default")
    unit, source, warnings = decide_unit("auto", None, uv * 1e-6)
    assert (unit, source) == ("V", "amplitude") and "volts" in warnings[0]
    assert decide_unit("uV", None, uv * 1e-6)[:2] == ("uV", "option")
    assert unit_from_description(["microvolts"] * 4) == "uV"
    assert unit_from_description(["volts", "V"]) == "V"
    assert (
        unit_from_description(["uV", "V"]) is None
    )  # disagreeing: decide by amplitude
    assert decide_unit("auto", "V", uv * 1e-6)[:2] == ("V", "description")
    _, _, warnings = decide_unit("auto", None, uv * 1e3)
    assert "implausible" in warnings[0]
    with pytest.raises(EEGStreamError, match="unit must be one of"):
        decide_unit("mV", None, uv)


@pytest.mark.parametrize("drop", [["PO5", "PO6", "CB1", "CB2"], ["FP1", "CZ", "O2"]])
def test_interpolation_weights_are_mnes_spherical_spline(drop):
    """The spline weights are MNE's spline matrix itself."""
    from mne.channels.interpolation import _make_interpolation_matrix

    from eegstream.splines import interpolation_weights

    missing = np.array([SEED_CHANNELS.index(c) for c in drop])
    present = np.setdiff1d(np.arange(62), missing)
    pos = positions_3d()
    expected = _make_interpolation_matrix(pos[present], pos[missing])
    got = interpolation_weights(present, missing)
    assert got.shape == (missing.size, present.size)
    # The system is ill-conditioned: numpy's and scipy's pinv differ by ~1e-11.
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
