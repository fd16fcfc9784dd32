"""The replay's schedule: segments, rests and markers, with no clock and no LSL."""

from __future__ import annotations

import numpy as np

from eegstream.protocol import parse_marker
from eegstream.replay import Segment, pieces, rest_samples


def _segment(trial: int, n: int) -> tuple[Segment, np.ndarray]:
    data = np.arange(n * 2, dtype=float).reshape(n, 2) + 100 * trial
    seg = Segment(n, lambda: data.T, subject=3, session=1, trial=trial, label="sad")
    return seg, data


def test_segments_come_in_order_with_a_backward_rest_between_two():
    (a, da), (b, db) = _segment(1, 5), _segment(2, 4)
    played = list(pieces([(1, a, da, False), (1, b, db, True)], 3, 200.0))
    assert [(p.segment.trial, p.rest) for p in played] == [
        (1, False), (1, True), (2, False),
    ]  # fmt: skip
    np.testing.assert_array_equal(played[1].data, da[[4, 3, 2]])
    np.testing.assert_array_equal(played[1].data, rest_samples(da, 3))
    rest = parse_marker(played[1].markers[0][1])
    assert rest["event"] == "rest_start" and rest["trial"] == 1
    assert rest["duration_s"] == 3 / 200.0


def test_a_trial_is_framed_by_its_markers_and_a_pass_ends_with_session_end():
    (a, da), (b, db) = _segment(1, 5), _segment(2, 4)
    first, second = pieces([(1, a, da, False), (2, b, db, True)], 0, 200.0)
    events = [(i, parse_marker(text)["event"]) for i, text, _ in first.markers]
    assert events == [(0, "trial_start"), (4, "trial_end")]
    events = [(i, parse_marker(text)) for i, text, _ in second.markers]
    assert [(i, m["event"]) for i, m in events] == [
        (0, "trial_start"), (3, "trial_end"), (3, "session_end"),
    ]  # fmt: skip
    assert events[2][1]["pass"] == 2 and events[0][1]["label"] == "sad"


def test_no_rest_without_rest_samples():
    (a, da), (b, db) = _segment(1, 5), _segment(2, 4)
    played = list(pieces([(1, a, da, False), (1, b, db, True)], 0, 200.0))
    assert not any(p.rest for p in played)
