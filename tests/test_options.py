"""One table of options: parser defaults, reproduce lines and hidden aliases."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from eegstream._options import values_from_args
from eegstream.cli import build_parser
from eegstream.features import FeatureConfig
from eegstream.training.config import (
    RECIPES,
    TRAIN_OPTIONS,
    RunOptions,
    TrainConfig,
    apply_recipe,
    reproduce_command,
)


def _subparser(name: str):
    return build_parser()._subparsers._group_actions[0].choices[name]


def _read(values, attr: str):
    for part in attr.split("."):
        values = getattr(values, part)
    return values


def _resolved(args):
    """Parsed train arguments with the recipe's settings filled in, nested."""
    return apply_recipe(values_from_args(args, TRAIN_OPTIONS), args.recipe)


def _nested(values, attr: str):
    for part in attr.split("."):
        values = values[part]
    return values


def test_train_parser_defaults_are_the_dataclasses_or_the_recipes() -> None:
    args = _subparser("train").parse_args(["--dataset", "seed", "--root", "r"])
    values, defaults = _resolved(args), RunOptions("seed", Path("r"))
    live = RECIPES["live"]
    for opt in TRAIN_OPTIONS:
        if opt.attr is None or opt.required or opt.attr in ("subjects", "recipe"):
            continue
        expected = live[opt.attr] if opt.attr in live else _read(defaults, opt.attr)
        assert _nested(values, opt.attr) == expected, opt.flag
    assert values["recipe"] == "live"


def test_reproduce_command_parses_back_to_the_same_run() -> None:
    opts = RunOptions(
        "seed-iv",
        Path("/data/seed iv"),
        protocol="loso",
        normaliser="running",
        subjects=[1, 2, 5],
        feature_config=FeatureConfig(hop_s=0.5, smoothing="none"),
        train=TrainConfig(lr=1e-3, epochs=7, select_on="loss"),
        max_missing_channels=3,
        recipe="paper",
    )
    words = shlex.split(reproduce_command(opts))
    assert words[:2] == ["eegstream", "train"]
    assert "--epochs" in words and "--seed" not in words  # defaults left out
    values = _resolved(build_parser().parse_args(words[1:]))
    for opt in TRAIN_OPTIONS:
        if opt.attr is None:
            continue
        expected = _read(opts, opt.attr)
        if opt.attr == "subjects":
            expected = ",".join(map(str, expected))
        assert _nested(values, opt.attr) == expected, opt.flag


@pytest.mark.parametrize("command", ["features", "evaluate", "train"])
def test_cache_dir_has_the_old_spelling_as_a_hidden_alias(command, capsys) -> None:
    parser = _subparser(command)
    assert "--cache " not in parser.format_help()
    assert "--cache-dir" in parser.format_help()
    required = {
        "features": ["--dataset", "seed"],
        "evaluate": ["--model", "m", "--dataset", "seed", "--root", "r"],
        "train": ["--dataset", "seed", "--root", "r"],
    }[command]
    for flag in ("--cache", "--cache-dir"):
        args = parser.parse_args([*required, flag, "c"])
        assert args.cache_dir == Path("c")


def test_every_registered_model_can_be_trained_and_is_offered() -> None:
    from eegstream.model import MODELS
    from eegstream.training.config import ARCHS
    from eegstream.training.run import BASELINE, TRAINERS

    assert set(ARCHS) == set(TRAINERS) == set(MODELS) and BASELINE in MODELS


def test_pipeline_options_offer_the_pipelines_units_and_devices() -> None:
    from eegstream._options import DEVICES
    from eegstream.pipeline.units import UNIT_CHOICES

    for command in ("run", "live"):
        actions = {a.dest: a for a in _subparser(command)._actions}
        assert tuple(actions["unit"].choices) == UNIT_CHOICES
        assert tuple(actions["device"].choices) == DEVICES
