"""The replay's JSON marker strings."""

from __future__ import annotations

import json

import pytest

from eegstream import EEGStreamError
from eegstream.protocol import MARKER_EVENTS, format_marker, parse_marker


@pytest.mark.parametrize("event", MARKER_EVENTS)
def test_every_event_round_trips(event: str) -> None:
    fields = {
        "event": event,
        "subject": 3,
        "session": 2,
        "trial": 11,
        "label": "négatif",
        "label_id": 0,
    }
    text = format_marker(**fields)
    assert parse_marker(text) == fields
    assert parse_marker(text.encode("utf-8")) == fields
    assert json.loads(text) == fields  # plain JSON any LSL user can read
    assert text.startswith('{"event": ')


def test_none_fields_are_json_null() -> None:
    text = format_marker(event="trial_start", subject=1, label=None)
    assert json.loads(text)["label"] is None


@pytest.mark.parametrize(
    "text",
    ["stimulus 7", "", "[1, 2]", '{"trial": 3}', '{"event": "button"}', b"\xff\xfe"],
    ids=["plain", "empty", "list", "no-event", "foreign-event", "not-utf8"],
)
def test_foreign_markers_parse_as_none(text: str | bytes) -> None:
    assert parse_marker(text) is None


def test_unknown_event_is_refused() -> None:
    with pytest.raises(EEGStreamError, match="marker event must be one of.*'go'"):
        format_marker(event="go")


def test_non_json_field_is_refused() -> None:
    with pytest.raises(EEGStreamError, match="plain JSON values"):
        format_marker(event="trial_end", label=object())
    with pytest.raises(EEGStreamError, match="plain JSON values"):
        format_marker(event="trial_end", duration_s=float("nan"))
