"""Headset channel sets: presets, choosing channels, subset features, subset training.

The EEG here is SYNTHETIC (noise plus rhythms, or ``eegstream synth`` data).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream.cli import main
from eegstream.features import FeatureConfig, OnlineFeatures, extract_features
from eegstream.headsets import (
    PRESETS,
    channels_from_source,
    choose_channels,
    describe_channels,
    get_preset,
    parse_channel_list,
)
from eegstream.model import load_checkpoint
from eegstream.montage import SEED_CHANNELS, ChannelSet

EPOC = PRESETS["emotiv-epoc"].channels


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_maps_fully_onto_seed_names(name):
    preset = PRESETS[name]
    choice = channels_from_source(name)
    # Every label is a SEED channel (strict mapping), none twice, none dropped.
    assert choose_channels(preset.channels).channels == choice.channels
    assert len(choice.channels) == len(preset.channels) and not choice.unmatched
    assert list(choice.channels) == sorted(choice.channels, key=SEED_CHANNELS.index)
    assert describe_channels(choice.channels).startswith(name)
    assert preset.sfreq > 2 * 50  # fast enough for the gamma band


def test_headset_layouts_of_the_issue():
    assert len(EPOC) == 14 and PRESETS["emotiv-epoc"].sfreq == 128
    assert len(PRESETS["openbci-16"].channels) == 16
    assert PRESETS["openbci-16"].sfreq == 125
    # Old 10-20 names (T3..T6) map onto their 10-10 successors.
    assert {"T7", "T8", "P7", "P8"} <= set(channels_from_source("10-20-19").channels)


def test_channel_list_is_mapped_to_seed_order_and_names():
    choice = parse_channel_list("o2, Fp1 ,AF3.,T3")
    assert choice.channels == ("FP1", "AF3", "T7", "O2")
    assert describe_channels(choice.channels) == "4 channels: FP1, AF3, T7, O2"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_channel_list("AF3,XYZ,F7,EOG"), "channels: XYZ, EOG;"),
        (lambda: parse_channel_list("AF3"), "1 usable SEED channel(s)"),
        (lambda: choose_channels(["EOG", "O1"], strict=False), "at least 2"),
        (lambda: get_preset("muse"), "presets: emotiv-epoc, openbci-16"),
        (lambda: channels_from_source("no/such.edf"), "no such file"),
    ],
    ids=["unknown-names", "one-channel", "one-usable", "unknown-preset", "no-file"],
)  # fmt: skip
def test_bad_channel_choices_are_one_line_errors(call, message):
    with pytest.raises(EEGStreamError) as err:
        call()
    assert message in str(err.value) and "\n" not in str(err.value)


def test_channels_from_a_file_report_the_unmatched(tmp_path):
    import mne

    names = ["Fp1", "Fp2", "Cz", "EXG1", "Status"]
    info = mne.create_info(names, 256.0, ["eeg"] * 4 + ["stim"])
    raw = mne.io.RawArray(np.zeros((5, 512)), info, verbose="error")
    path = tmp_path / "rec.fif"
    raw.save(path, verbose="error")
    choice = channels_from_source(str(path))
    assert choice.channels == ("FP1", "FP2", "CZ")
    assert choice.unmatched == ("EXG1",)  # the stim channel is not EEG
    assert "no SEED counterpart (not used): EXG1" in choice.describe()


def _synthetic_eeg(seconds: float = 12, seed: int = 0) -> np.ndarray:
    """SYNTHETIC 62-channel EEG in µV: noise plus a channel-dependent alpha."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 200)) / 200
    amp = np.linspace(2, 12, 62)[:, None]
    return 10 * rng.standard_normal((62, t.size)) + amp * np.sin(2 * np.pi * 10 * t)


def test_subset_features_are_the_columns_of_the_full_features():
    cfg = FeatureConfig()
    eeg = _synthetic_eeg()
    subset = tuple(sorted(EPOC, key=SEED_CHANNELS.index))
    chosen = ChannelSet.of(subset)
    rows, cols = chosen.rows, chosen.feature_columns(5)
    # Offline (training) path: DE + causal Kalman per feature.
    full = extract_features(eeg, cfg)
    np.testing.assert_array_equal(extract_features(eeg[rows], cfg), full[:, rows])
    # Live path: the same chain with the model's channels only.
    full_live = OnlineFeatures(cfg, None, 62).push(eeg)
    sub_live = OnlineFeatures(cfg, None, len(subset)).push(eeg[rows])
    assert len(full_live) == len(sub_live) > 0
    for f, s in zip(full_live, sub_live, strict=True):
        np.testing.assert_array_equal(s.de, f.de[rows])
        np.testing.assert_array_equal(s.smoothed, f.smoothed[rows])
        np.testing.assert_array_equal(s.sequence, f.sequence[:, cols])
    # And training takes those columns of the cached 62-channel steps.
    from eegstream.features import flatten_features
    from eegstream.training.data import TrialSteps, select_channels

    trial = TrialSteps("k", 1, 1, 1, 0, flatten_features(full).astype(np.float32))
    (picked,) = select_channels([trial], subset, 5)
    np.testing.assert_array_equal(
        picked.steps, flatten_features(full[:, rows]).astype(np.float32)
    )


def _train(root, tmp_path, name, *extra):
    out = tmp_path / f"run-{name}"
    argv = ["train", "--dataset", "seed-iv", "--root", str(root), "--name", name,
            "--out", str(out), "--models-dir", str(tmp_path / "models"),
            "--cache-dir", str(tmp_path / "cache"),
            "--crops", "0",  # a sequence per trial: evaluate's offline figure
            *extra]  # fmt: skip
    code = main(argv)
    metrics = json.loads((out / "metrics.json").read_text()) if out.exists() else None
    return code, out, metrics


def _cache_files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_train_on_a_headset_preset_with_the_full_montage_beside(
    synthetic_seed_iv_small, tmp_path, capsys
):
    root = synthetic_seed_iv_small
    # A full-montage run fills the feature cache ...
    assert _train(root, tmp_path, "full", "--arch", "logreg")[0] == 0
    cached = _cache_files(tmp_path / "cache")
    capsys.readouterr()
    code, out, metrics = _train(
        root, tmp_path, "epoc", "--arch", "logreg",
        "--channels-from", "emotiv-epoc", "--compare-full",
    )  # fmt: skip
    assert code == 0
    # ... which the subset run reuses: nothing new is computed or cached.
    assert _cache_files(tmp_path / "cache") == cached
    printed = capsys.readouterr().out
    assert "channels from preset emotiv-epoc: emotiv-epoc (14 channels)" in printed
    assert "all 62 channels (same splits)" in printed
    ckpt = load_checkpoint(tmp_path / "models" / "epoc.safetensors")
    assert ckpt.channels == tuple(sorted(EPOC, key=SEED_CHANNELS.index))
    assert ckpt.n_features == ckpt.meta.arch_params["n_features"] == 14 * 5
    assert len(ckpt.meta.normaliser.mean) == 70
    # The full-montage fit is on the very same splits as the 62-channel run.
    full = json.loads((tmp_path / "run-full" / "metrics.json").read_text())
    split = metrics["splits"][0]
    assert split["split"] == full["splits"][0]["split"]
    assert split["full_montage"]["test"] == full["splits"][0]["test"]
    assert metrics["summary"]["full_test_accuracy"]["mean"] == pytest.approx(
        full["summary"]["test_accuracy"]["mean"]
    )
    assert "--channels AF3,AF4,F7" in metrics["command"]
    report = (out / "report.md").read_text()
    assert "Channels: emotiv-epoc (14 channels)" in report
    assert "What fewer channels cost" in report
    card = (tmp_path / "models" / "epoc.md").read_text()
    assert "**Channels**: emotiv-epoc" in card and "Full 62 channels" in card
    assert main(["info", "--model", str(tmp_path / "models" / "epoc.safetensors")]) == 0
    assert "channels   emotiv-epoc (14 channels)" in capsys.readouterr().out
    # Evaluation feeds the model its own channels, offline and streamed.
    test = ",".join(map(str, split["split"]["test"]))
    argv = ["evaluate", "--model", str(tmp_path / "models" / "epoc.safetensors"),
            "--dataset", "seed-iv", "--root", str(root), "--subjects", test,
            "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    assert main([*argv, "--out", str(tmp_path / "ev")]) == 0
    evaluation = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert evaluation["accuracy"] == split["test"]["accuracy"]
    assert main([*argv, "--out", str(tmp_path / "evs"), "--streaming"]) == 0


def test_headset_replay_plays_its_channels_at_its_rate():
    from eegstream.replay import array_source, headset_source

    n = 2000  # 10 s at 200 Hz
    level = np.arange(62.0)[:, None] * np.ones((1, n))  # each row: its SEED index
    source = headset_source(array_source([level], 200.0, SEED_CHANNELS), "emotiv-epoc")
    assert source.sfreq == 128.0 and source.ch_names == EPOC
    (segment,) = source.segments
    data = segment.load()
    assert data.shape == (14, 1280) == (14, segment.n_samples)
    # Each headset channel carries its own SEED row (away from the filter's edges).
    expected = ChannelSet.of(EPOC).rows.astype(float)
    np.testing.assert_allclose(data[:, 200:-200].mean(1), expected, atol=1e-6)
    with pytest.raises(EEGStreamError, match="lacks emotiv-epoc channels AF3"):
        headset_source(
            array_source([level[:3]], 200.0, SEED_CHANNELS[:3]), "emotiv-epoc"
        )


def test_a_channel_set_is_all_62_for_none_keeps_order_and_refuses_strangers():
    assert ChannelSet.of(None).names == SEED_CHANNELS and len(ChannelSet.of()) == 62
    np.testing.assert_array_equal(ChannelSet.of(None).rows, np.arange(62))
    some = ChannelSet.of(["T3", "af3", "F7"])  # labels normalised, T3 is T7
    assert some.names == ("T7", "AF3", "F7") and not some.in_seed_order
    assert some.rows.tolist() == [23, 3, 5]
    assert ChannelSet.of(["F7", "AF3"]).feature_columns(2).tolist() == [10, 11, 6, 7]
    assert ChannelSet.of(sorted(EPOC, key=SEED_CHANNELS.index)).in_seed_order
    with pytest.raises(EEGStreamError, match="not SEED-montage EEG channels: EKG"):
        ChannelSet.of(["FZ", "EKG"])
