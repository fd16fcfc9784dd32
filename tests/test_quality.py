"""Signal checks: pure measures and the monitor, on real EEG with planted faults."""

from __future__ import annotations

import numpy as np
import pytest
from _realdata import run3

from eegstream import EEGStreamError
from eegstream.montage import SEED_CHANNELS, map_channels
from eegstream.quality import QualityMonitor, QualitySettings, faults, segment_metrics
from eegstream.splines import interpolation_weights, leave_one_out_weights

SFREQ = 160.0


@pytest.fixture(scope="module")
def real(realdata):
    """Run 3 (motor task, 125 s): SEED channels only, their names, 160 Hz, µV."""
    rec = run3(realdata)
    index, _ = map_channels(rec.ch_names)
    seed = np.flatnonzero(index >= 0)
    names = tuple(SEED_CHANNELS[i] for i in seed)
    return names, rec.data[index[seed]]


def metrics(x, names, before=None):
    return segment_metrics(x, SFREQ, leave_one_out_weights(names), before)


def test_leave_one_out_rows_are_the_spline_interpolation_of_each_channel():
    names = SEED_CHANNELS
    weights = leave_one_out_weights(names)
    assert np.all(np.diag(weights) == 0)
    for i in (0, 27, 61):
        others = np.delete(np.arange(62), i)
        expected = interpolation_weights(others, np.array([i]))[0]
        np.testing.assert_allclose(np.delete(weights[i], i), expected, atol=1e-9)


def test_each_planted_fault_shows_in_its_measure_and_not_on_clean_channels(real):
    names, x = real
    seg = x[:, 20 * 160 : 21 * 160]
    o1, c3 = names.index("O1"), names.index("C3")
    clean = metrics(seg, names)
    assert clean.std_uv.min() > 5 and np.nanmedian(clean.neighbour_r) > 0.9
    assert clean.line_ratio.max() < 1 and clean.muscle_uv.max() < 30

    flat = metrics(faults.flat(seg, [o1]), names)
    assert flat.std_uv[o1] == 0 and np.delete(flat.std_uv, o1).min() > 5

    railed = metrics(faults.railed(seg, [o1]), names)
    assert railed.offset_uv[o1] == faults.CYTON_FULL_SCALE_UV
    # A DC offset of tens of mV is no fault: removed before measuring.
    offset = metrics(seg + 30_000.0, names)
    np.testing.assert_allclose(offset.std_uv, clean.std_uv)

    t = np.arange(seg.shape[1]) / SFREQ
    line = seg.copy()
    line[c3] += 100 * np.sin(2 * np.pi * 60 * t)
    assert metrics(line, names).line_ratio[c3] > 1.5

    noisy, _ = faults.muscle_bursts(seg, [c3], SFREQ, start_s=0.0)
    m = metrics(noisy, names)
    assert m.muscle_uv[c3] > 30 and m.residual_uv[c3] > 30
    assert m.neighbour_r[c3] < clean.neighbour_r[c3] - 0.2


def test_a_step_between_two_segments_is_seen_with_the_samples_before_it(real):
    names, x = real
    c3 = names.index("C3")
    seg = x[:, 20 * 160 : 22 * 160].copy()
    seg[c3, 160:] += 400.0  # the step falls exactly on the segment boundary
    second = seg[:, 160:]
    assert metrics(second, names).step_uv[c3] < 300  # alone: a plain offset
    assert metrics(second, names, before=seg[:, 152:160]).step_uv[c3] > 350


def monitor_run(names, x, settings=None):
    monitor = QualityMonitor(names, SFREQ, 160, settings)
    return [
        monitor.push(x[:, k * 160 : (k + 1) * 160]) for k in range(x.shape[1] // 160)
    ]


def test_a_channel_is_marked_after_bad_segments_and_cleared_after_good_ones(real):
    names, x = real
    x = x[:, : 40 * 160]
    o1 = names.index("O1")
    faulty = x.copy()
    faulty[o1, 15 * 160 : 25 * 160] = 0.0  # unplugged from 15 s to 25 s
    verdicts = monitor_run(names, faulty)
    marked = np.array([v.marked[o1] for v in verdicts])
    # bad_after=2: marked by the second flat segment, cleared by the third good one.
    assert not marked[:16].any() and marked[16:25].all() and not marked[27:].any()
    assert verdicts[16].changed[o1] and verdicts[27].changed[o1]
    assert verdicts[16].reasons[o1] & 1  # flat
    others = np.array([np.delete(v.marked, o1) for v in verdicts])
    assert not others.any()  # its neighbours are predicted without it


def test_mains_hum_present_from_the_first_second_is_marked(real):
    # Its own history would hold only hummy segments: the channel is then held
    # against all channels' history, not against itself.
    names, x = real
    x = x[:, : 30 * 160]
    t7 = names.index("T7")
    hum = x.copy()
    hum[t7] += 100 * np.sin(2 * np.pi * 60 * np.arange(x.shape[1]) / SFREQ)
    verdicts = monitor_run(names, hum)
    line_bit = 1 << 3  # BAD_REASONS: flat, railed, jumps, line_noise, noisy
    assert verdicts[-1].marked[t7] and verdicts[-1].reasons[t7] & line_bit
    others = np.array([np.delete(v.marked, t7) for v in verdicts])
    assert not others.any()
    assert not any(v.marked.any() for v in monitor_run(names, x))  # clean: none


def test_muscle_over_several_sites_is_flagged_not_marked(real):
    names, x = real
    temporal = [names.index(c) for c in ("FT7", "FT8", "T7", "T8", "TP7", "TP8")]
    noisy, _ = faults.muscle_bursts(x[:, : 30 * 160], temporal, SFREQ)
    verdicts = monitor_run(names, noisy)
    muscle = np.array([v.flags[0] for v in verdicts])
    assert muscle[11:20][:, temporal].any(axis=1).all()  # 10-20 s, after learning
    assert not muscle[:10].any() and not muscle[21:].any()
    assert not np.array([v.marked for v in verdicts])[:, temporal].any()


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"flat_uv": -1.0}, "flat_uv must be a number from 0 to 100, got -1.0"),
        ({"z_limit": "4"}, "z_limit must be a number from 1 to 50"),
        ({"bad_after": 2.5}, "bad_after must be a whole number from 1 to 8"),
        ({"bad_after": 5, "bad_window": 4}, "bad_after (5) must be at most"),
        ({"muscle_uv": float("nan")}, "muscle_uv must be a number from 1 to 1000"),
    ],
)
def test_a_setting_out_of_range_is_one_line_naming_it_and_its_range(changes, fragment):
    with pytest.raises(EEGStreamError) as err:
        QualitySettings(**changes)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_settings_round_trip_and_unknown_keys_are_named():
    settings = QualitySettings(flat_uv=2, bad_window=6)
    again = QualitySettings.from_dict(settings.to_dict())
    assert again == settings and isinstance(again.flat_uv, float)
    assert QualitySettings.from_dict({}) == QualitySettings()
    with pytest.raises(EEGStreamError, match=r"unknown quality settings \['flat'\]"):
        QualitySettings.from_dict({"flat": 1.0})
