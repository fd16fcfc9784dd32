"""FeatureConfig: validation, JSON round trip, stable and sensitive hash."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from eegstream import EEGStreamError
from eegstream.features import (
    SEED_BANDS,
    ConditioningSettings,
    FeatureConfig,
    KalmanSettings,
)


def test_defaults_are_the_seed_settings():
    cfg = FeatureConfig()
    assert (cfg.sfreq, cfg.window, cfg.hop, cfg.fft_length) == (200.0, 800, 200, 800)
    assert cfg.bands == SEED_BANDS and cfg.band_names[2] == "alpha"


@pytest.mark.parametrize(
    "cfg",
    [
        FeatureConfig(),
        FeatureConfig(hop_s=4.0, compat="seed-vii"),
        FeatureConfig(
            bands=((2, 6), (6, 30)),
            window_s=2,
            smoothing="none",
            kalman=KalmanSettings(0.01, 2.0, 0.5, initial_mean=1.5),
            seq_len=10,
            padding="start",
            conditioning=ConditioningSettings(0.1, 70, order=4, line_freq=60),
        ),
        FeatureConfig(conditioning=None),
    ],
    ids=["default", "seed-vii", "custom", "unconditioned"],
)
def test_json_round_trip(cfg):
    text = cfg.to_json()
    back = FeatureConfig.from_json(text)
    assert back == cfg and back.hash() == cfg.hash()
    assert FeatureConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_hash_ignores_int_vs_float_and_is_stable_across_processes():
    assert (
        FeatureConfig(window_s=4, hop_s=1, sfreq=200).hash() == FeatureConfig().hash()
    )
    code = "from eegstream.features import FeatureConfig; print(FeatureConfig().hash())"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == FeatureConfig().hash() and len(other) == 12


@pytest.mark.parametrize(
    "change",
    [
        {"hop_s": 4.0},
        {"window_s": 2.0},
        {"compat": "seed-vii"},
        {"smoothing": "none"},
        {"kalman": KalmanSettings(transition_cov=0.002)},
        {"kalman": KalmanSettings(initial_mean=0.0)},
        {"bands": SEED_BANDS[:4]},
        {"seq_len": 30},
        {"padding": "start"},
        {"n_fft": 1024},
        {"conditioning": None},
        {"conditioning": ConditioningSettings(line_freq=60)},
        {"conditioning": ConditioningSettings(highpass_hz=0.1)},
        {"conditioning": ConditioningSettings(lowpass_hz=70)},
        {"conditioning": ConditioningSettings(order=4)},
        {"conditioning": ConditioningSettings(notch_q=20)},
    ],
    ids=str,
)
def test_hash_changes_with_every_setting(change):
    assert FeatureConfig(**change).hash() != FeatureConfig().hash()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bands": ((31.0, 120.0),)}, "above the Nyquist frequency 100 Hz"),
        ({"bands": ((8.0, 4.0),)}, "low < high"),
        ({"bands": ()}, "at least one"),
        ({"window_s": 4.001}, "whole number of samples"),
        ({"hop_s": 0}, "hop_s must be a positive"),
        ({"sfreq": -1}, "sfreq must be > 0"),
        ({"compat": "seed-iv"}, "compat must be one of"),
        ({"smoothing": "lds"}, "smoothing must be one of"),
        ({"padding": "middle"}, "padding must be one of"),
        ({"seq_len": 0}, "seq_len must be a positive integer"),
        ({"seq_len": True}, "seq_len must be a positive integer"),
        ({"n_fft": 1}, "n_fft must be >= 2"),
        ({"kalman": {"q": 1}}, "unknown KalmanSettings keys"),
        ({"conditioning": {"line_freq": 55}}, "line_freq must be 50 or 60 Hz, got 55"),
        (
            {"conditioning": {"highpass_hz": 100}},
            r"highpass_hz 100 Hz is at or above the Nyquist .* in \(0, 100\) Hz",
        ),
        (
            {"conditioning": {"lowpass_hz": 120}},
            r"lowpass_hz 120 Hz is at or above the Nyquist .* in \(0, 100\) Hz",
        ),
        (
            {"conditioning": {"highpass_hz": 40, "lowpass_hz": 4}},
            "wrong order: highpass_hz 40 must be below lowpass_hz 4",
        ),
        ({"conditioning": {"highpass_hz": -1}}, "highpass_hz must be a finite"),
        ({"conditioning": {"order": 0}}, "order must be a whole number from 1 to 8"),
        ({"conditioning": {"order": 2.5}}, "order must be a whole number"),
        ({"conditioning": {"notch": 30}}, "unknown ConditioningSettings keys"),
        ({"conditioning": "on"}, "conditioning must be ConditioningSettings"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_settings_raise_one_line_errors(kwargs, match):
    with pytest.raises(EEGStreamError, match=match) as info:
        FeatureConfig(**kwargs)
    assert "\n" not in str(info.value)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(EEGStreamError, match="unknown feature settings"):
        FeatureConfig.from_dict({**FeatureConfig().to_dict(), "wndow_s": 4})


def test_seed_vii_compat_fills_its_quirks_but_respects_explicit_choices():
    cfg = FeatureConfig(compat="seed-vii")
    assert cfg.bands[-1] == (31.0, 49.0) and cfg.n_fft == 256
    assert FeatureConfig(compat="seed-vii", n_fft=512).n_fft == 512


def test_settings_saved_before_conditioning_load_as_unconditioned():
    # A checkpoint or cache written before conditioning existed has no key:
    # it loads as conditioning off, with the hash it had then.
    old = FeatureConfig(conditioning=None).to_dict()
    assert "conditioning" not in old
    assert FeatureConfig.from_dict(old).conditioning is None
    assert FeatureConfig().conditioning == ConditioningSettings()  # new default on
    assert FeatureConfig().to_dict()["conditioning"]["line_freq"] == 50.0


def test_line_harmonics_stop_below_nyquist():
    assert ConditioningSettings().harmonics(200.0) == (50.0,)  # 100 Hz is Nyquist
    assert ConditioningSettings(line_freq=60).harmonics(200.0) == (60.0,)
    assert ConditioningSettings().harmonics(250.0) == (50.0, 100.0)
    assert ConditioningSettings(line_freq=60).harmonics(1000.0) == tuple(
        60.0 * k for k in range(1, 9)
    )


def test_conditioning_is_described_in_words():
    assert ConditioningSettings().describe() == (
        "high-pass 0.5 Hz (order 2), notch 50 Hz and harmonics (Q 30)"
    )
    paper = ConditioningSettings(highpass_hz=0.1, lowpass_hz=70, order=4, line_freq=60)
    assert paper.describe() == (
        "high-pass 0.1 Hz (order 4), low-pass 70 Hz (order 4), "
        "notch 60 Hz and harmonics (Q 30)"
    )
