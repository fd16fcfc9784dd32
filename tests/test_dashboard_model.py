"""Qt-free dashboard parts: view model, scalp-map interpolation, colours, display."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream.dashboard import DashboardModel, check_display
from eegstream.dashboard._theme import class_colours
from eegstream.dashboard._topomap import Topomap
from eegstream.montage import SEED_CHANNELS, positions_2d
from eegstream.pipeline.channels import plan_channels
from eegstream.pipeline.results import Health, StepResult

CLASSES = ("neutral", "sad", "fear", "happy")


def _step(t: float, probs, label=None, warm=True, band_power=None) -> StepResult:
    bp = np.full((62, 5), 5.0) if band_power is None else band_power
    return StepResult(t, np.asarray(probs, float), CLASSES, bp, 0.01, warm, label)


def _health(state: str = "ok", error: str | None = None) -> Health:
    return Health(
        state, "eeg", "sid", 200.0, 199.5, 1000, 0, 0, 0.01, 0.02, "cpu", "tiny", error
    )


def test_history_is_relative_to_newest_step_and_trimmed():
    model = DashboardModel(CLASSES, history_s=20.0)
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=200)
    model.ingest(_step(float(t), p) for t, p in enumerate(probs))
    times, hist = model.history()
    assert times[-1] == 0 and times[0] >= -20
    np.testing.assert_array_equal(hist, probs[-len(times) :])
    np.testing.assert_array_equal(model.probabilities, probs[-1])
    assert model.top_class == CLASSES[int(np.argmax(probs[-1]))]


def test_true_segments_follow_labels_and_skip_unlabelled_steps():
    model = DashboardModel(CLASSES)
    labels = [None] * 3 + ["happy"] * 4 + [None] * 2 + ["sad"] * 3
    model.ingest(
        _step(float(t), [0.7, 0.1, 0.1, 0.1], lab) for t, lab in enumerate(labels)
    )
    segments = model.true_segments()
    assert [s.label for s in segments] == ["happy", "sad"]
    # Each step covers the hop (1 s) ending at its timestamp; newest step is t=0.
    assert (segments[0].start, segments[0].end) == (-9.0, -5.0)
    assert (segments[1].start, segments[1].end) == (-3.0, 0.0)
    assert [s.label for s in model.predicted_segments()] == ["neutral"]


def test_band_history_is_channel_mean_ignoring_missing_channels():
    model = DashboardModel(CLASSES)
    bp = np.tile(np.arange(5.0), (62, 1))
    bp[:10] = np.nan  # missing channels
    bp[10:20, 0] = 3.0
    model.ingest([_step(0.0, [1, 0, 0, 0], band_power=bp)])
    _, values = model.band_history()
    expected = np.array([(10 * 3.0 + 42 * 0.0) / 52, 1, 2, 3, 4])
    np.testing.assert_allclose(values[0], expected)


def test_traces_are_picked_through_the_pipelines_channel_plan():
    model = DashboardModel(CLASSES, trace_channels=["O1", "FP1", "CZ"])
    names = ["Fp1", "Pz", "o1"]  # another headset: other order, other spelling
    plan, _ = plan_channels(names, 3, max_missing=62)
    data = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    model.set_eeg(np.array([0.0, 0.005]), data, plan)
    np.testing.assert_array_equal(model.eeg[:2], [[3.0, 3.0], [1.0, 1.0]])
    assert np.isnan(model.eeg[2]).all()  # CZ: not in the stream
    # An unlabelled stream taken in SEED order (assume_seed_order), or no plan.
    seed = np.arange(62.0)[:, None] * np.ones(2)
    plan, _ = plan_channels(None, 62, assume_seed_order=True)
    for how in (plan, None):
        model.set_eeg(np.array([0.0, 0.005]), seed, how)
        np.testing.assert_array_equal(
            model.eeg[:, 0], [SEED_CHANNELS.index(c) for c in ("O1", "FP1", "CZ")]
        )


def test_traces_of_a_headset_model_come_through_its_plan():
    from eegstream.dashboard.model import default_traces
    from eegstream.headsets import PRESETS

    epoc = PRESETS["emotiv-epoc"].channels  # the headset's own order
    model_channels = tuple(c for c in SEED_CHANNELS if c in epoc)
    stream = ["EOG", *epoc]
    plan, _ = plan_channels(stream, len(stream), checkpoint_channels=model_channels)
    traces = default_traces(model_channels)
    assert set(traces) <= set(model_channels) and "O1" in traces
    model = DashboardModel(CLASSES, trace_channels=traces)
    data = np.arange(len(stream), dtype=float)[:, None] * np.ones(3)
    model.set_eeg(np.zeros(3), data, plan)
    np.testing.assert_array_equal(model.eeg[:, 0], [stream.index(c) for c in traces])


def test_band_history_follows_the_checkpoints_bands():
    model = DashboardModel(CLASSES, band_names=("alpha", "beta"))
    bp = np.tile([1.0, 2.0], (62, 1))
    model.ingest([_step(0.0, [1, 0, 0, 0], band_power=bp)])
    _, values = model.band_history()
    np.testing.assert_allclose(values, [[1.0, 2.0]])


def test_wrong_number_of_probabilities_is_refused():
    model = DashboardModel(CLASSES)
    with pytest.raises(EEGStreamError, match="4 classes"):
        model.ingest([_step(0.0, [0.5, 0.5])])


def test_calibration_counts_cold_steps():
    model = DashboardModel(CLASSES, seq_len=60)
    assert model.calibration == "waiting for data"
    model.ingest(_step(float(t), [1, 0, 0, 0], warm=False) for t in range(3))
    assert model.calibration == "warming up 3/60 steps"
    model.ingest([_step(3.0, [1, 0, 0, 0], warm=True)])
    assert model.calibration == "calibrated"
    # A live calibration under way (LivePipeline.start_calibration) comes first.
    model.set_health(dataclasses.replace(_health(), calibration="recording 12/60 s"))
    assert model.calibration == "calibrating for the wearer: recording 12/60 s"


def test_lost_health_freezes_and_errors_are_kept_once():
    model = DashboardModel(CLASSES)
    model.set_health(_health("ok"))
    assert not model.frozen
    model.set_health(_health("lost"))
    assert model.frozen
    for _ in range(3):
        model.set_health(_health("stopped", "stream has 4 channels, model needs 62"))
    assert model.errors == ["stream has 4 channels, model needs 62"]


def test_bad_trace_channel_names_the_problem():
    with pytest.raises(EEGStreamError, match="XYZ"):
        DashboardModel(CLASSES, trace_channels=["FP1", "XYZ"])


def test_update_without_pipeline_says_what_to_call():
    with pytest.raises(EEGStreamError, match="attach"):
        DashboardModel(CLASSES).update()


def test_topomap_keeps_constants_and_linear_fields():
    topo = Topomap(resolution=48)
    assert np.allclose(topo.image(np.full(62, 4.2))[topo.mask], 4.2)
    x, y = positions_2d().T
    image = topo.image(2 * x - 3 * y + 1)
    axis = np.linspace(-0.54, 0.54, 48)
    gx, gy = np.meshgrid(axis, axis, indexing="ij")
    np.testing.assert_allclose(
        image[topo.mask], (2 * gx - 3 * gy + 1)[topo.mask], atol=1e-6
    )
    assert np.isnan(image[~topo.mask]).all()


def test_topomap_fills_missing_channels():
    values = np.full(62, 2.0)
    values[SEED_CHANNELS.index("OZ")] = np.nan
    image = Topomap(resolution=32).image(values)
    assert np.isfinite(image[Topomap(resolution=32).mask]).all()


def test_class_colours_are_fixed_by_name_and_distinct():
    seven = ("disgust", "fear", "sad", "neutral", "happy", "anger", "surprise")
    colours = class_colours(seven)
    assert len(set(colours.values())) == 7
    assert class_colours(("happy", "sad"))["happy"] == colours["happy"]
    assert class_colours(("Happy",))["Happy"] == colours["happy"]
    odd = class_colours(("alpha-state", "beta-state"))
    assert odd["alpha-state"] != odd["beta-state"]


def test_check_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    check_display()
    monkeypatch.delenv("QT_QPA_PLATFORM")
    if sys.platform in ("win32", "darwin"):
        pytest.skip("Qt always has a display on this platform")
    with pytest.raises(
        EEGStreamError, match="eegstream run.*QT_QPA_PLATFORM=offscreen"
    ):
        check_display()
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    check_display()


@pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="Qt ships its platform plugins there"
)
def test_a_platform_qt_cannot_load_is_one_line_naming_the_packages(monkeypatch):
    # A desktop whose Qt platform plugin cannot load (as xcb without
    # libxcb-cursor0): simulated by a platform that does not exist.
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "nosuchplatform")
    with pytest.raises(EEGStreamError) as err:
        check_display()
    message = str(err.value)
    assert "\n" not in message and "'nosuchplatform'" in message
    assert "apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in message
    assert "eegstream run --model M" in message


def test_library_names_become_debian_packages():
    from eegstream.dashboard._display import XCB_PACKAGES, debian_package

    sonames = [
        "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
        "libxcb-image.so.0", "libxcb-render-util.so.0", "libxcb-shape.so.0",
        "libxcb-xinerama.so.0", "libxcb-xkb.so.1", "libxkbcommon-x11.so.0",
    ]  # fmt: skip
    assert [debian_package(s) for s in sonames] == list(XCB_PACKAGES)
    assert debian_package("libX11-xcb.so.1.0.0") == "libx11-xcb1"


@pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="needs X11/Wayland rules"
)
def test_live_without_display_prints_one_line_instead_of_qt_abort(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "eegstream", "live", "--model", "whatever"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "eegstream run" in lines[0], proc.stderr


@pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="Qt ships its platform plugins there"
)
def test_live_exits_2_when_qt_cannot_load_its_platform(monkeypatch, capsys):
    from eegstream.cli import main

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "nosuchplatform")
    assert main(["live", "--model", "demo-seed-iv", "--exit-after", "1"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "dashboard cannot open" in line and "sudo apt-get install" in line


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux's")
def test_missing_xcb_libraries_are_named_as_packages(monkeypatch):
    from eegstream.dashboard._display import missing_xcb_packages, probe_dashboard

    missing = missing_xcb_packages()
    if not missing:
        pytest.skip("every library of Qt's xcb plugin is installed here")
    # No X server answers at this display either way: Qt cannot start xcb.
    monkeypatch.setenv("DISPLAY", ":97")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    message = probe_dashboard()
    assert message is not None
    assert f"({', '.join(missing)})" in message
    assert f"sudo apt-get install {' '.join(missing)}`" in message
