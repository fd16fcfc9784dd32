"""Markers from any program: a plain pylsl marker outlet labels live steps.

A stimulus program's stream (strings, irregular rate) sends ``stim_happy``
before the EEG and ``stim_end`` part-way; a label map turns them into the
true label of the steps in between, and every marker is logged as it arrives.
"""

from __future__ import annotations

import threading

import pylsl
import pytest
from _pipeline_helpers import (
    PlainSource,
    collect,
    n_steps,
    stop_all,
    synthetic_eeg,
    wait_until,
)

from eegstream import EEGStreamError
from eegstream.labelmap import LabelMap
from eegstream.montage import SEED_CHANNELS
from eegstream.pipeline import LivePipeline, read_log
from eegstream.pipeline.markers import MarkerListener

pytestmark = pytest.mark.lsl
PSYCHOPY = LabelMap.from_dict(
    {
        "rule": [
            {"match": "stim_(\\w+)", "class": "$1", "action": "start"},
            {"exact": "stim_end", "action": "end"},
        ]
    },
    source="psychopy.toml",
)


def test_a_foreign_marker_stream_labels_steps_through_a_label_map(
    tiny_checkpoint, unique_id, tmp_path
):
    stim_info = pylsl.StreamInfo(
        f"{unique_id}-stim", "Markers", 1, 0, pylsl.cf_string, f"{unique_id}-stim"
    )
    stim = pylsl.StreamOutlet(stim_info)
    eeg = synthetic_eeg(16)
    source = PlainSource(unique_id, eeg, 200.0, SEED_CHANNELS, speed=4.0)
    log = tmp_path / "session.jsonl"
    pipe = LivePipeline(
        tiny_checkpoint,
        stream=unique_id,
        markers=[f"{unique_id}-stim"],
        label_map=PSYCHOPY,
        log_path=log,
        device="cpu",
    )
    try:
        results = pipe.subscribe()
        pipe.start()  # the marker inlet is open before the EEG's first sample
        assert wait_until(lambda: stim.have_consumers())
        onset = pylsl.local_clock() - 60  # the trial began a minute ago
        stim.push_sample(["stim_happy"], onset)
        stim.push_sample(["fixation"])
        # The EEG begins once the pipeline holds the trial's start: on a loaded
        # machine the marker once arrived after the first step.
        (listener,) = pipe.markers
        assert wait_until(lambda: listener.trial(onset, onset) is not None)
        source.start()
        got = collect(results, lambda r: len(r) >= 5)
        end = pylsl.local_clock()
        stim.push_sample(["stim_end"], end)
        got += collect(results, lambda r: len(got) + len(r) >= n_steps(eeg.shape[1]))
    finally:
        stop_all(pipe, source)
    assert not [t.name for t in threading.enumerate() if t.name == "lsl-markers"]
    assert len(got) == n_steps(eeg.shape[1])
    labelled = [r for r in got if r.true_label is not None]
    assert {r.true_label for r in labelled} == {"happy"}
    assert len(labelled) >= 5 and all(r.timestamp <= end for r in labelled)
    assert all(r.true_label is None for r in got if r.window_start > end)
    assert any(r.window_start > end for r in got)  # the end did end the segment
    for r in labelled:  # seconds since the trial's start, to each window's end
        assert r.since_onset_s == pytest.approx(r.timestamp - onset)
    assert all(r.since_onset_s is None for r in got if r.true_label is None)
    accuracy = pipe.summary().accuracy
    assert accuracy is not None and accuracy.steps == len(labelled)
    # A minute into the trial already: every labelled step is steady state.
    assert (accuracy.steady_steps, accuracy.onset_steps) == (len(labelled), 0)
    assert accuracy.onset_accuracy is None and accuracy.steady_accuracy is not None
    logged = [r for r in read_log(log) if r["type"] == "step" and r["true_label"]]
    assert [r["since_onset_s"] for r in logged] == pytest.approx(
        [r.since_onset_s for r in labelled], abs=1e-5
    )  # the log rounds its floats
    markers = [r["marker"] for r in read_log(log) if r["type"] == "marker"]
    assert [m["text"] for m in markers] == ["stim_happy", "fixation", "stim_end"]
    assert markers[0] == {
        "text": "stim_happy",
        "stream": f"{unique_id}-stim",
        "action": "start",
        "label": "happy",
    }
    assert "action" not in markers[1]  # logged, labels nothing


def test_poll_takes_the_markers_that_arrived_before_the_thread_ran(unique_id):
    """The pipeline polls before it labels a step: a starved thread loses no label."""
    name = f"{unique_id}-stim"
    stim = pylsl.StreamOutlet(
        pylsl.StreamInfo(name, "Markers", 1, 0, pylsl.cf_string, name)
    )
    listener = MarkerListener(name=name, label_map=PSYCHOPY)
    # Connected as start() connects, its thread never started: the thread of
    # a process too busy to run it.
    listener._connect(5.0)
    try:
        assert listener.connected and wait_until(stim.have_consumers)
        # The clock offset is known already: the first poll() that takes a
        # marker does not wait ~0.64 s for liblsl's first estimate (raises
        # TimeoutError when none is there yet).
        assert listener._inlet is not None
        assert abs(listener._inlet.time_correction(timeout=0.0)) < 1.0
        t0 = pylsl.local_clock()
        stim.push_sample(["stim_happy"], t0)
        stim.push_sample(["stim_end"], t0 + 2.0)
        taken = [0]

        def both() -> bool:
            taken[0] += listener.poll()
            return taken[0] == 2

        assert wait_until(both)
        assert listener.label(t0 + 0.5, t0 + 1.5) == "happy"
        assert listener.label(t0 + 2.5, t0 + 3.0) is None  # in order: ended
        assert [m["text"] for _, m in listener.drain()] == ["stim_happy", "stim_end"]
    finally:
        listener.stop()
    del stim  # after the inlet closed


def test_a_label_map_naming_a_class_the_model_lacks_is_refused(tiny_checkpoint):
    lmap = LabelMap.from_dict(
        {"rule": [{"exact": "S 1", "class": "angry", "action": "start"}]},
        source="exp.toml",
    )
    with pytest.raises(EEGStreamError) as err:
        LivePipeline(tiny_checkpoint, label_map=lmap, device="cpu")
    assert str(err.value).startswith("exp.toml: class 'angry' is not a class")
    assert "neutral, sad, fear, happy" in str(err.value)


def test_cli_refuses_a_bad_label_map_in_one_line(tiny_checkpoint, tmp_path, capsys):
    from eegstream.cli import main

    bad = tmp_path / "exp.toml"
    bad.write_text('[[rule]]\nmatch = "stim_(\\\\w+)"\naction = "begin"\n')
    code = main(["run", "--model", str(tiny_checkpoint), "--label-map", str(bad)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "exp.toml: rule 1: action must be one of start, end" in err
