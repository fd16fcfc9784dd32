"""The dashboard over a real pipeline fed by a real replay over loopback LSL.

The replayed EEG is SYNTHETIC (sinusoids plus noise, labelled trials) and the
checkpoint UNTRAINED: these tests check what the window shows, never accuracy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _pipeline_helpers import ChildSource

pytest.importorskip("pytestqt")

from eegstream.dashboard._theme import STATE_COLOURS, class_colours  # noqa: E402
from eegstream.montage import SEED_CHANNELS  # noqa: E402
from eegstream.replay import Player, array_source  # noqa: E402

pytestmark = [pytest.mark.gui, pytest.mark.lsl, pytest.mark.slow]

SFREQ = 200.0
LABELS = ("happy", "sad")
# A step needs a 4 s window inside one trial to carry a true label.
TRIAL_S = 6.0


def _synthetic_trials(seconds: float = TRIAL_S, seed: int = 0) -> list[np.ndarray]:
    """SYNTHETIC 62-channel EEG in µV: alpha of a trial-dependent size plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SFREQ)) / SFREQ
    return [
        (10 + 10 * i) * np.sin(2 * np.pi * 10 * t)[None]
        + 5 * rng.standard_normal((62, t.size))
        for i in range(len(LABELS))
    ]


def _player(name: str, classes, **kwargs) -> Player:
    source = array_source(
        _synthetic_trials(),
        SFREQ,
        SEED_CHANNELS,
        labels=LABELS,
        classes=classes,
        description="synthetic test EEG",
        synthetic=True,
    )
    return Player(source, name=name, source_id=name, loop=True, **kwargs)


def _window(checkpoint, name: str):
    from eegstream.dashboard.window import MainWindow
    from eegstream.pipeline import LivePipeline

    pipeline = LivePipeline(
        checkpoint, stream=name, source_id=name, outlets=False
    ).start()
    window = MainWindow.from_checkpoint(pipeline, checkpoint, history_s=60)
    window.timer.setInterval(10_000)  # tests drive refresh() themselves
    return pipeline, window


def _replay_and_window(checkpoint, name: str):
    """Start a replay named ``name`` and a window over it (no replay left on error)."""
    player = _player(name, checkpoint.classes).start()
    try:
        return (player, *_window(checkpoint, name))
    except BaseException:
        player.stop()
        raise


@pytest.fixture(scope="module")
def checkpoint(tiny_checkpoint):
    from eegstream.model import load_checkpoint

    return load_checkpoint(tiny_checkpoint)


@pytest.fixture(scope="module")
def live(qapp, checkpoint, tmp_path_factory):
    """One replay, pipeline and window shared by the read-only tests of this module."""
    name = f"eegstream-test-dashboard-{os.getpid()}-{time.monotonic_ns() % 10**8}"
    player, pipeline, window = _replay_and_window(checkpoint, name)
    queue = pipeline.subscribe()
    window.show()
    yield pipeline, window, queue
    window.close()  # stops the pipeline: inlets close before the outlets
    player.stop()


def _wait(qtbot, window, condition, timeout_s: float = 20.0) -> None:
    def check() -> None:
        window.refresh()
        assert condition()

    qtbot.waitUntil(check, timeout=int(timeout_s * 1000))


def test_gauge_shows_the_model_classes(live, qtbot, checkpoint):
    _, window, _ = live
    assert window.gauge.classes == checkpoint.classes
    assert window.gauge.bars.classes == checkpoint.classes
    assert window.history.classes == checkpoint.classes
    _wait(qtbot, window, lambda: window.model.latest is not None)
    assert window.gauge.top_text() in {c.upper() for c in checkpoint.classes}


def test_displayed_values_equal_pipeline_latest_probabilities(live, qtbot):
    _, window, queue = live
    seen = []

    def same() -> bool:
        while not queue.empty():
            seen.append(queue.get_nowait())
        return bool(seen) and np.array_equal(
            window.gauge.values(), seen[-1].probabilities
        )

    _wait(qtbot, window, same)
    latest = seen[-1]
    assert window.model.latest.timestamp == latest.timestamp
    assert window.gauge.top_text() == latest.predicted.upper()
    _, probs = window.model.history()
    np.testing.assert_array_equal(probs[-1], latest.probabilities)
    np.testing.assert_array_equal(window.scalpmap.band_power, latest.band_power)


def test_the_timer_holds_its_redraw_while_the_pipeline_steps(live, qtbot, monkeypatch):
    """The pipeline is busy while samples become steps; the timer skips a redraw."""
    from eegstream.pipeline import LivePipeline

    pipeline, window, _ = live
    chain = pipeline.chain
    seen: list[bool] = []

    def push(*args, _push=chain.push):
        seen.append(pipeline.busy)
        return _push(*args)

    monkeypatch.setattr(chain, "push", push)
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=10_000)
    assert all(seen)
    qtbot.waitUntil(lambda: not pipeline.busy, timeout=5_000)  # between blocks
    for busy, drawn in ((True, 0), (False, 1)):
        monkeypatch.setattr(LivePipeline, "busy", property(lambda self, b=busy: b))
        before = window.redraws
        window._tick()
        assert window.redraws == before + drawn


def test_marker_band_appears_with_the_true_labels(live, qtbot, checkpoint):
    _, window, _ = live
    _wait(qtbot, window, lambda: window.history.segments["true"], timeout_s=30)
    segments = window.history.segments["true"]
    assert {s.label for s in segments} <= set(LABELS)
    bars = window.history.bars["true"]
    assert bars.isVisible()
    colours = class_colours(checkpoint.classes)
    assert [b.color().name() for b in bars.opts["brushes"]] == [
        colours[s.label].lower() for s in segments
    ]


def test_status_shows_stream_and_health(live, qtbot, checkpoint):
    pipeline, window, _ = live
    _wait(qtbot, window, lambda: window.status.state == "ok")
    labels = window.status.labels
    assert labels["stream"].text() == pipeline.health().stream_name
    assert labels["rate"].text().endswith("/ 200 Hz")
    assert labels["model"].text().endswith(checkpoint.name)
    assert labels["device"].text() == "CPU"
    assert window.status.state_colour == STATE_COLOURS["ok"]
    # The replay declares its EEG synthetic; the window says so.
    assert labels["synthetic"].text() == "SYNTHETIC EEG"
    assert "SYNTHETIC" in window.windowTitle()


def test_stream_picker_lists_the_replay(live, qtbot):
    from eegstream.dashboard.pickers import StreamPicker

    pipeline = live[0]
    picker = StreamPicker()
    qtbot.addWidget(picker)
    names = [s.name for s in picker.rows]
    assert pipeline.health().stream_name in names
    assert not any(n.endswith("-markers") for n in names)  # string streams left out


def test_model_picker_lists_checkpoints(qtbot, tiny_checkpoint, checkpoint):
    from eegstream.dashboard.pickers import ModelPicker

    picker = ModelPicker(Path(tiny_checkpoint).parent)
    qtbot.addWidget(picker)
    assert picker.rows == [Path(tiny_checkpoint)]
    assert picker.table.item(0, 1).text() == ", ".join(checkpoint.classes)
    assert picker.selected() == Path(tiny_checkpoint)


def test_status_reacts_to_a_killed_stream(qapp, qtbot, checkpoint, unique_id):
    # The first source runs in a process of its own, killed mid-stream.
    eeg = np.hstack(_synthetic_trials(30.0)).astype(np.float32)
    player = ChildSource(unique_id, eeg, SFREQ, SEED_CHANNELS, speed=1.0)
    try:
        pipeline, window = _window(checkpoint, unique_id)
    except BaseException:
        player.stop()
        raise
    try:
        window.show()
        _wait(
            qtbot,
            window,
            lambda: window.status.state == "ok" and len(window.model.eeg_times),
        )
        player.stop()  # the source's process dies
        _wait(qtbot, window, lambda: window.status.state == "lost")
        assert window.status.state_colour == STATE_COLOURS["lost"]
        assert window.banner.isVisible() and "lost" in window.banner.text()
        frozen = window.model.eeg_times.copy()
        for _ in range(3):
            window.refresh()
        np.testing.assert_array_equal(window.model.eeg_times, frozen)
        # The same source comes back: the status recovers and the plots move on.
        player = _player(unique_id, checkpoint.classes).start()
        _wait(
            qtbot,
            window,
            lambda: (
                window.status.state == "ok"
                and len(window.model.eeg_times)
                and window.model.eeg_times[-1] > frozen[-1]
            ),
        )
        assert window.status.state_colour == STATE_COLOURS["ok"]
        assert not window.banner.isVisible()
    finally:
        window.close()
        player.stop()


def _live_cli(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "eegstream", "live", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_screenshot_mode_writes_a_png_and_exits_0(
    tmp_path, tiny_checkpoint, checkpoint, unique_id
):
    out = tmp_path / "shot.png"
    with _player(unique_id, checkpoint.classes):
        proc = _live_cli(
            [
                "--model",
                str(tiny_checkpoint),
                "--stream",
                unique_id,
                "--source-id",
                unique_id,
                "--no-outlets",
                "--screenshot",
                str(out),
                "--exit-after",
                "3",
            ]
        )
    assert proc.returncode == 0, proc.stderr
    from PySide6 import QtGui

    image = QtGui.QImage(str(out))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 500
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically, nothing left over


def test_mismatched_stream_prints_the_reason_and_exits_nonzero(
    tiny_checkpoint, unique_id
):
    source = array_source(
        np.zeros((4, 2000)),
        SFREQ,
        ["ch1", "ch2", "ch3", "ch4"],
        description="synthetic zeros",
        synthetic=True,
    )
    with Player(source, name=unique_id, source_id=unique_id, loop=True):
        proc = _live_cli(
            [
                "--model",
                str(tiny_checkpoint),
                "--source-id",
                unique_id,
                "--no-outlets",
                "--exit-after",
                "5",
            ]
        )
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "Traceback" not in proc.stderr
