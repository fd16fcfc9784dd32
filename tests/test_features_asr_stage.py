"""ASR as a stage of the feature chain: lead-in, fit, cleaning; offline = live.

Real PhysioNet EEG (S001R03, 64 channels at 160 Hz), with a short lead-in so
that the tests stay fast.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from _chunks import chunks

from eegstream._errors import EEGStreamError
from eegstream.features import (
    ASRSettings,
    FeatureConfig,
    StreamingDE,
    asr_clean,
    compute_de,
    condition,
    extract_features,
)
from eegstream.features.asr_stage import ASRStage
from eegstream.files.reading import load_recording

pytest.importorskip("meegkit")

SFREQ = 160.0
# Lead-in 20 s, cleaning from 24 s: blocks of 0.5 s (80 samples) divide the hop.
SETTINGS = ASRSettings(
    lead_in_seconds=20, min_clean_seconds=10, fit_grace_seconds=4, cutoff=10
)


@pytest.fixture(scope="module")
def raw(realdata: Path) -> np.ndarray:
    rec = load_recording(realdata / "S001R03.edf", sfreq=None, seed_order=False)
    assert rec.sfreq == SFREQ
    return rec.data[:, : int(50 * SFREQ)]


@pytest.fixture(scope="module")
def cfg() -> FeatureConfig:
    return FeatureConfig(sfreq=SFREQ, asr=SETTINGS)


def test_the_lead_in_and_grace_pass_unchanged_and_the_rest_is_cleaned(raw, cfg):
    conditioned = condition(raw, cfg)
    cleaned = asr_clean(conditioned, cfg)
    start = int(24 * SFREQ)
    np.testing.assert_array_equal(cleaned[:, :start], conditioned[:, :start])
    changed = np.abs(cleaned[:, start:] - conditioned[:, start:]).max(axis=0)
    assert changed.max() > 1.0  # µV: cutoff 10 reconstructs some of a motor task
    assert cleaned.shape == conditioned.shape


def test_streaming_rows_equal_the_offline_rows_for_any_chunking(raw, cfg):
    offline = compute_de(asr_clean(condition(raw, cfg), cfg), cfg)
    assert len(offline) == 47
    for sizes in ([10], [1000], [37, 3, 250]):
        de = StreamingDE(cfg, raw.shape[0], condition=True, background_fit=True)
        rows = [de.push(piece)[0] for piece in chunks(raw, sizes)]
        de.asr.finish()
        np.testing.assert_array_equal(np.concatenate(rows), offline)
        assert de.asr.state == "cleaning"
        assert de.asr.messages and "ASR fitted on" in de.asr.messages[0]


def test_extract_features_differs_from_no_asr_only_after_cleaning_starts(raw, cfg):
    with_asr = extract_features(raw, cfg)
    without = extract_features(raw, cfg.replace(asr=None))
    # Windows of 4 s ending by 24 s saw only unchanged samples.
    first_cleaned = 24 - 4  # window i ends at (i + 4) s
    np.testing.assert_array_equal(
        with_asr[: first_cleaned + 1], without[: first_cleaned + 1]
    )
    assert not np.array_equal(
        with_asr[first_cleaned + 1 :], without[first_cleaned + 1 :]
    )


def test_a_gap_keeps_the_fit_and_counts_blocks_from_the_new_segment(raw, cfg):
    de = StreamingDE(cfg, raw.shape[0], condition=True)
    de.push(raw[:, : int(30 * SFREQ)])
    assert de.asr.state == "cleaning"
    fit = de.asr.asr.calibration
    de.reset()
    rows, _ = de.push(raw[:, int(30 * SFREQ) :])
    assert de.asr.asr.calibration is fit
    # After the gap the segment is cleaned from its first block, as offline
    # cleaning of the segment alone with the same fit would.
    segment = condition(raw[:, int(30 * SFREQ) :], cfg)
    fitted = de.asr.asr
    fitted.reset()
    expected = compute_de(
        np.concatenate([fitted.push(segment), fitted.flush()], 1), cfg
    )
    np.testing.assert_array_equal(rows, expected)


def test_too_little_clean_eeg_turns_asr_off_live_and_fails_offline(raw, cfg):
    picky = cfg.replace(asr=ASRSettings(lead_in_seconds=20, min_clean_seconds=20))
    stage = ASRStage(picky, raw.shape[0], background=True)
    conditioned = condition(raw, picky)
    out = stage.push(conditioned)
    stage.finish()
    assert stage.state == "off"
    assert "ASR is off for this session" in stage.messages[0]
    assert "needs 20 s" in stage.messages[0]
    np.testing.assert_array_equal(out, conditioned)
    with pytest.raises(EEGStreamError, match=r"found \d+\.\d s of clean EEG"):
        asr_clean(conditioned, picky)


def test_eeg_shorter_than_the_lead_in_is_refused_offline(raw, cfg):
    with pytest.raises(EEGStreamError, match="needs a 20 s lead-in.*lasts 15.0 s"):
        asr_clean(condition(raw[:, : int(15 * SFREQ)], cfg), cfg)


def test_channels_a_file_lacks_pass_through(raw, cfg):
    conditioned = condition(raw, cfg)
    conditioned[5] = np.nan
    cleaned = asr_clean(conditioned, cfg)
    assert np.isnan(cleaned[5]).all()
    assert np.isfinite(np.delete(cleaned, 5, axis=0)).all()


def test_settings_travel_with_the_features_and_old_hashes_stay():
    plain = FeatureConfig()
    assert "asr" not in plain.to_dict()
    with_asr = FeatureConfig(asr=True)
    assert with_asr.asr == ASRSettings()
    assert FeatureConfig.from_dict(with_asr.to_dict()) == with_asr
    assert with_asr.hash() != plain.hash()


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"conditioning": None}, "needs zero-mean EEG"),
        ({"asr": {"block_seconds": 0.3}}, "block_seconds 0.3 s must be"),
        ({"asr": {"fit_grace_seconds": 90}}, "fit_grace_seconds must be a number"),
        ({"asr": "yes"}, "asr must be ASRSettings"),
    ],
)
def test_settings_asr_cannot_run_with_are_refused(changes, match):
    with pytest.raises(EEGStreamError, match=match):
        FeatureConfig(**{"asr": True, **changes})


def test_the_live_chain_cleans_after_the_lead_in_whatever_the_chunking(realdata):
    from eegstream.pipeline import LiveChain, run_recording

    rec = load_recording(realdata / "S001R03.edf", sfreq=None, seed_order=False)
    plain = LiveChain.from_recording("demo-seed-iv", rec, checks=False, asr=False)
    runs = []
    for chunk in (10, 37):
        chain = LiveChain.from_recording(
            "demo-seed-iv", rec, checks=False, asr=SETTINGS
        )
        assert chain.cfg.asr == SETTINGS
        assert "trained without it" in chain.warnings[-1]
        runs.append(run_recording(chain, rec, chunk=chunk))
        assert any("ASR fitted on" in w for w in chain.warnings)
    before = run_recording(plain, rec)
    probs = [np.stack([r.probabilities for r in run]) for run in (*runs, before)]
    np.testing.assert_array_equal(probs[0], probs[1])
    # Windows ending by 24 s (cleaning starts there) are untouched.
    ends = np.array([r.timestamp for r in runs[0]])
    early = ends < 24
    np.testing.assert_array_equal(probs[0][early], probs[2][early])
    assert not np.array_equal(probs[0][~early], probs[2][~early])


def test_a_checkpoint_trained_with_asr_runs_it_live_unless_told_not_to(tmp_path):
    from eegstream.model import load_checkpoint
    from eegstream.model._testing import untrained_checkpoint
    from eegstream.montage import SEED_CHANNELS
    from eegstream.pipeline import LiveChain

    path = untrained_checkpoint(
        tmp_path / "asr.safetensors", cfg=FeatureConfig(asr=True)
    )
    ckpt = load_checkpoint(path)
    assert ckpt.feature_config.asr == ASRSettings()  # the header kept it
    on = LiveChain.from_labels(ckpt, SEED_CHANNELS, 200.0, checks=False)
    assert on.cfg.asr == ASRSettings() and on.classifier.features.asr is not None
    assert not any("ASR" in w for w in on.warnings)
    off = LiveChain.from_labels(ckpt, SEED_CHANNELS, 200.0, checks=False, asr=False)
    assert off.cfg.asr is None and off.classifier.features.asr is None
    assert "ASR is off (--no-asr) but the model was trained with it" in off.warnings


def test_a_new_wearer_gets_a_new_lead_in_and_fit(realdata):
    from eegstream.pipeline import LiveChain

    rec = load_recording(realdata / "S001R03.edf", sfreq=None, seed_order=False)
    chain = LiveChain.from_recording("demo-seed-iv", rec, checks=False, asr=SETTINGS)
    stage = chain.classifier.features.asr
    first = chain.push_array(rec.data[:, : int(30 * SFREQ)], np.arange(30 * 160.0))
    assert stage.state == "cleaning" and first
    chain.reset_wearer()
    assert stage.state == "lead-in"  # the last wearer's fit is not theirs
    chain.push_array(rec.data[:, : int(30 * SFREQ)], np.arange(30 * 160.0))
    assert stage.state == "cleaning"
    assert sum("ASR fitted on" in w for w in chain.warnings) == 2


def test_the_live_fit_runs_in_the_child_process(raw, cfg, monkeypatch):
    from eegstream.features import asr_fit, asr_stage

    def not_here(*args):
        raise AssertionError("the live fit ran in the live process")

    for module in (asr_stage, asr_fit):  # wherever this process could fit
        monkeypatch.setattr(module, "fit_lead_in", not_here)
    stage = ASRStage(cfg, raw.shape[0], background=True)
    child = asr_fit.warm_up().process
    assert child.pid != os.getpid() and child.poll() is None
    stage.push(condition(raw, cfg))
    stage.finish()
    assert stage.state == "cleaning", stage.messages


def test_a_run_that_waits_for_the_fit_fits_in_its_own_thread(raw, cfg, monkeypatch):
    """``run --file``: no lower-priority child to wait on, after a restart too."""
    from eegstream.features import asr_stage
    from eegstream.features.online import OnlineFeatures

    def not_in_child(*args):
        raise AssertionError("the fit ran in the child process")

    monkeypatch.setattr(asr_stage, "fit_in_child", not_in_child)
    features = OnlineFeatures(cfg, None, raw.shape[0])
    features.set_background_fit(False)
    features.set_line_freq(50.0)  # a new extractor, fitting here too
    assert features.asr is not None and not features.asr.background
    steps = features.push(raw)
    features.asr.finish()
    assert features.asr.state == "cleaning", features.asr.messages
    assert len(steps) == 47


def test_a_fit_child_that_dies_is_replaced_or_turns_asr_off(raw, cfg):
    from eegstream.features import asr_fit

    conditioned = condition(raw, cfg)
    lead_in = int(SETTINGS.lead_in_seconds * SFREQ)
    # Dead before the lead-in ends: the fit starts a new child.
    stage = ASRStage(cfg, raw.shape[0], background=True)
    dead = asr_fit.warm_up().process
    dead.kill()
    dead.wait()
    stage.push(conditioned)
    stage.finish()
    assert stage.state == "cleaning", stage.messages
    assert asr_fit.warm_up().process.pid != dead.pid
    # Dead during the fit: ASR is off for the session, which goes on.
    stage = ASRStage(cfg, raw.shape[0], background=True)
    out = [stage.push(conditioned[:, :lead_in])]  # the fit starts
    service = asr_fit.warm_up()
    deadline = time.monotonic() + 30
    while not service._lock.locked() and time.monotonic() < deadline:
        time.sleep(0.001)
    service.process.kill()
    out.append(stage.push(conditioned[:, lead_in:]))
    stage.finish()
    assert stage.state == "off"
    assert stage.messages == [
        "ASR is off for this session: the fit process ended (exit status -9)"
    ]
    np.testing.assert_array_equal(np.concatenate(out, axis=1), conditioned)
