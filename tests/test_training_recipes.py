"""Crop training, the paper's annex split and the two named recipes."""
# ruff: noqa: NPY002 - the paper annex's legacy-RNG draw is what is checked

from __future__ import annotations

import argparse

import numpy as np
import pytest

from eegstream import EEGStreamError
from eegstream._options import add_options, values_from_args
from eegstream.features import FeatureConfig, RollingSequence
from eegstream.training import RECIPES, RunOptions, TrainConfig, paper_splits
from eegstream.training.config import apply_recipe, paper_departures, recipe_overrides
from eegstream.training.crops import CropSet, build_crops, crop_stride
from eegstream.training.data import TrialSteps, build_sequences
from eegstream.training.options import TRAIN_OPTIONS, reproduce_command


def _trials(lengths, n_features=6, seed=0):
    rng = np.random.default_rng(seed)
    return [
        TrialSteps(f"s{1 + i // 2}_t{i}", 1 + i // 2, 1, i, i % 3,
                   rng.normal(size=(n, n_features)).astype(np.float32))
        for i, n in enumerate(lengths)
    ]  # fmt: skip


def test_crops_are_what_the_live_rolling_sequence_shows():
    cfg = FeatureConfig(seq_len=8)
    trials = _trials([13, 5, 20, 9])
    mean, std = np.zeros(6), np.ones(6)
    crops = build_crops(trials, cfg, 2.0, "running", mean, std)
    normed = {t.key: crops.steps[i] for i, t in enumerate(trials)}
    seen = 0
    for i, t in enumerate(trials):
        rolling = RollingSequence(cfg.seq_len, 6, cfg.padding)
        live = []
        for row in normed[t.key]:
            rolling.push(row)
            live.append(rolling.array())
        mine = np.flatnonzero(crops.trial == i)
        # every stride-th sequence of the live path, warm-up prefixes included
        assert crops.end[mine].tolist() == list(range(2, len(t.steps) + 1, 2))
        np.testing.assert_array_equal(crops.take(mine), np.stack(live[1::2]))
        assert (crops.y[mine] == t.label).all()
        seen += len(mine)
    assert seen == len(crops)


def test_crop_draw_bounds_each_trial_and_changes_each_epoch():
    crops = CropSet([np.ones((n, 2)) for n in (40, 6, 3)], [0, 1, 2], [1, 1, 2],
                    ["a", "b", "c"], 10, "end", 1)  # fmt: skip
    rng = np.random.default_rng(0)
    a, b = crops.draw(rng, 4), crops.draw(rng, 4)
    for idx in (a, b):
        assert np.bincount(crops.trial[idx]).tolist() == [4, 4, 3]
        assert len(set(idx.tolist())) == len(idx)  # no crop twice in an epoch
    assert a.tolist() != b.tolist()
    prob = np.eye(3)[crops.trial]  # each crop votes for its trial index
    np.testing.assert_allclose(crops.trial_probabilities(prob), np.eye(3))


@pytest.mark.parametrize("stride", [0.5, 6.0])
def test_crop_stride_outside_hop_and_trial_is_one_line(stride):
    cfg = FeatureConfig()  # 1 s hop
    with pytest.raises(EEGStreamError, match=r"crops stride .* hop \(1 s\).* \(5 s\)"):
        build_crops(_trials([5, 9]), cfg, stride, "subject", None, None)
    assert crop_stride(2.4, 1.0, 5.0) == 2


def test_paper_zscore_over_padded_sequences():
    cfg = FeatureConfig(seq_len=10)
    trials = _trials([4, 12, 7, 10])
    seqs = build_sequences(trials, cfg, "subject", None, None, zscore_over="sequences")
    for s in (1, 2):
        block = seqs.x[seqs.subjects == s].reshape(-1, 6)
        np.testing.assert_allclose(block.mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(block.std(0), 1, atol=1e-4)
    # padding is z-scored too: trial 0 (4 steps) has equal rows after its steps
    assert np.ptp(seqs.x[0, 4:], axis=0).max() == 0
    assert seqs.x[0, 4:].any()


def test_annex_split_draws_as_the_papers_code():
    classes = {s: {0, 1, 2, 3} for s in range(1, 16)}
    split = paper_splits(classes, 4, draw="annex")[0]
    order = list(range(1, 16))
    np.random.seed(42)
    np.random.shuffle(order)
    # int() sizes: 10 train, 2 validation, the remaining 3 test
    assert split.train == tuple(sorted(order[:10]))
    assert split.val == tuple(sorted(order[10:12]))
    assert split.test == tuple(sorted(order[12:]))
    # a class missing from a part: the same stream is shuffled again
    rich = set(order[:2] + order[10:12])  # no test subject of the first draw
    sparse = {s: ({0, 1, 2, 3} if s in rich else {0}) for s in range(1, 16)}
    order = list(range(1, 16))
    np.random.seed(42)
    while True:
        np.random.shuffle(order)
        parts = (order[:10], order[10:12], order[12:])
        if all(set(p) & rich for p in parts):
            break
    redrawn = paper_splits(sparse, 4, draw="annex")[0]
    assert (redrawn.train, redrawn.test) == (
        tuple(sorted(parts[0])),
        tuple(sorted(parts[2])),
    )


def _parse(*argv):
    parser = argparse.ArgumentParser()
    add_options(parser, TRAIN_OPTIONS)
    args = parser.parse_args(["--dataset", "seed-iv", "--root", "r", *argv])
    values = apply_recipe(values_from_args(args, TRAIN_OPTIONS), args.recipe)
    return RunOptions(
        **{
            **values,
            "feature_config": FeatureConfig(**values["feature_config"]),
            "train": TrainConfig(**values["train"]),
        }
    )


def test_paper_recipe_departs_from_nothing_and_overrides_are_listed():
    paper = _parse("--recipe", "paper")
    assert paper_departures(paper) == [] and recipe_overrides(paper) == {}
    assert (paper.feature_config.hop_s, paper.train.epochs) == (4.0, 100)
    assert (paper.train.early_stopping, paper.train.keep) == (0, "last")
    assert reproduce_command(paper).endswith("--recipe paper")
    tweaked = _parse("--recipe", "paper", "--epochs", "7", "--lr", "5e-05")
    assert recipe_overrides(tweaked) == {"train.epochs": {"recipe": 100, "run": 7}}
    assert paper_departures(tweaked) == [
        {"setting": "train.epochs", "paper": 100, "run": 7}
    ]
    assert reproduce_command(tweaked).endswith("--recipe paper --epochs 7")


def test_live_recipe_is_the_default_and_lists_its_departures():
    live = _parse()
    assert live.recipe == "live" and live.crops == RECIPES["live"]["crops"] > 0
    assert recipe_overrides(live) == {}
    settings = {d["setting"] for d in paper_departures(live)}
    assert {"crops", "normaliser", "feature_config.hop_s", "train.keep"} <= settings
    assert reproduce_command(live).endswith("--recipe live")


def test_conditioning_is_a_recipe_setting_and_its_flags_override_it():
    from dataclasses import asdict

    from eegstream.features import ConditioningSettings

    # The paper's features came from the labs' filtered EEG: no stage of ours.
    assert _parse("--recipe", "paper").feature_config.conditioning is None
    live = _parse()
    assert live.feature_config.conditioning == ConditioningSettings()
    assert {
        "setting": "feature_config.conditioning",
        "paper": None,
        "run": asdict(ConditioningSettings()),
    } in paper_departures(live)
    off = _parse("--no-conditioning")
    assert off.feature_config.conditioning is None
    assert recipe_overrides(off)["feature_config.conditioning"]["run"] is None
    assert "--no-conditioning" in reproduce_command(off)
    us = _parse("--recipe", "paper", "--line-freq", "60")
    assert us.feature_config.conditioning == ConditioningSettings(line_freq=60.0)
    assert "feature_config.conditioning" in recipe_overrides(us)
    # Parsed back, the line gives the same conditioning as the run.
    words = reproduce_command(us).split()[2:]
    assert _parse(*words).feature_config == us.feature_config
