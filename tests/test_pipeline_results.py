"""The session summary: typed fields, the session log's layout, the console text."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from eegstream.pipeline import (
    ClipReading,
    LatencySummary,
    MarkerAccuracy,
    ModelSwitch,
    SessionStats,
    SessionSummary,
    StepResult,
    plan_channels,
)
from eegstream.pipeline.console import accuracy_lines, format_summary

#: The ``session_end`` record's ``summary`` keys (docs/internals.md).
SUMMARY_KEYS = [
    "model",
    "started_unix",
    "stream",
    "source_id",
    "duration_s",
    "steps",
    "warm_steps",
    "predicted_counts",
    "latency_s",
    "samples_received",
    "samples_lost",
    "samples_nonfinite",
    "gaps",
    "unit",
    "unit_source",
    "channels",
    "accuracy",
    "labels_not_in_model",
    "error",
    "device",
    "wearer",
    "switches",
]


class _NoLog:
    log = None
    recording = None
    calibration = None


def _summary(**changes) -> SessionSummary:
    from eegstream.montage import SEED_CHANNELS

    plan, _ = plan_channels(
        list(SEED_CHANNELS[:-2]), 60, checkpoint_channels=SEED_CHANNELS, max_missing=6
    )
    fields = dict(
        model="tiny",
        started_unix=1.7e9,
        stream="eeg",
        source_id="src",
        duration_s=12.5,
        steps=10,
        warm_steps=4,
        predicted_counts={"sad": 7, "happy": 3},
        latency_s=LatencySummary.of(np.array([0.002, 0.004, 0.010])),
        samples_received=2500,
        samples_lost=0,
        samples_nonfinite=3,
        gaps=1,
        unit="uV",
        unit_source="declared",
        channels=plan,
        accuracy=MarkerAccuracy(8, 6, 0.75, 4, 0.5, True),
        labels_not_in_model=("boredom",),
        error=None,
        device="cpu",
    )
    return SessionSummary(**{**fields, **changes})


def test_summary_json_layout():
    data = json.loads(json.dumps(_summary().to_dict()))
    assert list(data) == SUMMARY_KEYS
    assert list(data["latency_s"]) == ["p50", "p99", "max", "mean"]
    assert data["accuracy"] == {
        "steps": 8,
        "correct": 6,
        "accuracy": 0.75,
        "warm_steps": 4,
        "warm_accuracy": 0.5,
        "synthetic": True,
        "onset_steps": 0,
        "onset_accuracy": None,
        "steady_steps": 0,
        "steady_accuracy": None,
        "steady_from_s": 60.0,
        "clips": [],
    }
    assert data["channels"]["n_present"] == 60
    assert len(data["channels"]["missing"]) == 2
    assert data["labels_not_in_model"] == ["boredom"]
    empty = _summary(
        channels=None, accuracy=None, latency_s=LatencySummary.of(np.array([]))
    )
    data = empty.to_dict()
    assert data["channels"] is None and data["accuracy"] is None
    assert data["latency_s"] == {"p50": None, "p99": None, "max": None, "mean": None}


def test_latency_summary_matches_numpy():
    lat = np.random.default_rng(0).exponential(0.005, 500)
    got = LatencySummary.of(lat)
    assert got.p50 == pytest.approx(np.percentile(lat, 50))
    assert got.p99 == pytest.approx(np.percentile(lat, 99))
    assert got.max == lat.max() and got.mean == pytest.approx(lat.mean())


def test_console_summary_reads_the_typed_fields():
    text = format_summary(_summary(), _NoLog(), interrupted=True)
    assert "(interrupted)" in text and "10 steps (4 after calibration)" in text
    assert "max 10.0 ms" in text and "predicted: sad 7, happy 3" in text
    assert "75.0% of 8 labelled steps; after calibration 50.0% of 4" in text
    assert "SYNTHETIC EEG" in text and "onset" not in text  # no trial onsets known
    split = MarkerAccuracy(8, 6, 0.75, 4, 0.5, True, 3, 1 / 3, 5, 1.0)
    text = format_summary(_summary(accuracy=split), _NoLog(), interrupted=False)
    assert (
        "onset (first 60 s of a trial) 33.3% of 3; "
        "steady state (60 s in to the trial's end) 100.0% of 5"
    ) in text
    text = format_summary(
        _summary(steps=0, accuracy=None, latency_s=LatencySummary(), error="gone"),
        _NoLog(),
        interrupted=False,
    )
    assert "latency" not in text and "predicted" not in text
    assert "marker labels ['boredom']" in text and "stopped on error: gone" in text


def _pipe(calibration) -> SimpleNamespace:
    """What format_summary reads of a stopped pipeline, with a live calibration."""
    return SimpleNamespace(log=None, recording=None, calibration=calibration)


def test_console_summary_names_the_wearer_the_switch_and_the_calibration():
    switch = ModelSwitch(
        40, "alice-live", "/m/a.safetensors", "tiny", "alice", "live calibration"
    )
    summary = _summary(model="alice-live", wearer="alice", switches=(switch,))
    assert summary.to_dict()["switches"] == [switch.to_dict()]
    note = SimpleNamespace(note="+12% on held-out")
    fitted = SimpleNamespace(state="switched", recording=None, personal=note)
    text = format_summary(summary, _pipe(fitted), False)
    assert "  wearer alice" in text
    assert (
        "  switched to model alice-live (personal model of wearer alice) from "
        "step 40 after live calibration" in text
    )
    assert "  live calibration: +12% on held-out" in text
    failed = SimpleNamespace(
        state="failed", recording=None, personal=None, error="1 labelled segment"
    )
    text = format_summary(_summary(), _pipe(failed), False)
    assert "  live calibration failed: 1 labelled segment" in text
    assert "switched" not in text and "wearer" not in text


def _step(predicted: str, truth: str | None, since: float | None) -> StepResult:
    classes = ("sad", "happy")
    probs = np.array([0.9, 0.1]) if predicted == "sad" else np.array([0.1, 0.9])
    return StepResult(
        0.0, probs, classes, np.zeros((1, 5)), 0.001, True, truth, 0.0, since
    )


def test_each_clip_is_read_with_when_it_settled():
    stats = SessionStats(("sad", "happy"))
    # Clip 1, sad: wrong, right, wrong, right, right -> settled 3 s in.
    for k, predicted in enumerate(["happy", "sad", "happy", "sad", "sad"]):
        stats.count(_step(predicted, "sad", float(k)))
    stats.count(_step("sad", None, None))  # a rest: no clip
    # Clip 2, sad again: a new clip because its onset restarts the count.
    for k, predicted in enumerate(["sad", "sad", "happy"]):
        stats.count(_step(predicted, "sad", float(k)))
    # Clip 3, happy, right throughout.
    for k in range(2):
        stats.count(_step("happy", "happy", float(k)))
    clips = stats.accuracy(synthetic=True).clips
    assert clips == (
        ClipReading("sad", 5, 3, "sad", 3.0),
        ClipReading("sad", 3, 2, "sad", None),
        ClipReading("happy", 2, 2, "happy", 0.0),
    )
    text = "\n".join(accuracy_lines(stats.accuracy(synthetic=True)))
    assert "clip  1  sad: read as sad, 60% of 5 steps, settled 3 s in" in text
    assert "clip  2  sad: read as sad, 67% of 3 steps, not settled" in text
