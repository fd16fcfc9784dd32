"""``eegstream features`` and ``eegstream sys-info`` on real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _cli import help_text
from _synth import synthetic_release

from eegstream.cli import main
from eegstream.features import FeatureConfig, compute_de, condition, extract_features
from eegstream.files.reading import load_recording
from eegstream.montage import SEED_CHANNELS

EDF = "S001R02_eyes_closed_60s.edf"
MISSING = ["PO5", "PO6", "CB1", "CB2"]


def test_features_file_writes_documented_npz(realdata, tmp_path, capsys):
    out = tmp_path / "sub" / "closed.npz"
    # hop 0.2 s gives 281 windows, more than one progress block of 256
    assert (
        main(
            [
                "features",
                "--file",
                str(realdata / EDF),
                "--out",
                str(out),
                "--hop",
                "0.2",
            ]
        )
        == 0
    )
    assert "58/62 SEED channels" in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == ["closed.npz"]  # no temp left
    with np.load(out) as npz:
        assert set(npz.files) == {
            "de",
            "times",
            "channels",
            "bands",
            "missing",
            "config",
            "marker_onset",
            "marker_stream",
            "marker_text",
            "marker_window",
        }
        de, times = npz["de"], npz["times"]
        cfg = FeatureConfig.from_json(str(npz["config"]))
        assert de.dtype == np.float32 and de.shape == (281, 62, 5)
        assert list(npz["channels"]) == list(SEED_CHANNELS)
        np.testing.assert_array_equal(npz["bands"], np.array(cfg.bands))
        assert list(npz["missing"]) == MISSING
    assert cfg == FeatureConfig(hop_s=0.2)
    np.testing.assert_allclose(times, 4.0 + 0.2 * np.arange(281))
    missing_rows = [SEED_CHANNELS.index(ch) for ch in MISSING]
    assert np.all(np.isnan(de[:, missing_rows]))
    assert np.all(np.isfinite(np.delete(de, missing_rows, axis=1)))
    # Block-wise extraction equals the one-call offline path (160 -> 200 Hz data).
    rec = load_recording(realdata / EDF)
    assert rec.sfreq == 200.0 and rec.data.shape[1] == 12000
    np.testing.assert_array_equal(
        de, extract_features(rec.data, cfg).astype(np.float32)
    )


def test_features_file_compat_and_no_smoothing(realdata, tmp_path):
    out = tmp_path / "vii.npz"
    argv = ["features", "--file", str(realdata / EDF), "--out", str(out),
            "--hop", "4", "--compat", "seed-vii", "--smoothing", "none"]  # fmt: skip
    assert main(argv) == 0
    with np.load(out) as npz:
        cfg = FeatureConfig.from_json(str(npz["config"]))
        de = npz["de"]
        np.testing.assert_array_equal(npz["bands"][-1], [31.0, 49.0])
    assert (
        cfg.compat == "seed-vii" and cfg.smoothing == "none" and de.shape == (15, 62, 5)
    )
    eeg = condition(load_recording(realdata / EDF).data, cfg)  # conditioning on
    expected = compute_de(eeg, cfg).astype(np.float32)
    np.testing.assert_array_equal(de, expected)


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--file", "{tmp}/absent.edf", "--out", "{tmp}/o.npz"], "EEG file not found"),
        (["--file", "{real}", "--out", "{tmp}/o.txt"], "--out must end in .npz"),
        (["--file", "{real}"], "--file needs --out"),
        (
            ["--file", "{real}", "--out", "{tmp}/o.npz", "--hop", "0.001"],
            "hop_s must be",
        ),
        (
            ["--file", "{real}", "--out", "{tmp}/o.npz", "--window", "100"],
            "shorter than one",
        ),
        (["--file", "{tmp}/x.xyz", "--out", "{tmp}/o.npz"], "unknown EEG file type"),
        (
            ["--file", "{real}", "--out", "{tmp}/o.npz", "--line-freq", "55"],
            "conditioning --line-freq must be 50 or 60 Hz, got 55",
        ),
        (
            ["--file", "{real}", "--out", "{tmp}/o.npz", "--lowpass", "100"],
            "--lowpass 100 Hz is at or above the Nyquist frequency",
        ),
        (
            ["--file", "{real}", "--out", "{tmp}/o.npz", "--highpass", "9"]
            + ["--lowpass", "8"],
            "wrong order: --highpass 9 must be below --lowpass 8",
        ),
        (
            ["--file", "{real}", "--out", "{tmp}/o.npz", "--no-conditioning"]
            + ["--filter-order", "4"],
            "--no-conditioning turns off what --filter-order would set",
        ),
    ],
    ids=[
        "absent",
        "out-suffix",
        "no-out",
        "bad-hop",
        "too-short",
        "unknown-type",
        "line-freq",
        "lowpass-nyquist",
        "edges-order",
        "no-conditioning-and-order",
    ],
)
def test_bad_input_exits_2_with_one_line(realdata, tmp_path, capsys, argv, match):
    (tmp_path / "x.xyz").write_text("not EEG")
    argv = [a.format(tmp=tmp_path, real=realdata / EDF) for a in argv]
    assert main(["features", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("eegstream features: error: ") and match in err
    assert err.count("\n") == 1
    assert not (tmp_path / "o.npz").exists()


def test_console_script_reports_errors_without_traceback(tmp_path):
    script = Path(sys.executable).parent / "eegstream"
    bad = tmp_path / "broken.cnt"
    bad.write_bytes(b"\x00" * 900)
    proc = subprocess.run(
        [str(script), "features", "--file", str(bad), "--out", str(tmp_path / "o.npz")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert "broken.cnt" in proc.stderr


@pytest.mark.parametrize("command", ["features", "sys-info"])
def test_help(command, capsys):
    assert "usage: eegstream " + command in help_text(command, capsys)


def test_sys_info(capsys):
    import numpy
    import scipy

    assert main(["sys-info"]) == 0
    out = capsys.readouterr().out
    for line in (
        f"numpy:       {numpy.__version__}",
        f"scipy:       {scipy.__version__}",
    ):
        assert line in out
    for name in ("python:", "mne:", "pylsl:", "liblsl", "torch:", "CUDA", "PySide6:",
                 "pyqtgraph:", "platform:", "cpu cores:"):  # fmt: skip
        assert name in out


def test_features_dataset_mode_on_synthetic_release(tmp_path, capsys):
    # A generated SEED-IV layout (synthetic data, NOT real EEG): the dataset mode
    # fills the cache with the same features as extract_features per trial.
    from eegstream.datasets import open_dataset
    from eegstream.datasets.cache import cache_folder, trial_cache_path

    root = synthetic_release("seed-iv", tmp_path / "synth", trial_seconds=12)
    argv = ["features", "--dataset", "seed-iv", "--root", str(root),
            "--cache", str(tmp_path / "cache"), "--hop", "4"]  # fmt: skip
    assert main(argv) == 0
    dataset = open_dataset("seed-iv", root)
    cfg = FeatureConfig(hop_s=4.0)
    folder = cache_folder(dataset, cfg, tmp_path / "cache")
    assert str(folder) in capsys.readouterr().out
    files = sorted(folder.glob("*.npy"))
    assert len(files) == len(dataset.trials) == 24
    trial = dataset.trials[0]
    cached = np.load(trial_cache_path(folder, trial))
    np.testing.assert_array_equal(
        cached, extract_features(trial.eeg(), cfg).astype(np.float32)
    )
    # --root and --cache-dir belong to --dataset
    assert (
        main(["features", "--file", "x.edf", "--out", "o.npz", "--root", str(root)])
        == 2
    )
    assert "go with --dataset" in capsys.readouterr().err
