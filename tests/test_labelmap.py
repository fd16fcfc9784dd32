"""Label maps: TOML rules from a stimulus program's markers to labelled segments."""

from __future__ import annotations

import pytest

from eegstream import EEGStreamError
from eegstream.labelmap import LabelMap, MarkerMatch, interpret, labelled_segments
from eegstream.protocol import format_marker

PSYCHOPY = """
# A PsychoPy experiment sends stim_<emotion> at clip onset and stim_end after it.
[[rule]]
match = "stim_(?P<emotion>\\\\w+)"
class = "${emotion}"
action = "start"

[[rule]]
exact = "stim_end"
action = "end"

[[rule]]
match = "block_(\\\\d+)_rest"
action = "end"
"""


@pytest.fixture
def psychopy_map(tmp_path):
    path = tmp_path / "psychopy.toml"
    path.write_text(PSYCHOPY)
    return LabelMap.load(path)


def test_rules_match_whole_markers_and_fill_in_groups(psychopy_map):
    assert psychopy_map.match("stim_happy") == MarkerMatch("start", "happy")
    # The exact rule wins over the regular expression that also matches it.
    assert psychopy_map.match("stim_end") == MarkerMatch("end")
    assert psychopy_map.match("block_3_rest") == MarkerMatch("end")
    # Whole-marker matching: no prefix or suffix hits.
    assert psychopy_map.match("xstim_happy") is None
    assert psychopy_map.match("block_3_rest!") is None
    assert psychopy_map.match("fixation") is None
    assert psychopy_map.classes == ()  # only templated classes


def test_literal_classes_and_positional_groups():
    lmap = LabelMap.from_dict(
        {
            "rule": [
                {"exact": "S  1", "class": "sad", "action": "start"},
                {"match": "img[.](pos|neg)", "class": "$1", "action": "start"},
            ]
        }
    )
    assert lmap.classes == ("sad",)
    assert lmap.match("S  1") == MarkerMatch("start", "sad")
    assert lmap.match("img.neg") == MarkerMatch("start", "neg")
    assert lmap.match("imgxneg") is None


def test_segments_from_markers_one_path_for_foreign_and_replay_markers(psychopy_map):
    events = [
        (30.0, "stim_sad"),  # out of order on purpose: sorted by onset
        (1.0, "fixation"),
        (2.0, "stim_happy"),
        (12.0, "stim_end"),
        (20.0, "stim_neutral"),
        (25.0, "stim_fear"),  # a start ends the open segment
        (35.0, "block_1_rest"),
        (40.0, format_marker(event="trial_start", trial=1, label="happy")),
        (50.0, format_marker(event="trial_end", trial=1, label="happy")),
        (60.0, "stim_sad"),  # still open at the end of the recording
    ]
    segs = labelled_segments(events, 70.0, psychopy_map, source="rec.xdf")
    assert [(s.onset, s.end, s.label) for s in segs] == [
        (2.0, 12.0, "happy"),
        (20.0, 25.0, "neutral"),
        (25.0, 30.0, "fear"),
        (30.0, 35.0, "sad"),
        (40.0, 50.0, "happy"),
        (60.0, 70.0, "sad"),
    ]
    assert segs[0].marker == "stim_happy"
    # Replay markers need no map; foreign ones label nothing without one.
    assert interpret(events[7][1], None) == MarkerMatch("start", "happy")
    assert interpret("stim_happy", None) is None
    assert [s.label for s in labelled_segments(events, 70.0, None)] == ["happy"]


def test_a_marker_naming_an_unknown_class_is_one_line_naming_file_and_marker(
    psychopy_map,
):
    events = [(2.0, "stim_happy"), (12.0, "stim_end"), (14.5, "stim_angry")]
    with pytest.raises(EEGStreamError) as err:
        labelled_segments(
            events, 30.0, psychopy_map, classes=("happy", "sad"), source="s1.xdf"
        )
    msg = str(err.value)
    assert "\n" not in msg
    assert "s1.xdf" in msg and "'stim_angry'" in msg and "14.500 s" in msg
    assert "'angry'" in msg and "happy, sad" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[rule]]\nmatch = 'a'\naction = 'begin'\n", "action must be one of start"),
        ("[[rule]]\nmatch = 'a'\naction = 'start'\n", "needs class"),
        ("[[rule]]\nexact = 'a'\nclass = 'x'\naction = 'end'\n", "takes no class"),
        ("[[rule]]\nmatch = 'a'\nexact = 'a'\naction = 'end'\n", "exactly one of"),
        ("[[rule]]\nmatch = 'a('\nclass = 'x'\naction = 'start'\n", "not a regular"),
        ("[[rule]]\nmatch = 'a'\nclass = '$1'\naction = 'start'\n", "group $1"),
        ("[[rule]]\nmatch = 'a'\nlabel = 'x'\naction = 'start'\n", "unknown keys"),
        ("[rules]\nmatch = 'a'\n", "expected one or more [[rule]]"),
        ("[[rule]\n", "cannot read label map"),
    ],
)
def test_malformed_maps_are_one_line_naming_the_file_and_rule(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(EEGStreamError) as err:
        LabelMap.load(path)
    assert expected in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_map_file(tmp_path):
    with pytest.raises(EEGStreamError, match="label map not found"):
        LabelMap.load(tmp_path / "none.toml")


# -- whose markers label a segment ----------------------------------------------


def _two_streams(stim_labels, replay_labels, gap=1e-5):
    """Both streams mark each 10 s clip's first sample, ``gap`` s apart."""
    events = []
    for i, (s, r) in enumerate(zip(stim_labels, replay_labels, strict=True)):
        t = 12.0 * i
        events += [
            (t, f"stim_{s}", "psychopy"),
            (t + 10, "stim_end", "psychopy"),
            (t + gap, format_marker(event="trial_start", label=r), "rec-markers"),
            (t + 10 + gap, format_marker(event="trial_end"), "rec-markers"),
        ]
    return events


def test_the_map_chooses_its_streams_and_order_never_decides(psychopy_map):
    stim = ["happy", "sad", "happy", "sad"]
    replay = ["sad", "happy", "sad", "happy"]  # what the EEG holds: disagrees
    for gap in (1e-5, -1e-5, 0.0):  # whichever marker comes first
        events = _two_streams(stim, replay, gap)
        for order in (events, events[::-1]):
            segs = labelled_segments(order, 50.0, psychopy_map)
            assert [s.label for s in segs] == stim
            assert {s.stream for s in segs} == {"psychopy"}
            chosen = labelled_segments(
                order, 50.0, psychopy_map, markers=["rec-markers"]
            )
            assert [s.label for s in chosen] == replay
    # Without a map only the replay's stream labels.
    assert [s.label for s in labelled_segments(events, 50.0, None)] == replay


def test_streams_labelling_one_stretch_differently_are_refused(psychopy_map):
    events = _two_streams(["happy", "sad"], ["happy", "happy"])
    with pytest.raises(EEGStreamError) as err:
        labelled_segments(
            events, 30.0, psychopy_map, markers=["psychopy", "rec-markers"],
            source="rec.xdf",
        )  # fmt: skip
    msg = str(err.value)
    assert "\n" not in msg and "'psychopy' and 'rec-markers'" in msg
    assert "'sad' from 12.000 s" in msg and "markers" in msg
    # Streams that agree give each stretch once.
    same = _two_streams(["happy", "sad"], ["happy", "sad"])
    segs = labelled_segments(
        same, 30.0, psychopy_map, markers=["rec-markers", "psychopy"]
    )
    assert [(s.label, s.stream) for s in segs] == [
        ("happy", "psychopy"), ("sad", "psychopy")
    ]  # fmt: skip
    with pytest.raises(EEGStreamError, match="'eeg-markers' names no marker stream"):
        labelled_segments(same, 30.0, psychopy_map, markers=["eeg-markers"])
